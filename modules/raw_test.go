package modules_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestRawRunsTextAsIs(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^echo \$HOME; ls \| wc -l$`, Stdout: "/root\n3\n"})
	task := modtest.Task(c, "raw", map[string]any{"_raw_params": "echo $HOME; ls | wc -l"})
	task.Env = map[string]string{"A": "1"}
	task.Become = &connection.Become{User: "root"}
	r, err := runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": true, "rc": 0, "stdout": "/root\n3\n", "stdout_lines": []string{"/root", "3"},
		"stderr": "", "stderr_lines": []string{}, "warnings": []string{"raw module does not support the environment keyword"}}, r)
	require.Nil(t, c.Calls[0].Env, "raw ignores the task's environment")
	require.Equal(t, "root", c.Calls[0].Become.User)
}

func TestRawExecutableQuoted(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`})
	_, err := runEntryT(modtest.Task(c, "raw", map[string]any{"_raw_params": "echo 'a'", "executable": "/bin/bash; rm -rf /"}))
	require.NoError(t, err)
	require.Equal(t, `'/bin/bash; rm -rf /' -c 'echo '"'"'a'"'"''`, c.Calls[0].Cmd)
}

func TestRawFailures(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`, Stderr: "boom\n", ExitCode: 7})
	r, err := runEntryT(modtest.Task(c, "raw", map[string]any{"_raw_params": "x"}))
	require.NoError(t, err)
	require.Equal(t, true, r["failed"])
	require.Equal(t, "non-zero return code", r["msg"])
	require.Equal(t, 7, r["rc"])

	c = modtest.New(&modtest.Reply{Match: `.`, Err: errors.New("lost")})
	_, err = runEntryT(modtest.Task(c, "raw", map[string]any{"_raw_params": "x"}))
	require.ErrorContains(t, err, "lost")
}
