package modules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func seTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "selinux", name))
	require.NoError(t, err)
	return string(b)
}

func TestSeParseGetenforce(t *testing.T) {
	require.Equal(t, seMode("Enforcing"), seParseGetenforce("Enforcing\n"))
	require.Equal(t, seMode("Disabled"), seParseGetenforce("Disabled\n"))
	require.Equal(t, seMode(""), seParseGetenforce("omeprov-no-getenforce\n"))
	require.True(t, seMode("Permissive").seEnabled())
	require.False(t, seMode("Disabled").seEnabled())
	require.False(t, seMode("").seEnabled())
	require.Equal(t, "skipped: SELinux is disabled on this host (getenforce is not installed)", seDisabled("")["msg"])
	require.Equal(t, true, seDisabled("Disabled")["skipped"])
}

func TestSeConfig(t *testing.T) {
	conf := seTestdata(t, "config_rhel9")
	v, ok := seConfigValue(conf, seStateLine)
	require.True(t, ok)
	require.Equal(t, "enforcing", v)
	v, _ = seConfigValue(conf, sePolicyLine)
	require.Equal(t, "targeted", v)

	out := seSetConfig(conf, seStateLine, "SELINUX", "permissive")
	v, _ = seConfigValue(out, seStateLine)
	require.Equal(t, "permissive", v)
	require.Contains(t, out, "#     enforcing - SELinux security policy is enforced.\n", "comments kept")
	require.Contains(t, out, "SELINUXTYPE=targeted\n")
	// As Ansible, a missing line is appended, and lines end in \n.
	require.Equal(t, "# x\nSELINUX=disabled\n", seSetConfig("# x", seStateLine, "SELINUX", "disabled"))
	require.Equal(t, "SELINUXTYPE=mls\n", seSetConfig("SELINUXTYPE=targeted\n", sePolicyLine, "SELINUXTYPE", "mls"))
}

func TestSeKernelEnabled(t *testing.T) {
	require.Nil(t, seKernelEnabled(seTestdata(t, "grubby_info_all.txt")), "mixed kernels")
	on := seKernelEnabled(`args="ro quiet"` + "\n" + `args="ro"`)
	require.NotNil(t, on)
	require.True(t, *on)
	off := seKernelEnabled(`args="ro selinux=0"`)
	require.False(t, *off)
}

func TestSeParseProbe(t *testing.T) {
	p, err := seParseProbe("Enforcing\n--omeprov--\ntargeted\n--omeprov--\nyes\nSELINUX=enforcing\n")
	require.NoError(t, err)
	require.Equal(t, seProbeResult{Mode: "Enforcing", RuntimePolicy: "targeted", ConfigExists: true, Config: "SELINUX=enforcing\n"}, p)
	p, err = seParseProbe("omeprov-no-getenforce\n--omeprov--\n--omeprov--\nno\n")
	require.NoError(t, err)
	require.Equal(t, seProbeResult{RuntimePolicy: "None"}, p)
	_, err = seParseProbe("garbage")
	require.Error(t, err)
}

// FuzzSeParsers feeds the SELinux listing parsers anything: no panic.
func FuzzSeParsers(f *testing.F) {
	f.Add("a b c", "x")
	f.Add("/x = ", "(on,")
	f.Fuzz(func(t *testing.T, out, name string) {
		seParsePortList(out)
		seParseFcontextList(out)
		seParseBooleanList(out, name)
		seParseGetsebool(out, name)
		seKernelEnabled(out)
		seParseProbe(out)
		seConfigValue(out, seStateLine)
	})
}
