package modules_test

// sysctl on this machine, inside a network namespace the test makes (net.*
// keys are per namespace, so the machine's own settings are untouched),
// with the sysctl file in a temporary directory.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

// netnsConn runs commands inside a network namespace; files go to the
// machine's file system.
type netnsConn struct {
	connection.Connection
	ns string
}

func (c *netnsConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	return c.Connection.Exec(ctx, "ip netns exec "+connection.Quote(c.ns)+" sh -c "+connection.Quote(cmd), opts)
}

func newNetns(t *testing.T) *netnsConn {
	t.Helper()
	sysNeed(t, "ip", "sysctl")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("needs root")
		}
		t.Skip("needs root")
	}
	ns := fmt.Sprintf("omeprov-sysctl-%d", os.Getpid())
	out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	return &netnsConn{Connection: connection.Local(), ns: ns}
}

func TestSysctlIntegration(t *testing.T) {
	conn := newNetns(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "99-omeprov.conf")
	require.NoError(t, os.WriteFile(file, []byte("# keep me\nnet.ipv4.tcp_syn_retries = 5\nnet.ipv4.tcp_syn_retries=6\n"), 0o644))
	read := func(key string) string {
		res, err := conn.Exec(ctx, "sysctl -n "+key, nil)
		require.NoError(t, err)
		return strings.TrimSpace(string(res.Stdout))
	}
	hostForward, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	require.NoError(t, err)
	args := map[string]any{"name": "net.ipv4.ip_forward", "value": "1", "sysctl_file": file, "sysctl_set": true}

	r := sysRun(t, conn, "sysctl", args, true, nil)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "0", read("net.ipv4.ip_forward"), "check mode sets nothing")
	r = sysRun(t, conn, "sysctl", args, false, nil)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "1", read("net.ipv4.ip_forward"))
	b, _ := os.ReadFile(file)
	require.Equal(t, "# keep me\nnet.ipv4.tcp_syn_retries=5\nnet.ipv4.ip_forward=1\n", string(b))
	r = sysRun(t, conn, "sysctl", args, false, nil)
	require.False(t, r.Changed(), "%v", r)

	// yes is 1, as the module's _parse_value reads it
	r = sysRun(t, conn, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": "yes", "sysctl_file": file}, false, nil)
	require.False(t, r.Changed(), "%v", r)

	// a multi-word value compares word by word
	args = map[string]any{"name": "net.ipv4.ip_local_port_range", "value": "32768   60000", "sysctl_file": file}
	r = sysRun(t, conn, "sysctl", args, false, nil)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "32768\t60000", read("net.ipv4.ip_local_port_range"))
	r = sysRun(t, conn, "sysctl", args, false, nil)
	require.False(t, r.Changed(), "%v", r)

	r = sysRun(t, conn, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "state": "absent", "sysctl_file": file}, false, nil)
	require.True(t, r.Changed(), "%v", r)
	b, _ = os.ReadFile(file)
	require.NotContains(t, string(b), "ip_forward")
	r = sysRun(t, conn, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "state": "absent", "sysctl_file": file}, false, nil)
	require.False(t, r.Changed(), "%v", r)

	// an unknown key fails the reload, and a bad value fails
	r = sysRun(t, conn, "sysctl", map[string]any{"name": "net.omeprov.nosuch", "value": "1", "sysctl_file": file}, false, nil)
	require.True(t, r.Failed(), "%v", r)
	require.Contains(t, r["msg"], "Failed to reload sysctl")
	r = sysRun(t, conn, "sysctl", map[string]any{"name": "net.ipv4.ip_forward; touch /tmp/pwned", "value": "1", "sysctl_file": t.TempDir() + "/x.conf", "reload": false, "sysctl_set": true}, false, nil)
	require.True(t, r.Failed(), "%v", r)
	_, err = os.Stat("/tmp/pwned")
	require.True(t, os.IsNotExist(err))

	now, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	require.NoError(t, err)
	require.Equal(t, string(hostForward), string(now), "the machine's own setting is untouched")
}
