package connection

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func TestSSHExec(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.21"})
	u := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey) // login shell /bin/sh, no rc files
	p := testParams(t, s)
	p.User = u.Name
	c := dial(t, p)

	t.Run("streams and exit codes", func(t *testing.T) {
		r := exec1(t, c, "echo out; echo err >&2; echo out2; exit 3", nil)
		require.Equal(t, "out\nout2\n", string(r.Stdout))
		require.Equal(t, "err\n", string(r.Stderr))
		require.Equal(t, 3, r.ExitCode)
		r = exec1(t, c, "true", nil)
		require.Equal(t, 0, r.ExitCode)
		require.Empty(t, r.Stdout)
		r = exec1(t, c, "kill -9 $$", nil)
		require.Equal(t, 137, r.ExitCode)
		r = exec1(t, c, "exit 255", nil)
		require.Equal(t, 255, r.ExitCode)
	})
	t.Run("runs with /bin/sh", func(t *testing.T) {
		r := exec1(t, c, `echo "$0"; [ -n "${BASH_VERSION:-}" ] && echo bash; echo $((1+2))`, nil)
		require.Equal(t, "/bin/sh\n3\n", string(r.Stdout))
	})
	t.Run("stdin", func(t *testing.T) {
		in := make([]byte, 3<<20)
		_, _ = rand.Read(in)
		r := exec1(t, c, "cat", &ExecOptions{Stdin: bytes.NewReader(in)})
		require.Equal(t, len(in), len(r.Stdout))
		require.True(t, bytes.Equal(in, r.Stdout))
		// Without stdin the command sees end of file at once.
		r = exec1(t, c, "cat; echo end", nil)
		require.Equal(t, "end\n", string(r.Stdout))
	})
	t.Run("env", func(t *testing.T) {
		env := map[string]string{"A": "x; rm -rf /", "B_2": "$(id) `id` 'q' \"d\"", "LANG": "C", "EMPTY": ""}
		r := exec1(t, c, `printf '%s|' "$A" "$B_2" "$LANG" "${EMPTY-unset}"; sh -c 'printf %s "$A"'`, &ExecOptions{Env: env})
		require.Equal(t, "x; rm -rf /|$(id) `id` 'q' \"d\"|C||x; rm -rf /", string(r.Stdout))
		_, err := c.Exec(ctx(t), "true", &ExecOptions{Env: map[string]string{"A;B": "x"}})
		require.ErrorContains(t, err, `"A;B" is not valid`)
	})
	t.Run("hostile words", func(t *testing.T) {
		r := exec1(t, c, "printf '%s\\0' "+QuoteAll(hostile...), nil)
		require.Equal(t, strings.Join(hostile, "\x00")+"\x00", string(r.Stdout))
	})
	t.Run("large output on both streams", func(t *testing.T) {
		r := exec1(t, c, "head -c 2000000 /dev/zero; head -c 1000000 /dev/zero >&2", nil)
		require.Len(t, r.Stdout, 2000000)
		require.Len(t, r.Stderr, 1000000)
	})
	t.Run("context cancel", func(t *testing.T) {
		cx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Exec(cx, "sleep 8", nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 8*time.Second)
		// The connection is still good.
		require.Equal(t, "ok\n", string(exec1(t, c, "echo ok", nil).Stdout))
	})
	t.Run("closed", func(t *testing.T) {
		c2 := dial(t, p)
		require.NoError(t, c2.Close())
		require.NoError(t, c2.Close())
		_, err := c2.Exec(ctx(t), "true", nil)
		require.ErrorContains(t, err, "connection closed")
		_, err = c2.GetFile(ctx(t), "/etc/hostname", nil)
		require.Error(t, err)
	})
}

