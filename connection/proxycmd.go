package connection

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cmdConn is a net.Conn over a ProxyCommand's stdin and stdout.
type cmdConn struct {
	cmd    *exec.Cmd
	r      *os.File // the command's stdout
	w      *os.File // the command's stdin
	stderr *lockedWriter
	once   sync.Once
	remote net.Addr
}

// dialCommand starts a ProxyCommand with /bin/sh, as ssh does, and talks
// SSH through it.
func dialCommand(line, host string, port int) (net.Conn, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ProxyCommand: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		_ = inR.Close()
		_ = inW.Close()
		return nil, fmt.Errorf("ProxyCommand: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", "exec "+line)
	stderr := &lockedWriter{w: &bytes.Buffer{}}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	_ = inR.Close()
	_ = outW.Close()
	if err != nil {
		_ = inW.Close()
		_ = outR.Close()
		return nil, fmt.Errorf("ProxyCommand %q: %w", line, err)
	}
	// Host key checks want an address; the target's IP when it is one.
	remote := &net.TCPAddr{IP: net.IPv4zero, Port: port}
	if ip := net.ParseIP(host); ip != nil {
		remote.IP = ip
	}
	return &cmdConn{cmd: cmd, r: outR, w: inW, stderr: stderr, remote: remote}, nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	return n, c.explain(err)
}

// explain adds what the command said to an error that means it ended, as
// ssh shows its stderr.
func (c *cmdConn) explain(err error) error {
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
		return err
	}
	if msg := c.why(); msg != "" {
		return fmt.Errorf("ProxyCommand: %s: %w", msg, err)
	}
	return err
}

func (c *cmdConn) why() string {
	time.Sleep(50 * time.Millisecond) // let stderr arrive
	c.stderr.mu.Lock()
	defer c.stderr.mu.Unlock()
	return strings.TrimSpace(c.stderr.w.String())
}

func (c *cmdConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	return n, c.explain(err)
}

func (c *cmdConn) Close() error {
	c.once.Do(func() {
		_ = c.w.Close()
		_ = c.r.Close()
		if c.cmd.Process != nil {
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
		}
		go func() { _ = c.cmd.Wait() }()
	})
	return nil
}

func (c *cmdConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4zero} }
func (c *cmdConn) RemoteAddr() net.Addr { return c.remote }

func (c *cmdConn) SetDeadline(t time.Time) error {
	_ = c.r.SetReadDeadline(t)
	_ = c.w.SetWriteDeadline(t)
	return nil
}

func (c *cmdConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *cmdConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }
