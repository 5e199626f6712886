package connection

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// maxSessions is how many commands run at once on one SSH connection.
// OpenSSH's sshd allows 10 sessions per connection (MaxSessions); one is
// kept for SFTP.
const maxSessions = 9

// sshConn is a Connection over one SSH client connection.
type sshConn struct {
	name      string // host as asked for, for messages
	loginUser string
	client    *ssh.Client
	jumps     []*ssh.Client // jump host connections, outermost first
	sem       chan struct{}
	done      chan struct{} // closed by Close
	dead      chan struct{} // closed when the connection ended
	closeOnce sync.Once

	sftpMu  sync.Mutex
	sftp    *sftp.Client
	sftpErr error

	shells shellPool // idle shells for commands without input

	probe   probeCache
	timeout time.Duration // become timeout: connect timeout + 2 s
}

// DialSSH opens an SSH connection to p.Host as Params describe it. A
// failure to reach or log in to the host is an *UnreachableError.
func DialSSH(ctx context.Context, p Params) (Connection, error) {
	t, cfg, _, err := resolveTarget(p)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	a := newAuth()
	defer a.close()

	var via *ssh.Client
	var jumps []*ssh.Client
	fail := func(err error) (Connection, error) {
		for i := len(jumps) - 1; i >= 0; i-- {
			_ = jumps[i].Close()
		}
		return nil, &UnreachableError{Host: p.Host, Err: err}
	}
	for _, spec := range t.proxyJump {
		jt, err := jumpTarget(spec, cfg)
		if err != nil {
			return fail(err)
		}
		jt.keyFiles = append(append([]string{}, p.PrivateKeyFiles...), jt.keyFiles...)
		jt.checkKeys, jt.acceptNew, jt.knownHosts = t.checkKeys, t.acceptNew, t.knownHosts
		jt.timeout, jt.keepalive = t.timeout, t.keepalive
		c, err := connectHop(ctx, via, jt, a, "")
		if err != nil {
			return fail(err)
		}
		jumps = append(jumps, c)
		via = c
	}
	client, err := connectHop(ctx, via, t, a, p.Password)
	if err != nil {
		return fail(err)
	}
	c := &sshConn{
		name: p.Host, loginUser: t.user, client: client, jumps: jumps,
		sem: make(chan struct{}, maxSessions), done: make(chan struct{}), dead: make(chan struct{}),
		timeout: t.timeout + 2*time.Second, shells: newShellPool(),
	}
	go func() {
		_ = client.Wait()
		close(c.dead)
	}()
	go c.keepalive(t.keepalive)
	return c, nil
}

// connectHop opens one SSH client connection to t, directly or through via.
func connectHop(ctx context.Context, via *ssh.Client, t *sshTarget, a *auth, password string) (*ssh.Client, error) {
	addr := net.JoinHostPort(t.hostname, strconv.Itoa(t.port))
	hk, err := newHostKeys(t)
	if err != nil {
		return nil, err
	}
	methods, tried := a.methods(t, password)
	cfg := &ssh.ClientConfig{
		User:            t.user,
		Auth:            methods,
		HostKeyCallback: hk.callback,
		Timeout:         t.timeout,
	}
	// Host keys are looked up as [host]:port, or under HostKeyAlias.
	keyAddr := addr
	if t.hostKeyAlias != "" {
		keyAddr = net.JoinHostPort(t.hostKeyAlias, "22")
	}
	if algos := hk.algorithms(keyAddr); len(algos) > 0 {
		cfg.HostKeyAlgorithms = algos
	}
	dctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var conn net.Conn
	switch {
	case via == nil && t.proxyCmd != "":
		conn, err = dialCommand(t.proxyCmd, t.hostname, t.port)
		if err != nil {
			return nil, err
		}
	case via == nil:
		conn, err = (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	default:
		conn, err = via.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return nil, dialError(t, err, via != nil)
	}
	// The handshake must finish within the connect timeout too.
	deadline := time.Now().Add(t.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, keyAddr, cfg)
	stop()
	if err != nil {
		_ = conn.Close()
		if hk.err != nil {
			return nil, hk.err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh: connect to host %s port %d: %w", t.hostname, t.port, ctx.Err())
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			msg := fmt.Sprintf("%s@%s: Permission denied (%s).", t.user, t.hostname, strings.Join(tried, ","))
			for _, w := range a.warnings {
				msg += " " + w + "."
			}
			return nil, errors.New(msg)
		}
		if os.IsTimeout(err) || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("Connection timed out during banner exchange with %s port %d", t.hostname, t.port)
		}
		return nil, fmt.Errorf("ssh: handshake with %s port %d: %w", t.hostname, t.port, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// dialError words a TCP connect failure as OpenSSH does.
func dialError(t *sshTarget, err error, viaJump bool) error {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("ssh: Could not resolve hostname %s: Name or service not known", t.hostname)
	}
	reason := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "Connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		reason = "No route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		reason = "Network is unreachable"
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		reason = "Connection timed out"
	case viaJump:
		reason = "channel open failed: " + reason
	}
	return fmt.Errorf("ssh: connect to host %s port %d: %s", t.hostname, t.port, reason)
}

// auth gathers client credentials: ssh-agents and key files.
type auth struct {
	agents   map[string]agent.ExtendedAgent // by socket path; nil when unreachable
	conns    []net.Conn
	files    map[string]ssh.Signer // parsed key files by path
	warnings []string
	warned   map[string]bool
}

func newAuth() *auth {
	return &auth{agents: map[string]agent.ExtendedAgent{}, files: map[string]ssh.Signer{}, warned: map[string]bool{}}
}

// agent returns the ssh-agent at sock, connecting once.
func (a *auth) agent(sock string) agent.ExtendedAgent {
	if sock == "" {
		return nil
	}
	if ag, ok := a.agents[sock]; ok {
		return ag
	}
	a.agents[sock] = nil
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return nil
	}
	a.conns = append(a.conns, c)
	a.agents[sock] = agent.NewClient(c)
	return a.agents[sock]
}

func (a *auth) close() {
	for _, c := range a.conns {
		_ = c.Close()
	}
}

func (a *auth) warn(s string) {
	if !a.warned[s] {
		a.warned[s] = true
		a.warnings = append(a.warnings, s)
	}
}

// load reads a private key file. Problems with files asked for by name
// are remembered and reported if authentication fails.
func (a *auth) load(path string, asked bool) ssh.Signer {
	if s, ok := a.files[path]; ok {
		return s
	}
	a.files[path] = nil
	data, err := os.ReadFile(path)
	if err != nil {
		if asked {
			a.warn(fmt.Sprintf("Identity file %s not accessible: %v", path, errors.Unwrap(err)))
		}
		return nil
	}
	s, err := ssh.ParsePrivateKey(data)
	var pm *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pm):
		a.warn(fmt.Sprintf("Private key %s is encrypted with a passphrase, which omeprov cannot ask for: load it into ssh-agent with ssh-add", path))
		return nil
	case err != nil:
		if asked {
			a.warn(fmt.Sprintf("Private key %s cannot be read: %v", path, err))
		}
		return nil
	}
	a.files[path] = s
	return s
}

// methods returns the authentication methods for t and their names.
func (a *auth) methods(t *sshTarget, password string) ([]ssh.AuthMethod, []string) {
	var signers []ssh.Signer
	seen := map[[32]byte]bool{}
	add := func(s ssh.Signer) {
		if s == nil {
			return
		}
		k := sha256.Sum256(s.PublicKey().Marshal())
		if !seen[k] {
			seen[k] = true
			signers = append(signers, s)
		}
	}
	for _, f := range t.keyFiles {
		add(a.load(f, true))
	}
	// IdentitiesOnly: only the named key files (agent keys for them are
	// still used, as by ssh, but with files on disk they are not needed).
	only := t.identitiesOnly && len(t.keyFiles) > 0
	if ag := a.agent(t.agentSock); ag != nil && !only {
		if ss, err := ag.Signers(); err == nil {
			for _, s := range ss {
				add(s)
			}
		}
	}
	if !only {
		for _, f := range t.extraKeys {
			add(a.load(f, false))
		}
	}
	var methods []ssh.AuthMethod
	var names []string
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
		names = append(names, "publickey")
	}
	if password != "" {
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					if !echos[i] {
						answers[i] = password
					}
				}
				return answers, nil
			}))
		names = append(names, "password", "keyboard-interactive")
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	return methods, names
}

// hostKeys checks server host keys against known_hosts files.
type hostKeys struct {
	t     *sshTarget
	db    *knownhosts.HostKeyDB
	files []string
	err   error // why the last key was refused
}

func newHostKeys(t *sshTarget) (*hostKeys, error) {
	h := &hostKeys{t: t}
	if !t.checkKeys {
		return h, nil
	}
	for _, f := range t.knownHosts {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			h.files = append(h.files, f)
		}
	}
	if len(h.files) > 0 {
		db, err := knownhosts.NewDB(h.files...)
		if err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
		h.db = db
	}
	return h, nil
}

func (h *hostKeys) algorithms(addr string) []string {
	if h.db == nil {
		return nil
	}
	return h.db.HostKeyAlgorithms(addr)
}

