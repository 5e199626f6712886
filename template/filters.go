package template

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// filterFunc implements one Jinja2 filter.
type filterFunc func(s *state, v any, args []any, kw map[string]any) (any, error)

var filters map[string]filterFunc

func (s *state) applyFilter(n *filterN, v any, f *frame) (any, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(n.name, "ansible.builtin."), "ansible.legacy.")
	fn, ok := filters[name]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("template error while templating string: Could not load \"%s\": '%s'", n.name, n.name)}
	}
	args, kw, err := s.evalArgs(n.args, n.kwargs, n.star, n.dstar, f)
	if err != nil {
		return nil, err
	}
	return fn(s, v, args, kw)
}

// callFilter runs a filter by name (for map()).
func (s *state) callFilter(name string, v any, args []any, kw map[string]any) (any, error) {
	fn, ok := filters[strings.TrimPrefix(name, "ansible.builtin.")]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("template error while templating string: Could not load \"%s\": '%s'", name, name)}
	}
	return fn(s, v, args, kw)
}

func toStr(v any) (string, error) { return pyStr(v) }

func strFilter(fn func(string) string) filterFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (any, error) {
		str, err := toStr(v)
		if err != nil {
			return nil, err
		}
		return fn(str), nil
	}
}

func init() {
	filters = map[string]filterFunc{
		"default":              fDefault,
		"d":                    fDefault,
		"bool":                 fBool,
		"int":                  fInt,
		"float":                fFloat,
		"string":               func(s *state, v any, _ []any, _ map[string]any) (any, error) { return toStr(v) },
		"lower":                strFilter(strings.ToLower),
		"upper":                strFilter(strings.ToUpper),
		"capitalize":           strFilter(capitalize),
		"title":                strFilter(title),
		"trim":                 fTrim,
		"replace":              fReplace,
		"quote":                strFilter(shellQuote),
		"join":                 fJoin,
		"split":                fSplit,
		"length":               fLength,
		"count":                fLength,
		"first":                fFirst,
		"last":                 fLast,
		"min":                  func(s *state, v any, a []any, kw map[string]any) (any, error) { return minMax(v, a, kw, -1) },
		"max":                  func(s *state, v any, a []any, kw map[string]any) (any, error) { return minMax(v, a, kw, 1) },
		"sort":                 fSort,
		"unique":               fUnique,
		"union":                fUnion,
		"intersect":            fIntersect,
		"difference":           fDifference,
		"symmetric_difference": fSymDiff,
		"flatten":              fFlatten,
		"list":                 func(s *state, v any, _ []any, _ map[string]any) (any, error) { return iterateList(v) },
		"dict2items":           fDict2Items,
		"items2dict":           fItems2Dict,
		"combine":              fCombine,
		"selectattr": func(s *state, v any, a []any, kw map[string]any) (any, error) {
			return s.selectFilter(v, a, kw, true, false)
		},
		"rejectattr": func(s *state, v any, a []any, kw map[string]any) (any, error) {
			return s.selectFilter(v, a, kw, true, true)
		},
		"select": func(s *state, v any, a []any, kw map[string]any) (any, error) {
			return s.selectFilter(v, a, kw, false, false)
		},
		"reject": func(s *state, v any, a []any, kw map[string]any) (any, error) {
			return s.selectFilter(v, a, kw, false, true)
		},
		"map":            fMap,
		"zip":            fZip,
		"zip_longest":    fZipLongest,
		"ternary":        fTernary,
		"to_json":        fToJSON,
		"to_nice_json":   fToNiceJSON,
		"tojson":         fToJSON,
		"from_json":      fFromJSON,
		"to_yaml":        fToYAML,
		"to_nice_yaml":   fToNiceYAML,
		"from_yaml":      fFromYAML,
		"from_yaml_all":  fFromYAMLAll,
		"b64encode":      fB64Encode,
		"b64decode":      fB64Decode,
		"basename":       strFilter(pyBasename),
		"dirname":        strFilter(pyDirname),
		"realpath":       fRealpath,
		"splitext":       fSplitext,
		"path_join":      fPathJoin,
		"hash":           fHash,
		"md5":            func(s *state, v any, _ []any, _ map[string]any) (any, error) { return hashHex(v, md5.New()) },
		"sha1":           func(s *state, v any, _ []any, _ map[string]any) (any, error) { return hashHex(v, sha1.New()) },
		"checksum":       func(s *state, v any, _ []any, _ map[string]any) (any, error) { return hashHex(v, sha1.New()) },
		"password_hash":  fPasswordHash,
		"random":         fRandom,
		"shuffle":        fShuffle,
		"round":          fRound,
		"abs":            fAbs,
		"mandatory":      fMandatory,
		"items":          fItems,
		"dictsort":       fDictsort,
		"regex_replace":  fRegexReplace,
		"regex_search":   fRegexSearch,
		"regex_findall":  fRegexFindall,
		"regex_escape":   fRegexEscape,
		"urlsplit":       fURLSplit,
		"urlencode":      fURLEncode,
		"type_debug":     func(s *state, v any, _ []any, _ map[string]any) (any, error) { return pyTypeName(v), nil },
		"extract":        fExtract,
		"reverse":        fReverse,
		"sum":            fSum,
		"center":         fCenter,
		"indent":         fIndent,
		"wordcount":      strFilterAny(func(s string) any { return len(strings.Fields(s)) }),
		"batch":          fBatch,
		"attr":           func(s *state, v any, a []any, _ map[string]any) (any, error) { return fAttr(v, a) },
		"format":         fFormat,
		"e":              strFilter(htmlEscape),
		"escape":         strFilter(htmlEscape),
		"safe":           func(s *state, v any, _ []any, _ map[string]any) (any, error) { return v, nil },
		"pprint":         func(s *state, v any, _ []any, _ map[string]any) (any, error) { return pyRepr(v), nil },
		"truncate":       fTruncate,
		"groupby":        fGroupby,
		"subelements":    fSubelements,
		"log":            fLog,
		"pow":            fPow,
		"root":           fRoot,
		"to_uuid":        fToUUID,
		"comment":        fComment,
		"expanduser":     strFilter(func(s string) string { return s }),
		"product":        fProduct,
		"combinations":   fCombinations,
		"wordwrap":       fWordwrap,
		"filesizeformat": fFilesizeformat,
	}
}

