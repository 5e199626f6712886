package modules_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func TestShellLine(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`, Stdout: "x\n\n"})
	e, _ := modules.Lookup("ansible.builtin.shell")
	args, err := modules.Validate("shell", e.Spec, map[string]any{"_raw_params": "echo $HOME > /tmp/o; cat /tmp/o", "stdin": "in"})
	require.NoError(t, err)
	task := modtest.Task(c, "shell", args)
	task.Env = map[string]string{"LANG": "C"}
	r, err := runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, `exec /bin/sh -c 'echo $HOME > /tmp/o; cat /tmp/o'`, c.Calls[0].Cmd)
	require.Equal(t, "in\n", c.Calls[0].Stdin)
	require.Equal(t, map[string]string{"LANG": "C"}, c.Calls[0].Env)
	require.Equal(t, "x", r["stdout"], "trailing newlines are stripped")
	require.Equal(t, "echo $HOME > /tmp/o; cat /tmp/o", r["cmd"])
}

func TestShellArgvIsQuoted(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`})
	_, err := runEntryT(modtest.Task(c, "shell", map[string]any{"argv": []any{"echo", "a; rm -rf /"}, "chdir": "~/my dir"}))
	require.Error(t, err, "chdir probe is not scripted")
	c = modtest.New(&modtest.Reply{Match: `omeprov_exists`, Stdout: "chdir=ok\n"}, &modtest.Reply{Match: `.`})
	_, err = runEntryT(modtest.Task(c, "shell", map[string]any{"argv": []any{"echo", "a; rm -rf /"}, "chdir": "~/my dir"}))
	require.NoError(t, err)
	require.Equal(t, `cd ~/'my dir' && exec /bin/sh -c 'echo '"'"'a; rm -rf /'"'"''`, c.Calls[1].Cmd)
}
