package connection

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
)

func TestLocalExec(t *testing.T) {
	c := Local()
	defer c.Close()
	r := exec1(t, c, `echo out; echo err >&2; printf '%s' "$V"; exit 4`, &ExecOptions{Env: map[string]string{"V": "a b'c"}})
	require.Equal(t, "out\na b'c", string(r.Stdout))
	require.Equal(t, "err\n", string(r.Stderr))
	require.Equal(t, 4, r.ExitCode)
	r = exec1(t, c, "kill -TERM $$", nil)
	require.Equal(t, 143, r.ExitCode)
	r = exec1(t, c, "wc -c", &ExecOptions{Stdin: strings.NewReader(strings.Repeat("x", 1<<20))})
	require.Equal(t, "1048576", strings.TrimSpace(string(r.Stdout)))
	r = exec1(t, c, "printf '%s\\0' "+QuoteAll(hostile...), nil)
	require.Equal(t, strings.Join(hostile, "\x00")+"\x00", string(r.Stdout))

	// A background child holding stdout open does not hold Exec.
	r = exec1(t, c, "sleep 4 & echo started", nil)
	require.Equal(t, "started\n", string(r.Stdout))
}

func TestLocalFiles(t *testing.T) {
	c := Local()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	data := make([]byte, 1<<20)
	_, _ = rand.Read(data)
	require.NoError(t, c.PutFile(ctx(t), p, bytes.NewReader(data), nil))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	got, err := c.GetFile(ctx(t), p, nil)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))

	require.NoError(t, os.Chmod(p, 0o600))
	require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("two"), nil))
	st, _ = os.Stat(p)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("three"), &FileOptions{Mode: 0o755 | os.ModeSetgid}))
	st, _ = os.Stat(p)
	require.Equal(t, os.FileMode(0o755)|os.ModeSetgid, st.Mode()&(os.ModePerm|os.ModeSetgid))

	require.ErrorContains(t, c.PutFile(ctx(t), dir, strings.NewReader("x"), nil), "is a directory")
	require.Error(t, c.PutFile(ctx(t), filepath.Join(dir, "no", "f"), strings.NewReader("x"), nil))
	require.Error(t, c.PutFile(ctx(t), "", strings.NewReader("x"), nil))
	_, err = c.GetFile(ctx(t), filepath.Join(dir, "absent"), nil)
	require.ErrorContains(t, err, "absent")
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1, "no temporary file left")
}

// TestPutScript runs the shell script used for become and SFTP-less
// transfers with the local /bin/sh, as the current user.
func TestPutScript(t *testing.T) {
	c := Local().(*localConn)
	dir := t.TempDir()
	p := filepath.Join(dir, "it's here")
	require.NoError(t, putScripted(ctx(t), c, p, strings.NewReader("a"), "", 0, nil))
	st, _ := os.Stat(p)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	require.NoError(t, os.Chmod(p, 0o751))
	require.NoError(t, putScripted(ctx(t), c, p, strings.NewReader("b"), "", 0, nil))
	st, _ = os.Stat(p)
	require.Equal(t, os.FileMode(0o751), st.Mode().Perm())
	b, _ := os.ReadFile(p)
	require.Equal(t, "b", string(b))
	src := filepath.Join(dir, "src")
	require.NoError(t, os.WriteFile(src, []byte("from src"), 0o600))
	require.NoError(t, putScripted(ctx(t), c, p, nil, src, 0o640, nil))
	st, _ = os.Stat(p)
	require.Equal(t, os.FileMode(0o640), st.Mode().Perm())
	b, _ = os.ReadFile(p)
	require.Equal(t, "from src", string(b))
	// Through a symlink: the target's mode is kept.
	require.NoError(t, os.Symlink(p, filepath.Join(dir, "link")))
	require.NoError(t, putScripted(ctx(t), c, filepath.Join(dir, "link"), strings.NewReader("c"), "", 0, nil))
	st, _ = os.Stat(filepath.Join(dir, "link"))
	require.Equal(t, os.FileMode(0o640), st.Mode().Perm())
	require.ErrorContains(t, putScripted(ctx(t), c, dir, strings.NewReader("x"), "", 0, nil), "is a directory")
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 3, "no temporary file left")
}

// TestLocalBecomeReal uses the real sudo and su as root.
func TestLocalBecomeReal(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sudo not installed")
		}
		t.Skip("sudo not installed")
	}
	u := sshdtest.NewUser(t, sshdtest.NoSudo, "")
	c := Local()
	r := exec1(t, c, "id -un; cat", &ExecOptions{Become: &Become{User: u.Name}, Stdin: strings.NewReader("in")})
	require.Equal(t, u.Name+"\nin", string(r.Stdout))
	r = exec1(t, c, "id -un", &ExecOptions{Become: &Become{Method: "su", User: u.Name}})
	require.Equal(t, u.Name+"\n", string(r.Stdout))

	p := filepath.Join(u.Home, "file")
	require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("as user"), &FileOptions{Become: &Become{User: u.Name}}))
	assertFile(t, p, "as user", 0o644, u.UID, u.GID)
	got, err := c.GetFile(ctx(t), p, &Become{User: u.Name})
	require.NoError(t, err)
	require.Equal(t, "as user", string(got))
	require.NoError(t, c.PutFile(ctx(t), p, strings.NewReader("as root"), &FileOptions{Become: &Become{}}))
	assertFile(t, p, "as root", 0o644, u.UID, u.GID)
	err = c.PutFile(ctx(t), "/root/denied-"+randomID()[:6], strings.NewReader("x"), &FileOptions{Become: &Become{User: u.Name}})
	require.ErrorContains(t, err, "Permission denied")
}

func TestLocalCancel(t *testing.T) {
	c := Local()
	cx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(cx, "sleep 20; echo never", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 6*time.Second)
}

// fakeSu is an su stand-in that, like su, insists on a terminal and reads
// the password from it, then runs the -c command.
const fakeSu = `#!/bin/sh
[ -t 0 ] || { echo "su: must be run from a terminal" >&2; exit 1; }
cmd=
while [ $# -gt 0 ]; do
  case "$1" in -c) cmd=$2; shift 2;; *) shift;; esac
done
printf 'Password: '
IFS= read -r pw
if [ "$pw" != "$FAKE_SU_PW" ]; then echo; echo "su: Authentication failure"; exit 1; fi
echo
exec /bin/sh -c "$cmd"
`

// TestLocalSuPassword drives su with a password on a local pseudo-terminal
// through a stand-in su, so it runs without root.
func TestLocalSuPassword(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "su"), []byte(fakeSu), 0o755))
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	t.Setenv("FAKE_SU_PW", "s3 cr'et")
	c := Local()
	b := &Become{Method: "su", User: "someone", Password: "s3 cr'et"}
	r := exec1(t, c, "echo out; echo err >&2; [ -t 0 ] || echo stdin-not-tty; exit 6", &ExecOptions{Become: b})
	require.Equal(t, "out\nerr\nstdin-not-tty\n", string(r.Stdout), "on a terminal both streams come on stdout")
	require.Equal(t, 6, r.ExitCode)
	in := "binary \x03\x04\x00 data\n"
	r = exec1(t, c, "cat", &ExecOptions{Become: b, Stdin: strings.NewReader(in)})
	require.Equal(t, in, string(r.Stdout))
	_, err := c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Method: "su", User: "someone", Password: "wrong"}})
	require.EqualError(t, err, "Incorrect su password")
	start := time.Now()
	_, err = c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Method: "su", User: "someone"}})
	require.Error(t, err, "su without a password and without a terminal")
	require.Less(t, time.Since(start), 5*time.Second)
}
