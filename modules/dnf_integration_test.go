package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/rpmhost"
	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
)

// dnfITPackages are the packages of the test repository.
var dnfITPackages = []rpmhost.Package{
	{Name: "omefoo", Version: "1.0", Requires: []string{"omebar"}},
	{Name: "omefoo", Version: "2.0", Requires: []string{"omebar"}},
	{Name: "omebar", Version: "1.0"},
	{Name: "omebaz", Version: "3.0", Epoch: 1},
	{Name: "omepy", Version: "1.0", Provides: []string{"python3dist(omepy) = 1.0"}},
	{Name: "omeprov-a-package-with-a-rather-long-name-to-wrap", Version: "1.0.0.12345", Release: "1.el9"},
}

// dnfITRoot makes an EL 9-like root with the test repository.
func dnfITRoot(t *testing.T) (string, *testroot.Chroot) {
	t.Helper()
	rpmhost.Need(t)
	dir := testroot.New(t)
	rpmhost.Setup(t, dir, dnfITPackages...)
	rpmhost.AddGroup(t, dir, "omegroup", "OME Group", "omebar", "omepy")
	return dir, &testroot.Chroot{Root: dir}
}

// dnfITRun validates args with the module's spec, as the engine does,
// and runs the module on conn.
func dnfITRun(t *testing.T, conn *testroot.Chroot, module string, check bool, args map[string]any) modules.Result {
	t.Helper()
	e, ok := modules.Lookup(module)
	require.True(t, ok, module)
	clean, err := modules.Validate(module, e.Spec, args)
	require.NoError(t, err)
	task := &modules.Task{Name: module, Module: module, Args: clean, Conn: conn, Check: check, Diff: true, Host: "el9"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := e.Module.Run(ctx, task)
	require.NoError(t, err)
	return res
}

func dnfITResults(r modules.Result) []string {
	var out []string
	switch v := r["results"].(type) {
	case []string:
		out = append(out, v...)
	case []any:
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
	}
	sort.Strings(out)
	return out
}

func TestDNFIntegrationInstallUpgradeRemove(t *testing.T) {
	dir, conn := dnfITRoot(t)
	base := rpmhost.Installed(t, dir)
	withBase := func(pkgs ...string) []string {
		out := append(append([]string{}, base...), pkgs...)
		sort.Strings(out)
		return out
	}

	// check mode predicts and changes nothing
	res := dnfITRun(t, conn, "dnf", true, map[string]any{"name": "omefoo-1.0-1"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Installed: omebar-1.0-1.noarch", "Installed: omefoo-1.0-1.noarch"}, dnfITResults(res))
	require.Equal(t, "Check mode: No changes made, but would have if not in check mode", res["msg"])
	require.Contains(t, res["diff"].(modules.Diff).Prepared, "omefoo-1.0-1.noarch")
	require.Equal(t, base, rpmhost.Installed(t, dir))

	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omefoo-1.0-1"})
	require.True(t, res.Changed(), "%v", res)
	require.False(t, res.Failed())
	require.Equal(t, []string{"Installed: omebar-1.0-1.noarch", "Installed: omefoo-1.0-1.noarch"}, dnfITResults(res))
	require.Equal(t, withBase("omebar-1.0-1.noarch", "omefoo-1.0-1.noarch"), rpmhost.Installed(t, dir))

	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omefoo-1.0-1"})
	require.False(t, res.Changed(), "%v", res)
	res = dnfITRun(t, conn, "yum", false, map[string]any{"name": "omefoo"})
	require.False(t, res.Changed(), "%v", res)

	// latest upgrades one and installs another in one transaction
	long := "omeprov-a-package-with-a-rather-long-name-to-wrap"
	res = dnfITRun(t, conn, "dnf", true, map[string]any{"name": []any{"omefoo", long}, "state": "latest"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Installed: omefoo-2.0-1.noarch", "Installed: " + long + "-1.0.0.12345-1.el9.noarch", "Removed: omefoo-1.0-1.noarch"}, dnfITResults(res))
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"omefoo", long}, "state": "latest"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Installed: omefoo-2.0-1.noarch", "Installed: " + long + "-1.0.0.12345-1.el9.noarch", "Removed: omefoo-1.0-1.noarch"}, dnfITResults(res))
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"omefoo", long}, "state": "latest"})
	require.False(t, res.Changed(), "%v", res)

	// a newer version installed: an older NEVR is not a downgrade
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omefoo-1.0-1"})
	require.False(t, res.Changed(), "%v", res)

	// provides and version comparisons are dnf's to answer
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"python3dist(omepy)", "omefoo >= 1.5"}})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Installed: omepy-1.0-1.noarch"}, dnfITResults(res))
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"python3dist(omepy)", "omefoo >= 1.5"}})
	require.False(t, res.Changed(), "%v", res)

	// epochs are shown as dnf shows them
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebaz"})
	require.Equal(t, []string{"Installed: omebaz-1:3.0-1.noarch"}, dnfITResults(res))

	// removal: only what was named (no autoremove), then nothing
	res = dnfITRun(t, conn, "dnf", true, map[string]any{"name": "omefoo,omebaz", "state": "absent"})
	require.True(t, res.Changed(), "%v", res)
	require.Contains(t, rpmhost.Installed(t, dir), "omefoo-2.0-1.noarch")
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omefoo,omebaz", "state": "absent"})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Removed: omebaz-1:3.0-1.noarch", "Removed: omefoo-2.0-1.noarch"}, dnfITResults(res))
	require.Contains(t, rpmhost.Installed(t, dir), "omebar-1.0-1.noarch")
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omefoo,omebaz", "state": "absent"})
	require.False(t, res.Changed(), "%v", res)

	// autoremove takes the dependency that is no longer needed
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"autoremove": true})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Removed: omebar-1.0-1.noarch"}, dnfITResults(res))
}

