package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
)

// pgSkip skips t (or fails it when CI is set).
func pgSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why + " (CI is set)")
	}
	t.Skip(why)
}

// pgCluster starts a PostgreSQL server from Debian's postgresql package
// for t: a fresh cluster made with initdb in a temporary directory, owned
// by the postgres user, with peer authentication, listening only on a
// unix socket in that directory. It returns the socket directory and the
// port; the server is stopped when t ends.
func pgCluster(t *testing.T) (string, int) {
	t.Helper()
	if os.Geteuid() != 0 {
		pgSkip(t, "the PostgreSQL tests need root (to run as the postgres user)")
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		pgSkip(t, "PostgreSQL is not installed (apt-get install postgresql)")
	}
	for _, tool := range []string{"runuser", "sudo", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			pgSkip(t, tool+" is not installed")
		}
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "omeprov-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	port := 40000 + os.Getpid()%20000
	asPG := func(args ...string) {
		t.Helper()
		out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	asPG(filepath.Join(bin, "initdb"), "-D", dir+"/data", "-A", "peer", "-U", "postgres", "-E", "UTF8", "--locale", "C")
	asPG(filepath.Join(bin, "pg_ctl"), "-D", dir+"/data", "-l", dir+"/log", "-w",
		"-o", fmt.Sprintf("-k %s -c listen_addresses= -p %d", dir, port), "start")
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", filepath.Join(bin, "pg_ctl"), "-D", dir+"/data", "-m", "immediate", "stop").Run()
	})
	return dir, port
}

// pgHarness runs PostgreSQL module tasks with omeprov on this machine as
// the postgres user (become_user: postgres), against one cluster.
type pgHarness struct {
	t      *testing.T
	socket string
	port   int
}

