package playbook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/internal/keyorder"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/template"
)

// runOnHost runs a module task on one host: conditions, loop, templating,
// validation, the module, and the result's effects (register, facts,
// notify, stats, output).
func (e *Executor) runOnHost(ctx context.Context, pr *playRun, t *Task, fr *frame, host string, hostvars *hostVars) taskStatus {
	h := e.host(host)
	scope := e.scope(pr, host, fr, hostvars)
	ignoreErrors := false
	if fr.kw.IgnoreErrors != nil {
		v, err := e.opts.Templar.Template(fr.kw.IgnoreErrors, scope, nil)
		if err == nil {
			ignoreErrors = truthy(v)
		}
	}
	cb := e.cb(h)

	var res modules.Result
	var st taskStatus
	if t.Loop == nil {
		ok, err := e.whenOK(fr.kw.When, scope, fr, t)
		if err != nil {
			res, st = modules.Result{"failed": true, "msg": err.Error()}, statusFailed
		} else if !ok {
			res, st = modules.Result{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}, statusSkipped
		} else {
			res, st = e.execute(ctx, pr, t, fr, h, scope)
		}
	} else {
		res, st = e.runLoop(ctx, pr, t, fr, h, scope, ignoreErrors)
	}

	if st == statusUnreachable {
		if ignoreUnreach := truthy(fr.kw.IgnoreUnreach); ignoreUnreach {
			cb.Unreachable(host, res)
			h.record(statusUnreachable, true)
			return st
		}
		cb.Unreachable(host, res)
		h.record(statusUnreachable, false)
		return st
	}
	if t.Register != "" {
		reg := map[string]any{}
		for k, v := range res {
			if !strings.HasPrefix(k, "_ansible") {
				reg[k] = v
			}
		}
		if _, ok := reg["failed"]; !ok {
			reg["failed"] = st == statusFailed
		}
		if _, ok := reg["changed"]; !ok {
			reg["changed"] = false
		}
		h.mu.Lock()
		h.setFacts[t.Register] = markUnsafe(reg)
		h.mu.Unlock()
	}
	if st != statusSkipped || t.Loop == nil {
		cb.TaskResult(host, t, st, res, st == statusFailed && ignoreErrors, fr)
	} else {
		cb.TaskResult(host, t, st, modules.Result{"changed": false, "skipped": true}, false, fr)
	}
	h.record(st, st == statusFailed && ignoreErrors, res.Changed())
	if st == statusChanged && len(t.Notify) > 0 {
		names := make([]string, 0, len(t.Notify))
		for _, n := range t.Notify {
			if strings.Contains(n, "{{") {
				if v, err := e.opts.Templar.Template(n, scope, nil); err == nil {
					n = stringOf(v)
				}
			}
			names = append(names, n)
		}
		if err := e.notify(pr, h, names); err != nil {
			cb.Warning(err.Error())
		}
	}
	return st
}

