package template

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ome/omeprov/internal/keyorder"
)

// tuple is a Python tuple: it prints as (1, 2) and is never equal to a list.
type tuple []any

// Dict is an insertion-ordered mapping, like a Python dict. Templates build
// their dicts with it; the engine may pass *Dict values (for example built
// from YAML in file order) wherever a map is accepted, so that iteration,
// dict2items, to_json and printing follow that order as Ansible's do. Plain
// map[string]any values iterate in sorted key order. Results are returned
// as map[string]any.
type Dict struct {
	keys []string
	m    map[string]any
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return newDict() }

func newDict() *Dict { return &Dict{m: map[string]any{}} }

// Set adds or replaces a key; a new key goes last.
func (d *Dict) Set(k string, v any) { d.set(k, v) }

// Lookup returns the value of a key.
func (d *Dict) Lookup(k string) (any, bool) {
	v, ok := d.m[k]
	return v, ok
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []string { return append([]string(nil), d.keys...) }

func (d *Dict) set(k string, v any) {
	if d.m == nil {
		d.m = map[string]any{}
	}
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
}

// Undefined is Ansible's AnsibleUndefined: it fails when used and returns
// itself on attribute access.
type Undefined struct {
	hint   string
	name   string
	obj    any
	hasObj bool
	// elem says the missing name was a non-string index.
	elem bool
	// soft is Jinja2's plain Undefined (from "x if c" without else): it
	// prints as "" and is false.
	soft bool
	// quoted names are printed with double quotes ("hostvars['x']").
	quoted bool
}

func (u *Undefined) message() string {
	if u.hint != "" {
		return u.hint
	}
	if !u.hasObj {
		if u.quoted {
			return fmt.Sprintf("%s is undefined", pyQuote(u.name))
		}
		return fmt.Sprintf("'%s' is undefined", u.name)
	}
	if u.elem {
		return fmt.Sprintf("%s has no element %s", objectTypeRepr(u.obj), u.name)
	}
	return fmt.Sprintf("%s has no attribute %s", pyRepr(objectTypeRepr(u.obj)), u.name)
}

func (u *Undefined) err() error { return &UndefinedError{Msg: u.message()} }

// UndefinedError is returned for undefined variables and attributes; its
// message is Ansible's, e.g. "'foo' is undefined".
type UndefinedError struct{ Msg string }

func (e *UndefinedError) Error() string { return e.Msg }

// Error is a templating failure other than an undefined variable; Msg is the
// message Ansible prints.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// typeError is a Python TypeError raised while evaluating.
type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }

func typeErr(format string, a ...any) error { return &typeError{fmt.Sprintf(format, a...)} }

// valueError is a Python ValueError or other runtime error.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

func valueErr(format string, a ...any) error { return &valueError{fmt.Sprintf(format, a...)} }

// pyTypeName is Python's type(v).__name__.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case tuple:
		return "tuple"
	case map[string]any, *Dict:
		return "dict"
	case *Undefined:
		return "AnsibleUndefined"
	case *loopV:
		return "LoopContext"
	case *namespace:
		return "Namespace"
	case LazyMap:
		return "HostVars"
	}
	if isCallable(v) {
		return "function"
	}
	return fmt.Sprintf("%T", v)
}

func objectTypeRepr(v any) string {
	if v == nil {
		return "None"
	}
	return pyTypeName(v) + " object"
}

// truth is Python's bool(v).
func truth(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		return x != "", nil
	case []any:
		return len(x) > 0, nil
	case tuple:
		return len(x) > 0, nil
	case map[string]any:
		return len(x) > 0, nil
	case *Dict:
		return len(x.keys) > 0, nil
	case LazyMap:
		return len(x.Keys()) > 0, nil
	case *Undefined:
		if x.soft {
			return false, nil
		}
		return false, x.err()
	}
	return true, nil
}

// pyStr is Python's str(v).
func pyStr(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case *Undefined:
		if x.soft {
			return "", nil
		}
		return "", x.err()
	}
	if err := checkDefined(v); err != nil {
		return "", err
	}
	return pyRepr(v), nil
}

