package modules

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pgUnquote reads one SQL quoted token (q is ' or ") from the start of s
// as PostgreSQL's lexer does (a doubled quote stands for one) and returns
// its value and the rest of s.
func pgUnquote(s string, q byte) (string, string, bool) {
	if len(s) == 0 || s[0] != q {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), s[i+1:], true
		}
		b.WriteByte(s[i])
	}
	return "", "", false
}

func TestPgQuote(t *testing.T) {
	for in, want := range map[string]string{
		"acme":            `"acme"`,
		`we"ird`:          `"we""ird"`,
		`x"; DROP ROLE y`: `"x""; DROP ROLE y"`,
		"":                `""`,
	} {
		got, err := pgIdent(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for in, want := range map[string]string{
		"s3cret":             `'s3cret'`,
		"it's":               `'it''s'`,
		`back\slash'; --`:    `'back\slash''; --'`,
		"multi\nline\\! cmd": "'multi\nline\\! cmd'",
	} {
		got, err := pgLiteral(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := pgIdent("a\x00b")
	require.ErrorIs(t, err, errPgNUL)
	_, err = pgLiteral("a\x00b")
	require.ErrorIs(t, err, errPgNUL)
}

// FuzzPgQuote checks that any value without NUL comes back whole from
// its quoted form, as one token: nothing can end the quoting early.
func FuzzPgQuote(f *testing.F) {
	for _, s := range []string{"", "a", `"`, "'", `''`, `x"; DROP`, "\\'", "\n\\!", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := pgIdent(s)
		lit, err2 := pgLiteral(s)
		if strings.IndexByte(s, 0) >= 0 {
			require.Error(t, err)
			require.Error(t, err2)
			return
		}
		require.NoError(t, err)
		require.NoError(t, err2)
		v, rest, ok := pgUnquote(id, '"')
		require.True(t, ok)
		require.Equal(t, s, v)
		require.Empty(t, rest)
		v, rest, ok = pgUnquote(lit, '\'')
		require.True(t, ok)
		require.Equal(t, s, v)
		require.Empty(t, rest)
	})
}

func TestPgRowsAndErrors(t *testing.T) {
	rows := pgRows("V\x1f150000\x00R\x1f\\N\x1ftrue\x00\n")
	require.Equal(t, [][]string{{"V", "150000"}, {"R", `\N`, "true"}}, rows)
	require.Nil(t, pgRows(""))
	require.Equal(t, `ERROR:  role "x" does not exist`,
		pgCleanError(`psql:<stdin>:3: ERROR:  role "x" does not exist`))
}

func TestPgConnCommand(t *testing.T) {
	c, err := pgConnFrom(map[string]any{"login_user": "admin", "login_password": "pa'ss word",
		"login_unix_socket": "/run/pg sock", "port": 5433, "ssl_mode": "require",
		"connect_params": map[string]any{"connect_timeout": 5}}, "d'b")
	require.NoError(t, err)
	cmd := c.command()
	require.NotContains(t, cmd, "pa'ss", "the password is never on the command line")
	require.Contains(t, cmd, "IFS= read -r PGPASSWORD")
	require.Contains(t, cmd, "PGSSLMODE=require")
	require.Contains(t, cmd, `psql -X -q -A -t -z -0 -v ON_ERROR_STOP=1 -d 'dbname='"'"'d\'"'"'b'"'"' user='"'"'admin'"'"' port=5433 host='"'"'/run/pg sock'"'"' connect_timeout='"'"'5'"'"''`)

	_, err = pgConnFrom(map[string]any{"login_password": "a\nb"}, "x")
	require.Error(t, err)
	_, err = pgConnFrom(map[string]any{"connect_params": map[string]any{"x y": 1}}, "x")
	require.Error(t, err)
}

func TestPgDBPlan(t *testing.T) {
	a := pgDBArgs{DB: "acme", Owner: "bob", Template: "template0", Encoding: "UTF8", Collate: "C", Ctype: "C", ConnLimit: "5", Tablespace: "ts"}
	stmts, err := pgDBPlan(a, pgDBInfo{})
	require.NoError(t, err)
	require.Equal(t, []string{`CREATE DATABASE "acme" OWNER "bob" TEMPLATE "template0" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TABLESPACE "ts" CONNECTION LIMIT 5`}, stmts)

	cur := pgDBInfo{Exists: true, Owner: "postgres", Encoding: "UTF8", EncodingID: "6", WantEncID: "6", Collate: "C", Ctype: "C", ConnLimit: "-1", Tablespace: "pg_default"}
	stmts, err = pgDBPlan(pgDBArgs{DB: "acme", Owner: "bob", ConnLimit: "5"}, cur)
	require.NoError(t, err)
	require.Equal(t, []string{`ALTER DATABASE "acme" OWNER TO "bob"`, `ALTER DATABASE "acme" CONNECTION LIMIT 5`}, stmts)

	stmts, err = pgDBPlan(pgDBArgs{DB: "acme", Owner: "postgres", Encoding: "utf8"}, cur)
	require.NoError(t, err)
	require.Empty(t, stmts)

	wrong := cur
	wrong.WantEncID = "8"
	_, err = pgDBPlan(pgDBArgs{DB: "acme", Encoding: "LATIN1"}, wrong)
	require.EqualError(t, err, "Changing database encoding is not supported. Current encoding: UTF8")
	_, err = pgDBPlan(pgDBArgs{DB: "acme", Collate: "en_US.UTF-8"}, cur)
	require.EqualError(t, err, "Changing LC_COLLATE is not supported. Current LC_COLLATE: C")
	_, err = pgDBPlan(pgDBArgs{DB: "acme", ConnLimit: "5; DROP DATABASE x"}, cur)
	require.Error(t, err, "conn_limit is a number, never SQL")
}

func TestPgParseRoleAttrs(t *testing.T) {
	f, err := pgParseRoleAttrs("createdb,NOSUPERUSER,,LOGIN,login")
	require.NoError(t, err)
	require.Equal(t, []string{"CREATEDB", "LOGIN", "NOSUPERUSER"}, f)
	_, err = pgParseRoleAttrs("CREATEDB,FLY")
	require.EqualError(t, err, "Invalid role_attr_flags specified: FLY")
	_, err = pgParseRoleAttrs("SUPERUSER; DROP")
	require.Error(t, err)
}

// Verifiers recorded from PostgreSQL 15 (Debian bookworm):
// CREATE ROLE sc PASSWORD 'correct horse' (scram-sha-256) and
// SET password_encryption='md5'; CREATE ROLE m5 PASSWORD 'correct horse'.
const (
	pgRecordedSCRAM = "SCRAM-SHA-256$4096:5zpEJf6fnRaYtuomPSAzIQ==$hlqqu7g0wmCYeW0CQ4ZfT42NR5/EC/BSM3/L1trUBN4=:uFL3uLx/mS0ycROAFoKcw2DmnA1H+3IMOOgoTopJ3F4="
	pgRecordedMD5   = "md5063de3cbd3ab25c1b5b3e0d615b5c5b2"
)

func TestPgPasswordChanging(t *testing.T) {
	s := func(v string) *string { return &v }
	scram, md5 := s(pgRecordedSCRAM), s(pgRecordedMD5)
	require.True(t, pgScramMatches(pgRecordedSCRAM, "correct horse"))
	require.False(t, pgScramMatches(pgRecordedSCRAM, "correct horse "))
	require.False(t, pgScramMatches("SCRAM-SHA-256$0:xx$yy:zz", "x"))
	require.False(t, pgScramMatches("SCRAM-SHA-256$99999999999:eA==$eA==:eA==", "x"))

	for _, c := range []struct {
		stored    *string
		known     bool
		user      string
		password  *string
		encrypted bool
		want      bool
	}{
		{scram, true, "sc", s("correct horse"), true, false},
		{scram, true, "sc", s("wrong"), true, true},
		{scram, true, "sc", s(pgRecordedSCRAM), true, false},
		{scram, true, "sc", nil, true, false},
		{scram, true, "sc", s(""), true, true},
		{nil, true, "sc", s(""), true, false},
		{nil, true, "sc", s("x"), true, true},
		{md5, true, "m5", s("correct horse"), true, false},
		{md5, true, "other", s("correct horse"), true, true},
		{md5, true, "m5", s(pgRecordedMD5), false, false},
		{s("plain"), true, "u", s("plain"), false, false},
		{scram, false, "sc", s("correct horse"), true, true},
	} {
		require.Equal(t, c.want, pgPasswordChanging(c.stored, c.known, c.user, c.password, c.encrypted), "%+v", c)
	}
}

func TestPgUserPlan(t *testing.T) {
	pw, exp, n := "it's", "2030-01-01", 3
	a := pgUserArgs{User: "alice", Password: &pw, Flags: []string{"CREATEDB", "NOSUPERUSER"}, Encrypted: true, Expires: &exp, ConnLimit: &n}
	st, err := pgUserPlan(a, pgRole{})
	require.NoError(t, err)
	require.Equal(t, `CREATE USER "alice" WITH ENCRYPTED PASSWORD %(password)s VALID UNTIL %(expires)s CONNECTION LIMIT 3 CREATEDB NOSUPERUSER`, st[0].Shown)
	require.Equal(t, `CREATE USER "alice" WITH ENCRYPTED PASSWORD 'it''s' VALID UNTIL '2030-01-01' CONNECTION LIMIT 3 CREATEDB NOSUPERUSER`, st[0].SQL)

	st, err = pgUserPlan(pgUserArgs{User: "bob"}, pgRole{})
	require.NoError(t, err)
	require.Equal(t, `CREATE USER "bob" `, st[0].Shown, "Ansible's trailing blank for empty flags")

	cur := pgRole{Exists: true, AuthidRead: true, Flags: map[string]bool{"CREATEDB": true}, ConnLimit: 3}
	st, err = pgUserPlan(pgUserArgs{User: "alice", Flags: []string{"CREATEDB", "NOSUPERUSER"}, ConnLimit: &n}, cur)
	require.NoError(t, err)
	require.Empty(t, st)
	st, err = pgUserPlan(pgUserArgs{User: "alice", Flags: []string{"SUPERUSER"}}, cur)
	require.NoError(t, err)
	require.Equal(t, `ALTER USER "alice" WITH SUPERUSER`, st[0].Shown)
	st, err = pgUserPlan(pgUserArgs{User: "alice", Flags: []string{"SUPERUSER"}, NoPasswordChanges: true, Password: &pw}, cur)
	require.NoError(t, err)
	require.Equal(t, `ALTER USER "alice" WITH SUPERUSER`, st[0].Shown)
	empty := ""
	st, err = pgUserPlan(pgUserArgs{User: "alice", Password: &empty}, pgRole{Exists: true, AuthidRead: true, Password: &pw})
	require.NoError(t, err)
	require.Equal(t, `ALTER USER "alice" WITH PASSWORD NULL `, st[0].Shown)

	_, err = pgUserPlan(pgUserArgs{User: "PUBLIC", Password: &pw}, pgRole{Exists: true})
	require.EqualError(t, err, "cannot change the password for PUBLIC user")
}

func TestPgParseUserPrivs(t *testing.T) {
	p, err := pgParseUserPrivs("CONNECT,temp/products:select,INSERT/s.t:ALL", "acme")
	require.NoError(t, err)
	require.Equal(t, []pgUserPriv{
		{"database", "acme", []string{"CONNECT", "TEMPORARY"}},
		{"table", "products", []string{"INSERT", "SELECT"}},
		{"table", "s.t", []string{"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"}},
	}, p)
	p2, err := pgParseUserPrivs("CONNECT/TEMP", "acme")
	require.NoError(t, err)
	require.Equal(t, []pgUserPriv{{"database", "acme", []string{"TEMPORARY"}}}, p2, "the last token for an object wins, as in the collection")
	_, err = pgParseUserPrivs("CONNECT,FLY", "acme")
	require.EqualError(t, err, "Invalid privs specified for database: FLY")
	stmts, err := pgUserPrivStmts("u", p[:2], []map[string]bool{{"CONNECT": true}, {"INSERT": true, "SELECT": true}}, true)
	require.NoError(t, err)
	require.Equal(t, []string{`GRANT CONNECT, TEMPORARY ON DATABASE "acme" TO "u"`}, stmts)
	stmts, err = pgUserPrivStmts("u", p[:2], []map[string]bool{{}, {"SELECT": true}}, false)
	require.NoError(t, err)
	require.Equal(t, []string{`REVOKE INSERT, SELECT ON TABLE "products" FROM "u"`}, stmts)
}

// TestPgPrivsQuery compares the statements with those of
// community.postgresql 2.4.2's QueryBuilder, run in python3 on the same
// input (outputs recorded in the test).
func TestPgPrivsQuery(t *testing.T) {
	tr, f := true, false
	pub := "public"
	for _, c := range []struct {
		req     pgPrivsReq
		forWhom string
		want    string
	}{
		{pgPrivsReq{Type: "table", State: "present", Privs: []string{"SELECT", "INSERT"}, Objs: []string{"t1", "t2"}, Schema: &pub}, `"alice"`,
			`GRANT SELECT,INSERT ON table "public"."t1","public"."t2" TO "alice";`},
		{pgPrivsReq{Type: "database", State: "present", Privs: []string{"CONNECT"}, Objs: []string{"acme"}, GrantOption: &tr}, `"alice","bob"`,
			`GRANT CONNECT ON database "acme" TO "alice","bob" WITH GRANT OPTION;`},
		{pgPrivsReq{Type: "schema", State: "present", Privs: []string{"USAGE"}, Objs: []string{"s"}, GrantOption: &f}, `"alice"`,
			"GRANT USAGE ON schema \"s\" TO \"alice\";\nREVOKE GRANT OPTION FOR USAGE ON schema \"s\" FROM \"alice\";"},
		{pgPrivsReq{Type: "table", State: "absent", Privs: []string{"ALL"}, Objs: []string{"t1"}, Schema: &pub}, "PUBLIC",
			`REVOKE ALL ON table "public"."t1" FROM PUBLIC;`},
		{pgPrivsReq{Type: "group", State: "present", Objs: []string{"admins"}, GrantOption: &tr}, `"carol"`,
			`GRANT "admins" TO "carol" WITH ADMIN OPTION;`},
		{pgPrivsReq{Type: "group", State: "present", Objs: []string{"admins"}, GrantOption: &f}, `"carol"`,
			"GRANT \"admins\" TO \"carol\";\nREVOKE ADMIN OPTION FOR \"admins\" FROM \"carol\";"},
		{pgPrivsReq{Type: "default_privs", State: "present", Privs: []string{"SELECT"}, Objs: []string{"TABLES"}, Schema: &pub, UsageTypes: true}, `"carol"`,
			"ALTER DEFAULT PRIVILEGES IN SCHEMA \"public\" REVOKE ALL ON TABLES FROM \"carol\";\nALTER DEFAULT PRIVILEGES IN SCHEMA \"public\" GRANT SELECT ON TABLES TO \"carol\";\nALTER DEFAULT PRIVILEGES IN SCHEMA \"public\" GRANT USAGE ON TYPES TO \"carol\";"},
		{pgPrivsReq{Type: "default_privs", State: "present", Privs: []string{"ALL"}, Objs: []string{"SEQUENCES", "TABLES"}, Schema: &pub, TargetRoles: []string{"owner"}, GrantOption: &tr}, `"carol"`,
			"ALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" REVOKE ALL ON SEQUENCES FROM \"carol\";\nALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" REVOKE ALL ON TABLES FROM \"carol\";\nALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" GRANT ALL ON SEQUENCES TO \"carol\" WITH GRANT OPTION;\nALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" GRANT ALL ON TABLES TO \"carol\" WITH GRANT OPTION; WITH GRANT OPTION;"},
		{pgPrivsReq{Type: "default_privs", State: "absent", Privs: []string{"ALL"}, Objs: []string{"TABLES"}, Schema: &pub, TargetRoles: []string{"owner"}, UsageTypes: true}, `"carol"`,
			"ALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" REVOKE ALL ON TABLES FROM \"carol\";\nALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" REVOKE ALL ON SEQUENCES FROM \"carol\";\nALTER DEFAULT PRIVILEGES FOR ROLE \"owner\" IN SCHEMA \"public\" REVOKE ALL ON TYPES FROM \"carol\";"},
	} {
		req := c.req
		got, err := pgPrivsQuery(&req, c.forWhom)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	// Function signatures go into SQL as written, so only type names pass.
	bad := pgPrivsReq{Type: "function", State: "present", Privs: []string{"EXECUTE"}, Objs: []string{"f(int); DROP TABLE x; --)"}, Schema: &pub}
	_, err := pgPrivsQuery(&bad, `"a"`)
	require.Error(t, err)
	ok := pgPrivsReq{Type: "function", State: "present", Privs: []string{"EXECUTE"}, Objs: []string{"f(int, character varying)"}, Schema: &pub}
	got, err := pgPrivsQuery(&ok, `"a"`)
	require.NoError(t, err)
	require.Equal(t, `GRANT EXECUTE ON function "public"."f"(int, character varying) TO "a";`, got)
}

func TestPgPrivsRequestErrors(t *testing.T) {
	for args, msg := range map[*map[string]any]string{
		{"database": "d", "roles": "r", "type": "database", "schema": "s", "privs": "CONNECT"}:       `Argument "schema" is not allowed for type "database".`,
		{"database": "d", "roles": "r", "type": "schema", "objs": "ALL_IN_SCHEMA", "privs": "USAGE"}: `Argument "objs": ALL_IN_SCHEMA can be used only for type: table, sequence, function or procedure, schema was passed.`,
		{"database": "d", "roles": "r", "type": "table", "privs": "SELECT"}:                          `Argument "objs" is required for type "table".`,
		{"database": "d", "roles": "r", "type": "group", "objs": "g", "privs": "SELECT"}:             `Argument "privs" is not allowed for type "group".`,
		{"database": "d", "roles": "r", "type": "table", "objs": "t"}:                                `Argument "privs" is required for type "table".`,
		{"database": "d", "roles": "r", "type": "table", "objs": "t", "privs": "SELECT,fly"}:         `Invalid privileges specified: frozenset({'FLY'})`,
		{"database": "d", "roles": "r", "type": "default_privs", "objs": "VIEWS", "privs": "SELECT"}: `Invalid Object set specified: frozenset({'VIEWS'})`,
	} {
		_, err := pgPrivsRequest(*args)
		require.EqualError(t, err, msg)
	}
	req, err := pgPrivsRequest(map[string]any{"database": "d", "roles": "public", "type": "database", "privs": "connect,temp"})
	require.NoError(t, err)
	require.True(t, req.Public)
	require.Equal(t, []string{"d"}, req.Objs)
	require.Equal(t, []string{"CONNECT", "TEMP"}, req.Privs)
}

func TestPgDumpCommand(t *testing.T) {
	c := &pgConn{DB: "acme", User: "postgres", Port: 5432, Params: map[string]string{}}
	info := `'--dbname=dbname='"'"'acme'"'"' user='"'"'postgres'"'"' port=5432'`
	for _, tc := range []struct{ state, target, want string }{
		{"dump", "/b/acme.sql", "pg_dump " + info + " > /b/acme.sql"},
		{"dump", "/b/acme.tar", "pg_dump " + info + " --format=t > /b/acme.tar"},
		{"dump", "/b/acme.dir", "pg_dump " + info + " --format=d -f /b/acme.dir"},
		{"dump", "/b/a b.sql.gz", `tmp=$(mktemp) || exit 1; pg_dump ` + info + ` > "$tmp" && gzip -c < "$tmp" > '/b/a b.sql.gz'; rc=$?; rm -f "$tmp"; exit $rc`},
		{"restore", "/b/acme.sql", "psql " + strings.Replace(info, "'--dbname", "'--dbname", 1) + " --file=/b/acme.sql"},
		{"restore", "/b/acme.pgc", "pg_restore " + info + " --format=Custom < /b/acme.pgc"},
		{"restore", "/b/acme.sql.xz", "xzcat /b/acme.sql.xz | psql " + info},
		{"restore", "/b/acme.dump", "psql " + info + " < /b/acme.dump"},
	} {
		require.Equal(t, tc.want, pgDumpCommand(tc.state, c, tc.target, nil, nil), tc.target)
	}
	require.Equal(t, "pg_dump "+info+" --no-owner ';rm' > x.sql", pgDumpCommand("dump", c, "x.sql", []string{";rm"}, []string{"--no-owner"}))
}
