package connection

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
)

// A shell is a long-lived /bin/sh in one SSH session that runs command
// lines one after another. sshd forks a process and starts a login shell
// for every session, about 11 ms on a quiet machine; a command written to
// a shell that is already running costs a round trip and a fork. Commands
// that need a terminal or read stdin still get a session of their own.
//
// Each command line runs as
//
//	LINE </dev/null; printf '%s %d\n' MARK "$?"; printf '%s' MARK >&2
//
// where MARK is random and new for every command: what comes before the
// mark on each stream is the command's, and the number after it on stdout
// is its exit status. LINE is always a single quoted /bin/sh -c word (or
// a become wrapper of one), so it cannot change the shell itself.
type shell struct {
	session *ssh.Session
	stdin   io.WriteCloser
	release func() // gives back the session slot

	mu     sync.Mutex
	cur    *shellCmd // the running command, nil between commands
	closed bool
	err    error         // why the shell ended
	ended  chan struct{} // closed when both streams ended
}

// shellCmd is one command running in a shell.
type shellCmd struct {
	mark           []byte
	stdout, stderr io.Writer
	outDone        bool
	errDone        bool
	code           int
	done           chan struct{} // closed when both marks were read
}

// newShell starts /bin/sh in s. release is called once the shell is
// closed.
func newShell(s *ssh.Session, release func()) (*shell, error) {
	stdin, err := s.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := s.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.Start("/bin/sh"); err != nil {
		return nil, err
	}
	sh := &shell{session: s, stdin: stdin, release: release, ended: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); sh.read(stdout, false) }()
	go func() { defer wg.Done(); sh.read(stderr, true) }()
	go func() {
		wg.Wait()
		err := s.Wait()
		sh.mu.Lock()
		if sh.err == nil {
			sh.err = err
			if sh.err == nil {
				sh.err = io.EOF
			}
		}
		cur := sh.cur
		sh.mu.Unlock()
		close(sh.ended)
		if cur != nil {
			select {
			case <-cur.done:
			default:
				close(cur.done)
			}
		}
		sh.close()
	}()
	return sh, nil
}

// read demultiplexes one stream of the shell into the running command's
// writer until the command's mark.
func (sh *shell) read(r io.Reader, isErr bool) {
	buf := make([]byte, 32*1024)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			pending = sh.consume(pending, isErr)
		}
		if err != nil {
			return
		}
	}
}

// consume hands what it can of pending to the running command and returns
// what must wait for more input (a possible start of the mark, or a mark
// without its exit status yet).
func (sh *shell) consume(pending []byte, isErr bool) []byte {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for len(pending) > 0 {
		c := sh.cur
		if c == nil || (isErr && c.errDone) || (!isErr && c.outDone) {
			// Output between commands: a background process of an
			// earlier command, or the login shell's own chatter.
			return pending[:0]
		}
		w := c.stdout
		if isErr {
			w = c.stderr
		}
		i := bytes.Index(pending, c.mark)
		if i < 0 {
			keep := markPrefixAtEnd(pending, c.mark)
			_, _ = w.Write(pending[:len(pending)-keep])
			return append(pending[:0], pending[len(pending)-keep:]...)
		}
		if i > 0 {
			_, _ = w.Write(pending[:i])
		}
		rest := pending[i+len(c.mark):]
		if isErr {
			c.errDone = true
		} else {
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				return append(pending[:0], pending[i:]...) // wait for the status
			}
			code, err := strconv.Atoi(string(bytes.TrimSpace(rest[:nl])))
			if err != nil {
				code = -1
			}
			c.code, c.outDone = code, true
			rest = rest[nl+1:]
		}
		if c.outDone && c.errDone {
			sh.cur = nil
			close(c.done)
		}
		pending = append(pending[:0], rest...)
	}
	return pending
}

// markPrefixAtEnd is the length of the longest end of b that is a proper
// start of mark: bytes that may be the beginning of the mark.
func markPrefixAtEnd(b, mark []byte) int {
	n := len(mark) - 1
	if n > len(b) {
		n = len(b)
	}
	for ; n > 0; n-- {
		if bytes.HasSuffix(b, mark[:n]) {
			return n
		}
	}
	return 0
}

// errShellBusy is a programming error: one command at a time per shell.
var errShellBusy = errors.New("shell is running another command")

// start runs line in the shell, its output going to stdout and stderr.
// The returned proc takes no input: its stdin accepts only Close.
func (sh *shell) start(line string, stdout, stderr io.Writer) (*proc, error) {
	c := &shellCmd{mark: []byte("OMEPROV-END-" + randomID()), stdout: stdout, stderr: stderr, done: make(chan struct{})}
	sh.mu.Lock()
	if sh.closed || sh.err != nil {
		err := sh.err
		sh.mu.Unlock()
		if err == nil {
			err = errClosed
		}
		return nil, err
	}
	if sh.cur != nil {
		sh.mu.Unlock()
		return nil, errShellBusy
	}
	sh.cur = c
	sh.mu.Unlock()
	m := string(c.mark)
	script := line + " </dev/null; printf '%s %d\\n' " + m + ` "$?"; printf '%s' ` + m + " >&2\n"
	if _, err := io.WriteString(sh.stdin, script); err != nil {
		sh.close()
		return nil, fmt.Errorf("shell: %w", err)
	}
	return &proc{
		stdin: noInput{},
		wait: func() (int, error) {
			<-c.done
			sh.mu.Lock()
			defer sh.mu.Unlock()
			if !c.outDone || !c.errDone {
				return 0, sh.err
			}
			return c.code, nil
		},
		kill: func() {
			// The command cannot be told apart from the shell: the shell
			// goes, and with it the session.
			_ = sh.session.Signal(ssh.SIGKILL)
			sh.close()
		},
	}, nil
}

// idle reports whether the shell can take another command.
func (sh *shell) idle() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return !sh.closed && sh.err == nil && sh.cur == nil
}

// close ends the shell's session and gives back its slot.
func (sh *shell) close() {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return
	}
	sh.closed = true
	if sh.err == nil {
		sh.err = errClosed
	}
	sh.mu.Unlock()
	_ = sh.stdin.Close()
	_ = sh.session.Close()
	sh.release()
}

// noInput is the stdin of a command run in a shell: there is none.
type noInput struct{}

func (noInput) Write([]byte) (int, error) {
	return 0, errors.New("a command run in a shell takes no input")
}
func (noInput) Close() error { return nil }

// shellPool keeps the idle shells of one connection.
type shellPool struct {
	idle chan *shell
}

// maxIdleShells is how many idle shells a connection keeps; each holds one
// of sshd's sessions.
const maxIdleShells = 2

func newShellPool() shellPool { return shellPool{idle: make(chan *shell, maxIdleShells)} }

// get returns an idle shell, or nil.
func (p shellPool) get() *shell {
	for {
		select {
		case sh := <-p.idle:
			if sh.idle() {
				return sh
			}
			sh.close()
		default:
			return nil
		}
	}
}

// put keeps sh for the next command, or closes it when enough are kept.
func (p shellPool) put(sh *shell) {
	if !sh.idle() {
		sh.close()
		return
	}
	select {
	case p.idle <- sh:
	default:
		sh.close()
	}
}

// drain closes every idle shell.
func (p shellPool) drain() {
	for {
		select {
		case sh := <-p.idle:
			sh.close()
		default:
			return
		}
	}
}
