// Package sshdtest starts real, throwaway OpenSSH servers on loopback
// addresses for tests, and creates throwaway unix users for become tests.
//
// Everything it makes lives in the test's temporary directory or is removed
// by t.Cleanup. The servers listen only on 127.0.0.0/8.
//
// When sshd is missing or the test does not run as root, Start and NewUser
// skip the test, unless the environment variable CI is set: then they fail
// it, so that a CI machine without the tools does not pass silently.
package sshdtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHD is the path of the OpenSSH server binary.
const SSHD = "/usr/sbin/sshd"

// Options configure one server.
type Options struct {
	// Addr is the loopback address to listen on; "" means 127.0.0.1.
	// Addresses outside 127.0.0.0/8 are refused.
	Addr string
	// Port to listen on; 0 picks a free one (never 22).
	Port int
	// PasswordAuth enables password authentication.
	PasswordAuth bool
	// MaxSessions is sshd's per-connection session limit; 0 keeps sshd's
	// default (10).
	MaxSessions int
	// NoSFTP leaves the SFTP subsystem out.
	NoSFTP bool
	// RSAHostKey adds an RSA host key next to the ed25519 one.
	RSAHostKey bool
	// Config holds extra sshd_config lines; they win over the defaults.
	Config []string
}

// Server is a running sshd.
type Server struct {
	Addr string // listening address, e.g. 127.0.0.5
	Port int
	User string // the user to log in as: root
	// KeyFile is an unencrypted ed25519 private key authorized for User and
	// for every user made by NewUser.
	KeyFile string
	// PublicKey is KeyFile's public half in authorized_keys format.
	PublicKey string
	// HostKey is the server's host key.
	HostKey ssh.PublicKey
	// KnownHostsLine is a known_hosts line for HostKey at Addr:Port.
	KnownHostsLine string
	// RSAHostKey and RSAKnownHostsLine are set with Options.RSAHostKey.
	RSAHostKey        ssh.PublicKey
	RSAKnownHostsLine string
	// Dir is the server's private directory (config, keys, log).
	Dir string

	cmd     *exec.Cmd
	logPath string
}

// HostPort is the server's address as host:port.
func (s *Server) HostPort() string {
	return net.JoinHostPort(s.Addr, strconv.Itoa(s.Port))
}

// KnownHostsFile writes a known_hosts file holding KnownHostsLine into the
// test's temporary directory and returns its path.
func (s *Server) KnownHostsFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(s.KnownHostsLine+"\n"), 0o600); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	return p
}

// Log returns what sshd wrote to its log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// Require skips the test when real sshd servers cannot be started here
// (sshd missing, not root), or fails it when CI is set. With -short it
// always skips.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("sshdtest: real sshd tests are skipped with -short")
	}
	var why string
	switch {
	case os.Geteuid() != 0:
		why = "sshdtest: needs root to run sshd and create users"
	default:
		if _, err := os.Stat(SSHD); err != nil {
			why = "sshdtest: " + SSHD + " not found (apt-get install openssh-server)"
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(why + " (CI is set: not skipping)")
	}
	t.Skip(why)
}

