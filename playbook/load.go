package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ome/omeprov/internal/suggest"
	"github.com/ome/omeprov/internal/yaml11"
	"github.com/ome/omeprov/modules"
)

// LoadOptions tunes Load.
type LoadOptions struct {
	// RolesPath lists directories searched for roles after the roles/
	// directory beside the playbook (Ansible's roles_path).
	RolesPath []string
}

// Load reads a playbook file, expands import_playbook, import_tasks and
// import_role, loads roles, and checks every module and parameter name.
func Load(path string, opts LoadOptions) (*Playbook, error) {
	l := &loader{opts: opts, roles: map[string]*Role{}}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pb := &Playbook{Path: abs}
	if err := l.loadPlaybook(pb, abs, 0); err != nil {
		return nil, err
	}
	return pb, nil
}

type loader struct {
	opts  LoadOptions
	roles map[string]*Role // by path + tasks_from etc.
}

func readYAML(path string) (*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %w", path, err)
	}
	n, err := yaml11.ParseOne(data, path)
	if err != nil {
		return nil, fmt.Errorf("Syntax Error while loading YAML.\n  %w", err)
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return n, nil
}

func posOf(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }

func (l *loader) loadPlaybook(pb *Playbook, path string, depth int) error {
	if depth > 20 {
		return fmt.Errorf("import_playbook nested too deeply at %s", path)
	}
	n, err := readYAML(path)
	if err != nil {
		return err
	}
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return errorf(posOf(path, n), "A playbook must be a list of plays, got a %s instead", kindName(n))
	}
	for _, pn := range n.Content {
		if pn.Kind != yaml.MappingNode {
			return errorf(posOf(path, pn), "A playbook must be a list of plays, got a %s instead", kindName(pn))
		}
		if v := mapGet(pn, "import_playbook", "ansible.builtin.import_playbook", "include"); v != nil && mapGet(pn, "hosts") == nil {
			name, _ := yaml11.Value(v, path)
			s, ok := name.(string)
			if !ok || s == "" {
				return errorf(posOf(path, v), "import_playbook needs a file name")
			}
			s = strings.Fields(s)[0]
			if !filepath.IsAbs(s) {
				s = filepath.Join(filepath.Dir(path), s)
			}
			if err := l.loadPlaybook(pb, s, depth+1); err != nil {
				return err
			}
			continue
		}
		play, err := l.loadPlay(pn, path)
		if err != nil {
			return err
		}
		pb.Plays = append(pb.Plays, play)
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "dict"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "string"
	}
	return "value"
}

// mapGet returns the value node of the first of keys present in a mapping.
func mapGet(n *yaml.Node, keys ...string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		for _, k := range keys {
			if n.Content[i].Value == k {
				return n.Content[i+1]
			}
		}
	}
	return nil
}

var playKeys = map[string]bool{
	"name": true, "hosts": true, "gather_facts": true, "gather_subset": true, "gather_timeout": true,
	"vars": true, "vars_files": true, "vars_prompt": true, "roles": true, "pre_tasks": true,
	"tasks": true, "post_tasks": true, "handlers": true, "serial": true, "strategy": true,
	"max_fail_percentage": true, "force_handlers": true, "order": true, "collections": true,
	"fact_path": true, "throttle": true, "timeout": true, "port": true,
}

// Keys shared by plays, blocks and tasks.
var commonKeys = map[string]bool{
	"become": true, "become_user": true, "become_method": true, "become_flags": true, "become_exe": true,
	"remote_user": true, "connection": true, "environment": true, "ignore_errors": true,
	"ignore_unreachable": true, "no_log": true, "check_mode": true, "diff": true, "run_once": true,
	"any_errors_fatal": true, "delegate_to": true, "delegate_facts": true, "tags": true, "when": true,
	"vars": true, "module_defaults": true, "collections": true, "debugger": true, "throttle": true,
	"timeout": true, "port": true, "name": true,
}

var taskKeys = map[string]bool{
	"register": true, "loop": true, "loop_control": true, "changed_when": true, "failed_when": true,
	"until": true, "retries": true, "delay": true, "notify": true, "listen": true, "async": true,
	"poll": true, "args": true, "action": true, "local_action": true,
}