func (h *pgHarness) conn(args map[string]any) map[string]any {
	out := map[string]any{"login_unix_socket": h.socket, "port": h.port}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// run validates and runs module with args.
func (h *pgHarness) run(module string, args map[string]any, check bool) modules.Result {
	h.t.Helper()
	e, ok := modules.Lookup(module)
	require.True(h.t, ok, module)
	v, err := modules.Validate(module, e.Spec, h.conn(args))
	require.NoError(h.t, err)
	task := &modules.Task{Name: module, Module: module, Args: v, Conn: connection.Local(),
		Become: &connection.Become{Method: "sudo", User: "postgres"}, Check: check, Host: "localhost"}
	r, err := e.Module.Run(context.Background(), task)
	require.NoError(h.t, err)
	return r
}

// sql runs a query as postgres and returns its unaligned output.
func (h *pgHarness) sql(db, query string) string {
	h.t.Helper()
	cmd := exec.Command("runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-A", "-t",
		"-h", h.socket, "-p", fmt.Sprint(h.port), "-d", db, "-c", query)
	out, err := cmd.CombinedOutput()
	require.NoError(h.t, err, "%s: %s", query, out)
	return strings.TrimSpace(string(out))
}

// pgStep is one task of a scenario: a module, its arguments, check mode,
// and what omeprov must report.
type pgStep struct {
	Module  string
	Args    map[string]any
	Check   bool
	Changed bool
	Failed  bool
}

// pgScenario is the scenario run both by omeprov and by ansible-playbook;
// %s in string values is replaced by a prefix so that the two runs use
// separate databases and roles in the same cluster.
var pgScenario = []pgStep{
	// postgresql_user: create, again, check, password change, flags.
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "s3cr'et; DROP ROLE x"}, true, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "s3cr'et; DROP ROLE x"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "s3cr'et; DROP ROLE x"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "other"}, true, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "other"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "password": "other"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "role_attr_flags": "CREATEDB,NOSUPERUSER"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "role_attr_flags": "CREATEDB,NOSUPERUSER"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "conn_limit": 5, "expires": "2030-01-01"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "conn_limit": 5, "expires": "2030-01-01"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "comment": "it's alice"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "comment": "it's alice"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "role_attr_flags": "BOGUS"}, false, false, true},
	{"postgresql_user", map[string]any{"name": `%s_spaced bob`}, false, true, false},
	{"postgresql_user", map[string]any{"name": `%s_spaced bob`}, false, false, false},
	// postgresql_db: create, again, check, owner, conn_limit, unsupported change.
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": "%s_alice", "encoding": "UTF8", "template": "template0"}, true, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": "%s_alice", "encoding": "UTF8", "template": "template0"}, false, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": "%s_alice", "encoding": "UTF8", "template": "template0"}, false, false, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": `%s_spaced bob`}, true, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": `%s_spaced bob`}, false, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": `%s_spaced bob`}, false, false, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "conn_limit": "10"}, false, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "conn_limit": "10"}, false, false, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "encoding": "LATIN1"}, false, false, true},
	{"postgresql_db", map[string]any{"name": "%s_acme", "owner": "%s_nosuchrole"}, false, false, true},
	// postgresql_user with the deprecated priv on the database.
	{"postgresql_user", map[string]any{"name": "%s_carol", "db": "%s_acme", "priv": "CONNECT/TEMP"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_carol", "db": "%s_acme", "priv": "CONNECT/TEMP"}, false, false, false},
	// postgresql_privs: database, schema, table (created by the test
	// through a privs-free path below), group.
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "database", "privs": "CREATE", "roles": "%s_alice"}, true, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "database", "privs": "CREATE", "roles": "%s_alice"}, false, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "database", "privs": "CREATE", "roles": "%s_alice"}, false, false, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "schema", "objs": "public", "privs": "USAGE,CREATE", "roles": "%s_carol"}, false, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "schema", "objs": "public", "privs": "USAGE,CREATE", "roles": "%s_carol"}, false, false, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "schema", "objs": "public", "privs": "CREATE", "roles": "%s_carol", "state": "absent"}, false, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "schema", "objs": "public", "privs": "CREATE", "roles": "%s_carol", "state": "absent"}, false, false, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "group", "objs": "%s_alice", "roles": "%s_carol"}, true, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "group", "objs": "%s_alice", "roles": "%s_carol"}, false, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "group", "objs": "%s_alice", "roles": "%s_carol"}, false, false, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "table", "objs": "ALL_IN_SCHEMA", "privs": "SELECT", "roles": "%s_carol"}, false, false, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "database", "privs": "CONNECT", "roles": "%s_nobody"}, false, false, true},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "database", "privs": "FLY", "roles": "%s_alice"}, false, false, true},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "default_privs", "objs": "TABLES", "privs": "SELECT", "roles": "%s_carol"}, false, true, false},
	{"postgresql_privs", map[string]any{"db": "%s_acme", "type": "default_privs", "objs": "TABLES", "privs": "SELECT", "roles": "%s_carol"}, false, false, false},
	// Removal.
	{"postgresql_db", map[string]any{"name": "%s_acme", "state": "absent"}, true, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "state": "absent"}, false, true, false},
	{"postgresql_db", map[string]any{"name": "%s_acme", "state": "absent"}, false, false, false},
	{"postgresql_user", map[string]any{"name": "%s_carol", "state": "absent"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "state": "absent"}, true, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "state": "absent"}, false, true, false},
	{"postgresql_user", map[string]any{"name": "%s_alice", "state": "absent"}, false, false, false},
	{"postgresql_user", map[string]any{"name": `%s_spaced bob`, "state": "absent"}, false, true, false},
}

// pgExpand puts prefix into a step's arguments.
func pgExpand(args map[string]any, prefix string) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(s, "%s", prefix)
		}
		out[k] = v
	}
	return out
}

