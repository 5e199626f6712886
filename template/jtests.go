package template

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// testFunc implements one Jinja2 test ("x is name").
type testFunc func(s *state, v any, args []any, kw map[string]any) (bool, error)

var tests map[string]testFunc

func (s *state) applyTest(n *testN, f *frame) (any, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(n.name, "ansible.builtin."), "ansible.legacy.")
	if _, ok := tests[name]; !ok {
		return nil, &Error{Msg: fmt.Sprintf("template error while templating string: Could not load \"%s\": '%s'", n.name, n.name)}
	}
	v, err := s.eval(n.x, f)
	if err != nil {
		return nil, err
	}
	args, kw, err := s.evalArgs(n.args, n.kwargs, nil, nil, f)
	if err != nil {
		return nil, err
	}
	return s.runTest(name, v, args, kw)
}

func (s *state) runTest(name string, v any, args []any, kw map[string]any) (bool, error) {
	fn, ok := tests[strings.TrimPrefix(name, "ansible.builtin.")]
	if !ok {
		return false, &Error{Msg: fmt.Sprintf("template error while templating string: Could not load \"%s\": '%s'", name, name)}
	}
	return fn(s, v, args, kw)
}

func typeTest(pred func(any) bool) testFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (bool, error) { return pred(v), nil }
}

func cmpTest(op string) testFunc {
	return func(s *state, v any, args []any, _ map[string]any) (bool, error) {
		if len(args) == 0 {
			return false, typeErr("test %s requires an argument", op)
		}
		return compare(op, v, args[0])
	}
}

func resultDict(v any, name string) error {
	if !isDict(v) {
		return &Error{Msg: fmt.Sprintf("The '%s' test expects a dictionary", name)}
	}
	return nil
}

func resultFlag(name, key string, negate bool) testFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
		if err := resultDict(v, name); err != nil {
			return false, err
		}
		x, _ := dictGet(v, key)
		b, err := truth(x)
		return b != negate, err
	}
}

