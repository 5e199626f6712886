// Package testroot gives tests a separate Debian host on this machine: a
// bookworm root made once with mmdebstrap, cached as a tarball, and
// extracted afresh for each test, with a connection.Connection that runs
// commands inside it through chroot. It is for tests only.
//
// The root has its own package database (dpkg, and rpm/dnf for RPM-host
// tests), so package modules can install and remove for real without
// touching the machine that runs the tests.
package testroot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ome/omeprov/connection"
)

// Packages are included in every root.
var Packages = []string{
	"openssh-server", "sudo", "python3", "python3-venv", "python3-pip",
	"python3-setuptools", "python3-wheel", "dnf", "dnf-plugins-core", "rpm", "iproute2", "procps",
}

// CacheDir holds the tarballs; it outlives one test run on purpose.
var CacheDir = "/var/cache/omeprov-test"

// Available reports why roots cannot be made here ("" when they can).
func Available() string {
	if os.Geteuid() != 0 {
		return "testroot needs root"
	}
	for _, tool := range []string{"mmdebstrap", "zstd", "unshare", "chroot", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "testroot needs " + tool + " (apt-get install mmdebstrap zstd)"
		}
	}
	return ""
}

// New returns the path of a fresh root for t, removed when t ends. It
// skips t when roots cannot be made here, or fails it when CI is set.
func New(t testing.TB) string {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	tarball, err := Tarball()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "omeprov-root-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	out, err := exec.Command("tar", "--numeric-owner", "-I", "zstd -T0", "-xpf", tarball, "-C", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("testroot: extract: %v: %s", err, out)
	}
	// sudo wants to resolve the host name.
	hosts := filepath.Join(dir, "etc/hosts")
	b, _ := os.ReadFile(hosts)
	name, _ := os.Hostname()
	os.WriteFile(hosts, append(b, []byte("\n127.0.1.1 "+name+"\n")...), 0o644)
	return dir
}

// Tarball returns the cached root tarball, building it on first use
// (about 40 s). Concurrent callers, in this process or others, wait for
// one build.
func Tarball() (string, error) {
	sum := sha256.Sum256([]byte(strings.Join(Packages, ",")))
	path := filepath.Join(CacheDir, "bookworm-"+hex.EncodeToString(sum[:6])+".tar.zst")
	if err := os.MkdirAll(CacheDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	build, err := os.MkdirTemp("", "omeprov-mmdebstrap-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build)
	root := filepath.Join(build, "root")
	cmd := exec.Command("mmdebstrap", "--variant=minbase", "--include="+strings.Join(Packages, ","),
		"bookworm", root, "deb "+mirror()+" bookworm main")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testroot: mmdebstrap: %v: %s", err, tail(out))
	}
	tmp := path + ".tmp"
	if out, err := exec.Command("tar", "--numeric-owner", "-I", "zstd -T0 -3", "-cf", tmp, "-C", root, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("testroot: tar: %v: %s", err, out)
	}
	return path, os.Rename(tmp, path)
}

func mirror() string {
	b, err := os.ReadFile("/etc/apt/sources.list.d/debian.sources")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "URIs:" && !strings.Contains(f[1], "security") {
				return f[1]
			}
		}
	}
	return "http://deb.debian.org/debian"
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}

// Chroot is a connection.Connection to a root made by New: each command
// runs as root in a private mount namespace with /proc and /dev mounted,
// chrooted into the root. Become is accepted and ignored beyond running as
// root (become_user other than root runs through su inside the root).
type Chroot struct {
	Root string
}

var _ connection.Connection = (*Chroot)(nil)

// Exec runs cmd inside the root.
func (c *Chroot) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	if opts == nil {
		opts = &connection.ExecOptions{}
	}
	script := cmd
	if len(opts.Env) > 0 {
		var b strings.Builder
		for k, v := range opts.Env {
			fmt.Fprintf(&b, "export %s=%s; ", k, connection.Quote(v))
		}
		script = b.String() + cmd
	}
	if opts.Become != nil && opts.Become.User != "" && opts.Become.User != "root" {
		script = "su -s /bin/sh " + connection.Quote(opts.Become.User) + " -c " + connection.Quote(script)
	}
	setup := `set -e; r="$1"; mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/run"; mkdir -p "$r/run/lock"; shift; exec chroot "$r" /bin/sh -c "$1"`
	ex := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup, "sh", c.Root, script)
	ex.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"}
	ex.Stdin = opts.Stdin
	var stdout, stderr bytes.Buffer
	ex.Stdout, ex.Stderr = &stdout, &stderr
	err := ex.Run()
	res := &connection.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	if err != nil {
		return nil, fmt.Errorf("testroot: %w", err)
	}
	return res, nil
}

// PutFile writes a file inside the root atomically.
func (c *Chroot) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	full := filepath.Join(c.Root, path)
	mode := os.FileMode(0o644)
	if opts != nil && opts.Mode != 0 {
		mode = opts.Mode
	} else if fi, err := os.Stat(full); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".omeprov-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), full)
}

// GetFile reads a file inside the root.
func (c *Chroot) GetFile(ctx context.Context, path string, become *connection.Become) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.Root, path))
}

// Close does nothing.
func (c *Chroot) Close() error { return nil }