func (h *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if !h.t.checkKeys {
		return nil
	}
	var err error
	if h.db == nil {
		err = unknownHost
	} else {
		err = h.db.HostKeyCallback()(hostname, remote, key)
	}
	if err == nil {
		return nil
	}
	files := strings.Join(h.t.knownHosts, ", ")
	switch {
	case knownhosts.IsHostKeyChanged(err):
		h.err = fmt.Errorf("Host key verification failed. REMOTE HOST IDENTIFICATION HAS CHANGED: the %s key sent by %s (%s) does not match the one in %s. If the change is expected, remove the old key with: ssh-keygen -R %s",
			key.Type(), knownHostsName(h.t), ssh.FingerprintSHA256(key), files, Quote(knownHostsName(h.t)))
	case err == unknownHost || knownhosts.IsHostUnknown(err):
		if h.t.acceptNew {
			return nil
		}
		h.err = fmt.Errorf("Host key verification failed. No host key for %s is known in %s (the host offers %s %s). Add it with: ssh-keyscan -p %d %s >> %s (after checking the fingerprint), or set host_key_checking = False",
			knownHostsName(h.t), files, key.Type(), ssh.FingerprintSHA256(key), h.t.port, h.t.hostname, firstOr(h.t.knownHosts, "~/.ssh/known_hosts"))
	default:
		h.err = fmt.Errorf("Host key verification failed. %w", err)
	}
	return h.err
}

var unknownHost = errors.New("host unknown")

func knownHostsName(t *sshTarget) string {
	if t.hostKeyAlias != "" {
		return t.hostKeyAlias
	}
	if t.port == 22 {
		return t.hostname
	}
	return "[" + t.hostname + "]:" + strconv.Itoa(t.port)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// keepalive asks the server for a reply every interval and closes the
// connection when three intervals pass without one (ServerAliveCountMax).
func (c *sshConn) keepalive(interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.dead:
			return
		case <-tick.C:
		}
		replied := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			replied <- err
		}()
		select {
		case err := <-replied:
			if err != nil {
				_ = c.client.Close()
				return
			}
		case <-time.After(3 * interval):
			_ = c.client.Close()
			return
		case <-c.done:
			return
		}
	}
}

// lost wraps an error of a connection that has gone away.
func (c *sshConn) lost(err error) error {
	select {
	case <-c.done:
		return fmt.Errorf("ssh: %w", errClosed)
	default:
	}
	return &UnreachableError{Host: c.name, Err: fmt.Errorf("Shared connection to %s closed: %w", c.name, err)}
}

func (c *sshConn) start(ctx context.Context, line string, tty bool, stdout, stderr io.Writer) (*proc, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, fmt.Errorf("ssh: %w", errClosed)
	case <-c.dead:
		return nil, c.lost(io.EOF)
	}
	s, release, err := c.slotSession(ctx)
	if err != nil {
		return nil, err
	}
	if tty {
		modes := ssh.TerminalModes{ssh.ECHO: 0, ssh.ICANON: 0, ssh.ISIG: 0, ssh.IEXTEN: 0,
			ssh.OPOST: 0, ssh.ICRNL: 0, ssh.IXON: 0, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
		if err := s.RequestPty("xterm", 24, 200, modes); err != nil {
			_ = s.Close()
			release()
			return nil, fmt.Errorf("ssh: request a terminal: %w", err)
		}
	}
	s.Stdout, s.Stderr = stdout, stderr
	stdin, err := s.StdinPipe()
	if err != nil {
		_ = s.Close()
		release()
		return nil, fmt.Errorf("ssh: %w", err)
	}
	if err := s.Start(line); err != nil {
		_ = s.Close()
		release()
		return nil, c.lost(err)
	}
	return &proc{
		stdin: stdin,
		wait: func() (int, error) {
			err := s.Wait()
			_ = s.Close()
			release()
			var ee *ssh.ExitError
			switch {
			case err == nil:
				return 0, nil
			case errors.As(err, &ee):
				return ee.ExitStatus(), nil
			}
			return 0, c.lost(err)
		},
		kill: func() {
			_ = s.Signal(ssh.SIGKILL)
			_ = s.Close()
		},
	}, nil
}