// TestSSHConcurrentExec runs many commands at once on one connection:
// more than sshd's 10 sessions per connection. Run with -race.
func TestSSHConcurrentExec(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.22"})
	// A user whose login shell is /bin/sh: root's shell here is bash, whose
	// rc files (pyenv) write to stderr when run many at once.
	u := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey)
	p := testParams(t, s)
	p.User = u.Name
	c := dial(t, p)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			want := fmt.Sprintf("n%d", i)
			r, err := c.Exec(context.Background(), "sleep 0.1; cat; echo "+want+" >&2; exit "+strconv.Itoa(i%7),
				&ExecOptions{Stdin: strings.NewReader(want)})
			if err != nil {
				errs <- err
				return
			}
			if string(r.Stdout) != want || string(r.Stderr) != want+"\n" || r.ExitCode != i%7 {
				errs <- fmt.Errorf("command %d: got %q %q %d", i, r.Stdout, r.Stderr, r.ExitCode)
			}
		}(i)
	}
	// Files move at the same time.
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := fmt.Sprintf("%s/concurrent-%d", u.Home, i)
			if err := c.PutFile(context.Background(), p, strings.NewReader(p), nil); err != nil {
				errs <- err
				return
			}
			b, err := c.GetFile(context.Background(), p, nil)
			if err != nil || string(b) != p {
				errs <- fmt.Errorf("file %d: %q %v", i, b, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestSSHFiles(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.23"})
	c := dial(t, testParams(t, s))
	dir := t.TempDir()

	t.Run("new file", func(t *testing.T) {
		p := filepath.Join(dir, "new")
		require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("hello"), nil))
		st, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
		got, err := c.GetFile(ctx(t), p, nil)
		require.NoError(t, err)
		require.Equal(t, "hello", string(got))
	})
	t.Run("binary round trip", func(t *testing.T) {
		data := make([]byte, 5<<20+13)
		_, _ = rand.Read(data)
		p := filepath.Join(dir, "bin")
		require.NoError(t, c.PutFile(ctx(t), p, bytes.NewReader(data), &FileOptions{Mode: 0o600}))
		got, err := c.GetFile(ctx(t), p, nil)
		require.NoError(t, err)
		require.True(t, bytes.Equal(data, got))
		st, _ := os.Stat(p)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	})
	t.Run("existing file keeps owner and mode", func(t *testing.T) {
		p := filepath.Join(dir, "kept")
		require.NoError(t, os.WriteFile(p, []byte("old"), 0o640))
		require.NoError(t, os.Chmod(p, 0o640))
		require.NoError(t, os.Chown(p, 65534, 65534))
		require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("new"), nil))
		assertFile(t, p, "new", 0o640, 65534, 65534)
		// Mode given: it wins; the owner stays.
		require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("newer"), &FileOptions{Mode: 0o4755}))
		st, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.ModeSetuid|0o755, st.Mode()&(os.ModeSetuid|os.ModePerm))
	})
	t.Run("errors", func(t *testing.T) {
		err := c.PutFile(ctx(t), filepath.Join(dir, "missing-dir", "f"), strings.NewReader("x"), nil)
		require.Error(t, err)
		require.ErrorContains(t, c.PutFile(ctx(t), dir, strings.NewReader("x"), nil), "is a directory")
		_, err = c.GetFile(ctx(t), filepath.Join(dir, "nope"), nil)
		require.ErrorContains(t, err, "nope")
	})
	t.Run("no temporary files left", func(t *testing.T) {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			require.False(t, strings.HasPrefix(e.Name(), ".omeprov-"), e.Name())
		}
	})
	t.Run("hostile path", func(t *testing.T) {
		p := filepath.Join(dir, "a b; touch pwned '$(id)'")
		require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("x"), &FileOptions{Become: &Become{}}))
		got, err := c.GetFile(ctx(t), p, &Become{})
		require.NoError(t, err)
		require.Equal(t, "x", string(got))
		_, err = os.Stat(filepath.Join(dir, "pwned"))
		require.True(t, os.IsNotExist(err))
	})
}

// TestSSHFilesWithoutSFTP uses a server without the SFTP subsystem: files
// then travel through the shell.
func TestSSHFilesWithoutSFTP(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.36", NoSFTP: true})
	u := sshdtest.NewUser(t, sshdtest.SudoNoPassword, s.PublicKey)
	p := testParams(t, s)
	p.User = u.Name
	c := dial(t, p)
	data := make([]byte, 200000)
	_, _ = rand.Read(data)
	f := filepath.Join(u.Home, "f")
	require.NoError(t, c.PutFile(ctx(t), f, bytes.NewReader(data), &FileOptions{Mode: 0o600}))
	assertFile(t, f, string(data), 0o600, u.UID, u.GID)
	got, err := c.GetFile(ctx(t), f, nil)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	dir := t.TempDir()
	g := filepath.Join(dir, "root-owned")
	require.NoError(t, c.PutFile(ctx(t), g, strings.NewReader("x"), &FileOptions{Become: &Become{}}))
	assertFile(t, g, "x", 0o644, 0, 0)
	got, err = c.GetFile(ctx(t), g, &Become{})
	require.NoError(t, err)
	require.Equal(t, "x", string(got))
	_, err = c.GetFile(ctx(t), filepath.Join(u.Home, "absent"), nil)
	require.ErrorContains(t, err, "No such file")
}

func assertFile(t *testing.T, p, content string, mode os.FileMode, uid, gid int) {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, content, string(b))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, mode, st.Mode().Perm(), "mode of %s", p)
	u, g := statOwner(st.Sys())
	require.Equal(t, uid, u, "owner of %s", p)
	require.Equal(t, gid, g, "group of %s", p)
}

