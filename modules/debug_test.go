package modules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
	"github.com/ome/omeprov/template"
)

// varTemplater renders "{{ name }}" from vars, and fails on unknown
// names the way the engine's templar reports undefined variables.
func varTemplater(vars map[string]any) func(v any) (any, error) {
	return func(v any) (any, error) {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "{{") {
			return v, nil
		}
		name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{{"), "}}"))
		if name == "boom(" {
			return nil, fmt.Errorf("template error while templating string: unexpected end of template")
		}
		val, ok := vars[name]
		if !ok {
			return nil, &template.UndefinedError{Msg: fmt.Sprintf("'%s' is undefined", name)}
		}
		return val, nil
	}
}

func debugTask(args map[string]any, vars map[string]any) *modules.Task {
	task := modtest.Task(modtest.New(), "debug", args)
	task.Ctl = &modtest.Controller{VarMap: vars, Template_: varTemplater(vars)}
	return task
}

func TestDebugVar(t *testing.T) {
	vars := map[string]any{"x": 5, "ansible_verbosity": 0}
	r, err := runEntryT(debugTask(map[string]any{"var": "x"}, vars))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"x": 5, "failed": false, "changed": false, "_ansible_verbose_always": true}, r)

	r, err = runEntryT(debugTask(map[string]any{"var": "nope"}, vars))
	require.NoError(t, err)
	require.Equal(t, "VARIABLE IS NOT DEFINED!", r["nope"])

	vars["ansible_verbosity"] = 1
	r, err = runEntryT(debugTask(map[string]any{"var": "nope"}, vars))
	require.NoError(t, err)
	require.Equal(t, "VARIABLE IS NOT DEFINED!: 'nope' is undefined", r["nope"])

	r, err = runEntryT(debugTask(map[string]any{"var": "boom("}, vars))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "template error")
}

func TestDebugMsgAndVerbosity(t *testing.T) {
	vars := map[string]any{"ansible_verbosity": 1}
	r, err := runEntryT(debugTask(map[string]any{"msg": "hi", "verbosity": "1"}, vars))
	require.NoError(t, err)
	require.Equal(t, "hi", r["msg"])
	r, err = runEntryT(debugTask(map[string]any{"msg": "hi", "verbosity": 2}, vars))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"failed": false, "changed": false, "skipped": true, "skipped_reason": "Verbosity threshold not met."}, r)
	r, err = runEntryT(debugTask(map[string]any{"msg": "hi", "verbosity": "lots"}, vars))
	require.NoError(t, err)
	require.True(t, r.Failed())
	r, err = runEntryT(debugTask(map[string]any{"msg": "hi", "var": "x"}, vars))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"failed": true, "msg": "'msg' and 'var' are incompatible options"}, r)
	r, err = runEntryT(debugTask(map[string]any{}, vars))
	require.NoError(t, err)
	require.Equal(t, "Hello world!", r["msg"])
}

func TestDebugValidation(t *testing.T) {
	e, ok := modules.Lookup("ansible.builtin.debug")
	require.True(t, ok)
	_, err := modules.Validate("debug", e.Spec, map[string]any{"mgs": "hi"})
	require.EqualError(t, err, "Invalid options for debug: mgs Did you mean 'msg'?")
	require.Equal(t, []string{"var"}, e.Spec.RawParams)
}

func TestDebugVarList(t *testing.T) {
	r, err := runEntryT(debugTask(map[string]any{"var": []any{"a", "b"}}, map[string]any{}))
	require.NoError(t, err)
	require.Equal(t, "VARIABLE IS NOT DEFINED!", r["<class 'list'>"])
}
