package modules_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func runPackageTask(t *testing.T, c *modtest.Conn, facts map[string]any, args map[string]any) modules.Result {
	t.Helper()
	e, ok := modules.Lookup("ansible.builtin.package")
	require.True(t, ok)
	clean, err := modules.Validate("package", e.Spec, args)
	require.NoError(t, err)
	task := modtest.Task(c, "package", clean)
	task.Ctl = &modtest.Controller{FactMap: facts}
	res, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	return res
}

func TestPackageDispatchesToPkgMgr(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-mark manual omeprov-hello$`})
	res := runPackageTask(t, c, map[string]any{"pkg_mgr": "apt"}, map[string]any{"name": "omeprov-hello", "state": "present"})
	require.False(t, res.Failed(), "%v", res)
	require.False(t, res.Changed())
	require.Contains(t, res, "cache_updated", "apt's own result")

	// use overrides the fact; apt's parameters pass through, validated.
	c = modtest.New(&modtest.Reply{Match: `^command -v apt-get`, Stdout: aptProbeOut}, queryReply(t),
		&modtest.Reply{Match: `^apt-get -y .* install omeprov-hello=2.0 -o APT::Install-Recommends=no$`, Stdout: "ok"},
		&modtest.Reply{Match: `^apt-mark manual omeprov-hello$`})
	res = runPackageTask(t, c, map[string]any{"pkg_mgr": "dnf"}, map[string]any{"name": []any{"omeprov-hello"}, "state": "latest", "use": "apt", "install_recommends": "no"})
	require.True(t, res.Changed(), "%v", res)
}

func TestPackageFailures(t *testing.T) {
	res := runPackageTask(t, modtest.New(), map[string]any{}, map[string]any{"name": "x", "state": "present"})
	require.Equal(t, modules.Result{"failed": true, "msg": `Could not detect which package manager to use. Try gathering facts or setting the "use" option.`}, res)
	res = runPackageTask(t, modtest.New(), map[string]any{"pkg_mgr": "pacman-nosuch"}, map[string]any{"name": "x", "state": "present"})
	require.Equal(t, modules.Result{"failed": true, "msg": "Could not find a module for pacman-nosuch."}, res)
	res = runPackageTask(t, modtest.New(), map[string]any{"pkg_mgr": "apt"}, map[string]any{"name": "x", "state": "present", "bogus": 1})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Unsupported parameters for (ansible.legacy.apt) module: bogus.")
	res = runPackageTask(t, modtest.New(), map[string]any{"pkg_mgr": "apt"}, map[string]any{"name": "x", "state": "sideways"})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "value of state must be one of")
	res = runPackageTask(t, modtest.New(), map[string]any{"pkg_mgr": "homebrew"}, map[string]any{"name": "x", "state": "present", "use": "package"})
	require.Equal(t, "Could not find a module for package.", res["msg"])
}
