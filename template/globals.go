package template

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

var globals map[string]any

func init() {
	globals = map[string]any{
		"range":       builtin(gRange),
		"lookup":      builtin(func(s *state, a []any, kw map[string]any) (any, error) { return s.lookup(a, kw, false) }),
		"query":       builtin(func(s *state, a []any, kw map[string]any) (any, error) { return s.lookup(a, kw, true) }),
		"q":           builtin(func(s *state, a []any, kw map[string]any) (any, error) { return s.lookup(a, kw, true) }),
		"dict":        builtin(gDict),
		"namespace":   builtin(gNamespace),
		"__discard__": builtin(func(s *state, a []any, kw map[string]any) (any, error) { return "", nil }),
	}
}

func gRange(s *state, args []any, _ map[string]any) (any, error) {
	nums := make([]int, len(args))
	for i, a := range args {
		n, ok := a.(int)
		if !ok {
			if u, isU := a.(*Undefined); isU {
				return nil, u.err()
			}
			return nil, typeErr("'%s' object cannot be interpreted as an integer", pyTypeName(a))
		}
		nums[i] = n
	}
	start, stop, step := 0, 0, 1
	switch len(nums) {
	case 1:
		stop = nums[0]
	case 2:
		start, stop = nums[0], nums[1]
	case 3:
		start, stop, step = nums[0], nums[1], nums[2]
	default:
		return nil, typeErr("range expected at most 3 arguments, got %d", len(nums))
	}
	if step == 0 {
		return nil, valueErr("range() arg 3 must not be zero")
	}
	n := 0
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if n > 100000 {
		return nil, &Error{Msg: "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."}
	}
	out := make([]any, n)
	for i := range out {
		out[i] = start + i*step
	}
	return out, nil
}

func gDict(s *state, args []any, kw map[string]any) (any, error) {
	d := newDict()
	if len(args) > 0 {
		if isDict(args[0]) {
			d = toODict(args[0])
		} else {
			items, err := iterate(args[0])
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				pair, ok := seqItems(it)
				if !ok || len(pair) != 2 {
					return nil, valueErr("dictionary update sequence element has wrong length")
				}
				k, err := dictKey(pair[0])
				if err != nil {
					return nil, err
				}
				d.set(k, pair[1])
			}
		}
	}
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.set(k, kw[k])
	}
	return d, nil
}

func gNamespace(s *state, args []any, kw map[string]any) (any, error) {
	d, err := gDict(s, args, kw)
	if err != nil {
		return nil, err
	}
	return &namespace{d: d.(*Dict)}, nil
}

// lookupError is Ansible's wrapping of a failed lookup plugin.
func lookupError(name string, err error) error {
	var ue *UndefinedError
	if errors.As(err, &ue) {
		return err
	}
	return &Error{Msg: fmt.Sprintf("An unhandled exception occurred while running the lookup plugin '%s'. Error was a <class 'ansible.errors.AnsibleError'>, original message: %s", name, err.Error())}
}

func (s *state) lookup(args []any, kw map[string]any, wantlist bool) (any, error) {
	if s.t.opts.DisableLookups {
		return nil, &Error{Msg: "The lookup `lookup` was found, however lookups were disabled from templating"}
	}
	if len(args) == 0 {
		return nil, typeErr("lookup() missing 1 required positional argument: 'name'")
	}
	name, ok := args[0].(string)
	if !ok {
		return nil, typeErr("lookup name must be a string")
	}
	name = strings.TrimPrefix(name, "ansible.builtin.")
	terms := args[1:]
	opts := map[string]any{}
	for k, v := range kw {
		switch k {
		case "wantlist":
			wantlist, _ = truth(v)
		case "errors":
		default:
			opts[k] = v
		}
	}
	errMode := "strict"
	if e, ok := kw["errors"].(string); ok {
		errMode = e
	}
	for _, t := range terms {
		if u, isU := t.(*Undefined); isU {
			return nil, u.err()
		}
	}
	fn, ok := lookups[name]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("lookup plugin (%s) not found", name)}
	}
	ran, err := fn(s, terms, opts)
	if err != nil {
		if errMode == "ignore" || errMode == "warn" {
			if wantlist {
				return []any{}, nil
			}
			return nil, nil
		}
		var le *lookupErr
		if errors.As(err, &le) {
			return nil, &Error{Msg: le.msg}
		}
		return nil, lookupError(name, err)
	}
	if wantlist {
		return ran, nil
	}
	if len(ran) == 0 {
		return ran, nil
	}
	parts := make([]string, len(ran))
	for i, r := range ran {
		str, ok := r.(string)
		if !ok {
			if len(ran) == 1 {
				return ran[0], nil
			}
			return ran, nil
		}
		parts[i] = str
	}
	return strings.Join(parts, ","), nil
}

type lookupFunc func(s *state, terms []any, opts map[string]any) ([]any, error)

