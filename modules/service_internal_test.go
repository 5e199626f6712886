package modules

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readShow(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/systemd/" + name)
	require.NoError(t, err)
	return string(b)
}

func TestParseSystemctlShow(t *testing.T) {
	s := ParseSystemctlShow(readShow(t, "show-active.txt"))
	require.Equal(t, "loaded", s["LoadState"])
	require.Equal(t, "active", s["ActiveState"])
	require.Equal(t, "ssh.service sshd.service", s["Names"])
	require.True(t, strings.HasPrefix(s["ExecStart"], "{ path=/usr/sbin/sshd ;"))

	s = ParseSystemctlShow(readShow(t, "show-multiline.txt"))
	require.Equal(t, "{ braces in a description need not close", s["Description"], "only Exec* values span lines")
	require.Equal(t, "{ path=/bin/mkdir ; argv[]=/bin/mkdir -p /run/omero ;\n  ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }", s["ExecStartPre"])
	require.Equal(t, "inactive", s["ActiveState"], "parsing goes on after a multi-line value")
	require.Equal(t, "disabled", s["UnitFileState"])

	s = ParseSystemctlShow(readShow(t, "show-not-found.txt"))
	require.Equal(t, "not-found", s["LoadState"])
	require.Equal(t, "", s["UnitFileState"])
	require.Empty(t, ParseSystemctlShow("no equals here\n\n"))
	require.Empty(t, ParseSystemctlShow("ExecStart={ never closed\nA=b"), "as Ansible's parser, an unclosed value swallows the rest")
}

func TestSystemdDecisions(t *testing.T) {
	for _, c := range []struct{ state, active, action, reported string }{
		{"started", "active", "", "started"},
		{"started", "activating", "", "started"},
		{"started", "failed", "start", "started"},
		{"stopped", "active", "stop", "stopped"},
		{"stopped", "deactivating", "stop", "stopped"},
		{"stopped", "inactive", "", "stopped"},
		{"restarted", "inactive", "start", "started"},
		{"restarted", "active", "restart", "started"},
		{"reloaded", "active", "reload", "started"},
	} {
		a, r := systemdActiveAction(c.state, c.active)
		require.Equal(t, c.action, a, "%v", c)
		require.Equal(t, c.reported, r, "%v", c)
	}
	require.True(t, requestWasIgnored("Running in chroot, ignoring request."))
	require.False(t, requestWasIgnored("Id=x\nignoring request"))
}

// systemdTask runs systemd on a fake answering systemctl from a recorded
// show output.
func systemdTask(t *testing.T, args map[string]any, check bool, replies ...*fakeReply) (Result, *fakeHost) {
	t.Helper()
	v, err := Validate("systemd", systemdSpec(), args)
	require.NoError(t, err)
	c := newFake(replies...)
	task := fakeTask(c, "systemd", v, check)
	r, err := runSystemd(context.Background(), task)
	require.NoError(t, err)
	return r, c
}

