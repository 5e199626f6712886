package connection

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
)

// testParams are Params for logging in to s as root with its key, with
// known_hosts checking on and no ~/.ssh/config.
func testParams(t testing.TB, s *sshdtest.Server) Params {
	t.Helper()
	return Params{
		Host:            s.Addr,
		Port:            s.Port,
		User:            s.User,
		PrivateKeyFiles: []string{s.KeyFile},
		HostKeyChecking: true,
		KnownHostsFile:  s.KnownHostsFile(t),
		SSHConfigFile:   filepath.Join(t.TempDir(), "no_ssh_config"),
	}
}

func dial(t testing.TB, p Params) Connection {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func exec1(t testing.TB, c Connection, cmd string, opts *ExecOptions) *Result {
	t.Helper()
	r, err := c.Exec(ctx(t), cmd, opts)
	require.NoError(t, err)
	return r
}

// needRoot skips (or fails under CI) tests that need root.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("needs root (CI is set: not skipping)")
	}
	t.Skip("needs root")
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func runCmd(name string, args ...string) ([]byte, error) {
	return osexec.Command(name, args...).CombinedOutput()
}

func statOwner(sys any) (int, int) {
	st := sys.(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid)
}
