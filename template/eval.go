package template

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/ome/omeprov/internal/keyorder"
)

// frame is one Jinja2 scope of local names.
type frame struct {
	vars   map[string]any
	parent *frame
}

func (f *frame) lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// state is one top-level templating call: the variables and a cache of the
// variables already resolved.
type state struct {
	t         *Templar
	vars      Scope
	search    *Search
	resolved  map[string]any
	resolving map[string]bool
	depth     int
	convert   bool
	steps     int
	// fileDir is the directory of the template file being rendered.
	fileDir string
}

const maxEvalDepth = 500

// maxSteps bounds the work one template may do (loops over huge ranges).
const maxSteps = 2_000_000

func (s *state) tick() error {
	s.steps++
	if s.steps > maxSteps {
		return &Error{Msg: "template too expensive to render"}
	}
	return nil
}

// resolveVar returns a top-level variable, templating it on first use.
func (s *state) resolveVar(name string) (any, bool, error) {
	if v, ok := s.resolved[name]; ok {
		return v, true, nil
	}
	raw, ok := s.vars[name]
	if !ok {
		return nil, false, nil
	}
	raw = normalize(raw)
	if _, lazy := raw.(LazyMap); lazy || name == "vars" || raw == nil {
		return raw, true, nil
	}
	if !needsTemplating(raw, s.t.sx) {
		s.resolved[name] = raw
		return raw, true, nil
	}
	if s.resolving[name] {
		str, _ := pyStr(raw)
		return nil, true, &Error{Msg: fmt.Sprintf("An unhandled exception occurred while templating '%s'. Error was a <class 'ansible.errors.AnsibleError'>, original message: recursive loop detected in template string: %s", str, str)}
	}
	s.resolving[name] = true
	v, err := s.templateValue(raw, true)
	delete(s.resolving, name)
	if err != nil {
		var ue *UndefinedError
		if errors.As(err, &ue) {
			str := reprForHint(raw)
			u := &Undefined{hint: fmt.Sprintf("%s: %s", str, ue.Msg), name: name}
			s.resolved[name] = u
			return u, true, nil
		}
		return nil, true, err
	}
	s.resolved[name] = v
	return v, true, nil
}

func reprForHint(v any) string {
	if str, ok := v.(string); ok {
		return str
	}
	return pyRepr(v)
}

// needsTemplating says whether v holds a string with a template marker.
func needsTemplating(v any, sx syntax) bool {
	switch x := v.(type) {
	case Unsafe:
		return true
	case string:
		return isPossiblyTemplate(x, sx)
	case []any:
		for _, e := range x {
			if needsTemplating(e, sx) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if needsTemplating(e, sx) {
				return true
			}
		}
	case *Dict:
		for _, e := range x.m {
			if needsTemplating(e, sx) {
				return true
			}
		}
	case nil, bool, int, float64, tuple, LazyMap:
	default:
		// Go types that normalize must convert.
		return true
	}
	return false
}

func isPossiblyTemplate(s string, sx syntax) bool {
	return strings.Contains(s, sx.varStart) || strings.Contains(s, sx.blockStart) || strings.Contains(s, sx.commentStart)
}

var singleVarRe = regexp.MustCompile(`^\{\{\s*(\w*)\s*\}\}\n?\z`)

// templateValue is Templar.template: it walks lists and maps and renders strings.
func (s *state) templateValue(v any, convert bool) (any, error) {
	s.depth++
	defer func() { s.depth-- }()
	if s.depth > maxEvalDepth {
		return nil, &Error{Msg: "maximum recursion depth exceeded while templating"}
	}
	v = normalize(v)
	switch x := v.(type) {
	case Unsafe:
		return string(x), nil
	case string:
		if !isPossiblyTemplate(x, s.t.sx) {
			return x, nil
		}
		if m := singleVarRe.FindStringSubmatch(x); m != nil {
			if _, ok := s.vars[m[1]]; ok {
				rv, _, err := s.resolveRawScalar(m[1])
				if err != nil {
					return nil, err
				}
				switch rv.(type) {
				case bool, int, float64:
					return rv, nil
				case nil:
					return nil, nil
				}
			}
		}
		return s.render(x, convert, true)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := s.templateValue(e, true)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := s.templateValue(e, true)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		keyorder.Record(out, keyorder.Keys(x))
		return out, nil
	case *Dict:
		out := newDict()
		for _, k := range x.keys {
			r, err := s.templateValue(x.m[k], true)
			if err != nil {
				return nil, err
			}
			out.set(k, r)
		}
		return out, nil
	}
	return v, nil
}

