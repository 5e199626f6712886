package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ome/omeprov/internal/yaml11"
)

// pyJSON is Python's json.dumps with ensure_ascii=True.
func pyJSON(b *strings.Builder, v any, indent int, sortKeys bool, level int) error {
	nl := func(l int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*l))
		}
	}
	itemSep := ", "
	if indent > 0 {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		case math.IsNaN(x):
			b.WriteString("NaN")
		default:
			b.WriteString(pyFloat(x))
		}
	case string:
		b.WriteString(jsonQuote(x))
	case []any, tuple:
		items, _ := seqItems(x)
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range items {
			if i > 0 {
				b.WriteString(itemSep)
			}
			nl(level + 1)
			if err := pyJSON(b, e, indent, sortKeys, level+1); err != nil {
				return err
			}
		}
		nl(level)
		b.WriteByte(']')
	case map[string]any, *odict:
		keys, _ := dictKeys(x)
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		if sortKeys {
			keys = append([]string{}, keys...)
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(itemSep)
			}
			nl(level + 1)
			b.WriteString(jsonQuote(k))
			b.WriteString(": ")
			e, _ := dictGet(x, k)
			if err := pyJSON(b, e, indent, sortKeys, level+1); err != nil {
				return err
			}
		}
		nl(level)
		b.WriteByte('}')
	case *Undefined:
		return x.err()
	default:
		return typeErr("Object of type %s is not JSON serializable", pyTypeName(v))
	}
	return nil
}

