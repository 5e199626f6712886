package modules_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestFail(t *testing.T) {
	r, err := runEntryT(modtest.Task(modtest.New(), "fail", map[string]any{}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"failed": true, "changed": false, "msg": "Failed as requested from task"}, r)
	r, err = runEntryT(modtest.Task(modtest.New(), "fail", map[string]any{"msg": map[string]any{"a": 1}}))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": 1}, r["msg"])
	e, _ := modules.Lookup("fail")
	_, err = modules.Validate("fail", e.Spec, map[string]any{"message": "x"})
	require.EqualError(t, err, "Invalid options for fail: message Did you mean 'msg'?")
}
