package template

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// namespace is Jinja2's namespace() object.
type namespace struct{ d *Dict }

func argN(args []any, kw map[string]any, i int, name string) (any, bool) {
	if i < len(args) {
		return args[i], true
	}
	if v, ok := kw[name]; ok {
		return v, true
	}
	return nil, false
}

func strArg(args []any, kw map[string]any, i int, name string) (string, bool, error) {
	v, ok := argN(args, kw, i, name)
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		if u, isU := v.(*Undefined); isU {
			return "", false, u.err()
		}
		return "", false, typeErr("must be str or None, not %s", pyTypeName(v))
	}
	return s, true, nil
}

func intArg(args []any, kw map[string]any, i int, name string, def int) (int, error) {
	v, ok := argN(args, kw, i, name)
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case *Undefined:
		return 0, x.err()
	}
	return 0, typeErr("'%s' object cannot be interpreted as an integer", pyTypeName(v))
}

// method returns the bound Python method name of obj, or nil.
func method(obj any, name string) any {
	switch x := obj.(type) {
	case string:
		return strMethod(x, name)
	case map[string]any, *Dict:
		return dictMethod(x, name)
	case []any:
		return listMethod(x, name)
	}
	return nil
}

func pySplit(s string, sep string, hasSep bool, max int) []any {
	var parts []string
	if !hasSep {
		fields := strings.FieldsFunc(s, unicode.IsSpace)
		if max >= 0 && len(fields) > max+0 {
			// Re-split keeping the remainder intact.
			parts = nil
			rest := strings.TrimLeftFunc(s, unicode.IsSpace)
			for i := 0; i < max && rest != ""; i++ {
				j := strings.IndexFunc(rest, unicode.IsSpace)
				if j < 0 {
					break
				}
				parts = append(parts, rest[:j])
				rest = strings.TrimLeftFunc(rest[j:], unicode.IsSpace)
			}
			if rest != "" {
				parts = append(parts, rest)
			}
		} else {
			parts = fields
		}
	} else if max >= 0 {
		parts = strings.SplitN(s, sep, max+1)
	} else {
		parts = strings.Split(s, sep)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

func pyStrip(s string, args []any, kw map[string]any, left, right bool) (any, error) {
	chars, has, err := strArg(args, kw, 0, "chars")
	if err != nil {
		return nil, err
	}
	f := func(r rune) bool {
		if has {
			return strings.ContainsRune(chars, r)
		}
		return unicode.IsSpace(r)
	}
	if left {
		s = strings.TrimLeftFunc(s, f)
	}
	if right {
		s = strings.TrimRightFunc(s, f)
	}
	return s, nil
}

func strMethod(s string, name string) any {
	var fn builtin
	switch name {
	case "lower":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return strings.ToLower(s), nil }
	case "upper":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return strings.ToUpper(s), nil }
	case "capitalize":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return capitalize(s), nil }
	case "title":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return title(s), nil }
	case "strip":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) { return pyStrip(s, a, kw, true, true) }
	case "lstrip":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) { return pyStrip(s, a, kw, true, false) }
	case "rstrip":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) { return pyStrip(s, a, kw, false, true) }
	case "split", "rsplit":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			sep, has, err := strArg(a, kw, 0, "sep")
			if err != nil {
				return nil, err
			}
			if has && sep == "" {
				return nil, valueErr("empty separator")
			}
			max, err := intArg(a, kw, 1, "maxsplit", -1)
			if err != nil {
				return nil, err
			}
			if name == "rsplit" && max >= 0 && has {
				parts := strings.Split(s, sep)
				if len(parts) > max+1 {
					head := strings.Join(parts[:len(parts)-max], sep)
					parts = append([]string{head}, parts[len(parts)-max:]...)
				}
				out := make([]any, len(parts))
				for i, p := range parts {
					out[i] = p
				}
				return out, nil
			}
			return pySplit(s, sep, has, max), nil
		}
	case "splitlines":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
			if len(lines) > 0 && lines[len(lines)-1] == "" {
				lines = lines[:len(lines)-1]
			}
			out := make([]any, len(lines))
			for i, l := range lines {
				out[i] = l
			}
			return out, nil
		}
	case "startswith", "endswith":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			if len(a) == 0 {
				return nil, typeErr("%s() takes at least 1 argument (0 given)", name)
			}
			var cands []any
			switch x := a[0].(type) {
			case string:
				cands = []any{x}
			case tuple:
				cands = x
			default:
				return nil, typeErr("%s first arg must be str or a tuple of str, not %s", name, pyTypeName(a[0]))
			}
			for _, c := range cands {
				cs, ok := c.(string)
				if !ok {
					return nil, typeErr("tuple for %s must only contain str, not %s", name, pyTypeName(c))
				}
				if name == "startswith" && strings.HasPrefix(s, cs) || name == "endswith" && strings.HasSuffix(s, cs) {
					return true, nil
				}
			}
			return false, nil
		}
	case "replace":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			if len(a) < 2 {
				return nil, typeErr("replace expected at least 2 arguments, got %d", len(a))
			}
			old, ok1 := a[0].(string)
			nw, ok2 := a[1].(string)
			if !ok1 || !ok2 {
				return nil, typeErr("replace() argument 1 must be str, not %s", pyTypeName(a[0]))
			}
			n, err := intArg(a, kw, 2, "count", -1)
			if err != nil {
				return nil, err
			}
			return strings.Replace(s, old, nw, n), nil
		}
	case "find", "index", "rfind", "rindex", "count":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			sub, ok, err := strArg(a, kw, 0, "sub")
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, typeErr("%s() takes at least 1 argument (0 given)", name)
			}
			var i int
			switch name {
			case "count":
				if sub == "" {
					return len([]rune(s)) + 1, nil
				}
				return strings.Count(s, sub), nil
			case "find", "index":
				i = strings.Index(s, sub)
			default:
				i = strings.LastIndex(s, sub)
			}
			if i >= 0 {
				i = len([]rune(s[:i]))
			} else if name == "index" || name == "rindex" {
				return nil, valueErr("substring not found")
			}
			return i, nil
		}
	case "join":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			if len(a) == 0 {
				return nil, typeErr("str.join() takes exactly one argument (0 given)")
			}
			items, err := iterate(a[0])
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(items))
			for i, it := range items {
				str, ok := it.(string)
				if !ok {
					return nil, typeErr("sequence item %d: expected str instance, %s found", i, pyTypeName(it))
				}
				parts[i] = str
			}
			return strings.Join(parts, s), nil
		}
	case "format":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) { return pyFormat(s, a, kw) }
	case "isdigit", "isnumeric", "isdecimal":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0, nil
		}
	case "isalpha":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0, nil
		}
	case "isalnum":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0, nil
		}
	case "isspace":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) < 0, nil
		}
	case "islower":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return strings.ToLower(s) == s && strings.ToUpper(s) != s, nil
		}
	case "isupper":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return strings.ToUpper(s) == s && strings.ToLower(s) != s, nil
		}
	case "zfill":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			w, err := intArg(a, kw, 0, "width", 0)
			if err != nil {
				return nil, err
			}
			n := len([]rune(s))
			if n >= w {
				return s, nil
			}
			sign := ""
			body := s
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				sign, body = s[:1], s[1:]
			}
			return sign + strings.Repeat("0", w-n) + body, nil
		}
	case "center", "ljust", "rjust":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			w, err := intArg(a, kw, 0, "width", 0)
			if err != nil {
				return nil, err
			}
			fill := " "
			if f, ok, _ := strArg(a, kw, 1, "fillchar"); ok {
				fill = f
			}
			return pad(s, w, fill, name), nil
		}
	case "partition", "rpartition":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			sep, _, err := strArg(a, kw, 0, "sep")
			if err != nil {
				return nil, err
			}
			if sep == "" {
				return nil, valueErr("empty separator")
			}
			var i int
			if name == "partition" {
				i = strings.Index(s, sep)
				if i < 0 {
					return tuple{s, "", ""}, nil
				}
			} else {
				i = strings.LastIndex(s, sep)
				if i < 0 {
					return tuple{"", "", s}, nil
				}
			}
			return tuple{s[:i], sep, s[i+len(sep):]}, nil
		}
	case "swapcase":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			return strings.Map(func(r rune) rune {
				if unicode.IsUpper(r) {
					return unicode.ToLower(r)
				}
				return unicode.ToUpper(r)
			}, s), nil
		}
	case "encode", "decode":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return s, nil }
	default:
		return nil
	}
	return fn
}

