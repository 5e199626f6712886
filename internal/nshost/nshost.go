// Package nshost runs a separate Debian host on this machine for tests: a
// fresh root from internal/testroot, in its own network namespace
// (reached from this machine over a veth pair), its own mount and UTS
// namespaces (so mounts and the host name are the host's own), with
// /usr/sbin/sshd chrooted into it. omeprov and ansible-playbook reach it
// over real SSH at its address, as they would reach another machine.
//
// Each host takes a slot 0..63 of 10.231.0.0/24: slot N is the /30
// 10.231.0.4N, with this machine's end of the veth at .4N+1 (Gateway) and
// the host at .4N+2 (Addr). Slots are claimed with a lock file in
// /run/omeprov-nshost, so tests in several processes never share one.
// Everything (processes, namespace, veth, root) is removed when the test
// ends. It is for tests only; it needs root, iproute2, util-linux and
// what testroot needs.
package nshost

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ome/omeprov/internal/testroot"
)

// Subnet is the private /24 the hosts' /30s are carved from. No other
// test of this project uses it.
const Subnet = "10.231.0"

// Slots is how many hosts can run at once on this machine.
const Slots = 64

// lockDir holds one lock file per claimed slot.
var lockDir = "/run/omeprov-nshost"

// Options configure one host.
type Options struct {
	// Name is the host's name (its UTS namespace's host name and an
	// /etc/hosts entry); "" means "nshostN" for slot N.
	Name string
	// SudoUser, when set, is a user created in the host, authorized with
	// the same key as root, with passwordless sudo.
	SudoUser string
	// Prepare, when not nil, is called with the root's path (on this
	// machine) before sshd starts, to install files or packages.
	Prepare func(t testing.TB, root string)
}

// Host is a running host.
type Host struct {
	Name     string
	Root     string // the host's root directory, seen from this machine
	Addr     string // the host's address, inside its namespace
	Gateway  string // this machine's end of the veth
	Port     int    // sshd's port (22)
	User     string // root
	SudoUser string // Options.SudoUser
	// KeyFile is an unencrypted ed25519 private key authorized for root
	// (and SudoUser); PublicKey is its public half.
	KeyFile   string
	PublicKey string
	// Netns is the network namespace's name.
	Netns string
	// Startup is how long the host took to start, root extraction
	// included.
	Startup time.Duration

	slot int
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// Available reports why hosts cannot be started here ("" when they can).
func Available() string {
	if why := testroot.Available(); why != "" {
		return why
	}
	for _, tool := range []string{"ip", "nsenter", "/usr/sbin/sshd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "nshost needs " + tool + " (apt-get install iproute2 util-linux openssh-server)"
		}
	}
	return ""
}

// Require skips t when hosts cannot be started here, or fails it when the
// environment variable CI is set. With -short it always skips.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("nshost: hosts are not started with -short")
	}
	if why := Available(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why + " (CI is set: not skipping)")
		}
		t.Skip(why)
	}
}