// startNoStdin runs line in one of the connection's shells: a command
// that reads no input costs a round trip instead of a new session. When
// no shell can be had, line gets a session of its own.
func (c *sshConn) startNoStdin(ctx context.Context, line string, stdout, stderr io.Writer) (*proc, error) {
	sh := c.shells.get()
	for sh == nil {
		select {
		case sh = <-c.shells.idle:
			if !sh.idle() {
				sh.close()
				sh = nil
			}
		case c.sem <- struct{}{}:
			s, release, err := c.slotSession(ctx)
			if err != nil {
				return nil, err
			}
			if sh, err = newShell(s, release); err != nil {
				_ = s.Close()
				release()
				return nil, c.lost(err)
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, fmt.Errorf("ssh: %w", errClosed)
		case <-c.dead:
			return nil, c.lost(io.EOF)
		}
	}
	p, err := sh.start(line, stdout, stderr)
	if err != nil {
		// A shell that ended while idle: this command gets a session.
		sh.close()
		return c.start(ctx, line, false, stdout, stderr)
	}
	wait := p.wait
	p.wait = func() (int, error) {
		code, err := wait()
		if err != nil {
			sh.close()
			var ee *ssh.ExitError
			if errors.As(err, &ee) {
				// The shell itself was ended (killed) on a live connection.
				return 0, fmt.Errorf("ssh: the shell running the command ended: %w", err)
			}
			return 0, c.lost(err)
		}
		c.shells.put(sh)
		return code, nil
	}
	return p, nil
}

// slotSession opens a session in the slot of c.sem just taken; release
// gives the slot back (once, however often it is called). On error the
// slot is already given back.
func (c *sshConn) slotSession(ctx context.Context) (*ssh.Session, func(), error) {
	var once sync.Once
	release := func() { once.Do(func() { <-c.sem }) }
	s, err := c.newSession(ctx)
	if err != nil {
		release()
		return nil, nil, err
	}
	return s, release, nil
}

// newSession opens a session. sshd frees a finished session a moment
// after its command ended, so a refusal for too many sessions is retried
// for a while.
func (c *sshConn) newSession(ctx context.Context) (*ssh.Session, error) {
	delay := 5 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := c.client.NewSession()
		if err == nil {
			return s, nil
		}
		var oe *ssh.OpenChannelError
		if !errors.As(err, &oe) || time.Now().After(deadline) {
			if oe != nil {
				return nil, fmt.Errorf("ssh: open session: %w", err)
			}
			return nil, c.lost(err)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, fmt.Errorf("ssh: %w", errClosed)
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// Exec runs cmd on the host in a new session on the shared connection.
func (c *sshConn) Exec(ctx context.Context, cmd string, opts *ExecOptions) (*Result, error) {
	return run(ctx, c, cmd, opts)
}

// PutFile writes r to path on the host; see Connection.
func (c *sshConn) PutFile(ctx context.Context, path string, r io.Reader, opts *FileOptions) error {
	return c.fileErr(putFile(ctx, c, path, r, opts))
}

// fileErr makes a file transfer that failed because the connection died
// report the host unreachable.
func (c *sshConn) fileErr(err error) error {
	if err == nil {
		return nil
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return err
	}
	select {
	case <-c.dead:
		return c.lost(err)
	default:
		return err
	}
}

// GetFile reads path on the host; see Connection.
func (c *sshConn) GetFile(ctx context.Context, path string, become *Become) ([]byte, error) {
	b, err := getFile(ctx, c, path, become)
	return b, c.fileErr(err)
}

// Close ends the SSH connection and the jump host connections under it.
func (c *sshConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.done)
		c.shells.drain()
		c.sftpMu.Lock()
		if c.sftp != nil {
			_ = c.sftp.Close()
		}
		c.sftpMu.Unlock()
		err = c.client.Close()
		for i := len(c.jumps) - 1; i >= 0; i-- {
			_ = c.jumps[i].Close()
		}
	})
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("ssh: close: %w", err)
	}
	return nil
}

// sftpClient opens the SFTP client once, on first use.
func (c *sshConn) sftpClient() (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	select {
	case <-c.done:
		return nil, fmt.Errorf("sftp: %w", errClosed)
	default:
	}
	if c.sftp != nil || c.sftpErr != nil {
		return c.sftp, c.sftpErr
	}
	// The session is opened like command sessions, retrying while sshd
	// frees finished ones; only a refused subsystem (no SFTP server) is
	// remembered, and files then go through the shell.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := c.newSession(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.StdinPipe()
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sftp: %w", err)
	}
	r, err := s.StdoutPipe()
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sftp: %w", err)
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		_ = s.Close()
		select {
		case <-c.dead:
			return nil, c.lost(err)
		default:
		}
		c.sftpErr = fmt.Errorf("sftp: %w", err)
		return nil, c.sftpErr
	}
	cl, err := sftp.NewClientPipe(r, w, sftp.UseConcurrentWrites(true))
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sftp: %w", err)
	}
	c.sftp = cl
	go func() {
		// A client that died (its session closed) is replaced on next use.
		_ = cl.Wait()
		c.sftpMu.Lock()
		if c.sftp == cl {
			c.sftp = nil
		}
		c.sftpMu.Unlock()
		_ = s.Close()
	}()
	return cl, nil
}

var _ Connection = (*sshConn)(nil)
