package modules_test

// Real-host tests of systemd and service. systemd is not PID 1 on the
// machines that run these tests, so:
//   - systemd runs against testdata/service/fake-systemctl installed as
//     /usr/local/bin/systemctl in a test root: a fake, but one that keeps
//     real state on disk as systemd does (enablement and mask links, unit
//     files; the run state in /var/lib/fake-systemd). Ansible's systemd
//     module drives the same fake in a second root, and the two are
//     compared step by step.
//   - service on a SysV host runs a real init script
//     (testdata/service/omeprov-svc.init) through Debian's service and
//     update-rc.d in a test root, against Ansible's service action (which
//     picks sysvinit in a chroot) on a second root.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const omesvcUnit = `[Unit]
Description=omeprov test service

[Service]
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
`

const omestaticUnit = `[Unit]
Description=omeprov static unit

[Service]
ExecStart=/bin/true
`

// installFakeSystemd puts fake-systemctl and two units into root.
func installFakeSystemd(t *testing.T, root string) {
	t.Helper()
	fake, err := os.ReadFile("testdata/service/fake-systemctl")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/local/bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/local/bin/systemctl"), fake, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "lib/systemd/system"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib/systemd/system/omesvc.service"), []byte(omesvcUnit), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib/systemd/system/omestatic.service"), []byte(omestaticUnit), 0o644))
}

// installInitScript puts the omeprov-svc init script into root.
func installInitScript(t *testing.T, root string) {
	t.Helper()
	b, err := os.ReadFile("testdata/service/omeprov-svc.init")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/init.d/omeprov-svc"), b, 0o755))
}

const systemdStateCmd = `ls /var/lib/fake-systemd/active; ls /etc/systemd/system/multi-user.target.wants; readlink /etc/systemd/system/omesvc.service; grep -v daemon /var/lib/fake-systemd/log; true`

func TestSystemdAgreesWithAnsible(t *testing.T) {
	steps := []sysStep{
		{map[string]any{"name": "omesvc", "state": "started"}, true},
		{map[string]any{"name": "omesvc", "state": "started"}, false},
		{map[string]any{"name": "omesvc", "state": "started"}, false},
		{map[string]any{"name": "omesvc.service", "state": "stopped"}, false},
		{map[string]any{"name": "omesvc", "state": "stopped"}, false},
		{map[string]any{"name": "omesvc", "enabled": true}, true},
		{map[string]any{"name": "omesvc", "enabled": true, "state": "started"}, false},
		{map[string]any{"name": "omesvc", "enabled": true, "state": "started"}, false},
		{map[string]any{"name": "omesvc", "state": "restarted"}, false},
		{map[string]any{"name": "omesvc", "state": "reloaded"}, false},
		{map[string]any{"name": "omesvc", "enabled": false}, false},
		{map[string]any{"name": "omesvc", "enabled": false}, false},
		{map[string]any{"name": "omesvc", "masked": true, "state": "stopped"}, false},
		{map[string]any{"name": "omesvc", "masked": true}, false},
		{map[string]any{"name": "omesvc", "state": "started"}, false},
		{map[string]any{"name": "omesvc", "masked": false}, true},
		{map[string]any{"name": "omesvc", "masked": false}, false},
		{map[string]any{"name": "omestatic", "enabled": true}, false},
		{map[string]any{"name": "omenosuch", "state": "started"}, false},
		{map[string]any{"name": "omenosuch", "enabled": true}, false},
		{map[string]any{"name": "omesvc*", "state": "started"}, false},
		{map[string]any{"daemon_reload": true}, false},
		{map[string]any{"name": "x'; touch /tmp/pwned; '", "state": "started"}, false},
	}
	sysAgreeRoots(t, "systemd", steps, systemdStateCmd+"; test -e /tmp/pwned && echo PWNED; true",
		installFakeSystemd, nil, "name", "state", "enabled")
}

const sysvStateCmd = `ls /etc/rc2.d | grep omeprov; ls /var/lib/omeprov-svc.running 2>/dev/null; cat /var/log/omeprov-svc.log 2>/dev/null; true`

func TestServiceSysvAgreesWithAnsible(t *testing.T) {
	steps := []sysStep{
		{map[string]any{"name": "omeprov-svc", "state": "started"}, true},
		{map[string]any{"name": "omeprov-svc", "state": "started"}, false},
		{map[string]any{"name": "omeprov-svc", "state": "started"}, false},
		{map[string]any{"name": "omeprov-svc", "state": "stopped"}, false},
		{map[string]any{"name": "omeprov-svc", "state": "stopped"}, false},
		{map[string]any{"name": "omeprov-svc", "enabled": true}, true},
		{map[string]any{"name": "omeprov-svc", "enabled": true}, false},
		{map[string]any{"name": "omeprov-svc", "enabled": true, "state": "started"}, false},
		{map[string]any{"name": "omeprov-svc", "state": "restarted", "sleep": 0}, false},
		{map[string]any{"name": "omeprov-svc", "state": "reloaded"}, false},
		{map[string]any{"name": "omeprov-svc", "enabled": false, "state": "stopped"}, false},
		{map[string]any{"name": "omeprov-svc", "enabled": false}, false},
		{map[string]any{"name": "omeprov-svc", "state": "reloaded"}, false},
		{map[string]any{"name": "omeprov-nosuch", "state": "started"}, false},
	}
	sysAgreeRoots(t, "service", steps, sysvStateCmd, installInitScript,
		map[string]any{"service_mgr": "sysvinit"}, "name", "status")
}