// TestSSHBecome logs in as unprivileged users and becomes root or another
// user with sudo (with and without a password) and su.
func TestSSHBecome(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.24"})
	nopw := sshdtest.NewUser(t, sshdtest.SudoNoPassword, s.PublicKey)
	pw := sshdtest.NewUser(t, sshdtest.SudoPassword, s.PublicKey)
	other := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey)
	as := func(u *sshdtest.User) Connection {
		p := testParams(t, s)
		p.User = u.Name
		return dial(t, p)
	}
	cn, cp, co := as(nopw), as(pw), as(other)
	root := dial(t, testParams(t, s))

	t.Run("sudo without password", func(t *testing.T) {
		r := exec1(t, cn, `id -un; echo "$HOME|$V"; cat; echo e >&2`, &ExecOptions{
			Become: &Become{}, Env: map[string]string{"V": "v'v"}, Stdin: strings.NewReader("in"),
		})
		require.Equal(t, "root\n/root|v'v\nin", string(r.Stdout))
		require.Equal(t, "e\n", string(r.Stderr))
		r = exec1(t, cn, "id -un; exit 5", &ExecOptions{Become: &Become{User: other.Name}})
		require.Equal(t, other.Name+"\n", string(r.Stdout))
		require.Equal(t, 5, r.ExitCode)
		_, err := cn.Exec(ctx(t), "id", &ExecOptions{Become: &Become{User: "nosuchuser" + other.Name}})
		var be *BecomeError
		require.ErrorAs(t, err, &be)
		require.Contains(t, be.Msg, "unknown user")
	})
	t.Run("sudo with password", func(t *testing.T) {
		in := strings.Repeat("0123456789", 100000)
		r := exec1(t, cp, "id -un; cat | wc -c; echo e >&2", &ExecOptions{
			Become: &Become{Password: pw.Password}, Stdin: strings.NewReader(in),
		})
		require.Equal(t, "root\n1000000\n", strings.ReplaceAll(string(r.Stdout), " ", ""))
		require.Equal(t, "e\n", string(r.Stderr), "prompt must be gone from stderr")
		r = exec1(t, cp, "id -un", &ExecOptions{Become: &Become{User: other.Name, Password: pw.Password}})
		require.Equal(t, other.Name+"\n", string(r.Stdout))

		start := time.Now()
		_, err := cp.Exec(ctx(t), "id", &ExecOptions{Become: &Become{Password: "wrong " + pw.Password}})
		require.EqualError(t, err, "Incorrect sudo password")
		require.NotContains(t, err.Error(), pw.Password)
		require.Less(t, time.Since(start), 10*time.Second)
		_, err = cp.Exec(ctx(t), "id", &ExecOptions{Become: &Become{}})
		require.EqualError(t, err, "Missing sudo password")
		// A NOPASSWD user given a password anyway works too.
		r = exec1(t, cn, "id -un", &ExecOptions{Become: &Become{Password: "unused"}})
		require.Equal(t, "root\n", string(r.Stdout))
		// A user without sudo rights.
		_, err = co.Exec(ctx(t), "id", &ExecOptions{Become: &Become{Password: other.Password}})
		require.Error(t, err)
	})
	t.Run("sudo with a hostile password", func(t *testing.T) {
		u := sshdtest.NewUser(t, sshdtest.SudoPassword, s.PublicKey)
		hostilePW := "p'a \"s$(id)`w|o;r&d\\ %s -n"
		cmd := osexec.Command("chpasswd")
		cmd.Stdin = strings.NewReader(u.Name + ":" + hostilePW + "\n")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		pp := testParams(t, s)
		pp.User = u.Name
		c := dial(t, pp)
		r := exec1(t, c, "id -un", &ExecOptions{Become: &Become{Password: hostilePW}})
		require.Equal(t, "root\n", string(r.Stdout))
		_, err = c.Exec(ctx(t), "id -un", &ExecOptions{Become: &Become{Password: hostilePW + "x"}})
		require.EqualError(t, err, "Incorrect sudo password")
	})
	t.Run("sudo with requiretty", func(t *testing.T) {
		u := sshdtest.NewUser(t, sshdtest.SudoPassword, s.PublicKey)
		rule := "/etc/sudoers.d/" + u.Name + "-tty"
		require.NoError(t, os.WriteFile(rule, []byte("Defaults:"+u.Name+" requiretty\n"), 0o440))
		t.Cleanup(func() { _ = os.Remove(rule) })
		pp := testParams(t, s)
		pp.User = u.Name
		c := dial(t, pp)
		b := &Become{Password: u.Password}
		r := exec1(t, c, "id -un; [ -t 1 ] && echo tty; cat", &ExecOptions{Become: b, Stdin: strings.NewReader("in\x03put")})
		require.Equal(t, "root\ntty\nin\x03put", string(r.Stdout))
		r = exec1(t, c, "cat; echo end", &ExecOptions{Become: b})
		require.Equal(t, "end\n", string(r.Stdout))
		_, err := c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Password: "bad"}})
		require.EqualError(t, err, "Incorrect sudo password")
		f := filepath.Join(t.TempDir(), "f")
		require.NoError(t, c.PutFile(ctx(t), f, strings.NewReader("tty"), &FileOptions{Become: b}))
		got, err := c.GetFile(ctx(t), f, b)
		require.NoError(t, err)
		require.Equal(t, "tty", string(got))
		require.NoError(t, c.PutFile(ctx(t), filepath.Join(other.Home, "t"), strings.NewReader("o"), &FileOptions{Become: &Become{User: other.Name, Password: u.Password}}))
		assertFile(t, filepath.Join(other.Home, "t"), "o", 0o644, other.UID, other.GID)
	})
	t.Run("su", func(t *testing.T) {
		r := exec1(t, root, "id -un; cat", &ExecOptions{Become: &Become{Method: "su", User: other.Name}, Stdin: strings.NewReader("x")})
		require.Equal(t, other.Name+"\nx", string(r.Stdout))
		r = exec1(t, cn, "id -un", &ExecOptions{Become: &Become{Method: "su", User: other.Name, Password: other.Password}})
		require.Equal(t, other.Name+"\n", strings.ReplaceAll(string(r.Stdout), "\r", ""))
		_, err := cn.Exec(ctx(t), "id -un", &ExecOptions{Become: &Become{Method: "su", User: other.Name, Password: "bad"}})
		require.EqualError(t, err, "Incorrect su password")
		// On su's terminal, stdin still works: empty, or any bytes.
		suOther := &Become{Method: "su", User: other.Name, Password: other.Password}
		r = exec1(t, cn, "cat; echo end", &ExecOptions{Become: suOther})
		require.Equal(t, "end\n", string(r.Stdout))
		in := []byte("ctrl \x03\x04\x15\x1a\x7f\r\n" + strings.Repeat("long line ", 1000) + "\x00end")
		r = exec1(t, cn, "cat", &ExecOptions{Become: suOther, Stdin: bytes.NewReader(in)})
		require.Equal(t, in, r.Stdout)
		r = exec1(t, cp, "id -un; cat", &ExecOptions{Become: &Become{Method: "su", User: other.Name, Password: other.Password}, Stdin: strings.NewReader("x")})
		require.Equal(t, other.Name+"\nx", string(r.Stdout))
		ents, _ := os.ReadDir(filepath.Join(nopw.Home, ".ansible", "tmp"))
		require.Empty(t, ents, "the stdin file is removed")
	})
	t.Run("files with sudo", func(t *testing.T) {
		dir := t.TempDir() // owned by root, mode 0700: the login users cannot enter
		p := filepath.Join(dir, "conf")
		for _, c := range []struct {
			conn Connection
			b    *Become
		}{{cn, &Become{}}, {cp, &Become{Password: pw.Password}}} {
			require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
			require.NoError(t, os.Chown(p, other.UID, other.GID))
			require.NoError(t, os.Chmod(p, 0o604))
			data := make([]byte, 300000)
			_, _ = rand.Read(data)
			require.NoError(t, c.conn.PutFile(ctx(t), p, bytes.NewReader(data), &FileOptions{Become: c.b}))
			assertFile(t, p, string(data), 0o604, other.UID, other.GID)
			got, err := c.conn.GetFile(ctx(t), p, c.b)
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, got))
			_, err = c.conn.GetFile(ctx(t), p, nil)
			require.Error(t, err, "without become the login user cannot read it")

			n := filepath.Join(dir, "new-"+randomID()[:6])
			require.NoError(t, c.conn.PutFile(ctx(t), n, strings.NewReader("n"), &FileOptions{Become: c.b, Mode: 0o640}))
			assertFile(t, n, "n", 0o640, 0, 0)
		}
		err := cp.PutFile(ctx(t), p, strings.NewReader("x"), &FileOptions{Become: &Become{Password: "bad"}})
		require.ErrorContains(t, err, "Incorrect sudo password")
		_, err = cp.GetFile(ctx(t), p, &Become{Password: "bad"})
		require.ErrorContains(t, err, "Incorrect sudo password")
		_, err = cn.GetFile(ctx(t), filepath.Join(dir, "nope"), &Become{})
		require.ErrorContains(t, err, "No such file")
		// Nothing of the staging is left behind in the login user's home.
		ents, _ := os.ReadDir(filepath.Join(nopw.Home, ".ansible", "tmp"))
		require.Empty(t, ents)
	})
	t.Run("files as another unprivileged user", func(t *testing.T) {
		p := filepath.Join(other.Home, "owned")
		for _, c := range []struct {
			conn Connection
			b    *Become
		}{{cn, &Become{User: other.Name}}, {cp, &Become{User: other.Name, Password: pw.Password}}, {root, &Become{User: other.Name}}} {
			require.NoError(t, c.conn.PutFile(ctx(t), p, strings.NewReader("mine"), &FileOptions{Become: c.b}))
			assertFile(t, p, "mine", 0o644, other.UID, other.GID)
			got, err := c.conn.GetFile(ctx(t), p, c.b)
			require.NoError(t, err)
			require.Equal(t, "mine", string(got))
			require.NoError(t, os.Remove(p))
		}
		// su with a password stages the file readable for the become user.
		require.NoError(t, cn.PutFile(ctx(t), p, strings.NewReader("su"), &FileOptions{Become: &Become{Method: "su", User: other.Name, Password: other.Password}}))
		assertFile(t, p, "su", 0o644, other.UID, other.GID)
		// The become user may not write where it has no right to.
		err := cn.PutFile(ctx(t), "/root/x-"+randomID()[:6], strings.NewReader("x"), &FileOptions{Become: &Become{User: other.Name}})
		require.ErrorContains(t, err, "Permission denied")
	})
}

