package pypolicy_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/internal/rpmhost"
	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/inventory"
	"github.com/ome/omeprov/playbook"
	"github.com/ome/omeprov/pypolicy"
)

// These tests run playbooks through the real engine (playbook.Executor,
// with fact gathering and the real pip, dnf and apt modules) on a test
// root (internal/testroot) reached through chroot: the executor's Dial
// returns the root's connection for every host.

// itWheels builds wheels of omepipdemo 1.0 and omepipother 0.5 into dir,
// offline, with the machine's pip.
func itWheels(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("/usr/bin/python3 is needed")
		}
		t.Skip("/usr/bin/python3 is not installed")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, w := range [][2]string{{"omepipdemo", "1.0"}, {"omepipother", "0.5"}} {
		src := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(src, "setup.py"),
			[]byte(fmt.Sprintf("from setuptools import setup\nsetup(name=%q, version=%q, py_modules=[%q])\n", w[0], w[1], w[0])), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(src, w[0]+".py"), []byte("VERSION = "+fmt.Sprintf("%q", w[1])+"\n"), 0o644))
		cmd := exec.Command("/usr/bin/python3", "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps", "--no-index", "-w", dir, ".")
		cmd.Dir = src
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "PIP_") {
				cmd.Env = append(cmd.Env, e)
			}
		}
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