// pgState is what the scenario's objects look like in the cluster, with
// the prefix taken out, for comparing the two runs.
func (h *pgHarness) state(prefix string) string {
	q := fmt.Sprintf(`SELECT string_agg(x, E'\n' ORDER BY x) FROM (
	  SELECT 'role ' || rolname || ' super=' || rolsuper || ' createdb=' || rolcreatedb || ' conn=' || rolconnlimit
	    || ' until=' || coalesce(rolvaliduntil::text, '-') || ' pw=' || (rolpassword IS NOT NULL)
	    || ' comment=' || coalesce(shobj_description(oid, 'pg_authid'), '-') AS x
	  FROM pg_authid WHERE rolname LIKE '%[1]s\_%%'
	  UNION ALL SELECT 'db ' || datname || ' owner=' || pg_get_userbyid(datdba) || ' enc=' || pg_encoding_to_char(encoding)
	    || ' conn=' || datconnlimit || ' acl=' || coalesce(datacl::text, '-')
	  FROM pg_database WHERE datname LIKE '%[1]s\_%%'
	  UNION ALL SELECT 'member ' || pg_get_userbyid(roleid) || ' ' || pg_get_userbyid(member) FROM pg_auth_members
	  WHERE pg_get_userbyid(member) LIKE '%[1]s\_%%') s`, prefix)
	return strings.ReplaceAll(h.sql("postgres", q), prefix+"_", "P_")
}

// TestPostgresqlScenario runs the scenario with omeprov against a real
// server: each step's changed and failed as expected (first run changes,
// second run changed=0, check mode changes nothing), and the password is
// in no result.
func TestPostgresqlScenario(t *testing.T) {
	sock, port := pgCluster(t)
	h := &pgHarness{t: t, socket: sock, port: port}
	for i, s := range pgScenario {
		before := h.state("om")
		r := h.run(s.Module, pgExpand(s.Args, "om"), s.Check)
		what := fmt.Sprintf("step %d %s %v check=%v: %v", i, s.Module, s.Args, s.Check, r)
		require.Equal(t, s.Failed, r.Failed(), what)
		require.Equal(t, s.Changed, r.Changed(), what)
		if s.Check {
			require.Equal(t, before, h.state("om"), "check mode changed the cluster: %s", what)
		}
		b, _ := json.Marshal(r)
		require.NotContains(t, string(b), "s3cr", what)
		require.NotContains(t, string(b), `"other"`, what)
		t.Logf("%s", what)
	}
}

// TestPostgresqlSCRAMIdempotence checks the password comparison against
// a verifier the server made (password_encryption=scram-sha-256, the
// default since PostgreSQL 14) and an MD5 one.
func TestPostgresqlSCRAMIdempotence(t *testing.T) {
	sock, port := pgCluster(t)
	h := &pgHarness{t: t, socket: sock, port: port}
	h.sql("postgres", `CREATE ROLE scram LOGIN PASSWORD 'pässwörd ﬁ'`)
	require.True(t, strings.HasPrefix(h.sql("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname='scram'"), "SCRAM-SHA-256$"))
	r := h.run("postgresql_user", map[string]any{"name": "scram", "password": "pässwörd ﬁ"}, false)
	require.False(t, r.Changed(), "%v", r)
	r = h.run("postgresql_user", map[string]any{"name": "scram", "password": "pässwörd fi"}, true)
	require.False(t, r.Changed(), "SASLprep maps ﬁ to fi (NFKC): %v", r)
	r = h.run("postgresql_user", map[string]any{"name": "scram", "password": "else"}, false)
	require.True(t, r.Changed(), "%v", r)
	// The new password works as written: the server accepts its verifier.
	require.Equal(t, "t", h.sql("postgres", "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname='scram'"))
	r = h.run("postgresql_user", map[string]any{"name": "scram", "password": "else"}, false)
	require.False(t, r.Changed(), "%v", r)
	// A password given as its MD5 hash is compared as is.
	h.sql("postgres", "SET password_encryption = 'md5'; CREATE ROLE md5u PASSWORD 'pw'")
	r = h.run("postgresql_user", map[string]any{"name": "md5u", "password": "pw"}, false)
	require.False(t, r.Changed(), "%v", r)
	r = h.run("postgresql_user", map[string]any{"name": "md5u", "password": "md5b8e6e0b5e1b4b3a9b1bd4e1bd7a4b1b8"}, true)
	require.True(t, r.Changed(), "%v", r)
	// An empty password removes it.
	r = h.run("postgresql_user", map[string]any{"name": "md5u", "password": ""}, false)
	require.True(t, r.Changed(), "%v", r)
	require.Equal(t, "t", h.sql("postgres", "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname='md5u'"))
}

