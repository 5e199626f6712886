package modules

// The postgresql_user module, as community.postgresql.postgresql_user
// (2.4): roles created, altered (password, role_attr_flags, expires,
// conn_limit, comment), given the deprecated priv and groups, and dropped,
// through psql on the host. A password is compared with the stored SCRAM
// or MD5 hash, as the collection does, so that a run with the same
// password changes nothing; it is sent on psql's standard input only and
// never appears in results (queries show %(password)s, as Ansible's do).

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func postgresqlUserSpec() Spec {
	p := postgresCommonParams()
	for k, v := range map[string]Param{
		"user":                {Type: "str", Required: true, Aliases: []string{"name"}},
		"password":            {Type: "str", NoLog: true},
		"state":               {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
		"priv":                {Type: "str"},
		"db":                  {Type: "str", Default: "", Aliases: []string{"login_db"}},
		"fail_on_user":        {Type: "bool", Default: true, Aliases: []string{"fail_on_role"}},
		"role_attr_flags":     {Type: "str", Default: ""},
		"encrypted":           {Type: "bool", Default: true},
		"no_password_changes": {Type: "bool", Default: false},
		"expires":             {Type: "str"},
		"conn_limit":          {Type: "int"},
		"session_role":        {Type: "str"},
		"groups":              {Type: "list", Elements: "str"},
		"comment":             {Type: "str"},
		"trust_input":         {Type: "bool", Default: true},
	} {
		p[k] = v
	}
	return Spec{Params: p, CheckMode: true}
}

func init() { Register("postgresql_user", postgresqlUserSpec(), ModuleFunc(runPostgresqlUser)) }

// pgRoleFlags are the role attributes and their pg_authid columns.
var pgRoleFlags = map[string]string{
	"SUPERUSER": "rolsuper", "CREATEROLE": "rolcreaterole", "CREATEDB": "rolcreatedb",
	"INHERIT": "rolinherit", "LOGIN": "rolcanlogin", "REPLICATION": "rolreplication",
	"BYPASSRLS": "rolbypassrls",
}

// pgRoleFlagOrder is the order of the columns read into pgRole.Flags.
var pgRoleFlagOrder = []string{"SUPERUSER", "CREATEROLE", "CREATEDB", "INHERIT", "LOGIN", "REPLICATION", "BYPASSRLS"}

// pgParseRoleAttrs parses role_attr_flags ("CREATEDB,NOSUPERUSER") as
// parse_role_attrs does: upper-cased, deduplicated, checked; returned
// sorted (Ansible's order is a Python set's).
func pgParseRoleAttrs(s string) ([]string, error) {
	set := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			set[strings.ToUpper(f)] = true
		}
	}
	var out, bad []string
	for f := range set {
		if _, ok := pgRoleFlags[strings.TrimPrefix(f, "NO")]; ok {
			out = append(out, f)
		} else if _, ok := pgRoleFlags[f]; ok {
			out = append(out, f)
		} else {
			bad = append(bad, f)
		}
	}
	sort.Strings(out)
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("Invalid role_attr_flags specified: %s", strings.Join(bad, " "))
	}
	return out, nil
}

// pgRole is a role's row from pg_authid (or pg_roles).
type pgRole struct {
	Exists       bool
	Password     *string // nil: NULL
	AuthidRead   bool    // false when pg_authid could not be read
	Flags        map[string]bool
	ConnLimit    int
	ExpiresDiff  bool // the asked expires differs from rolvaliduntil
	Comment      *string
	ServerVerNum int
}

var pgScramRE = regexp.MustCompile(`^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$`)

// pgPasswordChanging is user_should_we_change_password: whether password
// differs from the stored one (stored nil is NULL; known false when the
// stored value could not be read).
func pgPasswordChanging(stored *string, known bool, user string, password *string, encrypted bool) bool {
	if !known {
		return true
	}
	if password == nil {
		return false
	}
	pw := *password
	switch {
	case pw == "":
		return stored != nil
	case pgScramRE.MatchString(pw):
		return stored == nil || pw != *stored
	case stored != nil && pgScramRE.MatchString(*stored):
		return !pgScramMatches(*stored, pw)
	case strings.HasPrefix(pw, "md5") && len(pw) == 35 || !encrypted:
		return stored == nil || pw != *stored
	default:
		sum := md5.Sum([]byte(pw + user))
		return stored == nil || "md5"+hex.EncodeToString(sum[:]) != *stored
	}
}

