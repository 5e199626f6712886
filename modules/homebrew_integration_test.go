package modules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// userConn is a local connection that runs commands as an unprivileged
// user through setpriv (or as the test's own user when uid is -1): brew
// refuses root, so the homebrew modules are tested as "nobody".
type userConn struct {
	uid, gid int
	home     string
}

func (c *userConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	var ex *exec.Cmd
	if c.uid >= 0 {
		ex = exec.CommandContext(ctx, "setpriv", fmt.Sprintf("--reuid=%d", c.uid), fmt.Sprintf("--regid=%d", c.gid), "--clear-groups", "/bin/sh", "-c", cmd)
	} else {
		ex = exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	}
	ex.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + c.home}
	if opts != nil {
		for k, v := range opts.Env {
			ex.Env = append(ex.Env, k+"="+v)
		}
		ex.Stdin = opts.Stdin
	}
	var stdout, stderr bytes.Buffer
	ex.Stdout, ex.Stderr = &stdout, &stderr
	err := ex.Run()
	res := &connection.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}

func (c *userConn) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if opts != nil && opts.Mode != 0 {
		mode = opts.Mode
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		return err
	}
	if c.uid >= 0 {
		return os.Chown(path, c.uid, c.gid)
	}
	return nil
}

func (c *userConn) GetFile(ctx context.Context, path string, become *connection.Become) ([]byte, error) {
	return os.ReadFile(path)
}

func (c *userConn) Close() error { return nil }

// brewPrefix builds the fake brew into a fresh prefix owned by nobody and
// writes its catalogue.
func brewPrefix(t *testing.T) (string, *userConn) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	needTool(t, "go", "setpriv")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the homebrew integration tests need root to switch to nobody (CI is set)")
		}
		t.Skip("the homebrew integration tests need root to switch to nobody")
	}
	prefix, err := os.MkdirTemp("", "omeprov-brew-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(prefix) })
	require.NoError(t, os.Chmod(prefix, 0o755))
	out, err := exec.Command("go", "build", "-o", filepath.Join(prefix, "bin", "brew"), "../internal/fakebrew").CombinedOutput()
	require.NoError(t, err, "%s", out)
	brewCatalog(t, prefix, "2.12", "1")
	require.NoError(t, exec.Command("chown", "-R", "65534:65534", prefix).Run())
	return prefix, &userConn{uid: 65534, gid: 65534, home: prefix}
}

func brewCatalog(t *testing.T, prefix, helloVersion, revision string) {
	t.Helper()
	cat := map[string]any{
		"revision": revision,
		"formulae": map[string]any{
			"hello":              map[string]any{"version": helloVersion, "desc": "Program providing model for GNU coding standards", "deps": []string{"gettext"}, "aliases": []string{"hi"}},
			"gettext":            map[string]any{"version": "0.22.4", "desc": "GNU internationalization (i18n) and localization (l10n) library"},
			"ome/tap/bioformats": map[string]any{"version": "7.1.0", "desc": "Bio-Formats command-line tools"},
		},
		"casks": map[string]any{"omero-insight": map[string]any{"version": "5.8.3", "name": "OMERO.insight"}},
	}
	b, _ := json.Marshal(cat)
	dir := filepath.Join(prefix, "Library/fakebrew")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "catalog.json"), b, 0o644))
	exec.Command("chown", "-R", "65534:65534", filepath.Join(prefix, "Library")).Run()
}

func brewTask(conn connection.Connection, module, prefix string, check bool, args map[string]any) modules.Result {
	full := map[string]any{"path": filepath.Join(prefix, "bin"), "state": "present"}
	switch module {
	case "homebrew":
		full["update_homebrew"], full["upgrade_all"] = false, false
	case "homebrew_cask":
		full["update_homebrew"], full["upgrade_all"], full["greedy"], full["accept_external_apps"] = false, false, false, false
	}
	for k, v := range args {
		full[k] = v
	}
	task := modtest.Task(nil, module, full)
	task.Conn = conn
	task.Check = check
	e, _ := modules.Lookup("community.general." + module)
	res, err := e.Module.Run(context.Background(), task)
	if err != nil {
		panic(err)
	}
	return res
}