// whenOK evaluates a list of conditions (all must hold).
func (e *Executor) whenOK(conds []string, scope map[string]any, fr *frame, t *Task) (bool, error) {
	for _, c := range conds {
		ok, err := e.opts.Templar.Conditional(c, scope, e.search(fr, t))
		if err != nil {
			return false, fmt.Errorf("The conditional check '%s' failed. The error was: %v\n\nThe error appears to be in '%s': line %d, column %d", c, err, t.Pos.File, t.Pos.Line, t.Pos.Col)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// runLoop runs a task once per loop item.
func (e *Executor) runLoop(ctx context.Context, pr *playRun, t *Task, fr *frame, h *hostState, scope map[string]any, ignoreErrors bool) (modules.Result, taskStatus) {
	items, err := e.loopItems(t, fr, scope)
	if err != nil {
		return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
	}
	loopVar, indexVar, label, extended := "item", "", "", false
	var pause float64
	if lc := t.LoopControl; lc != nil {
		if v, ok := lc["loop_var"]; ok {
			loopVar = stringOf(v)
		}
		if v, ok := lc["index_var"]; ok {
			indexVar = stringOf(v)
		}
		if v, ok := lc["label"]; ok {
			label = stringOf(v)
		}
		extended = truthy(lc["extended"])
		if v, ok := lc["pause"]; ok {
			pause, _ = strconv.ParseFloat(stringOf(v), 64)
		}
	}
	var results []any
	changed, failed, allSkipped := false, false, true
	for i, item := range items {
		s := make(map[string]any, len(scope)+3)
		copyInto(s, scope)
		s[loopVar] = item
		s["ansible_loop_var"] = loopVar
		if indexVar != "" {
			s[indexVar] = i
			s["ansible_index_var"] = indexVar
		}
		if extended {
			s["ansible_loop"] = loopInfo(items, i)
		}
		var r modules.Result
		var st taskStatus
		ok, err := e.whenOK(fr.kw.When, s, fr, t)
		switch {
		case err != nil:
			r, st = modules.Result{"failed": true, "msg": err.Error()}, statusFailed
		case !ok:
			r, st = modules.Result{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}, statusSkipped
		default:
			r, st = e.execute(ctx, pr, t, fr, h, s)
		}
		if st == statusUnreachable {
			return r, st
		}
		r["item"] = item
		r["ansible_loop_var"] = loopVar
		if indexVar != "" {
			r[indexVar] = i
			r["ansible_index_var"] = indexVar
		}
		if extended {
			r["ansible_loop"] = loopInfo(items, i)
		}
		if _, ok := r["changed"]; !ok {
			r["changed"] = false
		}
		if _, ok := r["failed"]; !ok && st != statusSkipped {
			r["failed"] = st == statusFailed
		}
		lbl := item
		if label != "" {
			if v, err := e.opts.Templar.Template(label, s, nil); err == nil {
				lbl = v
			}
		}
		e.cb(h).ItemResult(h.name, t, st, r, lbl, st == statusFailed && ignoreErrors)
		switch st {
		case statusChanged:
			changed = true
			allSkipped = false
		case statusFailed:
			failed = true
			allSkipped = false
		case statusOK:
			allSkipped = false
		}
		results = append(results, map[string]any(r))
		if pause > 0 && i < len(items)-1 {
			time.Sleep(time.Duration(pause * float64(time.Second)))
		}
	}
	out := modules.Result{"results": results, "changed": changed}
	if results == nil {
		out["results"] = []any{}
	}
	switch {
	case failed:
		out["failed"] = true
		out["msg"] = "One or more items failed"
		return out, statusFailed
	case len(items) == 0 || allSkipped:
		out["skipped"] = true
		if len(items) == 0 {
			out["skipped_reason"] = "No items in the list"
		}
		out["msg"] = "All items skipped"
		return out, statusSkipped
	}
	out["msg"] = "All items completed"
	if changed {
		return out, statusChanged
	}
	return out, statusOK
}

func loopInfo(items []any, i int) map[string]any {
	n := len(items)
	m := map[string]any{
		"allitems": items, "index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
		"first": i == 0, "last": i == n-1, "length": n,
	}
	if i > 0 {
		m["previtem"] = items[i-1]
	}
	if i < n-1 {
		m["nextitem"] = items[i+1]
	}
	return m
}

// execute runs the module once on a host with a scope (one loop item).
// Retries (until) and changed_when/failed_when are applied here.
func (e *Executor) execute(ctx context.Context, pr *playRun, t *Task, fr *frame, h *hostState, scope map[string]any) (modules.Result, taskStatus) {
	entry, ok := modules.Lookup(t.Action)
	if !ok {
		return modules.Failf("couldn't resolve module/action '%s'", t.Action), statusFailed
	}
	check := e.opts.Check
	if fr.kw.CheckMode != nil {
		v, err := e.opts.Templar.Template(fr.kw.CheckMode, scope, nil)
		if err == nil {
			check = truthy(v)
		}
	}
	diff := e.opts.Diff
	if fr.kw.Diff != nil {
		if v, err := e.opts.Templar.Template(fr.kw.Diff, scope, nil); err == nil {
			diff = truthy(v)
		}
	}
	scope["ansible_check_mode"] = check
	scope["ansible_diff_mode"] = diff
	search := e.search(fr, t)

	args, err := e.templateArgs(t, entry, scope, search)
	if err != nil {
		return modules.Result{"failed": true, "msg": fmt.Sprintf("The task includes an option with an undefined variable. The error was: %v\n\nThe error appears to be in '%s': line %d, column %d", err, t.Pos.File, t.Pos.Line, t.Pos.Col)}, statusFailed
	}
	args, err = modules.Validate(t.Action, entry.Spec, args)
	if err != nil {
		return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
	}
	if check && !entry.Spec.CheckMode {
		return modules.Result{"changed": false, "skipped": true, "msg": fmt.Sprintf("remote module (%s) does not support check mode", entry.Name)}, statusSkipped
	}
	become, err := e.become(scope, fr.kw)
	if err != nil {
		return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
	}
	env, err := e.environment(fr.kw.Environment, scope, search)
	if err != nil {
		return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
	}

	target := h
	tscope := scope
	if fr.kw.DelegateTo != "" {
		d, err := e.opts.Templar.Template(fr.kw.DelegateTo, scope, nil)
		if err != nil {
			return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
		}
		target = e.host(stringOf(d))
		tscope = e.hostVarsBase(target.name)
	}
	ctl := &controller{e: e, pr: pr, fr: fr, t: t, h: h, scope: scope, search: search, check: check}
	mt := &modules.Task{
		Name: t.Name, Module: entry.Name, Args: args, Become: become, Env: env,
		Check: check, Diff: diff, Ctl: ctl, Host: h.name,
	}
	if !isControllerModule(entry.Name) {
		conn, err := e.conn(ctx, target, tscope, fr.kw)
		if err != nil {
			var ue *connection.UnreachableError
			if errors.As(err, &ue) {
				return modules.Result{"changed": false, "msg": err.Error(), "unreachable": true}, statusUnreachable
			}
			return modules.Result{"changed": false, "msg": err.Error(), "unreachable": true}, statusUnreachable
		}
		mt.Conn = conn
	}
	ctl.mt = mt

	retries, delay := 0, 5
	if len(t.Until) > 0 {
		retries = 3
		if t.Retries != nil {
			if v, err := e.opts.Templar.Template(t.Retries, scope, nil); err == nil {
				retries, _ = strconv.Atoi(stringOf(v))
			}
		}
		if t.Delay != nil {
			if v, err := e.opts.Templar.Template(t.Delay, scope, nil); err == nil {
				delay, _ = strconv.Atoi(stringOf(v))
			}
		}
	}
	info := TaskInfo{Pos: t.Pos, Name: t.DisplayName(), Host: h.name, Module: entry.Name}
	for _, hook := range e.opts.Hooks {
		r, err := hook.BeforeTask(ctx, info, mt)
		if err != nil {
			return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
		}
		if r != nil {
			_, st := classify(r)
			return r, st
		}
	}
	var res modules.Result
	var st taskStatus
	defer func() {
		for _, hook := range e.opts.Hooks {
			hook.AfterTask(ctx, info, mt, res)
		}
	}()
	async, poll, err := e.asyncSettings(t, scope)
	if err != nil {
		return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
	}
	for attempt := 1; ; attempt++ {
		if async > 0 && !check {
			res, st = e.runAsync(ctx, entry, mt, async, poll)
		} else {
			res, st = e.callModule(ctx, entry, mt)
		}
		if st == statusUnreachable {
			return res, st
		}
		e.applyResultEffects(t, h, entry.Name, res)
		st = e.applyConditions(t, res, st, scope, fr)
		if len(t.Until) == 0 {
			break
		}
		s := make(map[string]any, len(scope)+1)
		copyInto(s, scope)
		if t.Register != "" {
			s[t.Register] = map[string]any(res)
		}
		ok, err := e.whenOK(t.Until, s, fr, t)
		if err != nil {
			return modules.Result{"failed": true, "msg": err.Error()}, statusFailed
		}
		res["attempts"] = attempt
		if ok {
			break
		}
		if attempt > retries {
			res["failed"] = true
			if _, ok := res["msg"]; !ok {
				res["msg"] = "Retries exceeded"
			}
			st = statusFailed
			break
		}
		e.cb(h).Retry(h.name, t, attempt, retries+1-attempt, res)
		select {
		case <-ctx.Done():
			return modules.Failf("interrupted"), statusFailed
		case <-time.After(time.Duration(delay) * time.Second):
		}
	}
	if truthy(fr.kw.NoLog) {
		res = modules.Result{"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result", "changed": res.Changed(), "failed": st == statusFailed}
	}
	return res, st
}

// controllerModules run on the controller and need no connection.
var controllerModules = map[string]bool{
	"debug": true, "set_fact": true, "assert": true, "fail": true, "include_vars": true,
	"pause": true, "add_host": true, "group_by": true, "set_stats": true,
}

func isControllerModule(name string) bool { return controllerModules[name] }

// callModule runs a module, turning transport errors into results.
func (e *Executor) callModule(ctx context.Context, entry *modules.Entry, mt *modules.Task) (res modules.Result, st taskStatus) {
	defer func() {
		if r := recover(); r != nil {
			res, st = modules.Failf("module %s panicked: %v", entry.Name, r), statusFailed
		}
	}()
	res, err := entry.Module.Run(ctx, mt)
	if err != nil {
		var ue *connection.UnreachableError
		if errors.As(err, &ue) {
			return modules.Result{"changed": false, "msg": err.Error(), "unreachable": true}, statusUnreachable
		}
		if res == nil {
			res = modules.Result{}
		}
		res["failed"] = true
		if _, ok := res["msg"]; !ok {
			res["msg"] = err.Error()
		}
		return res, statusFailed
	}
	return classify(res)
}

// classify gives a module result's status.
func classify(res modules.Result) (modules.Result, taskStatus) {
	if res == nil {
		res = modules.Result{}
	}
	switch {
	case res.Failed():
		return res, statusFailed
	case truthy(res["skipped"]):
		return res, statusSkipped
	case res.Changed():
		return res, statusChanged
	}
	if _, ok := res["changed"]; !ok {
		res["changed"] = false
	}
	return res, statusOK
}

// applyResultEffects stores facts a module returned.
func (e *Executor) applyResultEffects(t *Task, h *hostState, module string, res modules.Result) {
	facts, ok := res["ansible_facts"].(map[string]any)
	if !ok || res.Failed() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch module {
	case "set_fact":
		for k, v := range facts {
			h.setFacts[k] = v
		}
	case "include_vars":
		for k, v := range facts {
			h.includeVars[k] = v
		}
	default:
		for k, v := range facts {
			h.facts[strings.TrimPrefix(k, "ansible_")] = markUnsafe(v)
		}
		if module == "setup" {
			h.gathered = true
		}
	}
}

// applyConditions applies changed_when and failed_when.
func (e *Executor) applyConditions(t *Task, res modules.Result, st taskStatus, scope map[string]any, fr *frame) taskStatus {
	if st == statusSkipped || (len(t.ChangedWhen) == 0 && len(t.FailedWhen) == 0 && !t.hasChanged && !t.hasFailedWhn) {
		return st
	}
	s := make(map[string]any, len(scope)+1)
	copyInto(s, scope)
	for k, v := range res {
		s[k] = v // Ansible exposes the result's keys to these conditions
	}
	if t.Register != "" {
		s[t.Register] = map[string]any(res)
	}
	if t.hasChanged {
		ok, err := e.whenOK(t.ChangedWhen, s, fr, t)
		if err != nil {
			res["failed"] = true
			res["msg"] = err.Error()
			return statusFailed
		}
		res["changed"] = ok
		if st != statusFailed {
			if ok {
				st = statusChanged
			} else {
				st = statusOK
			}
		}
	}
	if t.hasFailedWhn {
		ok, err := e.whenOK(t.FailedWhen, s, fr, t)
		if err != nil {
			res["failed"] = true
			res["msg"] = err.Error()
			return statusFailed
		}
		res["failed_when_result"] = ok
		res["failed"] = ok
		if ok {
			return statusFailed
		}
		if st == statusFailed {
			if res.Changed() {
				return statusChanged
			}
			return statusOK
		}
	}
	return st
}

// templateArgs renders a task's arguments, drops omitted ones and applies
// module_defaults.
func (e *Executor) templateArgs(t *Task, entry *modules.Entry, scope map[string]any, s *template.Search) (map[string]any, error) {
	raw := map[string]any{}
	for _, key := range []string{entry.Name, "ansible.builtin." + entry.Name, "community.general." + entry.Name} {
		if md, ok := t.ModuleDefaults[key].(map[string]any); ok {
			copyInto(raw, md)
		}
	}
	if t.ArgsRaw != nil {
		v, err := e.opts.Templar.Template(t.ArgsRaw, scope, s)
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("args must be a dictionary, got %T", v)
		}
		copyInto(raw, m)
	}
	copyInto(raw, t.Args)
	rawSet := map[string]bool{}
	for _, p := range entry.Spec.RawParams {
		rawSet[p] = true
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		if rawSet[k] {
			out[k] = v
			continue
		}
		r, err := e.opts.Templar.Template(v, scope, s)
		if err != nil {
			return nil, err
		}
		if str, ok := r.(string); ok && str == template.Omit {
			continue
		}
		out[k] = dropOmit(r)
	}
	return out, nil
}

// dropOmit removes omitted entries inside maps and lists as Ansible does.
func dropOmit(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && s == template.Omit {
				delete(v, k)
				continue
			}
			v[k] = dropOmit(x)
		}
	case []any:
		out := v[:0]
		for _, x := range v {
			if s, ok := x.(string); ok && s == template.Omit {
				continue
			}
			out = append(out, dropOmit(x))
		}
		return out
	}
	return v
}