func (l *loader) loadPlay(n *yaml.Node, file string) (*Play, error) {
	p := &Play{Pos: posOf(file, n), BaseDir: filepath.Dir(file)}
	kw, err := parseKeywords(n, file)
	if err != nil {
		return nil, err
	}
	p.Keywords = kw
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if !playKeys[k] && !commonKeys[k] {
			return nil, errorf(posOf(file, n.Content[i]), "'%s' is not a valid attribute for a Play%s", k, didYouMean(k, keysOf(playKeys, commonKeys)))
		}
		val, err := yaml11.Value(v, file)
		if err != nil {
			return nil, err
		}
		switch k {
		case "name":
			p.Name = fmt.Sprint(val)
		case "hosts":
			p.Hosts = hostsString(val)
		case "gather_facts":
			b := truthy(val)
			p.GatherFacts = &b
		case "gather_subset":
			p.GatherSub = stringList(val)
		case "vars_files":
			if l, ok := val.([]any); ok {
				p.VarsFiles = l
			} else if val != nil {
				p.VarsFiles = []any{val}
			}
		case "serial":
			p.Serial = val
		case "strategy":
			p.Strategy = fmt.Sprint(val)
		case "max_fail_percentage":
			p.MaxFailPct = val
		case "force_handlers":
			p.ForceHand = truthy(val)
		case "order":
			p.Order = fmt.Sprint(val)
		case "roles":
			if v.Kind != yaml.SequenceNode {
				if val == nil {
					continue
				}
				return nil, errorf(posOf(file, v), "roles must be a list")
			}
			for _, rn := range v.Content {
				ref, err := parseRoleRef(rn, file)
				if err != nil {
					return nil, err
				}
				p.Roles = append(p.Roles, ref)
			}
		}
	}
	ctx := &loadCtx{file: file, baseDir: p.BaseDir}
	for _, sec := range []struct {
		key string
		dst *[]*Task
	}{{"pre_tasks", &p.PreTasks}, {"tasks", &p.Tasks}, {"post_tasks", &p.PostTasks}, {"handlers", &p.Handlers}} {
		if v := mapGet(n, sec.key); v != nil {
			ctx.handler = sec.key == "handlers"
			ts, err := l.loadTaskList(v, ctx)
			if err != nil {
				return nil, err
			}
			*sec.dst = ts
		}
	}
	for _, ref := range p.Roles {
		if err := l.resolveRole(ref, p.BaseDir, nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func keysOf(ms ...map[string]bool) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func didYouMean(name string, candidates []string) string {
	if s := suggest.Closest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean '%s'?)", s)
	}
	return ""
}

func hostsString(v any) string {
	switch v := v.(type) {
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func stringList(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, stringOf(x))
		}
		return out
	case string:
		if strings.Contains(v, ",") && !strings.Contains(v, "{{") {
			var out []string
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
		return []string{v}
	}
	return []string{stringOf(v)}
}

// stringOf prints a scalar as Python's str() would.
func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// truthy reads a static boolean as Ansible's boolean() does.
func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int:
		return v != 0
	case float64:
		return v != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "yes", "on", "1", "true", "t", "y", "1.0":
			return true
		}
	}
	return false
}

func parseKeywords(n *yaml.Node, file string) (Keywords, error) {
	var kw Keywords
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if !commonKeys[k] {
			continue
		}
		val, err := yaml11.Value(v, file)
		if err != nil {
			return kw, err
		}
		switch k {
		case "become":
			if str, ok := val.(string); ok && strings.Contains(str, "{{") {
				kw.Become = str // templated when the task runs, per host
			} else {
				kw.Become = truthy(val)
			}
		case "become_user":
			kw.BecomeUser = stringOf(val)
		case "become_method":
			kw.BecomeMethod = stringOf(val)
		case "become_flags":
			kw.BecomeFlags = stringOf(val)
		case "remote_user":
			kw.RemoteUser = stringOf(val)
		case "connection":
			kw.Connection = stringOf(val)
		case "environment":
			if val != nil {
				kw.Environment = []any{val}
			}
		case "ignore_errors":
			kw.IgnoreErrors = val
		case "ignore_unreachable":
			kw.IgnoreUnreach = val
		case "no_log":
			kw.NoLog = val
		case "check_mode":
			kw.CheckMode = val
		case "diff":
			kw.Diff = val
		case "run_once":
			kw.RunOnce = val
		case "any_errors_fatal":
			kw.AnyErrorsFatal = val
		case "delegate_to":
			kw.DelegateTo = stringOf(val)
		case "tags":
			kw.Tags = stringList(val)
		case "when":
			kw.When = condList(val)
		case "vars":
			if val == nil {
				continue
			}
			m, ok := val.(map[string]any)
			if !ok {
				return kw, errorf(posOf(file, v), "Vars in a %s must be specified as a dictionary", "task")
			}
			kw.Vars = m
		case "module_defaults":
			if m, ok := val.(map[string]any); ok {
				kw.ModuleDefaults = m
			}
		}
	}
	return kw, nil
}

