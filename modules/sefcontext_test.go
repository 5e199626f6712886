package modules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

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
