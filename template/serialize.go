package template

import (
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
	case map[string]any, *Dict:
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
	e := newYAMLEmitter(2, "auto")
	if i, ok := kw["indent"].(int); ok && i > 1 && i < 10 {
		e.best = i
	}
	if w, ok := kw["width"].(int); ok {
		e.width = w
	}
	if f, ok := kw["default_flow_style"]; ok {
		if b, ok := f.(bool); ok {
			if b {
				e.flow = "flow"
			} else {
				e.flow = "block"
			}
		}
	}
	return e.doc(v)
}

func fToNiceYAML(s *state, v any, args []any, kw map[string]any) (any, error) {
	e := newYAMLEmitter(4, "block")
	if i, ok := argN(args, kw, 0, "indent"); ok {
		if n, ok := i.(int); ok && n > 1 && n < 10 {
			e.best = n
		}
	}
	if w, ok := kw["width"].(int); ok {
		e.width = w
	}
	return e.doc(v)
}

// yamlEmitter is a port of the parts of PyYAML's Emitter that yaml.dump
// uses for plain data (AnsibleDumper, allow_unicode=True, sort_keys=True).
type yamlEmitter struct {
	b         strings.Builder
	best      int    // best_indent
	width     int    // best_width
	flow      string // auto (default_flow_style=None), block or flow
	indent    int    // -1 is None
	indents   []int
	column    int
	ws        bool // whitespace
	indention bool
	flowLevel int
	simpleKey bool
}

func newYAMLEmitter(indent int, flow string) *yamlEmitter {
	return &yamlEmitter{best: indent, width: 80, flow: flow, indent: -1, ws: true, indention: true}
}

func (e *yamlEmitter) doc(v any) (string, error) {
	if err := checkDefined(v); err != nil {
		return "", err
	}
	if err := e.node(v, true, false, false, false, 0); err != nil {
		return "", err
	}
	e.writeIndent()
	return e.b.String(), nil
}