func TestSSHHostKeys(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.25", RSAHostKey: true})
	other := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.25"})
	kh := func(lines ...string) string {
		p := filepath.Join(t.TempDir(), "known_hosts")
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
		return p
	}
	try := func(mod func(*Params)) error {
		p := testParams(t, s)
		mod(&p)
		c, err := Dial(ctx(t), p)
		if err == nil {
			_ = c.Close()
		}
		return err
	}
	t.Run("known ed25519", func(t *testing.T) {
		require.NoError(t, try(func(p *Params) {}))
	})
	t.Run("known rsa only", func(t *testing.T) {
		// The server prefers ed25519; the client must ask for RSA, the
		// only kind known_hosts has.
		require.NoError(t, try(func(p *Params) { p.KnownHostsFile = kh(s.RSAKnownHostsLine) }))
	})
	t.Run("unknown", func(t *testing.T) {
		err := try(func(p *Params) { p.KnownHostsFile = kh("# nothing") })
		var ue *UnreachableError
		require.ErrorAs(t, err, &ue)
		require.True(t, strings.HasPrefix(err.Error(), "Failed to connect to the host via ssh: Host key verification failed."), err.Error())
		require.Contains(t, err.Error(), "[127.0.0.25]:"+strconv.Itoa(s.Port))
		require.Contains(t, err.Error(), "host_key_checking")
		err = try(func(p *Params) { p.KnownHostsFile = filepath.Join(t.TempDir(), "absent") })
		require.ErrorContains(t, err, "Host key verification failed.")
	})
	t.Run("changed", func(t *testing.T) {
		line := strings.Replace(other.KnownHostsLine, strconv.Itoa(other.Port), strconv.Itoa(s.Port), 1)
		err := try(func(p *Params) { p.KnownHostsFile = kh(line) })
		var ue *UnreachableError
		require.ErrorAs(t, err, &ue)
		require.ErrorContains(t, err, "REMOTE HOST IDENTIFICATION HAS CHANGED")
		require.ErrorContains(t, err, "ssh-keygen -R")
	})
	t.Run("checking off", func(t *testing.T) {
		line := strings.Replace(other.KnownHostsLine, strconv.Itoa(other.Port), strconv.Itoa(s.Port), 1)
		require.NoError(t, try(func(p *Params) { p.KnownHostsFile = kh(line); p.HostKeyChecking = false }))
		require.NoError(t, try(func(p *Params) { p.KnownHostsFile = kh("# none"); p.HostKeyChecking = false }))
		require.NoError(t, try(func(p *Params) {
			p.KnownHostsFile = kh("# none")
			p.ExtraSSHArgs = "-o StrictHostKeyChecking=no"
		}))
		require.NoError(t, try(func(p *Params) {
			p.KnownHostsFile = kh("# none")
			p.ExtraSSHArgs = "-o StrictHostKeyChecking=accept-new"
		}))
		// accept-new still refuses a changed key.
		require.ErrorContains(t, try(func(p *Params) {
			p.KnownHostsFile = kh(line)
			p.ExtraSSHArgs = "-o StrictHostKeyChecking=accept-new"
		}), "HAS CHANGED")
	})
	t.Run("HostKeyAlias", func(t *testing.T) {
		line := "web-alias " + strings.SplitN(s.KnownHostsLine, " ", 2)[1]
		require.NoError(t, try(func(p *Params) { p.KnownHostsFile = kh(line); p.ExtraSSHArgs = "-o HostKeyAlias=web-alias" }))
		err := try(func(p *Params) { p.KnownHostsFile = kh(line); p.ExtraSSHArgs = "-o HostKeyAlias=other-alias" })
		require.ErrorContains(t, err, "No host key for other-alias is known")
	})
	t.Run("hashed known_hosts", func(t *testing.T) {
		p := kh(s.KnownHostsLine)
		if out, err := runCmd("ssh-keygen", "-H", "-f", p); err != nil {
			t.Skipf("ssh-keygen -H: %v %s", err, out)
		}
		b, _ := os.ReadFile(p)
		require.True(t, strings.HasPrefix(string(b), "|1|"), string(b))
		require.NoError(t, try(func(pp *Params) { pp.KnownHostsFile = p }))
	})
}

