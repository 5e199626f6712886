// Package modules holds omeprov's native implementations of Ansible modules
// and the registry that names them, in the manner of database/sql drivers:
// each module registers itself from an init function, and the engine looks
// modules up by short name or fully qualified collection name.
//
// A module runs in the controller. It decides which shell commands to run on
// the host, runs them through Task.Exec (or moves files through the
// connection) and turns what came back into an Ansible-shaped Result. Keep
// the deciding and the parsing in plain functions so they can be tested
// without a host; modtest provides a scripted fake connection.
package modules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ome/omeprov/connection"
)

// Module is one native module.
type Module interface {
	Run(ctx context.Context, t *Task) (Result, error)
}

// ModuleFunc adapts a function to Module.
type ModuleFunc func(ctx context.Context, t *Task) (Result, error)

// Run calls f.
func (f ModuleFunc) Run(ctx context.Context, t *Task) (Result, error) { return f(ctx, t) }

// Result is what a module returns, shaped as Ansible's results so that
// `register` gives the same structure: "changed", "failed", "msg", "rc",
// "stdout", "stderr", "skipped", "diff" (a Diff or []Diff), "ansible_facts",
// "warnings", and any module-specific keys.
type Result map[string]any

// Changed reports r["changed"].
func (r Result) Changed() bool { b, _ := r["changed"].(bool); return b }

// Failed reports r["failed"].
func (r Result) Failed() bool { b, _ := r["failed"].(bool); return b }

// Failf returns a failed result with a message.
func Failf(format string, a ...any) Result {
	return Result{"failed": true, "msg": fmt.Sprintf(format, a...)}
}

// Diff is one before/after pair shown with --diff.
type Diff struct {
	Before       string `json:"before"`
	After        string `json:"after"`
	BeforeHeader string `json:"before_header,omitempty"`
	AfterHeader  string `json:"after_header,omitempty"`
	Prepared     string `json:"prepared,omitempty"` // a diff already rendered (e.g. package lists)
}

// Controller is what a module may ask of the controller side of the run:
// the templating of values with the task's variables and the finding of
// files in roles and beside the playbook.
type Controller interface {
	// Template renders v (a string, list or map) with the task's variables.
	Template(v any) (any, error)
	// Conditional evaluates a bare Jinja2 expression as `when:` does.
	Conditional(expr string) (bool, error)
	// Var returns a variable (templated) as the task sees it.
	Var(name string) (any, bool, error)
	// FindFile finds a file on the controller the way Ansible searches
	// for src: in the role's (or playbook's) kind directory ("files",
	// "templates", "vars", "tasks"), then beside it. An absolute name is
	// returned as is.
	FindFile(kind, name string) (string, error)
	// Facts returns the gathered facts of the host (gathering them first
	// when they are not known yet), without the "ansible_" prefix.
	Facts(ctx context.Context) (map[string]any, error)
	// RenderTemplate renders the controller-side template file at path
	// (found with FindFile("templates", src)) with the task's variables,
	// as the template module does: opts carries the module's
	// newline_sequence, trim_blocks, lstrip_blocks,
	// block_start_string, block_end_string, variable_start_string,
	// variable_end_string, comment_start_string, comment_end_string and
	// output_encoding, and ansible_managed, template_path and the other
	// template_* variables are set for the rendering.
	RenderTemplate(path string, opts map[string]any) (string, error)
	// Reconnect closes the host's connection and opens a new one (for
	// reboot and similar modules that wait for the host to come back).
	Reconnect(ctx context.Context) (connection.Connection, error)
}

// Task is one invocation of a module on one host.
type Task struct {
	Name   string         // the task's name (or the module name)
	Module string         // the module's short name
	Args   map[string]any // templated, validated, with defaults; aliases resolved to the main name
	Conn   connection.Connection
	Become *connection.Become // nil when the task does not become
	Env    map[string]string  // the task's `environment`
	Check  bool               // --check or check_mode: yes
	Diff   bool               // --diff or diff: yes
	Ctl    Controller
	Host   string // inventory_hostname

	// stats remembers what fsStat saw of paths since the module last ran
	// a command or wrote a file, so that a module that looks at the same
	// path twice without changing anything asks the host once.
	stats map[string]string
}

