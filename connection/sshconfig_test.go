package connection

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kevinburke/ssh_config"
	"github.com/stretchr/testify/require"
)

func TestParseSSHArgs(t *testing.T) {
	a, err := parseSSHArgs(`-o ProxyJump=j1 -oUser=bob -o "Port 2222" -i /k1 -o IdentityFile=/k2 -o StrictHostKeyChecking=no -o User=ignored -C -c aes128-ctr -v host`)
	require.NoError(t, err)
	require.Equal(t, "j1", a.jumps)
	require.Equal(t, "bob", a.opts["user"], "the first value wins, as in ssh")
	require.Equal(t, "2222", a.opts["port"])
	require.Equal(t, "no", a.opts["stricthostkeychecking"])
	require.Equal(t, []string{"/k1", "/k2"}, a.keys)

	a, err = parseSSHArgs("-J a@b:2200,c -p 23 -l u")
	require.NoError(t, err)
	require.Equal(t, "a@b:2200,c", a.jumps)
	require.Equal(t, "23", a.opts["port"])
	require.Equal(t, "u", a.opts["user"])

	for _, bad := range []string{"-o", "-J", "-i", "-o 'x"} {
		_, err := parseSSHArgs(bad)
		require.Error(t, err, bad)
	}
}

func TestResolveTarget(t *testing.T) {
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	cfg := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(cfg, []byte(`
Host db
  HostName %h.example.internal
  Port 2200
  User dbadmin
  IdentityFile ~/.ssh/db_%r_%p
  IdentityFile /keys/second
  ProxyJump bastion,ssh://ops@gw:2022
  UserKnownHostsFile /tmp/kh1 /tmp/kh2
  StrictHostKeyChecking accept-new
  ServerAliveInterval 7
`), 0o600))
	tg, _, _, err := resolveTarget(Params{Host: "db", SSHConfigFile: cfg, HostKeyChecking: true})
	require.NoError(t, err)
	require.Equal(t, "db.example.internal", tg.hostname)
	require.Equal(t, 2200, tg.port)
	require.Equal(t, "dbadmin", tg.user)
	require.Equal(t, []string{home + "/.ssh/db_dbadmin_2200", "/keys/second"}, tg.keyFiles)
	require.Equal(t, []string{"bastion", "ssh://ops@gw:2022"}, tg.proxyJump)
	require.Equal(t, []string{"/tmp/kh1", "/tmp/kh2"}, tg.knownHosts[:2])
	require.True(t, tg.checkKeys)
	require.True(t, tg.acceptNew)
	require.Equal(t, 10*time.Second, tg.timeout)
	require.Equal(t, 30*time.Second, tg.keepalive, "Params' default keepalive (30 s) is used when not set")

	// Params and arguments win over the file.
	tg, _, _, err = resolveTarget(Params{
		Host: "db", SSHConfigFile: cfg, Port: 22, User: "root", PrivateKeyFiles: []string{"/p"},
		ExtraSSHArgs: "-o ProxyJump=none -o ConnectTimeout=3", KnownHostsFile: "/kh", HostKeyChecking: true,
		KeepaliveSeconds: 5,
	})
	require.NoError(t, err)
	require.Equal(t, 22, tg.port)
	require.Equal(t, "root", tg.user)
	require.Equal(t, "/p", tg.keyFiles[0])
	require.Empty(t, tg.proxyJump)
	require.Equal(t, []string{"/kh"}, tg.knownHosts)
	require.Equal(t, 3*time.Second, tg.timeout)
	require.Equal(t, 5*time.Second, tg.keepalive)

	// host_key_checking off is not turned on by the file.
	tg, _, _, err = resolveTarget(Params{Host: "db", SSHConfigFile: cfg})
	require.NoError(t, err)
	require.False(t, tg.checkKeys)

	// A host the file does not name.
	tg, _, _, err = resolveTarget(Params{Host: "10.0.0.1", SSHConfigFile: cfg})
	require.NoError(t, err)
	require.Equal(t, "10.0.0.1", tg.hostname)
	require.Equal(t, 22, tg.port)

	_, _, _, err = resolveTarget(Params{Host: "x", SSHConfigFile: cfg, ExtraSSHArgs: "-o 'open"})
	require.Error(t, err)
	dirAsFile := t.TempDir()
	_, _, _, err = resolveTarget(Params{Host: "x", SSHConfigFile: dirAsFile})
	require.Error(t, err)
}

func TestJumpTarget(t *testing.T) {
	cfg, err := ssh_config.Decode(strings.NewReader("Host bastion\n  HostName 10.9.9.9\n  User jumper\n  Port 2201\n"))
	require.NoError(t, err)
	j, err := jumpTarget("bastion", cfg)
	require.NoError(t, err)
	require.Equal(t, "10.9.9.9", j.hostname)
	require.Equal(t, "jumper", j.user)
	require.Equal(t, 2201, j.port)
	j, err = jumpTarget("ssh://ops@gw:2022", cfg)
	require.NoError(t, err)
	require.Equal(t, "gw", j.hostname)
	require.Equal(t, "ops", j.user)
	require.Equal(t, 2022, j.port)
	j, err = jumpTarget("me@[::1]:23", cfg)
	require.NoError(t, err)
	require.Equal(t, "::1", j.hostname)
	require.Equal(t, 23, j.port)
	for _, bad := range []string{"h:notaport", "h:0", "[::1", "u@", "[::1]:x"} {
		_, err := jumpTarget(bad, cfg)
		require.Error(t, err, bad)
	}
}

func FuzzParseSSHArgs(f *testing.F) {
	f.Add("-o ProxyJump=a@b:1 -J c -i k -p 1 -l u")
	f.Add(`-o "a b" 'c' \`)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseSSHArgs(s)
		if err == nil && a.jumps != "" {
			for _, j := range strings.Split(a.jumps, ",") {
				_, _ = jumpTarget(j, &ssh_config.Config{})
			}
		}
	})
}

func TestDialErrorWords(t *testing.T) {
	tg := &sshTarget{hostname: "db.example", port: 2222}
	op := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: err}}
	}
	require.EqualError(t, dialError(tg, &net.DNSError{Err: "no such host", Name: "db.example", IsNotFound: true}, false),
		"ssh: Could not resolve hostname db.example: Name or service not known")
	require.EqualError(t, dialError(tg, op(syscall.ECONNREFUSED), false), "ssh: connect to host db.example port 2222: Connection refused")
	require.EqualError(t, dialError(tg, op(syscall.EHOSTUNREACH), false), "ssh: connect to host db.example port 2222: No route to host")
	require.EqualError(t, dialError(tg, op(syscall.ENETUNREACH), false), "ssh: connect to host db.example port 2222: Network is unreachable")
	require.EqualError(t, dialError(tg, context.DeadlineExceeded, false), "ssh: connect to host db.example port 2222: Connection timed out")
	require.EqualError(t, dialError(tg, errors.New("ssh: rejected: connect failed (Connection refused)"), true),
		"ssh: connect to host db.example port 2222: channel open failed: ssh: rejected: connect failed (Connection refused)")
}
