package connection

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWrapBecomeSudo(t *testing.T) {
	bc, err := wrapBecome(&Become{}, "id -un")
	require.NoError(t, err)
	require.Equal(t, "sudo -H -S -n -u root /bin/sh -c "+Quote("echo "+bc.marker+"; id -un"), bc.line)
	require.Regexp(t, `^BECOME-SUCCESS-[a-z]{32}$`, bc.marker)
	require.Empty(t, bc.prompt)
	require.False(t, bc.tty)

	bc, err = wrapBecome(&Become{User: "post gres", Password: "s3cret; rm -rf /"}, "true")
	require.NoError(t, err)
	require.NotContains(t, bc.line, "s3cret", "the password must never be on the command line")
	require.Regexp(t, `^\[sudo via ansible, key=[a-z]{32}\] password:$`, bc.prompt)
	require.Equal(t, "sudo -H -S -p "+Quote(bc.prompt)+" -u 'post gres' /bin/sh -c "+Quote("echo "+bc.marker+"; true"), bc.line)

	// Two wraps never share a marker or prompt.
	bc2, _ := wrapBecome(&Become{Password: "x"}, "true")
	require.NotEqual(t, bc.marker, bc2.marker)
	require.NotEqual(t, bc.prompt, bc2.prompt)

	bc, err = wrapBecome(&Become{Flags: "-Hn -E --non-interactive", Password: "x", User: "bob"}, "true")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(bc.line, "sudo -H -E -p "), bc.line)

	bc, err = wrapBecome(&Become{Flags: "-H -S -n -E"}, "true")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(bc.line, "sudo -H -S -n -E -u root "), bc.line)

	_, err = wrapBecome(&Become{Flags: "-H 'open"}, "true")
	require.ErrorContains(t, err, "become_flags")
	_, err = wrapBecome(&Become{Method: "doas"}, "true")
	require.ErrorContains(t, err, `"doas" is not supported`)
}

func TestWrapBecomeSu(t *testing.T) {
	bc, err := wrapBecome(&Become{Method: "su", User: "bob"}, "id")
	require.NoError(t, err)
	require.Equal(t, "su bob -c "+Quote("/bin/sh -c "+Quote("echo "+bc.marker+"; id")), bc.line)
	require.False(t, bc.tty)
	bc, err = wrapBecome(&Become{Method: "su", Password: "pw", Flags: "-l"}, "id")
	require.NoError(t, err)
	require.True(t, bc.tty)
	require.True(t, strings.HasPrefix(bc.line, "su -l root -c "))
	for _, p := range []string{"[sudo] password for bob: ", "Password:", "x\nbob's password: "} {
		require.True(t, sudoPrompt.MatchString(p), p)
	}
	require.False(t, sudoPrompt.MatchString("[sudo] password for bob: \nstill running"))
	for _, p := range []string{"Password: ", "Password:", "bob's Password: ", "Passwort: ", "密码："} {
		require.True(t, suPrompt.MatchString(p), p)
	}
	require.False(t, suPrompt.MatchString("Password: accepted\n"))
}

func TestDropNonInteractive(t *testing.T) {
	require.Equal(t, []string{"-H", "-S"}, dropNonInteractive([]string{"-H", "-S", "-n"}))
	require.Equal(t, []string{"-HS"}, dropNonInteractive([]string{"-HSn"}))
	require.Equal(t, []string{"-H"}, dropNonInteractive([]string{"-nH"}))
	require.Equal(t, []string{"--preserve-env"}, dropNonInteractive([]string{"--non-interactive", "--preserve-env"}))
	require.Equal(t, []string{"-u", "nobody"}, dropNonInteractive([]string{"-u", "nobody"}))
}

