package connection

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ome/omeprov/internal/sshdtest"
	"github.com/stretchr/testify/require"
)

// feedShell runs the shell's demultiplexer over chunks of one stream for a
// command with mark, and returns what the command got and whether its mark
// was seen.
func feedShell(t *testing.T, mark string, chunks []string, isErr bool) (string, *shellCmd) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &shellCmd{mark: []byte(mark), stdout: &out, stderr: &errb, done: make(chan struct{})}
	if isErr {
		c.outDone = true
	} else {
		c.errDone = true
	}
	sh := &shell{cur: c}
	var pending []byte
	for _, ch := range chunks {
		pending = sh.consume(append(pending, ch...), isErr)
	}
	if isErr {
		require.Empty(t, out.String())
		return errb.String(), c
	}
	require.Empty(t, errb.String())
	return out.String(), c
}

func TestShellDemultiplexSplitMark(t *testing.T) {
	const mark = "OMEPROV-END-abcdefgh"
	outputs := []string{"", "hello\n", "no newline", "OMEP", "OMEPROV-END-", "OMEPROV-END-zzzz", "\x00binary\xff", strings.Repeat("x", 70000)}
	for _, output := range outputs {
		stream := output + mark + " 42\n"
		// Cut the stream in two at every place, and into single bytes.
		for cut := 0; cut <= len(stream); cut++ {
			if len(output) > 100 && cut > 10 && cut < len(stream)-40 {
				continue
			}
			got, c := feedShell(t, mark, []string{stream[:cut], stream[cut:]}, false)
			require.Equal(t, output, got, "cut at %d", cut)
			require.True(t, c.outDone)
			require.Equal(t, 42, c.code)
			select {
			case <-c.done:
			default:
				t.Fatalf("cut at %d: command not done", cut)
			}
		}
		if len(output) < 100 {
			got, c := feedShell(t, mark, strings.Split(stream, ""), false)
			require.Equal(t, output, got)
			require.Equal(t, 42, c.code)
		}
	}
}

func TestShellDemultiplexStderr(t *testing.T) {
	const mark = "OMEPROV-END-abcdefgh"
	got, c := feedShell(t, mark, []string{"warn", "ing\nOMEPROV-E", "ND-abcdefgh"}, true)
	require.Equal(t, "warning\n", got)
	require.True(t, c.errDone)
}

func TestShellDemultiplexWaitsForStatus(t *testing.T) {
	const mark = "OMEPROV-END-abcdefgh"
	got, c := feedShell(t, mark, []string{"out" + mark + " 1"}, false)
	require.Equal(t, "out", got)
	require.False(t, c.outDone, "the status is not complete without its newline")
}

func TestShellDemultiplexBetweenCommands(t *testing.T) {
	// Output while no command runs (a background process of an earlier
	// command) goes nowhere.
	sh := &shell{}
	require.Empty(t, sh.consume([]byte("late output\n"), false))
	require.Empty(t, sh.consume([]byte("late error\n"), true))
}

func TestMarkPrefixAtEnd(t *testing.T) {
	m := []byte("OMEPROV-END-x")
	require.Equal(t, 0, markPrefixAtEnd([]byte("abc"), m))
	require.Equal(t, 1, markPrefixAtEnd([]byte("abcO"), m))
	require.Equal(t, 4, markPrefixAtEnd([]byte("OMEP"), m))
	require.Equal(t, 12, markPrefixAtEnd([]byte("..OMEPROV-END-"), m))
	require.Equal(t, 0, markPrefixAtEnd([]byte("OMEPROV-END-y"), m))
}

// TestSSHShellReuse checks that commands without input share one long-lived
// shell, and that what one command leaves behind does not reach the next.
func TestSSHShellReuse(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.36"})
	u := sshdtest.NewUser(t, sshdtest.NoSudo, s.PublicKey)
	p := testParams(t, s)
	p.User = u.Name
	c := dial(t, p)

	parent := exec1(t, c, "echo $PPID", nil).Stdout
	require.Equal(t, string(parent), string(exec1(t, c, "echo $PPID", nil).Stdout), "the same shell runs both")
	// A command with stdin gets a session of its own.
	r := exec1(t, c, "cat; echo $PPID", &ExecOptions{Stdin: strings.NewReader("in\n")})
	require.NotEqual(t, "in\n"+string(parent), string(r.Stdout))
	require.True(t, strings.HasPrefix(string(r.Stdout), "in\n"))

	// A background process that keeps stdout and stderr open does not hold
	// the command, and its later output is nobody's.
	start := time.Now()
	r = exec1(t, c, "(sleep 0.5; echo late; echo late >&2) & echo now", nil)
	require.Equal(t, "now\n", string(r.Stdout))
	require.Less(t, time.Since(start), 400*time.Millisecond)
	time.Sleep(800 * time.Millisecond)
	r = exec1(t, c, "echo next; echo e >&2", nil)
	require.Equal(t, "next\n", string(r.Stdout))
	require.Equal(t, "e\n", string(r.Stderr))

	// A command cannot reach the shell's own input or change its state.
	exec1(t, c, "cd /; export OMEPROV_X=1; exec 0<&-", nil)
	r = exec1(t, c, `pwd; echo "${OMEPROV_X-unset}"; read x; echo $?`, nil)
	require.Equal(t, u.Home+"\nunset\n1\n", string(r.Stdout))

	// A shell killed from inside is replaced.
	_, err := c.Exec(ctx(t), "kill -9 $PPID", nil)
	require.Error(t, err)
	require.Equal(t, "ok\n", string(exec1(t, c, "echo ok", nil).Stdout))

	// A command cut short by its context ends its shell, not the connection.
	cx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Exec(cx, "sleep 5", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "ok\n", string(exec1(t, c, "echo ok", nil).Stdout))
}
