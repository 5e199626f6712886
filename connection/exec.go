package connection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// proc is a command started on a host.
type proc struct {
	stdin io.WriteCloser
	// wait waits for the command and returns its exit status; the error is
	// for a failure to learn it (connection lost).
	wait func() (int, error)
	// kill ends the command early; wait then returns.
	kill func()
}

// starter starts line with /bin/sh on a host, its output going to stdout
// and stderr (which the starter never shares between the two streams).
// With tty the command gets a terminal; stdout then carries both streams.
type starter func(ctx context.Context, line string, tty bool, stdout, stderr io.Writer) (*proc, error)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// withEnv prefixes cmd with export statements for env, sorted by name.
func withEnv(cmd string, env map[string]string) (string, error) {
	if len(env) == 0 {
		return cmd, nil
	}
	names := make([]string, 0, len(env))
	for k := range env {
		if !envName.MatchString(k) {
			return "", fmt.Errorf("environment variable name %q is not valid", k)
		}
		if strings.IndexByte(env[k], 0) >= 0 {
			return "", fmt.Errorf("environment variable %s holds a NUL byte", k)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("export")
	for _, k := range names {
		b.WriteString(" " + k + "=" + Quote(env[k]))
	}
	b.WriteString("; " + cmd)
	return b.String(), nil
}

// shellLine is the command line that runs inner with /bin/sh whatever the
// login shell is.
func shellLine(inner string) string { return "/bin/sh -c " + Quote(inner) }

// execHost is what running a command needs from a connection.
type execHost interface {
	start(ctx context.Context, line string, tty bool, stdout, stderr io.Writer) (*proc, error)
	// startNoStdin starts line for a command that reads no input and
	// needs no terminal; its stdin is closed at once. A connection may
	// run such commands more cheaply (see shell).
	startNoStdin(ctx context.Context, line string, stdout, stderr io.Writer) (*proc, error)
	// becomeTimeout is how long the become tool may take to start the
	// command (Ansible: the connection timeout plus 2 seconds).
	becomeTimeout() time.Duration
	// probes holds what was learnt about the host.
	probes() *probeCache
}

// noStdinStarter starts commands through h.startNoStdin: for commands that
// are never written to and need no terminal.
func noStdinStarter(h execHost) starter {
	return func(ctx context.Context, line string, _ bool, stdout, stderr io.Writer) (*proc, error) {
		return h.startNoStdin(ctx, line, stdout, stderr)
	}
}

// run runs cmd on h as Exec specifies: environment, become, stdin and exit
// status.
func run(ctx context.Context, h execHost, cmd string, opts *ExecOptions) (*Result, error) {
	if opts == nil {
		opts = &ExecOptions{}
	}
	if strings.IndexByte(cmd, 0) >= 0 {
		return nil, errors.New("command line holds a NUL byte, which no shell can take")
	}
	inner, err := withEnv(cmd, opts.Env)
	if err != nil {
		return nil, err
	}
	if opts.Become == nil {
		var stdout, stderr bytes.Buffer
		start := h.start
		if opts.Stdin == nil {
			start = noStdinStarter(h)
		}
		p, err := start(ctx, shellLine(inner), false, &stdout, &stderr)
		if err != nil {
			return nil, err
		}
		go feed(p.stdin, opts.Stdin)
		code, err := waitCtx(ctx, p)
		if err != nil {
			return nil, err
		}
		return &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), ExitCode: code}, nil
	}
	sudo := opts.Become.Method == "" || opts.Become.Method == "sudo"
	tty := needsTTY(opts.Become) || sudo && h.probes().sudoTTY.Load()
	res, err := runBecomeTTY(ctx, h, inner, opts.Become, opts.Stdin, tty)
	var be *BecomeError
	if !tty && sudo && errors.As(err, &be) && strings.Contains(be.Msg, "must have a tty") {
		// sudoers says requiretty: from now on sudo runs on a terminal on
		// this host, as it does under Ansible (ssh -tt).
		h.probes().sudoTTY.Store(true)
		return runBecomeTTY(ctx, h, inner, opts.Become, opts.Stdin, true)
	}
	return res, err
}

