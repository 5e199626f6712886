package modules

import (
	"context"
	"fmt"

	"github.com/ome/omeprov/connection"
)

func init() {
	Register("raw", Spec{
		Params: map[string]Param{
			"_raw_params": {Type: "str"},
			"executable":  {Type: "str"},
		},
		FreeForm:  "_raw_params",
		CheckMode: true, // the module itself reports skipped in check mode
	}, ModuleFunc(runRaw))
}

// rawLine is the line raw runs: the text as it is, or given to
// executable with -c as Ansible's _low_level_execute_command does (the
// executable is quoted as one word: it names a program).
func rawLine(args map[string]any) string {
	cmd, _ := args["_raw_params"].(string)
	if exe, _ := args["executable"].(string); exe != "" {
		return connection.Quote(exe) + " -c " + connection.Quote(cmd)
	}
	return cmd
}

// rawResult turns what came back into raw's result: the output is kept
// as it is (not stripped), with its lines.
func rawResult(res *connection.Result) Result {
	r := Result{"changed": true, "rc": res.ExitCode, "stdout": string(res.Stdout), "stderr": string(res.Stderr)}
	addLines(r)
	if res.ExitCode != 0 {
		r["failed"] = true
		r["msg"] = "non-zero return code"
	}
	return r
}

func runRaw(ctx context.Context, t *Task) (Result, error) {
	if t.Check {
		return Result{"skipped": true}, nil
	}
	var warnings []string
	if len(t.Env) > 0 {
		warnings = append(warnings, "raw module does not support the environment keyword")
	}
	// raw ignores the task's environment, as Ansible's does.
	res, err := t.Conn.Exec(ctx, rawLine(t.Args), &connection.ExecOptions{Become: t.Become})
	if err != nil {
		return nil, fmt.Errorf("raw: %w", err)
	}
	r := rawResult(res)
	if len(warnings) > 0 {
		r["warnings"] = warnings
	}
	return r, nil
}