func pad(s string, w int, fill, how string) string {
	n := len([]rune(s))
	if n >= w {
		return s
	}
	total := w - n
	switch how {
	case "ljust":
		return s + strings.Repeat(fill, total)
	case "rjust":
		return strings.Repeat(fill, total) + s
	}
	left := total / 2
	if total%2 == 1 && w%2 == 1 {
		left++
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
}

func capitalize(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// title is Python's str.title().
func title(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prevCased = true
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func dictMethod(d any, name string) any {
	var fn builtin
	switch name {
	case "get":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			if len(a) == 0 {
				return nil, typeErr("get expected at least 1 argument, got 0")
			}
			if k, ok := a[0].(string); ok {
				if v, ok := dictGet(d, k); ok {
					return v, nil
				}
			}
			if len(a) > 1 {
				return a[1], nil
			}
			return nil, nil
		}
	case "keys":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			keys, _ := dictKeys(d)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = k
			}
			return out, nil
		}
	case "values":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) {
			keys, _ := dictKeys(d)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i], _ = dictGet(d, k)
			}
			return out, nil
		}
	case "items":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return dictItemsList(d), nil }
	case "copy":
		fn = func(_ *state, _ []any, _ map[string]any) (any, error) { return toODict(d), nil }
	case "update", "pop", "setdefault", "popitem", "clear":
		fn = func(_ *state, a []any, kw map[string]any) (any, error) {
			od, ok := d.(*Dict)
			if !ok {
				return nil, nil
			}
			switch name {
			case "update":
				if len(a) > 0 {
					keys, _ := dictKeys(a[0])
					for _, k := range keys {
						v, _ := dictGet(a[0], k)
						od.set(k, v)
					}
				}
				for k, v := range kw {
					od.set(k, v)
				}
			case "setdefault":
				if len(a) > 0 {
					k, _ := a[0].(string)
					if v, ok := od.m[k]; ok {
						return v, nil
					}
					var def any
					if len(a) > 1 {
						def = a[1]
					}
					od.set(k, def)
					return def, nil
				}
			}
			return nil, nil
		}
	default:
		return nil
	}
	return fn
}

