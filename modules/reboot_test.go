package modules_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func rebootTask(t *testing.T, first, after *modtest.Conn, args map[string]any) *modules.Task {
	t.Helper()
	e, ok := modules.Lookup("ansible.builtin.reboot")
	require.True(t, ok)
	v, err := modules.Validate("reboot", e.Spec, args)
	require.NoError(t, err)
	task := modtest.Task(first, "reboot", v)
	task.Ctl = &modtest.Controller{ReconnectConn: after}
	return task
}

func TestRebootWaitsForNewBootID(t *testing.T) {
	first := modtest.New(
		&modtest.Reply{Match: `^uname -s$`, Stdout: "Linux\n"},
		&modtest.Reply{Match: `^cat /proc/sys/kernel/random/boot_id$`, Stdout: "aaaa\n", Times: 1},
		&modtest.Reply{Match: `shutdown" -r 1 'going down; now'$`, Err: errors.New("connection lost")},
	)
	// The host answers with the old id first (shutdown not done yet), then
	// fails the test command once, then is up.
	after := modtest.New(
		&modtest.Reply{Match: `^cat /proc/sys/kernel/random/boot_id$`, Stdout: "aaaa\n", Times: 1},
		&modtest.Reply{Match: `^cat /proc/sys/kernel/random/boot_id$`, Stdout: "bbbb\n", Times: 1},
		&modtest.Reply{Match: `^whoami$`, ExitCode: 1, Stderr: "not yet", Times: 1},
		&modtest.Reply{Match: `^whoami$`, Stdout: "root\n"},
	)
	task := rebootTask(t, first, after, map[string]any{"reboot_timeout": 5, "pre_reboot_delay": 90, "msg": "going down; now"})
	e, _ := modules.Lookup("reboot")
	r, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, true, r["rebooted"], "%v", r)
	require.True(t, r.Changed())
	cmds := first.Commands()
	require.Len(t, cmds, 3)
	require.Contains(t, cmds[2], `for d in /sbin /bin /usr/sbin /usr/bin /usr/local/sbin;`)
	require.Equal(t, []string{"cat /proc/sys/kernel/random/boot_id", "cat /proc/sys/kernel/random/boot_id", "whoami", "whoami"}, after.Commands())
	require.Same(t, after, task.Conn, "the task continues on the new connection")
}

func TestRebootTimesOut(t *testing.T) {
	first := modtest.New(
		&modtest.Reply{Match: `^uname -s$`, Stdout: "Linux\n"},
		&modtest.Reply{Match: `boot_id`, Stdout: "aaaa\n"},
		&modtest.Reply{Match: `shutdown`},
	)
	task := rebootTask(t, first, first, map[string]any{"reboot_timeout": 1})
	e, _ := modules.Lookup("reboot")
	r, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.True(t, strings.HasPrefix(r["msg"].(string), "Timed out waiting for last boot time check (timeout=1)"), "%v", r)
}

func TestRebootFailures(t *testing.T) {
	e, _ := modules.Lookup("reboot")
	// shutdown missing from the search paths
	c := modtest.New(&modtest.Reply{Match: `^uname -s$`, Stdout: "Linux\n"}, &modtest.Reply{Match: `boot_id`, Stdout: "aaaa\n"},
		&modtest.Reply{Match: `shutdown`, ExitCode: 127, Stderr: `Unable to find command "shutdown" in search paths`})
	r, err := e.Module.Run(context.Background(), rebootTask(t, c, c, map[string]any{}))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "Reboot command failed")
	// no boot id
	c = modtest.New(&modtest.Reply{Match: `^uname -s$`, Stdout: "Linux\n"}, &modtest.Reply{Match: `boot_id`, ExitCode: 1, Stderr: "no such file"})
	r, err = e.Module.Run(context.Background(), rebootTask(t, c, c, map[string]any{}))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "Failed to get boot time")
	// a custom command and boot time command are used as given
	c = modtest.New(&modtest.Reply{Match: `^uname -s$`, Stdout: "Linux\n"}, &modtest.Reply{Match: `^uptime -s$`, Stdout: "1\n", Times: 1}, &modtest.Reply{Match: `^uptime -s$`, Stdout: "2\n"},
		&modtest.Reply{Match: `^systemctl reboot$`}, &modtest.Reply{Match: `^true$`})
	r, err = e.Module.Run(context.Background(), rebootTask(t, c, c, map[string]any{"boot_time_command": "uptime -s", "reboot_command": "systemctl reboot", "test_command": "true", "reboot_timeout": 5}))
	require.NoError(t, err)
	require.False(t, r.Failed(), "%v", r)
	// check mode does nothing
	c = modtest.New()
	task := rebootTask(t, c, c, map[string]any{})
	task.Check = true
	r, err = e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": true, "elapsed": 0, "rebooted": true}, r)
	require.Empty(t, c.Commands())

	// macOS: who -b, and shutdown's delay with a plus
	c = modtest.New(&modtest.Reply{Match: `^uname -s$`, Stdout: "Darwin\n"},
		&modtest.Reply{Match: `^who -b$`, Stdout: "reboot ~ Jan 1 10:00\n", Times: 1}, &modtest.Reply{Match: `^who -b$`, Stdout: "reboot ~ Jan 2 11:00\n"},
		&modtest.Reply{Match: `shutdown" -r \+0 'Reboot initiated by Ansible'$`}, &modtest.Reply{Match: `^whoami$`})
	r, err = e.Module.Run(context.Background(), rebootTask(t, c, c, map[string]any{"reboot_timeout": 5}))
	require.NoError(t, err)
	require.False(t, r.Failed(), "%v", r)
}