// pgScramMatches checks password against a SCRAM-SHA-256 verifier
// (RFC 5802: ServerKey = HMAC(Hi(password, salt, i), "Server Key")).
// Passwords that are not ASCII are NFKC-normalized, as SASLprep does.
func pgScramMatches(verifier, password string) bool {
	m := pgScramRE.FindStringSubmatch(verifier)
	if m == nil {
		return false
	}
	it, err := strconv.Atoi(m[1])
	if err != nil || it <= 0 || it > 10_000_000 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(m[2])
	serverKey, err2 := base64.StdEncoding.DecodeString(m[4])
	if err1 != nil || err2 != nil {
		return false
	}
	if !utf8.ValidString(password) {
		return false
	}
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			password = norm.NFKC.String(password)
			break
		}
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, it, sha256.Size)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Server Key"))
	return hmac.Equal(mac.Sum(nil), serverKey)
}

// pgUserArgs are postgresql_user's arguments.
type pgUserArgs struct {
	User              string
	Password          *string
	Flags             []string
	Encrypted         bool
	NoPasswordChanges bool
	Expires           *string
	ConnLimit         *int
	Comment           *string
	Groups            []string
}

func pgUserArgsFrom(args map[string]any) (pgUserArgs, error) {
	fa := fileArgs(args)
	a := pgUserArgs{Encrypted: fa.boolean("encrypted", true), NoPasswordChanges: fa.boolean("no_password_changes", false)}
	a.User, _ = fa.str("user")
	if v, ok := fa.str("password"); ok {
		a.Password = &v
	}
	if v, ok := fa.str("expires"); ok {
		a.Expires = &v
	}
	if v, ok := fa.str("comment"); ok {
		a.Comment = &v
	}
	if v, ok := args["conn_limit"]; ok && v != nil {
		n := fa.integer("conn_limit", 0)
		a.ConnLimit = &n
	}
	for _, g := range fa.list("groups") {
		a.Groups = append(a.Groups, strings.TrimSpace(g))
	}
	flags, _ := fa.str("role_attr_flags")
	var err error
	a.Flags, err = pgParseRoleAttrs(flags)
	return a, err
}

// pgUserStmt is one statement: SQL to run and its text for `queries`
// (with %(password)s and %(expires)s in place of their values, as
// Ansible's executed_queries show them).
type pgUserStmt struct{ SQL, Shown string }

