package modules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func lvolTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "lvol", name))
	require.NoError(t, err)
	return string(b)
}

func TestLvolParse(t *testing.T) {
	vgs, err := lvmParseVGs(lvolTestdata(t, "vgs_m.txt"))
	require.NoError(t, err)
	require.Equal(t, []lvmVG{{"vg0", 1020, 508, 4}}, vgs)
	lvs, err := lvmParseLVs(lvolTestdata(t, "lvs_m.txt"))
	require.NoError(t, err)
	require.Len(t, lvs, 7)
	require.Equal(t, lvmLV{Name: "data", Size: 256, Active: true}, lvs[0])
	require.Equal(t, lvmLV{Name: "pool", Size: 200, Active: true, Thinpool: true}, lvs[2])
	require.Equal(t, lvmLV{Name: "pool_tdata", Size: 200, Active: true}, lvs[3])
	require.Equal(t, lvmLV{Name: "thin1", Size: 100, Active: true, Thinvol: true}, lvs[5])
	require.False(t, lvs[6].Active)
	require.Equal(t, 2003016, lvmVersion(lvolTestdata(t, "lvm_version.txt")))
	require.Equal(t, 0, lvmVersion("garbage"))

	_, err = lvmParseVGs("")
	require.Error(t, err)
	_, err = lvmParseLVs("  x;abc;-wi-a-----\n")
	require.Error(t, err)
	_, err = lvmParseLVs("  x;1.0;-w\n")
	require.Error(t, err)
}

