package modules_test

// cron against ansible-playbook in two Debian test roots with Debian's
// cron package installed (downloaded once from the apt mirror into the
// test cache; a policy-rc.d keeps its daemon from starting): root's own
// crontab through crontab(1), and files in /etc/cron.d.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/testroot"
)

// cronDebs returns cron's packages, downloaded once.
func cronDebs(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(testroot.CacheDir, "cron")
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) >= 3 {
		return debs
	}
	sysNeed(t, "apt-get")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command("apt-get", "download", "cron", "cron-daemon-common", "sensible-utils")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	debs, _ = filepath.Glob(filepath.Join(dir, "*.deb"))
	return debs
}

func installCron(t *testing.T, root string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(root, "usr/sbin/policy-rc.d"), []byte("#!/bin/sh\nexit 101\n"), 0o755))
	for _, deb := range cronDebs(t) {
		b, err := os.ReadFile(deb)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(root, "tmp", filepath.Base(deb)), b, 0o644))
	}
	res, err := (&testroot.Chroot{Root: root}).Exec(context.Background(), "dpkg -i /tmp/sensible-utils_*.deb /tmp/cron-daemon-common_*.deb && dpkg -i /tmp/cron_*.deb && rm /tmp/*.deb", nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
}

func TestCronAgreesWithAnsible(t *testing.T) {
	steps := []sysStep{
		{map[string]any{"name": "backup", "minute": "0", "hour": "2", "job": "/usr/local/bin/backup > /dev/null"}, true},
		{map[string]any{"name": "backup", "minute": "0", "hour": "2", "job": "/usr/local/bin/backup > /dev/null"}, false},
		{map[string]any{"name": "backup", "minute": "0", "hour": "2", "job": "/usr/local/bin/backup > /dev/null"}, false},
		{map[string]any{"name": "backup", "minute": "30", "hour": "2", "job": "/usr/local/bin/backup > /dev/null"}, false},
		{map[string]any{"name": "reboot", "special_time": "reboot", "job": "echo 'up; now'"}, false},
		{map[string]any{"name": "reboot", "special_time": "reboot", "job": "echo 'up; now'", "disabled": true}, false},
		{map[string]any{"name": "PATH", "env": true, "job": "/usr/bin:/bin"}, false},
		{map[string]any{"name": "MAILTO", "env": true, "job": "ops@example.org", "insertafter": "PATH"}, false},
		{map[string]any{"name": "MAILTO", "env": true, "job": "ops@example.org", "insertafter": "PATH"}, false},
		{map[string]any{"name": "MAILTO", "env": true, "state": "absent"}, false},
		{map[string]any{"name": "backup", "state": "absent"}, true},
		{map[string]any{"name": "backup", "state": "absent"}, false},
		{map[string]any{"name": "backup", "state": "absent"}, false},
		{map[string]any{"name": "bad", "special_time": "daily", "minute": "1", "job": "x"}, false},
		{map[string]any{"name": "nojob"}, false},
		{map[string]any{"name": "omero", "cron_file": "omero-backup", "user": "root", "minute": "*/5", "job": "true"}, false},
		{map[string]any{"name": "omero", "cron_file": "omero-backup", "user": "root", "minute": "*/5", "job": "true"}, false},
		{map[string]any{"name": "omero2", "cron_file": "omero-backup", "user": "root", "job": "false"}, false},
		{map[string]any{"name": "omero", "cron_file": "omero-backup", "state": "absent"}, false},
		{map[string]any{"name": "omero2", "cron_file": "omero-backup", "state": "absent"}, true},
		{map[string]any{"name": "omero2", "cron_file": "omero-backup", "state": "absent"}, false},
		{map[string]any{"name": "omero2", "cron_file": "omero-backup", "state": "absent"}, false},
		{map[string]any{"name": "x", "cron_file": "omero.backup", "job": "true"}, false},
		{map[string]any{"name": "x", "cron_file": "/etc/crontab", "user": "root", "job": "true"}, false},
	}
	sysAgreeRoots(t, "cron", steps, "crontab -l; cat /etc/cron.d/omero-backup 2>/dev/null; ls /etc/cron.d; true", installCron, nil,
		"jobs", "envs", "cron_file", "warnings")
}
