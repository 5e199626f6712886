package connection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
)

// fileHost is what PutFile and GetFile need from a connection.
type fileHost interface {
	execHost
	// fileSystem gives direct file access as the login user, or an error
	// when there is none (no SFTP server).
	fileSystem() (fileSystem, error)
	login() string
}

// fileStat is what PutFile keeps of an existing file.
type fileStat struct {
	mode     fs.FileMode
	uid, gid int
	dir      bool
}

// fileSystem is direct file access on the host as the login user.
type fileSystem interface {
	stat(path string) (fileStat, error) // follows symbolic links
	create(path string) (io.WriteCloser, error)
	open(path string) (io.ReadCloser, error)
	chmod(path string, mode fs.FileMode) error
	chown(path string, uid, gid int) error
	rename(from, to string) error // replaces to
	remove(path string) error
	// mkdirTemp makes a new directory only the login user can enter.
	mkdirTemp() (string, error)
	removeAll(path string) error
}

// probeCache remembers facts about the host learnt once per connection.
type probeCache struct {
	mu      sync.Mutex
	done    bool
	selinux bool
	// sudoTTY: sudo here wants a terminal (sudoers requiretty).
	sudoTTY atomic.Bool
}

// selinuxScript succeeds when SELinux is enabled on the host.
const selinuxScript = "command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled"

func selinuxOn(ctx context.Context, h fileHost) bool {
	p := h.probes()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		res, err := run(ctx, h, selinuxScript, nil)
		if err != nil {
			return false
		}
		p.done, p.selinux = true, res.ExitCode == 0
	}
	return p.selinux
}

// octal renders a file mode as chmod's octal argument, with the setuid,
// setgid and sticky bits whether they are given as Go's mode bits or as
// their unix values.
func octal(m fs.FileMode) string {
	v := uint32(m & 0o7777)
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

// unixMode converts Go's special mode bits to their unix values as well.
func unixMode(m fs.FileMode) fs.FileMode {
	v := m & 0o7777
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}

func tempName(dst string) string {
	return pathpkg.Join(pathpkg.Dir(dst), ".omeprov-"+randomID()[:20]+".tmp")
}

func putFile(ctx context.Context, h fileHost, dst string, r io.Reader, opts *FileOptions) error {
	if opts == nil {
		opts = &FileOptions{}
	}
	if dst == "" || strings.HasSuffix(dst, "/") {
		return fmt.Errorf("put %q: not a file path", dst)
	}
	if r == nil {
		r = bytes.NewReader(nil)
	}
	var err error
	if opts.Become == nil {
		err = putDirect(ctx, h, dst, r, opts.Mode)
	} else {
		err = putBecome(ctx, h, dst, r, opts)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", dst, err)
	}
	return nil
}

// putDirect writes the file as the login user over direct file access,
// or through the shell when there is none.
func putDirect(ctx context.Context, h fileHost, dst string, r io.Reader, mode fs.FileMode) error {
	fsys, err := h.fileSystem()
	if err != nil {
		return putScripted(ctx, h, dst, r, "", mode, nil)
	}
	st, err := fsys.stat(dst)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if exists && st.dir {
		return errors.New("is a directory")
	}
	tmp := tempName(dst)
	w, err := fsys.create(tmp)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = fsys.remove(tmp)
		}
	}()
	if err := fsys.chmod(tmp, 0o600); err != nil {
		_ = w.Close()
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	m := mode
	switch {
	case m != 0:
	case exists:
		m = st.mode
	default:
		m = 0o644
	}
	if exists {
		// As Ansible's atomic_move: keep the owner when allowed to.
		_ = fsys.chown(tmp, st.uid, st.gid)
	}
	if err := fsys.chmod(tmp, unixMode(m)); err != nil {
		return err
	}
	selinux := selinuxOn(ctx, h)
	if selinux && exists {
		_, _ = run(ctx, h, "chcon --reference="+Quote(dst)+" "+Quote(tmp), nil)
	}
	if err := fsys.rename(tmp, dst); err != nil {
		return err
	}
	ok = true
	if selinux && !exists {
		_, _ = run(ctx, h, "command -v restorecon >/dev/null 2>&1 && restorecon "+Quote(dst), nil)
	}
	return nil
}

