package playbook

import (
	"fmt"
	"strings"
)

// Pos is a place in a file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a problem found while loading, at a place in a file.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s\n\nThe error appears to be in '%s': line %d, column %d", e.Msg, e.Pos.File, e.Pos.Line, e.Pos.Col)
}

func errorf(pos Pos, format string, a ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

// Keywords common to plays, blocks and tasks that affect how a task runs.
type Keywords struct {
	Become         any // nil: inherit; a bool, or a template evaluated per host
	BecomeUser     string
	BecomeMethod   string
	BecomeFlags    string
	RemoteUser     string
	Connection     string
	Environment    []any // each a map or a template string, applied in order
	IgnoreErrors   any   // bool or template
	IgnoreUnreach  any
	NoLog          any
	CheckMode      any // nil: inherit
	Diff           any
	RunOnce        any
	AnyErrorsFatal any
	DelegateTo     string
	Tags           []string
	When           []string
	Vars           map[string]any
	ModuleDefaults map[string]any
}

// inherit returns k with unset fields taken from parent; tags and
// conditions accumulate, vars layer (child wins).
func (k Keywords) inherit(parent Keywords) Keywords {
	out := k
	if out.Become == nil {
		out.Become = parent.Become
	}
	if out.BecomeUser == "" {
		out.BecomeUser = parent.BecomeUser
	}
	if out.BecomeMethod == "" {
		out.BecomeMethod = parent.BecomeMethod
	}
	if out.BecomeFlags == "" {
		out.BecomeFlags = parent.BecomeFlags
	}
	if out.RemoteUser == "" {
		out.RemoteUser = parent.RemoteUser
	}
	if out.Connection == "" {
		out.Connection = parent.Connection
	}
	out.Environment = append(append([]any{}, parent.Environment...), k.Environment...)
	if out.IgnoreErrors == nil {
		out.IgnoreErrors = parent.IgnoreErrors
	}
	if out.IgnoreUnreach == nil {
		out.IgnoreUnreach = parent.IgnoreUnreach
	}
	if out.NoLog == nil {
		out.NoLog = parent.NoLog
	}
	if out.CheckMode == nil {
		out.CheckMode = parent.CheckMode
	}
	if out.Diff == nil {
		out.Diff = parent.Diff
	}
	if out.RunOnce == nil {
		out.RunOnce = parent.RunOnce
	}
	if out.AnyErrorsFatal == nil {
		out.AnyErrorsFatal = parent.AnyErrorsFatal
	}
	if out.DelegateTo == "" {
		out.DelegateTo = parent.DelegateTo
	}
	out.Tags = unionStrings(parent.Tags, k.Tags)
	out.When = append(append([]string{}, parent.When...), k.When...)
	if len(parent.Vars) > 0 {
		v := make(map[string]any, len(parent.Vars)+len(k.Vars))
		for n, x := range parent.Vars {
			v[n] = x
		}
		for n, x := range k.Vars {
			v[n] = x
		}
		out.Vars = v
	}
	if len(parent.ModuleDefaults) > 0 {
		md := map[string]any{}
		for n, x := range parent.ModuleDefaults {
			md[n] = x
		}
		for n, x := range k.ModuleDefaults {
			md[n] = x
		}
		out.ModuleDefaults = md
	}
	return out
}

func unionStrings(a, b []string) []string {
	if len(a) == 0 {
		return b
	}
	out := append([]string{}, a...)
	for _, s := range b {
		found := false
		for _, t := range out {
			if t == s {
				found = true
				break
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// Task is one entry of a task list: a module call, a block, or an include
// or import of tasks or a role.
type Task struct {
	Pos  Pos
	Name string // as written (may hold templates)
	Keywords

	// A module call.
	Action  string         // module name as written (short or FQCN)
	Module  string         // short module name
	Args    map[string]any // raw (untemplated)
	ArgsRaw any            // args given as a template string (`args: "{{ x }}"`)

	Register     string
	Loop         any    // loop: or with_*: value
	LoopWith     string // lookup name for with_* ("items", "dict" …); "" for loop:
	LoopControl  map[string]any
	ChangedWhen  []string
	FailedWhen   []string
	Until        []string
	Retries      any
	Delay        any
	Notify       []string
	Listen       []string // handlers
	Async        any
	Poll         any
	hasFailedWhn bool
	hasChanged   bool

	// A block.
	Block, Rescue, Always []*Task
	IsBlock               bool

	// An include or import: include_tasks, import_tasks, include_role,
	// import_role, include (legacy). Imports are expanded at load time
	// into Block; includes are loaded when run.
	Include     string // the keyword ("include_tasks" …); "" otherwise
	IncludeFile string
	IncludeRole *RoleRef
	Static      bool

	// The role the task came from, if any (nil for play tasks).
	Role *Role
	// Handler is true for handlers.
	Handler bool
}

// DisplayName is the task name as Ansible shows it before templating:
// the name, else the module (action) name; prefixed with the role name.
func (t *Task) DisplayName() string {
	n := t.Name
	if n == "" {
		n = t.Action
		if t.Include != "" {
			n = t.Include
		}
	}
	if t.Role != nil && !strings.HasPrefix(n, t.Role.Name+" : ") {
		return t.Role.Name + " : " + n
	}
	return n
}

// Play is one play of a playbook.
type Play struct {
	Pos         Pos
	Name        string
	Hosts       string
	GatherFacts *bool
	GatherSub   []string
	Serial      any
	MaxFailPct  any
	Strategy    string
	Keywords
	VarsFiles []any
	Roles     []*RoleRef
	PreTasks  []*Task
	Tasks     []*Task
	PostTasks []*Task
	Handlers  []*Task
	ForceHand bool
	Order     string
	BaseDir   string // directory of the playbook file
}

// Playbook is what Load returns: plays in order, imports expanded.
type Playbook struct {
	Path  string
	Plays []*Play
}
