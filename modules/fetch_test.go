package modules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFetchDest(t *testing.T) {
	dir := t.TempDir()
	got, err := fetchDest("/out", "web1", "/etc/hosts", false)
	require.NoError(t, err)
	require.Equal(t, "/out/web1/etc/hosts", got)
	got, err = fetchDest("/out/", "web1", "/etc/hosts", true)
	require.NoError(t, err)
	require.Equal(t, "/out/hosts", got)
	got, err = fetchDest("/out/file", "web1", "/etc/hosts", true)
	require.NoError(t, err)
	require.Equal(t, "/out/file", got)
	_, err = fetchDest(dir, "web1", "/etc/hosts", true)
	require.Error(t, err, "an existing directory without a trailing slash")
	_, err = fetchDest("/out", "web1", "../../etc/passwd", false)
	require.ErrorContains(t, err, "Detected directory traversal")
	_, err = fetchDest("/out", "../x", "/etc/hosts", false)
	require.Error(t, err)
}

func TestFetchModule(t *testing.T) {
	dir := t.TempDir()
	host := newFSFakeHost(map[string]string{"/etc/motd": "hi\n", "/etc/": ""})
	run := func(args map[string]any) Result {
		t.Helper()
		res, err := runFetch(context.Background(), &Task{Module: "fetch", Conn: host, Host: "h1", Args: args})
		require.NoError(t, err)
		return res
	}
	res := run(map[string]any{"src": "/etc/motd", "dest": dir})
	require.True(t, res.Changed(), "%v", res)
	b, err := os.ReadFile(filepath.Join(dir, "h1/etc/motd"))
	require.NoError(t, err)
	require.Equal(t, "hi\n", string(b))
	require.Equal(t, fsSHA1(b), res["checksum"])
	res = run(map[string]any{"src": "/etc/motd", "dest": dir})
	require.False(t, res.Changed())

	res = run(map[string]any{"src": "/etc/none", "dest": dir})
	require.True(t, res.Failed())
	require.Equal(t, "the remote file does not exist, not transferring, ignored", res["msg"])
	res = run(map[string]any{"src": "/etc/none", "dest": dir, "fail_on_missing": false})
	require.False(t, res.Failed())
	res = run(map[string]any{"src": "/etc", "dest": dir})
	require.Equal(t, "remote file is a directory, fetch cannot work on directories", res["msg"])
	res = run(map[string]any{"src": "/etc/motd"})
	require.Equal(t, "src and dest are required", res["msg"])

	res, err = runFetch(context.Background(), &Task{Module: "fetch", Conn: host, Host: "h1", Check: true, Args: map[string]any{"src": "/etc/motd", "dest": dir}})
	require.NoError(t, err)
	require.Equal(t, true, res["skipped"])
}

func TestSlurpModule(t *testing.T) {
	host := newFSFakeHost(map[string]string{"/f": "data\x00\n", "/d/": ""})
	res, err := runSlurp(context.Background(), &Task{Conn: host, Args: map[string]any{"src": "/f"}})
	require.NoError(t, err)
	require.Equal(t, "ZGF0YQAK", res["content"])
	require.Equal(t, "base64", res["encoding"])
	require.Equal(t, "/f", res["source"])
	res, err = runSlurp(context.Background(), &Task{Conn: host, Args: map[string]any{"src": "/none"}})
	require.NoError(t, err)
	require.Equal(t, "file not found: /none", res["msg"])
	res, err = runSlurp(context.Background(), &Task{Conn: host, Args: map[string]any{"src": "/d"}})
	require.NoError(t, err)
	require.Equal(t, "source is a directory and must be a file: /d", res["msg"])
}