// Start starts an sshd with opts and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1"
	}
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		t.Fatalf("sshdtest: %q is not a 127.0.0.0/8 address", addr)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	dir := t.TempDir()
	s := &Server{Addr: addr, User: "root", Dir: dir, logPath: filepath.Join(dir, "sshd.log")}

	hostPub, hostFile := genKey(t, dir, "host_key")
	s.HostKey = hostPub
	hostFiles := []string{hostFile}
	if opts.RSAHostKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		must(t, err)
		block, err := ssh.MarshalPrivateKey(k, "sshdtest")
		must(t, err)
		p := filepath.Join(dir, "host_rsa_key")
		must(t, os.WriteFile(p, pem.EncodeToMemory(block), 0o600))
		s.RSAHostKey, err = ssh.NewPublicKey(&k.PublicKey)
		must(t, err)
		hostFiles = append(hostFiles, p)
	}
	clientPub, clientFile := genKey(t, dir, "client_key")
	s.KeyFile = clientFile
	s.PublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(clientPub)))

	akDir := filepath.Join(dir, "authorized_keys")
	must(t, os.MkdirAll(akDir, 0o755))
	must(t, os.WriteFile(filepath.Join(akDir, "root"), []byte(s.PublicKey+"\n"), 0o644))

	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := opts.Port
		if port == 0 {
			port = freePort(t, addr)
		}
		s.Port = port
		cfg := filepath.Join(dir, "sshd_config")
		must(t, os.WriteFile(cfg, []byte(config(s, akDir, hostFiles, opts)), 0o644))
		lastErr = s.start(cfg)
		if lastErr == nil {
			break
		}
		if opts.Port != 0 {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("sshdtest: %v\n%s", lastErr, s.Log())
	}
	t.Cleanup(s.stop)
	s.KnownHostsLine = knownHostsLine(addr, s.Port, hostPub)
	if s.RSAHostKey != nil {
		s.RSAKnownHostsLine = knownHostsLine(addr, s.Port, s.RSAHostKey)
	}
	return s
}

func config(s *Server, akDir string, hostKeys []string, opts Options) string {
	var b strings.Builder
	// sshd keeps the first value of a keyword: the caller's lines go first.
	for _, l := range opts.Config {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "Port %d\nListenAddress %s\n", s.Port, s.Addr)
	for _, k := range hostKeys {
		fmt.Fprintf(&b, "HostKey %s\n", k)
	}
	fmt.Fprintf(&b, "PidFile %s\n", filepath.Join(s.Dir, "sshd.pid"))
	fmt.Fprintf(&b, "AuthorizedKeysFile %s/%%u .ssh/authorized_keys\n", akDir)
	b.WriteString("StrictModes no\nPermitRootLogin yes\nUsePAM no\nPubkeyAuthentication yes\n")
	b.WriteString("KbdInteractiveAuthentication no\nAllowTcpForwarding yes\n")
	if !opts.NoSFTP {
		b.WriteString("Subsystem sftp internal-sftp\n")
	}
	b.WriteString("LogLevel VERBOSE\nMaxStartups 100:30:200\n")
	if opts.PasswordAuth {
		b.WriteString("PasswordAuthentication yes\n")
	} else {
		b.WriteString("PasswordAuthentication no\n")
	}
	if opts.MaxSessions > 0 {
		fmt.Fprintf(&b, "MaxSessions %d\n", opts.MaxSessions)
	}
	return b.String()
}

func (s *Server) start(cfg string) error {
	// -t checks the configuration first, so a mistake is reported clearly.
	if out, err := exec.Command(SSHD, "-t", "-f", cfg).CombinedOutput(); err != nil {
		return fmt.Errorf("sshd -t: %v: %s", err, out)
	}
	cmd := exec.Command(SSHD, "-D", "-e", "-f", cfg, "-E", s.logPath)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("sshd exited at start")
		default:
		}
		if banner(s.HostPort()) {
			s.cmd = cmd
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("sshd did not accept connections on %s within 10s", s.HostPort())
}

