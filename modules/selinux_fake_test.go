package modules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

func seRecorded(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "selinux", name))
	require.NoError(t, err)
	return string(b)
}

// TestSELinuxModulesSkipWithoutSELinux: on a host without getenforce
// (Debian) or with SELinux disabled, seboolean, seport and sefcontext are
// skipped with the reason and run nothing else.
func TestSELinuxModulesSkipWithoutSELinux(t *testing.T) {
	for _, mode := range []string{"omeprov-no-getenforce\n", "Disabled\n"} {
		for module, args := range map[string]map[string]any{
			"seboolean":  {"name": "httpd_can_network_connect", "state": true, "persistent": true},
			"seport":     {"ports": []any{"8080"}, "proto": "tcp", "setype": "http_port_t"},
			"sefcontext": {"target": "/srv/omero(/.*)?", "setype": "httpd_sys_content_t"},
		} {
			c := modtest.New(&modtest.Reply{Match: `getenforce`, Stdout: mode})
			r, err := pgRunModule(t, modtest.Task(c, module, args))
			require.NoError(t, err)
			require.Equal(t, true, r["skipped"], module)
			require.False(t, r.Changed())
			require.Contains(t, r["msg"], "SELinux is disabled on this host")
			require.Len(t, c.Calls, 1, module)
		}
	}
}

func TestSebooleanRun(t *testing.T) {
	enforcing := &modtest.Reply{Match: `getenforce`, Stdout: "Enforcing\n"}
	get := &modtest.Reply{Match: `^getsebool -- httpd_can_network_connect$`, Stdout: seRecorded(t, "getsebool.txt")}
	list := &modtest.Reply{Match: `^semanage boolean -l -n$`, Stdout: seRecorded(t, "semanage_boolean_l_n.txt")}

	// Persistent, off in the policy store: setsebool -P; check mode runs nothing.
	for _, check := range []bool{true, false} {
		set := &modtest.Reply{Match: `^setsebool -P -- httpd_can_network_connect on$`}
		c := modtest.New(enforcing, get, list, set)
		task := modtest.Task(c, "seboolean", map[string]any{"name": "httpd_can_network_connect", "state": true, "persistent": true})
		task.Check = check
		r, err := pgRunModule(t, task)
		require.NoError(t, err)
		require.Equal(t, modules.Result{"name": "httpd_can_network_connect", "persistent": true, "state": true, "changed": true}, r)
		ran := strings.Join(c.Commands(), "\n")
		require.Equal(t, !check, strings.Contains(ran, "setsebool"), ran)
	}
	// Already so: nothing.
	c := modtest.New(enforcing, get, list)
	r, err := pgRunModule(t, modtest.Task(c, "seboolean", map[string]any{"name": "httpd_can_network_connect", "state": false}))
	require.NoError(t, err)
	require.False(t, r.Changed())
	// Unknown boolean.
	c = modtest.New(enforcing, &modtest.Reply{Match: `^getsebool`, ExitCode: 1, Stderr: "Error getting active value for nosuch\n"})
	r, err = pgRunModule(t, modtest.Task(c, "seboolean", map[string]any{"name": "nosuch", "state": true}))
	require.NoError(t, err)
	require.Equal(t, "SELinux boolean nosuch does not exist.", r["msg"])
	// A hostile name is one word.
	c = modtest.New(enforcing, &modtest.Reply{Match: `^getsebool -- 'x; reboot'$`, ExitCode: 1})
	r, err = pgRunModule(t, modtest.Task(c, "seboolean", map[string]any{"name": "x; reboot", "state": true}))
	require.NoError(t, err)
	require.True(t, r.Failed())
}

func TestSeportRun(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `getenforce`, Stdout: "Enforcing\n"},
		&modtest.Reply{Match: `^semanage port -l -n$`, Stdout: seRecorded(t, "semanage_port_l_n.txt")},
		&modtest.Reply{Match: `^semanage port -[am] `})
	r, err := pgRunModule(t, modtest.Task(c, "seport", map[string]any{"ports": "4064,4080-4090,8080", "proto": "tcp", "setype": "http_port_t"}))
	require.NoError(t, err)
	require.True(t, r.Changed())
	require.Equal(t, []string{"4064", "4080-4090", "8080"}, r["ports"])
	require.Equal(t, []string{seGetenforceCmd, "semanage port -l -n",
		"semanage port -a -t http_port_t -p tcp -- 4064",
		"semanage port -a -t http_port_t -p tcp -- 4080-4090",
		"semanage port -m -t http_port_t -p tcp -- 8080"}, c.Commands())
	r, err = pgRunModule(t, modtest.Task(c, "seport", map[string]any{"ports": "80;reboot", "proto": "tcp", "setype": "http_port_t"}))
	require.NoError(t, err)
	require.True(t, r.Failed())
}

