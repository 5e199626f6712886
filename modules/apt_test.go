package modules_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// recorded reads a recorded output under testdata, without its first line
// (which says where the output came from).
func recorded(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + path)
	require.NoError(t, err)
	s := string(b)
	require.True(t, strings.HasPrefix(s, "# Recorded"), "%s must say where it came from", path)
	_, rest, _ := strings.Cut(s, "\n")
	return rest
}

const aptProbeOut = "aptitude=0\nnow=1700000000\ncache=1699999000\n"

func aptTask(c *modtest.Conn, args map[string]any) *modules.Task {
	full := map[string]any{
		"state": "present", "update_cache_retries": 5, "update_cache_retry_max_delay": 12,
		"cache_valid_time": 0, "purge": false, "force": false, "upgrade": "no",
		"dpkg_options": "force-confdef,force-confold", "autoremove": false, "autoclean": false,
		"fail_on_autoremove": false, "only_upgrade": false, "force_apt_get": false, "clean": false,
		"allow_unauthenticated": false, "allow_downgrade": false, "allow_change_held_packages": false,
		"lock_timeout": 60,
	}
	for k, v := range args {
		full[k] = v
	}
	// The engine's validation fills defaults as the module will get them;
	// arguments it rejects go to the module as written (the module checks
	// them again).
	e, _ := modules.Lookup("apt")
	if clean, err := modules.Validate("apt", e.Spec, args); err == nil {
		return modtest.Task(c, "apt", clean)
	}
	return modtest.Task(c, "apt", full)
}

func runAptTask(t *testing.T, task *modules.Task) modules.Result {
	t.Helper()
	e, ok := modules.Lookup("ansible.builtin.apt")
	require.True(t, ok)
	res, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	return res
}

// queryReply answers the state query with recorded dpkg-query and
// apt-cache policy output.
func queryReply(t *testing.T) *modtest.Reply {
	return &modtest.Reply{Match: `^dpkg-query -W`, Stdout: recorded(t, "apt/dpkg-query.txt") + "@@policy\n" + recorded(t, "apt/policy.txt")}
}

func TestAptRegistered(t *testing.T) {
	for _, n := range []string{"apt", "ansible.builtin.apt", "ansible.legacy.apt"} {
		e, ok := modules.Lookup(n)
		require.True(t, ok, n)
		require.True(t, e.Spec.CheckMode)
		require.Contains(t, e.Spec.Params["name"].Aliases, "package")
	}
}

func TestAptAlreadyInstalledIsUnchanged(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-mark manual omeprov-hello$`})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-hello"}}))
	require.False(t, res.Failed(), "%v", res)
	require.False(t, res.Changed())
	require.Equal(t, false, res["cache_updated"])
	require.Equal(t, int64(1699999000), res["cache_update_time"])
	for _, cmd := range c.Commands() {
		require.NotContains(t, cmd, "apt-get -y")
	}
}

func TestAptInstallRunsOneTransaction(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-cache showpkg omeprov-virtual$`, Stdout: recorded(t, "apt/showpkg-virtual.txt")},
		&modtest.Reply{Match: `^apt-get -y .* install `, Stdout: recorded(t, "apt/simulate-install.txt")},
		&modtest.Reply{Match: `^apt-mark manual `}, &modtest.Reply{Match: `^apt-cache showpkg omeprov-impl$`})
	task := aptTask(c, map[string]any{"name": []any{"omeprov-hello=2.0", "omeprov-extra", "omeprov-virtual"}, "install_recommends": false})
	task.Diff = true
	res := runAptTask(t, task)
	require.False(t, res.Failed(), "%v", res)
	require.True(t, res.Changed())
	cmds := c.Commands()
	var install string
	for _, cmd := range cmds {
		if strings.HasPrefix(cmd, "apt-get -y") {
			require.Empty(t, install, "one transaction")
			install = cmd
		}
	}
	require.Equal(t, "apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install omeprov-hello=2.0 omeprov-extra=1.0 omeprov-virtual -o APT::Install-Recommends=no", install)
	require.Equal(t, "apt-mark manual omeprov-hello omeprov-extra omeprov-virtual", cmds[len(cmds)-1])
	d := res["diff"].(modules.Diff)
	require.Contains(t, d.Prepared, "The following NEW packages will be installed:\n  omeprov-extra")
	require.True(t, strings.HasSuffix(d.Prepared, "1 upgraded, 1 newly installed, 0 to remove and 0 not upgraded."))
	require.Contains(t, res["stdout_lines"], "Inst omeprov-extra (1.0 localhost [all])")
	require.Equal(t, "noninteractive", c.Calls[2].Env["DEBIAN_FRONTEND"])
}