func TestHomebrewIntegrationFormulae(t *testing.T) {
	prefix, conn := brewPrefix(t)
	hello := filepath.Join(prefix, "Cellar/hello")
	run := func(check bool, args map[string]any) modules.Result {
		return brewTask(conn, "homebrew", prefix, check, args)
	}

	res := run(true, map[string]any{"name": []any{"hello"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "Package would be installed: hello", "changed_pkgs": []string{}, "unchanged_pkgs": []string{}}, res)
	require.NoDirExists(t, hello, "check mode changes nothing")

	res = run(false, map[string]any{"name": []any{"hello"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "Package installed: hello", "changed_pkgs": []string{"hello"}, "unchanged_pkgs": []string{}}, res)
	require.DirExists(t, filepath.Join(hello, "2.12"))
	require.DirExists(t, filepath.Join(prefix, "Cellar/gettext/0.22.4"), "the dependency came too")
	res = run(false, map[string]any{"name": []any{"hello", "gettext", "hi"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "Changed: 0, Unchanged: 3", "changed_pkgs": []string{}, "unchanged_pkgs": []string{"hello", "gettext", "hi"}}, res)

	// A new version in the catalogue: latest upgrades, once.
	brewCatalog(t, prefix, "2.13", "2")
	res = run(false, map[string]any{"name": []any{"hello"}})
	require.False(t, res.Changed(), "present keeps the old version")
	res = run(true, map[string]any{"name": []any{"hello"}, "state": "latest"})
	require.Equal(t, "Package would be upgraded: hello", res["msg"])
	require.DirExists(t, filepath.Join(hello, "2.12"))
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "latest"})
	require.Equal(t, "Package upgraded: hello", res["msg"], "%v", res)
	require.DirExists(t, filepath.Join(hello, "2.13"))
	require.NoDirExists(t, filepath.Join(hello, "2.12"))
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "upgraded"})
	require.Equal(t, "Package is already upgraded: hello", res["msg"])
	require.False(t, res.Changed())

	// Unlink and link, each once.
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "unlinked"})
	require.Equal(t, "Package unlinked: hello", res["msg"], "%v", res)
	require.NoFileExists(t, filepath.Join(prefix, "bin/hello"))
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "unlinked"})
	require.False(t, res.Changed(), "%v", res)
	res = run(true, map[string]any{"name": []any{"hello"}, "state": "linked"})
	require.Equal(t, "Package would be linked: hello", res["msg"])
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "linked"})
	require.Equal(t, "Package linked: hello", res["msg"])
	require.FileExists(t, filepath.Join(prefix, "bin/hello"))
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "linked"})
	require.False(t, res.Changed())

	// Update, then upgrade_all with nothing to do.
	res = run(false, map[string]any{"update_homebrew": true})
	require.Equal(t, "Homebrew updated successfully.", res["msg"])
	require.True(t, res.Changed())
	res = run(false, map[string]any{"update_homebrew": true})
	require.Equal(t, "Homebrew already up-to-date.", res["msg"])
	require.False(t, res.Changed())
	res = run(false, map[string]any{"upgrade_all": true})
	require.Equal(t, "Homebrew packages already upgraded.", res["msg"])

	// Remove.
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "absent"})
	require.Equal(t, "Package uninstalled: hello", res["msg"])
	require.NoDirExists(t, hello)
	res = run(false, map[string]any{"name": []any{"hello"}, "state": "removed"})
	require.Equal(t, "Package already uninstalled: hello", res["msg"])
	require.False(t, res.Changed())

	// Failures name the package; hostile names are refused before brew runs.
	res = run(false, map[string]any{"name": []any{"nosuch"}})
	require.Equal(t, modules.Result{"failed": true, "msg": `Error: No available formula with the name "nosuch".`}, res)
	res = run(false, map[string]any{"name": []any{"x;touch /tmp/pwned"}})
	require.Equal(t, "Invalid package: x;touch /tmp/pwned.", res["msg"])
	res = run(false, map[string]any{"name": []any{"nosuch"}, "state": "linked"})
	require.Equal(t, "Package not installed: nosuch.", res["msg"])
	res = brewTask(conn, "homebrew", "/nonexistent", false, map[string]any{"name": []any{"hello"}})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], `Failed to find required executable "brew"`)
}

