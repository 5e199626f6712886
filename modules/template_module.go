package modules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
)

func init() {
	Register("template", Spec{
		Params: fsCommonParams(map[string]Param{
			"src":                   {Type: "path"},
			"dest":                  {Type: "path"},
			"backup":                {Type: "bool", Default: false},
			"force":                 {Type: "bool", Default: true},
			"follow":                {Type: "bool", Default: false},
			"validate":              {Type: "str"},
			"newline_sequence":      {Type: "str", Default: "\n", Choices: []string{"\n", "\r", "\r\n", `\n`, `\r`, `\r\n`}},
			"trim_blocks":           {Type: "bool", Default: true},
			"lstrip_blocks":         {Type: "bool", Default: false},
			"block_start_string":    {Type: "str", Default: "{%"},
			"block_end_string":      {Type: "str", Default: "%}"},
			"variable_start_string": {Type: "str", Default: "{{"},
			"variable_end_string":   {Type: "str", Default: "}}"},
			"comment_start_string":  {Type: "str"},
			"comment_end_string":    {Type: "str"},
			"output_encoding":       {Type: "str", Default: "utf-8"},
		}),
		CheckMode: true,
	}, fsUnsupported(runTemplate))
}

// templateOptionNames are the parameters that tune the rendering; they
// are handed to Controller.RenderTemplate.
var templateOptionNames = []string{
	"newline_sequence", "trim_blocks", "lstrip_blocks", "block_start_string", "block_end_string",
	"variable_start_string", "variable_end_string", "comment_start_string", "comment_end_string", "output_encoding",
}

// templateOptions normalises the rendering options as the template action
// does: newline_sequence may be written escaped ("\\n").
func templateOptions(args map[string]any) (map[string]any, error) {
	opts := map[string]any{
		"newline_sequence": "\n", "trim_blocks": true, "lstrip_blocks": false, "output_encoding": "utf-8",
	}
	for _, k := range templateOptionNames {
		if v, ok := args[k]; ok && v != nil {
			opts[k] = v
		}
	}
	opts["trim_blocks"] = fileArgs(args).boolean("trim_blocks", true)
	opts["lstrip_blocks"] = fileArgs(args).boolean("lstrip_blocks", false)
	nl, _ := opts["newline_sequence"].(string)
	switch nl {
	case `\n`:
		nl = "\n"
	case `\r`:
		nl = "\r"
	case `\r\n`:
		nl = "\r\n"
	}
	if nl != "\n" && nl != "\r" && nl != "\r\n" {
		return nil, errors.New("newline_sequence needs to be one of: \n, \r or \r\n")
	}
	opts["newline_sequence"] = nl
	if enc, _ := opts["output_encoding"].(string); enc == "" {
		opts["output_encoding"] = "utf-8"
	}
	return opts, nil
}

func runTemplate(ctx context.Context, t *Task) (Result, error) {
	if _, ok := fileArgs(t.Args).str("state"); ok {
		return Failf("'state' cannot be specified on a template"), nil
	}
	src, okSrc := fileArgs(t.Args).str("src")
	dest, okDest := fileArgs(t.Args).str("dest")
	if !okSrc || !okDest || src == "" || dest == "" {
		return Failf("src and dest are required"), nil
	}
	opts, err := templateOptions(t.Args)
	if err != nil {
		return Failf("%v", err), nil
	}
	full, err := t.Ctl.FindFile("templates", src)
	if err != nil {
		return Failf(copyNotFound, src), nil
	}
	fi, err := os.Stat(full)
	if err != nil {
		return Failf(copyNotFound, src), nil
	}
	out, err := t.Ctl.RenderTemplate(full, opts)
	if err != nil {
		return Failf("%v", err), nil
	}
	args := copyArgsClone(t.Args)
	for _, k := range templateOptionNames {
		delete(args, k)
	}
	sub := *t
	sub.Args = args
	return copyFile(ctx, &sub, copySource{Data: []byte(out), Rel: filepath.Base(full), Path: full, Mode: fi.Mode(), Generated: true}, dest)
}
