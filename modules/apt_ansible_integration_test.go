package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
)

// aptStep is one apt task run by both ansible-playbook and omeprov.
type aptStep struct {
	Args  map[string]any
	Check bool
}

var aptAgreementSteps = []aptStep{
	{map[string]any{"name": "omeprov-hello=1.0"}, true},
	{map[string]any{"name": "omeprov-hello=1.0"}, false},
	{map[string]any{"name": "omeprov-hello=1.0"}, false},
	{map[string]any{"name": "omeprov-hello", "state": "latest"}, true},
	{map[string]any{"name": "omeprov-hello", "state": "latest"}, false},
	{map[string]any{"name": "omeprov-hello", "state": "latest"}, false},
	{map[string]any{"name": "omeprov-nosuch"}, false},
	{map[string]any{"name": "omeprov-hello=9.9"}, false},
	{map[string]any{"name": "omeprov-virtual"}, false},
	{map[string]any{"name": "omeprov-virtual"}, false},
	{map[string]any{"name": "omeprov-e*"}, false},
	{map[string]any{"name": "omeprov-e*"}, false},
	{map[string]any{"name": "omeprov-conf"}, false},
	{map[string]any{"name": "omeprov-conf", "state": "absent"}, false},
	{map[string]any{"name": "omeprov-conf", "state": "absent", "purge": true}, true},
	{map[string]any{"name": "omeprov-conf", "state": "absent", "purge": true}, false},
	{map[string]any{"name": "omeprov-conf", "state": "absent", "purge": true}, false},
	{map[string]any{"deb": "/srv/debrepo/omeprov-hello_1.0_all.deb"}, false},
	{map[string]any{"deb": "/srv/debrepo/omeprov-hello_2.0_all.deb"}, false},
	{map[string]any{"update_cache": true, "cache_valid_time": 3600}, false},
	{map[string]any{"upgrade": "dist"}, false},
	{map[string]any{"name": "omeprov-hello=1.*", "allow_downgrade": true}, false},
	{map[string]any{"upgrade": "dist"}, true},
	{map[string]any{"name": "omeprov-hello", "state": "absent", "autoremove": true}, false},
	{map[string]any{"name": "omeprov-hello", "state": "absent", "autoremove": true}, false},
	{map[string]any{"name": []any{"*"}, "state": "latest"}, false},
	{map[string]any{"name": "omeprov-dep", "only_upgrade": true}, false},
	{map[string]any{"name": "omeprov-extra", "state": "absent", "policy_rc_d": 101}, false},
	{map[string]any{"name": "omeprov-extra", "policy_rc_d": 101}, false},
}

const aptStateQuery = `dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'omeprov-*' 2>/dev/null | sort; ls /usr/sbin/policy-rc.d 2>/dev/null; true`

