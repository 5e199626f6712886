package modules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// shConnT is a connection.Connection that runs commands with the
// local /bin/sh, for tests that need a real shell.
type shConnT struct{ dir string }

func (c *shConnT) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	sh := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	sh.Dir = c.dir
	var out, errb bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &errb
	sh.Env = os.Environ()
	if opts != nil {
		if opts.Stdin != nil {
			sh.Stdin = opts.Stdin
		}
		for k, v := range opts.Env {
			sh.Env = append(sh.Env, k+"="+v)
		}
	}
	err := sh.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code, err = ee.ExitCode(), nil
	}
	if err != nil {
		return nil, err
	}
	return &connection.Result{Stdout: out.Bytes(), Stderr: errb.Bytes(), ExitCode: code}, nil
}

func (c *shConnT) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	return fmt.Errorf("shConnT: no PutFile")
}

func (c *shConnT) GetFile(ctx context.Context, path string, b *connection.Become) ([]byte, error) {
	return os.ReadFile(path)
}

func (c *shConnT) Close() error { return nil }

// runModuleT validates args (a free-form string or a map) for module and
// runs it on conn, as the engine will.
func runModuleT(t *testing.T, conn connection.Connection, module string, args any, check bool) modules.Result {
	t.Helper()
	e, ok := modules.Lookup(module)
	require.True(t, ok, module)
	var m map[string]any
	switch a := args.(type) {
	case string:
		var err error
		m, err = modules.ParseModuleArgs(module, a)
		require.NoError(t, err)
	case map[string]any:
		m = a
	}
	v, err := modules.Validate(module, e.Spec, m)
	require.NoError(t, err)
	task := &modules.Task{Name: module, Module: module, Args: v, Conn: conn, Check: check, Host: "localhost", Ctl: &modtest.Controller{}}
	r, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	return r
}

// runEntryT runs task's module through the registry.
func runEntryT(task *modules.Task) (modules.Result, error) {
	e, ok := modules.Lookup(task.Module)
	if !ok {
		return nil, fmt.Errorf("no module %s", task.Module)
	}
	return e.Module.Run(context.Background(), task)
}

func TestCommandCreatesSkips(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `omeprov_exists`, Stdout: "creates=1\n"})
	task := &modules.Task{Module: "command", Conn: c, Args: map[string]any{"_raw_params": "touch /x", "creates": "/x"}, Ctl: &modtest.Controller{}}
	r, err := runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "cmd": []any{"touch", "/x"}, "delta": nil, "end": nil, "start": nil,
		"msg": "Did not run command since '/x' exists", "rc": 0, "stderr": "", "stderr_lines": []string{},
		"stdout": "skipped, since /x exists", "stdout_lines": []string{"skipped, since /x exists"}}, r)
	require.Len(t, c.Calls, 1, "the command itself did not run")
}

func TestCommandCheckMode(t *testing.T) {
	// Without creates/removes the command is skipped.
	c := modtest.New()
	task := &modules.Task{Module: "command", Conn: c, Check: true, Args: map[string]any{"_raw_params": "rm -rf /x"}, Ctl: &modtest.Controller{}}
	r, err := runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, true, r["skipped"])
	require.Equal(t, false, r["changed"])
	require.Equal(t, "Command would have run if not in check mode", r["msg"])
	require.Empty(t, c.Calls)
	// With removes that exists, it would run: changed, not skipped.
	c = modtest.New(&modtest.Reply{Match: `omeprov_exists`, Stdout: "removes=1\n"})
	task = &modules.Task{Module: "shell", Conn: c, Check: true, Args: map[string]any{"_raw_params": "rm -rf /x", "removes": "/x"}, Ctl: &modtest.Controller{}}
	r, err = runEntryT(task)
	require.NoError(t, err)
	require.Nil(t, r["skipped"])
	require.Equal(t, true, r["changed"])
	require.Len(t, c.Calls, 1)
	// With removes that does not exist: "Would not run".
	c = modtest.New(&modtest.Reply{Match: `omeprov_exists`, Stdout: "removes=0\n"})
	task.Conn = c
	r, err = runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, "Would not run command since '/x' does not exist", r["msg"])
}

