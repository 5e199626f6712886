package modules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCopyContentDiff(t *testing.T) {
	d := copyContentDiff([]byte("a\n"), true, []byte("b\n"), "/d", "src")
	require.Equal(t, Diff{Before: "a\n", After: "b\n", BeforeHeader: "/d", AfterHeader: "src"}, d)
	d = copyContentDiff(nil, false, []byte("b\n"), "/d", "src")
	require.Equal(t, "", d.BeforeHeader, "a new file has no before header")
	require.Contains(t, copyContentDiff([]byte{0, 1}, true, []byte("x"), "/d", "s").Prepared, "binary")
	require.Contains(t, copyContentDiff(nil, false, []byte("\xff\xfe"), "/d", "s").Prepared, "binary")
	require.Contains(t, copyContentDiff(make([]byte, copyMaxDiffSize+1), true, nil, "/d", "s").Prepared, "greater than 104448")
	require.Contains(t, copyContentDiff(nil, false, []byte(strings.Repeat("x", copyMaxDiffSize+1)), "/d", "s").Prepared, "source file size")
}

func TestCopyArgumentErrors(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{})
	for _, tc := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"dest": "/x"}, "src (or content) is required"},
		{map[string]any{"dest": "/x", "src": "a", "content": "b"}, "src and content are mutually exclusive"},
		{map[string]any{"content": "b"}, "dest is required"},
		{map[string]any{"dest": "/x/", "content": "b"}, "can not use content with a dir as dest"},
		{map[string]any{"dest": "/x", "src": "/no/such/file"}, "Could not find or access '/no/such/file' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"},
		{map[string]any{"dest": "/x", "src": "/no/such", "remote_src": true}, "Source /no/such not found"},
	} {
		res, err := runCopy(ctx, &Task{Module: "copy", Conn: host, Args: tc.args, Ctl: fsFakeCtl{}})
		require.NoError(t, err)
		require.True(t, res.Failed(), "%v", tc.args)
		require.Equal(t, tc.msg, res["msg"], "%v", tc.args)
	}
	require.Zero(t, host.puts)
}

func TestCopyContentDecisions(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{"/d/": ""})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runCopy(ctx, &Task{Module: "copy", Conn: host, Check: check, Diff: true, Args: args, Ctl: fsFakeCtl{}})
		require.NoError(t, err)
		return res
	}
	args := map[string]any{"dest": "/d/f", "content": "hello\n"}
	res := run(true, args)
	require.True(t, res.Changed())
	require.Zero(t, host.puts, "check mode writes nothing")
	require.Equal(t, []Diff{{After: "hello\n", AfterHeader: "dynamically generated"}}, res["diff"])

	res = run(false, args)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "hello\n", host.files["/d/f"])
	require.Equal(t, fsSHA1([]byte("hello\n")), res["checksum"])
	require.Equal(t, fsMD5([]byte("hello\n")), res["md5sum"])
	require.Equal(t, "/d/f", res["dest"])

	res = run(false, args)
	require.False(t, res.Changed(), "%v", res)
	require.Equal(t, 1, host.puts)

	res = run(false, map[string]any{"dest": "/d/f", "content": "other", "force": false})
	require.False(t, res.Changed())
	require.Equal(t, "hello\n", host.files["/d/f"])

	res = run(false, map[string]any{"dest": "/d/f", "content": map[string]any{"k": []any{1, "v"}}})
	require.True(t, res.Changed())
	require.Equal(t, `{"k":[1,"v"]}`, host.files["/d/f"], "dicts are written as JSON")

	res = run(false, map[string]any{"dest": "/nodir/f", "content": "x"})
	require.Equal(t, "Destination directory /nodir does not exist", res["msg"])

	res = run(false, map[string]any{"dest": "/d/g", "content": "x", "checksum": "0000"})
	require.Equal(t, "Copied file does not match the expected checksum. Transfer failed.", res["msg"])
}

func TestCopyFromController(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src.txt"), []byte("from controller\n"), 0o600))
	host := newFSFakeHost(map[string]string{"/d/": ""})
	res, err := runCopy(context.Background(), &Task{Module: "copy", Conn: host, Args: map[string]any{"src": "src.txt", "dest": "/d/"}, Ctl: fsFakeCtl{dir: dir}})
	require.NoError(t, err)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "from controller\n", host.files["/d/src.txt"])
}

// fsFakeCtl is a Controller finding files in dir and rendering templates
// with render (or returning them as they are).
type fsFakeCtl struct {
	Controller // nil: methods the file modules do not use panic
	dir        string
	render     func(path string, opts map[string]any) (string, error)
}

func (c fsFakeCtl) Template(v any) (any, error)                   { return v, nil }
func (c fsFakeCtl) Conditional(string) (bool, error)              { return false, nil }
func (c fsFakeCtl) Var(string) (any, bool, error)                 { return nil, false, nil }
func (c fsFakeCtl) Facts(context.Context) (map[string]any, error) { return nil, nil }
func (c fsFakeCtl) FindFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	return filepath.Join(c.dir, name), nil
}
func (c fsFakeCtl) RenderTemplate(path string, opts map[string]any) (string, error) {
	if c.render != nil {
		return c.render(path, opts)
	}
	b, err := os.ReadFile(path)
	return string(b), err
}

// TestCopyDiffsAsAnsible: the diffs copy and template report are those
// ansible-playbook prints (integration TestFileModules compares them).
func TestCopyDiffsAsAnsible(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tree"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tree", "a.txt"), []byte("a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tree", "b.txt"), []byte("b\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "one"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "one", "c.txt"), []byte("c\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.j2"), []byte("x\n"), 0o644))
	host := newFSFakeHost(map[string]string{"/d/": "", "/d/remote.txt": "remote\n"})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runCopy(ctx, &Task{Module: "copy", Conn: host, Check: check, Diff: true, Args: args, Ctl: fsFakeCtl{dir: dir}})
		require.NoError(t, err)
		require.False(t, res.Failed(), "%v", res)
		return res
	}
	for _, check := range []bool{true, false} {
		// A tree of several files: dest and src (the path found), no diff.
		res := run(check, map[string]any{"src": "tree/", "dest": "/d/"})
		require.True(t, res.Changed())
		require.NotContains(t, res, "diff", "check=%v", check)
		require.Equal(t, filepath.Join(dir, "tree")+"/", res["src"])
		// A tree of one file: that file's result, with its diff.
		res = run(check, map[string]any{"src": "one/", "dest": "/d"})
		require.Equal(t, []Diff{{After: "c\n", AfterHeader: filepath.Join(dir, "one", "c.txt")}}, res["diff"], "check=%v", check)
		// remote_src: the copy module reports no diff.
		res = run(check, map[string]any{"src": "/d/remote.txt", "dest": "/d/r", "remote_src": true})
		require.True(t, res.Changed())
		require.NotContains(t, res, "diff", "check=%v", check)
	}
	// A template's content is generated: its diff does not name the template.
	res, err := runTemplate(ctx, &Task{Module: "template", Conn: host, Check: true, Diff: true, Args: map[string]any{"src": "app.j2", "dest": "/d/app"}, Ctl: fsFakeCtl{dir: dir}})
	require.NoError(t, err)
	require.Equal(t, []Diff{{After: "x\n", AfterHeader: "dynamically generated"}}, res["diff"])
}