// pgUserPlan decides the statements that make the role as asked, as
// user_add and user_alter do (without priv, groups and comment).
func pgUserPlan(a pgUserArgs, cur pgRole) ([]pgUserStmt, error) {
	var q pgQ
	crypt := "ENCRYPTED"
	if !a.Encrypted {
		crypt = "UNENCRYPTED"
	}
	flags := strings.Join(a.Flags, " ")
	build := func(parts []string) pgUserStmt {
		shown := strings.Join(parts, " ")
		sql := shown
		if a.Password != nil {
			sql = strings.ReplaceAll(sql, "%(password)s", q.lit(*a.Password))
		}
		if a.Expires != nil {
			sql = strings.ReplaceAll(sql, "%(expires)s", q.lit(*a.Expires))
		}
		return pgUserStmt{SQL: sql, Shown: shown}
	}
	if !cur.Exists {
		parts := []string{"CREATE USER " + q.id(a.User)}
		if a.Password != nil && *a.Password != "" {
			parts = append(parts, "WITH "+crypt, "PASSWORD %(password)s")
		}
		if a.Expires != nil {
			parts = append(parts, "VALID UNTIL %(expires)s")
		}
		if a.ConnLimit != nil {
			parts = append(parts, "CONNECTION LIMIT "+strconv.Itoa(*a.ConnLimit))
		}
		parts = append(parts, flags)
		st := build(parts)
		return []pgUserStmt{st}, q.err
	}
	if a.User == "PUBLIC" {
		if a.Password != nil {
			return nil, errors.New("cannot change the password for PUBLIC user")
		}
		if flags != "" {
			return nil, errors.New("cannot change the role_attr_flags for PUBLIC user")
		}
		return nil, nil
	}
	flagsChanging := false
	for _, f := range a.Flags {
		want := !strings.HasPrefix(f, "NO") || pgRoleFlags[f] != ""
		name := f
		if !want {
			name = strings.TrimPrefix(f, "NO")
		}
		if cur.Flags[name] != want {
			flagsChanging = true
		}
	}
	if a.NoPasswordChanges {
		if flags == "" || !flagsChanging {
			return nil, q.err
		}
		return []pgUserStmt{build([]string{"ALTER USER " + q.id(a.User), "WITH " + flags})}, q.err
	}
	if a.Password == nil && flags == "" && a.Expires == nil && a.ConnLimit == nil {
		return nil, q.err
	}
	pw := pgPasswordChanging(cur.Password, cur.AuthidRead, a.User, a.Password, a.Encrypted)
	expiresChanging := a.Expires != nil && cur.ExpiresDiff
	connChanging := a.ConnLimit != nil && *a.ConnLimit != cur.ConnLimit
	if !pw && !flagsChanging && !expiresChanging && !connChanging {
		return nil, q.err
	}
	parts := []string{"ALTER USER " + q.id(a.User)}
	if pw {
		if *a.Password != "" {
			parts = append(parts, "WITH "+crypt, "PASSWORD %(password)s")
		} else {
			parts = append(parts, "WITH PASSWORD NULL")
		}
		parts = append(parts, flags)
	} else if flags != "" {
		parts = append(parts, "WITH "+flags)
	}
	if a.Expires != nil {
		parts = append(parts, "VALID UNTIL %(expires)s")
	}
	if a.ConnLimit != nil {
		parts = append(parts, "CONNECTION LIMIT "+strconv.Itoa(*a.ConnLimit))
	}
	return []pgUserStmt{build(parts)}, q.err
}

// pgRoleSQL reads the role from table (pg_authid or pg_roles).
func pgRoleSQL(table, user string, expires *string) (string, error) {
	var q pgQ
	exp := "false"
	if expires != nil {
		exp = "(" + q.lit(*expires) + "::timestamptz IS DISTINCT FROM rolvaliduntil)"
	}
	cols := []string{"'R'", "rolpassword"}
	for _, f := range pgRoleFlagOrder {
		cols = append(cols, pgRoleFlags[f])
	}
	cols = append(cols, "rolconnlimit", exp, "pg_catalog.shobj_description(oid, 'pg_authid')")
	sql := "SELECT " + pgRecord("'V'", "current_setting('server_version_num')") + ";\n" +
		"SELECT " + pgRecord(cols...) + " FROM pg_catalog." + table + " WHERE rolname = " + q.lit(user) + ";"
	return sql, q.err
}

func pgRoleParse(rows [][]string, authid bool) pgRole {
	r := pgRole{AuthidRead: authid, Flags: map[string]bool{}}
	for _, row := range rows {
		switch {
		case len(row) == 2 && row[0] == "V":
			r.ServerVerNum, _ = strconv.Atoi(row[1])
		case len(row) == 5+len(pgRoleFlagOrder) && row[0] == "R":
			r.Exists = true
			if row[1] != pgNull {
				s := row[1]
				r.Password = &s
			}
			for i, f := range pgRoleFlagOrder {
				r.Flags[f] = row[2+i] == "true" || row[2+i] == "t"
			}
			n := 2 + len(pgRoleFlagOrder)
			r.ConnLimit, _ = strconv.Atoi(row[n])
			r.ExpiresDiff = row[n+1] == "true" || row[n+1] == "t"
			if row[n+2] != pgNull {
				s := row[n+2]
				r.Comment = &s
			}
		}
	}
	return r
}

