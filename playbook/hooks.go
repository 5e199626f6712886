package playbook

import (
	"context"
	"io"

	"github.com/ome/omeprov/modules"
)

// TaskHook watches and may stop module runs: omeprov's Python policy is
// one. Hooks run on the controller, once per host and loop item.
type TaskHook interface {
	// BeforeTask runs after the task's arguments are templated and
	// validated and before the module runs. A non-nil result ends the task
	// with that result instead of running the module; the hook may also
	// change mt (its Args) to alter what runs.
	BeforeTask(ctx context.Context, info TaskInfo, mt *modules.Task) (modules.Result, error)
	// AfterTask sees every result.
	AfterTask(ctx context.Context, info TaskInfo, mt *modules.Task, res modules.Result)
	// Report is printed after the PLAY RECAP.
	Report(w io.Writer)
}

// TaskInfo says where a task comes from.
type TaskInfo struct {
	Pos    Pos    // file:line of the task
	Name   string // the task's name as shown
	Host   string
	Module string // short module name
}