func dictItemsList(d any) []any {
	keys, _ := dictKeys(d)
	out := make([]any, len(keys))
	for i, k := range keys {
		v, _ := dictGet(d, k)
		out[i] = tuple{k, v}
	}
	return out
}

func toODict(d any) *Dict {
	out := newDict()
	keys, _ := dictKeys(d)
	for _, k := range keys {
		v, _ := dictGet(d, k)
		out.set(k, v)
	}
	return out
}

func listMethod(l []any, name string) any {
	switch name {
	case "index":
		return builtin(func(_ *state, a []any, _ map[string]any) (any, error) {
			if len(a) == 0 {
				return nil, typeErr("index expected at least 1 argument, got 0")
			}
			for i, e := range l {
				if pyEq(e, a[0]) {
					return i, nil
				}
			}
			return nil, valueErr("%s is not in list", pyRepr(a[0]))
		})
	case "count":
		return builtin(func(_ *state, a []any, _ map[string]any) (any, error) {
			if len(a) == 0 {
				return nil, typeErr("count() takes exactly one argument (0 given)")
			}
			n := 0
			for _, e := range l {
				if pyEq(e, a[0]) {
					n++
				}
			}
			return n, nil
		})
	case "copy":
		return builtin(func(_ *state, _ []any, _ map[string]any) (any, error) { return append([]any{}, l...), nil })
	}
	return nil
}

var fmtFieldRe = strings.NewReplacer("{{", "\x00", "}}", "\x01")