// checkDefined fails if v holds an Undefined anywhere.
func checkDefined(v any) error {
	switch x := v.(type) {
	case *Undefined:
		return x.err()
	case []any:
		for _, e := range x {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	case tuple:
		for _, e := range x {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	case *Dict:
		for _, e := range x.m {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortedKeys gives a map's keys in the order they were written in YAML
// when that is known (internal/keyorder), as a Python dict keeps them, and
// sorted otherwise.
func sortedKeys(m map[string]any) []string {
	return keyorder.Keys(m)
}

// dictItems returns the keys and a getter for a dict value.
func dictKeys(v any) ([]string, bool) {
	switch x := v.(type) {
	case map[string]any:
		return sortedKeys(x), true
	case *Dict:
		return x.keys, true
	case LazyMap:
		return x.Keys(), true
	}
	return nil, false
}

func dictGet(v any, k string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		r, ok := x[k]
		if u, isUnsafe := r.(Unsafe); isUnsafe {
			r = string(u)
		}
		return r, ok
	case *Dict:
		r, ok := x.m[k]
		return r, ok
	case LazyMap:
		r, ok := x.Get(k)
		if u, isUnsafe := r.(Unsafe); isUnsafe {
			r = string(u)
		}
		return r, ok
	}
	return nil, false
}

func isDict(v any) bool {
	switch v.(type) {
	case map[string]any, *Dict, LazyMap:
		return true
	}
	return false
}

// LazyMap is a mapping whose values are computed when accessed, such as
// hostvars (each host's variables templated in that host's context). The
// values it returns are used as they are, without further templating.
type LazyMap interface {
	Get(key string) (any, bool)
	Keys() []string
}

// UndefinedNamer is optionally implemented by a LazyMap to name a missing
// key as Ansible does, e.g. hostvars['nohost'] for "\"hostvars['nohost']\" is undefined".
type UndefinedNamer interface {
	UndefinedName(key string) string
}

// Unsafe is a string that is never templated (Ansible's !unsafe and
// AnsibleUnsafeText: registered results, facts). In templates it is a plain
// string.
type Unsafe string

// seqItems returns the elements of a list or tuple.
func seqItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case tuple:
		return x, true
	}
	return nil, false
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v any, depth int) {
	if depth > 100 {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(pyFloat(x))
	case string:
		b.WriteString(pyQuote(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		b.WriteByte(']')
	case tuple:
		b.WriteByte('(')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		if len(x) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case map[string]any, *Dict:
		keys, _ := dictKeys(x)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(k))
			b.WriteString(": ")
			e, _ := dictGet(x, k)
			writeRepr(b, e, depth+1)
		}
		b.WriteByte('}')
	case *Undefined:
		b.WriteString("AnsibleUndefined")
	case *loopV:
		b.WriteString("<LoopContext>")
	default:
		fmt.Fprintf(b, "<%s>", pyTypeName(v))
	}
}

// pyFloat is Python's repr of a float.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es = "-"
			exp = -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// pyQuote is Python's repr of a str.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case !unicode.IsPrint(r) || r == unicode.ReplacementChar && false:
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// toNumber returns v as a float and whether it was an int (bools count as ints).
func toNumber(v any) (float64, int, bool, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, 1, true, true
		}
		return 0, 0, true, true
	case int:
		return float64(x), x, true, true
	case float64:
		return x, 0, false, true
	}
	return 0, 0, false, false
}

// pyEq is Python's ==.
func pyEq(a, b any) bool {
	if fa, ia, aInt, ok := toNumber(a); ok {
		if fb, ib, bInt, ok := toNumber(b); ok {
			if aInt && bInt {
				return ia == ib
			}
			return fa == fb
		}
		return false
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && seqEq(x, y)
	case tuple:
		y, ok := b.(tuple)
		return ok && seqEq(x, y)
	case map[string]any, *Dict:
		if !isDict(b) {
			return false
		}
		ka, _ := dictKeys(a)
		kb, _ := dictKeys(b)
		if len(ka) != len(kb) {
			return false
		}
		for _, k := range ka {
			va, _ := dictGet(a, k)
			vb, ok := dictGet(b, k)
			if !ok || !pyEq(va, vb) {
				return false
			}
		}
		return true
	case *Undefined:
		return false
	}
	return a == b
}

func seqEq(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !pyEq(a[i], b[i]) {
			return false
		}
	}
	return true
}

// pyCmp is Python's ordering; op names the operator for the error.
func pyCmp(a, b any, op string) (int, error) {
	if fa, ia, aInt, ok := toNumber(a); ok {
		if fb, ib, bInt, ok := toNumber(b); ok {
			if aInt && bInt {
				return cmpInt(ia, ib), nil
			}
			switch {
			case fa < fb:
				return -1, nil
			case fa > fb:
				return 1, nil
			}
			return 0, nil
		}
	}
	if u, ok := a.(*Undefined); ok {
		return 0, u.err()
	}
	if u, ok := b.(*Undefined); ok {
		return 0, u.err()
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return seqCmp(x, y, op)
		}
	case tuple:
		if y, ok := b.(tuple); ok {
			return seqCmp(x, y, op)
		}
	}
	return 0, typeErr("'%s' not supported between instances of '%s' and '%s'", op, pyTypeName(a), pyTypeName(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func seqCmp(a, b []any, op string) (int, error) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if pyEq(a[i], b[i]) {
			continue
		}
		return pyCmp(a[i], b[i], op)
	}
	return cmpInt(len(a), len(b)), nil
}

// plain converts evaluation values to the plain Go values the engine sees.
func plain(v any) any {
	switch x := v.(type) {
	case tuple:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case *Dict:
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			out[k] = plain(x.m[k])
		}
		keyorder.Record(out, x.keys)
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		keyorder.Record(out, keyorder.Keys(x))
		return out
	}
	return v
}