func TestSSHConfigFile(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.26"})
	u := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey)
	cfg := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
Host other
    HostName 127.0.0.99

Host web*
    HostName 127.0.0.26
    Port %d
    User %s
    IdentityFile %s

Host *
    User nobody-default
`, s.Port, u.Name, s.KeyFile)), 0o600))
	p := Params{
		Host: "webserver", HostKeyChecking: true, KnownHostsFile: s.KnownHostsFile(t), SSHConfigFile: cfg,
	}
	c := dial(t, p)
	r := exec1(t, c, "id -un", nil)
	require.Equal(t, u.Name+"\n", string(r.Stdout))

	// Params win over the file.
	p.User = "root"
	c = dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))

	// A wrong port from Params wins too: the connection is refused.
	p.Port = freePort(t, "127.0.0.26")
	_, err := Dial(ctx(t), p)
	require.ErrorContains(t, err, "port "+strconv.Itoa(p.Port)+": Connection refused")

	// ExtraSSHArgs (ansible_ssh_common_args) are read like ssh reads them.
	p = Params{
		Host: "127.0.0.26", HostKeyChecking: true, SSHConfigFile: cfg,
		ExtraSSHArgs: fmt.Sprintf("-o UserKnownHostsFile=%s -p %d -l %s -i %s", s.KnownHostsFile(t), s.Port, u.Name, s.KeyFile),
	}
	c = dial(t, p)
	require.Equal(t, u.Name+"\n", string(exec1(t, c, "id -un", nil).Stdout))

	bad := filepath.Join(t.TempDir(), "bad")
	require.NoError(t, os.WriteFile(bad, []byte("Host x\n  Port notanumber\n"), 0o600))
	_, err = Dial(ctx(t), Params{Host: "x", SSHConfigFile: bad})
	require.ErrorContains(t, err, "bad port")
}

func TestSSHProxyJump(t *testing.T) {
	t.Parallel()
	jump := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.27", Config: []string{"LogLevel DEBUG1"}})
	target := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.28"})
	noFwd := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.27", Config: []string{"AllowTcpForwarding no"}})
	khFile := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(khFile, []byte(jump.KnownHostsLine+"\n"+target.KnownHostsLine+"\n"+noFwd.KnownHostsLine+"\n"), 0o600))

	p := testParams(t, target)
	p.KnownHostsFile = khFile
	p.PrivateKeyFiles = []string{target.KeyFile, jump.KeyFile, noFwd.KeyFile}
	p.ExtraSSHArgs = fmt.Sprintf("-o ProxyJump=root@127.0.0.27:%d", jump.Port)
	c := dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))
	require.NoError(t, c.PutFile(ctx(t), filepath.Join(t.TempDir(), "f"), strings.NewReader("x"), nil))
	require.Contains(t, jump.Log(), fmt.Sprintf("target 127.0.0.28 port %d", target.Port), "the connection went through the jump host")

	// -J and a chain of two jumps.
	p.ExtraSSHArgs = fmt.Sprintf("-J root@127.0.0.27:%d,root@127.0.0.27:%d", jump.Port, jump.Port)
	c = dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))

	// A jump host that refuses forwarding: the target cannot be reached.
	p.ExtraSSHArgs = fmt.Sprintf("-J root@127.0.0.27:%d", noFwd.Port)
	_, err := Dial(ctx(t), p)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "connect to host 127.0.0.28")

	// ProxyJump from ~/.ssh/config.
	cfg := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf("Host tgt\n  HostName 127.0.0.28\n  ProxyJump jmp\nHost jmp\n  HostName 127.0.0.27\n  Port %d\n  User root\n", jump.Port)), 0o600))
	p.ExtraSSHArgs, p.SSHConfigFile, p.Host = "", cfg, "tgt"
	c = dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))

	// An unknown jump host key is refused like any other.
	p.KnownHostsFile = target.KnownHostsFile(t)
	_, err = Dial(ctx(t), p)
	require.ErrorContains(t, err, "Host key verification failed.")
}

func TestSSHProxyCommand(t *testing.T) {
	t.Parallel()
	if _, err := osexecLookPath("ssh"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ssh client not installed")
		}
		t.Skip("ssh client not installed")
	}
	jump := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.37", Config: []string{"LogLevel DEBUG1"}})
	target := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.38"})
	p := testParams(t, target)
	p.ExtraSSHArgs = fmt.Sprintf(`-o ProxyCommand="ssh -F /dev/null -i %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -p %d -W %%h:%%p -q root@127.0.0.37"`, jump.KeyFile, jump.Port)
	c := dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))
	require.NoError(t, c.PutFile(ctx(t), filepath.Join(t.TempDir(), "f"), strings.NewReader("x"), nil))
	require.Contains(t, jump.Log(), fmt.Sprintf("127.0.0.38 port %d", target.Port), "the connection went through the proxy command")
	require.NoError(t, c.Close())

	// A proxy command that fails: unreachable, with what it said.
	p.ExtraSSHArgs = `-o "ProxyCommand=echo no route to %h >&2; exit 1"`
	_, err := Dial(ctx(t), p)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "no route to 127.0.0.38")

	// A proxy command that never answers: the connect timeout.
	p.ExtraSSHArgs = `-o "ProxyCommand=sleep 20"`
	p.ConnectTimeout = 1
	start := time.Now()
	_, err = Dial(ctx(t), p)
	require.ErrorAs(t, err, &ue)
	require.Less(t, time.Since(start), 9*time.Second)
}

func TestSSHPasswordAuth(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.29", PasswordAuth: true})
	u := sshdtest.NewUser(t, sshdtest.NoSudo, "")
	p := testParams(t, s)
	p.User, p.PrivateKeyFiles, p.Password = u.Name, nil, u.Password
	p.ExtraSSHArgs = "-o IdentityAgent=none"
	c := dial(t, p)
	require.Equal(t, u.Name+"\n", string(exec1(t, c, "id -un", nil).Stdout))

	p.Password = "wrong"
	_, err := Dial(ctx(t), p)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, u.Name+"@127.0.0.29: Permission denied (")
	require.NotContains(t, err.Error(), "wrong")
}

func TestSSHAuthFailures(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.30"})
	wrongKey, _ := sshdtest.GenerateKey(t)
	p := testParams(t, s)
	p.PrivateKeyFiles = []string{wrongKey}
	p.ExtraSSHArgs = "-o IdentityAgent=none"
	_, err := Dial(ctx(t), p)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "Failed to connect to the host via ssh: root@127.0.0.30: Permission denied (publickey).")

	// An encrypted key is named, with what to do.
	enc := filepath.Join(t.TempDir(), "enc")
	if out, err := runCmd("ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", enc); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	p.PrivateKeyFiles = []string{enc}
	_, err = Dial(ctx(t), p)
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "Private key "+enc+" is encrypted with a passphrase")
	require.ErrorContains(t, err, "ssh-add")

	p.PrivateKeyFiles = []string{filepath.Join(t.TempDir(), "absent")}
	_, err = Dial(ctx(t), p)
	require.ErrorContains(t, err, "not accessible")

	// The right key after a wrong one works.
	p.PrivateKeyFiles = []string{wrongKey, s.KeyFile}
	c := dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))
}

// TestSSHAgent serves the key from an in-process ssh-agent.
func TestSSHAgent(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.31"})
	keyBytes, err := os.ReadFile(s.KeyFile)
	require.NoError(t, err)
	raw, err := ssh.ParseRawPrivateKey(keyBytes)
	require.NoError(t, err)
	kr := agent.NewKeyring()
	require.NoError(t, kr.Add(agent.AddedKey{PrivateKey: raw}))
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = agent.ServeAgent(kr, conn); _ = conn.Close() }()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	p := testParams(t, s)
	p.PrivateKeyFiles = nil
	c := dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))

	// IdentityAgent none: no agent, no key.
	p.ExtraSSHArgs = "-o IdentityAgent=none"
	_, err = Dial(ctx(t), p)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)

	// IdentitiesOnly with a wrong key file: the agent's key is not tried.
	wrong, _ := sshdtest.GenerateKey(t)
	p.PrivateKeyFiles = []string{wrong}
	p.ExtraSSHArgs = "-o IdentitiesOnly=yes"
	_, err = Dial(ctx(t), p)
	require.ErrorAs(t, err, &ue)
	p.ExtraSSHArgs = ""
	c = dial(t, p) // without it the agent's key is tried after the file
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))

	// IdentityAgent names the socket when SSH_AUTH_SOCK is not set.
	t.Setenv("SSH_AUTH_SOCK", "")
	p.PrivateKeyFiles = nil
	p.ExtraSSHArgs = "-o IdentityAgent=" + sock
	c = dial(t, p)
	require.Equal(t, "root\n", string(exec1(t, c, "id -un", nil).Stdout))
}

func TestSSHUnreachable(t *testing.T) {
	t.Parallel()
	port := freePort(t, "127.0.0.9")
	start := time.Now()
	_, err := Dial(ctx(t), Params{Host: "127.0.0.9", Port: port, SSHConfigFile: "/nonexistent", HostKeyChecking: true})
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "127.0.0.9", ue.Host)
	require.EqualError(t, err, fmt.Sprintf("Failed to connect to the host via ssh: ssh: connect to host 127.0.0.9 port %d: Connection refused", port))
	require.Less(t, time.Since(start), 5*time.Second, "refused is not a timeout")

	// A server that accepts TCP but never speaks: the connect timeout.
	l, err := net.Listen("tcp", "127.0.0.9:0")
	require.NoError(t, err)
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		for _, c := range held {
			_ = c.Close()
		}
		mu.Unlock()
	})
	start = time.Now()
	_, err = Dial(ctx(t), Params{Host: "127.0.0.9", Port: l.Addr().(*net.TCPAddr).Port, ConnectTimeout: 1, SSHConfigFile: "/nonexistent"})
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "timed out")
	require.Less(t, time.Since(start), 8*time.Second)

	// The caller's context also bounds the dial.
	cx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = Dial(cx, Params{Host: "127.0.0.9", Port: l.Addr().(*net.TCPAddr).Port, SSHConfigFile: "/nonexistent"})
	require.ErrorAs(t, err, &ue)
	require.Less(t, time.Since(start), 6*time.Second)
}

// TestSSHKeepalive puts a proxy between client and server, freezes it,
// and checks keepalive notices the dead link and Exec then reports the
// host unreachable instead of hanging.
func TestSSHKeepalive(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.32"})
	px := newProxy(t, s.HostPort())
	p := testParams(t, s)
	p.Host, p.Port = "127.0.0.1", px.port
	p.KnownHostsFile = filepath.Join(t.TempDir(), "kh")
	p.HostKeyChecking = false
	p.KeepaliveSeconds = 1
	c := dial(t, p)
	time.Sleep(2500 * time.Millisecond) // keepalives pass while the link is fine
	require.Equal(t, "ok\n", string(exec1(t, c, "echo ok", nil).Stdout))
	px.freeze()
	start := time.Now()
	_, err := c.Exec(ctx(t), "echo ok", nil)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	require.Less(t, time.Since(start), 15*time.Second)
}

// TestSSHConnectionLost cuts the TCP connection under a live Connection.
func TestSSHConnectionLost(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.33"})
	px := newProxy(t, s.HostPort())
	p := testParams(t, s)
	p.Host, p.Port, p.HostKeyChecking = "127.0.0.1", px.port, false
	c := dial(t, p)
	done := make(chan error, 1)
	go func() { _, err := c.Exec(context.Background(), "sleep 20", nil); done <- err }()
	time.Sleep(300 * time.Millisecond)
	px.cut()
	select {
	case err := <-done:
		var ue *UnreachableError
		require.ErrorAs(t, err, &ue)
	case <-time.After(10 * time.Second):
		t.Fatal("Exec did not return after the connection was cut")
	}
	_, err := c.Exec(ctx(t), "true", nil)
	var ue *UnreachableError
	require.ErrorAs(t, err, &ue)
	_, err = c.GetFile(ctx(t), "/etc/hostname", nil)
	require.ErrorAs(t, err, &ue)
	err = c.PutFile(ctx(t), filepath.Join(t.TempDir(), "f"), strings.NewReader("x"), nil)
	require.ErrorAs(t, err, &ue)
}

// proxy forwards TCP connections to a server and can freeze or cut them.
type proxy struct {
	port   int
	mu     sync.Mutex
	conns  []net.Conn
	frozen chan struct{}
}

func newProxy(t *testing.T, to string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	px := &proxy{port: l.Addr().(*net.TCPAddr).Port, frozen: make(chan struct{})}
	t.Cleanup(func() { _ = l.Close(); px.cut() })
	go func() {
		for {
			a, err := l.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", to)
			if err != nil {
				_ = a.Close()
				continue
			}
			px.mu.Lock()
			px.conns = append(px.conns, a, b)
			px.mu.Unlock()
			go px.pipe(a, b)
			go px.pipe(b, a)
		}
	}()
	return px
}

func (px *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-px.frozen:
			<-make(chan struct{}) // hold the data forever, like a dead link
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}

func (px *proxy) freeze() { close(px.frozen) }

func (px *proxy) cut() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, c := range px.conns {
		_ = c.Close()
	}
	px.conns = nil
}

var osexecLookPath = osexec.LookPath

func freePort(t *testing.T, addr string) int {
	l, err := net.Listen("tcp", addr+":0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestDialTypes(t *testing.T) {
	c, err := Dial(ctx(t), Params{Type: "local"})
	require.NoError(t, err)
	require.IsType(t, &localConn{}, c)
	c, err = Dial(ctx(t), Params{Type: "ansible.builtin.local"})
	require.NoError(t, err)
	require.IsType(t, &localConn{}, c)
	_, err = Dial(ctx(t), Params{Type: "winrm", Host: "x"})
	require.ErrorContains(t, err, `unknown connection type "winrm"`)
	for _, typ := range []string{"", "ssh", "smart", "paramiko"} {
		port := freePort(t, "127.0.0.9")
		_, err = Dial(ctx(t), Params{Type: typ, Host: "127.0.0.9", Port: port, SSHConfigFile: "/nonexistent"})
		var ue *UnreachableError
		require.ErrorAs(t, err, &ue, typ)
	}
	_, err = Dial(ctx(t), Params{})
	require.ErrorContains(t, err, "no host")
	Register("test-fake", func(context.Context, Params) (Connection, error) { return nil, errors.New("fake") })
	_, err = Dial(ctx(t), Params{Type: "test-fake"})
	require.EqualError(t, err, "fake")
}

// BenchmarkExec runs many small commands one after another on one
// connection.
func BenchmarkExec(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{Addr: "127.0.0.34"})
	u := sshdtest.NewUser(b, sshdtest.NoSudo, s.PublicKey)
	p := testParams(b, s)
	p.User = u.Name
	c := dial(b, p)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := c.Exec(context.Background(), "echo x", nil)
		if err != nil || string(r.Stdout) != "x\n" {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecParallel runs small commands from many goroutines on one
// connection.
func BenchmarkExecParallel(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{Addr: "127.0.0.35"})
	u := sshdtest.NewUser(b, sshdtest.NoSudo, s.PublicKey)
	p := testParams(b, s)
	p.User = u.Name
	c := dial(b, p)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Exec(context.Background(), "echo x", nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