// environment renders the task's environment: keyword.
func (e *Executor) environment(envs []any, scope map[string]any, s *template.Search) (map[string]string, error) {
	if len(envs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, env := range envs {
		v, err := e.opts.Templar.Template(env, scope, s)
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("environment must be a dictionary, got %T", v)
		}
		for k, x := range m {
			out[k] = stringOf(x)
		}
	}
	return out, nil
}

// gatherFacts runs setup on the play's hosts that have no facts yet.
func (e *Executor) gatherFacts(ctx context.Context, pr *playRun, fr *frame) {
	if _, ok := modules.Lookup("setup"); !ok {
		return
	}
	var todo []string
	for _, h := range pr.hostsActive() {
		if !e.host(h).gathered {
			todo = append(todo, h)
		}
	}
	if len(todo) == 0 {
		// Ansible prints the task even when cached facts make it quick.
		todo = pr.hostsActive()
	}
	if !e.selectedByTags(append([]string{"always"}, fr.kw.Tags...)) {
		return
	}
	args := map[string]any{}
	if len(pr.play.GatherSub) > 0 {
		args["gather_subset"] = toAnyList(pr.play.GatherSub)
	}
	t := &Task{Pos: pr.play.Pos, Name: "Gathering Facts", Action: "setup", Module: "setup", Args: args}
	t.Keywords = fr.kw
	t.Keywords.When = nil
	t.Keywords.CheckMode = false
	e.runTaskOnHosts(ctx, pr, t, &frame{kw: Keywords{Vars: fr.kw.Vars, Become: fr.kw.Become, BecomeUser: fr.kw.BecomeUser, RemoteUser: fr.kw.RemoteUser, Connection: fr.kw.Connection, Environment: fr.kw.Environment, CheckMode: false, Tags: []string{"always"}}}, todo)
}

