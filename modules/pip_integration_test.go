package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/rpmhost"
	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
)

// pipITWheels builds the test wheels (omepipdemo 1.0 and 2.0,
// Ome_Pip.Other 0.5) into dir with the machine's own pip, offline.
func pipITWheels(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 is needed")
		}
		t.Skip("/usr/bin/python3 is not installed")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, w := range []struct{ name, module, version string }{
		{"omepipdemo", "omepipdemo", "1.0"}, {"omepipdemo", "omepipdemo", "2.0"}, {"Ome_Pip.Other", "omepipother", "0.5"},
	} {
		src := t.TempDir()
		setup := fmt.Sprintf("from setuptools import setup\nsetup(name=%q, version=%q, py_modules=[%q])\n", w.name, w.version, w.module)
		require.NoError(t, os.WriteFile(filepath.Join(src, "setup.py"), []byte(setup), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(src, w.module+".py"), []byte("VERSION = "+fmt.Sprintf("%q", w.version)+"\n"), 0o644))
		cmd := exec.Command("/usr/bin/python3", "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps", "--no-index", "-w", dir, ".")
		cmd.Dir = src
		var env []string
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "PIP_") {
				env = append(env, e)
			}
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "No module named pip") {
			if os.Getenv("CI") != "" {
				t.Fatal("python3-pip is needed")
			}
			t.Skip("python3-pip is not installed")
		}
		require.NoError(t, err, "%s", out)
	}
}

func pipITRoot(t *testing.T) (string, *testroot.Chroot) {
	t.Helper()
	dir := testroot.New(t)
	pipITWheels(t, filepath.Join(dir, "srv/wheels"))
	return dir, &testroot.Chroot{Root: dir}
}

const pipITExtra = "--no-index --find-links /srv/wheels"

func pipITArgs(kv ...any) map[string]any {
	m := map[string]any{"virtualenv": "/opt/venv", "virtualenv_command": "python3 -m venv", "extra_args": pipITExtra}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func pipITVersions(t *testing.T, conn *testroot.Chroot) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), "/opt/venv/bin/pip list --format=freeze --disable-pip-version-check 2>/dev/null | grep -i ome | sort", nil)
	require.NoError(t, err)
	return strings.TrimSpace(string(res.Stdout))
}

func TestPipIntegrationVenvInstallUpgradeRemove(t *testing.T) {
	dir, conn := pipITRoot(t)

	// check mode with no virtualenv yet: changed, nothing made
	res := dnfITRun(t, conn, "pip", true, pipITArgs("name", "omepipdemo==1.0"))
	require.True(t, res.Changed(), "%v", res)
	require.NoDirExists(t, filepath.Join(dir, "opt/venv"))

	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "omepipdemo==1.0"))
	require.True(t, res.Changed(), "%v", res)
	require.False(t, res.Failed(), "%v", res)
	require.Equal(t, "omepipdemo==1.0", pipITVersions(t, conn))
	require.Equal(t, []string{"/opt/venv/bin/pip3", "install", "--no-index", "--find-links", "/srv/wheels", "omepipdemo==1.0"}, res["cmd"])
	require.Equal(t, "/opt/venv", res["virtualenv"])
	require.Equal(t, "present", res["state"])

	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "omepipdemo==1.0"))
	require.False(t, res.Changed(), "%v", res)

	// name with version
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "omepipdemo", "version", "2.0"))
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "omepipdemo==2.0", pipITVersions(t, conn))
	require.Contains(t, res["diff"].(modules.Diff).Prepared, "+ omepipdemo==2.0")
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", []any{"omepipdemo>=1.5", "<3"}))
	require.False(t, res.Changed(), "%v", res)

	// normalized names: Ome_Pip.Other is ome-pip-other
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil))
	require.False(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "OME.pip_other"))
	require.True(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "ome_pip_other"))
	require.False(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "pip", true, pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil))
	require.True(t, res.Changed(), "%v", res)
	require.Contains(t, pipITVersions(t, conn), "Ome-Pip.Other==0.5")
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil))
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "omepipdemo==2.0", pipITVersions(t, conn))
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil))
	require.False(t, res.Changed(), "%v", res)

	// forcereinstall always reinstalls
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "omepipdemo", "state", "forcereinstall"))
	require.True(t, res.Changed(), "%v", res)

	// requirements file, with chdir and umask
	require.NoError(t, os.WriteFile(filepath.Join(dir, "srv/req.txt"), []byte("omepipdemo==1.0\nOme_Pip.Other\n"), 0o644))
	req := pipITArgs("requirements", "req.txt", "chdir", "/srv", "umask", "0022")
	res = dnfITRun(t, conn, "pip", false, req)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "Ome-Pip.Other==0.5\nomepipdemo==1.0", pipITVersions(t, conn))
	res = dnfITRun(t, conn, "pip", false, req)
	require.False(t, res.Changed(), "%v", res)
}