var lookups map[string]lookupFunc

func init() {
	lookups = map[string]lookupFunc{
		"env":         lkEnv,
		"file":        lkFile,
		"template":    lkTemplate,
		"pipe":        lkPipe,
		"fileglob":    lkFileglob,
		"first_found": lkFirstFound,
		"vars":        lkVars,
		"items":       lkItems,
		"list":        func(s *state, terms []any, _ map[string]any) ([]any, error) { return terms, nil },
		"indexed_items": func(s *state, terms []any, opts map[string]any) ([]any, error) {
			items, _ := lkItems(s, terms, opts)
			out := make([]any, len(items))
			for i, it := range items {
				out[i] = []any{i, it}
			}
			return out, nil
		},
		"dict": func(s *state, terms []any, _ map[string]any) ([]any, error) {
			out := []any{}
			for _, t := range terms {
				if !isDict(t) {
					return nil, fmt.Errorf("with_dict expects a dict")
				}
				r, _ := fDict2Items(s, t, nil, nil)
				out = append(out, r.([]any)...)
			}
			return out, nil
		},
		"lines": func(s *state, terms []any, opts map[string]any) ([]any, error) {
			out := []any{}
			for _, t := range terms {
				r, err := lkPipe(s, []any{t}, opts)
				if err != nil {
					return nil, err
				}
				for _, l := range strings.Split(r[0].(string), "\n") {
					out = append(out, l)
				}
			}
			return out, nil
		},
	}
}