func TestAptCheckModeSimulates(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -y .* --simulate install omeprov-hello=2.0$`, Stdout: recorded(t, "apt/simulate-install.txt")})
	task := aptTask(c, map[string]any{"name": []any{"omeprov-hello"}, "state": "latest", "update_cache": true})
	task.Check = true
	res := runAptTask(t, task)
	require.False(t, res.Failed(), "%v", res)
	require.True(t, res.Changed())
	require.Equal(t, true, res["cache_updated"], "a stale cache would be updated")
	for _, cmd := range c.Commands() {
		require.NotContains(t, cmd, "apt-mark")
		require.NotContains(t, cmd, "apt-get update")
	}
}

func TestAptMissingPackageNamesIt(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-cache showpkg nosuch$`, Stderr: "N: Unable to locate package nosuch\n"})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-extra", "nosuch"}}))
	require.True(t, res.Failed())
	require.Equal(t, "No package matching 'nosuch' is available", res["msg"])
}

func TestAptHostileNameIsNeverCode(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^dpkg-query -W`, Stdout: "@@policy\n"},
		&modtest.Reply{Match: `^apt-cache showpkg `})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"x;reboot|`id`$(id)"}}))
	require.True(t, res.Failed())
	require.Equal(t, "No package matching 'x;reboot|`id`$(id)' is available", res["msg"])
	require.Contains(t, c.Commands()[1], "'x;reboot|`id`$(id)'")
	require.Equal(t, "apt-cache showpkg 'x;reboot|`id`$(id)'", c.Commands()[2])
	// A name with a space is no package name at all.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"x; rm -rf /"}}))
	require.Equal(t, "No package matching 'x; rm -rf /' is available", res["msg"])
	require.Len(t, c.Commands(), 1)

	// A name that looks like an option never reaches a command line.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"-oAPT::Update::Pre-Invoke::=touch /pwned"}}))
	require.True(t, res.Failed())
	require.Len(t, c.Commands(), 1)
}

func TestAptFailedTransactionReportsToolMessage(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -y .* install omeprov-extra=1.0$`, Stderr: "E: Sub-process /usr/bin/dpkg returned an error code (1)\n", ExitCode: 100})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-extra"}}))
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "failed: E: Sub-process /usr/bin/dpkg returned an error code (1)")
	require.Equal(t, 100, res["rc"])
}

func TestAptLockIsWaitedForThenReported(t *testing.T) {
	lock := recorded(t, "apt/lock-held.txt")
	lock = strings.TrimSuffix(lock, "rc=100\n")
	// Held once, then free: the module waits and succeeds.
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -y .* install `, Stderr: lock, ExitCode: 100, Times: 1},
		&modtest.Reply{Match: `^apt-get -y .* install `, Stdout: "ok"},
		&modtest.Reply{Match: `^apt-mark manual `})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-extra"}, "lock_timeout": 5}))
	require.False(t, res.Failed(), "%v", res)
	require.True(t, res.Changed())

	// Held for good: reported once lock_timeout has passed.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -y .* install `, Stderr: lock, ExitCode: 100})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-extra"}, "lock_timeout": 0}))
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Failed to lock apt for exclusive operation: E: Could not get lock /var/lib/dpkg/lock-frontend")
}

func TestAptRemoveAndPurge(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -q -y .* remove omeprov-hello$`, Stdout: recorded(t, "apt/simulate-remove.txt")})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-hello", "omeprov-extra", "omeprov-conf", "nosuch"}, "state": "absent"}))
	require.False(t, res.Failed(), "%v", res)
	require.True(t, res.Changed())
	require.NotContains(t, res, "cache_updated")

	// omeprov-conf left its configuration: purge removes it.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -q -y .* --purge remove omeprov-conf$`, Stdout: "Purg omeprov-conf [1.0]\n"})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-conf"}, "state": "absent", "purge": true}))
	require.True(t, res.Changed(), "%v", res)

	// Nothing to remove.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t))
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-extra", "omeprov-conf"}, "state": "absent"}))
	require.Equal(t, modules.Result{"changed": false}, res)
}

func TestAptUpdateCacheOnly(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut, Times: 1},
		&modtest.Reply{Match: `^apt-get update -q$`, Stdout: "Reading package lists...\n"},
		&modtest.Reply{Match: `^command -v apt-get`, Stdout: "aptitude=0\nnow=1700000005\ncache=1700000004\n"})
	res := runAptTask(t, aptTask(c, map[string]any{"update_cache": true}))
	require.Equal(t, modules.Result{"changed": true, "cache_updated": true, "cache_update_time": int64(1700000004)}, res)

	// A cache younger than cache_valid_time is kept.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
	res = runAptTask(t, aptTask(c, map[string]any{"update_cache": true, "cache_valid_time": 3600}))
	require.Equal(t, modules.Result{"changed": false, "cache_updated": false, "cache_update_time": int64(1699999000)}, res)

	// A failing update is reported with apt's message.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^apt-get update -q$`, Stderr: "E: The repository 'file:/nope ./ Release' does not have a Release file.\n", ExitCode: 100})
	res = runAptTask(t, aptTask(c, map[string]any{"update_cache": true, "update_cache_retries": 1}))
	require.True(t, res.Failed())
	require.Equal(t, "Failed to update apt cache: E:The repository 'file:/nope ./ Release' does not have a Release file.", res["msg"])
}

