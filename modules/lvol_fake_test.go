package modules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func lvolRecorded(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "lvol", name))
	require.NoError(t, err)
	return string(b)
}

// TestLvolRun drives lvol on a fake host with recorded LVM output.
func TestLvolRun(t *testing.T) {
	host := func(extra ...*modtest.Reply) *modtest.Conn {
		r := []*modtest.Reply{
			{Match: `lvm version$`, Stdout: lvolRecorded(t, "lvm_version.txt")},
			{Match: `vgs --noheadings --nosuffix -o vg_name,size,free,vg_extent_size --units m --separator ';' -- vg0$`, Stdout: lvolRecorded(t, "vgs_m.txt")},
			{Match: `lvs -a --noheadings --nosuffix -o lv_name,size,lv_attr --units m --separator ';' -- vg0$`, Stdout: lvolRecorded(t, "lvs_m.txt")},
			{Match: `-- nosuchvg$`, ExitCode: 5, Stderr: "  Volume group \"nosuchvg\" not found\n"},
		}
		return modtest.New(append(r, extra...)...)
	}
	// Create; check mode runs lvcreate --test.
	c := host(&modtest.Reply{Match: `lvcreate --test --yes -n new -L 1024m vg0$`})
	task := modtest.Task(c, "lvol", map[string]any{"vg": "vg0", "lv": "new", "size": "1024"})
	task.Check = true
	r, err := pgRunModule(t, task)
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": true, "msg": ""}, r)
	// Existing, same size, active: nothing.
	c = host()
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "vg0", "lv": "data", "size": "256"}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "vg": "vg0", "lv": "data", "size": 256.0}, r)
	// Inactive: activated.
	c = host(&modtest.Reply{Match: `lvchange -ay vg0/old$`})
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "vg0", "lv": "old"}))
	require.NoError(t, err)
	require.True(t, r.Changed())
	// Grow.
	c = host(&modtest.Reply{Match: `lvextend -L 512m vg0/data$`})
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "vg0", "lv": "data", "size": "512"}))
	require.NoError(t, err)
	require.True(t, r.Changed())
	// Missing volume group.
	c = host()
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "nosuchvg", "lv": "x", "size": "1g"}))
	require.NoError(t, err)
	require.Equal(t, "Volume group nosuchvg does not exist.", r["msg"])
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "nosuchvg", "lv": "x", "state": "absent"}))
	require.NoError(t, err)
	require.False(t, r.Failed())
	// Shrinking without force fails and runs nothing.
	c = host()
	r, err = pgRunModule(t, modtest.Task(c, "lvol", map[string]any{"vg": "vg0", "lv": "data", "size": "100"}))
	require.NoError(t, err)
	require.Equal(t, "Sorry, no shrinking of data without force=true.", r["msg"])
	require.Len(t, c.Calls, 3)
}