const seGetenforceCmd = `if command -v getenforce >/dev/null 2>&1; then getenforce; else echo omeprov-no-getenforce; fi`

func TestSefcontextRun(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `getenforce`, Stdout: "Enforcing\n"},
		&modtest.Reply{Match: `^semanage fcontext -l -n$`, Stdout: seRecorded(t, "semanage_fcontext_l_n.txt")})
	task := modtest.Task(c, "sefcontext", map[string]any{"target": "/data(/.*)?", "setype": "httpd_sys_content_t"})
	task.Check, task.Diff = true, true
	r, err := pgRunModule(t, task)
	require.NoError(t, err)
	require.True(t, r.Changed())
	require.Equal(t, "system_u", r["seuser"])
	require.Equal(t, modules.Diff{Prepared: "# Addition to semanage file context mappings\n+/data(/.*)?      a      system_u:object_r:httpd_sys_content_t:s0\n"}, r["diff"])
	require.Len(t, c.Calls, 2, "check mode only reads")
	// present without setype or substitute
	r, err = pgRunModule(t, modtest.Task(c, "sefcontext", map[string]any{"target": "/data"}))
	require.NoError(t, err)
	require.True(t, r.Failed())
}

// TestSelinuxModuleRun: the config file edits and setenforce, and the
// skip on a host without SELinux at all.
func TestSelinuxModuleRun(t *testing.T) {
	conf := seRecorded(t, "config_rhel9")
	probe := func(mode string) *modtest.Reply {
		return &modtest.Reply{Match: `getenforce`, Stdout: mode + "\n--omeprov--\ntargeted\n--omeprov--\nyes\n" + conf}
	}
	// enforcing -> permissive: setenforce 0 and the config line.
	for _, check := range []bool{true, false} {
		c := modtest.New(probe("Enforcing"), &modtest.Reply{Match: `^setenforce 0$`})
		task := modtest.Task(c, "selinux", map[string]any{"policy": "targeted", "state": "permissive"})
		task.Check = check
		r, err := pgRunModule(t, task)
		require.NoError(t, err)
		require.True(t, r.Changed())
		require.Equal(t, "SELinux state changed from 'enforcing' to 'permissive', Config SELinux state changed from 'enforcing' to 'permissive'", r["msg"])
		if check {
			require.Len(t, c.Calls, 1)
			require.Empty(t, c.Files)
		} else {
			require.Contains(t, string(c.Files["/etc/selinux/config"]), "\nSELINUX=permissive\n")
		}
	}
	// Already so.
	c := modtest.New(probe("Enforcing"))
	r, err := pgRunModule(t, modtest.Task(c, "selinux", map[string]any{"policy": "targeted", "state": "enforcing"}))
	require.NoError(t, err)
	require.False(t, r.Changed())
	require.Equal(t, modules.Result{"changed": false, "msg": "", "configfile": "/etc/selinux/config", "policy": "targeted", "state": "enforcing", "reboot_required": false}, r)
	// Disabled in the kernel: the config changes, a reboot is needed.
	c = modtest.New(probe("Disabled"))
	r, err = pgRunModule(t, modtest.Task(c, "selinux", map[string]any{"policy": "targeted", "state": "enforcing"}))
	require.NoError(t, err)
	require.Equal(t, true, r["reboot_required"])
	require.Equal(t, []string{"Reboot is required to set SELinux state to 'enforcing'"}, r["warnings"])
	// No SELinux at all (Debian): skipped.
	c = modtest.New(&modtest.Reply{Match: `getenforce`, Stdout: "omeprov-no-getenforce\n--omeprov--\n--omeprov--\nno\n"})
	r, err = pgRunModule(t, modtest.Task(c, "selinux", map[string]any{"state": "disabled"}))
	require.NoError(t, err)
	require.Equal(t, true, r["skipped"])
	// policy is needed unless disabled.
	c = modtest.New(probe("Enforcing"))
	r, err = pgRunModule(t, modtest.Task(c, "selinux", map[string]any{"state": "enforcing"}))
	require.NoError(t, err)
	require.Equal(t, "Policy is required if state is not 'disabled'", r["msg"])
}
