package modules_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func brewFind() *modtest.Reply {
	return &modtest.Reply{Match: `^for d in /opt/homebrew/bin /usr/local/bin;`, Stdout: "/opt/homebrew/bin/brew\n"}
}

func TestHomebrewReadsInstalledStateOnce(t *testing.T) {
	info := recorded(t, "brew/info-installed.txt")
	c := modtest.New(brewFind(), &modtest.Reply{Match: `^/opt/homebrew/bin/brew info --json=v2 --installed$`, Stdout: info})
	res := brewUnitRun(t, c, "homebrew", false, map[string]any{"name": []any{"wget", "openssl", "openssl@3"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "Changed: 0, Unchanged: 3", "changed_pkgs": []string{}, "unchanged_pkgs": []string{"wget", "openssl", "openssl@3"}}, res)
	require.Len(t, c.Commands(), 2)
	for _, call := range c.Calls {
		require.Nil(t, call.Become, "brew never runs as root")
		require.Equal(t, "True", call.Env["HOMEBREW_NO_AUTO_UPDATE"])
	}

	// openssl@3 is outdated: latest upgrades it; check mode only says so.
	c = modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: info})
	res = brewUnitRun(t, c, "homebrew", true, map[string]any{"name": []any{"wget", "openssl@3"}, "state": "latest"})
	require.Equal(t, "Package would be upgraded: openssl@3", res["msg"])
	require.True(t, res.Changed())
	require.Len(t, c.Commands(), 2)

	upgraded := strings.Replace(strings.Replace(info, `"outdated": true`, `"outdated": false`, 1), `"version": "3.4.0"`, `"version": "3.4.1"`, 1)
	c = modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: info, Times: 1},
		&modtest.Reply{Match: `^/opt/homebrew/bin/brew upgrade --verbose openssl@3$`, Stdout: "==> Upgrading openssl@3\n"},
		&modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: upgraded})
	res = brewUnitRun(t, c, "homebrew", false, map[string]any{"name": []any{"openssl@3"}, "state": "upgraded", "install_options": []any{"verbose"}})
	require.Equal(t, modules.Result{"changed": true, "msg": "Package upgraded: openssl@3", "changed_pkgs": []string{"openssl@3"}, "unchanged_pkgs": []string{}}, res)
}

func brewUnitRun(t *testing.T, c *modtest.Conn, module string, check bool, args map[string]any) modules.Result {
	t.Helper()
	full := map[string]any{"path": "/opt/homebrew/bin:/usr/local/bin", "state": "present"}
	for k, v := range args {
		full[k] = v
	}
	task := modtest.Task(c, module, full)
	task.Check = check
	task.Become = &connection.Become{User: "root"}
	e, ok := modules.Lookup("community.general." + module)
	require.True(t, ok)
	res, err := e.Module.Run(t.Context(), task)
	require.NoError(t, err)
	return res
}

func TestHomebrewFailures(t *testing.T) {
	info := recorded(t, "brew/info-installed.txt")
	// brew's own message for a missing formula.
	c := modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: info},
		&modtest.Reply{Match: `brew install nosuch$`, Stderr: "Error: No available formula with the name \"nosuch\".\n", ExitCode: 1})
	res := brewUnitRun(t, c, "homebrew", false, map[string]any{"name": []any{"nosuch"}})
	require.Equal(t, modules.Result{"failed": true, "msg": `Error: No available formula with the name "nosuch".`}, res)

	// No brew at all.
	c = modtest.New(&modtest.Reply{Match: `^for d in`, ExitCode: 127})
	res = brewUnitRun(t, c, "homebrew", false, map[string]any{"name": []any{"wget"}})
	require.Equal(t, `Failed to find required executable "brew" in paths: /opt/homebrew/bin:/usr/local/bin`, res["msg"])

	// A path with shell syntax stays a word.
	c = modtest.New(&modtest.Reply{Match: `^for d in '/x;reboot'; do`, ExitCode: 127})
	res = brewUnitRun(t, c, "homebrew", false, map[string]any{"path": "/x;reboot:", "name": []any{"wget"}})
	require.True(t, res.Failed())

	// Update in check mode stops there.
	c = modtest.New(brewFind())
	res = brewUnitRun(t, c, "homebrew", true, map[string]any{"update_homebrew": true, "name": []any{"wget"}})
	require.Equal(t, "Homebrew would be updated.", res["msg"])
	require.Len(t, c.Commands(), 1)

	// Garbage from brew info is reported, not a panic.
	c = modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: "{not json"})
	res = brewUnitRun(t, c, "homebrew", false, map[string]any{"name": []any{"wget"}})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "gave no valid JSON")
}

func TestHomebrewCaskUnit(t *testing.T) {
	info := recorded(t, "brew/info-installed.txt")
	c := modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: info})
	res := brewUnitRun(t, c, "homebrew_cask", true, map[string]any{"name": []any{"firefox"}, "state": "upgraded"})
	require.Equal(t, modules.Result{"changed": true, "msg": "Cask would be upgraded: firefox"}, res)
	c = modtest.New(brewFind(), &modtest.Reply{Match: `info --json=v2 --installed$`, Stdout: info})
	res = brewUnitRun(t, c, "homebrew_cask", false, map[string]any{"name": []any{"firefox"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "Cask already installed: firefox"}, res)
}

func TestHomebrewTapUnit(t *testing.T) {
	c := modtest.New(brewFind(), &modtest.Reply{Match: `brew tap$`, Stdout: "homebrew/cask-fonts\nome/alt\n"})
	res := brewUnitRun(t, c, "homebrew_tap", false, map[string]any{"name": []any{"ome/homebrew-alt", "homebrew/cask-fonts"}})
	require.Equal(t, modules.Result{"changed": false, "msg": "added: 0, unchanged: 2"}, res)
	res = brewUnitRun(t, c, "homebrew_tap", false, map[string]any{"name": []any{"a/b", "c/d"}, "url": "https://x"})
	require.Equal(t, modules.Result{"failed": true, "msg": "List of multiple taps may not be provided with 'url' option."}, res)
}