// pgUserPriv is one object of the deprecated priv argument.
type pgUserPriv struct {
	Type  string // "database" or "table"
	Name  string
	Privs []string // normalized, sorted
}

var pgUserValidPrivs = map[string][]string{
	"table":    {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"},
	"database": {"CREATE", "CONNECT", "TEMPORARY"},
}

// pgParseUserPrivs parses priv ("CONNECT/products:SELECT,INSERT") as
// parse_privs does.
func pgParseUserPrivs(privs, db string) ([]pgUserPriv, error) {
	var out []pgUserPriv
	for _, tok := range strings.Split(privs, "/") {
		p := pgUserPriv{Type: "database", Name: db}
		list := tok
		if i := strings.Index(tok, ":"); i >= 0 {
			p.Type, p.Name, list = "table", tok[:i], tok[i+1:]
		}
		set := map[string]bool{}
		var bad []string
		for _, x := range strings.Split(list, ",") {
			x = strings.ToUpper(strings.TrimSpace(x))
			switch {
			case x == "":
			case x == "ALL":
				for _, v := range pgUserValidPrivs[p.Type] {
					set[v] = true
				}
			case x == "TEMP" && p.Type == "database":
				set["TEMPORARY"] = true
			case contains(pgUserValidPrivs[p.Type], x):
				set[x] = true
			default:
				bad = append(bad, x)
			}
		}
		if len(bad) > 0 {
			return nil, fmt.Errorf("Invalid privs specified for %s: %s", p.Type, strings.Join(bad, " "))
		}
		for k := range set {
			p.Privs = append(p.Privs, k)
		}
		sort.Strings(p.Privs)
		// As in the collection's dict by type and name, a later token
		// for the same object replaces an earlier one ("CONNECT/TEMP"
		// asks for TEMPORARY only).
		replaced := false
		for i := range out {
			if out[i].Type == p.Type && out[i].Name == p.Name {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pgUserPrivsSQL reads the privileges user holds on each object.
func pgUserPrivsSQL(user string, privs []pgUserPriv) (string, error) {
	var q pgQ
	var b strings.Builder
	for i, p := range privs {
		tag := q.lit(strconv.Itoa(i))
		if p.Type == "table" {
			schema, table := "public", p.Name
			if j := strings.Index(p.Name, "."); j >= 0 {
				schema, table = p.Name[:j], p.Name[j+1:]
			}
			fmt.Fprintf(&b, "SELECT %s FROM information_schema.role_table_grants WHERE grantee = %s AND table_name = %s AND table_schema = %s;\n",
				pgRecord(tag, "privilege_type"), q.lit(user), q.lit(table), q.lit(schema))
			continue
		}
		grantee := "(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = " + q.lit(user) + ")"
		if user == "PUBLIC" {
			grantee = "0"
		}
		fmt.Fprintf(&b, "SELECT %s FROM pg_catalog.pg_database d, aclexplode(d.datacl) a WHERE d.datname = %s AND a.grantee = %s;\n",
			pgRecord(tag, "a.privilege_type"), q.lit(p.Name), grantee)
	}
	return b.String(), q.err
}

// pgUserPrivStmts decides GRANT (present) or REVOKE (absent) statements
// from what is held (held[i] for privs[i]).
func pgUserPrivStmts(user string, privs []pgUserPriv, held []map[string]bool, grant bool) ([]string, error) {
	var q pgQ
	who := q.id(user)
	if user == "PUBLIC" {
		who = "PUBLIC"
	}
	var out []string
	for i, p := range privs {
		missing, have := false, false
		for _, x := range p.Privs {
			if held[i][x] {
				have = true
			} else {
				missing = true
			}
		}
		obj := "DATABASE " + q.id(p.Name)
		if p.Type == "table" {
			obj = "TABLE " + pgQualified(&q, p.Name)
		}
		list := strings.Join(p.Privs, ", ")
		if grant && missing {
			out = append(out, "GRANT "+list+" ON "+obj+" TO "+who)
		}
		if !grant && have {
			out = append(out, "REVOKE "+list+" ON "+obj+" FROM "+who)
		}
	}
	return out, q.err
}

// pgQualified quotes a possibly schema-qualified name (schema.table).
func pgQualified(q *pgQ, name string) string {
	parts := strings.SplitN(name, ".", 2)
	for i := range parts {
		parts[i] = q.id(parts[i])
	}
	return strings.Join(parts, ".")
}

func runPostgresqlUser(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	a, err := pgUserArgsFrom(t.Args)
	if err != nil {
		return Failf("%v", err), nil
	}
	state, _ := fa.str("state")
	db, _ := fa.str("db")
	privArg, hasPriv := fa.str("priv")
	if db == "" && hasPriv {
		return Failf("privileges require a database to be specified"), nil
	}
	var privs []pgUserPriv
	if hasPriv {
		if privs, err = pgParseUserPrivs(privArg, db); err != nil {
			return Failf("%v", err), nil
		}
	}
	connDB := db
	if connDB == "" {
		connDB = "postgres"
	}
	c, err := pgConnFrom(t.Args, connDB)
	if err != nil {
		return Failf("%v", err), nil
	}
	prefix := ""
	if role, _ := fa.str("session_role"); role != "" {
		id, err := pgIdent(role)
		if err != nil {
			return Failf("%v", err), nil
		}
		prefix = "SET ROLE " + id + ";\n"
	}
	queries := []string{}
	r := Result{"user": a.User, "changed": false, "queries": queries}

	// The role as it is.
	sql, err := pgRoleSQL("pg_authid", a.User, a.Expires)
	if err != nil {
		return Failf("%v", err), nil
	}
	rows, err := pgRun(ctx, t, c, prefix+sql)
	authid := true
	if err != nil {
		var pe *pgError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "permission denied") {
			return pgFail("", err, r)
		}
		authid = false
		sql, _ = pgRoleSQL("pg_roles", a.User, a.Expires)
		if rows, err = pgRun(ctx, t, c, prefix+sql); err != nil {
			return pgFail("", err, r)
		}
	}
	cur := pgRoleParse(rows, authid)
	if a.User == "PUBLIC" {
		cur.Exists = true
	}
	if cur.ServerVerNum > 0 && cur.ServerVerNum < 90500 {
		for _, f := range a.Flags {
			if strings.TrimPrefix(f, "NO") == "BYPASSRLS" {
				return Failf("Invalid role_attr_flags specified: %s", f), nil
			}
		}
	}

	heldPrivs := func() ([]map[string]bool, error) {
		held := make([]map[string]bool, len(privs))
		for i := range held {
			held[i] = map[string]bool{}
		}
		if len(privs) == 0 || !cur.Exists {
			return held, nil
		}
		sql, err := pgUserPrivsSQL(a.User, privs)
		if err != nil {
			return nil, err
		}
		rows, err := pgRun(ctx, t, c, prefix+sql)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if len(row) != 2 {
				continue
			}
			i, err := strconv.Atoi(row[0])
			if err != nil || i < 0 || i >= len(held) {
				continue
			}
			held[i][row[1]] = true
		}
		return held, nil
	}

	var stmts []pgUserStmt
	if state == "absent" {
		if !cur.Exists {
			return r, nil
		}
		held, err := heldPrivs()
		if err != nil {
			return pgFail("", err, r)
		}
		revokes, err := pgUserPrivStmts(a.User, privs, held, false)
		if err != nil {
			return Failf("%v", err), nil
		}
		if t.Check {
			r["changed"], r["user_removed"] = true, true
			return r, nil
		}
		changed := false
		if len(revokes) > 0 {
			queries = append(queries, revokes...)
			r["queries"] = queries
			if _, err := pgRun(ctx, t, c, prefix+strings.Join(revokes, ";\n")+";"); err != nil {
				return pgFail("", err, r)
			}
			changed = true
		}
		drop := "DROP USER " + mustIdent(a.User)
		queries = append(queries, drop)
		r["queries"] = queries
		_, err = pgRun(ctx, t, c, prefix+drop+";")
		removed := err == nil
		if err != nil {
			var pe *pgError
			if !errors.As(err, &pe) {
				return nil, err
			}
		}
		r["changed"] = changed || removed
		r["user_removed"] = removed
		if !removed && fa.boolean("fail_on_user", true) {
			r["failed"], r["msg"] = true, "Unable to remove user"
		}
		return r, nil
	}

	stmts, err = pgUserPlan(a, cur)
	if err != nil {
		return Failf("%v", err), nil
	}
	if cur.Exists || len(privs) > 0 {
		held, err := heldPrivs()
		if err != nil {
			return pgFail("", err, r)
		}
		grants, err := pgUserPrivStmts(a.User, privs, held, true)
		if err != nil {
			return Failf("%v", err), nil
		}
		for _, g := range grants {
			stmts = append(stmts, pgUserStmt{SQL: g, Shown: g})
		}
	}
	if len(a.Groups) > 0 {
		member := map[string]bool{}
		if cur.Exists {
			var q pgQ
			sql := "SELECT " + pgRecord("g.rolname") + " FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member WHERE u.rolname = " + q.lit(a.User) + ";"
			if q.err != nil {
				return Failf("%v", q.err), nil
			}
			rows, err := pgRun(ctx, t, c, prefix+sql)
			if err != nil {
				return pgFail("", err, r)
			}
			for _, row := range rows {
				member[row[0]] = true
			}
		}
		for _, g := range a.Groups {
			if !member[g] {
				var q pgQ
				s := "GRANT " + q.id(g) + " TO " + q.id(a.User)
				if q.err != nil {
					return Failf("%v", q.err), nil
				}
				stmts = append(stmts, pgUserStmt{SQL: s, Shown: s})
			}
		}
	}
	if a.Comment != nil && (cur.Comment == nil || *cur.Comment != *a.Comment) {
		var q pgQ
		s := "COMMENT ON ROLE " + q.id(a.User) + " IS " + q.lit(*a.Comment)
		if q.err != nil {
			return Failf("%v", q.err), nil
		}
		stmts = append(stmts, pgUserStmt{SQL: s, Shown: s})
	}
	if len(stmts) == 0 {
		return r, nil
	}
	var sqls []string
	for _, s := range stmts {
		queries = append(queries, s.Shown)
		sqls = append(sqls, s.SQL)
	}
	r["queries"], r["changed"] = queries, true
	// In check mode the statements run too, in a transaction rolled back,
	// as Ansible's module does (it runs them and calls rollback()): what
	// the server refuses (UNENCRYPTED PASSWORD since PostgreSQL 10, a
	// conn_limit below -1, a missing group) fails in check mode as it
	// would for real, and nothing is kept.
	end := "COMMIT;"
	if t.Check {
		end = "ROLLBACK;"
	}
	script := prefix + "BEGIN;\n" + strings.Join(sqls, ";\n") + ";\n" + end
	if a.Password != nil && *a.Password != "" {
		// The server quotes the failing statement ("LINE 1: ... PASSWORD
		// 'secret...") in its error at the default verbosity: terse
		// keeps the message alone, so the password is never printed.
		script = "\\set VERBOSITY terse\n" + script
	}
	if _, err := pgRun(ctx, t, c, script); err != nil {
		r["changed"] = false
		err = pgMaskSecret(err, a.Password)
		if !cur.Exists {
			return pgFail("Unable to add user with given requirement due to : ", err, r)
		}
		return pgFail("", err, r)
	}
	return r, nil
}

// pgMaskSecret replaces secret (and its SQL literal) in an SQL error's
// message with ********.
func pgMaskSecret(err error, secret *string) error {
	var pe *pgError
	if secret == nil || *secret == "" || !errors.As(err, &pe) {
		return err
	}
	msg := strings.ReplaceAll(pe.Msg, strings.ReplaceAll(*secret, "'", "''"), "********")
	return &pgError{Msg: strings.ReplaceAll(msg, *secret, "********")}
}