// pyFormat implements str.format for the common cases: {}, {0}, {name},
// {name.attr} and simple format specs.
func pyFormat(s string, args []any, kw map[string]any) (any, error) {
	s = fmtFieldRe.Replace(s)
	var b strings.Builder
	auto := 0
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			if strings.ContainsRune(s, '}') {
				return nil, valueErr("Single '}' encountered in format string")
			}
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, valueErr("Single '{' encountered in format string")
		}
		field := s[i+1 : i+j]
		s = s[i+j+1:]
		spec := ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		conv := ""
		if k := strings.IndexByte(field, '!'); k >= 0 {
			field, conv = field[:k], field[k+1:]
		}
		head, rest, _ := strings.Cut(field, ".")
		var v any
		if head == "" {
			if auto >= len(args) {
				return nil, &valueError{fmt.Sprintf("Replacement index %d out of range for positional args tuple", auto)}
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(head); err == nil {
			if n >= len(args) {
				return nil, &valueError{fmt.Sprintf("Replacement index %d out of range for positional args tuple", n)}
			}
			v = args[n]
		} else {
			var ok bool
			if v, ok = kw[head]; !ok {
				return nil, &valueError{fmt.Sprintf("'%s'", head)}
			}
		}
		if rest != "" {
			for _, a := range strings.Split(rest, ".") {
				v = getAttr(v, a)
			}
		}
		var str string
		var err error
		if conv == "r" {
			str = pyRepr(v)
		} else if spec != "" {
			str, err = formatSpec(v, spec)
		} else {
			str, err = pyStr(v)
		}
		if err != nil {
			return nil, err
		}
		b.WriteString(str)
	}
	out := strings.NewReplacer("\x00", "{", "\x01", "}").Replace(b.String())
	return out, nil
}

