package modules_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// pgRunModule runs task's module (its arguments validated first).
func pgRunModule(t *testing.T, task *modules.Task) (modules.Result, error) {
	t.Helper()
	e, ok := modules.Lookup(task.Module)
	require.True(t, ok)
	args, err := modules.Validate(task.Module, e.Spec, task.Args)
	require.NoError(t, err)
	task.Args = args
	return e.Module.Run(context.Background(), task)
}

// TestPostgresqlDBFake runs postgresql_db on a scripted host: the
// password travels on stdin only, check mode runs no change, and an SQL
// error is the module's failure with psql's message.
func TestPostgresqlDBFake(t *testing.T) {
	info := &modtest.Reply{Match: `^IFS= read -r PGPASSWORD`, Stdout: ""}
	c := modtest.New(info)
	task := modtest.Task(c, "postgresql_db", map[string]any{"db": "acme", "owner": "bob", "login_password": "hunter2", "state": "present"})
	task.Check = true
	r, err := pgRunModule(t, task)
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": true, "db": "acme", "executed_commands": []string{}}, r)
	require.Len(t, c.Calls, 1, "check mode only reads")
	require.NotContains(t, c.Calls[0].Cmd, "hunter2")
	require.True(t, strings.HasPrefix(c.Calls[0].Stdin, "hunter2\n"))
	require.Contains(t, c.Calls[0].Stdin, "WHERE datname = 'acme'")

	c2 := modtest.New(&modtest.Reply{Match: `^IFS=`, Times: 1}, &modtest.Reply{Match: `^IFS=`, ExitCode: 3, Stderr: "psql:<stdin>:2: ERROR:  role \"bob\" does not exist\n"})
	task = modtest.Task(c2, "postgresql_db", map[string]any{"db": "acme", "owner": "bob"})
	r, err = pgRunModule(t, task)
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Equal(t, `Database query failed: ERROR:  role "bob" does not exist`, r["msg"])
	require.Equal(t, []string{`CREATE DATABASE "acme" OWNER "bob"`}, r["executed_commands"])
	require.Contains(t, c2.Calls[1].Stdin, `CREATE DATABASE "acme" OWNER "bob";`)
}