func TestCommandTransportError(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`, Err: fmt.Errorf("connection lost")})
	task := &modules.Task{Module: "command", Conn: c, Args: map[string]any{"_raw_params": "ls"}, Ctl: &modtest.Controller{}}
	_, err := runEntryT(task)
	require.ErrorContains(t, err, "connection lost")
}

func TestCommandProbeGarbage(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `omeprov_exists`, Stdout: "", Stderr: "sh: syntax error", ExitCode: 2})
	task := &modules.Task{Module: "command", Conn: c, Args: map[string]any{"_raw_params": "ls", "creates": "/x"}, Ctl: &modtest.Controller{}}
	_, err := runEntryT(task)
	require.ErrorContains(t, err, "could not check chdir/creates/removes")
}

func TestCommandRealShell(t *testing.T) {
	dir := t.TempDir()
	conn := &shConnT{dir: "/"}
	r := runModuleT(t, conn, "command", `echo "x; touch `+dir+`/pwned" 'a  b'`, false)
	require.Equal(t, "x; touch "+dir+"/pwned a  b", r["stdout"])
	require.NoFileExists(t, filepath.Join(dir, "pwned"))
	require.Equal(t, true, r["changed"])

	r = runModuleT(t, conn, "command", "nonexistent-cmd-omeprov a", false)
	require.Equal(t, "[Errno 2] No such file or directory: b'nonexistent-cmd-omeprov'", r["msg"])
	require.Equal(t, 2, r["rc"])

	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "pwd", "chdir": dir}, false)
	require.Equal(t, dir, r["stdout"])

	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "ls", "chdir": dir + "/nope"}, false)
	require.Equal(t, "Unable to change directory before execution: [Errno 2] No such file or directory: b'"+dir+"/nope'", r["msg"])

	require.NoError(t, os.WriteFile(filepath.Join(dir, "a b.txt"), nil, 0o644))
	r = runModuleT(t, conn, "shell", map[string]any{"_raw_params": "echo ran", "creates": dir + "/a b*.txt"}, false)
	require.Equal(t, false, r["changed"])
	r = runModuleT(t, conn, "shell", map[string]any{"_raw_params": "echo ran", "creates": dir + "/a c*.txt"}, false)
	require.Equal(t, "ran", r["stdout"])
	// creates is relative to chdir, as in Ansible.
	r = runModuleT(t, conn, "shell", map[string]any{"_raw_params": "echo ran", "chdir": dir, "creates": "a b.txt"}, false)
	require.Equal(t, false, r["changed"])

	// A pattern is a pattern, never code.
	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "true", "creates": dir + "/$(touch " + dir + "/pwned)*`touch " + dir + "/pwned`;touch " + dir + "/pwned"}, false)
	require.Equal(t, true, r["changed"])
	require.NoFileExists(t, filepath.Join(dir, "pwned"))
	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "true", "chdir": dir + "/x'; touch " + dir + "/pwned #"}, false)
	require.True(t, r.Failed())
	require.NoFileExists(t, filepath.Join(dir, "pwned"))

	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "cat", "stdin": "hi"}, false)
	require.Equal(t, "hi", r["stdout"])
	r = runModuleT(t, conn, "command", map[string]any{"_raw_params": "od -c", "stdin": "hi", "stdin_add_newline": false}, false)
	require.NotContains(t, r["stdout"], `\n`)

	r = runModuleT(t, conn, "shell", "exit 3", false)
	require.Equal(t, true, r["failed"])
	require.Equal(t, 3, r["rc"])
	require.Equal(t, "non-zero return code", r["msg"])

	r = runModuleT(t, conn, "raw", "printf 'a\\n\\n'; echo e >&2", false)
	require.Equal(t, modules.Result{"changed": true, "rc": 0, "stdout": "a\n\n", "stdout_lines": []string{"a", ""}, "stderr": "e\n", "stderr_lines": []string{"e"}}, r)
	r = runModuleT(t, conn, "raw", "echo hi", true)
	require.Equal(t, modules.Result{"skipped": true}, r)
}

// volatile keys differ from run to run, or are Ansible's own plumbing.
var volatileKeysT = []string{"action", "start", "end", "delta", "ansible_facts", "invocation", "_ansible_no_log", "stop", "_ansible_verbose_always"}

// ansibleResultsT runs each module call with ansible-playbook on localhost
// and returns the task results, as the json callback prints them.
func ansibleResultsT(t *testing.T, calls []ansibleCallT) []map[string]any {
	t.Helper()
	return ansibleResultsVarsT(t, calls, nil)
}

// ansibleResultsVarsT is ansibleResultsT with play variables.
func ansibleResultsVarsT(t *testing.T, calls []ansibleCallT, vars map[string]any) []map[string]any {
	t.Helper()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-playbook is needed (apt-get install ansible-core)")
		}
		t.Skip("ansible-playbook is not installed")
	}
	var tasks []map[string]any
	for _, c := range calls {
		task := map[string]any{c.Module: c.Args, "ignore_errors": true}
		if c.Check {
			task["check_mode"] = true
		}
		tasks = append(tasks, task)
	}
	play := []map[string]any{{"hosts": "localhost", "gather_facts": false, "tasks": tasks}}
	if len(vars) > 0 {
		pv := map[string]any{}
		for k, v := range vars {
			if k != "ansible_verbosity" {
				pv[k] = v
			}
		}
		play[0]["vars"] = pv
	}
	dir := t.TempDir()
	b, err := json.Marshal(play)
	require.NoError(t, err)
	pb := filepath.Join(dir, "play.yml")
	require.NoError(t, os.WriteFile(pb, b, 0o644))
	cmd := exec.Command("ansible-playbook", "-i", "localhost,", "-c", "local", pb)
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_LOCALHOST_WARNING=false",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3", "ANSIBLE_NOCOLOR=1")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(out, &doc), "%.500s", out)
	require.Len(t, doc.Plays, 1)
	var res []map[string]any
	for _, tk := range doc.Plays[0].Tasks {
		res = append(res, tk.Hosts["localhost"])
	}
	require.Len(t, res, len(calls))
	return res
}

type ansibleCallT struct {
	Module string
	Args   any
	Check  bool
}

// normalizeT makes a result comparable: JSON shapes, without volatile keys.
func normalizeT(t *testing.T, r map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	for _, k := range volatileKeysT {
		delete(out, k)
	}
	delete(out, "_ansible_facts_cacheable")
	if out["failed"] == false {
		delete(out, "failed")
	}
	if out["changed"] == nil {
		out["changed"] = false
	}
	return out
}

// TestCommandMatchesAnsible runs the same command, shell and raw tasks
// with ansible-playbook and with omeprov on this machine and compares the
// results.
func TestCommandMatchesAnsible(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exists"), nil, 0o644))
	calls := []ansibleCallT{
		{"command", "echo hello   world", false},
		{"command", `printf '%s\n' "a b" 'c  d' e\ f`, false},
		{"command", map[string]any{"argv": []any{"echo", 1, "a b", true}}, false},
		{"command", map[string]any{"cmd": "false"}, false},
		{"command", "echo hi creates=" + dir + "/exists", false},
		{"command", "echo hi removes=" + dir + "/missing", false},
		{"command", "echo hi creates=" + dir + "/exist*", true},
		{"command", "echo hi creates=" + dir + "/missing", true},
		{"command", "echo hi", true},
		{"command", "pwd chdir=" + dir, false},
		{"command", "ls chdir=" + dir + "/nope", false},
		{"command", "printf 'x\\n\\n\\n' strip_empty_ends=no", false},
		{"command", map[string]any{"_raw_params": "cat", "stdin": "in put"}, false},
		{"command", "nonexistent-omeprov-cmd", false},
		{"command", "echo a executable=/bin/bash", false},
		{"shell", "echo $((1+2)) | tr 3 4; echo err >&2", false},
		{"shell", "echo $0 executable=/bin/bash", false},
		{"shell", "exit 5", false},
		{"shell", "printf 'a\\r\\nb\\n'", false},
		{"raw", "printf 'x\\n\\n'; echo e >&2; exit 2", false},
		{"raw", "echo hi", true},
	}
	want := ansibleResultsT(t, calls)
	conn := &shConnT{dir: dir}
	for i, c := range calls {
		args := c.Args
		if m, ok := args.(map[string]any); ok {
			cp := map[string]any{}
			for k, v := range m {
				if v != nil {
					cp[k] = v
				}
			}
			args = cp
		}
		got := runModuleT(t, conn, c.Module, args, c.Check)
		require.Equal(t, normalizeT(t, want[i]), normalizeT(t, got), "task %d: %s %v", i, c.Module, c.Args)
	}
}

// FuzzCommandOutput feeds arbitrary host answers to command's probe and
// run: it must never panic.
func FuzzCommandOutput(f *testing.F) {
	f.Add("creates=1\nchdir=fail\n", "sh: 1: exec: x: not found", 127)
	f.Add("removes=0\n", "", 0)
	f.Fuzz(func(t *testing.T, stdout, stderr string, code int) {
		c := modtest.New(&modtest.Reply{Match: `.`, Stdout: stdout, Stderr: stderr, ExitCode: code})
		task := modtest.Task(c, "command", map[string]any{"_raw_params": "x y", "chdir": "/d", "creates": "/c", "removes": "/r", "strip_empty_ends": true, "stdin_add_newline": true})
		r, err := runEntryT(task)
		if err == nil {
			require.NotNil(t, r)
		}
	})
}
