package playbook

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/template"
)

// taskStatus is the outcome of a task on one host.
type taskStatus int

const (
	statusOK taskStatus = iota
	statusChanged
	statusSkipped
	statusFailed
	statusUnreachable
)

// runTasks runs a task list on hosts with the linear strategy; hosts that
// fail leave it (their state records the failure).
func (e *Executor) runTasks(ctx context.Context, pr *playRun, tasks []*Task, fr *frame, hosts []string) {
	for _, t := range tasks {
		if ctx.Err() != nil {
			return
		}
		hosts = e.activeOf(hosts)
		if len(hosts) == 0 {
			return
		}
		e.runOne(ctx, pr, t, fr, hosts)
	}
}

// runOne runs one entry of a task list: a block, an include or a task.
func (e *Executor) runOne(ctx context.Context, pr *playRun, t *Task, fr *frame, hosts []string) {
	switch {
	case t.IsBlock:
		e.runBlock(ctx, pr, t, fr, hosts)
	case t.Include == "include_role" || t.Include == "import_role":
		e.runIncludeRole(ctx, pr, t, fr, hosts)
	case t.Include != "":
		e.runIncludeTasks(ctx, pr, t, fr, hosts)
	case t.Module == "meta":
		e.runMeta(ctx, pr, t, fr, hosts)
	default:
		e.runTaskOnHosts(ctx, pr, t, fr, hosts)
	}
}

func (e *Executor) runBlock(ctx context.Context, pr *playRun, b *Task, fr *frame, hosts []string) {
	sub := &frame{kw: b.Keywords.inherit(fr.kw), role: fr.role, params: fr.params}
	// A block's when is evaluated for each task inside (inherited).
	before := map[string]bool{}
	for _, h := range hosts {
		before[h] = e.host(h).failed
	}
	e.runTasks(ctx, pr, b.Block, sub, hosts)
	var failed []string
	for _, h := range hosts {
		hs := e.host(h)
		if hs.failed && !before[h] && !hs.unreachable {
			failed = append(failed, h)
		}
	}
	if len(b.Rescue) > 0 && len(failed) > 0 {
		for _, h := range failed {
			hs := e.host(h)
			hs.mu.Lock()
			hs.failed = false
			hs.stats.Failed--
			hs.stats.Rescued++
			hs.mu.Unlock()
		}
		e.runTasks(ctx, pr, b.Rescue, sub, failed)
	}
	if len(b.Always) > 0 {
		// always runs for hosts that failed in the block too.
		var always []string
		for _, h := range hosts {
			hs := e.host(h)
			if !hs.unreachable && !hs.endedPlay {
				always = append(always, h)
			}
		}
		revived := map[string]bool{}
		for _, h := range always {
			hs := e.host(h)
			if hs.failed && !before[h] {
				hs.failed = false
				revived[h] = true
			}
		}
		e.runTasks(ctx, pr, b.Always, sub, always)
		for h := range revived {
			e.host(h).failed = true
		}
	}
}