// resolveRawScalar returns the raw value of a variable (not templated) for
// Ansible's single-variable shortcut.
func (s *state) resolveRawScalar(name string) (any, bool, error) {
	raw, ok := s.vars[name]
	return normalize(raw), ok, nil
}

// render renders one template string the way Templar.do_template does.
func (s *state) render(src string, convert, escBackslashes bool) (any, error) {
	body, err := s.t.parse(src, s.t.sx, escBackslashes)
	if err != nil {
		return nil, err
	}
	prev := s.convert
	s.convert = convert
	defer func() { s.convert = prev }()
	var out []any
	if err := s.exec(body, &frame{vars: map[string]any{}}, &out); err != nil {
		return nil, err
	}
	res, err := s.concat(out, convert)
	if err != nil {
		return nil, err
	}
	if str, ok := res.(string); ok {
		n := countTrailingNewlines(src) - countTrailingNewlines(str)
		if n > 0 {
			res = str + strings.Repeat(s.t.sx.newline, n)
		}
	}
	return res, nil
}

func countTrailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}

// nativeText is Ansible's NativeJinjaText: the output of a filter in
// STRING_TYPE_FILTERS, which stays a string when it is the whole template.
type nativeText string

var stringFilters = map[string]bool{"string": true, "to_json": true, "to_nice_json": true, "to_yaml": true,
	"to_nice_yaml": true, "ansible.builtin.to_json": true, "ansible.builtin.to_nice_json": true,
	"ansible.builtin.to_yaml": true, "ansible.builtin.to_nice_yaml": true, "ansible.builtin.string": true}

// concat joins output nodes: ansible_eval_concat when convert is set, else ansible_concat.
func (s *state) concat(out []any, convert bool) (any, error) {
	if len(out) == 1 {
		if nt, ok := out[0].(nativeText); ok {
			return string(nt), nil
		}
	}
	var b strings.Builder
	for _, v := range out {
		if nt, ok := v.(nativeText); ok {
			b.WriteString(string(nt))
			continue
		}
		str, err := pyStr(v)
		if err != nil {
			return nil, err
		}
		b.WriteString(str)
	}
	res := b.String()
	if convert && (strings.HasPrefix(res, "{") || strings.HasPrefix(res, "[") || res == "True" || res == "False") {
		if v, ok := literalEval(res); ok {
			return v, nil
		}
	}
	return res, nil
}

