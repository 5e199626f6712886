package modules

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHostnameStrategyAndPlan(t *testing.T) {
	f := parseHostnameProbe("uname Linux\nid debian\nfile old\nfqdn old.example.org\n")
	s, err := hostnameStrategy("", f)
	require.NoError(t, err)
	require.Equal(t, "file", s)
	cur, perm, cmds := hostnamePlan(s, "new; reboot", f)
	require.Equal(t, "old", cur)
	require.Equal(t, "old", perm)
	require.Equal(t, []string{`printf '%s\n' 'new; reboot' > /etc/hostname`}, cmds)
	_, _, cmds = hostnamePlan(s, "old", f)
	require.Empty(t, cmds)

	f = parseHostnameProbe("uname Linux\nsystemd\nid debian\ntransient a\nstatic b\nfqdn a\n")
	s, _ = hostnameStrategy("", f)
	require.Equal(t, "systemd", s, "systemd wins over the distribution")
	_, _, cmds = hostnamePlan(s, "a", f)
	require.Equal(t, []string{"hostnamectl --pretty --static set-hostname a"}, cmds)

	for id, want := range map[string]string{"rocky": "redhat", "fedora": "systemd", "alpine": "alpine", "ubuntu": "file", "gentoo": "openrc"} {
		s, err := hostnameStrategy("", hostnameFacts{"uname": "Linux", "id": id})
		require.NoError(t, err)
		require.Equal(t, want, s, id)
	}
	_, err = hostnameStrategy("", hostnameFacts{"uname": "Linux", "id": "plan9"})
	require.EqualError(t, err, "hostname module cannot be used on platform Linux (Plan9)")
	s, _ = hostnameStrategy("", hostnameFacts{"uname": "Darwin"})
	require.Equal(t, "darwin", s)
	f = hostnameFacts{"scutilHostName": "old", "scutilComputerName": "old", "scutilLocalHostName": "old"}
	_, _, cmds = hostnamePlan("darwin", "Bob's Mac.local", f)
	require.Equal(t, []string{`scutil --set HostName 'Bob'"'"'s Mac.local'`, `scutil --set ComputerName 'Bob'"'"'s Mac.local'`, `scutil --set LocalHostName Bobs-Maclocal`}, cmds)
	require.Equal(t, "myhost", darwinScrub("my__host!!"), "double dashes vanish, as in _scrub_hostname")
}

func TestHostnameOnFake(t *testing.T) {
	f := newFake(&fakeReply{Match: `^sh -c `, Stdout: "uname Linux\nid debian\nfile old\nfqdn old.example.org\n"})
	r, err := runHostname(context.Background(), fakeTask(f, "hostname", map[string]any{"name": "web1.example.org"}, true))
	require.NoError(t, err)
	require.True(t, r.Changed())
	require.Equal(t, Diff{Before: "hostname = old\n", After: "hostname = web1.example.org\n"}, r["diff"])
	require.Equal(t, "web1", r["ansible_facts"].(map[string]any)["ansible_hostname"])
	require.Len(t, f.commands(), 1, "check mode only reads")
	r, _ = runHostname(context.Background(), fakeTask(f, "hostname", map[string]any{"name": "x", "use": "redhat"}, false))
	require.Equal(t, "Unable to locate HOSTNAME entry in /etc/sysconfig/network", r["msg"])
}
