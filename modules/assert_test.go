package modules_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
	"github.com/ome/omeprov/template"
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

// templarCtl is a Controller backed by the project's real templar, with
// vars as the task's variables.
type templarCtl struct {
	modtest.Controller
	t    *template.Templar
	vars map[string]any
}

func (c *templarCtl) Template(v any) (any, error) { return c.t.Template(v, c.vars, nil) }
func (c *templarCtl) Conditional(expr string) (bool, error) {
	return c.t.Conditional(expr, c.vars, nil)
}
func (c *templarCtl) Var(name string) (any, bool, error) {
	v, ok := c.vars[name]
	return v, ok, nil
}

// TestAssertAndDebugMatchAnsible evaluates the same assertions and debug
// vars with ansible-playbook and with omeprov's modules on the project's
// templar, and compares the results.
func TestAssertAndDebugMatchAnsible(t *testing.T) {
	vars := map[string]any{
		"x": 5, "name": "omero", "items": []any{1, 2, 3}, "cfg": map[string]any{"port": 4064, "on": true},
		"empty": "", "ansible_verbosity": 0,
	}
	calls := []ansibleCallT{
		{"assert", map[string]any{"that": []any{"x == 5", "name.startswith('om')", "items | length == 3"}}, false},
		{"assert", map[string]any{"that": []any{"x == 5", "cfg.port > 5000", "x > 1"}, "fail_msg": "port too low"}, false},
		{"assert", map[string]any{"that": "cfg.on", "success_msg": "on", "quiet": true}, false},
		{"assert", map[string]any{"that": []any{"empty | length == 0", "missing is defined"}, "msg": []any{"a", "b"}}, false},
		{"assert", map[string]any{"that": "x in items"}, false},
		{"debug", map[string]any{"var": "x"}, false},
		{"debug", map[string]any{"var": "cfg.port"}, false},
		{"debug", map[string]any{"var": "items | sum"}, false},
		{"debug", map[string]any{"var": "nope"}, false},
		{"debug", map[string]any{"var": "cfg.nope"}, false},
		{"debug", map[string]any{"var": "name ~ '-' ~ x"}, false},
		{"debug", map[string]any{"var": "x", "verbosity": 1}, false},
	}
	// The play defines the same variables.
	want := ansibleResultsVarsT(t, calls, vars)
	ctl := &templarCtl{t: template.New(template.Options{}), vars: vars}
	for i, c := range calls {
		e, ok := modules.Lookup(c.Module)
		require.True(t, ok)
		args, err := modules.Validate(c.Module, e.Spec, c.Args.(map[string]any))
		require.NoError(t, err)
		task := modtest.Task(modtest.New(), c.Module, args)
		task.Ctl = ctl
		got, err := e.Module.Run(context.Background(), task)
		require.NoError(t, err)
		require.Equal(t, normalizeT(t, want[i]), normalizeT(t, got), "call %d: %v", i, c.Args)
	}
}