func TestBecomeFailureMessages(t *testing.T) {
	bc := &becomeCmd{method: "sudo", prompt: "[p]"}
	require.Equal(t, "Missing sudo password", bc.failure(nil, []byte("[p]"), 1).Msg)
	require.Equal(t, "Missing sudo password", bc.failure(nil, []byte("sudo: a password is required\n"), 0).Msg)
	bc.password = "pw"
	require.Equal(t, "Incorrect sudo password", bc.failure(nil, []byte("[p]Sorry, try again.\n[p]"), 2).Msg)
	require.Equal(t, "Incorrect sudo password", bc.failure(nil, []byte("[p]\nsudo: 1 incorrect password attempt\n"), 1).Msg)
	require.Equal(t, "sudo failed: sudo: unknown user nobody2", bc.failure(nil, []byte("sudo: unknown user nobody2\n"), 0).Msg)
	su := &becomeCmd{method: "su", promptRe: suPrompt, password: "pw"}
	require.Equal(t, "Incorrect su password", su.failure([]byte("Password: \nsu: Authentication failure\n"), nil, 1).Msg)
	require.Equal(t, "su failed: the command did not start", su.failure(nil, nil, 0).Msg)
}

// fakeStarter starts a process played by play, which gets the process's
// stdin and output streams and returns the exit code.
func fakeStarter(play func(stdin io.Reader, stdout, stderr io.Writer) int) starter {
	return func(ctx context.Context, line string, tty bool, stdout, stderr io.Writer) (*proc, error) {
		r, w := io.Pipe()
		done := make(chan int, 1)
		go func() { done <- play(r, stdout, stderr); _ = r.Close() }()
		var once sync.Once
		killed := make(chan struct{})
		return &proc{
			stdin: w,
			wait: func() (int, error) {
				select {
				case c := <-done:
					return c, nil
				case <-killed:
					return -1, nil
				}
			},
			kill: func() { once.Do(func() { close(killed); _ = r.Close() }) },
		}, nil
	}
}

