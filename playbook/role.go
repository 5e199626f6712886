package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ome/omeprov/internal/yaml11"
)

// RoleRef is a use of a role: an entry of a play's roles:, a meta
// dependency, or an include_role/import_role.
type RoleRef struct {
	Pos          Pos
	Name         string // as written; may be a path
	Params       map[string]any
	Keywords     Keywords
	TasksFrom    string
	HandlersFrom string
	VarsFrom     string
	DefaultsFrom string
	Role         *Role // resolved
}

// Role is a loaded role directory.
type Role struct {
	Name     string
	Path     string
	Defaults map[string]any
	Vars     map[string]any
	Tasks    []*Task
	Handlers []*Task
	Deps     []*RoleRef
	AllowDup bool
	Params   map[string]any // of the ref that loaded it
}

var roleRefKeys = map[string]bool{"role": true, "name": true, "tasks_from": true, "handlers_from": true,
	"vars_from": true, "defaults_from": true, "public": true, "allow_duplicates": true, "apply": true,
	"rolespec_validate": true, "src": true, "version": true, "scm": true}

// setOption sets one of the options a role reference shares between
// roles: entries and include_role/import_role (name and the *_from files);
// it reports whether k was one.
func (ref *RoleRef) setOption(k string, v any) bool {
	switch k {
	case "name":
		ref.Name = stringOf(v)
	case "tasks_from":
		ref.TasksFrom = stringOf(v)
	case "handlers_from":
		ref.HandlersFrom = stringOf(v)
	case "vars_from":
		ref.VarsFrom = stringOf(v)
	case "defaults_from":
		ref.DefaultsFrom = stringOf(v)
	default:
		return false
	}
	return true
}

func parseRoleRef(n *yaml.Node, file string) (*RoleRef, error) {
	ref := &RoleRef{Pos: posOf(file, n), Params: map[string]any{}}
	val, err := yaml11.Value(n, file)
	if err != nil {
		return nil, err
	}
	switch v := val.(type) {
	case string:
		ref.Name = v
		return ref, nil
	case map[string]any:
		kw, err := parseKeywords(n, file)
		if err != nil {
			return nil, err
		}
		ref.Keywords = kw
		for k, x := range v {
			switch {
			case k == "role" || ref.setOption(k, x):
				if k == "role" {
					ref.Name = stringOf(x)
				}
			case k == "vars":
				// role: x, vars: {...} are role params in Ansible's loading
				if m, ok := x.(map[string]any); ok {
					for mk, mv := range m {
						ref.Params[mk] = mv
					}
				}
			case commonKeys[k] || roleRefKeys[k]:
			default:
				ref.Params[k] = x
			}
		}
		ref.Keywords.Vars = nil
		if ref.Name == "" {
			return nil, errorf(ref.Pos, "role definitions must contain a role name")
		}
		return ref, nil
	}
	return nil, errorf(ref.Pos, "role definitions must be a string or a dict")
}