func strFilterAny(fn func(string) any) filterFunc {
	return func(s *state, v any, _ []any, _ map[string]any) (any, error) {
		str, err := toStr(v)
		if err != nil {
			return nil, err
		}
		return fn(str), nil
	}
}

func fDefault(s *state, v any, args []any, kw map[string]any) (any, error) {
	def, ok := argN(args, kw, 0, "default_value")
	if !ok {
		def = ""
	}
	boolean := false
	if b, ok := argN(args, kw, 1, "boolean"); ok {
		boolean, _ = truth(b)
	}
	if _, isU := v.(*Undefined); isU {
		return def, nil
	}
	if boolean {
		t, _ := truth(v)
		if !t {
			return def, nil
		}
	}
	return v, nil
}

// fBool is Ansible's to_bool.
func fBool(s *state, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case nil, bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "yes", "on", "1", "true":
			return true, nil
		}
		return false, nil
	case int:
		return x == 1, nil
	case float64:
		return x == 1, nil
	case *Undefined:
		return nil, x.err()
	}
	return false, nil
}

var pyIntRe = regexp.MustCompile(`^[+-]?(?:[0-9](?:_?[0-9])*)$`)

func fInt(s *state, v any, args []any, kw map[string]any) (any, error) {
	def, ok := argN(args, kw, 0, "default")
	if !ok {
		def = 0
	}
	base, err := intArg(args, kw, 1, "base", 10)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return def, nil
		}
		return int(x), nil
	case string:
		t := strings.TrimSpace(x)
		if base == 10 && pyIntRe.MatchString(t) {
			if i, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64); err == nil {
				return int(i), nil
			}
		} else if base != 10 {
			t2 := strings.ToLower(strings.TrimLeft(t, "+"))
			neg := strings.HasPrefix(t2, "-")
			t2 = strings.TrimPrefix(t2, "-")
			for _, p := range []string{"0x", "0o", "0b"} {
				if strings.HasPrefix(t2, p) && map[string]int{"0x": 16, "0o": 8, "0b": 2}[p] == base {
					t2 = t2[2:]
				}
			}
			if i, err := strconv.ParseInt(t2, base, 64); err == nil {
				if neg {
					i = -i
				}
				return int(i), nil
			}
		}
		if f, ok := pyParseFloat(t); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
		return def, nil
	case *Undefined:
		return nil, x.err()
	}
	return def, nil
}

var pyFloatRe = regexp.MustCompile(`^[+-]?(?:(?:[0-9](?:_?[0-9])*)?\.?[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9]+)?|[0-9](?:_?[0-9])*\.|inf|infinity|nan)$`)

func pyParseFloat(s string) (float64, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if !pyFloatRe.MatchString(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return 0, false
	}
	return f, true
}

func fFloat(s *state, v any, args []any, kw map[string]any) (any, error) {
	def, ok := argN(args, kw, 0, "default")
	if !ok {
		def = 0.0
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case float64:
		return x, nil
	case string:
		if f, ok := pyParseFloat(x); ok {
			return f, nil
		}
		return def, nil
	case *Undefined:
		return nil, x.err()
	}
	return def, nil
}

func fTrim(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return pyStrip(str, args, kw, true, true)
}

func fReplace(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if len(args) < 2 {
		return nil, typeErr("do_replace() missing required positional arguments")
	}
	old, err := toStr(args[0])
	if err != nil {
		return nil, err
	}
	nw, err := toStr(args[1])
	if err != nil {
		return nil, err
	}
	n, err := intArg(args, kw, 2, "count", -1)
	if err != nil {
		return nil, err
	}
	return strings.Replace(str, old, nw, n), nil
}

var unsafeShell = regexp.MustCompile(`[^\w@%+=:,./-]`)

// shellQuote is Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !unsafeShell.MatchString(s) && isASCII(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

func fJoin(s *state, v any, args []any, kw map[string]any) (any, error) {
	sep := ""
	if a, ok := argN(args, kw, 0, "d"); ok {
		str, err := toStr(a)
		if err != nil {
			return nil, err
		}
		sep = str
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, hasAttr := argN(args, kw, 1, "attribute")
	parts := make([]string, len(items))
	for i, it := range items {
		if hasAttr {
			it = getAttrPath(it, attr)
		}
		if parts[i], err = toStr(it); err != nil {
			return nil, err
		}
	}
	return strings.Join(parts, sep), nil
}

func fSplit(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return strMethod(str, "split").(builtin)(s, args, kw)
}

func length(v any) (int, error) {
	switch x := v.(type) {
	case string:
		return len([]rune(x)), nil
	case []any:
		return len(x), nil
	case tuple:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	case *Dict:
		return len(x.keys), nil
	case *Undefined:
		return 0, x.err()
	}
	return 0, typeErr("object of type '%s' has no len()", pyTypeName(v))
}

func fLength(s *state, v any, _ []any, _ map[string]any) (any, error) { return length(v) }

func fFirst(s *state, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &Undefined{hint: "No first item, sequence was empty."}, nil
	}
	return items[0], nil
}

func fLast(s *state, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &Undefined{hint: "No last item, sequence was empty."}, nil
	}
	return items[len(items)-1], nil
}

func iterateList(v any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return append([]any{}, items...), nil
}

// sortKey lowercases strings unless case sensitive, as Jinja2's ignore_case.
func sortKey(v any, caseSensitive bool) any {
	if s, ok := v.(string); ok && !caseSensitive {
		return strings.ToLower(s)
	}
	return v
}

func getAttrPath(v any, attr any) any {
	switch a := attr.(type) {
	case int:
		r, _ := getItem(v, a)
		return r
	case string:
		for _, part := range strings.Split(a, ".") {
			if n, err := strconv.Atoi(part); err == nil {
				v, _ = getItem(v, n)
				continue
			}
			v, _ = getItem(v, part)
		}
	}
	return v
}

