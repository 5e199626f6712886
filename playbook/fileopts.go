package playbook

import (
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
