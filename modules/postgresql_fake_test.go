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

// TestPostgresqlUserCheckModeRollsBack: in check mode postgresql_user
// runs its statements in a transaction it rolls back, as Ansible's does,
// so that what the server refuses fails in check mode too (found over
// SSH by integration's TestDBStoragePostgreSQL: encrypted=false was
// "changed" in check mode for omeprov and failed for Ansible), and that
// the server's error, which quotes the failed statement, does not print
// the password (found by the same test: omeprov printed it then).
func TestPostgresqlUserCheckModeRollsBack(t *testing.T) {
	args := map[string]any{"name": "plain", "password": "pw'MARK", "encrypted": false}
	// The role is read (it does not exist), then the statements run.
	read := &modtest.Reply{Match: `^IFS=`, Times: 1}
	refuse := &modtest.Reply{Match: `^IFS=`, ExitCode: 3,
		Stderr: "psql:<stdin>:3: ERROR:  UNENCRYPTED PASSWORD is no longer supported\nLINE 1: CREATE USER \"plain\" WITH UNENCRYPTED PASSWORD 'pw''MARK'\n"}
	c := modtest.New(read, refuse)
	task := modtest.Task(c, "postgresql_user", args)
	task.Check = true
	r, err := pgRunModule(t, task)
	require.NoError(t, err)
	require.True(t, r.Failed(), "%v", r)
	require.False(t, r.Changed(), "%v", r)
	require.Contains(t, r["msg"], "UNENCRYPTED PASSWORD is no longer supported")
	require.Len(t, c.Calls, 2)
	script := c.Calls[1].Stdin
	require.Contains(t, script, "BEGIN;\nCREATE USER \"plain\" WITH UNENCRYPTED PASSWORD 'pw''MARK' ;\nROLLBACK;")
	// The server's error quotes the statement only at the default
	// verbosity: the script asks for terse errors, and a password in the
	// message is masked all the same.
	require.Contains(t, script, "\\set VERBOSITY terse\n")
	require.NotContains(t, r["msg"], "MARK")
	require.NotContains(t, script, "COMMIT")

	// Accepted: changed, and still rolled back.
	c = modtest.New(&modtest.Reply{Match: `^IFS=`})
	task = modtest.Task(c, "postgresql_user", map[string]any{"name": "enc", "password": "pw"})
	task.Check = true
	r, err = pgRunModule(t, task)
	require.NoError(t, err)
	require.True(t, r.Changed(), "%v", r)
	require.False(t, r.Failed(), "%v", r)
	require.True(t, strings.HasSuffix(strings.TrimSpace(c.Calls[len(c.Calls)-1].Stdin), "ROLLBACK;"), c.Calls[len(c.Calls)-1].Stdin)

	// For real: committed.
	c = modtest.New(&modtest.Reply{Match: `^IFS=`})
	r, err = pgRunModule(t, modtest.Task(c, "postgresql_user", map[string]any{"name": "enc", "password": "pw"}))
	require.NoError(t, err)
	require.True(t, r.Changed(), "%v", r)
	require.True(t, strings.HasSuffix(strings.TrimSpace(c.Calls[len(c.Calls)-1].Stdin), "COMMIT;"), c.Calls[len(c.Calls)-1].Stdin)
}
