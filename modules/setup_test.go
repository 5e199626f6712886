package modules_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
	"github.com/stretchr/testify/require"
)

// localConn runs commands with the local /bin/sh.
type localConn struct{ calls int }

func (c *localConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c.calls++
	ex := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	ex.Env = os.Environ()
	if opts != nil {
		for k, v := range opts.Env {
			ex.Env = append(ex.Env, k+"="+v)
		}
	}
	var out, errb bytes.Buffer
	ex.Stdout, ex.Stderr = &out, &errb
	err := ex.Run()
	res := &connection.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}
func (c *localConn) PutFile(context.Context, string, io.Reader, *connection.FileOptions) error {
	return errors.New("not used")
}
func (c *localConn) GetFile(context.Context, string, *connection.Become) ([]byte, error) {
	return nil, errors.New("not used")
}
func (c *localConn) Close() error { return nil }

func runSetup(t *testing.T, conn connection.Connection, args map[string]any) modules.Result {
	t.Helper()
	e, ok := modules.Lookup("ansible.builtin.setup")
	require.True(t, ok)
	task := &modules.Task{Name: "setup", Module: "setup", Args: args, Conn: conn, Host: "localhost", Ctl: &modtest.Controller{}}
	res, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	return res
}

func TestSetupPrefixesFacts(t *testing.T) {
	conn := &localConn{}
	res := runSetup(t, conn, map[string]any{"gather_subset": []any{"all"}, "filter": []any{}, "gather_timeout": 10, "fact_path": "/etc/ansible/facts.d"})
	require.Equal(t, 1, conn.calls, "one round trip")
	require.False(t, res.Changed())
	f := res["ansible_facts"].(map[string]any)
	require.Equal(t, "Linux", f["ansible_system"])
	require.NotEmpty(t, f["ansible_distribution"])
	require.NotEmpty(t, f["ansible_default_ipv4"])
	require.Equal(t, []any{"all"}, f["gather_subset"])
	require.Equal(t, true, f["module_setup"])
	for k := range f {
		if k != "gather_subset" && k != "module_setup" {
			require.Regexp(t, "^ansible_", k)
		}
	}
}

func TestSetupFilter(t *testing.T) {
	res := runSetup(t, &localConn{}, map[string]any{"gather_subset": []any{"!all"}, "filter": []any{"distribution*", "ansible_os_family"}})
	f := res["ansible_facts"].(map[string]any)
	require.Contains(t, f, "ansible_distribution")
	require.Contains(t, f, "ansible_distribution_version")
	require.Contains(t, f, "ansible_os_family")
	require.NotContains(t, f, "ansible_env")
	require.NotContains(t, f, "gather_subset", "the filter applies to gather_subset too, as in Ansible")

	res = runSetup(t, &localConn{}, map[string]any{"gather_subset": "!all,!min", "filter": "*"})
	f = res["ansible_facts"].(map[string]any)
	require.Equal(t, []any{"!all", "!min"}, f["gather_subset"])
	require.NotContains(t, f, "ansible_distribution")
}

func TestSetupBadSubsetRunsNothing(t *testing.T) {
	conn := modtest.New()
	res := runSetup(t, conn, map[string]any{"gather_subset": []any{"hardwar"}})
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Bad subset 'hardwar' given to Ansible. gather_subset options allowed: all, ")
	require.Empty(t, conn.Commands())
}

func TestSetupTransportError(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: ".", Err: errors.New("connection reset")})
	e, _ := modules.Lookup("setup")
	_, err := e.Module.Run(context.Background(), modtest.Task(conn, "setup", map[string]any{}))
	require.ErrorContains(t, err, "connection reset")
}

func TestSetupLocalFacts(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/omero.fact", []byte(`{"version": "5.6"}`), 0o644))
	res := runSetup(t, &localConn{}, map[string]any{"gather_subset": []any{"!all"}, "fact_path": dir, "filter": []any{"ansible_local"}})
	f := res["ansible_facts"].(map[string]any)
	require.Equal(t, map[string]any{"omero": map[string]any{"version": "5.6"}}, f["ansible_local"])
}

func TestSetupSpec(t *testing.T) {
	e, ok := modules.Lookup("setup")
	require.True(t, ok)
	require.True(t, e.Spec.CheckMode, "setup runs unchanged in check mode")
	for _, p := range []string{"gather_subset", "filter", "gather_timeout", "fact_path"} {
		require.Contains(t, e.Spec.Params, p)
	}
}
