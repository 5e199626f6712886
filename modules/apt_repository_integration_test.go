package modules_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

var aptRepoSteps = []aptStep{
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./"}, true},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./"}, false},
	{map[string]any{"repo": "deb  [trusted=yes]   file:/srv/debrepo ./"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./", "state": "absent"}, true},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./", "state": "absent"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./", "state": "absent"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./", "filename": "mine", "mode": "0600"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/extra ./", "filename": "mine", "mode": "0600"}, false},
	{map[string]any{"repo": "deb-src [trusted=yes] file:/srv/extra ./", "filename": "mine", "update_cache": false}, false},
	{map[string]any{"repo": "bogus line"}, false},
	{map[string]any{"repo": "# deb http://example.invalid/ x y"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/nonexist ./"}, false},
	{map[string]any{"repo": "ppa:omeprov/none", "state": "absent", "codename": "jammy"}, false},
	{map[string]any{"repo": "deb [trusted=yes] file:/srv/debrepo ./", "state": "absent", "update_cache": false}, false},
}

const aptRepoStateQuery = `cd /etc/apt && for f in sources.list sources.list.d/*; do [ -f "$f" ] && { stat -c '%n %a' "$f"; cat "$f"; }; done; true`

// TestAptRepositoryAgreesWithAnsible runs the same apt_repository tasks
// with ansible-playbook on one root and with omeprov on another and
// compares after each: changed, failed, msg, result keys, the --diff
// (files, headers, before and after), and the names, modes and content of
// every sources file.
func TestAptRepositoryAgreesWithAnsible(t *testing.T) {
	needTool(t, "ansible-playbook")
	ansRoot, _ := aptRoot(t)
	dir, conn := aptRoot(t)
	ctx := context.Background()
	for _, root := range []string{ansRoot, dir} {
		res, err := (&testroot.Chroot{Root: root}).Exec(ctx, "cp -r /srv/debrepo /srv/extra", nil)
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
	}
	installPythonApt(t, ansRoot)
	wants, wantStates := ansibleSteps(t, ansRoot, "apt_repository", aptRepoSteps, aptRepoStateQuery, true)

	e, ok := modules.Lookup("ansible.builtin.apt_repository")
	require.True(t, ok)
	for i, s := range aptRepoSteps {
		args := map[string]any{"state": "present", "update_cache": true, "update_cache_retries": 1, "update_cache_retry_max_delay": 12, "install_python_apt": true, "validate_certs": true}
		for k, v := range s.Args {
			args[k] = v
		}
		task := modtest.Task(nil, "apt_repository", args)
		task.Conn = conn
		task.Check = s.Check
		task.Diff = true
		got, err := e.Module.Run(ctx, task)
		require.NoError(t, err)
		st, err := conn.Exec(ctx, aptRepoStateQuery, nil)
		require.NoError(t, err)

		want := wants[i]
		what := fmt.Sprintf("step %d %v check=%v", i, s.Args, s.Check)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), "%s: failed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, wantChanged, got.Changed(), "%s: changed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, aptResultKeys(want), aptResultKeys(got), "%s: keys", what)
		require.Equal(t, want["msg"], got["msg"], "%s: msg", what)
		require.Equal(t, aptRepoDiffs(want["diff"]), aptRepoDiffs(got["diff"]), "%s: diff", what)
		require.Equal(t, wantStates[i], strings.TrimRight(string(st.Stdout), "\n"), "%s: sources files", what)
		t.Logf("%s: both changed=%v failed=%v keys=%v", what, wantChanged, wantFailed, aptResultKeys(want))
	}
}

// aptRepoDiffs turns a diff (Ansible's list of maps, or omeprov's []Diff)
// into sorted comparable strings.
func aptRepoDiffs(d any) []string {
	var out []string
	switch v := d.(type) {
	case []any:
		for _, e := range v {
			m := e.(map[string]any)
			out = append(out, fmt.Sprintf("%v|%v|%q|%q", m["before_header"], m["after_header"], m["before"], m["after"]))
		}
	case []modules.Diff:
		for _, m := range v {
			out = append(out, fmt.Sprintf("%v|%v|%q|%q", m.BeforeHeader, m.AfterHeader, m.Before, m.After))
		}
	}
	sort.Strings(out)
	return out
}
