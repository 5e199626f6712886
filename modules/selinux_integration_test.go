package modules_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
)

// TestSELinuxOnThisHost runs the SELinux modules for real on this
// machine. Where SELinux is absent or disabled (Debian), seboolean, seport
// and sefcontext are skipped with the reason, and the selinux module,
// given a config file, edits it (a reboot being required to apply it) and
// changes nothing the second time or in check mode.
func TestSELinuxOnThisHost(t *testing.T) {
	ctx := context.Background()
	conn := connection.Local()
	run := func(module string, args map[string]any, check bool) modules.Result {
		t.Helper()
		e, ok := modules.Lookup(module)
		require.True(t, ok)
		v, err := modules.Validate(module, e.Spec, args)
		require.NoError(t, err)
		r, err := e.Module.Run(ctx, &modules.Task{Module: module, Args: v, Conn: conn, Check: check, Host: "localhost"})
		require.NoError(t, err)
		return r
	}
	out, _ := exec.Command("sh", "-c", "getenforce 2>/dev/null").Output()
	if m := string(out); m == "Enforcing\n" || m == "Permissive\n" {
		t.Skip("SELinux is enabled here; this test is for hosts without it")
	}
	for module, args := range map[string]map[string]any{
		"seboolean":  {"name": "httpd_can_network_connect", "state": true, "persistent": true},
		"seport":     {"ports": "8080", "proto": "tcp", "setype": "http_port_t"},
		"sefcontext": {"target": "/srv/omero(/.*)?", "setype": "httpd_sys_content_t"},
	} {
		r := run(module, args, false)
		require.Equal(t, true, r["skipped"], module)
		require.Contains(t, r["msg"], "skipped: SELinux is disabled on this host", module)
	}
	if _, err := os.Stat("/etc/selinux/config"); os.IsNotExist(err) {
		if _, err := exec.LookPath("getenforce"); err != nil {
			r := run("selinux", map[string]any{"state": "disabled"}, false)
			require.Equal(t, true, r["skipped"])
		}
	}
	conf := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(conf, []byte("# test\nSELINUX=disabled\nSELINUXTYPE=targeted\n"), 0o644))
	args := map[string]any{"state": "permissive", "policy": "targeted", "configfile": conf}
	// /etc/selinux/targeted/policy does not exist here, and the running
	// policy is unknown, so a policy change is needed and fails as in
	// Ansible; with state=disabled and no policy nothing changes.
	r := run("selinux", map[string]any{"state": "disabled", "configfile": conf}, false)
	require.False(t, r.Failed(), "%v", r)
	if r.Changed() {
		// The running policy (from /etc/selinux/config) differs.
		require.Contains(t, r["msg"], "Running SELinux policy changed")
	}
	r = run("selinux", args, true)
	require.True(t, r.Changed())
	b, _ := os.ReadFile(conf)
	require.Equal(t, "# test\nSELINUX=disabled\nSELINUXTYPE=targeted\n", string(b), "check mode")
}