// putBecome writes the file as the become user: staged by the login user,
// then copied into place by the become user.
func putBecome(ctx context.Context, h fileHost, dst string, r io.Reader, opts *FileOptions) error {
	b := opts.Become
	user := b.User
	if user == "" {
		user = "root"
	}
	bc, err := wrapBecome(b, "true")
	if err != nil {
		return err
	}
	// The become user can read a file the login user staged when it is
	// root or the login user itself. Otherwise the content goes through
	// the command's stdin, which needs no terminal in between.
	stage := user == "root" || user == h.login() || bc.tty
	var fsys fileSystem
	if stage {
		fsys, err = h.fileSystem()
		if err != nil {
			if bc.tty {
				return err
			}
			stage = false
		}
	}
	if !stage {
		return putScripted(ctx, h, dst, r, "", opts.Mode, b)
	}
	dir, err := fsys.mkdirTemp()
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer func() { _ = fsys.removeAll(dir) }()
	// A random name: when the become user must be let in, the directory
	// becomes 0711, and nobody else can find the file without its name.
	src := dir + "/" + randomID()[:24]
	if err := writeFile(fsys, src, r); err != nil {
		return err
	}
	if !(user == "root" || user == h.login()) {
		// A terminal-bound become to another unprivileged user: it must read
		// the staged file, found only by its unguessable name.
		if err := fsys.chmod(dir, 0o711); err != nil {
			return err
		}
		if err := fsys.chmod(src, 0o644); err != nil {
			return err
		}
	}
	return putScripted(ctx, h, dst, nil, src, opts.Mode, b)
}

// writeFile writes r to a new file at p (mode 0600).
func writeFile(fsys fileSystem, p string, r io.Reader) error {
	w, err := fsys.create(p)
	if err != nil {
		return err
	}
	if err := fsys.chmod(p, 0o600); err != nil {
		_ = w.Close()
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// putScripted installs the file with a shell script, as become (if not
// nil) or as the login user. The content is copied from src on the host,
// or read from stdin r when src is empty.
func putScripted(ctx context.Context, h fileHost, dst string, r io.Reader, src string, mode fs.FileMode, become *Become) error {
	script := putScript(dst, tempName(dst), src, mode)
	res, err := run(ctx, h, script, &ExecOptions{Become: become, Stdin: r})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
		return errors.New(msg)
	}
	return nil
}

// putScript is a POSIX shell script that writes a file atomically in its
// directory, keeping an existing file's owner, group, mode and SELinux
// context. It runs with GNU or BSD (macOS) tools.
func putScript(dst, tmp, src string, mode fs.FileMode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dst=%s; tmp=%s; umask 077\n", Quote(dst), Quote(tmp))
	b.WriteString(`if [ -d "$dst" ]; then echo "$dst: is a directory" >&2; exit 1; fi` + "\n")
	b.WriteString(`trap 'rm -f "$tmp"' EXIT` + "\n")
	if src != "" {
		fmt.Fprintf(&b, "cp %s \"$tmp\" || exit 1\n", Quote(src))
	} else {
		b.WriteString(`cat > "$tmp" || exit 1` + "\n")
	}
	b.WriteString(`existed=
if [ -e "$dst" ]; then
  existed=1
  if m=$(stat -L -c %a "$dst" 2>/dev/null); then o=$(stat -L -c %u:%g "$dst") || exit 1
  else m=$(stat -L -f %Lp "$dst") && o=$(stat -L -f %u:%g "$dst") || exit 1; fi
  chown "$o" "$tmp" 2>/dev/null
  chmod "$m" "$tmp" || exit 1
  if ` + selinuxScript + `; then chcon --reference="$dst" "$tmp" 2>/dev/null; fi
else
  chmod 0644 "$tmp" || exit 1
fi
`)
	if mode != 0 {
		fmt.Fprintf(&b, "chmod %s \"$tmp\" || exit 1\n", octal(mode))
	}
	b.WriteString(`mv -f "$tmp" "$dst" || exit 1
if [ -z "$existed" ] && ` + selinuxScript + ` && command -v restorecon >/dev/null 2>&1; then restorecon "$dst" || true; fi
`)
	return b.String()
}

func getFile(ctx context.Context, h fileHost, p string, become *Become) ([]byte, error) {
	if become == nil {
		if fsys, err := h.fileSystem(); err == nil {
			f, err := fsys.open(p)
			if err != nil {
				return nil, fmt.Errorf("get %s: %w", p, err)
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err != nil {
				return nil, fmt.Errorf("get %s: %w", p, err)
			}
			return data, nil
		}
	}
	res, err := run(ctx, h, "cat -- "+Quote(p), &ExecOptions{Become: become})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", p, err)
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
		return nil, fmt.Errorf("get %s: %s", p, msg)
	}
	return res.Stdout, nil
}

// sftpFS is file access over SFTP.
type sftpFS struct{ c *sftp.Client }

func (f sftpFS) stat(p string) (fileStat, error) {
	fi, err := f.c.Stat(p)
	if err != nil {
		return fileStat{}, err
	}
	st := fileStat{mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), dir: fi.IsDir()}
	if s, ok := fi.Sys().(*sftp.FileStat); ok {
		st.uid, st.gid = int(s.UID), int(s.GID)
	}
	return st, nil
}

