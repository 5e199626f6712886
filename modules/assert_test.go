package modules_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func assertTask(args map[string]any) *modules.Task {
	truth := map[string]bool{"x == 5": true, "y": true, "x > 10": false}
	task := modtest.Task(modtest.New(), "assert", args)
	task.Ctl = &modtest.Controller{
		Cond: func(expr string) (bool, error) {
			v, ok := truth[expr]
			if !ok {
				return false, fmt.Errorf("The conditional check '%s' failed. The error was: error while evaluating conditional (%s): 'z' is undefined", expr, expr)
			}
			return v, nil
		},
		Template_: func(v any) (any, error) {
			if v == "{{ checks }}" {
				return []any{"x == 5", "x > 10"}, nil
			}
			return v, nil
		},
	}
	return task
}

func TestAssert(t *testing.T) {
	r, err := runEntryT(assertTask(map[string]any{"that": []any{"x == 5", "y"}}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "msg": "All assertions passed", "_ansible_verbose_always": true}, r)

	r, err = runEntryT(assertTask(map[string]any{"that": []any{"x == 5", "x > 10", "z"}, "fail_msg": "too small", "msg": "ignored"}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "failed": true, "assertion": "x > 10", "evaluated_to": false,
		"msg": "too small", "_ansible_verbose_always": true}, r)

	r, err = runEntryT(assertTask(map[string]any{"that": "x == 5", "quiet": "yes", "success_msg": []any{"a", "b"}}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "msg": []any{"a", "b"}}, r)

	r, err = runEntryT(assertTask(map[string]any{"that": "{{ checks }}", "msg": "m"}))
	require.NoError(t, err)
	require.Equal(t, "x > 10", r["assertion"])
	require.Equal(t, "m", r["msg"])

	r, err = runEntryT(assertTask(map[string]any{"that": "z"}))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "The conditional check 'z' failed")

	r, err = runEntryT(assertTask(map[string]any{"that": "x == 5", "fail_msg": 5}))
	require.NoError(t, err)
	require.Equal(t, "Incorrect type for fail_msg or msg, expected a string or list and got <class 'int'>", r["msg"])
	r, err = runEntryT(assertTask(map[string]any{"that": "x == 5", "success_msg": []any{"a", 1}}))
	require.NoError(t, err)
	require.Equal(t, "Type of one of the elements in success_msg list is not string type", r["msg"])
	r, err = runEntryT(assertTask(map[string]any{}))
	require.NoError(t, err)
	require.Equal(t, `conditional required in "that" string`, r["msg"])
	r, err = runEntryT(assertTask(map[string]any{"that": []any{true, false}}))
	require.NoError(t, err)
	require.Equal(t, false, r["assertion"])
}

func TestAssertValidation(t *testing.T) {
	e, _ := modules.Lookup("assert")
	_, err := modules.Validate("assert", e.Spec, map[string]any{"that": "x", "fail_mgs": "m"})
	require.EqualError(t, err, "Invalid options for assert: fail_mgs Did you mean 'fail_msg'?")
}