func TestSystemdOnRecordedShow(t *testing.T) {
	probe := &fakeReply{Match: `^if \[ -e /etc/init\.d/`}
	active := &fakeReply{Match: `^systemctl show ssh$`, Stdout: readShow(t, "show-active.txt")}

	r, c := systemdTask(t, map[string]any{"name": "ssh", "state": "started", "enabled": true}, false, probe, active,
		&fakeReply{Match: `^systemctl is-enabled ssh -l$`, Stdout: "enabled\n"})
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, true, r["enabled"])
	require.Equal(t, "started", r["state"])
	require.Equal(t, "active", r["status"].(map[string]any)["ActiveState"])
	require.Len(t, c.commands(), 3)

	// stopping in check mode decides but runs nothing
	r, c = systemdTask(t, map[string]any{"name": "ssh", "state": "stopped"}, true, probe, active)
	require.True(t, r.Changed())
	for _, cmd := range c.commands() {
		require.NotContains(t, cmd, "systemctl stop")
	}
	r, c = systemdTask(t, map[string]any{"name": "ssh", "state": "restarted", "no_block": true, "scope": "system"}, false, probe,
		&fakeReply{Match: `^systemctl --no-block show ssh$`, Stdout: readShow(t, "show-active.txt")},
		&fakeReply{Match: `^systemctl --no-block restart ssh$`})
	require.True(t, r.Changed(), "%v", r)

	// a unit that is not found fails as Ansible's fail_if_missing
	r, _ = systemdTask(t, map[string]any{"name": "nosuch", "state": "started"}, false, probe,
		&fakeReply{Match: `^systemctl show nosuch$`, Stdout: readShow(t, "show-not-found.txt")})
	require.True(t, r.Failed())
	require.Equal(t, "Could not find the requested service nosuch: host", r["msg"])

	// a masked unit is found; starting it fails with systemctl's error
	r, _ = systemdTask(t, map[string]any{"name": "omero-server", "state": "started"}, false, probe,
		&fakeReply{Match: `^systemctl show omero-server$`, Stdout: readShow(t, "show-masked.txt")},
		&fakeReply{Match: `^systemctl start omero-server$`, ExitCode: 1, Stderr: "Failed to start omero-server.service: Unit omero-server.service is masked.\n"})
	require.True(t, r.Failed())
	require.Equal(t, "Unable to start service omero-server: Failed to start omero-server.service: Unit omero-server.service is masked.\n", r["msg"])

	// a unit name is one word for the shell, whatever it holds
	_, c = systemdTask(t, map[string]any{"name": "a'; rm -rf /; '", "state": "started"}, false,
		&fakeReply{Match: `^if \[ -e `},
		&fakeReply{Match: `^systemctl show 'a'"'"'; rm -rf /; '"'"''$`, Stdout: readShow(t, "show-active.txt")})
	require.Len(t, c.commands(), 2)

	// the user scope sets XDG_RUNTIME_DIR
	_, c = systemdTask(t, map[string]any{"name": "ssh", "state": "started", "scope": "user"}, false, probe,
		&fakeReply{Match: `systemctl --user show ssh$`, Stdout: readShow(t, "show-active.txt")})
	require.Contains(t, c.commands()[1], "XDG_RUNTIME_DIR")

	// daemon_reload alone; its failure
	r, _ = systemdTask(t, map[string]any{"daemon_reload": true}, false, &fakeReply{Match: `^systemctl daemon-reload$`, ExitCode: 1, Stderr: "Access denied"})
	require.Equal(t, "failure 1 during daemon-reload: Access denied", r["msg"])
}

func TestSysvStatusGuess(t *testing.T) {
	for _, c := range []struct {
		out            string
		rc             int
		worked, active bool
	}{
		{"omeprov-svc is running.\n", 0, true, true},
		{"omeprov-svc is not running.\n", 3, true, false},
		{" * sshd is not running\n", 3, true, false},
		{"", 0, true, true},
		{"", 4, true, false},
		{"line one\nline two\nline three\n", 0, true, true},
		{"weird\nmany\nlines\n", 5, false, false},
	} {
		w, a := sysvStatusGuess("omeprov-svc", c.rc, c.out)
		require.Equal(t, c.worked, w, "%v", c)
		require.Equal(t, c.active, a, "%v", c)
	}
	require.True(t, sysvEnabled([]string{"/etc/rc2.d/S01x"}, ""))
	require.True(t, sysvEnabled([]string{"/etc/rc2.d/S01x"}, "2"))
	require.False(t, sysvEnabled([]string{"/etc/rc2.d/S01x"}, "rc3.d"))
}

