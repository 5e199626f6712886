package modules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/ome/omeprov/template"
)

func init() {
	Register("debug", Spec{
		Params: map[string]Param{
			"msg":       {Type: "raw"},
			"var":       {Type: "raw"},
			"verbosity": {Type: "raw"},
		},
		RawParams: []string{"var"},
		Action:    true,
		CheckMode: true,
	}, ModuleFunc(runDebug))
}

// undefinedMsg is what debug shows for a var that is not defined.
const undefinedMsg = "VARIABLE IS NOT DEFINED!"

// isUndefined reports whether a templating error is about an undefined
// variable or attribute (Ansible's AnsibleUndefinedVariable).
func isUndefined(err error) bool {
	var te *template.UndefinedError
	if errors.As(err, &te) {
		return true
	}
	var u interface{ Undefined() bool }
	if errors.As(err, &u) {
		return u.Undefined()
	}
	return false
}

// undefinedVarError marks a debug var that names no variable.
type undefinedVarError struct{}

func (undefinedVarError) Error() string   { return "the var is not a variable name" }
func (undefinedVarError) Undefined() bool { return true }

// displayVerbosity is the -v count, read from the ansible_verbosity
// magic variable.
func displayVerbosity(t *Task) int {
	v, ok, err := t.Ctl.Var("ansible_verbosity")
	if err != nil || !ok {
		return 0
	}
	if i, err := toInt(v); err == nil {
		if n, ok := i.(int); ok {
			return n
		}
	}
	return 0
}

func runDebug(ctx context.Context, t *Task) (Result, error) {
	_, hasMsg := t.Args["msg"]
	varArg, hasVar := t.Args["var"]
	if hasMsg && hasVar {
		return Result{"failed": true, "msg": "'msg' and 'var' are incompatible options"}, nil
	}
	verbosity := 0
	if v, ok := t.Args["verbosity"]; ok && v != nil {
		n, err := pyIntCall(v)
		if err != nil {
			return Result{"failed": true, "msg": "debug: verbosity: " + err.Error()}, nil
		}
		verbosity = n
	}
	shown := displayVerbosity(t)
	if verbosity > shown {
		return Result{"failed": false, "changed": false, "skipped": true, "skipped_reason": "Verbosity threshold not met."}, nil
	}
	r := Result{"failed": false, "changed": false, "_ansible_verbose_always": true}
	switch {
	case hasMsg:
		r["msg"] = t.Args["msg"]
	case hasVar:
		key := ""
		switch varArg.(type) {
		case []any:
			key = "<class 'list'>"
		case map[string]any:
			key = "<class 'dict'>"
		default:
			key = pyStr(varArg)
		}
		val, err := debugVar(t, varArg, shown)
		if err != nil {
			return Result{"failed": true, "msg": err.Error()}, nil
		}
		r[key] = val
	default:
		r["msg"] = "Hello world!"
	}
	return r, nil
}

// debugVar renders debug's var: an expression (or a template) evaluated
// with the task's variables; undefined gives Ansible's marker text.
func debugVar(t *Task, v any, verbosity int) (any, error) {
	var expr any = v
	if s, ok := v.(string); ok && !strings.Contains(s, "{{") && !strings.Contains(s, "{%") {
		expr = "{{ " + s + " }}"
	}
	out, err := t.Ctl.Template(expr)
	if err == nil {
		if _, isStr := v.(string); !isStr && reflect.DeepEqual(out, v) {
			// A list or dict that renders to itself names no variable.
			err = undefinedVarError{}
		}
	}
	if err != nil {
		if isUndefined(err) {
			msg := undefinedMsg
			if verbosity > 0 {
				msg += ": " + err.Error()
			}
			return msg, nil
		}
		return nil, err
	}
	return out, nil
}

// pyIntCall is Python's int(v): integers pass, floats are truncated,
// strings must hold an integer.
func pyIntCall(v any) (int, error) {
	switch x := v.(type) {
	case float64:
		if x != x || x > 9e18 || x < -9e18 {
			return 0, fmt.Errorf("cannot convert float %s to integer", pyFloat(x))
		}
		return int(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	i, err := toInt(v)
	if err != nil {
		if s, ok := v.(string); ok {
			return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
		}
		return 0, err
	}
	n, _ := i.(int)
	return n, nil
}
