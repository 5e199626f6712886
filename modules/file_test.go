package modules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStrftimeParse(t *testing.T) {
	ts, err := strftimeParse("%Y%m%d%H%M.%S", "202401021504.05")
	require.NoError(t, err)
	require.Equal(t, time.Date(2024, 1, 2, 15, 4, 5, 0, time.Local), ts)
	_, err = strftimeParse("%Y-%j", "2024-100")
	require.Error(t, err, "unsupported directive")
	_, err = strftimeParse("%Y%m%d", "nonsense")
	require.Error(t, err)
}

func TestFileDiffShape(t *testing.T) {
	d := newFileDiff("/p", "directory", "absent")
	require.Equal(t, map[string]any{"path": "/p", "state": "absent"}, d.before)
	require.Equal(t, map[string]any{"path": "/p", "state": "directory"}, d.after)
	d = newFileDiff("/p", "file", "file")
	require.Equal(t, map[string]any{"path": "/p"}, d.before)
}

func TestFileModuleDecisions(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{"/f": "x", "/d/": ""})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runFile(ctx, &Task{Module: "file", Conn: host, Check: check, Diff: true, Args: args})
		require.NoError(t, err)
		return res
	}
	for _, tc := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"path": "/none", "state": "file"}, "file (/none) is absent, cannot continue"},
		{map[string]any{"path": "/f", "state": "directory"}, "/f already exists as a file"},
		{map[string]any{"path": "/f", "recurse": true}, "recurse option requires state to be 'directory'"},
		{map[string]any{"path": "/f", "src": "/d", "state": "file"}, "src option requires state to be 'link' or 'hard'"},
		{map[string]any{"path": "/f", "state": "bogus"}, "value of state must be one of: absent, directory, file, hard, link, touch, got: bogus"},
		{map[string]any{"path": "/new", "state": "hard"}, "src is required for creating new hardlinks"},
		{map[string]any{"path": "/f", "mode": "u+q"}, "mode must be in octal or symbolic form"},
		{map[string]any{"path": "/f", "mode": "077777"}, "Invalid mode supplied, only permission info is allowed"},
		{map[string]any{}, "missing required arguments: path"},
	} {
		res := run(false, tc.args)
		require.True(t, res.Failed(), "%v: %v", tc.args, res)
		require.Equal(t, tc.msg, res["msg"], "%v", tc.args)
	}
	res := run(false, map[string]any{"path": "/none", "state": "absent"})
	require.False(t, res.Changed())
	require.Equal(t, "absent", res["state"])

	// check mode: reports, runs nothing that changes the host
	res = run(true, map[string]any{"path": "/f", "state": "absent"})
	require.True(t, res.Changed())
	res = run(true, map[string]any{"path": "/f", "mode": "0600"})
	require.True(t, res.Changed())
	require.Equal(t, Diff{Before: "{\n    \"mode\": \"0644\",\n    \"path\": \"/f\"\n}\n", After: "{\n    \"mode\": \"0600\",\n    \"path\": \"/f\"\n}\n"}, res["diff"])
	res = run(true, map[string]any{"path": "/new/dir", "state": "directory"})
	require.True(t, res.Changed())
	res = run(true, map[string]any{"path": "/t", "state": "touch"})
	require.True(t, res.Changed())
	for _, c := range host.cmds {
		for _, w := range []string{"rm ", "chmod ", "mkdir ", "touch ", "ln "} {
			require.False(t, strings.HasPrefix(c, w), "check mode ran %s", c)
		}
	}
}

func TestUnsupportedAttributesWarn(t *testing.T) {
	e, ok := Lookup("file")
	require.True(t, ok)
	host := newFSFakeHost(map[string]string{"/f": "x"})
	res, err := e.Module.Run(context.Background(), &Task{Module: "file", Conn: host, Args: map[string]any{"path": "/f", "attributes": "+i", "setype": "etc_t", "seuser": nil}})
	require.NoError(t, err)
	require.False(t, res.Failed(), "%v", res)
	require.Equal(t, []string{"omeprov does not set attributes yet: attributes=+i was ignored", "omeprov does not set setype yet: setype=etc_t was ignored"}, res["warnings"])
	for _, name := range []string{"file", "copy", "template", "lineinfile", "blockinfile", "replace", "ini_file", "slurp", "find", "fetch", "tempfile"} {
		_, ok := Lookup("ansible.builtin." + name)
		require.True(t, ok, name)
	}
}