// banner reports whether an SSH server answers at hostport.
func banner(hostport string) bool {
	c, err := net.DialTimeout("tcp", hostport, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// Stop stops the server now (it is also stopped when the test ends).
func (s *Server) Stop() { s.stop() }

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	// Only our own sshd, by its PID: the listener; sessions it forked end
	// when their connection closes.
	_ = s.cmd.Process.Kill()
	for i := 0; i < 100 && banner(s.HostPort()); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd = nil
}

var portMu sync.Mutex

// freePort asks the kernel for a free TCP port on addr.
func freePort(t testing.TB, addr string) int {
	portMu.Lock()
	defer portMu.Unlock()
	for {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
		if err != nil {
			t.Fatalf("sshdtest: free port: %v", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if p != 22 {
			return p
		}
	}
}

// genKey writes an ed25519 private key to dir/name (OpenSSH format,
// unencrypted, mode 0600) and returns its public key.
func genKey(t testing.TB, dir, name string) (ssh.PublicKey, string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "sshdtest")
	must(t, err)
	path := filepath.Join(dir, name)
	must(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	sp, err := ssh.NewPublicKey(pub)
	must(t, err)
	must(t, os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(sp), 0o644))
	return sp, path
}

// GenerateKey writes a fresh unencrypted ed25519 key pair (path, path.pub)
// into the test's temporary directory and returns the private key's path
// and the public key in authorized_keys format.
func GenerateKey(t testing.TB) (path, authorizedKey string) {
	t.Helper()
	pub, p := genKey(t, t.TempDir(), "id_ed25519")
	return p, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

func knownHostsLine(addr string, port int, key ssh.PublicKey) string {
	host := addr
	if port != 22 {
		host = "[" + addr + "]:" + strconv.Itoa(port)
	}
	return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// Sudo says what sudo rights a test user gets.
type Sudo int

const (
	// NoSudo gives no sudo rights.
	NoSudo Sudo = iota
	// SudoNoPassword allows every command as every user without a password.
	SudoNoPassword
	// SudoPassword allows every command as every user with the user's own
	// password; credentials are never cached.
	SudoPassword
)

// User is a throwaway unix user.
type User struct {
	Name     string
	Password string
	Home     string
	UID, GID int
}

// NewUser creates a unix user with a random name, a random password, a home
// directory and the sudo rights asked for, authorizes authorizedKey (if not
// empty) for it, and deletes it all when the test ends. It needs root.
func NewUser(t testing.TB, sudo Sudo, authorizedKey string) *User {
	t.Helper()
	Require(t)
	name := "omp" + randHex(5)
	u := &User{Name: name, Password: "pw-" + randHex(8), Home: "/home/" + name}
	run(t, "useradd", "-m", "-d", u.Home, "-s", "/bin/sh", name)
	t.Cleanup(func() {
		_ = os.Remove("/etc/sudoers.d/" + name)
		_ = exec.Command("userdel", "-f", "-r", name).Run()
	})
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + u.Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: chpasswd: %v: %s", err, out)
	}
	out, err := exec.Command("id", "-u", name).Output()
	must(t, err)
	u.UID, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	out, err = exec.Command("id", "-g", name).Output()
	must(t, err)
	u.GID, _ = strconv.Atoi(strings.TrimSpace(string(out)))

	if authorizedKey != "" {
		sshDir := filepath.Join(u.Home, ".ssh")
		must(t, os.MkdirAll(sshDir, 0o700))
		must(t, os.WriteFile(filepath.Join(sshDir, "authorized_keys"), []byte(authorizedKey+"\n"), 0o600))
		must(t, os.Chown(sshDir, u.UID, u.GID))
		must(t, os.Chown(filepath.Join(sshDir, "authorized_keys"), u.UID, u.GID))
	}

	var rule string
	switch sudo {
	case SudoNoPassword:
		rule = fmt.Sprintf("%s ALL=(ALL:ALL) NOPASSWD: ALL\n", name)
	case SudoPassword:
		rule = fmt.Sprintf("Defaults:%s timestamp_timeout=0\n%s ALL=(ALL:ALL) ALL\n", name, name)
	}
	if rule != "" {
		p := "/etc/sudoers.d/" + name
		must(t, os.WriteFile(p, []byte(rule), 0o440))
		if out, err := exec.Command("visudo", "-c", "-f", p).CombinedOutput(); err != nil {
			t.Fatalf("sshdtest: sudoers rule rejected: %v: %s", err, out)
		}
	}
	return u
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: %s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
}