// loopItems renders loop: or with_*: into a list of items.
func (e *Executor) loopItems(t *Task, fr *frame, scope map[string]any) ([]any, error) {
	s := e.search(fr, t)
	v, err := e.opts.Templar.Template(t.Loop, scope, s)
	if err != nil {
		return nil, err
	}
	switch t.LoopWith {
	case "":
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", stringOf(v))
		}
		return l, nil
	case "items":
		return flattenOnce(v), nil
	case "list":
		if l, ok := v.([]any); ok {
			return l, nil
		}
		return []any{v}, nil
	case "flattened":
		return flattenAll(v), nil
	case "indexed_items":
		var out []any
		for i, x := range flattenOnce(v) {
			out = append(out, []any{i, x})
		}
		return out, nil
	case "dict":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("with_dict expects a dict")
		}
		var out []any
		for _, k := range keyorder.Keys(m) {
			out = append(out, map[string]any{"key": k, "value": m[k]})
		}
		return out, nil
	case "together":
		lists, _ := v.([]any)
		max := 0
		for _, l := range lists {
			if ll, ok := l.([]any); ok && len(ll) > max {
				max = len(ll)
			}
		}
		var out []any
		for i := 0; i < max; i++ {
			var row []any
			for _, l := range lists {
				ll, _ := l.([]any)
				if i < len(ll) {
					row = append(row, ll[i])
				} else {
					row = append(row, nil)
				}
			}
			out = append(out, row)
		}
		return out, nil
	case "nested", "cartesian":
		lists, _ := v.([]any)
		out := []any{[]any{}}
		for _, l := range lists {
			ll, ok := l.([]any)
			if !ok {
				ll = []any{l}
			}
			var next []any
			for _, prefix := range out {
				for _, x := range ll {
					row := append(append([]any{}, prefix.([]any)...), x)
					next = append(next, row)
				}
			}
			out = next
		}
		return out, nil
	case "subelements":
		return subelements(v)
	case "sequence":
		return sequence(v)
	case "fileglob", "first_found", "file", "lines", "env", "template", "pipe":
		terms := flattenOnce(v)
		var out []any
		for _, term := range terms {
			r, err := e.opts.Templar.Template(fmt.Sprintf("{{ query('%s', %s) }}", t.LoopWith, pyQuote(stringOf(term))), scope, s)
			if err != nil {
				return nil, err
			}
			if l, ok := r.([]any); ok {
				out = append(out, l...)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("lookup plugin (%s) not found", t.LoopWith)
}

func pyQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func flattenOnce(v any) []any {
	l, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		return []any{v}
	}
	var out []any
	for _, x := range l {
		if xl, ok := x.([]any); ok {
			out = append(out, xl...)
		} else {
			out = append(out, x)
		}
	}
	return out
}