func TestPipIntegrationFailures(t *testing.T) {
	dir, conn := pipITRoot(t)

	// a package that does not exist is named in pip's own message
	res := dnfITRun(t, conn, "pip", false, pipITArgs("name", "omenosuchpkg"))
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "omenosuchpkg")

	// a hostile name is a name
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "x; touch /tmp/pwned"))
	require.True(t, res.Failed(), "%v", res)
	require.NoFileExists(t, filepath.Join(dir, "tmp/pwned"))

	// a virtualenv command that does not exist
	res = dnfITRun(t, conn, "pip", false, map[string]any{"name": "omepipdemo", "virtualenv": "/opt/v2", "virtualenv_command": "/nonexistent/virtualenv"})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "nonexistent")

	// an executable that is not there
	res = dnfITRun(t, conn, "pip", false, map[string]any{"name": "omepipdemo", "executable": "omenopip"})
	require.True(t, res.Failed(), "%v", res)
	require.Equal(t, "Unable to find any of omenopip to use.  pip needs to be installed.", res["msg"])

	// version with state latest
	res = dnfITRun(t, conn, "pip", false, pipITArgs("name", "omepipdemo", "version", "1.0", "state", "latest"))
	require.True(t, res.Failed(), "%v", res)
	require.Equal(t, "version is incompatible with state=latest", res["msg"])
}

// pipITSteps are run by omeprov on one root and by ansible-playbook in
// another; changed, failed and the result keys must agree.
var pipITSteps = []struct {
	args  map[string]any
	check bool
}{
	{pipITArgs("name", "omepipdemo==1.0"), true},
	{pipITArgs("name", "omepipdemo==1.0"), false},
	{pipITArgs("name", "omepipdemo==1.0"), false},
	{pipITArgs("name", "omepipdemo==1.0"), true},
	{pipITArgs("name", "omepipdemo", "version", "2.0"), false},
	{pipITArgs("name", []any{"omepipdemo>=1.5", "<3", "Ome_Pip.Other"}), false},
	{pipITArgs("name", []any{"omepipdemo>=1.5", "<3", "Ome_Pip.Other"}), false},
	{pipITArgs("name", "omepipdemo", "state", "latest"), false},
	{pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil), false},
	{pipITArgs("name", "ome-pip-other", "state", "absent", "extra_args", nil), false},
	{pipITArgs("name", "omenosuchpkg"), false},
	{map[string]any{"name": "omepipdemo", "virtualenv": "/opt/venv", "state": "absent"}, true},
	{map[string]any{"name": "omepipdemo", "virtualenv": "/opt/venv", "state": "absent"}, false},
	{map[string]any{"name": "omepipdemo", "virtualenv": "/opt/venv", "state": "absent"}, false},
}

// TestPipIntegrationAgreesWithAnsible runs the same pip tasks through
// omeprov in one Debian root and through ansible-playbook (ansible-core's
// pip module, -c local) in a second root, and compares changed, failed,
// cmd, name, version, state and virtualenv task by task.
func TestPipIntegrationAgreesWithAnsible(t *testing.T) {
	rpmhost.NeedAnsible(t)
	_, conn := pipITRoot(t)
	adir, _ := pipITRoot(t)

	var play strings.Builder
	play.WriteString("- hosts: localhost\n  gather_facts: false\n  tasks:\n")
	for i, s := range pipITSteps {
		args, err := json.Marshal(s.args)
		require.NoError(t, err)
		fmt.Fprintf(&play, "    - name: step%d\n      pip: %s\n      check_mode: %v\n      ignore_errors: true\n", i, args, s.check)
	}
	out, _, err := rpmhost.RunAnsible(context.Background(), adir, play.String())
	require.NoError(t, err)
	ansible := dnfITAnsibleResults(t, out)
	require.Len(t, ansible, len(pipITSteps), out)

	for i, s := range pipITSteps {
		ours := dnfITRun(t, conn, "pip", s.check, s.args)
		theirs := ansible[i]
		desc := fmt.Sprintf("step %d %v check=%v\nomeprov: %v\nansible: %v", i, s.args, s.check, ours, theirs)
		t.Log(desc)
		require.Equal(t, theirs["changed"], ours.Changed(), desc)
		require.Equal(t, theirs["failed"] == true, ours.Failed(), desc)
		if ours.Failed() {
			require.Contains(t, theirs["msg"], "omenosuchpkg", desc)
			require.Contains(t, ours["msg"], "omenosuchpkg", desc)
			continue
		}
		if s.check {
			continue
		}
		for _, k := range []string{"cmd", "name", "version", "state", "virtualenv", "requirements"} {
			want, _ := json.Marshal(theirs[k])
			got, _ := json.Marshal(ours[k])
			require.JSONEq(t, string(want), string(got), "%s: %s", k, desc)
		}
	}
}
