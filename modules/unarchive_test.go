package modules_test

// unarchive on this machine through the local connection: archives made
// here (tar.gz and zip with Go's writers, tar.bz2 with tar -j), extracted
// into temporary directories.

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

var archiveFiles = []struct{ Name, Body string }{
	{"app/", ""},
	{"app/README", "read me\n"},
	{"app/bin/", ""},
	{"app/bin/run; rm -rf x", "#!/bin/sh\necho run\n"},
}

func makeTarGz(t *testing.T, p string) {
	t.Helper()
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, e := range archiveFiles {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Size: int64(len(e.Body)), Typeflag: tar.TypeReg}
		if e.Name[len(e.Name)-1] == '/' {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		require.NoError(t, tw.WriteHeader(h))
		tw.Write([]byte(e.Body))
	}
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "app/link", Linkname: "README", Typeflag: tar.TypeSymlink}))
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
}

func makeZip(t *testing.T, p string) {
	t.Helper()
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range archiveFiles {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		h.SetMode(0o644)
		if e.Name[len(e.Name)-1] == '/' {
			h.SetMode(os.ModeDir | 0o755)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		w.Write([]byte(e.Body))
	}
	require.NoError(t, zw.Close())
}

func unarchiveRun(t *testing.T, args map[string]any, check bool, filesDir string) modules.Result {
	t.Helper()
	e, _ := modules.Lookup("unarchive")
	v, err := modules.Validate("unarchive", e.Spec, args)
	require.NoError(t, err)
	task := &modules.Task{Name: "unarchive", Module: "unarchive", Args: v, Conn: connection.Local(), Check: check, Ctl: &modtest.Controller{Dir: filesDir}}
	r, err := e.Module.Run(t.Context(), task)
	require.NoError(t, err)
	return r
}

func TestUnarchive(t *testing.T) {
	src := t.TempDir()
	makeTarGz(t, filepath.Join(src, "app.tar.gz"))
	makeZip(t, filepath.Join(src, "app.zip"))
	kinds := []struct{ file, handler string }{{"app.tar.gz", "TgzArchive"}, {"app.zip", "ZipArchive"}}
	if _, err := exec.LookPath("bzip2"); err == nil {
		dir := t.TempDir()
		out, err := exec.Command("tar", "-xzf", filepath.Join(src, "app.tar.gz"), "-C", dir).CombinedOutput()
		require.NoError(t, err, "%s", out)
		out, err = exec.Command("tar", "-cjf", filepath.Join(src, "app.tar.bz2"), "-C", dir, "app").CombinedOutput()
		require.NoError(t, err, "%s", out)
		kinds = append(kinds, struct{ file, handler string }{"app.tar.bz2", "TarBzipArchive"})
	}
	for _, k := range kinds {
		t.Run(k.file, func(t *testing.T) {
			if k.handler == "ZipArchive" {
				sysNeed(t, "unzip")
			}
			dest := t.TempDir()
			args := map[string]any{"src": k.file, "dest": dest, "list_files": true}
			r := unarchiveRun(t, args, true, src)
			if k.handler == "ZipArchive" {
				require.True(t, r.Changed(), "%v", r)
			} else {
				// Ansible's tar handlers skip in check mode.
				require.False(t, r.Changed(), "%v", r)
				require.Equal(t, true, r["skipped"], "%v", r)
				require.Equal(t, "remote module (ansible.legacy.unarchive) does not support check mode when using gtar", r["msg"])
			}
			entries, _ := os.ReadDir(dest)
			require.Empty(t, entries, "check mode extracts nothing")

			r = unarchiveRun(t, args, false, src)
			require.True(t, r.Changed(), "%v", r)
			require.Equal(t, k.handler, r["handler"])
			require.Contains(t, r["files"], "app/bin/run; rm -rf x")
			require.Contains(t, r["files"], "app/bin/", "directories end with a slash, as Ansible lists them")
			require.NotContains(t, r["files"], "app/bin")
			b, err := os.ReadFile(filepath.Join(dest, "app/bin/run; rm -rf x"))
			require.NoError(t, err)
			require.Equal(t, "#!/bin/sh\necho run\n", string(b))
			entries, _ = os.ReadDir(dest)
			require.Len(t, entries, 1, "no temporary directory is left")

			r = unarchiveRun(t, args, false, src)
			require.False(t, r.Changed(), "second run: %v", r)

			// a changed file is put back
			require.NoError(t, os.WriteFile(filepath.Join(dest, "app/README"), []byte("edited\n"), 0o644))
			r = unarchiveRun(t, args, true, src)
			require.Equal(t, k.handler == "ZipArchive", r.Changed(), "%v", r)
			r = unarchiveRun(t, args, false, src)
			require.True(t, r.Changed())
			b, _ = os.ReadFile(filepath.Join(dest, "app/README"))
			require.Equal(t, "read me\n", string(b))

			// remote_src reads the archive on the host; owner and mode apply to every entry
			if os.Geteuid() == 0 {
				rargs := map[string]any{"src": filepath.Join(src, k.file), "dest": dest, "remote_src": true, "owner": "nobody", "mode": "u=rwX,go=rX"}
				r = unarchiveRun(t, rargs, false, src)
				require.True(t, r.Changed(), "%v", r)
				fi, _ := os.Lstat(filepath.Join(dest, "app/README"))
				require.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
				r = unarchiveRun(t, rargs, false, src)
				require.False(t, r.Changed(), "%v", r)
			}
		})
	}

	dest := t.TempDir()
	r := unarchiveRun(t, map[string]any{"src": "app.tar.gz", "dest": dest, "creates": dest}, false, src)
	require.Equal(t, true, r["skipped"])
	r = unarchiveRun(t, map[string]any{"src": "app.tar.gz", "dest": filepath.Join(dest, "nosuch")}, false, src)
	require.True(t, r.Failed())
	require.Equal(t, "dest '"+filepath.Join(dest, "nosuch")+"' must be an existing dir", r["msg"])
	require.NoError(t, os.WriteFile(filepath.Join(src, "bad.tar.gz"), []byte("\x1f\x8bnot gzip"), 0o644))
	r = unarchiveRun(t, map[string]any{"src": "bad.tar.gz", "dest": dest}, false, src)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "Failed to find handler")
	r = unarchiveRun(t, map[string]any{"src": "/nosuch.tgz", "dest": dest, "remote_src": true}, false, src)
	require.True(t, r.Failed())
	require.Equal(t, "Source '/nosuch.tgz' does not exist", r["msg"])
	entries, _ := os.ReadDir(dest)
	require.Empty(t, entries)
}