// runTaskOnHosts runs a module task on each host, forks at a time.
func (e *Executor) runTaskOnHosts(ctx context.Context, pr *playRun, t *Task, fr *frame, hosts []string) {
	kw := t.Keywords.inherit(fr.kw)
	tfr := &frame{kw: kw, role: fr.role, params: fr.params}
	if !e.selectedByTags(kw.Tags) {
		return
	}
	if !*pr.started {
		if !matchStartAt(e.opts.StartAt, t) {
			return
		}
		*pr.started = true
	}
	cb := e.opts.Callback
	cb.TaskStart(e.taskTitle(t, tfr, hosts), t.Handler)
	hostvars := e.allHostVars()
	if truthy(kw.RunOnce) {
		res := e.runOnHost(ctx, pr, t, tfr, hosts[0], hostvars)
		// run_once results are given to every host.
		for _, h := range hosts[1:] {
			if t.Register != "" {
				e.host(h).mu.Lock()
				e.host(h).setFacts[t.Register] = e.host(hosts[0]).setFacts[t.Register]
				e.host(h).mu.Unlock()
			}
		}
		_ = res
		return
	}
	sem := make(chan struct{}, e.opts.Forks)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failedAny := false
	out := newOrderedOutput(cb, len(hosts))
	for i, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		hs := e.host(h)
		hs.mu.Lock()
		hs.rec = out.recs[i]
		hs.mu.Unlock()
		go func(i int, h string) {
			defer wg.Done()
			defer func() { <-sem }()
			defer out.finish(i)
			defer func() {
				hs := e.host(h)
				hs.mu.Lock()
				hs.rec = nil
				hs.mu.Unlock()
			}()
			st := e.runOnHost(ctx, pr, t, tfr, h, hostvars)
			if st == statusFailed {
				mu.Lock()
				failedAny = true
				mu.Unlock()
			}
		}(i, h)
	}
	wg.Wait()
	if failedAny && (pr.anyFatal || truthy(kw.AnyErrorsFatal)) && !pr.fatalShown {
		// any_errors_fatal: the play ends for every host.
		pr.fatalShown = true
		for _, h := range pr.hosts {
			e.host(h).endedPlay = true
		}
		cb.NoMoreHosts()
	}
}

func matchStartAt(name string, t *Task) bool {
	return t.Name == name || t.DisplayName() == name
}

// selectedByTags applies --tags and --skip-tags.
func (e *Executor) selectedByTags(tags []string) bool {
	has := func(s string) bool {
		for _, t := range tags {
			if t == s {
				return true
			}
		}
		return false
	}
	for _, s := range e.opts.SkipTags {
		if s == "all" || has(s) || (s == "tagged" && len(tags) > 0) || (s == "untagged" && len(tags) == 0) {
			return false
		}
	}
	if len(e.opts.Tags) == 0 {
		return !has("never")
	}
	if has("always") {
		return true
	}
	for _, s := range e.opts.Tags {
		switch s {
		case "all":
			if !has("never") {
				return true
			}
		case "tagged":
			if len(tags) > 0 && !has("never") {
				return true
			}
		case "untagged":
			if len(tags) == 0 {
				return true
			}
		default:
			if has(s) {
				return true
			}
		}
	}
	return false
}

// taskTitle templates the task name as Ansible does for the banner (with
// the first host's variables when the name holds a template).
func (e *Executor) taskTitle(t *Task, fr *frame, hosts []string) string {
	name := t.Name
	if name == "" {
		name = t.Action
		if t.Include != "" {
			name = t.Action
		}
	} else if strings.Contains(name, "{{") && len(hosts) > 0 {
		if v, err := e.opts.Templar.Template(name, e.titleScope(fr), nil); err == nil {
			name = stringOf(v)
		}
	}
	if fr.role != nil {
		return fr.role.Name + " : " + name
	}
	return name
}

// titleScope is the scope task names are templated with for banners:
// play-level variables only, as Ansible templates names without a host.
func (e *Executor) titleScope(fr *frame) map[string]any {
	s := map[string]any{}
	if fr.role != nil {
		copyInto(s, fr.role.Defaults)
		copyInto(s, fr.role.Vars)
	}
	copyInto(s, fr.kw.Vars)
	copyInto(s, fr.params)
	copyInto(s, e.opts.ExtraVars)
	return s
}

// conn returns the host's connection, opening it on first use.
func (e *Executor) conn(ctx context.Context, h *hostState, scope map[string]any, kw Keywords) (connection.Connection, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		return h.conn, nil
	}
	p, err := e.connParams(h.name, scope, kw)
	if err != nil {
		return nil, err
	}
	c, err := e.opts.Dial(ctx, p)
	if err != nil {
		return nil, err
	}
	h.conn = c
	return c, nil
}

