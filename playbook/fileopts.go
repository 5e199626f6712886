package playbook

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ome/omeprov/template"
)

// fileOptions maps the template module's options to the templar's.
func fileOptions(opts map[string]any) template.FileOptions {
	var o template.FileOptions
	str := func(k string) string {
		if v, ok := opts[k]; ok && v != nil {
			return stringOf(v)
		}
		return ""
	}
	switch str("newline_sequence") {
	case `\r\n`, "\r\n":
		o.NewlineSequence = "\r\n"
	case `\r`, "\r":
		o.NewlineSequence = "\r"
	default:
		o.NewlineSequence = "\n"
	}
	o.BlockStartString = str("block_start_string")
	o.BlockEndString = str("block_end_string")
	o.VariableStartString = str("variable_start_string")
	o.VariableEndString = str("variable_end_string")
	o.CommentStartString = str("comment_start_string")
	o.CommentEndString = str("comment_end_string")
	if v, ok := opts["trim_blocks"]; ok && v != nil {
		b := truthy(v)
		o.TrimBlocks = &b
	}
	if v, ok := opts["lstrip_blocks"]; ok {
		o.LstripBlocks = truthy(v)
	}
	return o
}

// pyStr renders a value as Python's str() does (for item labels).
func pyStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil, bool, int, int64, float64:
		return stringOf(v)
	}
	return pyRepr(v)
}

func pyRepr(v any) string {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, "'") && !strings.Contains(v, `"`) {
			return `"` + strings.ReplaceAll(v, `\`, `\\`) + `"`
		}
		return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case nil, bool:
		return stringOf(v)
	}
	return fmt.Sprint(v)
}