func condList(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, condString(x))
		}
		return out
	}
	return []string{condString(v)}
}

func condString(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	}
	return stringOf(v)
}

// loadCtx is where a task list is being read from.
type loadCtx struct {
	file    string
	baseDir string // playbook dir
	role    *Role
	handler bool
	depth   int
}

func (l *loader) loadTaskList(n *yaml.Node, ctx *loadCtx) ([]*Task, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(posOf(ctx.file, n), "A list of tasks is expected, got a %s", kindName(n))
	}
	var out []*Task
	for _, tn := range n.Content {
		t, err := l.loadTask(tn, ctx)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

var includeActions = map[string]bool{
	"include_tasks": true, "import_tasks": true, "include_role": true, "import_role": true, "include": true,
}

func (l *loader) loadTask(n *yaml.Node, ctx *loadCtx) (*Task, error) {
	pos := posOf(ctx.file, n)
	if n.Kind != yaml.MappingNode {
		return nil, errorf(pos, "A malformed block was encountered while loading tasks: a task must be a dict, got a %s", kindName(n))
	}
	kw, err := parseKeywords(n, ctx.file)
	if err != nil {
		return nil, err
	}
	t := &Task{Pos: pos, Keywords: kw, Role: ctx.role, Handler: ctx.handler}
	if v := mapGet(n, "name"); v != nil {
		val, _ := yaml11.Value(v, ctx.file)
		if val != nil {
			t.Name = stringOf(val)
		}
	}
	// A block?
	if b := mapGet(n, "block"); b != nil {
		t.IsBlock = true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if k != "block" && k != "rescue" && k != "always" && !commonKeys[k] && k != "notify" {
				return nil, errorf(posOf(ctx.file, n.Content[i]), "'%s' is not a valid attribute for a Block%s", k, didYouMean(k, keysOf(commonKeys)))
			}
		}
		sub := *ctx
		sub.depth++
		if t.Block, err = l.loadTaskList(b, &sub); err != nil {
			return nil, err
		}
		if t.Rescue, err = l.loadTaskList(mapGet(n, "rescue"), &sub); err != nil {
			return nil, err
		}
		if t.Always, err = l.loadTaskList(mapGet(n, "always"), &sub); err != nil {
			return nil, err
		}
		return t, nil
	}

	var moduleKey *yaml.Node
	var moduleVal *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		k := kn.Value
		val, err := yaml11.Value(vn, ctx.file)
		if err != nil {
			return nil, err
		}
		switch {
		case commonKeys[k]:
			continue
		case strings.HasPrefix(k, "with_"):
			if t.LoopWith != "" || t.Loop != nil {
				return nil, errorf(posOf(ctx.file, kn), "duplicate loop in task: %s", k)
			}
			t.LoopWith = strings.TrimPrefix(k, "with_")
			t.Loop = val
			continue
		case taskKeys[k]:
			switch k {
			case "register":
				t.Register = stringOf(val)
			case "loop":
				if t.LoopWith != "" {
					return nil, errorf(posOf(ctx.file, kn), "duplicate loop in task: loop")
				}
				if val == nil {
					val = []any{}
				}
				t.Loop = val
			case "loop_control":
				m, ok := val.(map[string]any)
				if !ok {
					return nil, errorf(posOf(ctx.file, vn), "loop_control must be a dictionary")
				}
				t.LoopControl = m
			case "changed_when":
				t.ChangedWhen = condList(val)
				t.hasChanged = true
			case "failed_when":
				t.FailedWhen = condList(val)
				t.hasFailedWhn = true
			case "until":
				t.Until = condList(val)
			case "retries":
				t.Retries = val
			case "delay":
				t.Delay = val
			case "notify":
				t.Notify = stringList(val)
			case "listen":
				t.Listen = stringList(val)
			case "async":
				t.Async = val
			case "poll":
				t.Poll = val
			case "args":
				switch a := val.(type) {
				case map[string]any:
					if t.Args == nil {
						t.Args = map[string]any{}
					}
					for ak, av := range a {
						if _, set := t.Args[ak]; !set {
							t.Args[ak] = av
						}
					}
				case string:
					t.ArgsRaw = a
				case nil:
				default:
					return nil, errorf(posOf(ctx.file, vn), "args must be a dictionary")
				}
			case "action", "local_action":
				if moduleKey != nil {
					return nil, errorf(posOf(ctx.file, kn), "conflicting action statements: %s, %s", moduleKey.Value, k)
				}
				moduleKey, moduleVal = kn, vn
				if k == "local_action" {
					t.DelegateTo = "localhost"
				}
			}
			continue
		}
		if moduleKey != nil {
			if _, known := modules.Lookup(k); known || includeActions[modules.ShortName(k)] {
				return nil, errorf(posOf(ctx.file, kn), "conflicting action statements: %s, %s", moduleKey.Value, k)
			}
			return nil, errorf(posOf(ctx.file, kn), "'%s' is not a valid attribute for a Task%s", k, didYouMean(k, keysOf(commonKeys, taskKeys)))
		}
		moduleKey, moduleVal = kn, vn
	}
	if moduleKey == nil {
		return nil, errorf(pos, "no module/action detected in task.")
	}
	action, args, err := actionAndArgs(moduleKey, moduleVal, ctx.file)
	if err != nil {
		return nil, err
	}
	for k, v := range t.Args { // args: keyword, module args win
		if _, set := args[k]; !set {
			args[k] = v
		}
	}
	t.Action, t.Args = action, args
	t.Module = modules.ShortName(action)
	if includeActions[t.Module] {
		return t, l.loadInclude(t, ctx)
	}
	if t.Module == "meta" {
		return t, nil
	}
	if err := checkModule(t); err != nil {
		return nil, err
	}
	return t, nil
}

