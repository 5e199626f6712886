// Package modtest provides a scripted fake connection for testing modules
// without a host: each expected command is matched in order or by pattern,
// and answered with recorded output.
package modtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
)

// Reply is a scripted answer to one command.
type Reply struct {
	Match    string // a regular expression matched against the command line
	Stdout   string
	Stderr   string
	ExitCode int
	Err      error // a transport error instead of a result
	// Times is how often the reply may be used; 0 means any number.
	Times int
	used  int
}

// Call is one command the fake received.
type Call struct {
	Cmd    string
	Stdin  string
	Become *connection.Become
	Env    map[string]string
}

// Conn is a fake connection.Connection. Commands are answered by the first
// Reply whose Match matches and that is not used up; a command that
// matches nothing fails the call with an error naming it.
type Conn struct {
	mu      sync.Mutex
	Replies []*Reply
	Calls   []Call
	Files   map[string][]byte // what PutFile wrote, and what GetFile reads
}

// New returns a fake answering with replies.
func New(replies ...*Reply) *Conn {
	return &Conn{Replies: replies, Files: map[string][]byte{}}
}

// Exec answers cmd from the script.
func (c *Conn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	call := Call{Cmd: cmd}
	if opts != nil {
		call.Become, call.Env = opts.Become, opts.Env
		if opts.Stdin != nil {
			b, _ := io.ReadAll(opts.Stdin)
			call.Stdin = string(b)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Calls = append(c.Calls, call)
	for _, r := range c.Replies {
		if r.Times > 0 && r.used >= r.Times {
			continue
		}
		if ok, _ := regexp.MatchString(r.Match, cmd); !ok {
			continue
		}
		r.used++
		if r.Err != nil {
			return nil, r.Err
		}
		return &connection.Result{Stdout: []byte(r.Stdout), Stderr: []byte(r.Stderr), ExitCode: r.ExitCode}, nil
	}
	return nil, fmt.Errorf("modtest: unexpected command: %s", cmd)
}

// PutFile records the file.
func (c *Conn) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Files[path] = b.Bytes()
	return nil
}

// GetFile returns a file recorded in Files.
func (c *Conn) GetFile(ctx context.Context, path string, become *connection.Become) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.Files[path]
	if !ok {
		return nil, fmt.Errorf("modtest: no file %s", path)
	}
	return b, nil
}

// Close does nothing.
func (c *Conn) Close() error { return nil }

// Commands lists the command lines received, in order.
func (c *Conn) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.Calls))
	for i, call := range c.Calls {
		out[i] = call.Cmd
	}
	return out
}

// Task builds a modules.Task on the fake with args.
func Task(c *Conn, module string, args map[string]any) *modules.Task {
	return &modules.Task{Name: module, Module: module, Args: args, Conn: c, Host: "testhost", Ctl: &Controller{}}
}

// Controller is a minimal modules.Controller for tests: Template returns
// values unchanged, Vars come from a map, FindFile looks in Dir.
type Controller struct {
	VarMap    map[string]any
	FactMap   map[string]any
	Dir       string
	Template_ func(v any) (any, error)
	Cond      func(expr string) (bool, error)
	// Render renders templates for RenderTemplate when set.
	Render func(path string, opts map[string]any) (string, error)
	// ReconnectConn is what Reconnect returns.
	ReconnectConn connection.Connection
}

// Template renders with Template_ when set, else returns v.
func (c *Controller) Template(v any) (any, error) {
	if c.Template_ != nil {
		return c.Template_(v)
	}
	return v, nil
}

// Conditional uses Cond when set.
func (c *Controller) Conditional(expr string) (bool, error) {
	if c.Cond != nil {
		return c.Cond(expr)
	}
	return false, fmt.Errorf("modtest: no conditional evaluator for %q", expr)
}

// Var reads VarMap.
func (c *Controller) Var(name string) (any, bool, error) {
	v, ok := c.VarMap[name]
	return v, ok, nil
}

// FindFile joins Dir and name (absolute names are kept).
func (c *Controller) FindFile(kind, name string) (string, error) {
	if len(name) > 0 && name[0] == '/' {
		return name, nil
	}
	return c.Dir + "/" + name, nil
}

// Facts returns FactMap.
func (c *Controller) Facts(ctx context.Context) (map[string]any, error) { return c.FactMap, nil }

// RenderTemplate returns the template file's content unrendered, or what
// Render returns when it is set.
func (c *Controller) RenderTemplate(path string, opts map[string]any) (string, error) {
	if c.Render != nil {
		return c.Render(path, opts)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("modtest: template: %w", err)
	}
	return string(b), nil
}

// Reconnect returns ReconnectConn when set, else an error.
func (c *Controller) Reconnect(ctx context.Context) (connection.Connection, error) {
	if c.ReconnectConn != nil {
		return c.ReconnectConn, nil
	}
	return nil, fmt.Errorf("modtest: no connection to reconnect to")
}