// TestBecomeDriverChunks feeds the prompt and the marker in pieces, as a
// network would, and checks the password is written once, stdin only
// after the marker, and both marker and prompt vanish from the result.
func TestBecomeDriverChunks(t *testing.T) {
	bc, err := wrapBecome(&Become{Password: "pw"}, "cat")
	require.NoError(t, err)
	var gotPassword string
	play := func(stdin io.Reader, stdout, stderr io.Writer) int {
		p := bc.prompt
		_, _ = stderr.Write([]byte("warn\n" + p[:5]))
		time.Sleep(5 * time.Millisecond)
		_, _ = stderr.Write([]byte(p[5:]))
		line := make([]byte, 0, 10)
		b := make([]byte, 1)
		for {
			if _, err := stdin.Read(b); err != nil {
				return 90
			}
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		gotPassword = string(line)
		m := bc.marker + "\n"
		_, _ = stdout.Write([]byte(m[:7]))
		time.Sleep(5 * time.Millisecond)
		_, _ = stdout.Write([]byte(m[7:]))
		rest, _ := io.ReadAll(stdin)
		_, _ = stdout.Write(rest)
		_, _ = stderr.Write([]byte("done\n"))
		return 4
	}
	res, err := runBecome(context.Background(), fakeStarter(play), bc, strings.NewReader("payload"), 0)
	require.NoError(t, err)
	require.Equal(t, "pw", gotPassword)
	require.Equal(t, "payload", string(res.Stdout))
	require.Equal(t, "done\n", string(res.Stderr), "what sudo said before its prompt is dropped")
	require.Equal(t, 4, res.ExitCode)
}

func TestBecomeDriverRepromptIsIncorrect(t *testing.T) {
	bc, err := wrapBecome(&Become{Password: "bad"}, "true")
	require.NoError(t, err)
	play := func(stdin io.Reader, stdout, stderr io.Writer) int {
		buf := make([]byte, 64)
		for i := 0; i < 3; i++ {
			_, _ = stderr.Write([]byte(bc.prompt))
			if _, err := stdin.Read(buf); err != nil {
				return 1
			}
			_, _ = stderr.Write([]byte("Sorry, try again.\n"))
		}
		return 1
	}
	_, err = runBecome(context.Background(), fakeStarter(play), bc, nil, 0)
	var be *BecomeError
	require.ErrorAs(t, err, &be)
	require.Equal(t, "Incorrect sudo password", be.Error())
}

func TestBecomeDriverHangingPromptWithoutPassword(t *testing.T) {
	// A become tool that prompts although we have no password must not
	// hang: the run fails at once with "Missing sudo password".
	bc, err := wrapBecome(&Become{Flags: "-H -S"}, "true")
	require.NoError(t, err)
	bc.prompt = "Password:" // as if sudo used its own prompt we know
	play := func(stdin io.Reader, stdout, stderr io.Writer) int {
		_, _ = stderr.Write([]byte("Password:"))
		_, _ = io.ReadAll(stdin)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = runBecome(ctx, fakeStarter(play), bc, nil, 0)
	require.EqualError(t, err, "Missing sudo password")
}

func TestBecomeDriverContextCancel(t *testing.T) {
	bc, err := wrapBecome(&Become{}, "true")
	require.NoError(t, err)
	play := func(stdin io.Reader, stdout, stderr io.Writer) int {
		_, _ = io.ReadAll(stdin) // never ends by itself
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = runBecome(ctx, fakeStarter(play), bc, nil, 0)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// fakeSudo is a sudo stand-in for the local connection: it takes sudo's
// flags, asks for FAKE_SUDO_PW (if set) with the -p prompt up to three
// times, refuses under -n, then runs the command as the current user.
const fakeSudo = `#!/bin/sh
prompt=Password: ; nonint=
while [ $# -gt 0 ]; do
  case "$1" in
    -n) nonint=1; shift;;
    -H|-S|-E) shift;;
    -p) prompt=$2; shift 2;;
    -u) echo "$2" > "$FAKE_SUDO_LOG"; shift 2;;
    *) break;;
  esac
done
if [ -n "$FAKE_SUDO_PW" ]; then
  if [ -n "$nonint" ]; then echo "sudo: a password is required" >&2; exit 1; fi
  i=0
  while [ $i -lt 3 ]; do
    printf '%s' "$prompt" >&2
    IFS= read -r pw || { echo "sudo: no password was provided" >&2; exit 1; }
    if [ "$pw" = "$FAKE_SUDO_PW" ]; then exec "$@"; fi
    echo "Sorry, try again." >&2
    i=$((i+1))
  done
  echo "sudo: 3 incorrect password attempts" >&2; exit 1
fi
exec "$@"
`

func withFakeSudo(t *testing.T, password string) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sudo"), []byte(fakeSudo), 0o755))
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	t.Setenv("FAKE_SUDO_PW", password)
	log := filepath.Join(dir, "log")
	t.Setenv("FAKE_SUDO_LOG", log)
	return log
}

// TestLocalBecomeFakeSudo drives the whole become path through a real
// /bin/sh with a sudo stand-in, so it runs anywhere without root.
func TestLocalBecomeFakeSudo(t *testing.T) {
	log := withFakeSudo(t, "right pw")
	c := Local()
	stdin := strings.Repeat("line of stdin\n", 5000)
	res, err := c.Exec(ctx(t), `cat; echo "$X" >&2; exit 7`, &ExecOptions{
		Become: &Become{User: "alice", Password: "right pw"},
		Stdin:  strings.NewReader(stdin),
		Env:    map[string]string{"X": "a'b $c"},
	})
	require.NoError(t, err)
	require.Equal(t, stdin, string(res.Stdout))
	require.Equal(t, "a'b $c\n", string(res.Stderr))
	require.Equal(t, 7, res.ExitCode)
	who, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, "alice\n", string(who))

	_, err = c.Exec(ctx(t), "echo no", &ExecOptions{Become: &Become{Password: "wrong pw"}})
	require.EqualError(t, err, "Incorrect sudo password")
	_, err = c.Exec(ctx(t), "echo no", &ExecOptions{Become: &Become{}})
	require.EqualError(t, err, "Missing sudo password")
	// Without -n sudo asks with its own prompt; having no password we
	// must not wait for the timeout.
	start := time.Now()
	_, err = c.Exec(ctx(t), "echo no", &ExecOptions{Become: &Become{Flags: "-H -S"}})
	require.EqualError(t, err, "Missing sudo password")
	require.Less(t, time.Since(start), 5*time.Second)
	var be *BecomeError
	require.ErrorAs(t, err, &be)
	require.Equal(t, "sudo", be.Method)
}

func TestBadInputRefused(t *testing.T) {
	c := Local()
	_, err := c.Exec(ctx(t), "echo a\x00b", nil)
	require.ErrorContains(t, err, "NUL")
	_, err = c.Exec(ctx(t), "true", &ExecOptions{Env: map[string]string{"A": "x\x00"}})
	require.ErrorContains(t, err, "NUL")
	_, err = c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{Password: "a\nb"}})
	var be *BecomeError
	require.ErrorAs(t, err, &be)
	require.NotContains(t, err.Error(), "a\nb")
}