// finalize is Ansible's: None prints as the empty string.
func finalize(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func (s *state) exec(body []stmt, f *frame, out *[]any) error {
	for _, st := range body {
		if err := s.tick(); err != nil {
			return err
		}
		switch n := st.(type) {
		case *dataN:
			*out = append(*out, n.s)
		case *printN:
			v, err := s.eval(n.x, f)
			if err != nil {
				return err
			}
			if u, ok := v.(*Undefined); ok {
				if !u.soft {
					return u.err()
				}
				v = ""
			}
			if f, ok := n.x.(*filterN); ok && stringFilters[f.name] {
				if str, ok := v.(string); ok {
					v = nativeText(str)
				}
			}
			*out = append(*out, finalize(v))
		case *ifN:
			c, err := s.eval(n.cond, f)
			if err != nil {
				return err
			}
			ok, err := truth(c)
			if err != nil {
				return err
			}
			if ok {
				err = s.exec(n.body, f, out)
			} else {
				err = s.exec(n.els, f, out)
			}
			if err != nil {
				return err
			}
		case *forN:
			if err := s.execFor(n, f, out, 0); err != nil {
				return err
			}
		case *setN:
			v, err := s.eval(n.x, f)
			if err != nil {
				return err
			}
			if err := assign(n.target, v, f); err != nil {
				return err
			}
		case *setBlockN:
			var sub []any
			if err := s.exec(n.body, f, &sub); err != nil {
				return err
			}
			v, err := s.concat(sub, s.convert)
			if err != nil {
				return err
			}
			if n.filter != nil {
				if v, err = s.applyFilterChain(n.filter, v, f); err != nil {
					return err
				}
			}
			f.vars[n.name] = v
		case *macroN:
			f.vars[n.name] = &macro{n: n, s: s, closure: f}
		case *callBlockN:
			caller := &macro{n: &macroN{name: "caller", params: n.params, defaults: n.defs, body: n.body}, s: s, closure: f}
			fn, err := s.eval(n.call.fn, f)
			if err != nil {
				return err
			}
			args, kw, err := s.evalArgs(n.call.args, n.call.kwargs, n.call.star, n.call.dstar, f)
			if err != nil {
				return err
			}
			kw["caller"] = caller
			v, err := s.call(fn, args, kw)
			if err != nil {
				return err
			}
			*out = append(*out, finalize(v))
		case *filterBlockN:
			var sub []any
			if err := s.exec(n.body, &frame{vars: map[string]any{}, parent: f}, &sub); err != nil {
				return err
			}
			v, err := s.concat(sub, false)
			if err != nil {
				return err
			}
			if v, err = s.applyFilterChain(n.filter, v, f); err != nil {
				return err
			}
			*out = append(*out, finalize(v))
		case *withN:
			nf := &frame{vars: map[string]any{}, parent: f}
			for i, t := range n.targets {
				v, err := s.eval(n.values[i], f)
				if err != nil {
					return err
				}
				if err := assign(t, v, nf); err != nil {
					return err
				}
			}
			if err := s.exec(n.body, nf, out); err != nil {
				return err
			}
		case *includeN:
			if err := s.include(n, f, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("template: unknown statement %T", st)
		}
	}
	return nil
}

func (s *state) applyFilterChain(fn *filterN, v any, f *frame) (any, error) {
	if fn.x != nil {
		inner, ok := fn.x.(*filterN)
		if !ok {
			return nil, &Error{Msg: "bad filter chain"}
		}
		var err error
		if v, err = s.applyFilterChain(inner, v, f); err != nil {
			return nil, err
		}
	}
	return s.applyFilter(fn, v, f)
}

func assign(target expr, v any, f *frame) error {
	switch t := target.(type) {
	case *getattrN:
		name := t.x.(*nameN).name
		obj, _ := f.lookup(name)
		ns, ok := obj.(*namespace)
		if !ok {
			return &Error{Msg: "cannot assign attribute on non-namespace object"}
		}
		ns.d.set(t.attr, v)
		return nil
	case *nameN:
		f.vars[t.name] = v
		return nil
	case *tupleN:
		items, err := iterate(v)
		if err != nil {
			return err
		}
		if len(items) != len(t.items) {
			if len(items) > len(t.items) {
				return valueErr("too many values to unpack (expected %d)", len(t.items))
			}
			return valueErr("not enough values to unpack (expected %d, got %d)", len(t.items), len(items))
		}
		for i, it := range t.items {
			if err := assign(it, items[i], f); err != nil {
				return err
			}
		}
		return nil
	}
	return &Error{Msg: "can't assign to this target"}
}

// loopV is Jinja2's loop variable.
type loopV struct {
	items []any
	index int
	depth int
	rec   *forN
	f     *frame
	// last is the value loop.changed() saw last.
	last    any
	hasLast bool
}

func (s *state) execFor(n *forN, f *frame, out *[]any, depth int) error {
	it, err := s.eval(n.iter, f)
	if err != nil {
		return err
	}
	return s.execForItems(n, it, f, out, depth)
}

func (s *state) execForItems(n *forN, it any, f *frame, out *[]any, depth int) error {
	items, err := iterate(it)
	if err != nil {
		return err
	}
	if n.filter != nil {
		var kept []any
		for _, item := range items {
			nf := &frame{vars: map[string]any{}, parent: f}
			if err := assign(n.target, item, nf); err != nil {
				return err
			}
			c, err := s.eval(n.filter, nf)
			if err != nil {
				return err
			}
			ok, err := truth(c)
			if err != nil {
				return err
			}
			if ok {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		return s.exec(n.els, &frame{vars: map[string]any{}, parent: f}, out)
	}
	lp := &loopV{items: items, depth: depth, rec: n, f: f}
	nf := &frame{vars: map[string]any{}, parent: f}
	for i, item := range items {
		if err := s.tick(); err != nil {
			return err
		}
		lp.index = i
		clear(nf.vars)
		nf.vars["loop"] = lp
		if err := assign(n.target, item, nf); err != nil {
			return err
		}
		if err := s.exec(n.body, nf, out); err != nil {
			return err
		}
	}
	return nil
}

func (l *loopV) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return l.index + 1, true
	case "index0":
		return l.index, true
	case "revindex":
		return n - l.index, true
	case "revindex0":
		return n - l.index - 1, true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == n-1, true
	case "length":
		return n, true
	case "depth":
		return l.depth + 1, true
	case "depth0":
		return l.depth, true
	case "previtem":
		if l.index > 0 {
			return l.items[l.index-1], true
		}
		return &Undefined{name: "previtem", hint: "there is no previous item"}, true
	case "nextitem":
		if l.index < n-1 {
			return l.items[l.index+1], true
		}
		return &Undefined{name: "nextitem", hint: "there is no next item"}, true
	case "cycle":
		return builtin(func(s *state, args []any, kw map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, typeErr("no items for cycling given")
			}
			return args[l.index%len(args)], nil
		}), true
	case "changed":
		return builtin(func(s *state, args []any, kw map[string]any) (any, error) {
			v := tuple(args)
			if l.hasLast && pyEq(l.last, v) {
				return false, nil
			}
			l.last, l.hasLast = v, true
			return true, nil
		}), true
	}
	return nil, false
}

// iterate lists the items Python's iter(v) gives.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case tuple:
		return x, nil
	case map[string]any, *Dict, LazyMap:
		keys, _ := dictKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErr("'%s' object is not iterable", pyTypeName(v))
}

