package playbook

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"time"

	"github.com/ome/omeprov/modules"
)

// Ansible's async tasks. With no Python on the host there is no async
// wrapper to leave behind: omeprov keeps the job on the controller, on the
// host's connection. poll > 0 waits up to async seconds; poll: 0 starts
// the job and moves on, and async_status reads it later in the same run.

// job is one async task started with poll: 0.
type job struct {
	mu       sync.Mutex
	finished bool
	res      modules.Result
	st       taskStatus
}

type jobTable struct {
	mu   sync.Mutex
	jobs map[string]*job
}

func (j *jobTable) add(id string, jb *job) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*job{}
	}
	j.jobs[id] = jb
}

func (j *jobTable) get(id string) (*job, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, ok := j.jobs[id]
	return jb, ok
}

func newJobID() string {
	return fmt.Sprintf("j%d.%d", rand.Int63n(1e12), time.Now().UnixNano()%1e6)
}

// asyncSettings reads async: and poll: (Ansible's default poll is 15).
func (e *Executor) asyncSettings(t *Task, scope map[string]any) (async, poll int, err error) {
	if t.Async == nil {
		return 0, 0, nil
	}
	intOf := func(v any) (int, error) {
		r, err := e.opts.Templar.Template(v, scope, nil)
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(stringOf(r))
		if err != nil {
			return 0, fmt.Errorf("async and poll must be integers, got %q", stringOf(r))
		}
		return n, nil
	}
	if async, err = intOf(t.Async); err != nil {
		return 0, 0, err
	}
	poll = 15
	if t.Poll != nil {
		if poll, err = intOf(t.Poll); err != nil {
			return 0, 0, err
		}
	}
	return async, poll, nil
}

// runAsync runs a module under async: and poll:.
func (e *Executor) runAsync(ctx context.Context, entry *modules.Entry, mt *modules.Task, async, poll int) (modules.Result, taskStatus) {
	id := newJobID()
	limit := time.Duration(async) * time.Second
	if poll > 0 {
		cctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		res, st := e.callModule(cctx, entry, mt)
		if cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return modules.Result{"failed": true, "changed": false, "ansible_job_id": id, "finished": 1,
				"msg": fmt.Sprintf("async task did not complete within the requested time - %ds", async)}, statusFailed
		}
		res["ansible_job_id"] = id
		res["finished"] = 1
		res["started"] = 1
		return res, st
	}
	jb := &job{}
	e.jobs.add(id, jb)
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		res, st := e.callModule(cctx, entry, mt)
		if cctx.Err() == context.DeadlineExceeded {
			res, st = modules.Result{"failed": true, "msg": "Job reached maximum time limit of " + strconv.Itoa(async) + " seconds."}, statusFailed
		}
		jb.mu.Lock()
		jb.finished, jb.res, jb.st = true, res, st
		jb.mu.Unlock()
	}()
	return modules.Result{"ansible_job_id": id, "started": 1, "finished": 0, "changed": true,
		"results_file": "(omeprov keeps async jobs in the controller)"}, statusChanged
}

func init() {
	modules.Register("async_status", modules.Spec{
		Params: map[string]modules.Param{
			"jid":  {Type: "str", Required: true},
			"mode": {Type: "str", Default: "status", Choices: []string{"status", "cleanup"}},
		},
		CheckMode: true,
	}, modules.ModuleFunc(asyncStatus))
	controllerModules["async_status"] = true
}

// asyncStatus is the async_status module: it reads a job of this run.
func asyncStatus(ctx context.Context, t *modules.Task) (modules.Result, error) {
	c, ok := t.Ctl.(*controller)
	if !ok {
		return modules.Failf("async_status needs the omeprov engine"), nil
	}
	id, _ := t.Args["jid"].(string)
	jb, ok := c.e.jobs.get(id)
	if !ok {
		return modules.Result{"failed": true, "msg": "could not find job", "ansible_job_id": id, "started": 1, "finished": 1}, nil
	}
	if t.Args["mode"] == "cleanup" {
		return modules.Result{"ansible_job_id": id, "erased": "(controller)", "changed": false}, nil
	}
	jb.mu.Lock()
	defer jb.mu.Unlock()
	if !jb.finished {
		return modules.Result{"ansible_job_id": id, "started": 1, "finished": 0, "changed": false}, nil
	}
	out := modules.Result{}
	for k, v := range jb.res {
		out[k] = v
	}
	out["ansible_job_id"] = id
	out["started"] = 1
	out["finished"] = 1
	return out, nil
}
