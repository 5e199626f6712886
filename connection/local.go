package connection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// localConn runs commands on the controller itself.
type localConn struct {
	user    string
	probe   probeCache
	timeout time.Duration // become timeout
}

// Local returns a Connection to the machine omeprov runs on
// (ansible_connection=local): commands run with /bin/sh through os/exec and
// files are written directly. Become works as over SSH; su with a password
// runs on a pseudo-terminal (Linux and macOS).
func Local() Connection {
	return &localConn{user: localUser(), timeout: 12 * time.Second}
}

func dialLocal(context.Context, Params) (Connection, error) { return Local(), nil }

func (c *localConn) start(ctx context.Context, line string, tty bool, stdout, stderr io.Writer) (*proc, error) {
	if tty {
		return c.startTTY(line, stdout)
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A background process that keeps stdout open must not hold Exec.
	cmd.WaitDelay = 2 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	return &proc{
		stdin: stdin,
		wait: func() (int, error) {
			err := cmd.Wait()
			var ee *exec.ExitError
			switch {
			case err == nil:
				return 0, nil
			case errors.As(err, &ee):
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal()), nil
				}
				return ee.ExitCode(), nil
			case errors.Is(err, exec.ErrWaitDelay):
				return cmd.ProcessState.ExitCode(), nil
			}
			return 0, fmt.Errorf("local: %w", err)
		},
		kill: func() {
			if cmd.Process != nil {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		},
	}, nil
}

func (c *localConn) startNoStdin(ctx context.Context, line string, stdout, stderr io.Writer) (*proc, error) {
	return c.start(ctx, line, false, stdout, stderr)
}

// startTTY starts line on a new pseudo-terminal (for su, which reads its
// password only from one); all output comes to stdout.
func (c *localConn) startTTY(line string, stdout io.Writer) (*proc, error) {
	master, slave, err := openPTY()
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	_ = slave.Close()
	if err != nil {
		_ = master.Close()
		return nil, fmt.Errorf("local: %w", err)
	}
	copied := make(chan struct{})
	go func() {
		// Reading ends with EIO once no process has the terminal open.
		_, _ = io.Copy(stdout, master)
		close(copied)
	}()
	return &proc{
		stdin: ttyInput{master},
		wait: func() (int, error) {
			err := cmd.Wait()
			select {
			case <-copied:
			case <-time.After(2 * time.Second):
			}
			_ = master.Close()
			<-copied
			var ee *exec.ExitError
			switch {
			case err == nil:
				return 0, nil
			case errors.As(err, &ee):
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal()), nil
				}
				return ee.ExitCode(), nil
			}
			return 0, fmt.Errorf("local: %w", err)
		},
		kill: func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) },
	}, nil
}

// ttyInput writes to a terminal; closing it does not close the terminal,
// which the output side still needs.
type ttyInput struct{ f *os.File }

func (t ttyInput) Write(p []byte) (int, error) { return t.f.Write(p) }
func (t ttyInput) Close() error                { return nil }

// Exec runs cmd with /bin/sh on this machine.
func (c *localConn) Exec(ctx context.Context, cmd string, opts *ExecOptions) (*Result, error) {
	return run(ctx, c, cmd, opts)
}

// PutFile writes r to path atomically; see Connection.
func (c *localConn) PutFile(ctx context.Context, path string, r io.Reader, opts *FileOptions) error {
	return putFile(ctx, c, path, r, opts)
}

// GetFile reads path; see Connection.
func (c *localConn) GetFile(ctx context.Context, path string, become *Become) ([]byte, error) {
	return getFile(ctx, c, path, become)
}

// Close does nothing: there is nothing to close.
func (c *localConn) Close() error { return nil }

func (c *localConn) fileSystem() (fileSystem, error) { return osFS{}, nil }
func (c *localConn) login() string                   { return c.user }
func (c *localConn) becomeTimeout() time.Duration    { return c.timeout }
func (c *localConn) probes() *probeCache             { return &c.probe }

// osFS is direct file access on this machine.
type osFS struct{}

func (osFS) stat(p string) (fileStat, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return fileStat{}, err
	}
	st := fileStat{mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), dir: fi.IsDir()}
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.uid, st.gid = int(s.Uid), int(s.Gid)
	}
	return st, nil
}

func (osFS) create(p string) (io.WriteCloser, error) {
	return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

func (osFS) open(p string) (io.ReadCloser, error) { return os.Open(p) }

func (osFS) chmod(p string, m fs.FileMode) error {
	// os.Chmod takes Go's mode bits for setuid, setgid and sticky.
	gm := m & fs.ModePerm
	if m&0o4000 != 0 || m&fs.ModeSetuid != 0 {
		gm |= fs.ModeSetuid
	}
	if m&0o2000 != 0 || m&fs.ModeSetgid != 0 {
		gm |= fs.ModeSetgid
	}
	if m&0o1000 != 0 || m&fs.ModeSticky != 0 {
		gm |= fs.ModeSticky
	}
	return os.Chmod(p, gm)
}

func (osFS) chown(p string, uid, gid int) error { return os.Chown(p, uid, gid) }
func (osFS) rename(from, to string) error       { return os.Rename(from, to) }
func (osFS) remove(p string) error              { return os.Remove(p) }
func (osFS) removeAll(p string) error           { return os.RemoveAll(p) }

func (osFS) mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "omeprov-")
	if err != nil {
		return "", err
	}
	return filepath.Clean(d), nil
}

var _ Connection = (*localConn)(nil)