// runBecomeTTY runs inner as b says, on a terminal when tty is set.
func runBecomeTTY(ctx context.Context, h execHost, inner string, b *Become, stdin io.Reader, tty bool) (*Result, error) {
	if tty {
		// A terminal would mangle stdin and never end it: the command
		// reads stdin from a file instead.
		var cleanup func()
		var err error
		inner, cleanup, err = stdinFromFile(h, inner, stdin, b)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		stdin = nil
	}
	bc, err := wrapBecome(b, inner)
	if err != nil {
		return nil, err
	}
	bc.tty = tty
	start := h.start
	if !tty && stdin == nil && bc.password == "" {
		// Nothing is ever written to the command: no password, no input.
		start = noStdinStarter(h)
	}
	return runBecome(ctx, start, bc, stdin, h.becomeTimeout())
}

// stdinFromFile redirects inner's stdin from /dev/null, or from a private
// temporary file holding stdin, readable by the become user.
func stdinFromFile(h execHost, inner string, stdin io.Reader, b *Become) (string, func(), error) {
	noop := func() {}
	if stdin == nil {
		return "{\n" + inner + "\n} </dev/null", noop, nil
	}
	fh, ok := h.(fileHost)
	if !ok {
		return "", noop, errors.New("cannot pass stdin through a become terminal on this connection")
	}
	fsys, err := fh.fileSystem()
	if err != nil {
		return "", noop, fmt.Errorf("stdin through a become terminal needs SFTP: %w", err)
	}
	dir, err := fsys.mkdirTemp()
	if err != nil {
		return "", noop, fmt.Errorf("stdin: %w", err)
	}
	cleanup := func() { _ = fsys.removeAll(dir) }
	path := dir + "/" + randomID()[:24] // unguessable: see putBecome
	if err := writeFile(fsys, path, stdin); err != nil {
		cleanup()
		return "", noop, fmt.Errorf("stdin: %w", err)
	}
	if b.User != "root" && b.User != "" && b.User != fh.login() {
		// The become user must read it; the file name is unguessable and
		// the directory cannot be listed.
		if err := fsys.chmod(dir, 0o711); err != nil {
			cleanup()
			return "", noop, err
		}
		if err := fsys.chmod(path, 0o644); err != nil {
			cleanup()
			return "", noop, err
		}
	}
	return "{\n" + inner + "\n} <" + Quote(path), cleanup, nil
}

// feed copies r (if any) to w and closes w.
func feed(w io.WriteCloser, r io.Reader) {
	if r != nil {
		_, _ = io.Copy(w, r)
	}
	_ = w.Close()
}

// waitCtx waits for p, killing it when ctx ends first.
func waitCtx(ctx context.Context, p *proc) (int, error) {
	type res struct {
		code int
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := p.wait()
		ch <- res{c, err}
	}()
	select {
	case r := <-ch:
		return r.code, r.err
	case <-ctx.Done():
		p.kill()
		// A killed command's children may still hold its output open;
		// do not wait for them long.
		select {
		case <-ch:
		case <-time.After(2 * time.Second):
		}
		return 0, ctx.Err()
	}
}

// becomeRun drives one become command: it answers the password prompt,
// notices the success marker, and only then lets stdin through.
type becomeRun struct {
	bc *becomeCmd

	mu        sync.Mutex
	stdout    bytes.Buffer
	stderr    bytes.Buffer
	prompts   int
	marker    bool
	markerEnd int           // offset in stdout just after the marker line
	started   chan struct{} // closed when the marker was seen
	abort     chan struct{} // closed when the become failed
	aborted   bool
	timedOut  time.Duration // the become timeout passed without the marker
	answer    chan struct{} // a password is to be written
	scanOut   int           // stdout offset from which to look for a su prompt
	scanErr   int           // stderr offset from which to look for a sudo prompt
}

type streamWriter struct {
	r   *becomeRun
	err bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.r.write(p, w.err)
	return len(p), nil
}

func (r *becomeRun) write(p []byte, isErr bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if isErr {
		r.stderr.Write(p)
		r.scanPrompts(r.stderr.Bytes(), &r.scanErr, true)
		return
	}
	r.stdout.Write(p)
	if r.marker {
		return
	}
	out := r.stdout.Bytes()
	if i := bytes.Index(out, []byte(r.bc.marker)); i >= 0 {
		end := i + len(r.bc.marker)
		if end < len(out) && out[end] == '\r' {
			end++
		}
		if end >= len(out) {
			return // wait for the newline
		}
		if out[end] == '\n' {
			end++
		}
		r.marker, r.markerEnd = true, end
		close(r.started)
		return
	}
	if r.bc.tty {
		// On a terminal the prompts come with the output.
		r.scanPrompts(out, &r.scanOut, false)
	}
}