// formatSpec handles [[fill]align][0][width][.precision][type].
func formatSpec(v any, spec string) (string, error) {
	fill, align := " ", ""
	rs := []rune(spec)
	if len(rs) >= 2 && strings.ContainsRune("<>^=", rs[1]) {
		fill, align, rs = string(rs[0]), string(rs[1]), rs[2:]
	} else if len(rs) >= 1 && strings.ContainsRune("<>^=", rs[0]) {
		align, rs = string(rs[0]), rs[1:]
	}
	spec = string(rs)
	if strings.HasPrefix(spec, "0") && align == "" {
		fill, align = "0", "="
	}
	typ := ""
	if spec != "" && strings.ContainsRune("sdfxXobeEgG%", rune(spec[len(spec)-1])) {
		typ, spec = spec[len(spec)-1:], spec[:len(spec)-1]
	}
	comma := strings.HasSuffix(spec, ",")
	spec = strings.TrimSuffix(spec, ",")
	if i, ok := v.(int); ok && comma && (typ == "" || typ == "d") {
		digits := strconv.Itoa(i)
		neg := strings.HasPrefix(digits, "-")
		digits = strings.TrimPrefix(digits, "-")
		var b strings.Builder
		if neg {
			b.WriteByte('-')
		}
		for j, c := range digits {
			if j > 0 && (len(digits)-j)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		v = b.String()
		typ = ""
	}
	width, prec := 0, -1
	if w, p, ok := strings.Cut(spec, "."); ok {
		width, _ = strconv.Atoi(w)
		prec, _ = strconv.Atoi(p)
	} else {
		width, _ = strconv.Atoi(spec)
	}
	var str string
	num := false
	switch typ {
	case "d":
		i, ok := v.(int)
		if !ok {
			return "", valueErr("Unknown format code 'd' for object of type '%s'", pyTypeName(v))
		}
		str, num = strconv.Itoa(i), true
	case "x", "X", "o", "b":
		i, ok := v.(int)
		if !ok {
			return "", valueErr("Unknown format code '%s' for object of type '%s'", typ, pyTypeName(v))
		}
		base := map[string]int{"x": 16, "X": 16, "o": 8, "b": 2}[typ]
		str, num = strconv.FormatInt(int64(i), base), true
		if typ == "X" {
			str = strings.ToUpper(str)
		}
	case "f", "e", "E", "g", "G", "%":
		f, _, _, ok := toNumber(v)
		if !ok {
			return "", valueErr("Unknown format code '%s' for object of type '%s'", typ, pyTypeName(v))
		}
		if prec < 0 {
			prec = 6
		}
		if typ == "%" {
			str = strconv.FormatFloat(f*100, 'f', prec, 64) + "%"
		} else {
			str = strconv.FormatFloat(f, typ[0], prec, 64)
		}
		num = true
	default:
		if _, isInt := v.(int); isInt && typ == "" {
			num = true
		}
		if f, isF := v.(float64); isF && prec >= 0 {
			str = strconv.FormatFloat(f, 'g', prec, 64)
			num = true
		} else {
			var err error
			if str, err = pyStr(v); err != nil {
				return "", err
			}
			if prec >= 0 && !num {
				if r := []rune(str); len(r) > prec {
					str = string(r[:prec])
				}
			}
		}
	}
	if align == "" {
		align = "<"
		if num {
			align = ">"
		}
	}
	n := len([]rune(str))
	if n >= width {
		return str, nil
	}
	padN := width - n
	switch align {
	case "<":
		return str + strings.Repeat(fill, padN), nil
	case ">":
		return strings.Repeat(fill, padN) + str, nil
	case "=":
		if strings.HasPrefix(str, "-") {
			return "-" + strings.Repeat(fill, padN) + str[1:], nil
		}
		return strings.Repeat(fill, padN) + str, nil
	}
	left := padN / 2
	return strings.Repeat(fill, left) + str + strings.Repeat(fill, padN-left), nil
}

// percentFormat is Python's "fmt % args".
func percentFormat(f string, arg any) (any, error) {
	var args []any
	var mapping any
	switch x := arg.(type) {
	case tuple:
		args = x
	case map[string]any, *Dict:
		mapping = x
		args = []any{x}
	default:
		args = []any{arg}
	}
	var b strings.Builder
	ai := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, valueErr("incomplete format")
		}
		var v any
		if f[i] == '(' && mapping != nil {
			j := strings.IndexByte(f[i:], ')')
			if j < 0 {
				return nil, valueErr("incomplete format key")
			}
			key := f[i+1 : i+j]
			var ok bool
			if v, ok = dictGet(mapping, key); !ok {
				return nil, valueErr("'%s'", key)
			}
			i += j + 1
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0123456789.", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return nil, valueErr("incomplete format")
		}
		spec := f[start:i]
		verb := f[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if v == nil && (mapping == nil || f[start-1] != ')') {
			if ai >= len(args) {
				return nil, typeErr("not enough arguments for format string")
			}
			v = args[ai]
			ai++
		}
		switch verb {
		case 's':
			str, err := pyStr(v)
			if err != nil {
				return nil, err
			}
			b.WriteString(fmt.Sprintf("%"+spec+"s", str))
		case 'r':
			b.WriteString(fmt.Sprintf("%"+spec+"s", pyRepr(v)))
		case 'd', 'i', 'u':
			fl, _, _, ok := toNumber(v)
			if !ok {
				return nil, typeErr("%%d format: a real number is required, not %s", pyTypeName(v))
			}
			b.WriteString(fmt.Sprintf("%"+spec+"d", int(fl)))
		case 'f', 'F', 'e', 'E', 'g', 'G':
			fl, _, _, ok := toNumber(v)
			if !ok {
				return nil, typeErr("must be real number, not %s", pyTypeName(v))
			}
			if !strings.Contains(spec, ".") && verb != 'g' && verb != 'G' {
				spec += ".6"
			}
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), fl))
		case 'x', 'X', 'o':
			iv, ok := v.(int)
			if !ok {
				return nil, typeErr("%%%c format: an integer is required, not %s", verb, pyTypeName(v))
			}
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), iv))
		default:
			return nil, valueErr("unsupported format character '%c' (0x%x) at index %d", verb, verb, i)
		}
	}
	if ai < len(args) && mapping == nil {
		return nil, typeErr("not all arguments converted during string formatting")
	}
	return b.String(), nil
}
