package modules_test

// Real-host tests of user and group: each runs inside a fresh Debian root
// (internal/testroot) through its chroot connection, and the same tasks
// run with ansible-playbook (ansible-core 2.14, community.general.chroot)
// on a second root, compared after every step.

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

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// sysStep is one task of an agreement run.
type sysStep struct {
	Args  map[string]any
	Check bool
}

// sysAnsible runs steps with ansible-playbook on root, each followed by
// stateCmd, and returns the results and the states.
func sysAnsible(t *testing.T, root, module string, steps []sysStep, stateCmd string) ([]map[string]any, []string) {
	t.Helper()
	var tasks []map[string]any
	for i, s := range steps {
		tasks = append(tasks,
			map[string]any{"name": fmt.Sprintf("step %d", i), module: s.Args, "check_mode": s.Check, "ignore_errors": true},
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

// sysKeys lists a result's keys without those the executors add.
func sysKeys(r map[string]any) []string {
	var keys []string
	for k := range r {
		switch {
		case k == "invocation", k == "diff", k == "action", k == "warnings", k == "stdout_lines", k == "stderr_lines",
			strings.HasPrefix(k, "_ansible"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sysRun validates args with the module's Spec, as the engine does, and
// runs the module on conn.
func sysRun(t *testing.T, conn connection.Connection, module string, args map[string]any, check bool, facts map[string]any) modules.Result {
	t.Helper()
	e, ok := modules.Lookup(module)
	require.True(t, ok, module)
	v, err := modules.Validate(module, e.Spec, args)
	require.NoError(t, err, "%s %v", module, args)
	task := &modules.Task{Name: module, Module: module, Args: v, Conn: conn, Check: check, Diff: true, Host: "r", Ctl: &modtest.Controller{FactMap: facts}}
	res, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err, "%s %v", module, args)
	return res
}

// sysAgree runs steps with ansible and omeprov on two fresh roots and
// compares changed, failed, msg, the result keys, the given result
// fields and the state after each step.
func sysAgree(t *testing.T, module string, steps []sysStep, stateCmd string, fields ...string) {
	t.Helper()
	sysAgreeRoots(t, module, steps, stateCmd, nil, nil, fields...)
}

// sysAgreeRoots is sysAgree with both roots prepared by prepare (when not
// nil) and facts given to omeprov's module.
func sysAgreeRoots(t *testing.T, module string, steps []sysStep, stateCmd string, prepare func(*testing.T, string), facts map[string]any, fields ...string) {
	t.Helper()
	sysNeed(t, "ansible-playbook")
	ansRoot := testroot.New(t)
	root := testroot.New(t)
	if prepare != nil {
		prepare(t, ansRoot)
		prepare(t, root)
	}
	conn := &testroot.Chroot{Root: root}
	wants, wantStates := sysAnsible(t, ansRoot, module, steps, stateCmd)
	for i, s := range steps {
		want := wants[i]
		got := sysRun(t, conn, module, s.Args, s.Check, facts)
		st, err := conn.Exec(context.Background(), stateCmd, nil)
		require.NoError(t, err)
		what := fmt.Sprintf("step %d %v check=%v: ansible %v, omeprov %v", i, s.Args, s.Check, want, got)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), "failed: %s", what)
		require.Equal(t, wantChanged, got.Changed(), "changed: %s", what)
		require.Equal(t, sysKeys(want), sysKeys(got), "keys: %s", what)
		if wantFailed {
			require.Equal(t, want["msg"], got["msg"], "msg: %s", what)
		}
		for _, f := range fields {
			require.Equal(t, sysNorm(want[f]), sysNorm(got[f]), "%s: %s", f, what)
		}
		require.Equal(t, strings.TrimSpace(wantStates[i]), strings.TrimSpace(string(st.Stdout)), "state: %s", what)
	}
}

const userStateCmd = `getent passwd omeu1 omeu2 omeu3 omesys; getent group omeg1 omeg2 omeu1 omeu2 sudo; ls -d /home/ome* /srv/omehome* 2>/dev/null; ls -la /home/omeu3 /home/omeu3/.ssh 2>/dev/null | awk '{print $1, $3, $4, $NF}' | grep -v ' \.\.$'; cut -d' ' -f3- /home/omeu3/.ssh/id_ed25519.pub 2>/dev/null; getent shadow omeu3 | cut -d: -f4,5; true`

func TestUserAgreesWithAnsible(t *testing.T) {
	steps := []sysStep{
		{map[string]any{"name": "omeg1", "gid": 3101}, true},
		{map[string]any{"name": "omeg1", "gid": 3101}, false},
		{map[string]any{"name": "omeg1", "gid": 3101}, false},
		{map[string]any{"name": "omeg1", "gid": 3102}, true},
		{map[string]any{"name": "omeg1", "gid": 3102}, false},
		{map[string]any{"name": "omeg2", "system": true}, false},
		{map[string]any{"name": "omeg3", "state": "absent"}, false},
		{map[string]any{"name": "omeg2", "state": "absent"}, true},
		{map[string]any{"name": "omeg2", "state": "absent"}, false},
		{map[string]any{"name": "omeg2", "state": "absent"}, false},
		{map[string]any{"name": "omeg2", "gid": 3102}, false},
	}
	sysAgree(t, "group", steps, userStateCmd, "gid", "system", "name", "state")
}

func TestUserModuleAgreesWithAnsible(t *testing.T) {
	steps := []sysStep{
		{map[string]any{"name": "omeu1", "uid": 2101}, true},
		{map[string]any{"name": "omeu1", "uid": 2101}, false},
		{map[string]any{"name": "omeu1", "uid": 2101}, false},
		{map[string]any{"name": "omeu1", "uid": 2101}, true},
		{map[string]any{"name": "omeu1", "groups": []any{"sudo", "users"}, "append": true, "shell": "/bin/sh", "comment": "Ome U1"}, true},
		{map[string]any{"name": "omeu1", "groups": []any{"sudo", "users"}, "append": true, "shell": "/bin/sh", "comment": "Ome U1"}, false},
		{map[string]any{"name": "omeu1", "groups": []any{"sudo", "users"}, "append": true, "shell": "/bin/sh", "comment": "Ome U1"}, false},
		{map[string]any{"name": "omeu1", "groups": []any{"users"}}, false},
		{map[string]any{"name": "omeu1", "groups": []any{"users"}}, false},
		{map[string]any{"name": "omeu1", "groups": []any{}}, false},
		{map[string]any{"name": "omeu1", "group": "users"}, false},
		{map[string]any{"name": "omeu1", "group": "nosuch"}, false},
		{map[string]any{"name": "omeu1", "groups": []any{"nosuch"}}, false},
		{map[string]any{"name": "omeu1", "password": "$6$rounds=5000$saltsalt$" + strings.Repeat("a", 86)}, false},
		{map[string]any{"name": "omeu1", "password": "$6$rounds=5000$saltsalt$" + strings.Repeat("a", 86)}, false},
		{map[string]any{"name": "omeu1", "password_lock": true}, false},
		{map[string]any{"name": "omeu1", "password_lock": true}, false},
		{map[string]any{"name": "omeu1", "home": "/srv/omehome1", "move_home": true}, false},
		{map[string]any{"name": "omeu1", "state": "absent", "remove": true}, true},
		{map[string]any{"name": "omeu1", "state": "absent", "remove": true}, false},
		{map[string]any{"name": "omeu1", "state": "absent"}, false},
		{map[string]any{"name": "omeu2", "system": true, "create_home": false, "shell": "/usr/sbin/nologin"}, false},
		{map[string]any{"name": "omeu2", "system": true, "create_home": false, "shell": "/usr/sbin/nologin"}, false},
		{map[string]any{"name": "omeu2", "home": "/srv/omehome2"}, false},
		{map[string]any{"name": "omeu2", "home": "/srv/omehome2"}, false},
		{map[string]any{"name": "omesys", "group": "nosuch"}, false},
		{map[string]any{"name": "omesys", "uid": 0}, false},
		{map[string]any{"name": "omeu3", "generate_ssh_key": true, "ssh_key_type": "ed25519", "ssh_key_comment": "omeu3 key"}, true},
		{map[string]any{"name": "omeu3", "generate_ssh_key": true, "ssh_key_type": "ed25519", "ssh_key_comment": "omeu3 key"}, false},
		{map[string]any{"name": "omeu3", "generate_ssh_key": true, "ssh_key_type": "ed25519", "ssh_key_comment": "omeu3 key"}, false},
		{map[string]any{"name": "omeu3", "generate_ssh_key": true, "ssh_key_type": "ed25519", "ssh_key_file": "/home/omeu3/k; x"}, false},
		{map[string]any{"name": "omeu3", "password_expire_max": 90, "password_expire_min": 1}, true},
		{map[string]any{"name": "omeu3", "password_expire_max": 90, "password_expire_min": 1}, false},
		{map[string]any{"name": "omeu3", "password_expire_max": 90, "password_expire_min": 1}, false},
		{map[string]any{"name": "omeu3", "password_expire_max": 30}, false},
		{map[string]any{"name": "x; touch /tmp/pwned", "state": "absent"}, false},
	}
	sysAgree(t, "user", steps, userStateCmd+"; test -e /tmp/pwned && echo PWNED; true", "uid", "group", "home", "shell", "comment", "groups", "name", "state", "system", "create_home", "append", "move_home")
}

// sysNeed skips t when a tool is missing, or fails it when CI is set.
func sysNeed(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed (CI is set)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// sysNorm renders a result value for comparison: JSON, so that numbers,
// lists and maps from ansible's JSON and omeprov's Go values compare.
func sysNorm(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var back any
	if json.Unmarshal(b, &back) == nil {
		b, _ = json.Marshal(back)
	}
	return string(b)
}