// TestPostgresqlInjection gives names and values made to break out of
// quoting: each is stored as written, and nothing else happens.
func TestPostgresqlInjection(t *testing.T) {
	sock, port := pgCluster(t)
	h := &pgHarness{t: t, socket: sock, port: port}
	h.sql("postgres", "CREATE ROLE canary")
	evil := []string{`x"; DROP ROLE canary; --`, `x'; DROP ROLE canary; --`, `x\'; DROP ROLE canary; --`, "x\n\\! touch /tmp/omeprov-pwned\n"}
	for _, name := range evil {
		r := h.run("postgresql_user", map[string]any{"name": name, "password": name, "comment": name}, false)
		require.True(t, r.Changed(), "%q: %v", name, r)
		r = h.run("postgresql_db", map[string]any{"name": name, "owner": name}, false)
		require.True(t, r.Changed(), "%q: %v", name, r)
		r = h.run("postgresql_privs", map[string]any{"db": name, "type": "database", "privs": "CONNECT", "roles": name}, false)
		require.False(t, r.Failed(), "%q: %v", name, r)
	}
	require.Equal(t, "canary", h.sql("postgres", "SELECT rolname FROM pg_roles WHERE rolname = 'canary'"))
	_, err := os.Stat("/tmp/omeprov-pwned")
	require.True(t, os.IsNotExist(err))
	for _, name := range evil {
		lit := "'" + strings.ReplaceAll(name, "'", "''") + "'"
		require.Equal(t, "1", h.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = "+lit))
		require.Equal(t, strings.TrimSpace(name), h.sql("postgres", "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = "+lit))
	}
	// NUL bytes cannot be stored: a failure, not a truncated name.
	r := h.run("postgresql_user", map[string]any{"name": "a\x00b"}, false)
	require.True(t, r.Failed(), "%v", r)
	// A login_password with a newline would end the password line.
	r = h.run("postgresql_db", map[string]any{"name": "x", "login_password": "a\nSELECT 1"}, false)
	require.True(t, r.Failed(), "%v", r)
}

// TestPostgresqlAgreesWithAnsible runs the scenario with ansible-playbook
// (community.postgresql from Debian's ansible, psycopg2 from
// python3-psycopg2) on the same cluster with other names, and compares
// every step's changed and failed, the result keys, and the cluster's
// state after each step.
func TestPostgresqlAgreesWithAnsible(t *testing.T) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		pgSkip(t, "ansible-playbook is not installed (apt-get install ansible)")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import psycopg2").Run(); err != nil {
		pgSkip(t, "python3-psycopg2 is not installed")
	}
	sock, port := pgCluster(t)
	h := &pgHarness{t: t, socket: sock, port: port}

	var tasks []map[string]any
	for i, s := range pgScenario {
		args := h.conn(pgExpand(s.Args, "an"))
		tasks = append(tasks,
			map[string]any{"name": fmt.Sprintf("step %d", i), "community.postgresql." + s.Module: args,
				"check_mode": s.Check, "ignore_errors": true},
			map[string]any{"name": fmt.Sprintf("state %d", i), "command": "true", "changed_when": false})
	}
	play := []map[string]any{{"hosts": "all", "gather_facts": false, "become": true, "become_user": "postgres", "tasks": tasks}}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	pb, _ := json.Marshal(play)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pb.yml"), pb, 0o644))
	inv := "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inv"), []byte(inv), 0o644))
	cmd := exec.Command("ansible-playbook", "-i", "inv", "pb.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCAL_TEMP="+dir)
	out, err := cmd.Output()
	require.NoError(t, err, "ansible-playbook: %s", out)
	var report struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &report), "%s", out)
	ans := report.Plays[0].Tasks
	require.Len(t, ans, 2*len(pgScenario))
	// Ansible ran first; the end state of its objects is what omeprov's must be.
	ansibleEnd := h.state("an")

	for i, s := range pgScenario {
		want := ans[2*i].Hosts["localhost"]
		got := h.run(s.Module, pgExpand(s.Args, "om"), s.Check)
		what := fmt.Sprintf("step %d %s %v check=%v\nansible %v\nomeprov %v", i, s.Module, s.Args, s.Check, want, got)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), what)
		if !wantFailed {
			require.Equal(t, wantChanged, got.Changed(), what)
			require.Equal(t, pgResultKeys(want), pgResultKeys(got), what)
			if q, ok := want["queries"]; ok && s.Module == "postgresql_user" {
				// Same statements, with the password and expiry as
				// placeholders (words compared as sets: the order of
				// role_attr_flags is a Python set's).
				require.Equal(t, pgQueryWords(q, "an_"), pgQueryWords(got["queries"], "om_"), what)
			}
		}
		t.Logf("step %d %s: both changed=%v failed=%v", i, s.Module, wantChanged, wantFailed)
	}
	require.Equal(t, ansibleEnd, h.state("om"))
}