func flattenAll(v any) []any {
	l, ok := v.([]any)
	if !ok {
		return []any{v}
	}
	var out []any
	for _, x := range l {
		out = append(out, flattenAll(x)...)
	}
	return out
}

func subelements(v any) ([]any, error) {
	args, ok := v.([]any)
	if !ok || len(args) < 2 {
		return nil, fmt.Errorf("subelements lookup expects a list of two or three items")
	}
	key := stringOf(args[1])
	skipMissing := false
	if len(args) > 2 {
		if m, ok := args[2].(map[string]any); ok {
			skipMissing = truthy(m["skip_missing"])
		}
	}
	var elems []any
	switch x := args[0].(type) {
	case []any:
		elems = x
	case map[string]any:
		for _, k := range keyorder.Keys(x) {
			elems = append(elems, x[k])
		}
	default:
		return nil, fmt.Errorf("subelements lookup expects a dictionary or list, got %T", args[0])
	}
	var out []any
	path := strings.Split(key, ".")
	for _, el := range elems {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("subelements lookup expects a list of dictionaries")
		}
		// Ansible pops the subelement key out of the item it returns.
		m = deepCopyMap(m)
		parent := m
		var cur any = m
		missing := false
		for i, part := range path {
			cm, ok := cur.(map[string]any)
			if !ok {
				missing = true
				break
			}
			if i == len(path)-1 {
				parent = cm
			}
			cur, ok = cm[part]
			if !ok {
				missing = true
				break
			}
		}
		if missing {
			if skipMissing {
				continue
			}
			return nil, fmt.Errorf("could not find '%s' key in iterated item '%s'", key, template.PyStr(el))
		}
		delete(parent, path[len(path)-1])
		if cur == nil {
			continue
		}
		sub, ok := cur.([]any)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got '%v'", key, cur)
		}
		for _, s := range sub {
			out = append(out, []any{m, s})
		}
	}
	return out, nil
}

