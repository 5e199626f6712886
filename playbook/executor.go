package playbook

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/template"
)

// Inventory is what a run needs of the inventory; *inventory.Inventory
// satisfies it.
type Inventory interface {
	Match(pattern string) (hosts []string, warnings []string, err error)
	HostVars(host string) map[string]any
	GroupNames(host string) []string
	Groups() map[string][]string
	Hosts() []string
}

// Options are the settings of one run (ansible-playbook's command line and
// configuration).
type Options struct {
	Inventory Inventory
	ExtraVars map[string]any
	Forks     int
	Check     bool
	Diff      bool
	Tags      []string
	SkipTags  []string
	StartAt   string
	Verbosity int

	Become         bool
	BecomeUser     string
	BecomeMethod   string
	BecomePassword string
	RemoteUser     string
	PrivateKey     string
	ConnType       string // -c; "" for ssh
	Timeout        int
	HostKeyCheck   bool
	SSHCommonArgs  string
	SSHExtraArgs   string
	Limit          string
	InventorySrcs  []string

	Callback Callback
	Templar  *template.Templar
	// Hooks see every module run (see TaskHook).
	Hooks []TaskHook
	// ReportTo receives the hooks' reports after the recap (stdout when nil).
	ReportTo io.Writer
	// Dial opens connections; connection.Dial when nil.
	Dial func(ctx context.Context, p connection.Params) (connection.Connection, error)
}

// Executor runs playbooks.
type Executor struct {
	opts  Options
	hosts map[string]*hostState // every host seen in this run
	mu    sync.Mutex
	pb    *Playbook
	jobs  jobTable // async jobs started with poll: 0
}

// New returns an executor.
func New(opts Options) *Executor {
	if opts.Forks <= 0 {
		opts.Forks = 5
	}
	if opts.Callback == nil {
		opts.Callback = NewDefaultCallback(os.Stdout, os.Stderr, opts.Verbosity, opts.Check, opts.Diff)
	}
	if opts.Templar == nil {
		opts.Templar = template.New(template.Options{})
	}
	if opts.Dial == nil {
		opts.Dial = connection.Dial
	}
	if opts.BecomeUser == "" {
		opts.BecomeUser = "root"
	}
	if opts.BecomeMethod == "" {
		opts.BecomeMethod = "sudo"
	}
	return &Executor{opts: opts, hosts: map[string]*hostState{}}
}

// Stats are one host's counts in the PLAY RECAP.
type Stats struct {
	Ok, Changed, Unreachable, Failed, Skipped, Rescued, Ignored int
}

// hostState is what the run knows about one host across plays.
type hostState struct {
	name        string
	mu          sync.Mutex
	conn        connection.Connection
	connErr     error
	facts       map[string]any // without the ansible_ prefix
	gathered    bool
	setFacts    map[string]any // set_fact and register
	includeVars map[string]any
	failed      bool // failed in this run: leaves later plays
	unreachable bool
	endedPlay   bool
	stats       Stats
	notified    map[*Task]bool
	rec         *recorder // where this host's output goes during a task
}

func (e *Executor) host(name string) *hostState {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, ok := e.hosts[name]
	if !ok {
		h = &hostState{name: name, facts: map[string]any{}, setFacts: map[string]any{}, includeVars: map[string]any{}, notified: map[*Task]bool{}}
		e.hosts[name] = h
	}
	return h
}

// Result is the outcome of a whole run.
type Result struct {
	Stats map[string]Stats
	// ExitCode is ansible-playbook's: 0, 2 when a host failed, 4 when a
	// host was unreachable.
	ExitCode int
}