func pgResultKeys(r map[string]any) []string {
	var keys []string
	for k := range r {
		switch {
		case k == "invocation", k == "changed", k == "failed", k == "warnings", k == "deprecations", k == "action", strings.HasPrefix(k, "_ansible"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pgQueryWords is each query's words, sorted, with prefix replaced.
func pgQueryWords(queries any, prefix string) [][]string {
	var out [][]string
	list, _ := queries.([]any)
	if l, ok := queries.([]string); ok {
		for _, q := range l {
			list = append(list, q)
		}
	}
	for _, q := range list {
		w := strings.Fields(strings.ReplaceAll(fmt.Sprint(q), prefix, "P_"))
		sort.Strings(w)
		out = append(out, w)
	}
	return out
}

// TestPostgresqlDumpRestore dumps a database with pg_dump (plain, gzip
// and custom format) and restores it into a new one.
func TestPostgresqlDumpRestore(t *testing.T) {
	sock, port := pgCluster(t)
	h := &pgHarness{t: t, socket: sock, port: port}
	require.True(t, h.run("postgresql_db", map[string]any{"name": "src"}, false).Changed())
	h.sql("src", "CREATE TABLE t (v text); INSERT INTO t VALUES ('it''s here')")
	for i, target := range []string{sock + "/d.sql", sock + "/d.sql.gz", sock + "/d.pgc"} {
		r := h.run("postgresql_db", map[string]any{"name": "src", "state": "dump", "target": target}, true)
		require.False(t, r.Changed(), "check mode: %v", r)
		r = h.run("postgresql_db", map[string]any{"name": "src", "state": "dump", "target": target}, false)
		require.True(t, r.Changed(), "%v", r)
		require.False(t, r.Failed(), "%v", r)
		dst := fmt.Sprintf("dst%d", i)
		require.True(t, h.run("postgresql_db", map[string]any{"name": dst}, false).Changed())
		r = h.run("postgresql_db", map[string]any{"name": dst, "state": "restore", "target": target}, false)
		require.True(t, r.Changed(), "%v", r)
		require.False(t, r.Failed(), "%v", r)
		require.Equal(t, "it's here", h.sql(dst, "SELECT v FROM t"), target)
	}
	r := h.run("postgresql_db", map[string]any{"name": "nosuch", "state": "dump", "target": sock + "/x.sql"}, false)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], `database "nosuch" does not exist`)
}