// Start starts a host and stops it, removing everything, when t ends.
func Start(t testing.TB, opts Options) *Host {
	t.Helper()
	Require(t)
	began := time.Now()
	slot, unlock := claimSlot(t)
	h := &Host{
		slot:     slot,
		Addr:     fmt.Sprintf("%s.%d", Subnet, 4*slot+2),
		Gateway:  fmt.Sprintf("%s.%d", Subnet, 4*slot+1),
		Port:     22,
		User:     "root",
		SudoUser: opts.SudoUser,
		Netns:    fmt.Sprintf("omeprov-nshost%d", slot),
		Name:     opts.Name,
	}
	if h.Name == "" {
		h.Name = fmt.Sprintf("nshost%d", slot)
	}
	veth := fmt.Sprintf("ompns%d", slot)
	// Leftovers of a run that was killed before its cleanup.
	removeNet(h.Netns, veth)
	// Cleanups run last-registered first: the root (testroot.New's
	// cleanup) goes after the processes and the namespace, the slot last.
	t.Cleanup(unlock)
	h.Root = testroot.New(t)
	dir := t.TempDir()
	h.KeyFile, h.PublicKey = writeKey(t, dir, "id_ed25519")
	hostKey, _ := writeKey(t, dir, "host_key")
	h.configure(t, hostKey)
	if opts.Prepare != nil {
		opts.Prepare(t, h.Root)
	}

	t.Cleanup(func() { removeNet(h.Netns, veth) })
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("nshost: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", h.Netns)
	ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", h.Netns)
	ip("addr", "add", h.Gateway+"/30", "dev", veth)
	ip("link", "set", veth, "up")
	ip("-n", h.Netns, "addr", "add", h.Addr+"/30", "dev", "eth0")
	ip("-n", h.Netns, "link", "set", "eth0", "up")
	ip("-n", h.Netns, "link", "set", "lo", "up")
	ip("-n", h.Netns, "route", "add", "default", "via", h.Gateway)

	h.log = &bytes.Buffer{}
	h.cmd = exec.Command("ip", "netns", "exec", h.Netns, "unshare", "--mount", "--uts", "--propagation", "private",
		"/bin/sh", "-c", bootScript, "nshost", h.Root, h.Name)
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	h.cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("nshost: start: %v", err)
	}
	h.done = make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(h.done) }()
	t.Cleanup(h.stop)
	if err := h.waitReady(20 * time.Second); err != nil {
		t.Fatalf("nshost: %v\n%s", err, h.log.String())
	}
	h.Startup = time.Since(began)
	return h
}

// bootScript runs in the host's new mount and UTS namespaces: it names
// the host, mounts what a running system has, and execs sshd chrooted
// into the root. Its arguments are the root and the host name.
const bootScript = `set -e
r=$1
hostname "$2"
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount -t tmpfs -o mode=0755,size=16m tmpfs "$r/dev"
for d in null zero full random urandom tty; do : > "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
mount -t tmpfs -o mode=0755 tmpfs "$r/run"
mkdir -p "$r/run/sshd" "$r/run/lock"
exec chroot "$r" /usr/sbin/sshd -D -e -f /etc/ssh/nshost_sshd_config
`

// configure writes sshd's configuration, the keys, the host name and the
// sudo user into the root.
func (h *Host) configure(t testing.TB, hostKey string) {
	t.Helper()
	r := h.Root
	key, err := os.ReadFile(hostKey)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(r, "etc/ssh/nshost_host_key"), key, 0o600))
	akDir := filepath.Join(r, "etc/ssh/nshost_authorized_keys")
	must(t, os.MkdirAll(akDir, 0o755))
	users := []string{"root"}
	if h.SudoUser != "" {
		users = append(users, h.SudoUser)
	}
	for _, u := range users {
		must(t, os.WriteFile(filepath.Join(akDir, u), []byte(h.PublicKey+"\n"), 0o644))
	}
	cfg := fmt.Sprintf(`Port %d
ListenAddress %s
HostKey /etc/ssh/nshost_host_key
PidFile /run/sshd.pid
AuthorizedKeysFile /etc/ssh/nshost_authorized_keys/%%u
StrictModes no
PermitRootLogin yes
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
MaxSessions 100
MaxStartups 100:30:200
LogLevel VERBOSE
`, h.Port, h.Addr)
	must(t, os.WriteFile(filepath.Join(r, "etc/ssh/nshost_sshd_config"), []byte(cfg), 0o644))
	hosts, err := os.ReadFile(filepath.Join(r, "etc/hosts"))
	must(t, err)
	hosts = append(hosts, []byte(fmt.Sprintf("127.0.1.1 %s\n%s %s\n", h.Name, h.Addr, h.Name))...)
	must(t, os.WriteFile(filepath.Join(r, "etc/hosts"), hosts, 0o644))
	must(t, os.WriteFile(filepath.Join(r, "etc/hostname"), []byte(h.Name+"\n"), 0o644))
	if h.SudoUser != "" {
		// usermod -p '*': sshd refuses a locked ("!") account even with a key.
		out, err := exec.Command("chroot", r, "/bin/sh", "-c",
			"useradd -m -s /bin/sh \"$1\" && usermod -p '*' \"$1\"", "sh", h.SudoUser).CombinedOutput()
		if err != nil {
			t.Fatalf("nshost: useradd %s: %v: %s", h.SudoUser, err, out)
		}
		rule := h.SudoUser + " ALL=(ALL:ALL) NOPASSWD: ALL\n"
		must(t, os.WriteFile(filepath.Join(r, "etc/sudoers.d", h.SudoUser), []byte(rule), 0o440))
	}
}

