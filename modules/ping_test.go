package modules_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestPing(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^echo pong$`, Stdout: "pong\n"})
	r, err := runEntryT(modtest.Task(c, "ping", map[string]any{"data": "pong"}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "ping": "pong"}, r)

	r, err = runEntryT(modtest.Task(c, "ping", map[string]any{"data": "crash"}))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Equal(t, "MODULE FAILURE\nSee stdout/stderr for the exact error", r["msg"])

	c = modtest.New(&modtest.Reply{Match: `.`, Stdout: "garbage"})
	r, err = runEntryT(modtest.Task(c, "ping", map[string]any{}))
	require.NoError(t, err)
	require.True(t, r.Failed())

	c = modtest.New(&modtest.Reply{Match: `.`, Err: errors.New("connection refused")})
	_, err = runEntryT(modtest.Task(c, "ping", map[string]any{}))
	require.ErrorContains(t, err, "connection refused")
}
