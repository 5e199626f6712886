package modules

import (
	"context"
	"encoding/base64"
)

func init() {
	Register("slurp", Spec{
		Params: map[string]Param{
			"src": {Type: "path", Required: true, Aliases: []string{"path"}},
		},
		CheckMode: true,
	}, ModuleFunc(runSlurp))
}

// runSlurp reads a file from the host and returns it base64-encoded.
func runSlurp(ctx context.Context, t *Task) (Result, error) {
	src, _ := fileArgs(t.Args).str("src")
	if src == "" {
		return Failf("missing required arguments: src"), nil
	}
	f, err := fsStat(ctx, t, src)
	if err != nil {
		return nil, err
	}
	switch {
	case !f.Exists || f.Type == "link" && f.TargetType == "":
		return Failf("file not found: %s", src), nil
	case f.IsDir():
		return Failf("source is a directory and must be a file: %s", src), nil
	}
	data, err := fsRead(ctx, t, src)
	if err != nil {
		return Failf("file is not readable: %s", src), nil
	}
	return Result{
		"changed":  false,
		"content":  base64.StdEncoding.EncodeToString(data),
		"source":   src,
		"encoding": "base64",
	}, nil
}