func minMax(v any, args []any, kw map[string]any, dir int) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	cs := false
	if c, ok := argN(args, kw, 0, "case_sensitive"); ok {
		cs, _ = truth(c)
	}
	attr, hasAttr := argN(args, kw, 1, "attribute")
	if len(items) == 0 {
		return &Undefined{hint: "No aggregated item, sequence was empty."}, nil
	}
	best := items[0]
	key := func(x any) any {
		if hasAttr {
			x = getAttrPath(x, attr)
		}
		return sortKey(x, cs)
	}
	bk := key(best)
	for _, it := range items[1:] {
		k := key(it)
		c, err := pyCmp(k, bk, "<")
		if err != nil {
			return nil, err
		}
		if c*dir > 0 {
			best, bk = it, k
		}
	}
	return best, nil
}

func fSort(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	reverse, cs := false, false
	if r, ok := argN(args, kw, 0, "reverse"); ok {
		reverse, _ = truth(r)
	}
	if c, ok := argN(args, kw, 1, "case_sensitive"); ok {
		cs, _ = truth(c)
	}
	attr, hasAttr := argN(args, kw, 2, "attribute")
	out := append([]any{}, items...)
	var sortErr error
	keys := make([]any, len(out))
	for i, it := range out {
		x := it
		if hasAttr {
			x = getAttrPath(x, attr)
		}
		keys[i] = sortKey(x, cs)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := pyCmp(keys[idx[a]], keys[idx[b]], "<")
		if err != nil && sortErr == nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	if sortErr != nil {
		return nil, sortErr
	}
	res := make([]any, len(out))
	for i, j := range idx {
		res[i] = out[j]
	}
	return res, nil
}

func uniqueList(items []any, cs bool, attr any, hasAttr bool) []any {
	out := []any{}
	var seen []any
	for _, it := range items {
		k := it
		if hasAttr {
			k = getAttrPath(k, attr)
		}
		k = sortKey(k, cs)
		dup := false
		for _, sk := range seen {
			if pyEq(sk, k) {
				dup = true
				break
			}
		}
		if !dup {
			seen = append(seen, k)
			out = append(out, it)
		}
	}
	return out
}

func fUnique(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	cs := false
	if c, ok := argN(args, kw, 0, "case_sensitive"); ok {
		cs, _ = truth(c)
	}
	attr, hasAttr := argN(args, kw, 1, "attribute")
	if hasAttr {
		for _, it := range items {
			if u, ok := getAttrPath(it, attr).(*Undefined); ok {
				return nil, &Error{Msg: "Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied. " + u.message()}
			}
		}
	}
	return uniqueList(items, cs, attr, hasAttr), nil
}

func twoLists(v any, args []any) ([]any, []any, error) {
	if len(args) < 1 {
		return nil, nil, typeErr("missing required positional argument: 'b'")
	}
	a, err := iterate(v)
	if err != nil {
		return nil, nil, err
	}
	b, err := iterate(args[0])
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func inList(x any, l []any) bool {
	for _, e := range l {
		if pyEq(e, x) {
			return true
		}
	}
	return false
}

func fUnion(s *state, v any, args []any, _ map[string]any) (any, error) {
	a, b, err := twoLists(v, args)
	if err != nil {
		return nil, err
	}
	return uniqueList(append(append([]any{}, a...), b...), true, nil, false), nil
}

func fIntersect(s *state, v any, args []any, _ map[string]any) (any, error) {
	a, b, err := twoLists(v, args)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, x := range a {
		if inList(x, b) {
			out = append(out, x)
		}
	}
	return uniqueList(out, true, nil, false), nil
}

func fDifference(s *state, v any, args []any, _ map[string]any) (any, error) {
	a, b, err := twoLists(v, args)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, x := range a {
		if !inList(x, b) {
			out = append(out, x)
		}
	}
	return uniqueList(out, true, nil, false), nil
}

func fSymDiff(s *state, v any, args []any, kw map[string]any) (any, error) {
	isect, err := fIntersect(s, v, args, kw)
	if err != nil {
		return nil, err
	}
	u, _ := fUnion(s, v, args, kw)
	out := []any{}
	for _, x := range u.([]any) {
		if !inList(x, isect.([]any)) {
			out = append(out, x)
		}
	}
	return out, nil
}

func fFlatten(s *state, v any, args []any, kw map[string]any) (any, error) {
	levels := -1
	if l, ok := argN(args, kw, 0, "levels"); ok && l != nil {
		n, ok := l.(int)
		if !ok {
			return nil, typeErr("levels must be an int")
		}
		levels = n
	}
	skipNulls := true
	if sn, ok := argN(args, kw, 1, "skip_nulls"); ok {
		skipNulls, _ = truth(sn)
	}
	items, ok := seqItems(v)
	if !ok {
		return nil, &Error{Msg: "flatten expects a list"}
	}
	return flatten(items, levels, skipNulls), nil
}

func flatten(items []any, levels int, skipNulls bool) []any {
	out := []any{}
	for _, e := range items {
		if skipNulls && (e == nil || e == "None") {
			continue
		}
		if sub, ok := seqItems(e); ok {
			if levels == 0 {
				out = append(out, e)
				continue
			}
			out = append(out, flatten(sub, levels-1, skipNulls)...)
			continue
		}
		out = append(out, e)
	}
	return out
}

func fDict2Items(s *state, v any, args []any, kw map[string]any) (any, error) {
	kn, vn := "key", "value"
	if a, ok, _ := strArg(args, kw, 0, "key_name"); ok {
		kn = a
	}
	if a, ok, _ := strArg(args, kw, 1, "value_name"); ok {
		vn = a
	}
	keys, ok := dictKeys(v)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return nil, typeErr("dict2items requires a dictionary, got <class '%s'> instead.", pyTypeName(v))
	}
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		d := newDict()
		d.set(kn, k)
		val, _ := dictGet(v, k)
		d.set(vn, val)
		out = append(out, d)
	}
	return out, nil
}