func TestHomebrewIntegrationTapAndCask(t *testing.T) {
	prefix, conn := brewPrefix(t)
	tap := func(check bool, args map[string]any) modules.Result {
		return brewTask(conn, "homebrew_tap", prefix, check, args)
	}
	res := tap(true, map[string]any{"name": []any{"ome/tap"}})
	require.Equal(t, modules.Result{"changed": true}, res)
	require.NoDirExists(t, filepath.Join(prefix, "Library/Taps/ome"))
	res = tap(false, map[string]any{"name": []any{"ome/tap"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "added: 1, unchanged: 0"}, res)
	require.DirExists(t, filepath.Join(prefix, "Library/Taps/ome/homebrew-tap"))
	res = tap(false, map[string]any{"name": []any{"ome/homebrew-tap"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "added: 0, unchanged: 1"}, res)
	res = tap(false, map[string]any{"name": []any{"bad tap"}})
	require.Equal(t, modules.Result{"failed": true, "msg": "added: 0, unchanged: 0, error: not a valid tap: bad tap"}, res)
	res = tap(false, map[string]any{"name": []any{"other/x"}, "url": "https://example.invalid/nonexistent.git"})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "failed to tap: other/x due to ==> Tapping other/x")

	// A formula of the tap installs by full name.
	res = brewTask(conn, "homebrew", prefix, false, map[string]any{"name": []any{"ome/tap/bioformats"}})
	require.Equal(t, "Package installed: ome/tap/bioformats", res["msg"], "%v", res)
	res = brewTask(conn, "homebrew", prefix, false, map[string]any{"name": []any{"ome/tap/bioformats"}})
	require.False(t, res.Changed(), "%v", res)

	res = tap(false, map[string]any{"name": []any{"ome/tap"}, "state": "absent"})
	require.Equal(t, modules.Result{"changed": true, "msg": "removed: 1, unchanged: 0"}, res)
	res = tap(false, map[string]any{"name": []any{"ome/tap"}, "state": "absent"})
	require.Equal(t, modules.Result{"changed": false, "msg": "removed: 0, unchanged: 1"}, res)

	cask := func(check bool, args map[string]any) modules.Result {
		return brewTask(conn, "homebrew_cask", prefix, check, args)
	}
	res = cask(true, map[string]any{"name": []any{"omero-insight"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "Cask would be installed: omero-insight"}, res)
	require.NoDirExists(t, filepath.Join(prefix, "Caskroom/omero-insight"))
	res = cask(false, map[string]any{"name": []any{"omero-insight"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "Cask installed: omero-insight"}, res)
	require.DirExists(t, filepath.Join(prefix, "Caskroom/omero-insight/5.8.3"))
	res = cask(false, map[string]any{"name": []any{"omero-insight"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "Cask already installed: omero-insight"}, res)
	res = cask(false, map[string]any{"name": []any{"omero-insight"}, "state": "latest"})
	require.Equal(t, modules.Result{"changed": false, "msg": "Cask is already upgraded: omero-insight"}, res)
	res = cask(false, map[string]any{"name": []any{"nosuch-cask"}})
	require.Equal(t, modules.Result{"failed": true, "msg": "Error: Cask 'nosuch-cask' is unavailable: No Cask with this name exists."}, res)
	res = cask(false, map[string]any{"name": []any{"omero-insight"}, "state": "absent"})
	require.Equal(t, modules.Result{"changed": true, "msg": "Cask uninstalled: omero-insight"}, res)
	res = cask(false, map[string]any{"name": []any{"omero-insight"}, "state": "absent"})
	require.Equal(t, modules.Result{"changed": false, "msg": "Cask already uninstalled: omero-insight"}, res)
	res = cask(false, map[string]any{})
	require.Equal(t, modules.Result{"failed": true, "msg": "You must select a cask to install."}, res)
}

// TestHomebrewRefusesRoot: run as root, brew's own refusal is the result.
func TestHomebrewRefusesRoot(t *testing.T) {
	prefix, _ := brewPrefix(t)
	root := &userConn{uid: -1, home: prefix}
	res := brewTask(root, "homebrew", prefix, false, map[string]any{"name": []any{"hello"}})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Error: Running Homebrew as root is extremely dangerous and no longer supported.")
}