func (e *Executor) connParams(host string, scope map[string]any, kw Keywords) (connection.Params, error) {
	get := func(names ...string) (string, bool) {
		for _, n := range names {
			if v, ok := scope[n]; ok && v != nil {
				r, err := e.opts.Templar.Template(v, scope, nil)
				if err != nil {
					return "", false
				}
				return stringOf(r), true
			}
		}
		return "", false
	}
	p := connection.Params{Host: host, Type: "ssh", HostKeyChecking: e.opts.HostKeyCheck, ConnectTimeout: e.opts.Timeout}
	if e.opts.ConnType != "" {
		p.Type = e.opts.ConnType
	}
	if kw.Connection != "" {
		p.Type = kw.Connection
	}
	if v, ok := get("ansible_connection"); ok {
		p.Type = v
	}
	if host == "localhost" || host == "127.0.0.1" {
		if _, explicit := scope["ansible_connection"]; !explicit && !e.inInventory(host) {
			p.Type = "local"
		}
	}
	if v, ok := get("ansible_host", "ansible_ssh_host"); ok {
		p.Host = v
	}
	if v, ok := get("ansible_port", "ansible_ssh_port"); ok {
		fmt.Sscan(v, &p.Port)
	}
	p.User = e.opts.RemoteUser
	if kw.RemoteUser != "" {
		p.User = kw.RemoteUser
	}
	if v, ok := get("ansible_user", "ansible_ssh_user"); ok {
		p.User = v
	}
	if v, ok := get("ansible_password", "ansible_ssh_pass", "ansible_ssh_password"); ok {
		p.Password = v
	}
	if e.opts.PrivateKey != "" {
		p.PrivateKeyFiles = append(p.PrivateKeyFiles, e.opts.PrivateKey)
	}
	if v, ok := get("ansible_ssh_private_key_file", "ansible_private_key_file"); ok {
		p.PrivateKeyFiles = []string{v}
	}
	if v, ok := get("ansible_host_key_checking", "ansible_ssh_host_key_checking"); ok {
		p.HostKeyChecking = truthy(v)
	}
	p.ExtraSSHArgs = strings.TrimSpace(e.opts.SSHCommonArgs + " " + e.opts.SSHExtraArgs)
	if v, ok := get("ansible_ssh_common_args"); ok {
		p.ExtraSSHArgs += " " + v
	}
	if v, ok := get("ansible_ssh_extra_args"); ok {
		p.ExtraSSHArgs += " " + v
	}
	if v, ok := get("ansible_timeout", "ansible_ssh_timeout"); ok {
		fmt.Sscan(v, &p.ConnectTimeout)
	}
	return p, nil
}

func (e *Executor) inInventory(host string) bool {
	for _, h := range e.opts.Inventory.Hosts() {
		if h == host {
			return true
		}
	}
	return false
}

// become resolves the task's become settings.
func (e *Executor) become(scope map[string]any, kw Keywords) (*connection.Become, error) {
	on := e.opts.Become
	if kw.Become != nil {
		v, err := e.opts.Templar.Template(kw.Become, scope, nil)
		if err != nil {
			return nil, fmt.Errorf("become: %w", err)
		}
		on = truthy(v)
	}
	if v, ok := scope["ansible_become"]; ok {
		on = truthy(v)
	}
	if !on {
		return nil, nil
	}
	b := &connection.Become{User: e.opts.BecomeUser, Method: e.opts.BecomeMethod, Password: e.opts.BecomePassword}
	if kw.BecomeUser != "" {
		b.User = kw.BecomeUser
	}
	if kw.BecomeMethod != "" {
		b.Method = kw.BecomeMethod
	}
	b.Flags = kw.BecomeFlags
	tmpl := func(names ...string) (string, bool, error) {
		for _, n := range names {
			if v, ok := scope[n]; ok && v != nil {
				r, err := e.opts.Templar.Template(v, scope, nil)
				if err != nil {
					return "", false, err
				}
				return stringOf(r), true, nil
			}
		}
		return "", false, nil
	}
	if v, ok, err := tmpl("ansible_become_user"); err != nil {
		return nil, err
	} else if ok {
		b.User = v
	}
	if v, ok, err := tmpl("ansible_become_method"); err != nil {
		return nil, err
	} else if ok {
		b.Method = v
	}
	if v, ok, err := tmpl("ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"); err != nil {
		return nil, err
	} else if ok {
		b.Password = v
	}
	if b.User != "" && kw.BecomeUser == "" && scope["ansible_become_user"] == nil && strings.Contains(b.User, "{{") {
		if v, err := e.opts.Templar.Template(b.User, scope, nil); err == nil {
			b.User = stringOf(v)
		}
	} else if strings.Contains(b.User, "{{") {
		v, err := e.opts.Templar.Template(b.User, scope, nil)
		if err != nil {
			return nil, err
		}
		b.User = stringOf(v)
	}
	return b, nil
}