func (e *yamlEmitter) write(s string) {
	e.column += utf8.RuneCountInString(s)
	e.b.WriteString(s)
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	if e.indent < 0 {
		if flow {
			e.indent = e.best
		} else {
			e.indent = 0
		}
	} else if !indentless {
		e.indent += e.best
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *yamlEmitter) writeIndicator(ind string, needWS, ws, indention bool) {
	if e.ws || !needWS {
		e.write(ind)
	} else {
		e.write(" " + ind)
	}
	e.ws = ws
	e.indention = e.indention && indention
}

func (e *yamlEmitter) writeIndent() {
	indent := e.indent
	if indent < 0 {
		indent = 0
	}
	if !e.indention || e.column > indent || (e.column == indent && !e.ws) {
		e.writeLineBreak()
	}
	if e.column < indent {
		e.ws = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *yamlEmitter) writeLineBreak() { e.writeBreak('\n') }

// writeBreak writes a line break character (PyYAML keeps \u2028 and friends).
func (e *yamlEmitter) writeBreak(r rune) {
	e.ws, e.indention = true, true
	e.b.WriteRune(r)
	e.column = 0
}

// flowStyle says whether a collection is written in flow style.
func (e *yamlEmitter) flowStyle(v any) bool {
	if isEmptyColl(v) || e.flow == "flow" {
		return true
	}
	return e.flow == "auto" && allScalars(v)
}

func (e *yamlEmitter) node(v any, root, inSeq, inMap, simpleKey bool, depth int) error {
	if depth > 200 {
		return valueErr("YAML nesting too deep")
	}
	e.simpleKey = simpleKey
	if items, ok := seqItems(v); ok {
		if e.flowLevel > 0 || e.flowStyle(v) {
			e.writeIndicator("[", true, true, false)
			e.flowLevel++
			e.increaseIndent(true, false)
			for i, it := range items {
				if i > 0 {
					e.writeIndicator(",", false, false, false)
				}
				if e.column > e.width {
					e.writeIndent()
				}
				if err := e.node(it, false, true, false, false, depth+1); err != nil {
					return err
				}
			}
			e.popIndent()
			e.flowLevel--
			e.writeIndicator("]", false, false, false)
			return nil
		}
		indentless := inMap && !e.indention
		e.increaseIndent(false, indentless)
		for _, it := range items {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			if err := e.node(it, false, true, false, false, depth+1); err != nil {
				return err
			}
		}
		e.popIndent()
		return nil
	}
	if isDict(v) {
		keys := sortedDictKeys(v)
		if e.flowLevel > 0 || e.flowStyle(v) {
			e.writeIndicator("{", true, true, false)
			e.flowLevel++
			e.increaseIndent(true, false)
			for i, k := range keys {
				if i > 0 {
					e.writeIndicator(",", false, false, false)
				}
				if e.column > e.width {
					e.writeIndent()
				}
				if err := e.key(k, depth); err != nil {
					return err
				}
				x, _ := dictGet(v, k)
				if err := e.node(x, false, false, true, false, depth+1); err != nil {
					return err
				}
			}
			e.popIndent()
			e.flowLevel--
			e.writeIndicator("}", false, false, false)
			return nil
		}
		e.increaseIndent(false, false)
		for _, k := range keys {
			e.writeIndent()
			if err := e.key(k, depth); err != nil {
				return err
			}
			x, _ := dictGet(v, k)
			if err := e.node(x, false, false, true, false, depth+1); err != nil {
				return err
			}
		}
		e.popIndent()
		return nil
	}
	e.increaseIndent(true, false)
	e.scalar(v)
	e.popIndent()
	return nil
}

func (e *yamlEmitter) key(k string, depth int) error {
	a := analyzeScalar(k)
	if len([]rune(k)) < 128 && !a.empty && !a.multiline || k == "" {
		e.simpleKey = true
		e.increaseIndent(true, false)
		e.scalarStr(k, a, true)
		e.popIndent()
		e.simpleKey = false
		e.writeIndicator(":", false, false, false)
		return nil
	}
	e.writeIndicator("?", true, false, true)
	e.increaseIndent(true, false)
	e.scalarStr(k, a, false)
	e.popIndent()
	e.writeIndicator(":", true, false, true)
	return nil
}

func (e *yamlEmitter) scalar(v any) {
	if s, ok := v.(string); ok {
		e.scalarStr(s, analyzeScalar(s), e.simpleKey)
		return
	}
	// Non-strings are always plain.
	e.writePlain(yamlScalar(v), true)
}

func (e *yamlEmitter) scalarStr(s string, a scalarAnalysis, simpleKey bool) {
	implicit := !yamlSpecialRe.MatchString(s) && s != ""
	split := !simpleKey
	if implicit && !(simpleKey && (a.empty || a.multiline)) &&
		(e.flowLevel > 0 && a.allowFlowPlain || e.flowLevel == 0 && a.allowBlockPlain) {
		e.writePlain(s, split)
		return
	}
	if a.allowSingle && !(simpleKey && a.multiline) {
		e.writeSingleQuoted(s, split)
		return
	}
	e.writeDoubleQuoted(s, split)
}

func isBreak(r rune) bool { return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029 }

func (e *yamlEmitter) writePlain(text string, split bool) {
	if text == "" {
		return
	}
	if !e.ws {
		e.write(" ")
	}
	e.ws, e.indention = false, false
	t := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(t); end++ {
		var ch rune = -1
		if end < len(t) {
			ch = t[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > e.width && split {
					e.writeIndent()
					e.ws, e.indention = false, false
				} else {
					e.write(string(t[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isBreak(ch) {
				if t[start] == '\n' {
					e.writeLineBreak()
				}
				for _, br := range t[start:end] {
					e.writeBreak(br)
				}
				e.writeIndent()
				e.ws, e.indention = false, false
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) {
				e.write(string(t[start:end]))
				start = end
			}
		}
		if ch != -1 {
			spaces, breaks = ch == ' ', isBreak(ch)
		}
	}
}

func (e *yamlEmitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	t := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(t); end++ {
		var ch rune = -1
		if end < len(t) {
			ch = t[end]
		}
		switch {
		case spaces:
			if ch == -1 || ch != ' ' {
				if start+1 == end && e.column > e.width && split && start != 0 && end != len(t) {
					e.writeIndent()
				} else {
					e.write(string(t[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isBreak(ch) {
				if t[start] == '\n' {
					e.writeLineBreak()
				}
				for _, br := range t[start:end] {
					e.writeBreak(br)
				}
				e.writeIndent()
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(t[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces, breaks = ch == ' ', isBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}

func (e *yamlEmitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	t := []rune(text)
	start := 0
	for end := 0; end <= len(t); end++ {
		var ch rune = -1
		if end < len(t) {
			ch = t[end]
		}
		if ch == -1 || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xFEFF ||
			!(ch >= 0x20 && ch <= 0x7E || (ch >= 0xA0 && ch <= 0xD7FF || ch >= 0xE000 && ch <= 0xFFFD)) {
			if start < end {
				e.write(string(t[start:end]))
				start = end
			}
			if ch != -1 {
				var data string
				if r, ok := yamlEscapes[ch]; ok {
					data = "\\" + r
				} else if ch <= 0xFF {
					data = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xFFFF {
					data = fmt.Sprintf("\\u%04X", ch)
				} else {
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(t)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > e.width && split {
			data := string(t[start:end]) + "\\"
			if start < end {
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.ws, e.indention = false, false
			if t[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}

type scalarAnalysis struct {
	empty, multiline                bool
	allowFlowPlain, allowBlockPlain bool
	allowSingle                     bool
}

func isYAMLSpace(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// analyzeScalar is PyYAML's Emitter.analyze_scalar with allow_unicode.
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowBlockPlain: true, allowSingle: true}
	}
	t := []rune(s)
	var blockInd, flowInd, lineBreaks, special, leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd, flowInd = true, true
	}
	preceded := true
	followed := len(t) == 1 || isYAMLSpace(t[1])
	prevSpace, prevBreak := false, false
	for i, ch := range t {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '-' && followed {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '#' && preceded {
				flowInd, blockInd = true, true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || ch >= 0x20 && ch <= 0x7E) {
			if !((ch == 0x85 || ch >= 0xA0 && ch <= 0xD7FF || ch >= 0xE000 && ch <= 0xFFFD || ch >= 0x10000 && ch < 0x10FFFF) && ch != 0xFEFF) {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadSpace = true
			}
			if i == len(t)-1 {
				trailSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak(ch):
			if i == 0 {
				leadBreak = true
			}
			if i == len(t)-1 {
				trailBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isYAMLSpace(ch)
		followed = i+2 >= len(t) || isYAMLSpace(t[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowFlowPlain: true, allowBlockPlain: true, allowSingle: true}
	if leadSpace || leadBreak || trailSpace || trailBreak {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingle = false, false, false
	}
	if spaceBreak || special {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingle = false, false, false
	}
	if lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if flowInd {
		a.allowFlowPlain = false
	}
	if blockInd {
		a.allowBlockPlain = false
	}
	return a
}

func isScalar(v any) bool {
	switch v.(type) {
	case []any, tuple, map[string]any, *Dict, LazyMap:
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

var (
	yamlSpecialRe = regexp.MustCompile(`^(?:~|null|Null|NULL|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|<<|=|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*)$`)
)

// yamlScalar formats a non-string scalar as PyYAML would.
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
		s := strings.ToLower(pyFloat(x))
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return s
	case string:
		return x
	}
	return pyRepr(v)
}