func termStrings(terms []any) ([]string, error) {
	var out []string
	for _, t := range terms {
		if l, ok := seqItems(t); ok {
			sub, err := termStrings(l)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		str, err := pyStr(t)
		if err != nil {
			return nil, err
		}
		out = append(out, str)
	}
	return out, nil
}

func lkItems(s *state, terms []any, _ map[string]any) ([]any, error) {
	return flatten(terms, 1, false), nil
}

func lkEnv(s *state, terms []any, opts map[string]any) ([]any, error) {
	names, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, n := range names {
		v := s.t.opts.Getenv(n)
		if v == "" {
			if d, ok := opts["default"]; ok {
				out = append(out, d)
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// findFile looks for name in the search dirs, trying DIR/sub/name then DIR/name.
func (s *state) findFile(sub, name string) (string, bool) {
	if filepath.IsAbs(name) {
		_, err := os.Stat(name)
		return name, err == nil
	}
	var dirs []string
	if s.search != nil {
		dirs = append(dirs, s.search.Dirs...)
	}
	if s.fileDir != "" {
		dirs = append(dirs, s.fileDir)
	}
	for _, d := range dirs {
		for _, cand := range []string{filepath.Join(d, sub, name), filepath.Join(d, name)} {
			if _, err := os.Stat(cand); err == nil {
				return cand, true
			}
		}
	}
	return "", false
}

func lkFile(s *state, terms []any, opts map[string]any) ([]any, error) {
	names, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	rstrip, lstrip := true, false
	if v, ok := opts["rstrip"]; ok {
		rstrip, _ = truth(v)
	}
	if v, ok := opts["lstrip"]; ok {
		lstrip, _ = truth(v)
	}
	out := []any{}
	for _, n := range names {
		p, ok := s.findFile("files", n)
		if !ok {
			return nil, fmt.Errorf("could not locate file in lookup: %s", n)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("could not locate file in lookup: %s", n)
		}
		c := string(data)
		if lstrip {
			c = strings.TrimLeft(c, " \t\r\n\f\v")
		}
		if rstrip {
			c = strings.TrimRight(c, " \t\r\n\f\v")
		}
		out = append(out, c)
	}
	return out, nil
}

func lkTemplate(s *state, terms []any, opts map[string]any) ([]any, error) {
	names, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	convert := true
	if v, ok := opts["convert_data"]; ok {
		convert, _ = truth(v)
	}
	out := []any{}
	for _, n := range names {
		p, ok := s.findFile("templates", n)
		if !ok {
			return nil, fmt.Errorf("the template file %s could not be found for the lookup", n)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		vars := s.vars
		if tv, ok := opts["template_vars"]; ok && isDict(tv) {
			vars = Scope{}
			for k, v := range s.vars {
				vars[k] = v
			}
			keys, _ := dictKeys(tv)
			for _, k := range keys {
				vars[k], _ = dictGet(tv, k)
			}
		}
		sub := s.t.newState(vars, s.search)
		sub.fileDir = filepath.Dir(p)
		r, err := sub.render(string(data), convert, false)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func lkPipe(s *state, terms []any, _ map[string]any) ([]any, error) {
	if s.t.opts.DisablePipe {
		return nil, fmt.Errorf("the pipe lookup is disabled")
	}
	cmds, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, c := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", c)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		cancel()
		if err != nil {
			rc := -1
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				rc = ee.ExitCode()
			}
			return nil, fmt.Errorf("lookup_plugin.pipe(%s) returned %d", c, rc)
		}
		out = append(out, strings.TrimRight(stdout.String(), " \t\r\n\f\v"))
	}
	return out, nil
}

func lkFileglob(s *state, terms []any, _ map[string]any) ([]any, error) {
	pats, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, p := range pats {
		dir, base := filepath.Split(p)
		var dirs []string
		if filepath.IsAbs(p) {
			dirs = []string{dir}
		} else {
			if s.search != nil {
				for _, d := range s.search.Dirs {
					dirs = append(dirs, filepath.Join(d, "files", dir), filepath.Join(d, dir))
				}
			}
		}
		for _, d := range dirs {
			fi, err := os.Stat(d)
			if err != nil || !fi.IsDir() {
				continue
			}
			matches, _ := filepath.Glob(filepath.Join(d, base))
			found := false
			for _, m := range matches {
				if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
					out = append(out, m)
					found = true
				}
			}
			if found || len(matches) > 0 {
				break
			}
			break
		}
	}
	return out, nil
}

func lkFirstFound(s *state, terms []any, opts map[string]any) ([]any, error) {
	var files, paths []string
	skip := false
	if v, ok := opts["skip"]; ok {
		skip, _ = truth(v)
	}
	addOpts := func(d any) error {
		fs, _ := dictGet(d, "files")
		ps, _ := dictGet(d, "paths")
		if sk, ok := dictGet(d, "skip"); ok {
			skip, _ = truth(sk)
		}
		for _, x := range []struct {
			v   any
			dst *[]string
		}{{fs, &files}, {ps, &paths}} {
			if x.v == nil {
				continue
			}
			strs, err := termStrings([]any{x.v})
			if err != nil {
				return err
			}
			for _, str := range strs {
				for _, part := range strings.FieldsFunc(str, func(r rune) bool { return r == ',' || r == ';' }) {
					*x.dst = append(*x.dst, part)
				}
			}
		}
		return nil
	}
	if f, ok := opts["files"]; ok {
		if err := addOpts(map[string]any{"files": f, "paths": opts["paths"]}); err != nil {
			return nil, err
		}
	} else if p, ok := opts["paths"]; ok {
		if err := addOpts(map[string]any{"paths": p}); err != nil {
			return nil, err
		}
	}
	var walk func(t any) error
	walk = func(t any) error {
		switch x := t.(type) {
		case string:
			files = append(files, x)
		case []any, tuple:
			items, _ := seqItems(x)
			for _, it := range items {
				if err := walk(it); err != nil {
					return err
				}
			}
		case map[string]any, *Dict:
			return addOpts(x)
		}
		return nil
	}
	for _, t := range terms {
		if err := walk(t); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		cands := []string{f}
		if len(paths) > 0 {
			cands = nil
			for _, p := range paths {
				cands = append(cands, filepath.Join(p, f))
			}
		}
		for _, c := range cands {
			if p, ok := s.findFile("files", c); ok {
				if abs, err := filepath.Abs(p); err == nil {
					p = abs
				}
				return []any{p}, nil
			}
		}
	}
	if skip {
		return []any{}, nil
	}
	return nil, &lookupErr{"No file was found when using first_found."}
}

func lkVars(s *state, terms []any, opts map[string]any) ([]any, error) {
	names, err := termStrings(terms)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, n := range names {
		v, ok, err := s.resolveVar(n)
		if err != nil {
			return nil, err
		}
		if u, isU := v.(*Undefined); ok && isU {
			return nil, u.err()
		}
		if !ok {
			if d, has := opts["default"]; has {
				out = append(out, d)
				continue
			}
			return nil, &UndefinedError{Msg: fmt.Sprintf("No variable found with this name: %s", n)}
		}
		out = append(out, v)
	}
	return out, nil
}

// include renders another template file into the output.
func (s *state) include(n *includeN, f *frame, out *[]any) error {
	v, err := s.eval(n.tmpl, f)
	if err != nil {
		return err
	}
	names, err := termStrings([]any{v})
	if err != nil {
		return err
	}
	for _, name := range names {
		p, ok := s.findFile("templates", name)
		if !ok {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return &Error{Msg: err.Error()}
		}
		sx := defaultSyntax()
		body, err := s.t.parse(string(data), sx, false)
		if err != nil {
			return err
		}
		return s.exec(body, &frame{vars: map[string]any{}, parent: f}, out)
	}
	if n.ignoreMissing {
		return nil
	}
	return &Error{Msg: fmt.Sprintf("TemplateNotFound: %s", strings.Join(names, ", "))}
}

// lookupErr is AnsibleLookupError: reported without the "unhandled exception" wrapping.
type lookupErr struct{ msg string }

func (e *lookupErr) Error() string { return e.msg }