func (s *state) lookupName(name string, f *frame) (any, error) {
	if v, ok := f.lookup(name); ok {
		return v, nil
	}
	v, ok, err := s.resolveVar(name)
	if err != nil {
		return nil, err
	}
	if ok {
		return v, nil
	}
	if g, ok := globals[name]; ok {
		return g, nil
	}
	return &Undefined{name: name}, nil
}

func (s *state) eval(x expr, f *frame) (any, error) {
	s.depth++
	defer func() { s.depth-- }()
	if s.depth > maxEvalDepth {
		return nil, &Error{Msg: "maximum recursion depth exceeded"}
	}
	if err := s.tick(); err != nil {
		return nil, err
	}
	switch n := x.(type) {
	case *constN:
		return n.v, nil
	case *nameN:
		return s.lookupName(n.name, f)
	case *listN:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			v, err := s.eval(it, f)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *tupleN:
		out := make(tuple, len(n.items))
		for i, it := range n.items {
			v, err := s.eval(it, f)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *dictN:
		d := newDict()
		for i := range n.keys {
			k, err := s.eval(n.keys[i], f)
			if err != nil {
				return nil, err
			}
			v, err := s.eval(n.vals[i], f)
			if err != nil {
				return nil, err
			}
			ks, err := dictKey(k)
			if err != nil {
				return nil, err
			}
			d.set(ks, v)
		}
		return d, nil
	case *getattrN:
		obj, err := s.eval(n.x, f)
		if err != nil {
			return nil, err
		}
		return getAttr(obj, n.attr), nil
	case *getitemN:
		obj, err := s.eval(n.x, f)
		if err != nil {
			return nil, err
		}
		idx, err := s.eval(n.idx, f)
		if err != nil {
			return nil, err
		}
		return getItem(obj, idx)
	case *sliceN:
		return s.evalSlice(n, f)
	case *callN:
		if r, ok, err := s.listMutation(n, f); ok || err != nil {
			return r, err
		}
		fn, err := s.eval(n.fn, f)
		if err != nil {
			return nil, err
		}
		args, kw, err := s.evalArgs(n.args, n.kwargs, n.star, n.dstar, f)
		if err != nil {
			return nil, err
		}
		return s.call(fn, args, kw)
	case *filterN:
		var v any
		if n.x != nil {
			var err error
			if v, err = s.eval(n.x, f); err != nil {
				return nil, err
			}
		}
		return s.applyFilter(n, v, f)
	case *testN:
		return s.applyTest(n, f)
	case *unaryN:
		v, err := s.eval(n.x, f)
		if err != nil {
			return nil, err
		}
		switch n.op {
		case "not":
			b, err := truth(v)
			return !b, err
		case "-":
			switch y := v.(type) {
			case int:
				return -y, nil
			case bool:
				if y {
					return -1, nil
				}
				return 0, nil
			case float64:
				return -y, nil
			case *Undefined:
				return nil, y.err()
			}
			return nil, typeErr("bad operand type for unary -: '%s'", pyTypeName(v))
		default:
			switch y := v.(type) {
			case int, float64:
				return y, nil
			case bool:
				if y {
					return 1, nil
				}
				return 0, nil
			case *Undefined:
				return nil, y.err()
			}
			return nil, typeErr("bad operand type for unary +: '%s'", pyTypeName(v))
		}
	case *binN:
		return s.evalBin(n, f)
	case *cmpN:
		left, err := s.eval(n.first, f)
		if err != nil {
			return nil, err
		}
		for _, op := range n.ops {
			right, err := s.eval(op.x, f)
			if err != nil {
				return nil, err
			}
			ok, err := compare(op.op, left, right)
			if err != nil {
				return nil, err
			}
			if !ok {
				return false, nil
			}
			left = right
		}
		return true, nil
	case *condN:
		c, err := s.eval(n.test, f)
		if err != nil {
			return nil, err
		}
		ok, err := truth(c)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.eval(n.then, f)
		}
		if n.els == nil {
			return &Undefined{soft: true, hint: "the inline if-expression on line 1 evaluated to false and no else section was defined."}, nil
		}
		return s.eval(n.els, f)
	}
	return nil, fmt.Errorf("template: unknown expression %T", x)
}