func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if mm, ok := v.(map[string]any); ok {
			v = deepCopyMap(mm)
		}
		out[k] = v
	}
	keyorder.Record(out, keyorder.Keys(m))
	return out
}

// sequence implements with_sequence: start=1 end=10 stride=1 format=%d
// or the short form "1-10/2:%02d".
func sequence(v any) ([]any, error) {
	var terms []string
	switch x := v.(type) {
	case []any:
		for _, t := range x {
			terms = append(terms, stringOf(t))
		}
	default:
		terms = []string{stringOf(v)}
	}
	var out []any
	for _, term := range terms {
		start, end, stride, count, format := 1, 0, 1, -1, "%d"
		hasEnd := false
		for _, f := range strings.Fields(term) {
			k, val, ok := strings.Cut(f, "=")
			if !ok {
				// short form
				re := f
				if i := strings.Index(re, ":"); i >= 0 {
					format, re = re[i+1:], re[:i]
				}
				if i := strings.Index(re, "/"); i >= 0 {
					stride, _ = strconv.Atoi(re[i+1:])
					re = re[:i]
				}
				if a, b, ok := strings.Cut(re, "-"); ok {
					start, _ = strconv.Atoi(a)
					end, _ = strconv.Atoi(b)
				} else {
					end, _ = strconv.Atoi(re)
				}
				hasEnd = true
				continue
			}
			n, _ := strconv.ParseInt(val, 0, 64)
			switch k {
			case "start":
				start = int(n)
			case "end":
				end, hasEnd = int(n), true
			case "stride":
				stride = int(n)
			case "count":
				count = int(n)
			case "format":
				format = val
			}
		}
		if count >= 0 {
			end, hasEnd = start+(count-1)*stride, true
		}
		if !hasEnd {
			return nil, fmt.Errorf("must specify count or end in with_sequence")
		}
		if stride == 0 {
			continue
		}
		for i := start; (stride > 0 && i <= end) || (stride < 0 && i >= end); i += stride {
			out = append(out, fmt.Sprintf(format, i))
			if len(out) > 1_000_000 {
				return nil, fmt.Errorf("with_sequence: too many items")
			}
		}
	}
	return out, nil
}