// run runs playbook text on the root as host NAME through the engine
// with a fresh policy in mode; it returns the exit code, stdout (with
// the report) and stderr (warnings).
func run(t *testing.T, root, host, play string, mode pypolicy.Mode) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	pbPath := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(pbPath, []byte(play), 0o644))
	invPath := filepath.Join(dir, "hosts")
	require.NoError(t, os.WriteFile(invPath, []byte(host+"\n"), 0o644))
	inv, err := inventory.Load([]string{invPath})
	require.NoError(t, err)
	pb, err := playbook.Load(pbPath, playbook.LoadOptions{})
	require.NoError(t, err)
	var out, errw bytes.Buffer
	pol := pypolicy.New(mode, &errw)
	ex := playbook.New(playbook.Options{
		Inventory: inv, Forks: 1,
		Callback: playbook.NewDefaultCallback(&out, &errw, 0, false, false),
		Hooks:    []playbook.TaskHook{pol}, ReportTo: &out,
		Dial: func(ctx context.Context, p connection.Params) (connection.Connection, error) {
			return &testroot.Chroot{Root: root}, nil
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := ex.Run(ctx, pb)
	require.NoError(t, err)
	return res.ExitCode, out.String(), errw.String()
}

func sh(t *testing.T, root, cmd string) (string, int) {
	t.Helper()
	res, err := (&testroot.Chroot{Root: root}).Exec(context.Background(), cmd, nil)
	require.NoError(t, err)
	return string(res.Stdout) + string(res.Stderr), res.ExitCode
}

// systemPip lists what pip sees in the system Python, lower-cased.
func systemPip(t *testing.T, root string) string {
	out, _ := sh(t, root, "python3 -m pip list --format=freeze --disable-pip-version-check 2>/dev/null | grep -i omepip | sort")
	return strings.ToLower(strings.TrimSpace(out))
}

const pipExtra = "--no-index --find-links /srv/wheels --break-system-packages"

// playPip is a play whose line 5 is the pip task.
func playPip(vars string, names ...string) string {
	return fmt.Sprintf(`- hosts: all
  gather_facts: true
  %s
  tasks:
    - name: pip into the system Python
      pip:
        name: [%s]
        extra_args: %s
`, vars, strings.Join(names, ", "), pipExtra)
}

func TestRPMHostPolicy(t *testing.T) {
	rpmhost.Need(t)
	root := testroot.New(t)
	rpmhost.Setup(t, root,
		rpmhost.Package{Name: "python3-omepipdemo", Version: "1.0", Release: "3.el9",
			Provides: []string{"python3dist(omepipdemo) = 1.0", "python3.11dist(omepipdemo) = 1.0"},
			Files:    map[string]string{"/usr/lib/python3/dist-packages/omepipdemo.py": "VERSION = '1.0-rpm'\n"}})
	itWheels(t, filepath.Join(root, "srv/wheels"))

	// enforce: the task fails before pip runs, at its file:line, naming
	// the package, its version and the fix; nothing is installed
	code, out, _ := run(t, root, "el9", playPip("vars: {}", "omepipdemo", "omepipother"), pypolicy.Enforce)
	require.Equal(t, 2, code, out)
	require.Regexp(t, `fatal: \[el9\]: FAILED! => .*python policy: /[^ ]*/site.yml:5: pip would install omepipdemo into the system Python, but the distribution packages it: `+
		`python3-omepipdemo 1.0-3.el9 \(repo local\)\. Install python3-omepipdemo with dnf instead`, out)
	require.Empty(t, systemPip(t, root))
	_, rc := sh(t, root, "rpm -q python3-omepipdemo")
	require.NotEqual(t, 0, rc)
	require.Contains(t, out, "PLAY RECAP")
	require.Regexp(t, `(?s)PLAY RECAP.*\nPYTHON POLICY \*+\nel9 +: violations=1 +warned=0 +fixed=0 +missing=0 *\n`, out)
	require.Regexp(t, `site.yml:5: omepipother via pip \(system Python\): pip \(not packaged by the distribution\) \[ok\]`, out)

	// a virtualenv is isolated: allowed, and listed
	code, out, _ = run(t, root, "el9", `- hosts: all
  tasks:
    - pip:
        name: omepipdemo
        virtualenv: /opt/venv
        virtualenv_command: python3 -m venv
        extra_args: --no-index --find-links /srv/wheels
`, pypolicy.Enforce)
	require.Equal(t, 0, code, out)
	require.Regexp(t, `site.yml:3: omepipdemo via pip \(virtualenv /opt/venv\): pip into virtualenv /opt/venv \[ok\]`, out)
	require.Contains(t, out, "violations=0")

	// a dnf task for a python3 package the distribution lacks says to use pip
	code, out, _ = run(t, root, "el9", `- hosts: all
  gather_facts: false
  tasks:
    - dnf:
        name: [python3-omepipdemo, python3-omenosuch]
`, pypolicy.Enforce)
	require.Equal(t, 2, code, out)
	require.Regexp(t, `site.yml:4: python3-omenosuch is not packaged by this host's distribution \(no match in its enabled repositories\): if omenosuch is a PyPI-only module, install it with pip, into a virtualenv`, out)
	_, rc = sh(t, root, "rpm -q python3-omepipdemo")
	require.NotEqual(t, 0, rc, "the task did not run")

	// fix (set for the play): dnf installs the distribution's package,
	// pip the rest
	code, out, warn := run(t, root, "el9", playPip("vars: {omeprov_python_policy: fix}", "omepipdemo", "omepipother"), pypolicy.Enforce)
	require.Equal(t, 0, code, out)
	require.Regexp(t, `python policy \(fix\): /[^ ]*/site.yml:5: installed python3-omepipdemo with dnf instead of pip`, warn)
	got, rc := sh(t, root, "rpm -q python3-omepipdemo")
	require.Equal(t, 0, rc, got)
	require.Equal(t, "omepipother==0.5", systemPip(t, root))
	require.Regexp(t, `violations=0 +warned=0 +fixed=1`, out)
	require.Regexp(t, `omepipdemo via dnf: distribution: python3-omepipdemo 1.0-3.el9 \(repo [^)]+\) \(dnf\) \[fixed\]`, out)

	// warn (from the command line): pip runs, the violation is printed
	// and counted
	code, out, warn = run(t, root, "el9", playPip("vars: {}", "omepipdemo"), pypolicy.Warn)
	require.Equal(t, 0, code, out)
	require.Regexp(t, `\[WARNING\]: python policy \(warn\): /[^ ]*/site.yml:5: pip would install omepipdemo into the system Python`, warn)
	require.Equal(t, "omepipdemo==1.0\nomepipother==0.5", systemPip(t, root))
	require.Regexp(t, `violations=1 +warned=1 +fixed=0`, out)
	require.Contains(t, out, "changed: [el9]")
}

// debRepo builds .deb packages into root's /srv/debrepo and makes it the
// root's only apt source.
func debRepo(t *testing.T, root string, pkgs map[string]string) {
	t.Helper()
	for _, tool := range []string{"dpkg-deb", "dpkg-scanpackages"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal(tool + " is needed (apt-get install dpkg-dev)")
			}
			t.Skip(tool + " is not installed (apt-get install dpkg-dev)")
		}
	}
	repo := filepath.Join(root, "srv/debrepo")
	require.NoError(t, os.MkdirAll(repo, 0o755))
	for name, version := range pkgs {
		b := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(b, "DEBIAN"), 0o755))
		require.NoError(t, os.MkdirAll(filepath.Join(b, "usr/lib/python3/dist-packages"), 0o755))
		ctl := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: omeprov <omeprov@example.org>\nDescription: omeprov test package\n", name, version)
		require.NoError(t, os.WriteFile(filepath.Join(b, "DEBIAN/control"), []byte(ctl), 0o644))
		mod := strings.ReplaceAll(strings.TrimPrefix(name, "python3-"), "-", "_")
		require.NoError(t, os.WriteFile(filepath.Join(b, "usr/lib/python3/dist-packages", mod+".py"), []byte("VERSION = 'deb'\n"), 0o644))
		out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", b, filepath.Join(repo, name+"_"+version+"_all.deb")).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	cmd.Dir = repo
	idx, err := cmd.Output()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "Packages"), idx, 0o644))
	os.Remove(filepath.Join(root, "etc/apt/sources.list"))
	os.RemoveAll(filepath.Join(root, "etc/apt/sources.list.d"))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc/apt/sources.list.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/apt/sources.list"), []byte("deb [trusted=yes] file:/srv/debrepo ./\n"), 0o644))
	out, rc := sh(t, root, "apt-get update -q 2>&1")
	require.Equal(t, 0, rc, out)
}

