package modules_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/testroot"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// testKey makes an OpenPGP key with the controller's gpg and returns it
// armored, with its long key id.
func testKey(t *testing.T) (armored, keyID string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	needTool(t, "gpg")
	home := t.TempDir()
	gpg := func(args ...string) string {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch"}, args...)...)
		out, err := cmd.Output()
		require.NoError(t, err)
		return string(out)
	}
	gpg("--passphrase", "", "--quick-gen-key", "omeprov apt_key test <tests@example.invalid>", "rsa2048", "sign", "never")
	for _, l := range strings.Split(gpg("--with-colons", "--list-keys"), "\n") {
		if f := strings.Split(l, ":"); f[0] == "pub" && len(f) > 4 {
			keyID = f[4]
		}
	}
	return gpg("--armor", "--export"), keyID
}

const aptKeyStateQuery = `apt-key adv --list-public-keys --with-colons 2>/dev/null | grep ^fpr | sort`

// TestAptKeyAgreesWithAnsible runs the same apt_key tasks with
// ansible-playbook on one root and with omeprov on another and compares
// after each: changed, failed, msg, the result keys and values (id,
// short_id, fp, key_id, before, after), and the fingerprints apt knows.
func TestAptKeyAgreesWithAnsible(t *testing.T) {
	needTool(t, "ansible-playbook")
	armored, id := testKey(t)
	ansRoot := testroot.New(t)
	dir := testroot.New(t)
	for _, root := range []string{ansRoot, dir} {
		require.NoError(t, os.WriteFile(filepath.Join(root, "tmp/test.asc"), []byte(armored), 0o644))
	}
	short := id[8:]
	steps := []aptStep{
		{map[string]any{"data": armored}, true},
		{map[string]any{"file": "/tmp/test.asc"}, false},
		{map[string]any{"file": "/tmp/test.asc"}, false},
		{map[string]any{"id": id, "state": "absent"}, true},
		{map[string]any{"id": id, "state": "absent"}, false},
		{map[string]any{"id": id, "state": "absent"}, false},
		{map[string]any{"data": armored}, false},
		{map[string]any{"id": short}, false},
		{map[string]any{"id": "0x" + strings.ToLower(short), "state": "absent"}, false},
		{map[string]any{"id": "xyz"}, false},
		{map[string]any{"keyserver": "hkp://keyserver.ubuntu.com"}, false},
		{map[string]any{"id": id}, false},
		{map[string]any{"file": "/tmp/missing.asc"}, false},
	}
	wants, wantStates := ansibleSteps(t, ansRoot, "apt_key", steps, aptKeyStateQuery, false)

	conn := &testroot.Chroot{Root: dir}
	ctx := context.Background()
	e, _ := modules.Lookup("apt_key")
	for i, s := range steps {
		clean, err := modules.Validate("apt_key", e.Spec, s.Args)
		require.NoError(t, err)
		task := modtest.Task(nil, "apt_key", clean)
		task.Conn = conn
		task.Check = s.Check
		got, err := e.Module.Run(ctx, task)
		require.NoError(t, err)
		st, err := conn.Exec(ctx, aptKeyStateQuery, nil)
		require.NoError(t, err)

		want := wants[i]
		what := fmt.Sprintf("step %d check=%v", i, s.Check)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), "%s: failed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, wantChanged, got.Changed(), "%s: changed: ansible %v, omeprov %v", what, want, got)
		require.Equal(t, aptResultKeys(want), aptResultKeys(got), "%s: keys", what)
		for _, k := range []string{"msg", "id", "short_id", "fp", "key_id"} {
			require.Equal(t, fmt.Sprint(want[k]), fmt.Sprint(got[k]), "%s: %s", what, k)
		}
		for _, k := range []string{"before", "after"} {
			require.Equal(t, fmt.Sprint(want[k]), fmt.Sprint(got[k]), "%s: %s", what, k)
		}
		require.Equal(t, wantStates[i], strings.TrimRight(string(st.Stdout), "\n"), "%s: keys on the host", what)
		t.Logf("%s: both changed=%v failed=%v msg=%v", what, wantChanged, wantFailed, want["msg"])
	}
}