// controller implements modules.Controller for one task on one host.
type controller struct {
	e      *Executor
	pr     *playRun
	fr     *frame
	t      *Task
	h      *hostState
	mt     *modules.Task
	scope  map[string]any
	search *template.Search
	check  bool
}

func (c *controller) Template(v any) (any, error) {
	return c.e.opts.Templar.Template(v, c.scope, c.search)
}

func (c *controller) Conditional(expr string) (bool, error) {
	return c.e.opts.Templar.Conditional(expr, c.scope, c.search)
}

func (c *controller) Var(name string) (any, bool, error) {
	v, ok := c.scope[name]
	if !ok {
		return nil, false, nil
	}
	r, err := c.e.opts.Templar.Template(v, c.scope, c.search)
	return r, true, err
}

func (c *controller) FindFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var cands []string
	for _, d := range c.search.Dirs {
		cands = append(cands, filepath.Join(d, kind, name), filepath.Join(d, name))
	}
	for _, p := range cands {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("Could not find or access '%s'\nSearched in:\n\t%s on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option", name, strings.Join(cands, "\n\t"))
}

func (c *controller) Facts(ctx context.Context) (map[string]any, error) {
	c.h.mu.Lock()
	gathered := c.h.gathered
	c.h.mu.Unlock()
	if !gathered {
		entry, ok := modules.Lookup("setup")
		if !ok {
			return nil, fmt.Errorf("no setup module to gather facts")
		}
		mt := *c.mt
		mt.Args = map[string]any{"gather_subset": []any{"min"}}
		mt.Args, _ = modules.Validate("setup", entry.Spec, mt.Args)
		mt.Check = false
		res, err := entry.Module.Run(ctx, &mt)
		if err != nil {
			return nil, err
		}
		c.e.applyResultEffects(c.t, c.h, "setup", res)
	}
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	out := make(map[string]any, len(c.h.facts))
	copyInto(out, c.h.facts)
	return out, nil
}

func (c *controller) RenderTemplate(path string, opts map[string]any) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := make(map[string]any, len(c.scope)+4)
	copyInto(s, c.scope)
	fi, _ := os.Stat(path)
	s["template_path"] = path
	s["template_fullpath"] = path
	s["template_destpath"] = opts["dest"]
	s["template_run_date"] = time.Now().Format("2006-01-02 15:04:05")
	if fi != nil {
		s["template_mtime"] = fi.ModTime().Format("2006-01-02 15:04:05")
	}
	if _, ok := s["ansible_managed"]; !ok {
		s["ansible_managed"] = "Ansible managed"
	}
	srch := &template.Search{Dirs: append([]string{filepath.Dir(path)}, c.search.Dirs...)}
	return c.e.opts.Templar.RenderFile(string(data), s, srch, fileOptions(opts))
}

func (c *controller) Reconnect(ctx context.Context) (connection.Connection, error) {
	target := c.h
	c.h.mu.Lock()
	if c.h.conn != nil {
		c.h.conn.Close()
		c.h.conn = nil
	}
	c.h.mu.Unlock()
	conn, err := c.e.conn(ctx, target, c.scope, c.fr.kw)
	if err != nil {
		return nil, err
	}
	if c.mt != nil {
		c.mt.Conn = conn
	}
	return conn, nil
}

// markUnsafe marks every string of what a host sent back (registered
// results, gathered facts) as never to be templated, as Ansible's
// AnsibleUnsafe does: output holding "{{ lookup('pipe', ...) }}" is data,
// never code run on the controller.
func markUnsafe(v any) any {
	switch v := v.(type) {
	case string:
		return template.Unsafe(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = markUnsafe(x)
		}
		keyorder.Record(out, keyorder.Keys(v))
		return out
	case modules.Result:
		return markUnsafe(map[string]any(v))
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = markUnsafe(x)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = template.Unsafe(x)
		}
		return out
	}
	return v
}