func fItems2Dict(s *state, v any, args []any, kw map[string]any) (any, error) {
	kn, vn := "key", "value"
	if a, ok, _ := strArg(args, kw, 0, "key_name"); ok {
		kn = a
	}
	if a, ok, _ := strArg(args, kw, 1, "value_name"); ok {
		vn = a
	}
	items, ok := seqItems(v)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return nil, typeErr("items2dict requires a list, got <class '%s'> instead.", pyTypeName(v))
	}
	kAny, _ := argN(args, kw, 0, "key_name")
	vAny, _ := argN(args, kw, 1, "value_name")
	if kAny == nil {
		kAny = kn
	}
	if vAny == nil {
		vAny = vn
	}
	out := newDict()
	for _, it := range items {
		if _, isStr := it.(string); isStr || (!isDict(it) && func() bool { _, ok := seqItems(it); return !ok }()) {
			return nil, typeErr("items2dict requires a list of dictionaries, got %s instead.", pyRepr(v))
		}
		k, err1 := getItem(it, kAny)
		val, err2 := getItem(it, vAny)
		_, u1 := k.(*Undefined)
		_, u2 := val.(*Undefined)
		if err1 != nil || err2 != nil || u1 || u2 {
			return nil, typeErr("items2dict requires each dictionary in the list to contain the keys '%s' and '%s', got %s instead.", pyStr1(kAny), pyStr1(vAny), pyRepr(v))
		}
		ks, err := dictKey(k)
		if err != nil {
			return nil, err
		}
		out.set(ks, val)
	}
	return out, nil
}

func fCombine(s *state, v any, args []any, kw map[string]any) (any, error) {
	recursive := false
	if r, ok := kw["recursive"]; ok {
		recursive, _ = truth(r)
	}
	listMerge := "replace"
	if l, ok := kw["list_merge"]; ok {
		listMerge, _ = l.(string)
	}
	for k := range kw {
		if k != "recursive" && k != "list_merge" {
			return nil, &Error{Msg: fmt.Sprintf("'%s' is an invalid keyword argument for combine()", k)}
		}
	}
	terms := []any{v}
	for _, a := range args {
		if sub, ok := seqItems(a); ok {
			terms = append(terms, sub...)
		} else {
			terms = append(terms, a)
		}
	}
	out := newDict()
	for _, t := range terms {
		if u, isU := t.(*Undefined); isU {
			return nil, u.err()
		}
		if !isDict(t) {
			return nil, &Error{Msg: fmt.Sprintf("combine expects dictionaries, got %s", pyRepr(t))}
		}
		out = mergeDicts(out, t, recursive, listMerge)
	}
	return out, nil
}

func mergeDicts(a *Dict, b any, recursive bool, listMerge string) *Dict {
	out := toODict(a)
	keys, _ := dictKeys(b)
	for _, k := range keys {
		bv, _ := dictGet(b, k)
		av, exists := out.m[k]
		if exists && recursive && isDict(av) && isDict(bv) {
			out.set(k, mergeDicts(toODict(av), bv, recursive, listMerge))
			continue
		}
		if exists {
			al, aok := av.([]any)
			bl, bok := bv.([]any)
			if aok && bok {
				switch listMerge {
				case "append":
					out.set(k, append(append([]any{}, al...), bl...))
					continue
				case "prepend":
					out.set(k, append(append([]any{}, bl...), al...))
					continue
				case "append_rp":
					var keep []any
					for _, x := range al {
						if !inList(x, bl) {
							keep = append(keep, x)
						}
					}
					out.set(k, append(keep, bl...))
					continue
				case "prepend_rp":
					res := append([]any{}, bl...)
					for _, x := range al {
						if !inList(x, bl) {
							res = append(res, x)
						}
					}
					out.set(k, res)
					continue
				case "keep":
					continue
				}
			}
		}
		out.set(k, bv)
	}
	return out
}

// selectFilter implements select, reject, selectattr and rejectattr.
func (s *state) selectFilter(v any, args []any, kw map[string]any, byAttr, reject bool) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var attr any
	if byAttr {
		if len(args) == 0 {
			return nil, typeErr("Missing parameter for attribute name")
		}
		attr, args = args[0], args[1:]
	}
	testName := ""
	if len(args) > 0 {
		n, ok := args[0].(string)
		if !ok {
			return nil, typeErr("test name must be a string")
		}
		testName, args = n, args[1:]
	}
	out := []any{}
	for _, it := range items {
		x := it
		if byAttr {
			x = getAttrPath(it, attr)
		}
		var ok bool
		if testName == "" {
			ok, err = truth(x)
		} else {
			ok, err = s.runTest(testName, x, args, kw)
		}
		if err != nil {
			return nil, err
		}
		if ok != reject {
			out = append(out, it)
		}
	}
	return out, nil
}

