package modules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemplateOptions(t *testing.T) {
	o, err := templateOptions(map[string]any{"newline_sequence": `\r\n`, "trim_blocks": "no", "variable_start_string": "[["})
	require.NoError(t, err)
	require.Equal(t, "\r\n", o["newline_sequence"])
	require.Equal(t, false, o["trim_blocks"])
	require.Equal(t, false, o["lstrip_blocks"])
	require.Equal(t, "[[", o["variable_start_string"])
	require.Equal(t, "utf-8", o["output_encoding"])
	o, err = templateOptions(map[string]any{"trim_blocks": nil, "newline_sequence": nil})
	require.NoError(t, err)
	require.Equal(t, true, o["trim_blocks"], "Ansible's default")
	require.Equal(t, "\n", o["newline_sequence"])
	_, err = templateOptions(map[string]any{"newline_sequence": "x"})
	require.EqualError(t, err, "newline_sequence needs to be one of: \n, \r or \r\n")
}

func TestTemplateRendersAndCopies(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.j2"), []byte("{{ x }}\n"), 0o640))
	var gotOpts map[string]any
	ctl := fsFakeCtl{dir: dir, render: func(path string, opts map[string]any) (string, error) {
		require.Equal(t, filepath.Join(dir, "t.j2"), path)
		gotOpts = opts
		return "rendered\n", nil
	}}
	host := newFSFakeHost(map[string]string{"/etc/": ""})
	res, err := runTemplate(context.Background(), &Task{Module: "template", Conn: host, Ctl: ctl, Diff: true,
		Args: map[string]any{"src": "t.j2", "dest": "/etc/", "lstrip_blocks": true, "mode": "preserve"}})
	require.NoError(t, err)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "rendered\n", host.files["/etc/t.j2"])
	require.Equal(t, true, gotOpts["lstrip_blocks"])
	require.Equal(t, true, gotOpts["trim_blocks"])

	for _, tc := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"src": "t.j2"}, "src and dest are required"},
		{map[string]any{"src": "t.j2", "dest": "/x", "state": "file"}, "'state' cannot be specified on a template"},
		{map[string]any{"src": "missing.j2", "dest": "/x"}, "Could not find or access 'missing.j2' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"},
	} {
		res, err := runTemplate(context.Background(), &Task{Module: "template", Conn: host, Ctl: ctl, Args: tc.args})
		require.NoError(t, err)
		require.Equal(t, tc.msg, res["msg"])
	}
	ctl.render = func(string, map[string]any) (string, error) {
		return "", errors.New("AnsibleUndefinedVariable: 'x' is undefined")
	}
	res, err = runTemplate(context.Background(), &Task{Module: "template", Conn: host, Ctl: ctl, Args: map[string]any{"src": "t.j2", "dest": "/etc/y"}})
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Equal(t, "AnsibleUndefinedVariable: 'x' is undefined", res["msg"])
}
