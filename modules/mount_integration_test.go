package modules_test

// mount: the fstab editing is compared with ansible-playbook (ansible.posix
// from Debian's ansible package) in two test roots on an alternate fstab;
// real mounts are made on this machine with tmpfs on temporary
// directories (root only), removed when the test ends.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

func TestMountFstabAgreesWithAnsible(t *testing.T) {
	prepare := func(t *testing.T, root string) {
		require.NoError(t, os.WriteFile(filepath.Join(root, "etc/fstab.test"),
			[]byte("# static\nUUID=1234 / ext4 errors=remount-ro 0 1\n\n/dev/sdb1  /srv/data  xfs  defaults  0  2\n"), 0o644))
	}
	fstab := "/etc/fstab.test"
	steps := []sysStep{
		{map[string]any{"path": "/srv/cache", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=10m", "state": "present", "fstab": fstab}, true},
		{map[string]any{"path": "/srv/cache", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=10m", "state": "present", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/cache", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=10m", "state": "present", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/data", "src": "/dev/sdb1", "fstype": "xfs", "opts": "noatime", "state": "present", "fstab": fstab, "boot": false}, false},
		{map[string]any{"path": "/srv/my dir", "src": "//server/share & co", "fstype": "cifs", "state": "present", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/my dir", "src": "//server/share & co", "fstype": "cifs", "state": "present", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/my dir", "state": "absent_from_fstab", "fstab": fstab}, true},
		{map[string]any{"path": "/srv/my dir", "state": "absent_from_fstab", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/my dir", "state": "absent_from_fstab", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/cache", "state": "present", "fstab": fstab}, false},
		{map[string]any{"path": "/srv/new", "src": "x", "fstype": "ext4", "state": "present", "fstab": "/etc/newdir/fstab"}, false},
	}
	sysAgreeRoots(t, "mount", steps, "cat /etc/fstab.test /etc/newdir/fstab 2>/dev/null; true", prepare, nil,
		"name", "src", "fstype", "opts", "dump", "passno", "boot", "fstab")
}

func TestMountIntegration(t *testing.T) {
	sysNeed(t, "mount", "umount")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("needs root")
		}
		t.Skip("needs root")
	}
	dir := t.TempDir()
	mp := filepath.Join(dir, "mnt point")
	fstab := filepath.Join(dir, "fstab")
	t.Cleanup(func() { exec.Command("umount", mp).Run() })
	conn := connection.Local()
	mounted := func() bool {
		b, err := os.ReadFile("/proc/self/mountinfo")
		require.NoError(t, err)
		return strings.Contains(string(b), " "+strings.ReplaceAll(mp, " ", `\040`)+" ")
	}
	args := map[string]any{"path": mp, "src": "tmpfs", "fstype": "tmpfs", "opts": "size=1m", "state": "mounted", "fstab": fstab}
	r := sysRun(t, conn, "mount", args, true, nil)
	require.True(t, r.Changed(), "%v", r)
	require.False(t, mounted())
	_, err := os.Stat(fstab)
	require.NoError(t, err, "the fstab is created as the module does, even in check mode")
	r = sysRun(t, conn, "mount", args, false, nil)
	require.True(t, r.Changed(), "%v", r)
	require.True(t, mounted())
	b, _ := os.ReadFile(fstab)
	require.Equal(t, "tmpfs "+strings.ReplaceAll(mp, " ", `\040`)+" tmpfs size=1m 0 0\n", string(b))
	r = sysRun(t, conn, "mount", args, false, nil)
	require.False(t, r.Changed(), "%v", r)

	// new options remount
	args["opts"] = "size=2m"
	r = sysRun(t, conn, "mount", args, false, nil)
	require.True(t, r.Changed(), "%v", r)
	require.True(t, mounted())

	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "state": "unmounted", "fstab": fstab}, true, nil)
	require.True(t, r.Changed())
	require.True(t, mounted())
	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "state": "unmounted", "fstab": fstab}, false, nil)
	require.True(t, r.Changed())
	require.False(t, mounted())
	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "state": "unmounted", "fstab": fstab}, false, nil)
	require.False(t, r.Changed())

	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "state": "absent", "fstab": fstab}, false, nil)
	require.True(t, r.Changed())
	_, err = os.Stat(mp)
	require.True(t, os.IsNotExist(err), "absent removes the mount point")
	b, _ = os.ReadFile(fstab)
	require.Equal(t, "", string(b))

	// a bad file system type fails and leaves the fstab as it was
	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "src": "x", "fstype": "omeprovfs", "state": "mounted", "fstab": fstab}, false, nil)
	require.True(t, r.Failed(), "%v", r)
	require.Contains(t, r["msg"], "Error mounting "+mp)
	b, _ = os.ReadFile(fstab)
	require.Equal(t, "", string(b))
	r = sysRun(t, conn, "mount", map[string]any{"path": mp, "state": "mounted", "fstab": fstab}, false, nil)
	require.Equal(t, "state is mounted but all of the following are missing: src, fstype", r["msg"])
}