// findRole returns the directory of a role.
func (l *loader) findRole(name, baseDir string, from *Role) (string, error) {
	if filepath.IsAbs(name) {
		if isDir(name) {
			return name, nil
		}
	}
	var dirs []string
	if from != nil {
		// a dependency may sit beside its parent role
		dirs = append(dirs, filepath.Join(from.Path, "roles"), filepath.Dir(from.Path))
	}
	dirs = append(dirs, filepath.Join(baseDir, "roles"))
	dirs = append(dirs, l.opts.RolesPath...)
	dirs = append(dirs, baseDir)
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if isDir(p) {
			return p, nil
		}
	}
	// ome.omero_server may be installed as omero_server in a collection
	// or by its short name.
	if i := strings.LastIndex(name, "."); i > 0 {
		short := name[i+1:]
		for _, d := range dirs {
			if p := filepath.Join(d, short); isDir(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("the role '%s' was not found in %s", name, strings.Join(dirs, ":"))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// mainFile finds DIR/NAME.yml, .yaml, NAME, or the directory NAME/ with
// several files (merged in name order).
func mainFiles(dir, name string) []string {
	for _, ext := range []string{".yml", ".yaml", ".json", ""} {
		p := filepath.Join(dir, name+ext)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return []string{p}
		}
	}
	if isDir(filepath.Join(dir, name)) {
		var out []string
		entries, _ := os.ReadDir(filepath.Join(dir, name))
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yml") || strings.HasSuffix(e.Name(), ".yaml")) {
				out = append(out, filepath.Join(dir, name, e.Name()))
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func readVarsFiles(files []string) (map[string]any, error) {
	out := map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		v, err := yaml11.Unmarshal(data, f)
		if err != nil {
			return nil, err
		}
		switch m := v.(type) {
		case nil:
		case map[string]any:
			for k, x := range m {
				out[k] = x
			}
		default:
			return nil, fmt.Errorf("%s: vars file must hold a dictionary", f)
		}
	}
	return out, nil
}

// resolveRole loads the role a ref names (cached per directory and entry
// points) and its dependencies.
func (l *loader) resolveRole(ref *RoleRef, baseDir string, from *Role) error {
	path, err := l.findRole(ref.Name, baseDir, from)
	if err != nil {
		return &Error{Pos: ref.Pos, Msg: err.Error()}
	}
	tasksFrom := orDefault(ref.TasksFrom, "main")
	key := strings.Join([]string{path, tasksFrom, ref.HandlersFrom, ref.VarsFrom, ref.DefaultsFrom}, "\x00")
	if r, ok := l.roles[key]; ok {
		ref.Role = r
		return nil
	}
	r := &Role{Name: filepath.Base(path), Path: path}
	if strings.Contains(ref.Name, "/") {
		r.Name = filepath.Base(ref.Name)
	} else {
		r.Name = ref.Name
	}
	l.roles[key] = r
	ref.Role = r
	if r.Defaults, err = readVarsFiles(mainFiles(filepath.Join(path, "defaults"), orDefault(ref.DefaultsFrom, "main"))); err != nil {
		return err
	}
	if r.Vars, err = readVarsFiles(mainFiles(filepath.Join(path, "vars"), orDefault(ref.VarsFrom, "main"))); err != nil {
		return err
	}
	// meta/main.yml: dependencies, allow_duplicates
	if files := mainFiles(filepath.Join(path, "meta"), "main"); len(files) > 0 {
		n, err := readYAML(files[0])
		if err != nil {
			return err
		}
		if n != nil && n.Kind == yaml.MappingNode {
			if v := mapGet(n, "allow_duplicates"); v != nil {
				x, _ := yaml11.Value(v, files[0])
				r.AllowDup = truthy(x)
			}
			if deps := mapGet(n, "dependencies"); deps != nil && deps.Kind == yaml.SequenceNode {
				for _, dn := range deps.Content {
					dref, err := parseRoleRef(dn, files[0])
					if err != nil {
						return err
					}
					if err := l.resolveRole(dref, baseDir, r); err != nil {
						return err
					}
					r.Deps = append(r.Deps, dref)
				}
			}
		}
	}
	ctx := &loadCtx{baseDir: baseDir, role: r}
	if files := mainFiles(filepath.Join(path, "tasks"), tasksFrom); len(files) > 0 {
		for _, f := range files {
			ctx.file = f
			n, err := readYAML(f)
			if err != nil {
				return err
			}
			ts, err := l.loadTaskList(n, ctx)
			if err != nil {
				return err
			}
			r.Tasks = append(r.Tasks, ts...)
		}
	} else if ref.TasksFrom != "" {
		return errorf(ref.Pos, "Could not find specified file in role: tasks/%s", ref.TasksFrom)
	}
	if files := mainFiles(filepath.Join(path, "handlers"), orDefault(ref.HandlersFrom, "main")); len(files) > 0 {
		ctx.handler = true
		for _, f := range files {
			ctx.file = f
			n, err := readYAML(f)
			if err != nil {
				return err
			}
			ts, err := l.loadTaskList(n, ctx)
			if err != nil {
				return err
			}
			r.Handlers = append(r.Handlers, ts...)
		}
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// findTasksFile resolves an include/import file name the way Ansible
// searches: the role's tasks/ directory, the including file's directory,
// then the playbook directory.
func findTasksFile(name string, ctx *loadCtx) string {
	if filepath.IsAbs(name) {
		return name
	}
	var cands []string
	if ctx.role != nil {
		cands = append(cands, filepath.Join(ctx.role.Path, "tasks", name), filepath.Join(ctx.role.Path, name))
	}
	if ctx.file != "" {
		cands = append(cands, filepath.Join(filepath.Dir(ctx.file), name))
	}
	cands = append(cands, filepath.Join(ctx.baseDir, name))
	for _, c := range cands {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	return cands[0]
}

// loadInclude handles include_tasks, import_tasks, include_role,
// import_role and include. Imports are expanded now into a block carrying
// the import's keywords; includes keep their reference and are loaded (and
// checked now, when the file name holds no template).
func (l *loader) loadInclude(t *Task, ctx *loadCtx) error {
	if ctx.depth > 50 {
		return errorf(t.Pos, "includes nested too deeply")
	}
	t.Include = t.Module
	switch t.Module {
	case "include_tasks", "import_tasks", "include":
		file := stringOf(firstOf(t.Args, "file", "_raw_params"))
		if file == "" || file == "None" {
			return errorf(t.Pos, "No file specified for %s", t.Module)
		}
		t.IncludeFile = file
		params := map[string]any{}
		for k, v := range t.Args {
			if k != "file" && k != "_raw_params" && k != "apply" {
				params[k] = v
			}
		}
		t.Args = params
		t.Static = t.Module == "import_tasks"
		if strings.Contains(file, "{{") {
			if t.Static {
				// import_tasks with a template is resolved with play vars at load
				// time in Ansible; we resolve it when run.
				t.Static = false
			}
			return nil
		}
		path := findTasksFile(file, ctx)
		n, err := readYAML(path)
		if err != nil {
			return &Error{Pos: t.Pos, Msg: err.Error()}
		}
		sub := *ctx
		sub.file = path
		sub.depth++
		tasks, err := l.loadTaskList(n, &sub)
		if err != nil {
			return err
		}
		if t.Static {
			t.IsBlock = true
			t.Block = tasks
		} else {
			t.Block = tasks // pre-loaded; re-used when run
		}
		t.IncludeFile = path
		return nil
	case "include_role", "import_role":
		ref := &RoleRef{Pos: t.Pos, Params: map[string]any{}}
		for k, v := range t.Args {
			switch {
			case ref.setOption(k, v):
			case k == "public" || k == "allow_duplicates" || k == "apply" || k == "rolespec_validate":
			default:
				return errorf(t.Pos, "Invalid options for %s: %s", t.Module, k)
			}
		}
		if ref.Name == "" {
			return errorf(t.Pos, "'name' is a required field for %s.", t.Module)
		}
		t.IncludeRole = ref
		t.Static = t.Module == "import_role"
		if strings.Contains(ref.Name, "{{") {
			t.Static = false
			return nil
		}
		return l.resolveRole(ref, ctx.baseDir, ctx.role)
	}
	return nil
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}
