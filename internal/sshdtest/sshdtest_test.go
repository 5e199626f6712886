package sshdtest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStart logs in with the real OpenSSH client using only what Server
// exposes: key, user, port and known_hosts line (strict checking on).
func TestStart(t *testing.T) {
	s := Start(t, Options{Addr: "127.0.0.3"})
	require.NotEqual(t, 22, s.Port)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh client not installed")
	}
	kh := s.KnownHostsFile(t)
	out, err := exec.Command("ssh", "-F", "/dev/null", "-i", s.KeyFile, "-p", strconv.Itoa(s.Port),
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+kh, "-o", "BatchMode=yes",
		s.User+"@"+s.Addr, "id -un").CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, s.Log())
	require.Equal(t, "root", strings.TrimSpace(string(out)))
}

func TestStartRejectsNonLoopback(t *testing.T) {
	Require(t)
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Start(ft, Options{Addr: "10.1.2.3"})
	}()
	require.True(t, ft.failed)
}

func TestNewUser(t *testing.T) {
	s := Start(t, Options{})
	u := NewUser(t, SudoNoPassword, s.PublicKey)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh client not installed")
	}
	out, err := exec.Command("ssh", "-F", "/dev/null", "-i", s.KeyFile, "-p", strconv.Itoa(s.Port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		u.Name+"@"+s.Addr, "id -un; sudo -n id -un").CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, s.Log())
	require.Contains(t, string(out), u.Name+"\nroot\n")
	_, err = os.Stat(u.Home)
	require.NoError(t, err)
}

// fakeT turns Fatal into a recorded failure plus a panic so a test can
// check that a helper refuses bad input.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Fatalf(format string, args ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) Fatal(args ...any)                 { f.failed = true; panic("fatal") }
