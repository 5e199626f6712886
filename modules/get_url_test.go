package modules_test

// get_url and uri on this machine through the local connection, against
// an HTTP server on 127.0.0.1 (the requests are made by curl, as on a
// host).

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
)

// httpServer serves a few fixed resources and counts requests.
// lastMethod is the method of the last request for /file.txt.
var lastMethod atomic.Value

func httpServer(t *testing.T) (*httptest.Server, *int32) {
	t.Helper()
	var hits int32
	mod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	mux := http.NewServeMux()
	mux.HandleFunc("/file.txt", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&hits, 1)
		lastMethod.Store(r.Method)
		http.ServeContent(w, r, "file.txt", mod, strings.NewReader("hello omeprov\n"))
	})
	mux.HandleFunc("/nodate", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&hits, 1)
		io.WriteString(w, "no date\n")
	})
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Disposition", `attachment; filename="report.csv"`)
		io.WriteString(w, "a,b\n")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/file.txt", http.StatusFound)
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Header", r.Header.Get("X-Token"))
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc"})
		if r.Method == "DELETE" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprintf(w, `{"method": %q, "ctype": %q, "body": %q, "n": 3}`, r.Method, r.Header.Get("Content-Type"), b)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

func localRun(t *testing.T, module string, args map[string]any, check bool) modules.Result {
	t.Helper()
	sysNeed(t, "curl")
	return sysRun(t, connection.Local(), module, args, check, nil)
}

