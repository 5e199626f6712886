package modules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFsParseSize(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "filesystem", "tune2fs_l.txt"))
	require.NoError(t, err)
	n, err := fsParseSize("tune2fs", string(b))
	require.NoError(t, err)
	require.Equal(t, int64(32768*1024), n)
	b, err = os.ReadFile(filepath.Join("testdata", "filesystem", "xfs_info.txt"))
	require.NoError(t, err)
	n, err = fsParseSize("xfs_info", string(b))
	require.NoError(t, err)
	require.Equal(t, int64(262144*4096), n)
	n, err = fsParseSize("pvs", "  1073741824\n")
	require.NoError(t, err)
	require.Equal(t, int64(1073741824), n)
	for _, tool := range []string{"tune2fs", "xfs_info", "pvs"} {
		_, err = fsParseSize(tool, "nonsense")
		require.Error(t, err, tool)
	}
}

func TestFsParseProbe(t *testing.T) {
	p, err := fsParseProbe("missing\n")
	require.NoError(t, err)
	require.False(t, p.Exists)
	p, err = fsParseProbe("block\n1073741824\ntype=xfs\nmount=/srv\n")
	require.NoError(t, err)
	require.Equal(t, fsProbe{Exists: true, Kind: "block", Size: 1073741824, FS: "xfs", Mountpoint: "/srv"}, p)
	p, err = fsParseProbe("file\n33554432\ntype=\nmount=\n")
	require.NoError(t, err)
	require.Equal(t, fsProbe{Exists: true, Kind: "file", Size: 33554432}, p)
	_, err = fsParseProbe("block\nbig\ntype=\nmount=\n")
	require.Error(t, err)
	_, err = fsParseProbe("")
	require.Error(t, err)
	require.Contains(t, fsProbeCmd("/dev/x; reboot"), `d='/dev/x; reboot';`)
}

func TestFsKinds(t *testing.T) {
	require.True(t, fsSameKind("ext4", "ext4dev"))
	require.False(t, fsSameKind("ext4", "ext3"))
	require.False(t, fsSameKind("ntfs", "ntfs"))
	spec := filesystemSpec()
	require.Contains(t, spec.Params["fstype"].Choices, "lvm")
	require.NotContains(t, spec.Params["fstype"].Choices, "LVM2_member")
}

// FuzzFsParsers: no input makes the parsers panic.
func FuzzFsParsers(f *testing.F) {
	f.Add("data = bsize=4096 blocks=1, x")
	f.Add("Block count: 1\nBlock size: x")
	f.Fuzz(func(t *testing.T, out string) {
		fsParseSize("tune2fs", out)
		fsParseSize("xfs_info", out)
		fsParseSize("pvs", out)
		fsParseProbe(out)
	})
}