func (f sftpFS) create(p string) (io.WriteCloser, error) {
	return f.c.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
}

func (f sftpFS) open(p string) (io.ReadCloser, error) { return f.c.Open(p) }

func (f sftpFS) chmod(p string, m fs.FileMode) error { return f.c.Chmod(p, m) }

func (f sftpFS) chown(p string, uid, gid int) error { return f.c.Chown(p, uid, gid) }

func (f sftpFS) rename(from, to string) error {
	err := f.c.PosixRename(from, to)
	var se *sftp.StatusError
	if errors.As(err, &se) && se.FxCode() == sftp.ErrSSHFxOpUnsupported {
		// No posix-rename extension: rename is then only allowed to a
		// free name.
		if rerr := f.c.Rename(from, to); rerr == nil {
			return nil
		}
		if rerr := f.c.Remove(to); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return err
		}
		return f.c.Rename(from, to)
	}
	return err
}

func (f sftpFS) remove(p string) error { return f.c.Remove(p) }

func (f sftpFS) mkdirTemp() (string, error) {
	home, err := f.c.Getwd()
	if err != nil {
		return "", err
	}
	base := pathpkg.Join(home, ".ansible", "tmp")
	if err := f.c.MkdirAll(base); err != nil {
		return "", err
	}
	d := pathpkg.Join(base, "omeprov-"+randomID()[:20])
	if err := f.c.Mkdir(d); err != nil {
		return "", err
	}
	if err := f.c.Chmod(d, 0o700); err != nil {
		_ = f.c.RemoveDirectory(d)
		return "", err
	}
	return d, nil
}

func (f sftpFS) removeAll(p string) error { return f.c.RemoveAll(p) }

// Methods that make sshConn a fileHost.

func (c *sshConn) fileSystem() (fileSystem, error) {
	cl, err := c.sftpClient()
	if err != nil {
		return nil, err
	}
	return sftpFS{cl}, nil
}

func (c *sshConn) login() string                { return c.loginUser }
func (c *sshConn) becomeTimeout() time.Duration { return c.timeout }
func (c *sshConn) probes() *probeCache          { return &c.probe }
