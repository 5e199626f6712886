package playbook

import (
	"sync"

	"github.com/ome/omeprov/modules"
)

// recorder is a Callback that keeps one host's events of one task so that
// they can be replayed in the play's host order: hosts run in parallel,
// but the output reads in inventory order, as Ansible's usually does.
type recorder struct {
	mu     sync.Mutex
	events []func(Callback)
}

func (r *recorder) add(f func(Callback)) {
	r.mu.Lock()
	r.events = append(r.events, f)
	r.mu.Unlock()
}

func (r *recorder) replay(to Callback) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.events {
		f(to)
	}
	r.events = nil
}

func (r *recorder) PlayStart(name string)    { r.add(func(c Callback) { c.PlayStart(name) }) }
func (r *recorder) SkipNoHosts()             { r.add(func(c Callback) { c.SkipNoHosts() }) }
func (r *recorder) NoMoreHosts()             { r.add(func(c Callback) { c.NoMoreHosts() }) }
func (r *recorder) Warning(msg string)       { r.add(func(c Callback) { c.Warning(msg) }) }
func (r *recorder) Recap(s map[string]Stats) { r.add(func(c Callback) { c.Recap(s) }) }
func (r *recorder) TaskStart(name string, handler bool) {
	r.add(func(c Callback) { c.TaskStart(name, handler) })
}
func (r *recorder) TaskResult(host string, t *Task, st taskStatus, res modules.Result, ignored bool, fr *frame) {
	r.add(func(c Callback) { c.TaskResult(host, t, st, res, ignored, fr) })
}
func (r *recorder) ItemResult(host string, t *Task, st taskStatus, res modules.Result, label any, ignored bool) {
	r.add(func(c Callback) { c.ItemResult(host, t, st, res, label, ignored) })
}
func (r *recorder) Unreachable(host string, res modules.Result) {
	r.add(func(c Callback) { c.Unreachable(host, res) })
}
func (r *recorder) Retry(host string, t *Task, attempt, left int, res modules.Result) {
	r.add(func(c Callback) { c.Retry(host, t, attempt, left, res) })
}
func (r *recorder) Included(file string, hosts []string, item string) {
	r.add(func(c Callback) { c.Included(file, hosts, item) })
}

// orderedOutput releases per-host recorders in host order as hosts finish.
type orderedOutput struct {
	mu   sync.Mutex
	to   Callback
	recs []*recorder
	done []bool
	next int
}

func newOrderedOutput(to Callback, n int) *orderedOutput {
	o := &orderedOutput{to: to, recs: make([]*recorder, n), done: make([]bool, n)}
	for i := range o.recs {
		o.recs[i] = &recorder{}
	}
	return o
}

// finish marks host i done and prints every finished host whose turn
// has come.
func (o *orderedOutput) finish(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done[i] = true
	for o.next < len(o.done) && o.done[o.next] {
		o.recs[o.next].replay(o.to)
		o.next++
	}
}

// cb returns the callback events of host h go to during a task.
func (e *Executor) cb(h *hostState) Callback {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rec != nil {
		return h.rec
	}
	return e.opts.Callback
}
