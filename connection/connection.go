// Package connection opens channels to managed hosts: SSH (the default)
// and local. A Connection runs POSIX shell command lines and moves files;
// it needs nothing on the host but sshd and /bin/sh.
//
// One Connection is opened per host and shared by every task of a run:
// SSH sessions are multiplexed on one TCP connection, and files travel over
// SFTP on that same connection.
package connection

import (
	"context"
	"io"
	"io/fs"
)

// Connection is an open channel to one host. It is safe for concurrent use.
type Connection interface {
	// Exec runs cmd with /bin/sh -c on the host and waits for it. A non-zero
	// exit status is not an error: it is reported in Result.ExitCode. The
	// error is for a failure to run at all (connection lost, become failed).
	Exec(ctx context.Context, cmd string, opts *ExecOptions) (*Result, error)

	// PutFile writes the content of r to path on the host atomically: to a
	// temporary file in the same directory, then renamed over path. An
	// existing path keeps its owner, group and mode (and SELinux context)
	// unless opts.Mode is set. With opts.Become the file is written as the
	// become user.
	PutFile(ctx context.Context, path string, r io.Reader, opts *FileOptions) error

	// GetFile reads the file at path on the host (as the become user when
	// become is not nil).
	GetFile(ctx context.Context, path string, become *Become) ([]byte, error)

	// Close ends the connection.
	Close() error
}

// Become says how a command is run as another user (Ansible's become).
type Become struct {
	Method   string // "sudo" (default) or "su"
	User     string // become_user; "root" when empty
	Password string // become password; never logged
	Flags    string // become_flags
}

// ExecOptions tunes one Exec.
type ExecOptions struct {
	Stdin  io.Reader
	Become *Become           // nil: run as the connecting user
	Env    map[string]string // exported before cmd runs
}

// Result is what a command gave back.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// FileOptions tunes one PutFile.
type FileOptions struct {
	Become *Become
	Mode   fs.FileMode // 0: keep the existing file's mode, or 0644 for a new one
}

// Params are the settings used to open a Connection, taken from the host's
// variables (ansible_host, ansible_port, ansible_user, ...), the play, the
// command line and ansible.cfg.
type Params struct {
	Type             string // ansible_connection: "ssh" (default), "local"
	Host             string // address or alias resolved through ~/.ssh/config
	Port             int    // 0: from ~/.ssh/config, else 22
	User             string
	Password         string // ansible_password / ansible_ssh_pass
	PrivateKeyFiles  []string
	HostKeyChecking  bool
	KnownHostsFile   string // "": ~/.ssh/known_hosts
	SSHConfigFile    string // "": ~/.ssh/config
	ConnectTimeout   int    // seconds; 0: 10
	ExtraSSHArgs     string // ansible_ssh_common_args etc.; ProxyJump honoured
	KeepaliveSeconds int    // 0: 30
}

// Dialer opens connections of one type.
type Dialer func(ctx context.Context, p Params) (Connection, error)

// UnreachableError marks a failure to reach or authenticate to a host;
// Ansible counts such hosts as unreachable, not failed.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return "Failed to connect to the host via ssh: " + e.Err.Error()
}
func (e *UnreachableError) Unwrap() error { return e.Err }
