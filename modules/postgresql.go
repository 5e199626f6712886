package modules

// Shared driving of psql for the community.postgresql modules
// (postgresql_db, postgresql_user, postgresql_privs). There is no Python
// driver on the host: every statement goes to
//
//	psql -X -q -A -t -z -0 -v ON_ERROR_STOP=1
//
// on its standard input, run as the task's become user (postgres with
// become_user: postgres, so that peer authentication works as it does for
// Ansible's psycopg2 on the unix socket). A login_password is passed on
// the first line of standard input and read into PGPASSWORD by the shell,
// so neither it nor any other value appears on a command line. Values are
// put into SQL only through pgIdent and pgLiteral.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

// postgresCommonParams are community.postgresql's
// postgres_common_argument_spec, shared by the PostgreSQL modules.
func postgresCommonParams() map[string]Param {
	return map[string]Param{
		"login_user":        {Type: "str", Default: "postgres", Aliases: []string{"login"}},
		"login_password":    {Type: "str", Default: "", NoLog: true},
		"login_host":        {Type: "str", Default: "", Aliases: []string{"host"}},
		"login_unix_socket": {Type: "str", Default: "", Aliases: []string{"unix_socket"}},
		"port":              {Type: "int", Default: 5432, Aliases: []string{"login_port"}},
		"ssl_mode": {Type: "str", Default: "prefer", Choices: []string{
			"allow", "disable", "prefer", "require", "verify-ca", "verify-full"}},
		"ca_cert":        {Type: "str", Aliases: []string{"ssl_rootcert"}},
		"ssl_cert":       {Type: "path"},
		"ssl_key":        {Type: "path"},
		"connect_params": {Type: "dict", Default: map[string]any{}},
	}
}

// errPgNUL is returned for a value that SQL cannot hold.
var errPgNUL = errors.New("value contains a NUL byte, which PostgreSQL cannot store")

// pgIdent quotes name as a PostgreSQL identifier: in double quotes, with
// double quotes doubled. A NUL byte is rejected.
func pgIdent(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("identifier %q: %w", name, errPgNUL)
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, nil
}

// pgLiteral quotes s as a PostgreSQL string constant: in single quotes,
// with single quotes doubled. Backslashes need nothing as long as
// standard_conforming_strings is on, which pgScript makes sure of. A NUL
// byte is rejected.
func pgLiteral(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("literal: %w", errPgNUL)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

// pgQ collects quoting errors so that SQL can be built in one expression
// and checked once.
type pgQ struct{ err error }

// id quotes an identifier.
func (q *pgQ) id(s string) string {
	v, err := pgIdent(s)
	if err != nil && q.err == nil {
		q.err = err
	}
	return v
}

// lit quotes a literal.
func (q *pgQ) lit(s string) string {
	v, err := pgLiteral(s)
	if err != nil && q.err == nil {
		q.err = err
	}
	return v
}

// pgConn is how the modules reach the server: psql's connection options
// taken from the common arguments.
type pgConn struct {
	User, Password, Host, Socket string
	Port                         int
	DB                           string
	SSLMode, CACert, Cert, Key   string
	Params                       map[string]string
}

// pgConnFrom reads the common connection arguments; db is the database to
// connect to.
func pgConnFrom(args map[string]any, db string) (*pgConn, error) {
	fa := fileArgs(args)
	c := &pgConn{DB: db, Port: fa.integer("port", 5432), Params: map[string]string{}}
	c.User, _ = fa.str("login_user")
	if c.User == "" {
		c.User = "postgres"
	}
	c.Password, _ = fa.str("login_password")
	c.Host, _ = fa.str("login_host")
	c.Socket, _ = fa.str("login_unix_socket")
	c.SSLMode, _ = fa.str("ssl_mode")
	c.CACert, _ = fa.str("ca_cert")
	c.Cert, _ = fa.str("ssl_cert")
	c.Key, _ = fa.str("ssl_key")
	if m, ok := args["connect_params"].(map[string]any); ok {
		for k, v := range m {
			if !pgConnKey(k) {
				return nil, fmt.Errorf("connect_params: %q is not a libpq connection parameter name", k)
			}
			c.Params[k] = pyStr(v)
		}
	}
	if strings.ContainsAny(c.Password, "\n\r\x00") {
		return nil, errors.New("login_password must not contain a newline or a NUL byte")
	}
	return c, nil
}

// pgConnKey reports whether k looks like a libpq keyword (letters, digits, _).
func pgConnKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// conninfoValue quotes v for a libpq connection string.
func conninfoValue(v string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
}

// sslEnv is the libpq environment for the SSL options (none is secret),
// as a prefix of a command line.
func (c *pgConn) sslEnv() string {
	var env []string
	set := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+connection.Quote(v))
		}
	}
	set("PGSSLMODE", c.SSLMode)
	set("PGSSLROOTCERT", c.CACert)
	set("PGSSLCERT", c.Cert)
	set("PGSSLKEY", c.Key)
	if len(env) == 0 {
		return ""
	}
	return "export " + strings.Join(env, " ") + "; "
}