// waitReady waits until sshd answers at the host's address.
func (h *Host) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	hostport := net.JoinHostPort(h.Addr, strconv.Itoa(h.Port))
	for time.Now().Before(deadline) {
		select {
		case <-h.done:
			return fmt.Errorf("sshd in %s exited at start", h.Netns)
		default:
		}
		if banner(hostport) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("sshd did not answer on %s within %s", hostport, d)
}

func banner(hostport string) bool {
	c, err := net.DialTimeout("tcp", hostport, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// Log is what sshd wrote so far.
func (h *Host) Log() string { return h.log.String() }

// Inventory is an inventory line for the host named name: its address,
// root, the key, and the root's Python for ansible-playbook.
func (h *Host) Inventory(name string) string {
	return fmt.Sprintf("%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3",
		name, h.Addr, h.Port, h.User, h.KeyFile)
}

// Exec runs a shell command as root inside the host (its namespaces and
// root directory) and returns its standard output, standard error and
// exit code. err is set only when the command could not be run.
func (h *Host) Exec(cmd string) (stdout, stderr string, code int, err error) {
	select {
	case <-h.done:
		return "", "", 0, fmt.Errorf("nshost: %s is not running", h.Name)
	default:
	}
	ex := exec.Command("nsenter", "-t", strconv.Itoa(h.cmd.Process.Pid), "-m", "-u", "-n", "-r", "-w",
		"/bin/sh", "-c", cmd)
	ex.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"}
	var o, e bytes.Buffer
	ex.Stdout, ex.Stderr = &o, &e
	err = ex.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return o.String(), e.String(), 0, fmt.Errorf("nshost: exec in %s: %w", h.Name, err)
	}
	return o.String(), e.String(), 0, nil
}

// MustExec is Exec that fails t unless the command exits 0; it returns
// the standard output.
func (h *Host) MustExec(t testing.TB, cmd string) string {
	t.Helper()
	out, errOut, code, err := h.Exec(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("nshost: %s on %s: exit %d: %s%s", cmd, h.Name, code, out, errOut)
	}
	return out
}

// stop kills every process in the host's network namespace (sshd, the
// sessions it forked, anything they left running), by PID.
func (h *Host) stop() {
	for i := 0; i < 50; i++ {
		out, _ := exec.Command("ip", "netns", "pids", h.Netns).Output()
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
	}
}

// removeNet deletes the namespace and this machine's end of the veth, if
// they exist.
func removeNet(netns, veth string) {
	_ = exec.Command("ip", "netns", "del", netns).Run()
	_ = exec.Command("ip", "link", "del", veth).Run()
}

// claimSlot locks a free slot for the test's life.
func claimSlot(t testing.TB) (int, func()) {
	t.Helper()
	must(t, os.MkdirAll(lockDir, 0o755))
	for slot := 0; slot < Slots; slot++ {
		f, err := os.OpenFile(filepath.Join(lockDir, fmt.Sprintf("slot-%d.lock", slot)), os.O_CREATE|os.O_RDWR, 0o644)
		must(t, err)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		return slot, func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}
	}
	t.Fatalf("nshost: all %d slots are in use", Slots)
	return 0, nil
}

// writeKey writes a fresh unencrypted ed25519 key to dir/name (and
// name.pub) and returns the private key's path and the public key in
// authorized_keys format.
func writeKey(t testing.TB, dir, name string) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "nshost")
	must(t, err)
	path := filepath.Join(dir, name)
	must(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	sp, err := ssh.NewPublicKey(pub)
	must(t, err)
	ak := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	must(t, os.WriteFile(path+".pub", []byte(ak+"\n"), 0o644))
	return path, ak
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("nshost: %v", err)
	}
}