// Exec runs a shell command line on the host with the task's become and
// environment.
func (t *Task) Exec(ctx context.Context, cmd string) (*connection.Result, error) {
	t.forgetStats()
	return t.Conn.Exec(ctx, cmd, &connection.ExecOptions{Become: t.Become, Env: t.Env})
}

// ExecStdin is Exec with data on the command's standard input.
func (t *Task) ExecStdin(ctx context.Context, cmd string, stdin string) (*connection.Result, error) {
	t.forgetStats()
	return t.Conn.Exec(ctx, cmd, &connection.ExecOptions{Become: t.Become, Env: t.Env, Stdin: strings.NewReader(stdin)})
}

// Spec says what a module accepts, so that bad input is rejected before
// any host is touched.
type Spec struct {
	Params map[string]Param
	// FreeForm names the parameter that takes free-form text
	// (`command: ls -l chdir=/tmp`): "_raw_params" for command, shell and
	// raw; "" for modules without one.
	FreeForm string
	// RawParams are not templated by the engine; the module renders them
	// itself (debug's var, assert's that).
	RawParams []string
	// AnyParams accepts any parameter name (set_fact, debug with vars).
	AnyParams bool
	// Action marks controller-side action plugins (debug, assert, fail)
	// that check only the names of their options, as Ansible's _VALID_ARGS
	// does: an unknown one fails with "Invalid options for NAME: a,b";
	// values are neither converted nor defaulted (the module does it).
	Action bool
	// CheckMode is false for modules that cannot predict their effect; the
	// engine skips them in check mode as Ansible does.
	CheckMode bool
	// RunOnce modules run once per play host batch on the controller
	// (ping, debug, set_fact, assert, fail run per host; none need this yet).
	MutuallyExclusive [][]string
	RequiredOneOf     [][]string
}

// Param describes one parameter.
type Param struct {
	Type     string // "str", "bool", "int", "float", "list", "dict", "path", "raw", "jsonarg"
	Elements string // element type of a list ("str" to split comma lists)
	Required bool
	Default  any
	Aliases  []string
	Choices  []string
	NoLog    bool
}

// Entry is a registered module.
type Entry struct {
	Name   string
	Spec   Spec
	Module Module
}

var (
	mu       sync.RWMutex
	registry = map[string]*Entry{}
)

// Register makes a module available under name (its short name, as in
// ansible.builtin.NAME). It panics if the name is taken, as database/sql does.
func Register(name string, spec Spec, m Module) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("modules: Register called twice for " + name)
	}
	registry[name] = &Entry{Name: name, Spec: spec, Module: m}
}

// collections are the namespaces whose modules omeprov implements under
// their short names.
var collections = []string{
	"ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.",
	"community.postgresql.", "community.crypto.",
}

// ShortName strips a known collection prefix from a module name.
func ShortName(name string) string {
	for _, c := range collections {
		if strings.HasPrefix(name, c) {
			return strings.TrimPrefix(name, c)
		}
	}
	return name
}

// Lookup finds a module by short name or FQCN.
func Lookup(name string) (*Entry, bool) {
	mu.RLock()
	defer mu.RUnlock()
	e, ok := registry[ShortName(name)]
	return e, ok
}

// Names lists the registered short names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// forgetStats drops what fsStat remembered: the host may have changed.
func (t *Task) forgetStats() { t.stats = nil }

// look runs a command that changes nothing on the host (a stat, a
// checksum), so what fsStat remembered stays valid.
func (t *Task) look(ctx context.Context, cmd string) (*connection.Result, error) {
	return t.Conn.Exec(ctx, cmd, &connection.ExecOptions{Become: t.Become, Env: t.Env})
}