func TestDNFIntegrationFailures(t *testing.T) {
	dir, conn := dnfITRoot(t)
	base := rpmhost.Installed(t, dir)

	// a missing package is named; nothing of the task is installed
	res := dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"omebar", "omenosuch"}})
	require.True(t, res.Failed(), "%v", res)
	require.Equal(t, "Failed to install some of the specified packages", res["msg"])
	require.Equal(t, []string{"No package omenosuch available."}, res["failures"])
	require.Equal(t, base, rpmhost.Installed(t, dir))

	// a hostile name is a name
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": []any{"omebar;touch /tmp/pwned", "$(touch /tmp/pwned2)"}})
	require.True(t, res.Failed(), "%v", res)
	require.NoFileExists(t, filepath.Join(dir, "tmp/pwned"))
	require.NoFileExists(t, filepath.Join(dir, "tmp/pwned2"))

	// space-separated names are refused as Ansible refuses them
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar omefoo"})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "space separated string of packages")

	// a depsolve failure reports dnf's own message
	rpmhost.AddToRepo(t, dir, rpmhost.Package{Name: "omebroken", Version: "1.0", Requires: []string{"omeabsent >= 2"}})
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebroken", "update_cache": true})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "omeabsent")
	require.Equal(t, base, rpmhost.Installed(t, dir))

	// removing a path is refused
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "/tmp/x.rpm", "state": "absent"})
	require.True(t, res.Failed(), "%v", res)
	require.Equal(t, "Cannot remove paths -- please specify package name.", res["msg"])

	// a held lock is waited for, then reported
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "var/cache/dnf"), 0o755))
	lock := filepath.Join(dir, "var/cache/dnf/metadata_lock.pid")
	require.NoError(t, os.WriteFile(lock, []byte(fmt.Sprint(os.Getpid())), 0o644))
	start := time.Now()
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar", "lock_timeout": 2})
	require.True(t, res.Failed(), "%v", res)
	require.Equal(t, "dnf lockfile is held by another process", res["msg"])
	require.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	require.Equal(t, base, rpmhost.Installed(t, dir))
	// released while waiting: the task goes on
	go func() { time.Sleep(1500 * time.Millisecond); os.Remove(lock) }()
	require.NoError(t, os.WriteFile(lock, []byte(fmt.Sprint(os.Getpid())), 0o644))
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar", "lock_timeout": 30})
	require.False(t, res.Failed(), "%v", res)
	require.True(t, res.Changed(), "%v", res)
}

