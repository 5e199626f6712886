package modules_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func runAptKey(t *testing.T, c *modtest.Conn, check bool, args map[string]any) modules.Result {
	t.Helper()
	e, ok := modules.Lookup("ansible.builtin.apt_key")
	require.True(t, ok)
	clean, err := modules.Validate("apt_key", e.Spec, args)
	require.NoError(t, err)
	task := modtest.Task(c, "apt_key", clean)
	task.Check = check
	res, err := e.Module.Run(t.Context(), task)
	require.NoError(t, err)
	return res
}

func TestAptKeyUnit(t *testing.T) {
	list := recorded(t, "apt/apt-key-list.txt")
	colons := recorded(t, "apt/gpg-with-colons.txt")
	tools := &modtest.Reply{Match: `^for b in apt-key gpg`}

	// The key from a file is listed already: nothing to do.
	c := modtest.New(tools, &modtest.Reply{Match: `^gpg --with-colons /tmp/test.asc$`, Stdout: colons},
		&modtest.Reply{Match: `^apt-key adv --list-public-keys --keyid-format=long$`, Stdout: list})
	res := runAptKey(t, c, false, map[string]any{"file": "/tmp/test.asc"})
	require.False(t, res.Failed(), "%v", res)
	require.False(t, res.Changed())
	require.Equal(t, "11A43FD9EF6622B2", res["id"])
	require.Equal(t, "EF6622B2", res["short_id"])
	require.Equal(t, "11A43FD9EF6622B2", res["fp"])
	require.Contains(t, res["before"], "B7C5D7D6350947F8")
	require.Contains(t, res["before"], "6ED0E7B82643E131", "sub keys are listed too")

	// Absent by short id, in check mode: changed, nothing run.
	c = modtest.New(tools, &modtest.Reply{Match: `^apt-key --keyring '/etc/apt/trusted.gpg.d/x y.gpg' adv --list-public-keys`, Stdout: list})
	res = runAptKey(t, c, true, map[string]any{"id": "0xef6622b2", "state": "absent", "keyring": "/etc/apt/trusted.gpg.d/x y.gpg"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "apt-key --keyring '/etc/apt/trusted.gpg.d/x y.gpg' adv --list-public-keys --keyid-format=long", c.Commands()[1])
	require.Len(t, c.Commands(), 2)

	// data goes on standard input, never on the command line.
	c = modtest.New(tools, &modtest.Reply{Match: `^gpg --with-colons -$`, Stdout: colons},
		&modtest.Reply{Match: `^apt-key adv --list-public-keys`, Stdout: "", Times: 1},
		&modtest.Reply{Match: `^apt-key add -$`, Stdout: "OK\n"},
		&modtest.Reply{Match: `^apt-key adv --list-public-keys`, Stdout: list})
	res = runAptKey(t, c, false, map[string]any{"data": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n'; reboot\n"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{}, res["before"])
	require.Contains(t, res["after"], "11A43FD9EF6622B2")
	require.Contains(t, c.Calls[3].Stdin, "'; reboot")

	for _, tc := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"id": "xyz"}, "Invalid key_id"},
		{map[string]any{"id": "1234567"}, "Invalid key_id"},
		{map[string]any{"keyserver": "hkp://keyserver.ubuntu.com"}, "Missing key_id, required with keyserver."},
		{map[string]any{"id": "DEADBEEF"}, "No key to add ... how did i get here?!?!"},
	} {
		c = modtest.New(tools, &modtest.Reply{Match: `^apt-key adv --list-public-keys`, Stdout: list})
		res = runAptKey(t, c, false, tc.args)
		require.True(t, res.Failed(), "%v", tc.args)
		require.Equal(t, tc.msg, res["msg"], "%v", tc.args)
	}
	c = modtest.New(&modtest.Reply{Match: `^for b in apt-key gpg`, Stdout: "Failed to find required executable \"apt-key\" in paths: /usr/bin:/bin\n", ExitCode: 1})
	res = runAptKey(t, c, false, map[string]any{"id": "DEADBEEF"})
	require.Equal(t, `Failed to find required executable "apt-key" in paths: /usr/bin:/bin`, res["msg"])
	require.True(t, strings.HasPrefix(c.Commands()[0], "for b in apt-key gpg"))
}
