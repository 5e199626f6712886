package modules_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestSetFact(t *testing.T) {
	r, err := runEntryT(modtest.Task(modtest.New(), "set_fact", map[string]any{"a": "Yes", "b": "off", "c": []any{1}, "cacheable": "yes"}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "_ansible_facts_cacheable": true,
		"ansible_facts": map[string]any{"a": true, "b": "off", "c": []any{1}}}, r)

	r, err = runEntryT(modtest.Task(modtest.New(), "set_fact", map[string]any{"cacheable": false}))
	require.NoError(t, err)
	require.Equal(t, "No key/value pairs provided, at least one is required for this action to succeed", r["msg"])

	r, err = runEntryT(modtest.Task(modtest.New(), "set_fact", map[string]any{"a-b": 1}))
	require.NoError(t, err)
	require.Contains(t, r["msg"], "The variable name 'a-b' is not valid.")

	r, err = runEntryT(modtest.Task(modtest.New(), "set_fact", map[string]any{"a": 1, "cacheable": "maybe"}))
	require.NoError(t, err)
	require.True(t, r.Failed())

	// A templated key is rendered.
	task := modtest.Task(modtest.New(), "set_fact", map[string]any{"{{ n }}": 1})
	task.Ctl = &modtest.Controller{Template_: func(v any) (any, error) { return "named", nil }}
	r, err = runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"named": 1}, r["ansible_facts"])

	e, _ := modules.Lookup("set_fact")
	args, err := modules.Validate("set_fact", e.Spec, map[string]any{"anything": 1, "école": 2})
	require.NoError(t, err)
	require.Len(t, args, 2)
}