// record updates a host's stats for a task's status.
func (h *hostState) record(st taskStatus, ignored bool, changed ...bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch st {
	case statusOK:
		h.stats.Ok++
	case statusChanged:
		h.stats.Ok++
		h.stats.Changed++
	case statusSkipped:
		h.stats.Skipped++
	case statusFailed:
		if ignored {
			h.stats.Ok++
			h.stats.Ignored++
			if len(changed) > 0 && changed[0] {
				h.stats.Changed++
			}
		} else {
			h.stats.Failed++
			h.failed = true
		}
	case statusUnreachable:
		if ignored {
			h.stats.Ok++
			h.stats.Ignored++
		} else {
			h.stats.Unreachable++
			h.unreachable = true
		}
	}
}

// flushHandlers runs the notified handlers, in the order they are
// defined, on the hosts that notified them.
func (e *Executor) flushHandlers(ctx context.Context, pr *playRun) {
	for {
		ran := false
		for _, hr := range pr.handlers {
			var hosts []string
			for _, h := range pr.hosts {
				hs := e.host(h)
				hs.mu.Lock()
				n := hs.notified[hr.task]
				if n {
					delete(hs.notified, hr.task)
				}
				hs.mu.Unlock()
				if n && !hs.unreachable && (!hs.failed || pr.play.ForceHand) && !hs.endedPlay {
					hosts = append(hosts, h)
				}
			}
			if len(hosts) == 0 {
				continue
			}
			ran = true
			e.runOne(ctx, pr, hr.task, hr.fr, hosts)
		}
		if !ran {
			return
		}
	}
}

// notify marks the handlers a changed task notifies for a host.
func (e *Executor) notify(pr *playRun, h *hostState, names []string) error {
	for _, n := range names {
		found := false
		for _, hr := range pr.handlers {
			t := hr.task
			match := t.Name == n || (t.Role != nil && t.Role.Name+" : "+t.Name == n)
			for _, l := range t.Listen {
				if l == n {
					match = true
				}
			}
			if match {
				h.mu.Lock()
				h.notified[t] = true
				h.mu.Unlock()
				found = true
			}
		}
		if !found {
			return fmt.Errorf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", n)
		}
	}
	return nil
}

// runMeta runs meta: tasks.
func (e *Executor) runMeta(ctx context.Context, pr *playRun, t *Task, fr *frame, hosts []string) {
	action := stringOf(firstOf(t.Args, "_raw_params", "free_form"))
	switch action {
	case "flush_handlers":
		e.flushHandlers(ctx, pr)
	case "end_play":
		for _, h := range pr.hosts {
			e.host(h).endedPlay = true
		}
	case "end_host":
		for _, h := range hosts {
			e.host(h).endedPlay = true
		}
	case "clear_facts":
		for _, h := range hosts {
			hs := e.host(h)
			hs.mu.Lock()
			hs.facts = map[string]any{}
			hs.mu.Unlock()
		}
	case "clear_host_errors":
		for _, h := range pr.hosts {
			e.host(h).failed = false
		}
	case "reset_connection":
		for _, h := range hosts {
			hs := e.host(h)
			hs.mu.Lock()
			if hs.conn != nil {
				hs.conn.Close()
				hs.conn = nil
			}
			hs.mu.Unlock()
		}
	case "noop", "refresh_inventory", "end_batch":
	default:
		e.opts.Callback.Warning(fmt.Sprintf("%s: invalid meta action requested: %s", t.Pos, action))
	}
}