func dictKey(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case *Undefined:
		return "", x.err()
	case []any, map[string]any, *Dict:
		return "", typeErr("unhashable type: '%s'", pyTypeName(k))
	}
	return pyStr(k)
}

func (s *state) evalArgs(args []expr, kwargs []kwarg, star, dstar expr, f *frame) ([]any, map[string]any, error) {
	out := make([]any, 0, len(args))
	for _, a := range args {
		v, err := s.eval(a, f)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	if star != nil {
		v, err := s.eval(star, f)
		if err != nil {
			return nil, nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, items...)
	}
	kw := map[string]any{}
	for _, k := range kwargs {
		v, err := s.eval(k.v, f)
		if err != nil {
			return nil, nil, err
		}
		kw[k.name] = v
	}
	if dstar != nil {
		v, err := s.eval(dstar, f)
		if err != nil {
			return nil, nil, err
		}
		keys, ok := dictKeys(v)
		if !ok {
			return nil, nil, typeErr("argument after ** must be a mapping, not %s", pyTypeName(v))
		}
		for _, k := range keys {
			kw[k], _ = dictGet(v, k)
		}
	}
	return out, kw, nil
}

// builtin is a Go function callable from templates.
type builtin func(s *state, args []any, kw map[string]any) (any, error)

// macro is a {% macro %} or caller() block.
type macro struct {
	n       *macroN
	s       *state
	closure *frame
}

func isCallable(v any) bool {
	switch v.(type) {
	case builtin, *macro:
		return true
	}
	return false
}

func (s *state) call(fn any, args []any, kw map[string]any) (any, error) {
	switch x := fn.(type) {
	case builtin:
		return x(s, args, kw)
	case *macro:
		return s.callMacro(x, args, kw)
	case *loopV:
		if x.rec == nil || !x.rec.recursive || len(args) != 1 {
			return nil, typeErr("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.")
		}
		var out []any
		if err := s.execForItems(x.rec, args[0], x.f, &out, x.depth+1); err != nil {
			return nil, err
		}
		return s.concat(out, false)
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErr("'%s' object is not callable", pyTypeName(fn))
}

func (s *state) callMacro(m *macro, args []any, kw map[string]any) (any, error) {
	n := m.n
	f := &frame{vars: map[string]any{}, parent: m.closure}
	var extra []any
	for i, a := range args {
		if i < len(n.params) {
			f.vars[n.params[i]] = a
		} else {
			extra = append(extra, a)
		}
	}
	kwargs := newDict()
	for k, v := range kw {
		found := false
		for _, p := range n.params {
			if p == k {
				f.vars[k] = v
				found = true
			}
		}
		if !found {
			if k == "caller" {
				f.vars["caller"] = v
				continue
			}
			kwargs.set(k, v)
		}
	}
	firstDefault := len(n.params) - len(n.defaults)
	for i, p := range n.params {
		if _, ok := f.vars[p]; ok {
			continue
		}
		if i >= firstDefault {
			v, err := s.eval(n.defaults[i-firstDefault], f)
			if err != nil {
				return nil, err
			}
			f.vars[p] = v
		} else {
			f.vars[p] = &Undefined{name: p, hint: fmt.Sprintf("parameter '%s' was not provided", p)}
		}
	}
	f.vars["varargs"] = tuple(extra)
	f.vars["kwargs"] = kwargs
	var out []any
	if err := s.exec(n.body, f, &out); err != nil {
		return nil, err
	}
	return s.concat(out, s.convert)
}

func (s *state) evalBin(n *binN, f *frame) (any, error) {
	l, err := s.eval(n.l, f)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "and":
		ok, err := truth(l)
		if err != nil || !ok {
			return l, err
		}
		return s.eval(n.r, f)
	case "or":
		ok, err := truth(l)
		if err != nil || ok {
			return l, err
		}
		return s.eval(n.r, f)
	}
	r, err := s.eval(n.r, f)
	if err != nil {
		return nil, err
	}
	return binop(n.op, l, r)
}

func binop(op string, l, r any) (any, error) {
	if u, ok := l.(*Undefined); ok {
		return nil, u.err()
	}
	if u, ok := r.(*Undefined); ok {
		return nil, u.err()
	}
	if op == "~" {
		a, err := pyStr(finalizeConcat(l))
		if err != nil {
			return nil, err
		}
		b, err := pyStr(finalizeConcat(r))
		if err != nil {
			return nil, err
		}
		return a + b, nil
	}
	fa, ia, aInt, aNum := toNumber(l)
	fb, ib, bInt, bNum := toNumber(r)
	if aNum && bNum {
		if aInt && bInt {
			switch op {
			case "+":
				return overflowCheck(float64(ia)+float64(ib), ia+ib), nil
			case "-":
				return overflowCheck(float64(ia)-float64(ib), ia-ib), nil
			case "*":
				return overflowCheck(float64(ia)*float64(ib), ia*ib), nil
			case "/":
				if ib == 0 {
					return nil, valueErr("division by zero")
				}
				return float64(ia) / float64(ib), nil
			case "//":
				if ib == 0 {
					return nil, valueErr("integer division or modulo by zero")
				}
				q := ia / ib
				if (ia%ib != 0) && ((ia < 0) != (ib < 0)) {
					q--
				}
				return q, nil
			case "%":
				if ib == 0 {
					return nil, valueErr("integer division or modulo by zero")
				}
				m := ia % ib
				if m != 0 && ((m < 0) != (ib < 0)) {
					m += ib
				}
				return m, nil
			case "**":
				if ib < 0 {
					return math.Pow(fa, fb), nil
				}
				res := math.Pow(fa, fb)
				if math.Abs(res) < 1<<62 {
					v := 1
					for i := 0; i < ib; i++ {
						v *= ia
					}
					return v, nil
				}
				return res, nil
			}
		}
		switch op {
		case "+":
			return fa + fb, nil
		case "-":
			return fa - fb, nil
		case "*":
			return fa * fb, nil
		case "/":
			if fb == 0 {
				return nil, valueErr("float division by zero")
			}
			return fa / fb, nil
		case "//":
			if fb == 0 {
				return nil, valueErr("float floor division by zero")
			}
			return math.Floor(fa / fb), nil
		case "%":
			if fb == 0 {
				return nil, valueErr("float modulo")
			}
			m := math.Mod(fa, fb)
			if m != 0 && ((m < 0) != (fb < 0)) {
				m += fb
			}
			return m, nil
		case "**":
			return math.Pow(fa, fb), nil
		}
	}
	switch op {
	case "+":
		switch x := l.(type) {
		case string:
			if y, ok := r.(string); ok {
				return x + y, nil
			}
			return nil, typeErr("can only concatenate str (not \"%s\") to str", pyTypeName(r))
		case []any:
			if y, ok := r.([]any); ok {
				out := make([]any, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, typeErr("can only concatenate list (not \"%s\") to list", pyTypeName(r))
		case tuple:
			if y, ok := r.(tuple); ok {
				out := make(tuple, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, typeErr("can only concatenate tuple (not \"%s\") to tuple", pyTypeName(r))
		}
	case "*":
		if aInt && !bNum {
			l, r, ib = r, l, ia
			bInt = true
		}
		if bInt {
			if ib < 0 {
				ib = 0
			}
			switch x := l.(type) {
			case string:
				if len(x)*ib > 1<<24 {
					return nil, valueErr("result too large")
				}
				return strings.Repeat(x, ib), nil
			case []any:
				if len(x)*ib > 1<<20 {
					return nil, valueErr("result too large")
				}
				var out []any
				for i := 0; i < ib; i++ {
					out = append(out, x...)
				}
				if out == nil {
					out = []any{}
				}
				return out, nil
			}
		}
	case "%":
		if fs, ok := l.(string); ok {
			return percentFormat(fs, r)
		}
	}
	if op == "*" {
		switch l.(type) {
		case string, []any, tuple:
			return nil, typeErr("can't multiply sequence by non-int of type '%s'", pyTypeName(r))
		}
	}
	return nil, typeErr("unsupported operand type(s) for %s: '%s' and '%s'", op, pyTypeName(l), pyTypeName(r))
}

func finalizeConcat(v any) any { return v }

func overflowCheck(f float64, i int) any {
	if math.Abs(f) >= 9.2e18 {
		return f
	}
	return i
}

func compare(op string, l, r any) (bool, error) {
	switch op {
	case "==":
		if err := undefErr(l, r); err != nil {
			return false, err
		}
		return pyEq(l, r), nil
	case "!=":
		if err := undefErr(l, r); err != nil {
			return false, err
		}
		return !pyEq(l, r), nil
	case "in", "notin":
		ok, err := contains(r, l)
		if op == "notin" {
			ok = !ok
		}
		return ok, err
	}
	c, err := pyCmp(l, r, op)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func undefErr(vs ...any) error {
	for _, v := range vs {
		if u, ok := v.(*Undefined); ok {
			return u.err()
		}
	}
	return nil
}

// contains is Python's "item in container".
func contains(container, item any) (bool, error) {
	if err := undefErr(container, item); err != nil {
		return false, err
	}
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, typeErr("'in <string>' requires string as left operand, not %s", pyTypeName(item))
		}
		return strings.Contains(c, s), nil
	case []any, tuple:
		items, _ := seqItems(c)
		for _, e := range items {
			if pyEq(e, item) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any, *Dict:
		k, ok := item.(string)
		if !ok {
			if _, num := item.(int); !num {
				if isDict(item) || func() bool { _, l := item.([]any); return l }() {
					return false, typeErr("unhashable type: '%s'", pyTypeName(item))
				}
			}
			k, _ = pyStr(item)
			_, found := dictGet(c, k)
			return found && false, nil
		}
		_, found := dictGet(c, k)
		return found, nil
	}
	return false, typeErr("argument of type '%s' is not iterable", pyTypeName(container))
}

// getAttr is Jinja2's environment.getattr: Python attributes first, then items.
func getAttr(obj any, name string) any {
	switch x := obj.(type) {
	case *Undefined:
		return x
	case *loopV:
		if v, ok := x.attr(name); ok {
			return v
		}
	case *namespace:
		if v, ok := x.d.m[name]; ok {
			return v
		}
	}
	if lm, ok := obj.(LazyMap); ok {
		if v, ok := dictGet(lm, name); ok {
			return v
		}
		if n, ok := obj.(UndefinedNamer); ok {
			return &Undefined{name: n.UndefinedName(name), quoted: true}
		}
		return &Undefined{obj: obj, hasObj: true, name: pyQuote(name)}
	}
	if m := method(obj, name); m != nil {
		return m
	}
	if v, ok := dictGet(obj, name); ok {
		return v
	}
	return &Undefined{obj: obj, hasObj: true, name: pyQuote(name)}
}

// getItem is Jinja2's environment.getitem: items first, then attributes.
func getItem(obj any, idx any) (any, error) {
	if u, ok := obj.(*Undefined); ok {
		return u, nil
	}
	if u, ok := idx.(*Undefined); ok {
		return nil, u.err()
	}
	switch x := obj.(type) {
	case []any, tuple, string:
		i, isInt := idx.(int)
		if b, ok := idx.(bool); ok {
			isInt = true
			if b {
				i = 1
			}
		}
		if isInt {
			var n int
			if s, ok := x.(string); ok {
				rs := []rune(s)
				n = len(rs)
				if i < 0 {
					i += n
				}
				if i >= 0 && i < n {
					return string(rs[i]), nil
				}
			} else {
				items, _ := seqItems(x)
				n = len(items)
				if i < 0 {
					i += n
				}
				if i >= 0 && i < n {
					if u, isUnsafe := items[i].(Unsafe); isUnsafe {
						return string(u), nil
					}
					return items[i], nil
				}
			}
			return &Undefined{obj: obj, hasObj: true, name: pyRepr(idx), elem: true}, nil
		}
	case map[string]any, *Dict, LazyMap:
		key, isStr := idx.(string)
		if !isStr {
			switch idx.(type) {
			case []any, map[string]any, *Dict:
				return nil, typeErr("unhashable type: '%s'", pyTypeName(idx))
			}
		}
		if isStr {
			if v, ok := dictGet(x, key); ok {
				return v, nil
			}
			if n, ok := x.(UndefinedNamer); ok {
				return &Undefined{name: n.UndefinedName(key), quoted: true}, nil
			}
		}
	case *loopV, *namespace:
		if s, ok := idx.(string); ok {
			return getAttr(obj, s), nil
		}
	}
	if s, ok := idx.(string); ok {
		if m := method(obj, s); m != nil {
			return m, nil
		}
	}
	return &Undefined{obj: obj, hasObj: true, name: pyRepr(idx)}, nil
}

func (s *state) evalSlice(n *sliceN, f *frame) (any, error) {
	obj, err := s.eval(n.x, f)
	if err != nil {
		return nil, err
	}
	var bounds [3]*int
	for i, e := range []expr{n.lo, n.hi, n.step} {
		if e == nil {
			continue
		}
		v, err := s.eval(e, f)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		iv, ok := v.(int)
		if !ok {
			if u, isU := v.(*Undefined); isU {
				return nil, u.err()
			}
			return nil, typeErr("slice indices must be integers or None or have an __index__ method")
		}
		bounds[i] = &iv
	}
	return slice(obj, bounds[0], bounds[1], bounds[2])
}

func slice(obj any, lo, hi, stepP *int) (any, error) {
	step := 1
	if stepP != nil {
		step = *stepP
		if step == 0 {
			return nil, valueErr("slice step cannot be zero")
		}
	}
	var items []any
	var runes []rune
	var n int
	switch x := obj.(type) {
	case string:
		runes = []rune(x)
		n = len(runes)
	case []any:
		items = x
		n = len(x)
	case tuple:
		items = x
		n = len(x)
	case *Undefined:
		return nil, x.err()
	default:
		return nil, typeErr("'%s' object is not subscriptable", pyTypeName(obj))
	}
	norm := func(p *int, def int, lower, upper int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lower {
				v = lower
			}
		} else if v > upper {
			v = upper
		}
		return v
	}
	var idx []int
	if step > 0 {
		start, stop := norm(lo, 0, 0, n), norm(hi, n, 0, n)
		for i := start; i < stop; i += step {
			idx = append(idx, i)
		}
	} else {
		start, stop := norm(lo, n-1, -1, n-1), norm(hi, -1, -1, n-1)
		for i := start; i > stop; i += step {
			idx = append(idx, i)
		}
	}
	switch obj.(type) {
	case string:
		out := make([]rune, 0, len(idx))
		for _, i := range idx {
			out = append(out, runes[i])
		}
		return string(out), nil
	case tuple:
		out := make(tuple, 0, len(idx))
		for _, i := range idx {
			out = append(out, items[i])
		}
		return out, nil
	}
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, items[i])
	}
	return out, nil
}

// listMutation runs name.append(x) and the other mutating list methods.
// Lists are Go slices, so the variable is rebound to the changed list in
// the scope that holds it (other references to the same list do not see
// the change, unlike Python).
func (s *state) listMutation(n *callN, f *frame) (any, bool, error) {
	ga, ok := n.fn.(*getattrN)
	if !ok {
		return nil, false, nil
	}
	nm, ok := ga.x.(*nameN)
	if !ok {
		return nil, false, nil
	}
	switch ga.attr {
	case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear":
	default:
		return nil, false, nil
	}
	obj, err := s.lookupName(nm.name, f)
	if err != nil {
		return nil, true, err
	}
	l, ok := obj.([]any)
	if !ok {
		return nil, false, nil
	}
	args, kw, err := s.evalArgs(n.args, n.kwargs, n.star, n.dstar, f)
	if err != nil {
		return nil, true, err
	}
	out := append([]any{}, l...)
	var ret any
	switch ga.attr {
	case "append":
		if len(args) != 1 {
			return nil, true, typeErr("list.append() takes exactly one argument (%d given)", len(args))
		}
		out = append(out, args[0])
	case "extend":
		if len(args) != 1 {
			return nil, true, typeErr("list.extend() takes exactly one argument (%d given)", len(args))
		}
		items, err := iterate(args[0])
		if err != nil {
			return nil, true, err
		}
		out = append(out, items...)
	case "insert":
		if len(args) != 2 {
			return nil, true, typeErr("insert expected 2 arguments, got %d", len(args))
		}
		i, ok := args[0].(int)
		if !ok {
			return nil, true, typeErr("'%s' object cannot be interpreted as an integer", pyTypeName(args[0]))
		}
		if i < 0 {
			i += len(out)
		}
		i = max(0, min(i, len(out)))
		out = append(out[:i], append([]any{args[1]}, out[i:]...)...)
	case "pop":
		if len(out) == 0 {
			return nil, true, valueErr("pop from empty list")
		}
		i := len(out) - 1
		if len(args) > 0 {
			j, ok := args[0].(int)
			if !ok {
				return nil, true, typeErr("'%s' object cannot be interpreted as an integer", pyTypeName(args[0]))
			}
			if j < 0 {
				j += len(out)
			}
			if j < 0 || j >= len(out) {
				return nil, true, valueErr("pop index out of range")
			}
			i = j
		}
		ret = out[i]
		out = append(out[:i], out[i+1:]...)
	case "remove":
		if len(args) != 1 {
			return nil, true, typeErr("list.remove() takes exactly one argument (%d given)", len(args))
		}
		found := false
		for i, e := range out {
			if pyEq(e, args[0]) {
				out = append(out[:i], out[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			return nil, true, valueErr("list.remove(x): x not in list")
		}
	case "reverse":
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case "sort":
		sorted, err := fSort(s, out, nil, map[string]any{"case_sensitive": true, "reverse": kw["reverse"]})
		if err != nil {
			return nil, true, err
		}
		out = sorted.([]any)
	case "clear":
		out = []any{}
	}
	for fr := f; fr != nil; fr = fr.parent {
		if _, ok := fr.vars[nm.name]; ok {
			fr.vars[nm.name] = out
			return ret, true, nil
		}
	}
	s.resolved[nm.name] = out
	return ret, true, nil
}
