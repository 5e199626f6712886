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

func TestSeboolParse(t *testing.T) {
	v, ok := seParseGetsebool(seTestdata(t, "getsebool.txt"), "httpd_can_network_connect")
	require.True(t, ok)
	require.False(t, v)
	v, ok = seParseGetsebool(seTestdata(t, "getsebool_pending.txt"), "httpd_use_nfs")
	require.True(t, ok)
	require.True(t, v, "the active value, not the pending one")
	_, ok = seParseGetsebool("", "x")
	require.False(t, ok)

	list := seTestdata(t, "semanage_boolean_l_n.txt")
	for name, want := range map[string]bool{"httpd_can_network_connect": false, "httpd_can_network_connect_db": true, "httpd_use_nfs": false, "nis_enabled": true} {
		got, ok := seParseBooleanList(list, name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	_, ok = seParseBooleanList(list, "httpd")
	require.False(t, ok)
}

func TestSeportPlan(t *testing.T) {
	all := seParsePortList(seTestdata(t, "semanage_port_l_n.txt"))
	require.Equal(t, []string{"8080", "8118", "8123", "10001-10010"}, all[seportKey{"http_cache_port_t", "tcp"}])
	require.Equal(t, []string{"53", "853"}, all[seportKey{"dns_port_t", "udp"}])
	local := seParsePortList(seTestdata(t, "semanage_port_l_n_C.txt"))

	// Already there: nothing to do.
	require.Empty(t, seportPlan([]string{"80", "443"}, "tcp", "http_port_t", "present", true, all, all))
	// New port: -a; a port another type has: -m; -N without reload.
	require.Equal(t, []string{
		"semanage port -a -t http_port_t -p tcp -- 8888",
		"semanage port -m -t http_port_t -p tcp -- 8080",
		"semanage port -m -t http_port_t -p tcp -- 10001-10010",
	}, seportPlan([]string{"8888", "8080", "10001-10010", "9000"}, "tcp", "http_port_t", "present", true, all, all))
	require.Equal(t, []string{"semanage port -a -N -t http_port_t -p udp -- 8080"},
		seportPlan([]string{"8080"}, "udp", "http_port_t", "present", false, all, all))
	// Absent deletes only what the type has.
	require.Equal(t, []string{"semanage port -d -p tcp -- 443"},
		seportPlan([]string{"443", "5000"}, "tcp", "http_port_t", "absent", true, all, all))
	// local compares against the local customizations only.
	require.Equal(t, []string{"semanage port -m -t http_port_t -p tcp -- 80"},
		seportPlan([]string{"80", "9000"}, "tcp", "http_port_t", "present", true, all, local))
	// A hostile type is one quoted word.
	require.Equal(t, []string{"semanage port -a -t 'x; rm -rf /' -p tcp -- 7"},
		seportPlan([]string{"7"}, "tcp", "x; rm -rf /", "present", true, all, all))
}

func TestSefcontextPlan(t *testing.T) {
	l := seParseFcontextList(seTestdata(t, "semanage_fcontext_l_n.txt"))
	require.Equal(t, &seFcontext{"system_u", "object_r", "httpd_sys_content_t", "s0"}, l.Map[[2]string{"/srv/omero(/.*)?", "all files"}])
	require.Equal(t, &seFcontext{"system_u", "object_r", "devpts_t", "s0-s15:c0.c1023"}, l.Map[[2]string{"/dev/pts", "directory"}])
	require.Contains(t, l.Map, [2]string{"/var/run/.*\\.sock", "socket"})
	require.Nil(t, l.Map[[2]string{"/var/run/.*\\.sock", "socket"}])
	require.Equal(t, "/var/run", l.Equiv["/run"])

	s := func(v string) *string { return &v }
	// Same mapping: nothing.
	cmds, diff, user, rng := sefcontextPlan(sefcontextArgs{Target: "/srv/omero(/.*)?", Ftype: "a", State: "present", Setype: s("httpd_sys_content_t"), Reload: true}, l)
	require.Empty(t, cmds)
	require.Empty(t, diff)
	require.Equal(t, "system_u", user)
	require.Equal(t, "s0", rng)
	// New mapping: -a with the defaults Ansible uses.
	cmds, diff, _, _ = sefcontextPlan(sefcontextArgs{Target: "/data/omero(/.*)?", Ftype: "a", State: "present", Setype: s("httpd_sys_rw_content_t"), Reload: true}, l)
	require.Equal(t, []string{"semanage fcontext -a -f a -t httpd_sys_rw_content_t -s system_u -r s0 -- '/data/omero(/.*)?'"}, cmds)
	require.Equal(t, "# Addition to semanage file context mappings\n+/data/omero(/.*)?      a      system_u:object_r:httpd_sys_rw_content_t:s0\n", diff)
	// Changed type: -m, keeping the user and range.
	cmds, diff, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/omero(/.*)?", Ftype: "a", State: "present", Setype: s("httpd_sys_rw_content_t"), Reload: false}, l)
	require.Equal(t, []string{"semanage fcontext -m -N -f a -t httpd_sys_rw_content_t -s system_u -r s0 -- '/srv/omero(/.*)?'"}, cmds)
	require.Contains(t, diff, "-/srv/omero(/.*)?      a      system_u:object_r:httpd_sys_content_t:s0\n+/srv/omero(/.*)?      a      system_u:object_r:httpd_sys_rw_content_t:s0\n")
	// Another file type is another mapping.
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/omero(/.*)?", Ftype: "d", State: "present", Setype: s("httpd_sys_content_t"), Reload: true}, l)
	require.Len(t, cmds, 1)
	// Substitutions.
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/data", Ftype: "a", State: "present", Substitute: s("/var/lib"), Reload: true}, l)
	require.Empty(t, cmds)
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/data", Ftype: "a", State: "present", Substitute: s("/srv"), Reload: true}, l)
	require.Equal(t, []string{"semanage fcontext -m -e /srv -- /srv/data"}, cmds)
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/new", Ftype: "a", State: "present", Substitute: s("/srv"), Reload: true}, l)
	require.Equal(t, []string{"semanage fcontext -a -e /srv -- /new"}, cmds)
	// Absent.
	cmds, diff, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/omero(/.*)?", Ftype: "a", State: "absent", Reload: true}, l)
	require.Equal(t, []string{"semanage fcontext -d -f a -- '/srv/omero(/.*)?'"}, cmds)
	require.Equal(t, "# Deletion to semanage file context mappings\n-/srv/omero(/.*)?      a      system_u:object_r:httpd_sys_content_t:s0\n", diff)
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/srv/data", Ftype: "a", State: "absent", Reload: true}, l)
	require.Equal(t, []string{"semanage fcontext -d -e /var/lib -- /srv/data"}, cmds)
	cmds, _, _, _ = sefcontextPlan(sefcontextArgs{Target: "/nothing", Ftype: "a", State: "absent", Reload: true}, l)
	require.Empty(t, cmds)

	require.Equal(t, "restorecon -R -v -- '/srv/omero data' /x", sefcontextRestorecon("/srv/omero data", "/x"))
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