// runIncludeTasks loads an include_tasks file for each host (grouping
// hosts that include the same file with the same loop item) and runs it.
func (e *Executor) runIncludeTasks(ctx context.Context, pr *playRun, t *Task, fr *frame, hosts []string) {
	kw := t.Keywords.inherit(fr.kw)
	if t.Static {
		sub := &frame{kw: kw, role: fr.role, params: mergeMaps(fr.params, t.Args)}
		e.runTasks(ctx, pr, t.Block, sub, hosts)
		return
	}
	if !e.selectedByTags(kw.Tags) {
		return
	}
	cb := e.opts.Callback
	tfr := &frame{kw: kw, role: fr.role, params: fr.params}
	cb.TaskStart(e.taskTitle(t, tfr, hosts), t.Handler)
	type group struct {
		file    string
		item    any
		hasItem bool
		hosts   []string
		loopVar string
	}
	var groups []*group
	find := func(file string, item any, hasItem bool) *group {
		for _, g := range groups {
			if g.file == file && g.hasItem == hasItem && reflectEqual(g.item, item) {
				return g
			}
		}
		g := &group{file: file, item: item, hasItem: hasItem}
		groups = append(groups, g)
		return g
	}
	hostvars := e.allHostVars()
	for _, h := range hosts {
		hs := e.host(h)
		scope := e.scope(pr, h, tfr, hostvars)
		type entry struct {
			item    any
			hasItem bool
			scope   map[string]any
		}
		entries := []entry{{scope: scope}}
		loopVar := "item"
		if t.Loop != nil {
			items, err := e.loopItems(t, fr, scope)
			if err != nil {
				e.reportFailure(pr, t, hs, err)
				continue
			}
			if v, ok := t.LoopControl["loop_var"]; ok {
				loopVar = stringOf(v)
			}
			entries = entries[:0]
			for _, it := range items {
				s := make(map[string]any, len(scope)+1)
				copyInto(s, scope)
				s[loopVar] = it
				entries = append(entries, entry{item: it, hasItem: true, scope: s})
			}
		}
		included := 0
		for _, en := range entries {
			ok, err := e.whenOK(kw.When, en.scope, fr, t)
			if err != nil {
				e.reportFailure(pr, t, hs, err)
				continue
			}
			if !ok {
				continue
			}
			file := t.IncludeFile
			if strings.Contains(file, "{{") {
				v, err := e.opts.Templar.Template(file, en.scope, e.search(fr, t))
				if err != nil {
					e.reportFailure(pr, t, hs, err)
					continue
				}
				file = stringOf(v)
			}
			g := find(file, en.item, en.hasItem)
			g.loopVar = loopVar
			g.hosts = append(g.hosts, h)
			included++
			hs.record(statusOK, false)
		}
		if included == 0 && !hs.failed {
			cb.TaskResult(h, t, statusSkipped, modules.Result{"changed": false, "skipped": true, "skip_reason": "Conditional result was False"}, false, tfr)
			hs.record(statusSkipped, false)
		}
	}
	// Load every group's file first, and say what was included.
	type loaded struct {
		g     *group
		path  string
		tasks []*Task
	}
	var runs []loaded
	for _, g := range groups {
		tasks := t.Block
		path := t.IncludeFile
		if tasks == nil || strings.Contains(t.IncludeFile, "{{") {
			l := &loader{opts: LoadOptions{}, roles: map[string]*Role{}}
			ctxl := &loadCtx{file: t.Pos.File, baseDir: e.playbookDir(), role: fr.role, handler: t.Handler}
			path = findTasksFile(g.file, ctxl)
			n, err := readYAML(path)
			if err == nil {
				ctxl.file = path
				tasks, err = l.loadTaskList(n, ctxl)
			}
			if err != nil {
				for _, h := range g.hosts {
					e.reportFailure(pr, t, e.host(h), err)
				}
				continue
			}
		}
		label := ""
		if g.hasItem {
			label = template.PyStr(g.item)
		}
		cb.Included(path, g.hosts, label)
		runs = append(runs, loaded{g, path, tasks})
	}
	for _, r := range runs {
		// Tags on a dynamic include select the include only.
		inner := kw
		inner.Tags = fr.kw.Tags
		inner.When = fr.kw.When
		sub := &frame{kw: inner, role: fr.role, params: mergeMaps(fr.params, t.Args)}
		sub.kw.Vars = mergeMaps(fr.kw.Vars, t.Keywords.Vars)
		if r.g.hasItem {
			sub.kw.Vars[r.g.loopVar] = r.g.item
		}
		e.runTasks(ctx, pr, r.tasks, sub, e.activeOf(r.g.hosts))
	}
}

func reflectEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// runIncludeRole runs include_role and import_role.
func (e *Executor) runIncludeRole(ctx context.Context, pr *playRun, t *Task, fr *frame, hosts []string) {
	kw := t.Keywords.inherit(fr.kw)
	ref := t.IncludeRole
	if ref.Role == nil {
		// the name held a template: resolve with the first host's vars
		scope := e.scope(pr, hosts[0], fr, e.allHostVars())
		v, err := e.opts.Templar.Template(ref.Name, scope, nil)
		if err != nil {
			for _, h := range hosts {
				e.reportFailure(pr, t, e.host(h), err)
			}
			return
		}
		r2 := *ref
		r2.Name = stringOf(v)
		l := &loader{roles: map[string]*Role{}}
		if err := l.resolveRole(&r2, e.playbookDir(), fr.role); err != nil {
			for _, h := range hosts {
				e.reportFailure(pr, t, e.host(h), err)
			}
			return
		}
		ref = &r2
	}
	if !t.Static {
		if !e.selectedByTags(kw.Tags) {
			return
		}
		kw.Tags = fr.kw.Tags
		// when applies to the include itself
		hostvars := e.allHostVars()
		var run []string
		for _, h := range hosts {
			scope := e.scope(pr, h, &frame{kw: kw, role: fr.role, params: fr.params}, hostvars)
			ok, err := e.whenOK(kw.When, scope, fr, t)
			if err != nil {
				e.reportFailure(pr, t, e.host(h), err)
				continue
			}
			if ok {
				run = append(run, h)
			}
		}
		hosts = run
		kw.When = fr.kw.When
		// handlers of included roles join the play
		for _, hd := range ref.Role.Handlers {
			dup := false
			for _, x := range pr.handlers {
				if x.task == hd {
					dup = true
				}
			}
			if !dup {
				pr.handlers = append(pr.handlers, &handlerRef{task: hd, fr: &frame{kw: withoutVars(pr.play.Keywords), role: ref.Role}})
			}
		}
	}
	if len(hosts) == 0 {
		return
	}
	addRole := true
	for _, r := range pr.roles {
		if r == ref.Role {
			addRole = false
		}
	}
	if addRole {
		pr.roles = append(pr.roles, ref.Role)
	}
	params := mergeMaps(fr.params, ref.Params)
	for k, v := range t.Keywords.Vars {
		params[k] = v
	}
	sub := &frame{kw: kw, role: fr.role, params: params}
	rr := *ref
	rr.Keywords = Keywords{}
	e.runRoleRef(ctx, pr, &rr, sub, map[*Role]bool{})
}

// reportFailure reports a failure that happened before the module ran
// (templating, include resolution).
func (e *Executor) reportFailure(pr *playRun, t *Task, h *hostState, err error) {
	res := modules.Result{"failed": true, "msg": err.Error()}
	var ue *connection.UnreachableError
	if errors.As(err, &ue) {
		res["unreachable"] = true
		res["changed"] = false
		e.cb(h).Unreachable(h.name, res)
		h.record(statusUnreachable, false)
		return
	}
	e.cb(h).TaskResult(h.name, t, statusFailed, res, false, nil)
	h.record(statusFailed, false)
}

func withoutVars(k Keywords) Keywords {
	k.Vars = nil
	return k
}
