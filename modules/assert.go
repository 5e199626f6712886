package modules

import (
	"context"
	"fmt"
	"strings"
)

func init() {
	Register("assert", Spec{
		Params: map[string]Param{
			"that":        {Type: "raw"},
			"fail_msg":    {Type: "raw"},
			"msg":         {Type: "raw"},
			"success_msg": {Type: "raw"},
			"quiet":       {Type: "raw"},
		},
		RawParams: []string{"that"},
		Action:    true,
		CheckMode: true,
	}, ModuleFunc(runAssert))
}

// assertMessage checks a fail_msg/msg/success_msg value: a string or a
// list of strings.
func assertMessage(v any, def, what string) (any, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case string:
		return x, nil
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return nil, fmt.Errorf("Type of one of the elements in %s list is not string type", what)
			}
		}
		return x, nil
	}
	return nil, fmt.Errorf("Incorrect type for %s, expected a string or list and got %s", what, pyType(v))
}

func runAssert(ctx context.Context, t *Task) (Result, error) {
	fail := func(err error) (Result, error) {
		return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	thatArg, ok := t.Args["that"]
	if !ok {
		return fail(fmt.Errorf(`conditional required in "that" string`))
	}
	fm, ok := t.Args["fail_msg"]
	if !ok {
		fm = t.Args["msg"]
	}
	failMsg, err := assertMessage(fm, "Assertion failed", "fail_msg or msg")
	if err != nil {
		return fail(err)
	}
	successMsg, err := assertMessage(t.Args["success_msg"], "All assertions passed", "success_msg")
	if err != nil {
		return fail(err)
	}
	quiet := false
	if q, ok := t.Args["quiet"]; ok && q != nil {
		// boolean(strict=False): anything not a true word is false.
		b, err := ToBool(q)
		quiet = err == nil && b
	}
	thats, err := assertThats(t, thatArg)
	if err != nil {
		return fail(err)
	}
	r := Result{"changed": false}
	if !quiet {
		r["_ansible_verbose_always"] = true
	}
	for _, that := range thats {
		ok, err := evalThat(t, that)
		if err != nil {
			return fail(err)
		}
		if !ok {
			r["failed"] = true
			r["evaluated_to"] = false
			r["assertion"] = that
			r["msg"] = failMsg
			return r, nil
		}
	}
	r["msg"] = successMsg
	return r, nil
}

// assertThats lists the conditions of that: a string is templated first
// (it may name a list), a list is taken as it is.
func assertThats(t *Task, that any) ([]any, error) {
	if s, ok := that.(string); ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%")) {
		v, err := t.Ctl.Template(s)
		if err != nil {
			return nil, err
		}
		that = v
	}
	if l, ok := that.([]any); ok {
		return l, nil
	}
	return []any{that}, nil
}

// evalThat evaluates one condition as `when:` does.
func evalThat(t *Task, that any) (bool, error) {
	switch x := that.(type) {
	case bool:
		return x, nil
	case nil:
		return false, nil
	case string:
		return t.Ctl.Conditional(x)
	}
	return t.Ctl.Conditional(pyStr(that))
}