func fMap(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	if attr, ok := kw["attribute"]; ok {
		def, hasDef := kw["default"]
		for _, it := range items {
			x := getAttrPath(it, attr)
			if _, isU := x.(*Undefined); isU && hasDef {
				x = def
			}
			out = append(out, x)
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, typeErr("map requires a filter argument")
	}
	name, ok := args[0].(string)
	if !ok {
		return nil, typeErr("map filter name must be a string")
	}
	for _, it := range items {
		r, err := s.callFilter(name, it, args[1:], kw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func fZip(s *state, v any, args []any, _ map[string]any) (any, error) {
	lists := [][]any{}
	for _, x := range append([]any{v}, args...) {
		l, err := iterate(x)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	n := math.MaxInt
	for _, l := range lists {
		if len(l) < n {
			n = len(l)
		}
	}
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		t := make(tuple, len(lists))
		for j, l := range lists {
			t[j] = l[i]
		}
		out = append(out, t)
	}
	return out, nil
}

func fZipLongest(s *state, v any, args []any, kw map[string]any) (any, error) {
	lists := [][]any{}
	for _, x := range append([]any{v}, args...) {
		l, err := iterate(x)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	fill := kw["fillvalue"]
	n := 0
	for _, l := range lists {
		if len(l) > n {
			n = len(l)
		}
	}
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		t := make(tuple, len(lists))
		for j, l := range lists {
			if i < len(l) {
				t[j] = l[i]
			} else {
				t[j] = fill
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func fTernary(s *state, v any, args []any, kw map[string]any) (any, error) {
	tv, _ := argN(args, kw, 0, "true_val")
	fv, _ := argN(args, kw, 1, "false_val")
	nv, hasNone := argN(args, kw, 2, "none_val")
	if v == nil && hasNone && nv != nil {
		return nv, nil
	}
	ok, err := truth(v)
	if err != nil {
		return nil, err
	}
	if ok {
		return tv, nil
	}
	return fv, nil
}

func fB64Encode(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(str)), nil
}

func fB64Decode(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", r) {
			return r
		}
		return -1
	}, str)
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		if err != nil {
			return nil, &Error{Msg: "Incorrect padding"}
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// pyBasename is os.path.basename.
func pyBasename(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// pyDirname is os.path.dirname.
func pyDirname(p string) string {
	i := strings.LastIndex(p, "/") + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

func fRealpath(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	p, err := filepath.Abs(str)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r, nil
	}
	return p, nil
}

// fSplitext is os.path.splitext.
func fSplitext(s *state, v any, _ []any, _ map[string]any) (any, error) {
	p, err := toStr(v)
	if err != nil {
		return nil, err
	}
	sep := strings.LastIndex(p, "/")
	dot := strings.LastIndex(p, ".")
	if dot > sep {
		// Skip leading dots of the file name.
		fn := sep + 1
		for fn < dot && p[fn] == '.' {
			fn++
		}
		if fn < dot {
			return tuple{p[:dot], p[dot:]}, nil
		}
	}
	return tuple{p, ""}, nil
}

func fPathJoin(s *state, v any, _ []any, _ map[string]any) (any, error) {
	var parts []any
	if l, ok := seqItems(v); ok {
		parts = l
	} else {
		parts = []any{v}
	}
	out := ""
	for _, p := range parts {
		str, err := toStr(p)
		if err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(str, "/"):
			out = str
		case out == "" || strings.HasSuffix(out, "/"):
			out += str
		default:
			out += "/" + str
		}
	}
	return out, nil
}

func hashHex(v any, h hash.Hash) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	h.Write([]byte(str))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fHash(s *state, v any, args []any, kw map[string]any) (any, error) {
	name := "sha1"
	if n, ok, _ := strArg(args, kw, 0, "hashtype"); ok {
		name = n
	}
	var h hash.Hash
	switch name {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha224":
		h = sha256.New224()
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return nil, nil
	}
	return hashHex(v, h)
}

func fRound(s *state, v any, args []any, kw map[string]any) (any, error) {
	prec, err := intArg(args, kw, 0, "precision", 0)
	if err != nil {
		return nil, err
	}
	method := "common"
	if m, ok, _ := strArg(args, kw, 1, "method"); ok {
		method = m
	}
	f, i, isInt, ok := toNumber(v)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return nil, typeErr("type %s doesn't define __round__ method", pyTypeName(v))
	}
	p := math.Pow(10, float64(prec))
	switch method {
	case "common":
		if isInt {
			return i, nil
		}
		return math.RoundToEven(f*p) / p, nil
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	}
	return nil, &Error{Msg: "method must be common, ceil or floor"}
}

func fAbs(s *state, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case int:
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErr("bad operand type for abs(): '%s'", pyTypeName(v))
}

func fMandatory(s *state, v any, args []any, kw map[string]any) (any, error) {
	u, ok := v.(*Undefined)
	if !ok {
		return v, nil
	}
	if m, ok, _ := strArg(args, kw, 0, "msg"); ok {
		return nil, &Error{Msg: m}
	}
	name := "'" + u.name + "' "
	if u.hasObj {
		name = "'" + strings.Trim(u.name, "'") + "' "
	}
	return nil, &Error{Msg: fmt.Sprintf("Mandatory variable %s not defined.", name)}
}

func fItems(s *state, v any, _ []any, _ map[string]any) (any, error) {
	if _, isU := v.(*Undefined); isU {
		return []any{}, nil
	}
	if !isDict(v) {
		return nil, typeErr("Can only get item pairs from a mapping.")
	}
	return dictItemsList(v), nil
}

func fDictsort(s *state, v any, args []any, kw map[string]any) (any, error) {
	if !isDict(v) {
		return nil, typeErr("You can only sort by either \"key\" or \"value\"")
	}
	cs := false
	if c, ok := argN(args, kw, 0, "case_sensitive"); ok {
		cs, _ = truth(c)
	}
	by := "key"
	if b, ok, _ := strArg(args, kw, 1, "by"); ok {
		by = b
	}
	reverse := false
	if r, ok := argN(args, kw, 2, "reverse"); ok {
		reverse, _ = truth(r)
	}
	items := dictItemsList(v)
	pos := 0
	if by == "value" {
		pos = 1
	}
	var sortErr error
	sort.SliceStable(items, func(a, b int) bool {
		c, err := pyCmp(sortKey(items[a].(tuple)[pos], cs), sortKey(items[b].(tuple)[pos], cs), "<")
		if err != nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return items, sortErr
}

// pyRegexp translates a Python regular expression to Go's RE2 syntax.
func pyRegexp(pattern string, ignorecase, multiline bool) (*regexp.Regexp, error) {
	p := strings.ReplaceAll(pattern, `\Z`, `\z`)
	flags := ""
	if ignorecase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("invalid regular expression %s: %v", pyQuote(pattern), err)}
	}
	return re, nil
}

var pyBackref = regexp.MustCompile(`\\(\d+)|\\g<(\w+)>|\$|\\(.)`)

// pyReplacement converts a Python re.sub replacement to Go's Expand syntax.
func pyReplacement(r string) string {
	return pyBackref.ReplaceAllStringFunc(r, func(m string) string {
		switch {
		case m == "$":
			return "$$"
		case strings.HasPrefix(m, `\g<`):
			return "${" + m[3:len(m)-1] + "}"
		case len(m) > 1 && m[1] >= '0' && m[1] <= '9':
			return "${" + m[1:] + "}"
		}
		switch m[1] {
		case 'n':
			return "\n"
		case 't':
			return "\t"
		case 'r':
			return "\r"
		case '\\':
			return `\`
		}
		return m
	})
}

func regexFlags(kw map[string]any) (bool, bool) {
	ic, ml := false, false
	if v, ok := kw["ignorecase"]; ok {
		ic, _ = truth(v)
	}
	if v, ok := kw["multiline"]; ok {
		ml, _ = truth(v)
	}
	return ic, ml
}

func fRegexReplace(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	pat, _, err := strArg(args, kw, 0, "pattern")
	if err != nil {
		return nil, err
	}
	rep, _, err := strArg(args, kw, 1, "replacement")
	if err != nil {
		return nil, err
	}
	ic, ml := regexFlags(kw)
	if a, ok := argN(args, nil, 2, ""); ok {
		ic, _ = truth(a)
	}
	if a, ok := argN(args, nil, 3, ""); ok {
		ml, _ = truth(a)
	}
	for k := range kw {
		switch k {
		case "pattern", "replacement", "ignorecase", "multiline":
		default:
			return nil, typeErr("regex_replace() got an unexpected keyword argument '%s'", k)
		}
	}
	count := 0
	re, err := pyRegexp(pat, ic, ml)
	if err != nil {
		return nil, err
	}
	tmpl := pyReplacement(rep)
	n := 0
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(str, -1) {
		if count > 0 && n >= count {
			break
		}
		b.WriteString(str[last:m[0]])
		b.Write(re.ExpandString(nil, tmpl, str, m))
		last = m[1]
		n++
	}
	b.WriteString(str[last:])
	return b.String(), nil
}

func fRegexSearch(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, typeErr("regex_search() missing 1 required positional argument: 'regex'")
	}
	pat, err := toStr(args[0])
	if err != nil {
		return nil, err
	}
	ic, ml := regexFlags(kw)
	re, err := pyRegexp(pat, ic, ml)
	if err != nil {
		return nil, err
	}
	var groups []int
	for _, a := range args[1:] {
		as, _ := a.(string)
		idx := -1
		switch {
		case strings.HasPrefix(as, `\g`):
			mm := regexp.MustCompile(`^\\g<(\S+)>`).FindStringSubmatch(as)
			if mm == nil {
				return nil, &Error{Msg: "Unknown argument"}
			}
			idx = re.SubexpIndex(mm[1])
			if idx < 0 {
				return nil, &Error{Msg: "no such group"}
			}
		case strings.HasPrefix(as, `\`):
			mm := regexp.MustCompile(`^\\(\d+)`).FindStringSubmatch(as)
			if mm == nil {
				return nil, &Error{Msg: "Unknown argument"}
			}
			idx, _ = strconv.Atoi(mm[1])
			if idx > re.NumSubexp() {
				return nil, &Error{Msg: "no such group"}
			}
		default:
			return nil, &Error{Msg: "Unknown argument"}
		}
		groups = append(groups, idx)
	}
	m := re.FindStringSubmatchIndex(str)
	if m == nil {
		return nil, nil
	}
	if len(groups) == 0 {
		return str[m[0]:m[1]], nil
	}
	out := []any{}
	for _, idx := range groups {
		if m[2*idx] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, str[m[2*idx]:m[2*idx+1]])
		}
	}
	return out, nil
}

func fRegexFindall(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	pat, _, err := strArg(args, kw, 0, "regex")
	if err != nil {
		return nil, err
	}
	ic, ml := regexFlags(kw)
	if a, ok := argN(args, nil, 1, ""); ok {
		ml, _ = truth(a)
	}
	if a, ok := argN(args, nil, 2, ""); ok {
		ic, _ = truth(a)
	}
	re, err := pyRegexp(pat, ic, ml)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(str, -1) {
		switch re.NumSubexp() {
		case 0:
			out = append(out, m[0])
		case 1:
			out = append(out, m[1])
		default:
			t := make(tuple, len(m)-1)
			for i, g := range m[1:] {
				t[i] = g
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func fRegexEscape(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	typ := "python"
	if t, ok, _ := strArg(args, kw, 0, "re_type"); ok {
		typ = t
	}
	if typ == "posix_basic" {
		return regexp.MustCompile(`([].[^$*\\])`).ReplaceAllString(str, `\$1`), nil
	}
	if typ != "python" {
		return nil, &Error{Msg: fmt.Sprintf("Invalid regex type (%s)", typ)}
	}
	var b strings.Builder
	for _, r := range str {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

func fURLSplit(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(str)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	d := newDict()
	d.set("fragment", u.Fragment)
	host := u.Hostname()
	if host == "" {
		d.set("hostname", nil)
	} else {
		d.set("hostname", strings.ToLower(host))
	}
	d.set("netloc", u.Host)
	if u.User != nil {
		d.set("netloc", u.User.String()+"@"+u.Host)
	}
	var pw, user any
	if u.User != nil {
		user = u.User.Username()
		if p, ok := u.User.Password(); ok {
			pw = p
		}
	}
	d.set("password", pw)
	d.set("path", u.EscapedPath())
	if u.Opaque != "" {
		d.set("path", u.Opaque)
	}
	var port any
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	d.set("port", port)
	d.set("query", u.RawQuery)
	d.set("scheme", u.Scheme)
	d.set("username", user)
	if q, ok, _ := strArg(args, kw, 0, "query"); ok && q != "" {
		if r, ok := d.m[q]; ok {
			return r, nil
		}
		return nil, &Error{Msg: fmt.Sprintf("urlsplit: unknown URL component: %s", q)}
	}
	return d, nil
}

func fURLEncode(s *state, v any, _ []any, _ map[string]any) (any, error) {
	if keys, ok := dictKeys(v); ok {
		parts := make([]string, len(keys))
		for i, k := range keys {
			val, _ := dictGet(v, k)
			vs, err := toStr(val)
			if err != nil {
				return nil, err
			}
			parts[i] = strings.ReplaceAll(urlQuote(k, ""), "%20", "+") + "=" + strings.ReplaceAll(urlQuote(vs, ""), "%20", "+")
		}
		return strings.Join(parts, "&"), nil
	}
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return urlQuote(str, "/"), nil
}

func fExtract(s *state, v any, args []any, _ map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, typeErr("extract() missing 1 required positional argument: 'container'")
	}
	r, err := getItem(args[0], v)
	if err != nil {
		return nil, err
	}
	if len(args) > 1 {
		keys := []any{args[1]}
		if l, ok := seqItems(args[1]); ok {
			keys = l
		}
		for _, k := range keys {
			if r, err = getItem(r, k); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func fReverse(s *state, v any, _ []any, _ map[string]any) (any, error) {
	if str, ok := v.(string); ok {
		r := []rune(str)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fSum(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, hasAttr := argN(args, kw, 0, "attribute")
	var total any = 0
	if st, ok := argN(args, kw, 1, "start"); ok {
		total = st
	}
	for _, it := range items {
		if hasAttr && attr != nil {
			it = getAttrPath(it, attr)
		}
		if total, err = binop("+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fCenter(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	w, err := intArg(args, kw, 0, "width", 80)
	if err != nil {
		return nil, err
	}
	return pad(str, w, " ", "center"), nil
}

func fIndent(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	ind := "    "
	if w, ok := argN(args, kw, 0, "width"); ok {
		switch x := w.(type) {
		case int:
			ind = strings.Repeat(" ", x)
		case string:
			ind = x
		}
	}
	first, blank := false, false
	if f, ok := argN(args, kw, 1, "first"); ok {
		first, _ = truth(f)
	}
	if b, ok := argN(args, kw, 2, "blank"); ok {
		blank, _ = truth(b)
	}
	nl := "\n"
	str += nl
	lines := strings.Split(str, nl)
	lines = lines[:len(lines)-1]
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(nl)
		}
		if (i > 0 || first) && (blank || strings.TrimSpace(l) != "") {
			b.WriteString(ind)
		}
		b.WriteString(l)
	}
	return b.String(), nil
}

func fBatch(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	n, err := intArg(args, kw, 0, "linecount", 1)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, valueErr("batch size must be positive")
	}
	fill, hasFill := argN(args, kw, 1, "fill_with")
	out := []any{}
	for i := 0; i < len(items); i += n {
		end := i + n
		var chunk []any
		if end > len(items) {
			chunk = append([]any{}, items[i:]...)
			for hasFill && fill != nil && len(chunk) < n {
				chunk = append(chunk, fill)
			}
		} else {
			chunk = append([]any{}, items[i:end]...)
		}
		out = append(out, chunk)
	}
	return out, nil
}

func fAttr(v any, args []any) (any, error) {
	if len(args) == 0 {
		return nil, typeErr("attr() missing 1 required positional argument: 'name'")
	}
	name, _ := args[0].(string)
	if m := method(v, name); m != nil {
		return m, nil
	}
	return &Undefined{obj: v, hasObj: true, name: pyQuote(name)}, nil
}

func fFormat(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if len(kw) > 0 {
		d := newDict()
		for k, x := range kw {
			d.set(k, x)
		}
		return percentFormat(str, d)
	}
	return percentFormat(str, tuple(args))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func fTruncate(s *state, v any, args []any, kw map[string]any) (any, error) {
	if _, err := length(v); err != nil {
		return nil, err
	}
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	n, err := intArg(args, kw, 0, "length", 255)
	if err != nil {
		return nil, err
	}
	killwords := false
	if k, ok := argN(args, kw, 1, "killwords"); ok {
		killwords, _ = truth(k)
	}
	end := "..."
	if e, ok, _ := strArg(args, kw, 2, "end"); ok {
		end = e
	}
	leeway, err := intArg(args, kw, 3, "leeway", 5)
	if err != nil {
		return nil, err
	}
	r := []rune(str)
	if len(r) <= n+leeway {
		return str, nil
	}
	cut := n - len([]rune(end))
	if cut < 0 {
		cut = 0
	}
	if killwords {
		return string(r[:cut]) + end, nil
	}
	res := string(r[:cut])
	if i := strings.LastIndex(res, " "); i >= 0 {
		res = res[:i]
	}
	return res + end, nil
}

func fGroupby(s *state, v any, args []any, kw map[string]any) (any, error) {
	attr, ok := argN(args, kw, 0, "attribute")
	if !ok {
		return nil, typeErr("groupby() missing 1 required positional argument: 'attribute'")
	}
	sorted, err := fSort(s, v, nil, map[string]any{"attribute": attr, "case_sensitive": true})
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range sorted.([]any) {
		k := getAttrPath(it, attr)
		if n := len(out); n > 0 && pyEq(out[n-1].(tuple)[0], k) {
			out[n-1].(tuple)[1] = append(out[n-1].(tuple)[1].([]any), it)
			continue
		}
		out = append(out, tuple{k, []any{it}})
	}
	return out, nil
}

func fSubelements(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, ok := seqItems(v)
	if !ok {
		if isDict(v) {
			items = []any{}
			keys, _ := dictKeys(v)
			for _, k := range keys {
				x, _ := dictGet(v, k)
				items = append(items, x)
			}
		} else {
			return nil, &Error{Msg: "obj must be a list of dicts or a nested dict"}
		}
	}
	if len(args) == 0 {
		return nil, typeErr("subelements() missing 1 required positional argument: 'subelements'")
	}
	path, _ := args[0].(string)
	skip := false
	if a, ok := argN(args, kw, 1, "skip_missing"); ok {
		skip, _ = truth(a)
	}
	out := []any{}
	for _, it := range items {
		cur := it
		missing := false
		for _, p := range strings.Split(path, ".") {
			x, ok := dictGet(cur, p)
			if !ok {
				missing = true
				break
			}
			cur = x
		}
		if missing {
			if skip {
				continue
			}
			return nil, &Error{Msg: fmt.Sprintf("could not find '%s' key in iterated item '%s'", path, pyRepr(it))}
		}
		subs, ok := seqItems(cur)
		if !ok {
			return nil, &Error{Msg: "the key " + path + " should point to a list, got '" + pyRepr(cur) + "'"}
		}
		for _, sub := range subs {
			out = append(out, tuple{it, sub})
		}
	}
	return out, nil
}

func fLog(s *state, v any, args []any, _ map[string]any) (any, error) {
	x, _, _, ok := toNumber(v)
	if !ok {
		return nil, &Error{Msg: "log() can only be used on numbers"}
	}
	if len(args) > 0 {
		b, _, _, _ := toNumber(args[0])
		if b == 10 {
			return math.Log10(x), nil
		}
		return math.Log(x) / math.Log(b), nil
	}
	return math.Log(x), nil
}

func fPow(s *state, v any, args []any, _ map[string]any) (any, error) {
	x, _, _, ok := toNumber(v)
	if !ok || len(args) == 0 {
		return nil, &Error{Msg: "pow() can only be used on numbers"}
	}
	y, _, _, _ := toNumber(args[0])
	return math.Pow(x, y), nil
}

func fRoot(s *state, v any, args []any, _ map[string]any) (any, error) {
	x, _, _, ok := toNumber(v)
	if !ok {
		return nil, &Error{Msg: "root() can only be used on numbers"}
	}
	base := 2.0
	if len(args) > 0 {
		base, _, _, _ = toNumber(args[0])
	}
	if base == 2 {
		return math.Sqrt(x), nil
	}
	r := math.Pow(x, 1/base)
	// Go's Pow is not correctly rounded where C's is; prefer an exact root.
	if rr := math.Round(r); math.Pow(rr, base) == x {
		return rr, nil
	}
	return r, nil
}

func fComment(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(str, "\n")
	var b strings.Builder
	b.WriteString("#\n")
	for _, l := range lines {
		b.WriteString("# " + l + "\n")
	}
	b.WriteString("#")
	return b.String(), nil
}

func fProduct(s *state, v any, args []any, _ map[string]any) (any, error) {
	lists := [][]any{}
	for _, x := range append([]any{v}, args...) {
		l, err := iterate(x)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	out := []any{tuple{}}
	for _, l := range lists {
		var next []any
		for _, prefix := range out {
			for _, e := range l {
				t := append(append(tuple{}, prefix.(tuple)...), e)
				next = append(next, t)
				if len(next) > 1<<20 {
					return nil, valueErr("product too large")
				}
			}
		}
		out = next
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func fCombinations(s *state, v any, args []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, typeErr("combinations() missing required argument 'r'")
	}
	r, ok := args[0].(int)
	if !ok || r < 0 {
		return nil, valueErr("r must be non-negative")
	}
	out := []any{}
	var rec func(start int, cur tuple) error
	rec = func(start int, cur tuple) error {
		if len(cur) == r {
			out = append(out, append(tuple{}, cur...))
			if len(out) > 1<<20 {
				return valueErr("too many combinations")
			}
			return nil
		}
		for i := start; i < len(items); i++ {
			if err := rec(i+1, append(cur, items[i])); err != nil {
				return err
			}
		}
		return nil
	}
	return out, rec(0, tuple{})
}

func pyStr1(v any) string {
	s, _ := pyStr(v)
	return s
}

// urlQuote is Python's urllib.parse.quote with the given safe characters.
func urlQuote(s, safe string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~"+safe, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func fWordwrap(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	width, err := intArg(args, kw, 0, "width", 79)
	if err != nil {
		return nil, err
	}
	if width <= 0 {
		return nil, valueErr("invalid width %d (must be > 0)", width)
	}
	breakLong := true
	if b, ok := argN(args, kw, 1, "break_long_words"); ok {
		breakLong, _ = truth(b)
	}
	wrap := s.t.sx.newline
	if w, ok, _ := strArg(args, kw, 2, "wrapstring"); ok {
		wrap = w
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSuffix(strings.ReplaceAll(str, "\r\n", "\n"), "\n"), "\n") {
		var cur []rune
		var out []string
		for _, w := range strings.Fields(line) {
			word := []rune(w)
			for {
				sep := 0
				if len(cur) > 0 {
					sep = 1
				}
				if len(cur)+sep+len(word) <= width {
					if sep == 1 {
						cur = append(cur, ' ')
					}
					cur = append(cur, word...)
					break
				}
				if len(word) > width && breakLong {
					room := width - len(cur) - sep
					if room <= 0 {
						out = append(out, string(cur))
						cur = nil
						continue
					}
					if sep == 1 {
						cur = append(cur, ' ')
					}
					cur = append(cur, word[:room]...)
					word = word[room:]
					out = append(out, string(cur))
					cur = nil
					continue
				}
				if len(cur) > 0 {
					out = append(out, string(cur))
				}
				cur = append([]rune{}, word...)
				break
			}
		}
		if len(cur) > 0 {
			out = append(out, string(cur))
		}
		lines = append(lines, strings.Join(out, wrap))
	}
	return strings.Join(lines, wrap), nil
}

func fFilesizeformat(s *state, v any, args []any, kw map[string]any) (any, error) {
	f, _, _, ok := toNumber(v)
	if !ok {
		str, err := toStr(v)
		if err != nil {
			return nil, err
		}
		if f, ok = pyParseFloat(str); !ok {
			return nil, valueErr("could not convert string to float: %s", pyQuote(str))
		}
	}
	binary := false
	if b, ok := argN(args, kw, 0, "binary"); ok {
		binary, _ = truth(b)
	}
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case f == 1:
		return "1 Byte", nil
	case f < base:
		return fmt.Sprintf("%d Bytes", int(f)), nil
	}
	unit := base
	for i, p := range prefixes {
		unit = math.Pow(base, float64(i+2))
		if f < unit {
			return fmt.Sprintf("%.1f %s", base*f/unit, p), nil
		}
	}
	return fmt.Sprintf("%.1f %s", base*f/unit, prefixes[len(prefixes)-1]), nil
}
