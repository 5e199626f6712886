package modules_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestPauseSeconds(t *testing.T) {
	e, _ := modules.Lookup("pause")
	args, err := modules.Validate("pause", e.Spec, map[string]any{"seconds": "0"})
	require.NoError(t, err)
	start := time.Now()
	r, err := e.Module.Run(context.Background(), modtest.Task(modtest.New(), "pause", args))
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), time.Second, "at least one second, as Ansible")
	require.Equal(t, "Paused for 1.0 seconds", r["stdout"])
	require.Equal(t, 1, r["delta"])
	require.Equal(t, true, r["echo"])
	require.Equal(t, "", r["user_input"])
	require.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$`), r["start"])
}

func TestPausePromptWithoutTerminal(t *testing.T) {
	e, _ := modules.Lookup("pause")
	args, err := modules.Validate("pause", e.Spec, map[string]any{"prompt": "Continue?", "echo": "no"})
	require.NoError(t, err)
	r, err := e.Module.Run(context.Background(), modtest.Task(modtest.New(), "pause", args))
	require.NoError(t, err)
	require.Equal(t, "Paused for 0.0 minutes", r["stdout"])
	require.Equal(t, []string{"Not waiting for response to prompt as stdin is not interactive"}, r["warnings"])
	require.Equal(t, false, r["echo"])
}

func TestPauseErrors(t *testing.T) {
	e, _ := modules.Lookup("pause")
	_, err := modules.Validate("pause", e.Spec, map[string]any{"seconds": 1, "minutes": 1})
	require.EqualError(t, err, "parameters are mutually exclusive: minutes|seconds")
	args, err := modules.Validate("pause", e.Spec, map[string]any{"seconds": "abc"})
	require.NoError(t, err)
	r, err := e.Module.Run(context.Background(), modtest.Task(modtest.New(), "pause", args))
	require.NoError(t, err)
	require.Equal(t, "argument 'seconds' is of type <class 'str'> and we were unable to convert to int: invalid literal for int() with base 10: 'abc'", r["msg"])

	// A cancelled run stops waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	args, _ = modules.Validate("pause", e.Spec, map[string]any{"minutes": 5})
	start := time.Now()
	_, err = e.Module.Run(ctx, modtest.Task(modtest.New(), "pause", args))
	require.Error(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
}