// FuzzBecomeStreams feeds arbitrary output, cut anywhere, around the
// marker and prompt: the driver must not panic, and what follows the
// marker must come back intact.
func FuzzBecomeStreams(f *testing.F) {
	f.Add([]byte("before"), []byte("after\nmore"), []byte("err"), uint8(3), uint8(1))
	f.Add([]byte(""), []byte(""), []byte(""), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, before, after, errb []byte, cut, prompts uint8) {
		bc, err := wrapBecome(&Become{Password: "pw"}, "true")
		require.NoError(t, err)
		r := &becomeRun{bc: bc, started: make(chan struct{}), abort: make(chan struct{}), answer: make(chan struct{}, 1)}
		stderr := []byte{}
		for i := 0; i < int(prompts%3); i++ {
			stderr = append(stderr, bc.prompt...)
		}
		stderr = append(stderr, errb...)
		out := append(append(append([]byte{}, before...), []byte(bc.marker+"\n")...), after...)
		for _, chunk := range splitAt(stderr, int(cut)) {
			streamWriter{r, true}.Write(chunk)
		}
		for _, chunk := range splitAt(out, int(cut)) {
			streamWriter{r, false}.Write(chunk)
		}
		require.True(t, r.marker)
		require.Equal(t, string(after), string(r.stdout.Bytes()[r.markerEnd:]))
	})
}

func splitAt(b []byte, n int) [][]byte {
	if n <= 0 || n >= len(b) {
		return [][]byte{b}
	}
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// TestBecomeTimeout: a become tool that neither prompts nor starts the
// command fails after the become timeout with Ansible's message.
func TestBecomeTimeout(t *testing.T) {
	bc, err := wrapBecome(&Become{}, "true")
	require.NoError(t, err)
	play := func(stdin io.Reader, stdout, stderr io.Writer) int {
		_, _ = stderr.Write([]byte("sudo: looking up user in LDAP"))
		_, _ = io.ReadAll(stdin)
		return 1
	}
	start := time.Now()
	_, err = runBecome(context.Background(), fakeStarter(play), bc, nil, 300*time.Millisecond)
	require.EqualError(t, err, "Timeout (0s) waiting for privilege escalation prompt: sudo: looking up user in LDAP")
	require.Less(t, time.Since(start), 5*time.Second)

	// Through a real shell: a sudo stand-in that hangs.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sudo"), []byte("#!/bin/sh\nsleep 20\n"), 0o755))
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	c := &localConn{user: "x", timeout: time.Second}
	start = time.Now()
	_, err = c.Exec(ctx(t), "true", &ExecOptions{Become: &Become{}})
	require.EqualError(t, err, "Timeout (1s) waiting for privilege escalation prompt: ")
	require.Less(t, time.Since(start), 5*time.Second)
}