// pythonAptDebs returns python3-apt and what it needs beyond the test
// root, downloaded once from Debian's mirror into testroot's cache:
// ansible's apt module needs them on the host.
func pythonAptDebs(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(testroot.CacheDir, "python3-apt")
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	if len(debs) >= 3 {
		return debs
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command("apt-get", "download", "python3-apt", "python-apt-common", "distro-info-data")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	debs, _ = filepath.Glob(filepath.Join(dir, "*.deb"))
	return debs
}

// TestAptAgreesWithAnsible runs the same apt tasks with ansible-playbook
// (ansible-core 2.14 from Debian, through community.general.chroot) on one
// root and with omeprov on another, and compares after every task: changed,
// failed, the failure message (its tool output for failed transactions),
// the set of result keys (without invocation and diff), and the dpkg state
// of the test packages.
func TestAptAgreesWithAnsible(t *testing.T) {
	needTool(t, "ansible-playbook")
	ansRoot, _ := aptRoot(t)
	_, conn := aptRoot(t)
	ctx := context.Background()

	installPythonApt(t, ansRoot)
	wants, wantStates := ansibleSteps(t, ansRoot, "apt", aptAgreementSteps, aptStateQuery, false)

	for i, s := range aptAgreementSteps {
		want, wantState := wants[i], wantStates[i]

		args := map[string]any{}
		for k, v := range s.Args {
			if str, ok := v.(string); ok && k == "name" {
				v = []any{str}
			}
			args[k] = v
		}
		task := aptTask(nil, args)
		task.Conn = conn
		task.Check = s.Check
		got := runAptTask(t, task)
		st, err := conn.Exec(ctx, aptStateQuery, nil)
		require.NoError(t, err)

		what := fmt.Sprintf("step %d %v check=%v", i, s.Args, s.Check)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), "%s: failed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, wantChanged, got.Changed(), "%s: changed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, aptResultKeys(want), aptResultKeys(got), "%s: keys", what)
		if wantFailed {
			wm, gm := fmt.Sprint(want["msg"]), fmt.Sprint(got["msg"])
			if _, tool, ok := strings.Cut(wm, "' failed: "); ok {
				// The command lines differ in quoting; the tool's message agrees.
				_, gtool, _ := strings.Cut(gm, " failed: ")
				require.Equal(t, tool, gtool, "%s: msg", what)
			} else {
				require.Equal(t, wm, gm, "%s: msg", what)
			}
		}
		require.Equal(t, wantState, strings.TrimRight(string(st.Stdout), "\n"), "%s: dpkg state", what)
		t.Logf("%s: both changed=%v failed=%v keys=%v", what, wantChanged, wantFailed, aptResultKeys(want))
	}
}

// ansibleSteps runs module with each step's arguments on root through
// ansible-playbook (community.general.chroot), each step followed by
// stateCmd, and returns every step's result and the state printed after it.
func ansibleSteps(t *testing.T, root, module string, steps []aptStep, stateCmd string, diff bool) ([]map[string]any, []string) {
	t.Helper()
	var tasks []map[string]any
	for i, s := range steps {
		tasks = append(tasks,
			map[string]any{"name": fmt.Sprintf("step %d", i), module: s.Args, "check_mode": s.Check, "ignore_errors": true, "diff": diff},
			map[string]any{"name": fmt.Sprintf("state %d", i), "shell": stateCmd, "changed_when": false})
	}
	play := []map[string]any{{"hosts": "all", "gather_facts": false, "tasks": tasks}}
	dir := t.TempDir()
	pb, _ := json.Marshal(play)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pb.yml"), pb, 0o644))
	inv := "r ansible_connection=community.general.chroot ansible_host=" + root + " ansible_python_interpreter=/usr/bin/python3\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inv"), []byte(inv), 0o644))
	cmd := exec.Command("ansible-playbook", "-i", "inv", "pb.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1")
	out, err := cmd.Output()
	require.NoError(t, err, "ansible-playbook: %s", out)
	var report struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &report), "%s", out)
	require.Len(t, report.Plays, 1)
	ans := report.Plays[0].Tasks
	require.Len(t, ans, 2*len(steps))
	var results []map[string]any
	var states []string
	for i := range steps {
		results = append(results, ans[2*i].Hosts["r"])
		states = append(states, ans[2*i+1].Hosts["r"]["stdout"].(string))
	}
	return results, states
}

// installPythonApt puts python3-apt in root, for ansible's side.
func installPythonApt(t *testing.T, root string) {
	t.Helper()
	for _, deb := range pythonAptDebs(t) {
		b, err := os.ReadFile(deb)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(root, "tmp", filepath.Base(deb)), b, 0o644))
	}
	res, err := (&testroot.Chroot{Root: root}).Exec(context.Background(), "dpkg -i /tmp/*.deb", nil)
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s", res.Stderr)
}

// aptResultKeys lists a result's keys without those Ansible's executor
// adds or that omeprov's engine adds (invocation, changed on failure) and
// without diff (Ansible returns an empty one outside --diff).
func aptResultKeys(r map[string]any) []string {
	var keys []string
	for k := range r {
		switch {
		case k == "invocation", k == "diff", k == "changed", k == "action", strings.HasPrefix(k, "_ansible"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var _ modules.Result