func init() {
	tests = map[string]testFunc{
		"defined":   typeTest(func(v any) bool { _, u := v.(*Undefined); return !u }),
		"undefined": typeTest(func(v any) bool { _, u := v.(*Undefined); return u }),
		"none":      typeTest(func(v any) bool { return v == nil }),
		"string":    typeTest(func(v any) bool { _, ok := v.(string); return ok }),
		"number": typeTest(func(v any) bool {
			_, _, _, ok := toNumber(v)
			return ok
		}),
		"integer":  typeTest(func(v any) bool { _, ok := v.(int); return ok }),
		"float":    typeTest(func(v any) bool { _, ok := v.(float64); return ok }),
		"boolean":  typeTest(func(v any) bool { _, ok := v.(bool); return ok }),
		"true":     typeTest(func(v any) bool { return v == true }),
		"false":    typeTest(func(v any) bool { return v == false }),
		"mapping":  typeTest(isDict),
		"sequence": typeTest(func(v any) bool { _, err := length(v); return err == nil }),
		"iterable": typeTest(func(v any) bool { _, err := iterate(v); return err == nil }),
		"callable": typeTest(isCallable),
		"lower": typeTest(func(v any) bool {
			s, _ := pyStr(v)
			return strings.ToLower(s) == s
		}),
		"upper": typeTest(func(v any) bool {
			s, _ := pyStr(v)
			return strings.ToUpper(s) == s
		}),
		"escaped": typeTest(func(v any) bool { return false }),
		"sameas": func(s *state, v any, args []any, _ map[string]any) (bool, error) {
			if len(args) == 0 {
				return false, typeErr("sameas requires an argument")
			}
			o := args[0]
			switch v.(type) {
			case nil, bool:
				return v == o, nil
			case int, string, float64:
				return pyEq(v, o) && fmt.Sprintf("%T", v) == fmt.Sprintf("%T", o), nil
			}
			return false, nil
		},
		"eq": cmpTest("=="), "==": cmpTest("=="), "equalto": cmpTest("=="),
		"ne": cmpTest("!="), "!=": cmpTest("!="),
		"lt": cmpTest("<"), "<": cmpTest("<"), "lessthan": cmpTest("<"),
		"le": cmpTest("<="), "<=": cmpTest("<="),
		"gt": cmpTest(">"), ">": cmpTest(">"), "greaterthan": cmpTest(">"),
		"ge": cmpTest(">="), ">=": cmpTest(">="),
		"in": func(s *state, v any, args []any, _ map[string]any) (bool, error) {
			if len(args) == 0 {
				return false, typeErr("in requires an argument")
			}
			return contains(args[0], v)
		},
		"contains": func(s *state, v any, args []any, _ map[string]any) (bool, error) {
			if len(args) == 0 {
				return false, typeErr("contains requires an argument")
			}
			return contains(v, args[0])
		},
		"divisibleby": func(s *state, v any, args []any, _ map[string]any) (bool, error) {
			r, err := binop("%", v, firstArg(args))
			if err != nil {
				return false, err
			}
			return pyEq(r, 0), nil
		},
		"even": func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
			r, err := binop("%", v, 2)
			return pyEq(r, 0), err
		},
		"odd": func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
			r, err := binop("%", v, 2)
			return pyEq(r, 1), err
		},
		"failed":      resultFlag("failed", "failed", false),
		"failure":     resultFlag("failed", "failed", false),
		"succeeded":   resultFlag("success", "failed", true),
		"success":     resultFlag("success", "failed", true),
		"successful":  resultFlag("success", "failed", true),
		"unreachable": resultFlag("unreachable", "unreachable", false),
		"reachable":   resultFlag("reachable", "unreachable", true),
		"skipped":     resultFlag("skipped", "skipped", false),
		"skip":        resultFlag("skipped", "skipped", false),
		"changed":     tChanged,
		"change":      tChanged,
		"finished":    asyncFlag("finished", "finished"),
		"started":     asyncFlag("started", "started"),
		"match":       regexTest("match"),
		"search":      regexTest("search"),
		"regex":       regexTest(""),
		"version": func(s *state, v any, args []any, kw map[string]any) (bool, error) {
			r, err := versionTest(v, args, kw)
			b, _ := r.(bool)
			return b, err
		},
		"truthy": func(s *state, v any, args []any, kw map[string]any) (bool, error) { return truthyTest(v, args, kw) },
		"falsy": func(s *state, v any, args []any, kw map[string]any) (bool, error) {
			b, err := truthyTest(v, args, kw)
			return !b, err
		},
		"any": func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
			items, err := iterate(v)
			for _, it := range items {
				if b, _ := truth(it); b {
					return true, err
				}
			}
			return false, err
		},
		"all": func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
			items, err := iterate(v)
			for _, it := range items {
				if b, _ := truth(it); !b {
					return false, err
				}
			}
			return true, err
		},
		"subset":   setTest(true),
		"issubset": setTest(true),
		"superset": setTest(false), "issuperset": setTest(false),
		"nan":             typeTest(func(v any) bool { f, ok := v.(float64); return ok && math.IsNaN(f) }),
		"vault_encrypted": typeTest(func(v any) bool { return false }),
		"exists":          fileTest(func(fi os.FileInfo, err error) bool { return err == nil }, os.Stat),
		"file":            fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.Mode().IsRegular() }, os.Stat),
		"is_file":         fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.Mode().IsRegular() }, os.Stat),
		"directory":       fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.IsDir() }, os.Stat),
		"is_dir":          fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.IsDir() }, os.Stat),
		"link":            fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.Mode()&os.ModeSymlink != 0 }, os.Lstat),
		"is_link":         fileTest(func(fi os.FileInfo, err error) bool { return err == nil && fi.Mode()&os.ModeSymlink != 0 }, os.Lstat),
		"abs":             typeTest(func(v any) bool { s, _ := v.(string); return strings.HasPrefix(s, "/") }),
		"is_abs":          typeTest(func(v any) bool { s, _ := v.(string); return strings.HasPrefix(s, "/") }),
	}
	tests["version_compare"] = tests["version"]
}