func TestDebianHostPolicy(t *testing.T) {
	root := testroot.New(t)
	debRepo(t, root, map[string]string{"python3-omepipdemo": "1.0-2"})
	itWheels(t, filepath.Join(root, "srv/wheels"))

	code, out, _ := run(t, root, "deb12", playPip("vars: {}", "omepipdemo", "omepipother"), pypolicy.Enforce)
	require.Equal(t, 2, code, out)
	require.Regexp(t, `python policy: /[^ ]*/site.yml:5: pip would install omepipdemo into the system Python, but the distribution packages it: `+
		`python3-omepipdemo 1.0-2\. Install python3-omepipdemo with apt instead`, out)
	require.Empty(t, systemPip(t, root))
	_, rc := sh(t, root, "dpkg -s python3-omepipdemo >/dev/null 2>&1")
	require.NotEqual(t, 0, rc)

	// an apt task for a python3 package Debian lacks
	code, out, _ = run(t, root, "deb12", `- hosts: all
  tasks:
    - apt:
        name: python3-omenosuch
`, pypolicy.Enforce)
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "python3-omenosuch is not packaged by this host's distribution")

	// fix: apt installs the distribution's package, pip the rest
	code, out, warn := run(t, root, "deb12", playPip("vars: {}", "omepipdemo", "omepipother"), pypolicy.Fix)
	require.Equal(t, 0, code, out)
	require.Contains(t, warn, "installed python3-omepipdemo with apt instead of pip")
	_, rc = sh(t, root, "dpkg -s python3-omepipdemo >/dev/null 2>&1")
	require.Equal(t, 0, rc)
	require.Equal(t, "omepipother==0.5", systemPip(t, root))
	require.Regexp(t, `deb12 +: violations=0 +warned=0 +fixed=1`, out)

	// warn: pip runs and the violation is counted
	code, out, warn = run(t, root, "deb12", playPip("vars: {omeprov_python_policy: warn}", "omepipdemo"), pypolicy.Enforce)
	require.Equal(t, 0, code, out)
	require.Contains(t, warn, "pip would install omepipdemo into the system Python")
	require.Regexp(t, `deb12 +: violations=1 +warned=1`, out)
	require.Equal(t, "omepipdemo==1.0\nomepipother==0.5", systemPip(t, root))
}