// Run runs every play of pb.
func (e *Executor) Run(ctx context.Context, pb *Playbook) (*Result, error) {
	e.pb = pb
	defer e.closeAll()
	started := e.opts.StartAt == ""
	for _, play := range pb.Plays {
		allFailed, err := e.runPlay(ctx, play, &started)
		if err != nil {
			return nil, err
		}
		if allFailed {
			break // Ansible stops the playbook when every host of a play failed
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	res := &Result{Stats: map[string]Stats{}}
	anyFailed, anyUnreach := false, false
	for name, h := range e.hosts {
		if !h.touched() {
			continue
		}
		res.Stats[name] = h.stats
		if h.stats.Failed > 0 {
			anyFailed = true
		}
		if h.stats.Unreachable > 0 {
			anyUnreach = true
		}
	}
	switch {
	case anyUnreach:
		res.ExitCode = 4
	case anyFailed:
		res.ExitCode = 2
	}
	e.opts.Callback.Recap(res.Stats)
	w := e.opts.ReportTo
	if w == nil {
		w = os.Stdout
	}
	for _, h := range e.opts.Hooks {
		h.Report(w)
	}
	return res, nil
}

func (h *hostState) touched() bool {
	s := h.stats
	return s.Ok+s.Changed+s.Unreachable+s.Failed+s.Skipped+s.Rescued+s.Ignored > 0 || h.gathered
}

func (e *Executor) closeAll() {
	for _, h := range e.hosts {
		if h.conn != nil {
			h.conn.Close()
		}
	}
}

// playRun is the state of one play being run.
type playRun struct {
	play          *Play
	hosts         []string // the play's hosts, in order
	playVarsFiles map[string]any
	roles         []*Role // every role the play uses, dependencies first
	handlers      []*handlerRef
	started       *bool
	anyFatal      bool
	fatalShown    bool
	exec          *Executor
}

type handlerRef struct {
	task *Task
	fr   *frame
}

// frame is what a task inherits from the blocks, roles and includes
// around it.
type frame struct {
	kw     Keywords
	role   *Role
	params map[string]any // role params and include params
	// tagsOnly are tags that select the task but are not inherited
	// (tags on an include_tasks apply to the include only).
}

func (e *Executor) runPlay(ctx context.Context, play *Play, started *bool) (allFailed bool, err error) {
	cb := e.opts.Callback
	pattern := play.Hosts
	hosts, warnings, err := e.opts.Inventory.Match(pattern)
	if err != nil {
		return false, fmt.Errorf("%s: %w", play.Pos, err)
	}
	for _, w := range warnings {
		cb.Warning(w)
	}
	var active []string
	for _, h := range hosts {
		hs := e.host(h)
		if !hs.failed && !hs.unreachable {
			active = append(active, h)
		}
	}
	batches, err := e.batches(play, active)
	if err != nil {
		return false, fmt.Errorf("%s: %w", play.Pos, err)
	}
	if len(batches) == 0 {
		batches = [][]string{nil}
	}
	for _, batch := range batches {
		allFailed, err = e.runBatch(ctx, play, started, hosts, batch)
		if err != nil || allFailed {
			return allFailed, err
		}
	}
	return false, nil
}

// batches splits a play's hosts by serial: (a number, a percentage, or a
// list of them, the last repeated).
func (e *Executor) batches(play *Play, hosts []string) ([][]string, error) {
	if play.Serial == nil || len(hosts) == 0 {
		return [][]string{hosts}, nil
	}
	var sizes []any
	if l, ok := play.Serial.([]any); ok {
		sizes = l
	} else {
		sizes = []any{play.Serial}
	}
	var out [][]string
	rest := hosts
	for i := 0; len(rest) > 0; i++ {
		spec := sizes[len(sizes)-1]
		if i < len(sizes) {
			spec = sizes[i]
		}
		v, err := e.opts.Templar.Template(spec, e.opts.ExtraVars, nil)
		if err != nil {
			return nil, err
		}
		s := strings.TrimSpace(stringOf(v))
		n := 0
		if strings.HasSuffix(s, "%") {
			pct, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
			if err != nil {
				return nil, fmt.Errorf("serial: bad percentage %q", s)
			}
			n = int(float64(len(hosts)) * pct / 100)
		} else if n, err = strconv.Atoi(s); err != nil {
			return nil, fmt.Errorf("serial: bad value %q", s)
		}
		if n <= 0 {
			n = 1
		}
		if n > len(rest) {
			n = len(rest)
		}
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	return out, nil
}

// runBatch runs a play for one batch of its hosts.
func (e *Executor) runBatch(ctx context.Context, play *Play, started *bool, hosts, active []string) (allFailed bool, err error) {
	cb := e.opts.Callback
	name := play.Name
	pr := &playRun{play: play, hosts: active, started: started, exec: e}
	pr.anyFatal = truthy(play.AnyErrorsFatal)
	if name == "" {
		name = play.Hosts
	} else if strings.Contains(name, "{{") {
		if v, err := e.opts.Templar.Template(name, e.playScope(pr), nil); err == nil {
			name = stringOf(v)
		}
	}
	cb.PlayStart(name)
	if len(active) == 0 {
		if len(hosts) == 0 {
			cb.SkipNoHosts()
		} else {
			cb.NoMoreHosts()
		}
		return false, nil
	}
	for _, h := range active {
		e.host(h).endedPlay = false
	}
	// Roles (with their dependencies first) and handlers.
	seen := map[*Role]bool{}
	var addRole func(r *Role)
	addRole = func(r *Role) {
		if r == nil || seen[r] {
			return
		}
		seen[r] = true
		for _, d := range r.Deps {
			addRole(d.Role)
		}
		pr.roles = append(pr.roles, r)
	}
	for _, ref := range play.Roles {
		addRole(ref.Role)
	}
	// Play vars have their own precedence level (below vars_files), so
	// the play's frame does not carry them as block vars.
	playKW := play.Keywords
	playKW.Vars = nil
	playFrame := &frame{kw: playKW}
	for _, t := range play.Handlers {
		pr.handlers = append(pr.handlers, &handlerRef{task: t, fr: playFrame})
	}
	for _, r := range pr.roles {
		for _, t := range r.Handlers {
			pr.handlers = append(pr.handlers, &handlerRef{task: t, fr: &frame{kw: playKW, role: r}})
		}
	}
	// import_role handlers join the play's handlers too.
	walkTasks(append(append(append([]*Task{}, play.PreTasks...), play.Tasks...), play.PostTasks...), func(t *Task) {
		if t.Include == "import_role" && t.IncludeRole != nil && t.IncludeRole.Role != nil {
			for _, h := range t.IncludeRole.Role.Handlers {
				pr.handlers = append(pr.handlers, &handlerRef{task: h, fr: &frame{kw: playKW, role: t.IncludeRole.Role}})
			}
		}
	})
	if err := e.loadVarsFiles(pr); err != nil {
		return false, err
	}

	// Facts.
	gather := true
	if play.GatherFacts != nil {
		gather = *play.GatherFacts
	}
	if gather {
		e.gatherFacts(ctx, pr, playFrame)
	}
	sections := []struct {
		tasks []*Task
		roles bool
	}{{play.PreTasks, false}, {nil, true}, {play.Tasks, false}, {play.PostTasks, false}}
	for i, sec := range sections {
		if sec.roles {
			for _, ref := range play.Roles {
				e.runRoleRef(ctx, pr, ref, playFrame, map[*Role]bool{})
			}
		} else {
			e.runTasks(ctx, pr, sec.tasks, playFrame, pr.hostsActive())
		}
		if i != 1 { // handlers flush after pre_tasks, roles+tasks, post_tasks
			e.flushHandlers(ctx, pr)
		}
		if len(pr.hostsActive()) == 0 {
			break
		}
	}
	for _, h := range active {
		hs := e.host(h)
		if !hs.failed && !hs.unreachable {
			return false, nil
		}
	}
	return true, nil
}

// hostsActive are the play's hosts that have not failed, been unreachable
// or ended the play.
func (pr *playRun) hostsActive() []string { return pr.exec.activeOf(pr.hosts) }

// activeOf keeps the hosts that can still run tasks.
func (e *Executor) activeOf(in []string) []string {
	var out []string
	for _, h := range in {
		hs := e.host(h)
		if !hs.failed && !hs.unreachable && !hs.endedPlay {
			out = append(out, h)
		}
	}
	return out
}

func walkTasks(ts []*Task, f func(*Task)) {
	for _, t := range ts {
		f(t)
		walkTasks(t.Block, f)
		walkTasks(t.Rescue, f)
		walkTasks(t.Always, f)
	}
}

// runRoleRef runs a role's dependencies and tasks for the play's hosts.
func (e *Executor) runRoleRef(ctx context.Context, pr *playRun, ref *RoleRef, parent *frame, chain map[*Role]bool) {
	r := ref.Role
	if r == nil || chain[r] {
		return
	}
	chain[r] = true
	defer delete(chain, r)
	fr := &frame{kw: ref.Keywords.inherit(parent.kw), role: r, params: mergeMaps(parent.params, ref.Params)}
	for _, d := range r.Deps {
		e.runRoleRef(ctx, pr, d, fr, chain)
	}
	e.runTasks(ctx, pr, r.Tasks, fr, pr.hostsActive())
}

func mergeMaps(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// search is where lookups and file modules look for a task's files.
func (e *Executor) search(fr *frame, t *Task) *template.Search {
	var dirs []string
	if fr.role != nil {
		dirs = append(dirs, fr.role.Path)
	}
	if t != nil && t.Pos.File != "" {
		dirs = append(dirs, filepath.Dir(t.Pos.File))
	}
	if e.pb != nil {
		dirs = append(dirs, filepath.Dir(e.pb.Path))
	}
	return &template.Search{Dirs: uniq(dirs)}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys(m map[string]Stats) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
