package nshost

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCleanup checks that nothing is left of a host when its test ends.
func TestCleanup(t *testing.T) {
	Require(t)
	var h *Host
	t.Run("host", func(t *testing.T) {
		h = Start(t, Options{})
		h.MustExec(t, "sleep 600 >/dev/null 2>&1 &")
	})
	out, err := exec.Command("ip", "netns", "list").Output()
	require.NoError(t, err)
	require.NotContains(t, string(out), h.Netns+" ", "namespace left behind")
	_, err = exec.Command("ip", "link", "show", fmt.Sprintf("ompns%d", h.slot)).Output()
	require.Error(t, err, "veth left behind")
	_, err = os.Stat(h.Root)
	require.True(t, os.IsNotExist(err), "root left behind")
}

func TestHost(t *testing.T) {
	Require(t)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh client not installed")
	}
	a := Start(t, Options{Name: "alpha", SudoUser: "ompsudo"})
	b := Start(t, Options{Name: "beta"})
	t.Logf("started in %s and %s", a.Startup, b.Startup)
	require.NotEqual(t, a.Addr, b.Addr)

	require.Equal(t, "alpha\n", a.MustExec(t, "hostname"))
	require.Equal(t, "beta\n", b.MustExec(t, "hostname"))
	// A mount and a sysctl in one host are not seen in the other.
	a.MustExec(t, "mkdir -p /mnt/x && mount -t tmpfs tmpfs /mnt/x && sysctl -q -w net.ipv4.ip_forward=1")
	require.Contains(t, a.MustExec(t, "cat /proc/self/mounts"), " /mnt/x tmpfs ")
	require.NotContains(t, b.MustExec(t, "cat /proc/self/mounts"), "/mnt/x")
	require.Equal(t, "0\n", b.MustExec(t, "cat /proc/sys/net/ipv4/ip_forward"))
	require.Equal(t, "1\n", a.MustExec(t, "cat /proc/sys/net/ipv4/ip_forward"))
	_, _, code, err := a.Exec("exit 7")
	require.NoError(t, err)
	require.Equal(t, 7, code)

	// Over real SSH, as root and as the sudo user.
	ssh := func(h *Host, user, cmd string) string {
		out, err := exec.Command("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", h.KeyFile,
			user+"@"+h.Addr, cmd).CombinedOutput()
		require.NoError(t, err, "%s\n%s", out, h.Log())
		return string(out)
	}
	require.Equal(t, "alpha 0\n", ssh(a, "root", "echo $(hostname) $(id -u)"))
	require.Equal(t, "0\n", ssh(a, "ompsudo", "sudo -n id -u"))
	require.Contains(t, ssh(b, "root", "cat /etc/debian_version"), "12.")
	require.True(t, strings.HasPrefix(a.Inventory("x"), "x ansible_host="+a.Addr+" "))
}