func TestDNFIntegrationLocalFileAndRepos(t *testing.T) {
	dir, conn := dnfITRoot(t)
	rpms, err := rpmhost.Build(t.TempDir(), rpmhost.Package{Name: "omelocal", Version: "0.1"})
	require.NoError(t, err)
	b, err := os.ReadFile(rpms[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tmp/omelocal-0.1-1.noarch.rpm"), b, 0o644))

	args := map[string]any{"name": "/tmp/omelocal-0.1-1.noarch.rpm", "disable_gpg_check": true}
	res := dnfITRun(t, conn, "dnf", false, args)
	require.True(t, res.Changed(), "%v", res)
	require.Contains(t, dnfITResults(res), "Installed: omelocal-0.1-1.noarch")
	res = dnfITRun(t, conn, "dnf", false, args)
	require.False(t, res.Changed(), "%v", res)

	// a missing file is reported as such
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "/tmp/nosuch.rpm"})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "/tmp/nosuch.rpm")

	// disablerepo hides the repository for the task only
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar", "disablerepo": "local"})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, fmt.Sprint(res["failures"]), "no enabled repositories")
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar", "disablerepo": "*", "enablerepo": "local"})
	require.True(t, res.Changed(), "%v", res)

	// list
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"list": "omefoo"})
	require.False(t, res.Failed(), "%v", res)
	require.Len(t, res["results"], 2)
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"list": "repos"})
	require.Equal(t, []map[string]any{{"repoid": "local", "state": "enabled"}}, res["results"])

	// update_cache alone
	res = dnfITRun(t, conn, "dnf", false, map[string]any{"update_cache": true})
	require.False(t, res.Failed(), "%v", res)
	require.Equal(t, "Cache updated", res["msg"])
}