func sha256hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func TestGetURL(t *testing.T) {
	srv, hits := httpServer(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "sub dir; x", "file.txt")
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	args := map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "mode": "0640"}

	r := localRun(t, "get_url", args, true)
	require.True(t, r.Changed(), "%v", r)
	_, err := os.Stat(dest)
	require.True(t, os.IsNotExist(err), "check mode writes nothing")
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".omeprov-*"))
	require.Empty(t, left, "no temporary file is left")

	r = localRun(t, "get_url", args, false)
	require.True(t, r.Changed(), "%v", r)
	require.False(t, r.Failed())
	b, err := os.ReadFile(dest)
	require.NoError(t, err)
	require.Equal(t, "hello omeprov\n", string(b))
	fi, _ := os.Stat(dest)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
	require.Equal(t, 200, r["status_code"])
	require.Equal(t, "OK (14 bytes)", r["msg"])
	require.Equal(t, "0640", r["mode"])
	require.Equal(t, "file", r["state"])
	md5sum := md5.Sum([]byte("hello omeprov\n"))
	require.Equal(t, hex.EncodeToString(md5sum[:]), r["md5sum"])
	require.Nil(t, r["checksum_dest"])

	// second run: If-Modified-Since gives 304
	r = localRun(t, "get_url", args, false)
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, 304, r["status_code"])

	// check mode makes a HEAD request and, as Ansible's, compares dest
	// with an empty source: forced, the same content is "changed" there
	fargs := map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "force": true}
	r = localRun(t, "get_url", fargs, true)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "da39a3ee5e6b4b0d3255bfef95601890afd80709", r["checksum_src"])
	require.Equal(t, "HEAD", lastMethod.Load())
	r = localRun(t, "get_url", fargs, false)
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, "GET", lastMethod.Load())

	// a checksum that matches skips the request entirely
	n := atomic.LoadInt32(hits)
	cargs := map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "checksum": "sha256:" + sha256hex("hello omeprov\n")}
	r = localRun(t, "get_url", cargs, false)
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, "file already exists", r["msg"])
	require.Equal(t, n, atomic.LoadInt32(hits))

	// a wrong checksum fails; in check mode, as Ansible's, it is not
	// verified: the download would change the file. For real, as
	// Ansible, the download replaces dest before it is verified and dest
	// is removed: the failure is changed
	require.NoError(t, os.WriteFile(dest, []byte("old\n"), 0o640))
	cargs["checksum"] = "sha256:" + sha256hex("something else")
	r = localRun(t, "get_url", cargs, true)
	require.False(t, r.Failed(), "%v", r)
	require.True(t, r.Changed(), "%v", r)
	b, _ = os.ReadFile(dest)
	require.Equal(t, "old\n", string(b))
	r = localRun(t, "get_url", cargs, false)
	require.True(t, r.Failed(), "%v", r)
	require.True(t, r.Changed(), "%v", r)
	require.Contains(t, r["msg"], "The checksum for "+dest+" did not match")
	_, err = os.Stat(dest)
	require.True(t, os.IsNotExist(err), "dest is removed")
	left, _ = filepath.Glob(filepath.Join(filepath.Dir(dest), ".omeprov-*"))
	require.Empty(t, left, "no temporary file is left")
	require.NoError(t, os.WriteFile(dest, []byte("old\n"), 0o640))

	// force downloads and replaces a differing file, keeping its mode
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/nodate", "dest": dest, "force": true}, false)
	require.True(t, r.Changed(), "%v", r)
	b, _ = os.ReadFile(dest)
	require.Equal(t, "no date\n", string(b))
	fi, _ = os.Stat(dest)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/nodate", "dest": dest, "force": true}, false)
	require.False(t, r.Changed(), "same content: %v", r)

	// a directory destination takes Content-Disposition's name
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/download", "dest": dir}, false)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, filepath.Join(dir, "report.csv"), r["dest"])
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/download", "dest": dir}, false)
	require.False(t, r.Changed(), "%v", r)

	// failures
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/nosuch", "dest": filepath.Join(dir, "x")}, false)
	require.True(t, r.Failed())
	require.Equal(t, "Request failed", r["msg"])
	require.Equal(t, 404, r["status_code"])
	require.Equal(t, "HTTP Error 404: Not Found", r["response"])
	r = localRun(t, "get_url", map[string]any{"url": "http://127.0.0.1:1/x", "dest": filepath.Join(dir, "x")}, false)
	require.True(t, r.Failed())
	require.Equal(t, -1, r["status_code"])
	r = localRun(t, "get_url", map[string]any{"url": srv.URL + "/file.txt", "dest": filepath.Join(dir, "x"), "checksum": "sha256"}, false)
	require.True(t, r.Failed())
	r = localRun(t, "get_url", map[string]any{"url": "gopher://x", "dest": filepath.Join(dir, "x")}, false)
	require.True(t, r.Failed())
	_, err = os.Stat(filepath.Join(dir, "x"))
	require.True(t, os.IsNotExist(err))
}

