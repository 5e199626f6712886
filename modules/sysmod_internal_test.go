package modules

// A scripted fake host for the internal tests of the system modules
// (modtest imports this package, so internal tests cannot use it).

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sync"

	"github.com/ome/omeprov/connection"
)

type fakeReply struct {
	Match    string
	Stdout   string
	Stderr   string
	ExitCode int
	Times    int
	used     int
}

type fakeHost struct {
	mu      sync.Mutex
	replies []*fakeReply
	cmds    []string
	stdin   []string
	files   map[string]string
}

func newFake(replies ...*fakeReply) *fakeHost {
	return &fakeHost{replies: replies, files: map[string]string{}}
}

func (f *fakeHost) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cmds = append(f.cmds, cmd)
	in := ""
	if opts != nil && opts.Stdin != nil {
		b, _ := io.ReadAll(opts.Stdin)
		in = string(b)
	}
	f.stdin = append(f.stdin, in)
	for _, r := range f.replies {
		if r.Times > 0 && r.used >= r.Times {
			continue
		}
		if regexp.MustCompile(r.Match).MatchString(cmd) {
			r.used++
			return &connection.Result{Stdout: []byte(r.Stdout), Stderr: []byte(r.Stderr), ExitCode: r.ExitCode}, nil
		}
	}
	return nil, fmt.Errorf("fake: unexpected command: %s", cmd)
}

func (f *fakeHost) PutFile(ctx context.Context, p string, r io.Reader, opts *connection.FileOptions) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[p] = string(b)
	return nil
}

func (f *fakeHost) GetFile(ctx context.Context, p string, become *connection.Become) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.files[p]
	if !ok {
		return nil, fmt.Errorf("fake: no file %s", p)
	}
	return []byte(s), nil
}

func (f *fakeHost) Close() error { return nil }

func (f *fakeHost) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cmds...)
}

// fakeCtl is a Controller with facts only.
type fakeCtl struct{ facts map[string]any }

func (c *fakeCtl) Template(v any) (any, error)                       { return v, nil }
func (c *fakeCtl) Conditional(expr string) (bool, error)             { return false, fmt.Errorf("no") }
func (c *fakeCtl) Var(name string) (any, bool, error)                { return nil, false, nil }
func (c *fakeCtl) FindFile(kind, name string) (string, error)        { return name, nil }
func (c *fakeCtl) Facts(ctx context.Context) (map[string]any, error) { return c.facts, nil }
func (c *fakeCtl) RenderTemplate(p string, o map[string]any) (string, error) {
	return "", fmt.Errorf("no")
}
func (c *fakeCtl) Reconnect(ctx context.Context) (connection.Connection, error) {
	return nil, fmt.Errorf("no")
}

func fakeTask(f *fakeHost, module string, args map[string]any, check bool) *Task {
	return &Task{Name: module, Module: module, Args: args, Conn: f, Check: check, Ctl: &fakeCtl{}, Host: "h"}
}
