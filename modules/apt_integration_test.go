package modules_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// needTool skips (or, under CI, fails) a test when a tool is missing.
func needTool(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed (CI is set)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// aptRoot makes a bookworm root whose only apt source is the local
// repository built by testdata/apt/mkrepo.sh, with its lists fetched.
func aptRoot(t *testing.T) (string, *testroot.Chroot) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	needTool(t, "dpkg-deb", "dpkg-scanpackages")
	dir := testroot.New(t)
	mkrepo, err := filepath.Abs("testdata/apt/mkrepo.sh")
	require.NoError(t, err)
	out, err := exec.Command(mkrepo, dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	conn := &testroot.Chroot{Root: dir}
	res, err := conn.Exec(context.Background(), "apt-get update -q", nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
	return dir, conn
}

func dpkgVersion(t *testing.T, conn *testroot.Chroot, name string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), "dpkg-query -W -f='${Status} ${Version}' "+name+" 2>/dev/null", nil)
	require.NoError(t, err)
	s := string(res.Stdout)
	if !strings.HasPrefix(s, "install ok installed ") {
		return ""
	}
	return strings.TrimPrefix(s, "install ok installed ")
}

func aptOn(t *testing.T, conn *testroot.Chroot, check bool, args map[string]any) modules.Result {
	t.Helper()
	task := aptTask(nil, args)
	task.Conn = conn
	task.Check = check
	task.Diff = true
	return runAptTask(t, task)
}

func TestAptIntegrationInstallUpgradeRemove(t *testing.T) {
	_, conn := aptRoot(t)
	hello10 := map[string]any{"name": []any{"omeprov-hello=1.0"}}

	res := aptOn(t, conn, true, hello10)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "", dpkgVersion(t, conn, "omeprov-hello"), "check mode changes nothing")
	require.Contains(t, res["diff"].(modules.Diff).Prepared, "omeprov-hello")

	res = aptOn(t, conn, false, hello10)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-hello"))
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-dep"))
	res = aptOn(t, conn, false, hello10)
	require.False(t, res.Changed(), "%v", res)
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-hello"}})
	require.False(t, res.Changed(), "present keeps the installed version: %v", res)

	latest := map[string]any{"name": []any{"omeprov-hello"}, "state": "latest"}
	res = aptOn(t, conn, true, latest)
	require.True(t, res.Changed())
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-hello"))
	res = aptOn(t, conn, false, latest)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "2.0", dpkgVersion(t, conn, "omeprov-hello"))
	res = aptOn(t, conn, false, latest)
	require.False(t, res.Changed(), "%v", res)

	// A downgrade needs allow_downgrade.
	res = aptOn(t, conn, false, hello10)
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "E: Packages were downgraded and -y was used without --allow-downgrades.")
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-hello=1.*"}, "allow_downgrade": true})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-hello"))

	absent := map[string]any{"name": []any{"omeprov-hello"}, "state": "absent", "autoremove": true}
	res = aptOn(t, conn, true, absent)
	require.True(t, res.Changed())
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-hello"))
	res = aptOn(t, conn, false, absent)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "", dpkgVersion(t, conn, "omeprov-hello"))
	require.Equal(t, "", dpkgVersion(t, conn, "omeprov-dep"), "autoremove took the dependency")
	res = aptOn(t, conn, false, absent)
	require.Equal(t, modules.Result{"changed": false}, res)

	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-nosuch"}})
	require.True(t, res.Failed())
	require.Equal(t, "No package matching 'omeprov-nosuch' is available", res["msg"])
}