func TestAptUpgrade(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^apt-get -y .* upgrade --with-new-pkgs$`, Stdout: recorded(t, "apt/upgrade-zero.txt")})
	res := runAptTask(t, aptTask(c, map[string]any{"upgrade": "safe"}))
	require.False(t, res.Changed())
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^apt-get -y .* dist-upgrade$`, Stdout: recorded(t, "apt/simulate-upgrade.txt")})
	res = runAptTask(t, aptTask(c, map[string]any{"upgrade": "dist"}))
	require.True(t, res.Changed())
	require.Equal(t, res["stdout"], res["msg"])
	// name: '*' with state latest upgrades everything.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: strings.Replace(aptProbeOut, "aptitude=0", "aptitude=1", 1)},
		&modtest.Reply{Match: `^aptitude -y .* safe-upgrade$`, Stdout: "\n0 packages upgraded, 0 newly installed"})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"*"}, "state": "latest"}))
	require.False(t, res.Changed(), "%v", res)
}

func TestAptBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"name": []any{"a"}, "upgrade": "dist"}, "parameters are mutually exclusive: deb|package|upgrade"},
		{map[string]any{"name": []any{"a=1=2"}}, "invalid package spec: a=1=2"},
		{map[string]any{"name": []any{"*", "a"}, "state": "latest"}, "unable to install additional packages when upgrading all installed packages"},
		{map[string]any{"deb": "/tmp/x.deb", "state": "absent"}, "deb only supports state=present"},
	} {
		e, _ := modules.Lookup("apt")
		_, verr := modules.Validate("apt", e.Spec, tc.args)
		if tc.msg != "invalid package spec: a=1=2" && tc.msg != "unable to install additional packages when upgrading all installed packages" && tc.msg != "deb only supports state=present" {
			require.Error(t, verr, "the engine rejects %v", tc.args)
		}
		c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
		res := runAptTask(t, aptTask(c, tc.args))
		require.True(t, res.Failed(), "%v", tc.args)
		require.Equal(t, tc.msg, res["msg"])
	}
	// `apt:` with nothing to do is a no-op, as ansible localhost -m apt -a '' shows.
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
	res := runAptTask(t, aptTask(c, map[string]any{}))
	require.Equal(t, modules.Result{"changed": false, "cache_updated": false, "cache_update_time": int64(1699999000)}, res)

	// No apt-get on the host.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stderr: "apt-get not found\n", ExitCode: 127})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"a"}}))
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "apt-get not found")
}

func TestAptWildcards(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^apt-cache pkgnames$`, Stdout: "omeprov-hello\nomeprov-extra\nlibc6\nomeprov-hello:i386\n"},
		queryReply(t), &modtest.Reply{Match: `^apt-get -y .* install omeprov-extra=1.0$`, Stdout: "ok"},
		&modtest.Reply{Match: `^apt-mark manual omeprov-extra omeprov-hello$`})
	res := runAptTask(t, aptTask(c, map[string]any{"name": []any{"omeprov-*"}}))
	require.True(t, res.Changed(), "%v", res)

	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^apt-cache pkgnames$`, Stdout: "libc6\n"})
	res = runAptTask(t, aptTask(c, map[string]any{"name": []any{"nothing-[a-c]*"}}))
	require.Equal(t, "No package(s) matching 'nothing-[a-c]*' available", res["msg"])
}

func TestAptDebFromURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/omeprov-extra_1.0_all.deb" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("!<arch>\nfake deb"))
	}))
	defer srv.Close()
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut},
		&modtest.Reply{Match: `^mktemp `, Stdout: "/tmp/omeprov-deb-abc.deb\n"},
		&modtest.Reply{Match: `^dpkg --field /tmp/omeprov-deb-abc.deb Package Version`, Stdout: "Package: omeprov-extra\nVersion: 1.0\nArchitecture: all\n"},
		&modtest.Reply{Match: `^dpkg-query -W`, Stdout: ""},
		&modtest.Reply{Match: `^dpkg --force-confdef --force-confold -i /tmp/omeprov-deb-abc.deb$`, Stdout: "Setting up omeprov-extra (1.0) ...\n"},
		&modtest.Reply{Match: `^rm -f /tmp/omeprov-deb-abc.deb$`})
	res := runAptTask(t, aptTask(c, map[string]any{"deb": srv.URL + "/omeprov-extra_1.0_all.deb"}))
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "!<arch>\nfake deb", string(c.Files["/tmp/omeprov-deb-abc.deb"]))
	require.Equal(t, "rm -f /tmp/omeprov-deb-abc.deb", c.Commands()[len(c.Commands())-1], "the download is removed")

	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut})
	res = runAptTask(t, aptTask(c, map[string]any{"deb": srv.URL + "/missing.deb"}))
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Failure downloading "+srv.URL+"/missing.deb")
}