// actionAndArgs reads `module: args` or `action: module args`.
func actionAndArgs(kn, vn *yaml.Node, file string) (string, map[string]any, error) {
	action := kn.Value
	val, err := yaml11.Value(vn, file)
	if err != nil {
		return "", nil, err
	}
	if action == "action" || action == "local_action" {
		switch v := val.(type) {
		case string:
			fields := strings.Fields(v)
			if len(fields) == 0 {
				return "", nil, errorf(posOf(file, vn), "no module/action detected in task.")
			}
			action = fields[0]
			val = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), fields[0]))
		case map[string]any:
			m, ok := v["module"].(string)
			if !ok {
				return "", nil, errorf(posOf(file, vn), "no module/action detected in task.")
			}
			action = m
			rest := map[string]any{}
			for k, x := range v {
				if k != "module" {
					rest[k] = x
				}
			}
			val = rest
		default:
			return "", nil, errorf(posOf(file, vn), "no module/action detected in task.")
		}
	}
	args := map[string]any{}
	switch v := val.(type) {
	case nil:
	case map[string]any:
		for k, x := range v {
			args[k] = x
		}
	case string:
		kv, err := modules.ParseModuleArgs(action, v)
		if err != nil {
			return "", nil, errorf(posOf(file, vn), "%v", err)
		}
		for k, x := range kv {
			args[k] = x
		}
		if e, ok := modules.Lookup(action); ok && e.Spec.FreeForm != "" && e.Spec.FreeForm != "_raw_params" {
			if raw, ok := args["_raw_params"]; ok {
				delete(args, "_raw_params")
				args[e.Spec.FreeForm] = raw
			}
		}
	default:
		e, ok := modules.Lookup(action)
		if ok && e.Spec.FreeForm != "" {
			args[e.Spec.FreeForm] = stringOf(v)
		} else {
			return "", nil, errorf(posOf(file, vn), "unexpected parameter type in action: %T", v)
		}
	}
	return action, args, nil
}

// checkModule rejects unknown modules and parameters before anything runs.
func checkModule(t *Task) error {
	e, ok := modules.Lookup(t.Action)
	if !ok {
		return errorf(t.Pos, "couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.%s", t.Action, didYouMean(t.Module, modules.Names()))
	}
	if e.Spec.AnyParams {
		return nil
	}
	var names []string
	for name, p := range e.Spec.Params {
		names = append(names, name)
		names = append(names, p.Aliases...)
	}
	sort.Strings(names)
	for k := range t.Args {
		if k == e.Spec.FreeForm && k != "" {
			continue
		}
		if _, ok := e.Spec.Params[k]; ok {
			continue
		}
		found := false
		for _, p := range e.Spec.Params {
			for _, a := range p.Aliases {
				if a == k {
					found = true
				}
			}
		}
		if !found {
			return errorf(t.Pos, "Unsupported parameters for (%s) module: %s. Supported parameters include: %s.%s", e.Name, k, strings.Join(names, ", "), didYouMean(k, names))
		}
	}
	return nil
}