func TestURI(t *testing.T) {
	srv, _ := httpServer(t)
	r := localRun(t, "uri", map[string]any{"url": srv.URL + "/api", "method": "POST", "body_format": "json",
		"body": map[string]any{"name": "x; rm -rf /", "n": 1}, "headers": map[string]any{"X-Token": "t'ok"}, "return_content": true}, false)
	require.False(t, r.Failed(), "%v", r)
	require.False(t, r.Changed())
	js := r["json"].(map[string]any)
	require.Equal(t, "POST", js["method"])
	require.Equal(t, "application/json", js["ctype"])
	require.Equal(t, `{"n": 1, "name": "x; rm -rf /"}`, js["body"])
	require.Equal(t, 3, js["n"])
	require.Equal(t, "t'ok", r["x_seen_header"])
	require.Equal(t, "application/json", r["content_type"])
	require.Equal(t, map[string]any{"session": "abc"}, r["cookies"])
	require.Equal(t, 200, r["status"])
	require.Contains(t, r["content"], `"method": "POST"`)

	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/api", "method": "POST", "body_format": "form-urlencoded",
		"body": map[string]any{"a": "1 2", "b": "&"}}, false)
	require.Equal(t, "a=1+2&b=%26", r["json"].(map[string]any)["body"])
	require.NotContains(t, r, "content")

	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/api", "method": "DELETE"}, false)
	require.True(t, r.Failed())
	require.Equal(t, "Status code was 204 and not [200]: OK (0 bytes)", r["msg"])
	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/api", "method": "DELETE", "status_code": []any{200, 204}}, false)
	require.False(t, r.Failed(), "%v", r)

	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/nosuch"}, false)
	require.True(t, r.Failed())
	require.Equal(t, 404, r["status"])
	require.Equal(t, "Status code was 404 and not [200]: HTTP Error 404: Not Found", r["msg"])

	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/redirect"}, false)
	require.Equal(t, true, r["redirected"])
	require.Equal(t, srv.URL+"/file.txt", r["url"])
	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/redirect", "follow_redirects": "none", "status_code": []any{302}}, false)
	require.False(t, r.Failed(), "%v", r)
	require.Equal(t, srv.URL+"/file.txt", r["location"])

	dir := t.TempDir()
	dest := filepath.Join(dir, "out.txt")
	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "creates": dest}, false)
	require.True(t, r.Changed(), "%v", r)
	r = localRun(t, "uri", map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "creates": dest}, false)
	require.False(t, r.Changed())
	require.Equal(t, "skipped, since '"+dest+"' exists", r["stdout"])

	// as Ansible's, uri into an existing dest asks If-Modified-Since: a
	// 304 writes nothing and changes nothing
	args := map[string]any{"url": srv.URL + "/file.txt", "dest": dest, "status_code": []any{200, 304}}
	r = localRun(t, "uri", args, false)
	require.False(t, r.Failed(), "%v", r)
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, 304, r["status"])
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(dest, old, old))
	r = localRun(t, "uri", args, false)
	require.True(t, r.Changed(), "older than the resource: %v", r)
	require.Equal(t, 200, r["status"])

	r = localRun(t, "uri", map[string]any{"url": "http://127.0.0.1:1/"}, false)
	require.True(t, r.Failed())
	require.Equal(t, -1, r["status"])
	r = localRun(t, "uri", map[string]any{"url": srv.URL, "method": "get; rm"}, false)
	require.Equal(t, "Parameter 'method' needs to be a single word in uppercase, like GET or POST.", r["msg"])
}

// wgetConn makes the HTTP client's tool detection answer wget, so the
// requests run with the host's real GNU wget.
type wgetConn struct{ connection.Connection }

func (c wgetConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	if strings.Contains(cmd, "command -v curl") {
		return &connection.Result{Stdout: []byte("wget\n")}, nil
	}
	return c.Connection.Exec(ctx, cmd, opts)
}

func TestGetURLWithWget(t *testing.T) {
	sysNeed(t, "wget")
	srv, _ := httpServer(t)
	conn := wgetConn{connection.Local()}
	dest := filepath.Join(t.TempDir(), "f.txt")
	args := map[string]any{"url": srv.URL + "/file.txt", "dest": dest}
	r := sysRun(t, conn, "get_url", args, false, nil)
	require.True(t, r.Changed(), "%v", r)
	b, _ := os.ReadFile(dest)
	require.Equal(t, "hello omeprov\n", string(b))
	r = sysRun(t, conn, "get_url", args, false, nil)
	require.False(t, r.Changed(), "same content: %v", r)
	r = sysRun(t, conn, "get_url", map[string]any{"url": srv.URL + "/nosuch", "dest": dest + ".x"}, false, nil)
	require.True(t, r.Failed())
	require.Equal(t, 404, r["status_code"])
	r = sysRun(t, conn, "uri", map[string]any{"url": srv.URL + "/api", "method": "POST", "body": "a=b", "return_content": true}, false, nil)
	require.False(t, r.Failed(), "%v", r)
	require.Equal(t, "POST", r["json"].(map[string]any)["method"])
	require.Equal(t, "a=b", r["json"].(map[string]any)["body"])
}