func TestAptIntegrationVirtualWildcardPurgeDeb(t *testing.T) {
	dir, conn := aptRoot(t)

	virt := map[string]any{"name": []any{"omeprov-virtual"}}
	res := aptOn(t, conn, false, virt)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-impl"))
	res = aptOn(t, conn, false, virt)
	require.False(t, res.Changed(), "the only provider is installed: %v", res)

	wild := map[string]any{"name": []any{"omeprov-e*"}}
	res = aptOn(t, conn, false, wild)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-extra"))
	res = aptOn(t, conn, false, wild)
	require.False(t, res.Changed(), "%v", res)

	// Remove leaves the conffile; purge removes it.
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-conf"}})
	require.True(t, res.Changed(), "%v", res)
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-conf"}, "state": "absent"})
	require.True(t, res.Changed(), "%v", res)
	require.FileExists(t, filepath.Join(dir, "etc/omeprov-conf.conf"))
	purge := map[string]any{"name": []any{"omeprov-conf"}, "state": "absent", "purge": true}
	res = aptOn(t, conn, false, purge)
	require.True(t, res.Changed(), "%v", res)
	require.NoFileExists(t, filepath.Join(dir, "etc/omeprov-conf.conf"))
	res = aptOn(t, conn, false, purge)
	require.False(t, res.Changed(), "%v", res)

	// A local .deb, with its dependency from the repository.
	deb := map[string]any{"deb": "/srv/debrepo/omeprov-hello_2.0_all.deb"}
	res = aptOn(t, conn, true, deb)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "", dpkgVersion(t, conn, "omeprov-hello"))
	res = aptOn(t, conn, false, deb)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "2.0", dpkgVersion(t, conn, "omeprov-hello"))
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-dep"))
	res = aptOn(t, conn, false, deb)
	require.False(t, res.Changed(), "%v", res)
	res = aptOn(t, conn, false, map[string]any{"deb": "/srv/debrepo/omeprov-hello_1.0_all.deb"})
	require.True(t, res.Failed())
	require.Equal(t, "A later version is already installed", res["msg"])
	res = aptOn(t, conn, false, map[string]any{"deb": "/srv/debrepo/missing.deb"})
	require.True(t, res.Failed())
}

func TestAptIntegrationCacheAndLock(t *testing.T) {
	_, conn := aptRoot(t)
	ctx := context.Background()

	res := aptOn(t, conn, false, map[string]any{"update_cache": true, "cache_valid_time": 3600})
	require.False(t, res.Changed(), "the cache was just updated: %v", res)
	// Make the lists look old.
	_, err := conn.Exec(ctx, "touch -d '2 hours ago' /var/lib/apt/lists", nil)
	require.NoError(t, err)
	res = aptOn(t, conn, true, map[string]any{"update_cache": true, "cache_valid_time": 3600})
	require.True(t, res.Changed(), "%v", res)
	res = aptOn(t, conn, false, map[string]any{"update_cache": true, "cache_valid_time": 3600})
	require.Equal(t, true, res["cache_updated"], "%v", res)
	require.InDelta(t, time.Now().Unix(), res["cache_update_time"], 60)

	// Another process holds the dpkg lock for 3 s: the module waits.
	hold := func(seconds string) chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			conn.Exec(ctx, `python3 -c 'import fcntl,time; f=open("/var/lib/dpkg/lock-frontend","w"); fcntl.lockf(f, fcntl.LOCK_EX); open("/tmp/locked","w").close(); time.sleep(`+seconds+`)'`, nil)
		}()
		for i := 0; i < 100; i++ {
			if r, _ := conn.Exec(ctx, "test -e /tmp/locked", nil); r != nil && r.ExitCode == 0 {
				conn.Exec(ctx, "rm -f /tmp/locked", nil)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		return done
	}
	done := hold("3")
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-extra"}, "lock_timeout": 30})
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "1.0", dpkgVersion(t, conn, "omeprov-extra"))
	<-done

	done = hold("6")
	res = aptOn(t, conn, false, map[string]any{"name": []any{"omeprov-dep"}, "lock_timeout": 1})
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "Failed to lock apt for exclusive operation: E: Could not get lock /var/lib/dpkg/lock-frontend")
	<-done
}

var _ = modtest.New