func TestLvolParseSize(t *testing.T) {
	for in, want := range map[string]lvolSize{
		"512":      {Given: true, Number: "512", Opt: "L", Unit: "m"},
		"1g":       {Given: true, Number: "1", Opt: "L", Unit: "g"},
		"+1.5G":    {Given: true, Operator: "+", Number: "1.5", Opt: "L", Unit: "G"},
		"100%FREE": {Given: true, Number: "100%FREE", Opt: "l", Percent: 100, Whole: "FREE"},
		"-10%VG":   {Given: true, Operator: "-", Number: "10%VG", Opt: "l", Percent: 10, Whole: "VG"},
	} {
		got, err := lvolParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for in, msg := range map[string]string{
		"101%VG":    "Size percentage cannot be larger than 100%",
		"10%LV":     "Specify extents as a percentage of VG|PVS|FREE",
		"10%ORIGIN": "Snapshot Volumes are not supported",
		"abc":       "Bad size specification of 'abc'",
		"1;rm":      "Bad size specification of '1;r'",
		".5g":       "Bad size specification of '.5'",
	} {
		_, err := lvolParseSize(in)
		require.EqualError(t, err, msg, in)
	}
}

func TestLvolPlan(t *testing.T) {
	vgs, _ := lvmParseVGs(lvolTestdata(t, "vgs_m.txt"))
	lvs, _ := lvmParseLVs(lvolTestdata(t, "lvs_m.txt"))
	vg := vgs[0]
	size := func(s string) lvolSize { v, err := lvolParseSize(s); require.NoError(t, err); return v }
	plan := func(a lvolArgs, check bool) (lvolStep, error) {
		if a.VG == "" {
			a.VG = "vg0"
		}
		if a.State == "" {
			a.State = "present"
		}
		return lvolPlan(a, vg, lvs, true, check)
	}
	// Create, with opts and pvs, quoted; --test in check mode.
	st, err := plan(lvolArgs{LV: "omero data", Size: size("10g"), Opts: []string{"--addtag", "a;b"}, PVs: []string{"/dev/sdb"}}, true)
	require.NoError(t, err)
	require.Equal(t, "lvcreate --test --yes -n 'omero data' -L 10g --addtag 'a;b' vg0 /dev/sdb", st.Cmd)
	st, err = plan(lvolArgs{LV: "new", Size: size("100%FREE")}, false)
	require.NoError(t, err)
	require.Equal(t, "lvcreate --yes -n new -l 100%FREE vg0", st.Cmd)
	_, err = plan(lvolArgs{LV: "new"}, false)
	require.EqualError(t, err, "No size given.")
	_, err = plan(lvolArgs{LV: "new", Size: size("-1g")}, false)
	require.EqualError(t, err, "Bad size specification of '-1' for creating LV")
	// Thin pool and thin volume, snapshot.
	st, _ = plan(lvolArgs{Thinpool: "pool2", Size: size("1g")}, false)
	require.Equal(t, "lvcreate --yes -L 1g -T vg0/pool2", st.Cmd)
	st, _ = plan(lvolArgs{LV: "thin2", Thinpool: "pool", Size: size("1g")}, false)
	require.Equal(t, "lvcreate --yes -n thin2 -V 1g -T vg0/pool", st.Cmd)
	_, err = plan(lvolArgs{LV: "thin2", Thinpool: "nopool", Size: size("1g")}, false)
	require.EqualError(t, err, "Thin pool LV nopool does not exist in volume group vg0.")
	st, _ = plan(lvolArgs{LV: "data", Snapshot: "snap", Size: size("64")}, false)
	require.Equal(t, "lvcreate --yes -L 64m -s -n snap vg0/data", st.Cmd)
	// Same size: nothing; bigger: lvextend; smaller: needs force.
	st, err = plan(lvolArgs{LV: "data", Size: size("256")}, false)
	require.NoError(t, err)
	require.Empty(t, st.Cmd)
	require.Equal(t, "data", st.LV.Name)
	st, _ = plan(lvolArgs{LV: "data", Size: size("512"), Resizefs: true}, false)
	require.Equal(t, "lvextend --resizefs -L 512m vg0/data", st.Cmd)
	st, _ = plan(lvolArgs{LV: "data", Size: size("+64")}, true)
	require.Equal(t, "lvextend --test -L +64m vg0/data", st.Cmd)
	_, err = plan(lvolArgs{LV: "data", Size: size("128"), Shrink: true}, false)
	require.EqualError(t, err, "Sorry, no shrinking of data without force=true.")
	st, _ = plan(lvolArgs{LV: "data", Size: size("128"), Shrink: true, Force: true}, false)
	require.Equal(t, "lvreduce --force -L 128m vg0/data", st.Cmd)
	st, _ = plan(lvolArgs{LV: "data", Size: size("128"), Shrink: false}, false)
	require.Empty(t, st.Cmd, "shrink=false never reduces")
	// Extents: 100%VG of 1020m is more than the free 508m allows.
	_, err = plan(lvolArgs{LV: "data", Size: size("100%VG")}, false)
	require.EqualError(t, err, "Logical Volume data could not be extended. Not enough free space left (764.0m required / 508.0m available)")
	st, _ = plan(lvolArgs{LV: "data", Size: size("+50%FREE")}, false)
	require.Equal(t, "lvextend -l +50%FREE vg0/data", st.Cmd)
	require.Equal(t, "Volume data resized to 508.0m", st.Msg)
	// Removal needs force.
	_, err = plan(lvolArgs{LV: "data", State: "absent"}, false)
	require.EqualError(t, err, "Sorry, no removal of logical volume data without force=true.")
	st, _ = plan(lvolArgs{LV: "data", State: "absent", Force: true}, true)
	require.Equal(t, "lvremove --test --force vg0/data", st.Cmd)
	st, _ = plan(lvolArgs{LV: "nothere", State: "absent", Force: true}, false)
	require.Empty(t, st.Cmd)
}

// FuzzLvolParsers: no input makes the parsers panic.
func FuzzLvolParsers(f *testing.F) {
	f.Add("  vg0;1020.00;508.00;4.00\n", "10%FREE")
	f.Add("  [x];1;abcde\n", "+")
	f.Fuzz(func(t *testing.T, out, size string) {
		lvmParseVGs(out)
		lvmParseLVs(out)
		lvmVersion(out)
		lvolParseSize(size)
	})
}

// TestLvolSplit compares with Python's shlex.split on the same strings
// (its results recorded here).
func TestLvolSplit(t *testing.T) {
	for in, want := range map[string][]string{
		"--addtag a":       {"--addtag", "a"},
		"--addtag 'a b'":   {"--addtag", "a b"},
		`-a "x \" y" z\ w`: {"-a", `x " y`, "z w"},
		"":                 nil,
		"  -Wi  --yes ":    {"-Wi", "--yes"},
		"a'b'c":            {"abc"},
	} {
		got, err := lvolSplit(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"'open", `"open`, `trail\`} {
		_, err := lvolSplit(bad)
		require.Error(t, err, bad)
	}
}