func TestServiceDispatch(t *testing.T) {
	v, err := Validate("service", serviceSpec(), map[string]any{"name": "ssh", "state": "started", "pattern": "sshd"})
	require.NoError(t, err)
	c := newFake(&fakeReply{Match: `^if \[ -e `}, &fakeReply{Match: `^systemctl show ssh$`, Stdout: readShow(t, "show-active.txt")})
	task := fakeTask(c, "service", v, false)
	task.Ctl = &fakeCtl{facts: map[string]any{"service_mgr": "systemd"}}
	r, err := runService(context.Background(), task)
	require.NoError(t, err)
	require.False(t, r.Changed(), "%v", r)
	require.Equal(t, []string{`Ignoring "pattern" as it is not used in "systemd"`}, r["warnings"])

	task.Ctl = &fakeCtl{facts: map[string]any{"service_mgr": "launchd"}}
	r, err = runService(context.Background(), task)
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], `service manager "launchd"`)
}

// A service_mgr that is no module of Ansible's (here a container's PID 1)
// runs the generic service module, as Ansible's service action does: on a
// host without systemd, the init script through service and update-rc.d.
func TestServiceGenericSysv(t *testing.T) {
	probe := "B service /usr/sbin/service\nB update-rc.d /usr/sbin/update-rc.d\nB systemctl /usr/bin/systemctl\ninitscript\n"
	v, err := Validate("service", serviceSpec(), map[string]any{"name": "omed", "state": "started", "enabled": true})
	require.NoError(t, err)
	c := newFake(
		&fakeReply{Match: `(?s)^sh -c .*/etc/init\.d/\$n.* sh omed$`, Stdout: probe},
		&fakeReply{Match: `update-rc\.d omed defaults$`},
		&fakeReply{Match: `update-rc\.d omed enable$`},
		&fakeReply{Match: `/usr/sbin/service omed status `, Stdout: "omed is not running.\n", ExitCode: 3},
		&fakeReply{Match: `/usr/sbin/service omed start `, Stdout: "Starting omed.\n"},
	)
	task := fakeTask(c, "service", v, false)
	task.Ctl = &fakeCtl{facts: map[string]any{"service_mgr": "process_api"}}
	r, err := runService(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, Result{"name": "omed", "changed": true, "enabled": true, "state": "started"}, r)
	cmds := strings.Join(c.commands(), "\n")
	require.Contains(t, cmds, "setsid -w", "control commands are detached")
	require.Contains(t, cmds, "$s env -i LANG=C LC_ALL=C LC_MESSAGES=C /usr/sbin/service omed start", "with only the locale in their environment")

	// check mode: the state change ends the module with only changed and msg
	c = newFake(&fakeReply{Match: `^sh -c `, Stdout: probe},
		&fakeReply{Match: `/usr/sbin/service omed status `, ExitCode: 3})
	task = fakeTask(c, "service", v, true)
	task.Ctl = &fakeCtl{facts: map[string]any{"service_mgr": "service"}}
	r, err = runService(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true, "msg": "service state changed"}, r)
	require.NotContains(t, strings.Join(c.commands(), "\n"), "update-rc.d omed")

	// no init script: the service is missing, whatever is asked
	c = newFake(&fakeReply{Match: `^sh -c `, Stdout: "B service /usr/sbin/service\nB update-rc.d /usr/sbin/update-rc.d\n"})
	task = fakeTask(c, "service", v, false)
	task.Ctl = &fakeCtl{facts: map[string]any{"service_mgr": "service"}}
	r, err = runService(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, "Could not find the requested service omed: host", r["msg"])
}

func TestServiceArgumentsAreWords(t *testing.T) {
	got, err := serviceArguments(`--force "two words" x; rm -rf / $(id)`)
	if err != nil {
		t.Fatal(err)
	}
	want := " --force 'two words' 'x;' rm -rf / '$(id)'"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, _ := serviceArguments("  "); got != "" {
		t.Fatalf("blank arguments gave %q", got)
	}
	if _, err := serviceArguments(`"open`); err == nil {
		t.Fatal("an open quote must be an error")
	}
}