func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func fileTest(pred func(os.FileInfo, error) bool, stat func(string) (os.FileInfo, error)) testFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
		p, err := pyStr(v)
		if err != nil {
			return false, err
		}
		fi, err := stat(p)
		return pred(fi, err), nil
	}
}

func setTest(subset bool) testFunc {
	return func(s *state, v any, args []any, _ map[string]any) (bool, error) {
		a, b, err := twoLists(v, args)
		if err != nil {
			return false, err
		}
		if !subset {
			a, b = b, a
		}
		for _, x := range a {
			if !inList(x, b) {
				return false, nil
			}
		}
		return true, nil
	}
}

func tChanged(s *state, v any, _ []any, _ map[string]any) (bool, error) {
	if err := resultDict(v, "changed"); err != nil {
		return false, err
	}
	if c, ok := dictGet(v, "changed"); ok {
		return truth(c)
	}
	if res, ok := dictGet(v, "results"); ok {
		if items, ok := res.([]any); ok && len(items) > 0 && isDict(items[0]) {
			for _, r := range items {
				c, _ := dictGet(r, "changed")
				if b, _ := truth(c); b {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

func asyncFlag(name, key string) testFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (bool, error) {
		if err := resultDict(v, name); err != nil {
			return false, err
		}
		if _, ok := dictGet(v, "ansible_job_id"); !ok {
			return true, nil
		}
		x, _ := dictGet(v, key)
		return pyEq(x, 1), nil
	}
}

func regexTest(matchType string) testFunc {
	return func(s *state, v any, args []any, kw map[string]any) (bool, error) {
		str, err := pyStr(v)
		if err != nil {
			return false, err
		}
		pat, _, err := strArg(args, kw, 0, "pattern")
		if err != nil {
			return false, err
		}
		ic, ml := regexFlags(kw)
		if a, ok := argN(args, nil, 1, ""); ok {
			ic, _ = truth(a)
		}
		if a, ok := argN(args, nil, 2, ""); ok {
			ml, _ = truth(a)
		}
		mt := matchType
		if mt == "" {
			mt = "search"
			if m, ok, _ := strArg(args, kw, 3, "match_type"); ok {
				mt = m
			}
		}
		if mt == "match" {
			pat = `\A(?:` + pat + `)`
		} else if mt == "fullmatch" {
			pat = `\A(?:` + pat + `)\z`
		}
		re, err := pyRegexp(pat, ic, ml)
		if err != nil {
			return false, err
		}
		return re.MatchString(str), nil
	}
}

func truthyTest(v any, args []any, kw map[string]any) (bool, error) {
	if cb, ok := argN(args, kw, 0, "convert_bool"); ok {
		if b, _ := truth(cb); b {
			switch x := v.(type) {
			case string:
				switch strings.ToLower(strings.TrimSpace(x)) {
				case "y", "yes", "on", "1", "true", "t":
					return true, nil
				case "n", "no", "off", "0", "false", "f":
					return false, nil
				}
			case int:
				if x == 0 || x == 1 {
					return x == 1, nil
				}
			}
		}
	}
	return truth(v)
}

var (
	looseRe  = regexp.MustCompile(`(\d+|[a-z]+|\.)`)
	strictRe = regexp.MustCompile(`^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$`)
	semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

func looseVersion(s string) []any {
	var out []any
	// LooseVersion splits on its regex keeping the separators.
	last := 0
	add := func(p string) {
		if p == "" || p == "." {
			return
		}
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		} else {
			out = append(out, p)
		}
	}
	for _, m := range looseRe.FindAllStringIndex(s, -1) {
		add(s[last:m[0]])
		add(s[m[0]:m[1]])
		last = m[1]
	}
	add(s[last:])
	return out
}

func strictVersion(s string) ([]any, error) {
	m := strictRe.FindStringSubmatch(s)
	if m == nil {
		return nil, valueErr("invalid version number '%s'", s)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[4])
	v := []any{a, b, c}
	if m[5] != "" {
		n, _ := strconv.Atoi(m[6])
		v = append(v, []any{m[5][:1], n})
	} else {
		v = append(v, []any{"z", 0})
	}
	return v, nil
}

func semVersion(s string) ([]any, error) {
	m := semverRe.FindStringSubmatch(s)
	if m == nil {
		return nil, valueErr("invalid semantic version '%s'", s)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return []any{a, b, c, m[4]}, nil
}

// cmpSemver compares two parsed semantic versions.
func cmpSemver(a, b []any) int {
	for i := 0; i < 3; i++ {
		if c := cmpInt(a[i].(int), b[i].(int)); c != 0 {
			return c
		}
	}
	pa, pb := a[3].(string), b[3].(string)
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1
	case pb == "":
		return -1
	}
	xa, xb := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < len(xa) && i < len(xb); i++ {
		na, ea := strconv.Atoi(xa[i])
		nb, eb := strconv.Atoi(xb[i])
		switch {
		case ea == nil && eb == nil:
			if c := cmpInt(na, nb); c != 0 {
				return c
			}
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		default:
			if c := strings.Compare(xa[i], xb[i]); c != 0 {
				return c
			}
		}
	}
	return cmpInt(len(xa), len(xb))
}

var versionOps = map[string]string{"==": "eq", "=": "eq", "eq": "eq", "<": "lt", "lt": "lt", "<=": "le", "le": "le",
	">": "gt", "gt": "gt", ">=": "ge", "ge": "ge", "!=": "ne", "<>": "ne", "ne": "ne"}

// versionTest is Ansible's version / version_compare.
func versionTest(v any, args []any, kw map[string]any) (any, error) {
	ver, _ := argN(args, kw, 0, "version")
	opV, hasOp := argN(args, kw, 1, "operator")
	strictV, hasStrict := argN(args, kw, 2, "strict")
	vtV, hasVT := argN(args, kw, 3, "version_type")
	if hasStrict && strictV != nil && hasVT && vtV != nil {
		return nil, &Error{Msg: "Cannot specify both 'strict' and 'version_type'"}
	}
	if b, _ := truth(v); !b {
		return nil, &Error{Msg: "Input version value cannot be empty"}
	}
	if b, _ := truth(ver); !b {
		return nil, &Error{Msg: "Version parameter to compare against cannot be empty"}
	}
	op := "eq"
	if hasOp {
		o, _ := opV.(string)
		var ok bool
		if op, ok = versionOps[o]; !ok {
			return nil, &Error{Msg: fmt.Sprintf("Invalid operator type (%s). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'", o)}
		}
	}
	typ := "loose"
	if s, _ := truth(strictV); s {
		typ = "strict"
	} else if vt, ok := vtV.(string); ok && vt != "" {
		switch vt {
		case "loose", "strict", "semver", "semantic":
			typ = vt
		case "pep440":
			return nil, &Error{Msg: "The pep440 version_type requires the Python 'packaging' library"}
		default:
			return nil, &Error{Msg: fmt.Sprintf("Invalid version type (%s). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'", vt)}
		}
	}
	a, err := pyStr(v)
	if err != nil {
		return nil, err
	}
	b, err := pyStr(ver)
	if err != nil {
		return nil, err
	}
	var c int
	switch typ {
	case "loose":
		la, lb := looseVersion(a), looseVersion(b)
		if pyEq(la, lb) {
			c = 0
		} else if c, err = pyCmp(la, lb, "<"); err != nil {
			return nil, &Error{Msg: "Version comparison failed: " + err.Error()}
		}
	case "strict":
		sa, err := strictVersion(a)
		if err != nil {
			return nil, &Error{Msg: "Version comparison failed: " + err.Error()}
		}
		sb, err := strictVersion(b)
		if err != nil {
			return nil, &Error{Msg: "Version comparison failed: " + err.Error()}
		}
		c, _ = pyCmp(sa, sb, "<")
	default:
		sa, err := semVersion(a)
		if err != nil {
			return nil, &Error{Msg: "Version comparison failed: " + err.Error()}
		}
		sb, err := semVersion(b)
		if err != nil {
			return nil, &Error{Msg: "Version comparison failed: " + err.Error()}
		}
		c = cmpSemver(sa, sb)
	}
	switch op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	case "gt":
		return c > 0, nil
	}
	return c >= 0, nil
}
