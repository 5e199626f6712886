package connection

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
)

// ansibleResult is one host's result from ansible's json callback.
type ansibleResult struct {
	Msg         string `json:"msg"`
	Unreachable bool   `json:"unreachable"`
	Failed      bool   `json:"failed"`
	RC          int    `json:"rc"`
}

// runAnsible runs the real ansible (ansible-core 2.14) ad hoc with the raw
// module against one host described by an inventory line, in a private
// HOME so nothing of the machine's ~/.ssh or ~/.ansible is used or changed.
func runAnsible(t *testing.T, knownHosts string, checkKeys bool, invLine string, args ...string) ansibleResult {
	t.Helper()
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory")
	require.NoError(t, os.WriteFile(inv, []byte(invLine+"\n"), 0o600))
	cmd := exec.Command("ansible", append([]string{"all", "-i", inv, "-m", "raw"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+dir,
		"SSH_AUTH_SOCK=",
		"ANSIBLE_LOAD_CALLBACK_PLUGINS=1",
		"ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_SSH_ARGS=-o ControlMaster=no -o UserKnownHostsFile="+knownHosts,
		fmt.Sprintf("ANSIBLE_HOST_KEY_CHECKING=%v", checkKeys),
		"ANSIBLE_TIMEOUT=10",
	)
	out, _ := cmd.Output()
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]ansibleResult `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(out, &doc), "ansible output: %s", out)
	require.NotEmpty(t, doc.Plays)
	require.NotEmpty(t, doc.Plays[0].Tasks)
	r, ok := doc.Plays[0].Tasks[0].Hosts["h"]
	require.True(t, ok, "%s", out)
	t.Logf("ansible: %+v", r)
	return r
}

// TestAnsibleParity gives the same hosts and settings to the real Ansible
// and to omeprov's connection, and compares the messages users see.
func TestAnsibleParity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real ansible: skipped with -short")
	}
	t.Parallel()
	if _, err := exec.LookPath("ansible"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible not installed (apt-get install ansible-core)")
		}
		t.Skip("ansible not installed (apt-get install ansible-core)")
	}
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.40"})
	kh := s.KnownHostsFile(t)
	pwUser := sshdtest.NewUser(t, sshdtest.SudoPassword, s.PublicKey)
	nopw := sshdtest.NewUser(t, sshdtest.SudoNoPassword, s.PublicKey)
	other := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey)
	host := func(user, key string, port int) string {
		return fmt.Sprintf("h ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s", s.Addr, port, user, key)
	}

	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		port := freePort(t, "127.0.0.9")
		want := runAnsible(t, kh, true, fmt.Sprintf("h ansible_host=127.0.0.9 ansible_port=%d", port), "-a", "true")
		require.True(t, want.Unreachable)
		_, err := Dial(ctx(t), Params{Host: "127.0.0.9", Port: port, SSHConfigFile: "/nonexistent", HostKeyChecking: true})
		require.EqualError(t, err, want.Msg)
	})
	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		wrong, _ := sshdtest.GenerateKey(t)
		want := runAnsible(t, kh, true, host("root", wrong, s.Port), "-a", "true")
		require.True(t, want.Unreachable)
		p := testParams(t, s)
		p.PrivateKeyFiles = []string{wrong}
		p.ExtraSSHArgs = "-o IdentityAgent=none" // as ansible runs here, without an agent
		_, err := Dial(ctx(t), p)
		require.EqualError(t, err, want.Msg)
	})
	t.Run("unknown host key", func(t *testing.T) {
		t.Parallel()
		empty := filepath.Join(t.TempDir(), "kh")
		require.NoError(t, os.WriteFile(empty, nil, 0o600))
		want := runAnsible(t, empty, true, host("root", s.KeyFile, s.Port), "-a", "true")
		require.True(t, want.Unreachable)
		p := testParams(t, s)
		p.KnownHostsFile = empty
		_, err := Dial(ctx(t), p)
		var ue *UnreachableError
		require.ErrorAs(t, err, &ue)
		// Ansible shows ssh's one line; omeprov adds how to fix it.
		require.True(t, strings.HasPrefix(err.Error(), want.Msg), "ansible: %q\nomeprov: %q", want.Msg, err)
	})
	t.Run("sudo password missing", func(t *testing.T) {
		t.Parallel()
		want := runAnsible(t, kh, true, host(pwUser.Name, s.KeyFile, s.Port), "-b", "-a", "true")
		require.True(t, want.Failed)
		p := testParams(t, s)
		p.User = pwUser.Name
		c := dial(t, p)
		_, err := c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{}})
		require.EqualError(t, err, want.Msg)
	})
	t.Run("sudo password incorrect", func(t *testing.T) {
		t.Parallel()
		want := runAnsible(t, kh, true, host(pwUser.Name, s.KeyFile, s.Port)+" ansible_become_password=wrong", "-b", "-a", "true")
		require.True(t, want.Failed)
		p := testParams(t, s)
		p.User = pwUser.Name
		c := dial(t, p)
		_, err := c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Password: "wrong"}})
		require.EqualError(t, err, want.Msg)
	})
	t.Run("su password incorrect", func(t *testing.T) {
		t.Parallel()
		want := runAnsible(t, kh, true, host(nopw.Name, s.KeyFile, s.Port)+" ansible_become_password=wrong ansible_become_method=su ansible_become_user="+other.Name, "-b", "-a", "true")
		require.True(t, want.Failed)
		p := testParams(t, s)
		p.User = nopw.Name
		c := dial(t, p)
		_, err := c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Method: "su", User: other.Name, Password: "wrong"}})
		require.EqualError(t, err, want.Msg)
	})
	t.Run("exit code", func(t *testing.T) {
		t.Parallel()
		want := runAnsible(t, kh, true, host(other.Name, s.KeyFile, s.Port), "-a", "exit 3")
		p := testParams(t, s)
		p.User = other.Name
		r := exec1(t, dial(t, p), "exit 3", nil)
		require.Equal(t, want.RC, r.ExitCode)
	})
}
