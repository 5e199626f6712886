package modules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMountFstabEdits(t *testing.T) {
	fstab := "# /etc/fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv/data xfs defaults 0 2\nbroken line\n"
	m := mountArgsFrom(map[string]any{"path": "/srv/data", "src": "/dev/sdb1", "fstype": "xfs", "opts": "noatime"})
	out, changed := setMountLines(m, fstab)
	require.True(t, changed)
	require.Equal(t, "# /etc/fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv/data xfs noatime 0 0\nbroken line\n", out)
	again, changed := setMountLines(m, out)
	require.False(t, changed)
	require.Equal(t, out, again)

	m = mountArgsFrom(map[string]any{"path": "/mnt/a b&c", "src": `\\srv\x`, "fstype": "cifs", "boot": false})
	require.Equal(t, "defaults", m.Opts)
	require.Equal(t, "no", m.Boot)
	require.Equal(t, []string{"Ignore the 'boot' due to 'opts' contains 'defaults'."}, m.Warnings)
	out, changed = setMountLines(m, "")
	require.True(t, changed)
	require.Equal(t, `\134\134srv\134x /mnt/a\040b\046c cifs defaults 0 0`+"\n", out)
	out, changed = unsetMountLines(m, out+"/dev/x /y ext4 defaults 0 0\n")
	require.True(t, changed)
	require.Equal(t, "/dev/x /y ext4 defaults 0 0\n", out)
	m = mountArgsFrom(map[string]any{"path": "/x", "src": "y", "fstype": "ext4", "opts": "rw", "boot": false})
	require.Equal(t, "rw,noauto", m.Opts)

	info := "36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw\n37 35 98:0 / /srv rw - ext3 /dev/root rw\n"
	require.True(t, mountedAt(info, "/mnt/a b"))
	require.True(t, mountedAt(info, "/srv/"))
	require.False(t, mountedAt(info, "/mnt"))
	require.Equal(t, "a\\0", unescapeMountinfo("a\\0"), "short escapes stay")
}