func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r > 0x7e && r <= 0xffff):
				fmt.Fprintf(&b, `\u%04x`, r)
			case r > 0xffff:
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func fToJSON(s *state, v any, args []any, kw map[string]any) (any, error) {
	indent := 0
	if i, ok := kw["indent"].(int); ok {
		indent = i
	}
	sortKeys := false
	if sk, ok := kw["sort_keys"]; ok {
		sortKeys, _ = truth(sk)
	}
	var b strings.Builder
	if err := pyJSON(&b, v, indent, sortKeys, 0); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func fToNiceJSON(s *state, v any, args []any, kw map[string]any) (any, error) {
	indent := 4
	if i, ok := argN(args, kw, 0, "indent"); ok {
		if n, ok := i.(int); ok {
			indent = n
		}
	}
	var b strings.Builder
	if err := pyJSON(&b, v, indent, true, 0); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// decodeJSON reads JSON keeping object key order and integer types.
func decodeJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > 500 {
		return nil, valueErr("JSON nested too deeply")
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '[':
			out := []any{}
			for dec.More() {
				e, err := decodeJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			_, err := dec.Token()
			return out, err
		case '{':
			d := newDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				e, err := decodeJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.set(k, e)
			}
			_, err := dec.Token()
			return d, err
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(i), nil
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f, nil
	}
	return t, nil
}

func fFromJSON(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(str))
	dec.UseNumber()
	out, err := decodeJSON(dec, 0)
	if err != nil {
		return nil, valueErr("Expecting value: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, valueErr("Extra data")
	}
	return out, nil
}

func fFromYAML(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, ok := v.(string)
	if !ok {
		if u, isU := v.(*Undefined); isU {
			return nil, u.err()
		}
		return v, nil
	}
	out, err := yaml11.Unmarshal([]byte(str), "<string>")
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	return out, nil
}

func fFromYAMLAll(s *state, v any, _ []any, _ map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	docs, err := yaml11.Parse([]byte(str), "<string>")
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	out := []any{}
	for _, d := range docs {
		x, err := yaml11.Value(d, "<string>")
		if err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		out = append(out, x)
	}
	return out, nil
}

func fToYAML(s *state, v any, args []any, kw map[string]any) (any, error) {
	indent := 2
	if i, ok := kw["indent"].(int); ok {
		indent = i
	}
	flow := "auto"
	if f, ok := kw["default_flow_style"]; ok {
		if b, ok := f.(bool); ok && !b {
			flow = "block"
		} else if ok && b {
			flow = "flow"
		}
	}
	e := &yamlEmitter{indent: indent, flow: flow}
	return e.doc(v)
}

func fToNiceYAML(s *state, v any, args []any, kw map[string]any) (any, error) {
	indent := 4
	if i, ok := argN(args, kw, 0, "indent"); ok {
		if n, ok := i.(int); ok {
			indent = n
		}
	}
	e := &yamlEmitter{indent: indent, flow: "block"}
	return e.doc(v)
}

// yamlEmitter writes YAML the way PyYAML's dump does for common data.
type yamlEmitter struct {
	indent int
	flow   string // auto (default_flow_style=None), block, flow
	b      bytes.Buffer
}

func (e *yamlEmitter) doc(v any) (string, error) {
	if err := checkDefined(v); err != nil {
		return "", err
	}
	if isScalar(v) {
		e.b.WriteString(yamlScalarIndent(v, e.indent) + "\n")
		return e.b.String(), nil
	}
	if e.flow == "flow" || (e.flow == "auto" && allScalars(v)) || isEmptyColl(v) {
		e.b.WriteString(yamlFlow(v) + "\n")
		return e.b.String(), nil
	}
	e.block(v, 0, false)
	return e.b.String(), nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isScalar(v any) bool {
	switch v.(type) {
	case []any, tuple, map[string]any, *odict:
		return false
	}
	return true
}

func isEmptyColl(v any) bool {
	if items, ok := seqItems(v); ok {
		return len(items) == 0
	}
	if keys, ok := dictKeys(v); ok {
		return len(keys) == 0
	}
	return false
}

func allScalars(v any) bool {
	if items, ok := seqItems(v); ok {
		for _, e := range items {
			if !isScalar(e) {
				return false
			}
		}
		return true
	}
	keys, _ := dictKeys(v)
	for _, k := range keys {
		e, _ := dictGet(v, k)
		if !isScalar(e) {
			return false
		}
	}
	return true
}

func sortedDictKeys(v any) []string {
	keys, _ := dictKeys(v)
	keys = append([]string{}, keys...)
	sort.Strings(keys)
	return keys
}

func yamlFlow(v any) string {
	if items, ok := seqItems(v); ok {
		parts := make([]string, len(items))
		for i, e := range items {
			parts[i] = yamlFlow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if isDict(v) {
		keys := sortedDictKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			e, _ := dictGet(v, k)
			parts[i] = yamlScalar(k) + ": " + yamlFlow(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return yamlScalar(v)
}

// block writes v in block style at the given indentation.
func (e *yamlEmitter) block(v any, ind int, inSeq bool) {
	pad := strings.Repeat(" ", ind)
	child := func(x any, ind2 int) bool {
		if isScalar(x) {
			e.b.WriteString(" " + yamlScalarIndent(x, ind2+e.indent) + "\n")
			return true
		}
		if isEmptyColl(x) || (e.flow == "auto" && allScalars(x)) {
			e.b.WriteString(" " + yamlFlow(x) + "\n")
			return true
		}
		return false
	}
	if items, ok := seqItems(v); ok {
		for i, x := range items {
			if i > 0 || !inSeq {
				e.b.WriteString(pad)
			}
			e.b.WriteString("-")
			if child(x, ind) {
				continue
			}
			e.b.WriteString(strings.Repeat(" ", e.indent-1))
			e.block(x, ind+e.indent, true)
		}
		return
	}
	for i, k := range sortedDictKeys(v) {
		if i > 0 || !inSeq {
			e.b.WriteString(pad)
		}
		e.b.WriteString(yamlScalar(k) + ":")
		x, _ := dictGet(v, k)
		if child(x, ind) {
			continue
		}
		e.b.WriteString("\n")
		if _, isSeq := seqItems(x); isSeq {
			e.block(x, ind, false)
		} else {
			e.block(x, ind+e.indent, false)
		}
	}
}

var (
	yamlSpecialRe = regexp.MustCompile(`^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:0|[1-9][0-9_]*)|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|<<|=)$`)
)

// yamlScalarIndent formats a scalar; multi-line strings are single-quoted
// with PyYAML's line folding at the given continuation indentation.
func yamlScalarIndent(v any, ind int) string {
	s, ok := v.(string)
	if !ok || !strings.Contains(s, "\n") || strings.ContainsAny(s, "\t\r") || strings.HasSuffix(s, "\n") || strings.HasPrefix(s, "\n") || strings.HasSuffix(s, " ") || strings.HasPrefix(s, " ") {
		return yamlScalar(v)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return yamlScalar(v)
		}
	}
	pad := strings.Repeat(" ", ind)
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, "'", "''"), "\n", "\n\n"+pad) + "'"
}

// yamlScalar formats a scalar as PyYAML would.
func yamlScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case float64:
		switch {
		case math.IsInf(x, 1):
			return ".inf"
		case math.IsInf(x, -1):
			return "-.inf"
		case math.IsNaN(x):
			return ".nan"
		}
		s := pyFloat(x)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case string:
		return yamlString(x)
	}
	return yamlString(pyRepr(v))
}

func yamlString(s string) string {
	if s == "" {
		return "''"
	}
	needDouble := false
	for _, r := range s {
		if r == '\n' || r == '\t' || r < 0x20 || r == 0x7f || r == utf8.RuneError {
			needDouble = true
			break
		}
	}
	if needDouble {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			switch r {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r < 0x20 || r == 0x7f {
					fmt.Fprintf(&b, `\x%02X`, r)
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	plain := !yamlSpecialRe.MatchString(s) &&
		!strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@` ") &&
		!strings.HasSuffix(s, " ") && !strings.HasSuffix(s, ":") &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #")
	if strings.HasPrefix(s, "-") && len(s) > 1 && s[1] != ' ' && !yamlSpecialRe.MatchString(s) {
		plain = !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, ":")
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