// scanPrompts looks for password prompts in buf from *off on; r.mu is held.
// crossStream says buf is stderr, read apart from stdout, where the marker
// shows up.
func (r *becomeRun) scanPrompts(buf []byte, off *int, crossStream bool) {
	if r.bc.prompt != "" {
		// Our own unique prompt: it can only come from the become tool.
		for {
			i := bytes.Index(buf[*off:], []byte(r.bc.prompt))
			if i < 0 {
				return
			}
			*off += i + len(r.bc.prompt)
			r.promptSeen()
		}
	}
	if r.marker {
		return
	}
	re := r.bc.errPromptRe
	if !crossStream && r.bc.promptRe != nil {
		re = r.bc.promptRe
	}
	if re == nil {
		return
	}
	loc := re.FindIndex(buf[*off:])
	if loc == nil {
		return
	}
	*off += loc[1]
	if !crossStream {
		r.promptSeen()
		return
	}
	// A prompt on stderr with no password to give. stdout and stderr are
	// read apart: give the marker a moment in case this was the command's
	// own output after it.
	r.prompts++
	time.AfterFunc(200*time.Millisecond, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.marker {
			r.fail()
		}
	})
}

// promptSeen reacts to a password prompt; r.mu is held.
func (r *becomeRun) promptSeen() {
	r.prompts++
	if r.bc.password == "" || r.prompts > 1 {
		r.fail()
		return
	}
	select {
	case r.answer <- struct{}{}:
	default:
	}
}

func (r *becomeRun) fail() {
	if !r.aborted {
		r.aborted = true
		close(r.abort)
	}
}

func runBecome(ctx context.Context, start starter, bc *becomeCmd, stdin io.Reader, timeout time.Duration) (*Result, error) {
	r := &becomeRun{bc: bc, started: make(chan struct{}), abort: make(chan struct{}), answer: make(chan struct{}, 1)}
	p, err := start(ctx, shellLine(bc.line), bc.tty, streamWriter{r, false}, streamWriter{r, true})
	if err != nil {
		return nil, err
	}
	if timeout > 0 {
		timer := time.AfterFunc(timeout, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if !r.marker && !r.aborted {
				r.timedOut = timeout
				r.fail()
			}
		})
		defer timer.Stop()
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Only this goroutine writes to stdin: the password on the prompt,
		// then stdin once the become tool has started the command.
		for {
			select {
			case <-r.answer:
				if _, err := io.WriteString(p.stdin, bc.password+"\n"); err != nil {
					return
				}
			case <-r.started:
				feed(p.stdin, stdin)
				return
			case <-r.abort:
				_ = p.stdin.Close()
				p.kill()
				return
			case <-done:
				return
			}
		}
	}()
	code, err := waitCtx(ctx, p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.marker {
		// The marker may have been the very last output, without newline.
		if i := bytes.Index(r.stdout.Bytes(), []byte(bc.marker)); i >= 0 && !r.aborted {
			r.marker, r.markerEnd = true, len(r.stdout.Bytes())
		}
	}
	if !r.marker {
		if ctxErr := ctx.Err(); ctxErr != nil && !r.aborted {
			return nil, ctxErr
		}
		if r.timedOut > 0 {
			// Ansible's words, with what the become tool said so far.
			said := strings.TrimSpace(string(r.stdout.Bytes()) + string(r.stderr.Bytes()))
			if bc.prompt != "" {
				said = strings.TrimSpace(strings.ReplaceAll(said, bc.prompt, ""))
			}
			return nil, &BecomeError{Method: bc.method, Msg: fmt.Sprintf("Timeout (%ds) waiting for privilege escalation prompt: %s", int(r.timedOut.Seconds()), said)}
		}
		return nil, bc.failure(r.stdout.Bytes(), r.stderr.Bytes(), r.prompts)
	}
	if err != nil {
		return nil, err
	}
	stderr := r.stderr.Bytes()
	if bc.prompt != "" {
		// What sudo wrote up to its last prompt (a lecture, say) is not the
		// command's.
		stderr = bytes.ReplaceAll(stderr[r.scanErr:], []byte(bc.prompt), nil)
	}
	out := r.stdout.Bytes()[r.markerEnd:]
	return &Result{Stdout: append([]byte(nil), out...), Stderr: append([]byte(nil), stderr...), ExitCode: code}, nil
}

// errClosed is returned by operations on a closed connection.
var errClosed = errors.New("connection closed")
