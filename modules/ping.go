package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() {
	Register("ping", Spec{
		Params:    map[string]Param{"data": {Type: "str", Default: "pong"}},
		CheckMode: true,
	}, ModuleFunc(runPing))
}

// pingCommand is what ping runs on the host: it proves that a shell
// answers there.
const pingCommand = "echo pong"

// pingResult decides ping's result from its data and what the host said.
func pingResult(data string, stdout string) Result {
	if data == "crash" {
		// Ansible's ping raises an exception on purpose.
		return Result{"failed": true, "changed": false, "rc": 1,
			"msg":           "MODULE FAILURE\nSee stdout/stderr for the exact error",
			"module_stdout": "", "module_stderr": "Exception: boom\n"}
	}
	if strings.TrimSpace(stdout) != "pong" {
		return Result{"failed": true, "changed": false, "msg": fmt.Sprintf("ping: unexpected answer from the host: %q", stdout)}
	}
	return Result{"changed": false, "ping": data}
}

func runPing(ctx context.Context, t *Task) (Result, error) {
	data, _ := t.Args["data"].(string)
	if _, set := t.Args["data"]; !set || t.Args["data"] == nil {
		data = "pong"
	}
	res, err := t.Exec(ctx, pingCommand)
	if err != nil {
		return nil, fmt.Errorf("ping: %w", err)
	}
	if res.ExitCode != 0 {
		return Result{"failed": true, "changed": false, "rc": res.ExitCode,
			"msg": "ping: the host's shell failed", "stdout": string(res.Stdout), "stderr": string(res.Stderr)}, nil
	}
	return pingResult(data, string(res.Stdout)), nil
}
