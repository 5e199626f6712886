package modules

import "context"

func init() {
	Register("fail", Spec{
		Params:    map[string]Param{"msg": {Type: "raw"}},
		Action:    true,
		CheckMode: true,
	}, ModuleFunc(func(ctx context.Context, t *Task) (Result, error) {
		return failActionResult(t.Args), nil
	}))
}

// failActionResult is the fail action's result: always failed, with msg or
// Ansible's default message.
func failActionResult(args map[string]any) Result {
	var msg any = "Failed as requested from task"
	if m, ok := args["msg"]; ok {
		msg = m
	}
	return Result{"failed": true, "changed": false, "msg": msg}
}