// TestDNFIntegrationConfigManager enables a repository the way EL hosts
// enable CRB (`dnf config-manager --set-enabled crb`, a command task),
// and checks that the dnf module sees it. It needs dnf-plugins-core in
// the test root.
func TestDNFIntegrationConfigManager(t *testing.T) {
	_, conn := dnfITRoot(t)
	ctx := context.Background()
	res, err := conn.Exec(ctx, "dnf config-manager --help >/dev/null 2>&1", nil)
	require.NoError(t, err)
	if res.ExitCode != 0 {
		why := "dnf config-manager is missing in the test root (add dnf-plugins-core to testroot.Packages)"
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	res, err = conn.Exec(ctx, "dnf -y config-manager --set-disabled local", nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s%s", res.Stdout, res.Stderr)
	r := dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar"})
	require.True(t, r.Failed(), "%v", r)
	res, err = conn.Exec(ctx, "dnf -y config-manager --set-enabled local", nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s%s", res.Stdout, res.Stderr)
	r = dnfITRun(t, conn, "dnf", false, map[string]any{"name": "omebar"})
	require.True(t, r.Changed(), "%v", r)
}

// dnfITSteps are run by omeprov on one root and by ansible-playbook on
// another; their results must agree.
var dnfITSteps = []struct {
	args  map[string]any
	check bool
}{
	{map[string]any{"name": "omefoo-1.0-1"}, true},
	{map[string]any{"name": "omefoo-1.0-1"}, false},
	{map[string]any{"name": "omefoo-1.0-1"}, false},
	{map[string]any{"name": "omefoo-1.0"}, true}, // ansible's NEVR needs a release: a downgrade request
	{map[string]any{"name": []any{"omefoo", "omeprov-a-package-with-a-rather-long-name-to-wrap"}, "state": "latest"}, true},
	{map[string]any{"name": []any{"omefoo", "omeprov-a-package-with-a-rather-long-name-to-wrap"}, "state": "latest"}, false},
	{map[string]any{"name": []any{"omefoo", "omeprov-a-package-with-a-rather-long-name-to-wrap"}, "state": "latest"}, false},
	{map[string]any{"name": "omefoo-1.0-1"}, false},
	{map[string]any{"name": []any{"omebar", "omenosuch"}}, false},
	{map[string]any{"name": "python3dist(omepy)"}, false},
	{map[string]any{"name": "omebaz"}, false},
	{map[string]any{"name": "omebaz,omepy", "state": "absent"}, true},
	{map[string]any{"name": "omebaz,omepy", "state": "absent"}, false},
	{map[string]any{"name": "omebaz,omepy", "state": "absent"}, false},
	{map[string]any{"name": "omefoo", "state": "absent", "autoremove": true}, false},
	{map[string]any{"name": "omenot*", "state": "absent"}, false},
	{map[string]any{"name": "@omegroup"}, true},
	{map[string]any{"name": "@omegroup"}, false},
	{map[string]any{"name": "@omegroup"}, false},
	{map[string]any{"name": "@omegroup", "state": "absent"}, false},
}

// TestDNFIntegrationAgreesWithAnsible runs the same tasks through omeprov
// on one EL 9-like root and through ansible-playbook (ansible-core's dnf
// module, -c local) inside a second root made the same way, and compares
// changed, failed, msg, failures and the results (as sets) task by task.
func TestDNFIntegrationAgreesWithAnsible(t *testing.T) {
	rpmhost.NeedAnsible(t)
	_, conn := dnfITRoot(t)
	adir, _ := dnfITRoot(t)

	var play strings.Builder
	play.WriteString("- hosts: localhost\n  gather_facts: false\n  tasks:\n")
	for i, s := range dnfITSteps {
		args, err := json.Marshal(s.args)
		require.NoError(t, err)
		fmt.Fprintf(&play, "    - name: step%d\n      dnf: %s\n      check_mode: %v\n      ignore_errors: true\n", i, args, s.check)
	}
	out, _, err := rpmhost.RunAnsible(context.Background(), adir, play.String())
	require.NoError(t, err)
	ansible := dnfITAnsibleResults(t, out)
	require.Len(t, ansible, len(dnfITSteps), out)

	for i, s := range dnfITSteps {
		ours := dnfITRun(t, conn, "dnf", s.check, s.args)
		theirs := ansible[i]
		desc := fmt.Sprintf("step %d %v check=%v\nomeprov: %v\nansible: %v", i, s.args, s.check, ours, theirs)
		t.Log(desc)
		require.Equal(t, theirs["changed"], ours.Changed(), desc)
		require.Equal(t, theirs["failed"] == true, ours.Failed(), desc)
		require.Equal(t, theirs["msg"], ours["msg"], desc)
		require.Equal(t, dnfITResults(modules.Result(theirs)), dnfITResults(ours), desc)
		if f, ok := theirs["failures"]; ok {
			require.Equal(t, fmt.Sprint(f), fmt.Sprint(ours["failures"]), desc)
		}
	}
}

// dnfITAnsibleResults reads the per-task results of localhost from the
// json stdout callback.
func dnfITAnsibleResults(t *testing.T, out string) []map[string]any {
	t.Helper()
	i := strings.Index(out, "{")
	require.GreaterOrEqual(t, i, 0, out)
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal([]byte(out[i:]), &doc), out)
	require.NotEmpty(t, doc.Plays, out)
	var res []map[string]any
	for _, task := range doc.Plays[0].Tasks {
		res = append(res, task.Hosts["localhost"])
	}
	return res
}