// conninfo is the libpq connection string for c (without the password).
// Given as psql's or pg_dump's dbname, it makes them read it as a
// connection string, so that no value can be taken for an option.
func (c *pgConn) conninfo() string {
	info := []string{"dbname=" + conninfoValue(c.DB), "user=" + conninfoValue(c.User),
		"port=" + strconv.Itoa(c.Port)}
	host := c.Host
	if host == "" {
		host = c.Socket
	}
	if host != "" {
		info = append(info, "host="+conninfoValue(host))
	}
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		info = append(info, k+"="+conninfoValue(c.Params[k]))
	}
	return strings.Join(info, " ")
}

// command is the shell command line that runs psql; the SQL (after the
// password line) comes on standard input.
func (c *pgConn) command() string {
	psql := "psql -X -q -A -t -z -0 -v ON_ERROR_STOP=1 -d " + connection.Quote(c.conninfo())
	line := "IFS= read -r PGPASSWORD || exit 2; "
	line += `if [ -n "$PGPASSWORD" ]; then export PGPASSWORD; else unset PGPASSWORD; fi; `
	return line + c.sslEnv() + "exec " + psql
}

// pgError is a statement's failure as psql reported it.
type pgError struct {
	Msg string // psql's message, without the "psql:<stdin>:N: " prefix
}

func (e *pgError) Error() string { return e.Msg }

// pgRun runs sql and returns the rows of its results (fields split). An
// SQL failure is a *pgError; other errors are transport failures.
func pgRun(ctx context.Context, t *Task, c *pgConn, sql string) ([][]string, error) {
	stdin := c.Password + "\n" + "SET standard_conforming_strings = on;\n" + sql + "\n"
	res, err := t.ExecStdin(ctx, c.command(), stdin)
	if err != nil {
		return nil, fmt.Errorf("psql: %w", err)
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if res.ExitCode == 127 || strings.Contains(msg, "psql: not found") || strings.Contains(msg, "psql: command not found") {
			return nil, &pgError{Msg: "psql is not installed on the host: " + msg}
		}
		return nil, &pgError{Msg: pgCleanError(msg)}
	}
	return pgRows(string(res.Stdout)), nil
}

// pgCleanError strips psql's "psql:<stdin>:N: " prefixes.
func pgCleanError(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "psql:<stdin>:") {
			rest := strings.TrimPrefix(l, "psql:<stdin>:")
			if j := strings.Index(rest, ": "); j >= 0 {
				lines[i] = rest[j+2:]
			}
		}
	}
	return strings.Join(lines, "\n")
}

// pgRows splits psql -A -t -z -0 output: rows end with NUL and fields are
// separated by NUL too, so each query here selects one field made with
// pgRecord (fields joined with \x1f).
func pgRows(out string) [][]string {
	var rows [][]string
	for _, rec := range strings.Split(out, "\x00") {
		rec = strings.TrimPrefix(rec, "\n")
		if rec == "" {
			continue
		}
		rows = append(rows, strings.Split(rec, "\x1f"))
	}
	return rows
}

// pgRecord is the SQL expression joining exprs with \x1f (NULL as the
// text \N, so that a NULL and an empty string differ).
func pgRecord(exprs ...string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "coalesce((" + e + ")::text, E'\\\\N')"
	}
	return "concat_ws(E'\\x1f', " + strings.Join(parts, ", ") + ")"
}

// pgNull is how pgRecord writes NULL.
const pgNull = `\N`

// pgFail turns a module error into a failed result: an SQL error is the
// module's failure, anything else is returned as an error.
func pgFail(prefix string, err error, r Result) (Result, error) {
	var pe *pgError
	if errors.As(err, &pe) {
		r["failed"] = true
		r["msg"] = prefix + pe.Msg
		if _, ok := r["changed"]; !ok {
			r["changed"] = false
		}
		return r, nil
	}
	return nil, err
}
