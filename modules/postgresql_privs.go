package modules

// The postgresql_privs module, as community.postgresql.postgresql_privs
// (2.4). Like the collection, it reads the objects' ACLs, runs the GRANT
// or REVOKE, reads them again and reports changed when they differ; all of
// it in one transaction through psql, rolled back in check mode (and
// committed otherwise), so that check mode predicts exactly.

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

func postgresqlPrivsSpec() Spec {
	p := postgresCommonParams()
	for k, v := range map[string]Param{
		"database": {Type: "str", Required: true, Aliases: []string{"db", "login_db"}},
		"state":    {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
		"privs":    {Type: "str", Aliases: []string{"priv"}},
		"type": {Type: "str", Default: "table", Choices: []string{"table", "sequence", "function", "procedure",
			"database", "schema", "language", "tablespace", "group", "default_privs",
			"foreign_data_wrapper", "foreign_server", "type"}},
		"objs":           {Type: "str", Aliases: []string{"obj"}},
		"schema":         {Type: "str"},
		"roles":          {Type: "str", Required: true, Aliases: []string{"role"}},
		"session_role":   {Type: "str"},
		"target_roles":   {Type: "str"},
		"grant_option":   {Type: "bool", Aliases: []string{"admin_option"}},
		"password":       {Type: "str", Default: "", NoLog: true},
		"fail_on_role":   {Type: "bool", Default: true},
		"trust_input":    {Type: "bool", Default: true},
		"usage_on_types": {Type: "bool", Default: true},
	} {
		p[k] = v
	}
	return Spec{Params: p, CheckMode: true}
}

func init() { Register("postgresql_privs", postgresqlPrivsSpec(), ModuleFunc(runPostgresqlPrivs)) }

var pgPrivsValid = map[string]bool{"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true,
	"TRUNCATE": true, "REFERENCES": true, "TRIGGER": true, "CREATE": true, "CONNECT": true,
	"TEMPORARY": true, "TEMP": true, "EXECUTE": true, "USAGE": true, "ALL": true}

var pgDefaultObjs = map[string][]string{
	"TABLES":    {"ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"},
	"SEQUENCES": {"ALL", "SELECT", "UPDATE", "USAGE"},
	"FUNCTIONS": {"ALL", "EXECUTE"},
	"TYPES":     {"ALL", "USAGE"},
	"SCHEMAS":   {"CREATE", "USAGE"},
}

// pgPrivsReq is a postgresql_privs request after the argument checks of
// the collection's main().
type pgPrivsReq struct {
	Type        string
	State       string
	Privs       []string // sorted; nil for type group
	Objs        []string // as written (function signatures with ',' for ':')
	AllInSchema bool
	Schema      *string // nil: not schema-qualified
	Roles       []string
	Public      bool
	TargetRoles []string
	GrantOption *bool
	UsageTypes  bool
	Database    string
}

// pyFrozenset renders a set of names as Python's repr of a frozenset.
func pyFrozenset(items []string) string {
	sort.Strings(items)
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = pyRepr(s)
	}
	return "frozenset({" + strings.Join(q, ", ") + "})"
}

// pgPrivsRequest checks the arguments as the collection's main() does.
func pgPrivsRequest(args map[string]any) (*pgPrivsReq, error) {
	fa := fileArgs(args)
	s := func(k string) (string, bool) { return fa.str(k) }
	req := &pgPrivsReq{UsageTypes: fa.boolean("usage_on_types", true)}
	req.Type, _ = s("type")
	if req.Type == "" {
		req.Type = "table"
	}
	req.State, _ = s("state")
	req.Database, _ = s("database")
	objs, _ := s("objs")
	schema, hasSchema := s("schema")
	privs, _ := s("privs")
	switch req.Type {
	case "table", "sequence", "function", "procedure", "type", "default_privs":
		if objs == "schemas" || schema == "not-specified" {
			req.Schema = nil
		} else {
			if !hasSchema || schema == "" {
				schema = "public"
			}
			req.Schema = &schema
		}
	default:
		if schema != "" {
			return nil, fmt.Errorf(`Argument "schema" is not allowed for type "%s".`, req.Type)
		}
	}
	if objs == "ALL_IN_SCHEMA" && !contains([]string{"table", "sequence", "function", "procedure"}, req.Type) {
		return nil, fmt.Errorf(`Argument "objs": ALL_IN_SCHEMA can be used only for type: table, sequence, function or procedure, %s was passed.`, req.Type)
	}
	if req.Type == "database" {
		if objs == "" {
			objs = req.Database
		}
	} else if objs == "" {
		return nil, fmt.Errorf(`Argument "objs" is required for type "%s".`, req.Type)
	}
	if req.Type == "group" {
		if privs != "" {
			return nil, fmt.Errorf(`Argument "privs" is not allowed for type "group".`)
		}
	} else if privs == "" {
		return nil, fmt.Errorf(`Argument "privs" is required for type "%s".`, req.Type)
	}
	if privs != "" {
		set := map[string]bool{}
		var bad []string
		for _, p := range strings.Split(privs, ",") {
			p = strings.ToUpper(p)
			if !set[p] {
				set[p] = true
				if !pgPrivsValid[p] {
					bad = append(bad, p)
				}
			}
		}
		if len(bad) > 0 {
			return nil, fmt.Errorf("Invalid privileges specified: %s", pyFrozenset(bad))
		}
		for p := range set {
			req.Privs = append(req.Privs, p)
		}
		sort.Strings(req.Privs)
	}
	switch {
	case objs == "ALL_IN_SCHEMA":
		req.AllInSchema = true
	case req.Type == "default_privs":
		var list []string
		if objs == "ALL_DEFAULT" {
			list = []string{"FUNCTIONS", "SEQUENCES", "TABLES", "TYPES"}
		} else {
			set := map[string]bool{}
			var bad []string
			for _, o := range strings.Split(objs, ",") {
				o = strings.ToUpper(o)
				if _, ok := pgDefaultObjs[o]; !ok {
					bad = append(bad, o)
				}
				if !set[o] {
					set[o] = true
					list = append(list, o)
				}
			}
			if len(bad) > 0 {
				return nil, fmt.Errorf("Invalid Object set specified: %s", pyFrozenset(bad))
			}
			sort.Strings(list)
		}
		var valid []string
		for _, o := range list {
			ok := true
			for _, p := range req.Privs {
				if !contains(pgDefaultObjs[o], p) {
					ok = false
				}
			}
			if ok {
				valid = append(valid, o)
			}
		}
		if len(valid) != len(list) {
			return nil, fmt.Errorf("Invalid priv specified. Valid object for priv: %s. Objects: %s", pyFrozenset(valid), pyFrozenset(list))
		}
		req.Objs = list
	default:
		req.Objs = strings.Split(objs, ",")
		if req.Type == "function" || req.Type == "procedure" {
			for i, o := range req.Objs {
				req.Objs[i] = strings.ReplaceAll(o, ":", ",")
			}
		}
	}
	roles, _ := s("roles")
	if strings.ToUpper(roles) == "PUBLIC" {
		req.Public = true
	} else {
		req.Roles = strings.Split(roles, ",")
	}
	if tr, _ := s("target_roles"); tr != "" {
		req.TargetRoles = strings.Split(tr, ",")
	}
	if v, ok := args["grant_option"]; ok && v != nil {
		b := fa.boolean("grant_option", false)
		req.GrantOption = &b
	}
	return req, nil
}

// pgFuncArgs checks a function signature's argument list (the part after
// "(") so that it can go into SQL as written: type names only.
func pgFuncArgs(args string) error {
	for _, r := range args {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(" ,._[]()\t", r)) {
			return fmt.Errorf("Illegal function / procedure signature argument character %q", r)
		}
	}
	if strings.Count(args, "(") != strings.Count(args, ")")-1 || !strings.HasSuffix(strings.TrimSpace(args), ")") {
		return fmt.Errorf("Illegal function / procedure signature: unbalanced parentheses in %q", args)
	}
	return nil
}

// pgPrivsQuery builds the GRANT/REVOKE statements as the collection's
// QueryBuilder does. forWhom are the quoted roles (or PUBLIC).
func pgPrivsQuery(req *pgPrivsReq, forWhom string) (string, error) {
	var q pgQ
	qschema := ""
	if req.Schema != nil {
		qschema = q.id(*req.Schema)
	}
	var ids []string
	for _, o := range req.Objs {
		switch req.Type {
		case "function", "procedure":
			i := strings.Index(o, "(")
			if i < 0 {
				return "", fmt.Errorf(`Illegal function / procedure signature: "%s".`, o)
			}
			if err := pgFuncArgs(o[i+1:]); err != nil {
				return "", err
			}
			id := q.id(o[:i]) + "(" + o[i+1:]
			if req.Schema != nil {
				id = qschema + "." + id
			}
			ids = append(ids, id)
		case "table", "sequence", "type":
			id := q.id(o)
			if req.Schema != nil {
				id = qschema + "." + id
			}
			ids = append(ids, id)
		default:
			ids = append(ids, q.id(o))
		}
	}
	privs := strings.Join(req.Privs, ",")
	var setWhat string
	switch {
	case req.Type == "group":
		setWhat = strings.Join(ids, ",")
	case req.Type == "default_privs":
		setWhat = privs
	case req.AllInSchema:
		setWhat = fmt.Sprintf("%s ON ALL %sS IN SCHEMA %s", privs, strings.ToUpper(req.Type), qschema)
	default:
		setWhat = fmt.Sprintf("%s ON %s %s", privs, strings.ReplaceAll(req.Type, "_", " "), strings.Join(ids, ","))
	}
	asWho := ""
	if len(req.TargetRoles) > 0 && req.Type == "default_privs" {
		var r []string
		for _, t := range req.TargetRoles {
			r = append(r, q.id(t))
		}
		asWho = strings.Join(r, ",")
	}
	inSchema := ""
	if req.Schema != nil {
		inSchema = " IN SCHEMA " + qschema
	}
	alter := "ALTER DEFAULT PRIVILEGES" + inSchema
	if asWho != "" {
		alter = "ALTER DEFAULT PRIVILEGES FOR ROLE " + asWho + inSchema
	}
	var out []string
	grantOpt := func() {
		switch {
		case req.GrantOption != nil && *req.GrantOption:
			if req.Type == "group" {
				out[len(out)-1] += " WITH ADMIN OPTION;"
			} else {
				out[len(out)-1] += " WITH GRANT OPTION;"
			}
		case req.GrantOption != nil:
			out[len(out)-1] += ";"
			if req.Type == "group" {
				out = append(out, fmt.Sprintf("REVOKE ADMIN OPTION FOR %s FROM %s;", setWhat, forWhom))
			} else if req.Type != "default_privs" {
				out = append(out, fmt.Sprintf("REVOKE GRANT OPTION FOR %s FROM %s;", setWhat, forWhom))
			}
		default:
			out[len(out)-1] += ";"
		}
	}
	switch {
	case req.State != "absent" && req.Type == "default_privs":
		for _, o := range req.Objs {
			out = append(out, fmt.Sprintf("%s REVOKE ALL ON %s FROM %s;", alter, o, forWhom))
		}
		for _, o := range req.Objs {
			out = append(out, fmt.Sprintf("%s GRANT %s ON %s TO %s", alter, setWhat, o, forWhom))
			grantOpt()
		}
		if req.UsageTypes {
			out = append(out, fmt.Sprintf("%s GRANT USAGE ON TYPES TO %s", alter, forWhom))
		}
		grantOpt()
	case req.State != "absent":
		out = append(out, fmt.Sprintf("GRANT %s TO %s", setWhat, forWhom))
		grantOpt()
	case req.Type == "default_privs":
		for _, o := range []string{"TABLES", "SEQUENCES", "TYPES"} {
			out = append(out, fmt.Sprintf("%s REVOKE ALL ON %s FROM %s;", alter, o, forWhom))
		}
	default:
		out = append(out, fmt.Sprintf("REVOKE %s FROM %s;", setWhat, forWhom))
	}
	return strings.Join(out, "\n"), q.err
}

// pgPrivsStatusSQL reads the ACLs (or memberships) the collection's
// get_status compares, each row tagged with tag.
func pgPrivsStatusSQL(req *pgPrivsReq, objs []string, tag string) (string, error) {
	var q pgQ
	arr := func(list []string) string {
		l := make([]string, len(list))
		for i, s := range list {
			l[i] = q.lit(s)
		}
		return "ARRAY[" + strings.Join(l, ",") + "]::text[]"
	}
	nsp := func(col string) string {
		if req.Schema == nil {
			return ""
		}
		return " AND " + col + " = " + q.lit(*req.Schema)
	}
	t := q.lit(tag)
	var sql string
	switch req.Type {
	case "table", "sequence":
		kinds := "('r','p','v','m')"
		if req.Type == "sequence" {
			kinds = "('S')"
		}
		sql = "SELECT " + pgRecord(t, "relacl") + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE relkind IN " + kinds + nsp("nspname") + " AND relname = ANY (" + arr(objs) + ") ORDER BY relname"
	case "function", "procedure":
		var names []string
		for _, f := range objs {
			names = append(names, strings.SplitN(f, "(", 2)[0])
		}
		sql = "SELECT " + pgRecord(t, "proacl") + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE proname = ANY (" + arr(names) + ")" + nsp("nspname") + " ORDER BY proname, proargtypes"
	case "schema":
		sql = "SELECT " + pgRecord(t, "nspacl") + " FROM pg_catalog.pg_namespace WHERE nspname = ANY (" + arr(objs) + ") ORDER BY nspname"
	case "language":
		sql = "SELECT " + pgRecord(t, "lanacl") + " FROM pg_catalog.pg_language WHERE lanname = ANY (" + arr(objs) + ") ORDER BY lanname"
	case "tablespace":
		sql = "SELECT " + pgRecord(t, "spcacl") + " FROM pg_catalog.pg_tablespace WHERE spcname = ANY (" + arr(objs) + ") ORDER BY spcname"
	case "database":
		sql = "SELECT " + pgRecord(t, "datacl") + " FROM pg_catalog.pg_database WHERE datname = ANY (" + arr(objs) + ") ORDER BY datname"
	case "group":
		sql = "SELECT " + pgRecord(t, "roleid", "grantor", "member", "admin_option") + " FROM pg_catalog.pg_auth_members am JOIN pg_catalog.pg_roles r ON r.oid = am.roleid WHERE r.rolname = ANY (" + arr(objs) + ") ORDER BY roleid, grantor, member"
	case "default_privs":
		sql = "SELECT " + pgRecord(t, "defaclacl") + " FROM pg_catalog.pg_default_acl a JOIN pg_catalog.pg_namespace b ON a.defaclnamespace = b.oid WHERE true" + nsp("b.nspname")
	case "foreign_data_wrapper":
		sql = "SELECT " + pgRecord(t, "fdwacl") + " FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = ANY (" + arr(objs) + ") ORDER BY fdwname"
	case "foreign_server":
		sql = "SELECT " + pgRecord(t, "srvacl") + " FROM pg_catalog.pg_foreign_server WHERE srvname = ANY (" + arr(objs) + ") ORDER BY srvname"
	case "type":
		sql = "SELECT " + pgRecord(t, "typacl") + " FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE typname = ANY (" + arr(objs) + ")" + nsp("n.nspname") + " ORDER BY typname"
	default:
		return "", fmt.Errorf(`Unsupported database object type "%s".`, req.Type)
	}
	return sql + ";", q.err
}

// pgAllInSchemaSQL lists the objects ALL_IN_SCHEMA stands for.
func pgAllInSchemaSQL(req *pgPrivsReq) (string, error) {
	var q pgQ
	schema := ""
	if req.Schema != nil {
		schema = *req.Schema
	}
	s := q.lit(schema)
	exists := "SELECT " + pgRecord("'S'", "count(*)") + " FROM pg_catalog.pg_namespace WHERE nspname = " + s + ";\n"
	var sql string
	switch req.Type {
	case "table":
		sql = "SELECT " + pgRecord("'O'", "relname") + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE nspname = " + s + " AND relkind IN ('r','v','m','p');"
	case "sequence":
		sql = "SELECT " + pgRecord("'O'", "relname") + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE nspname = " + s + " AND relkind = 'S';"
	case "function", "procedure":
		kind := "f"
		if req.Type == "procedure" {
			kind = "p"
		}
		sql = "SELECT " + pgRecord("'O'", "p.proname || '(' || oidvectortypes(p.proargtypes) || ')'") + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE nspname = " + s + " AND p.prokind = '" + kind + "';"
	}
	return exists + sql, q.err
}

func runPostgresqlPrivs(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	if pw, _ := fa.str("password"); pw != "" {
		if lp, _ := fa.str("login_password"); lp != "" {
			return Failf(`Use the "password" or "login_password" option but not both to pass a password to log in with.`), nil
		}
		args := make(map[string]any, len(t.Args))
		for k, v := range t.Args {
			args[k] = v
		}
		args["login_password"] = pw
		t = &Task{Name: t.Name, Module: t.Module, Args: args, Conn: t.Conn, Become: t.Become, Env: t.Env,
			Check: t.Check, Diff: t.Diff, Ctl: t.Ctl, Host: t.Host}
		fa = fileArgs(args)
	}
	req, err := pgPrivsRequest(t.Args)
	if err != nil {
		return Failf("%v", err), nil
	}
	c, err := pgConnFrom(t.Args, req.Database)
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
	r := Result{"changed": false, "queries": queries}
	var warnings []string
	finish := func(r Result) Result {
		if len(warnings) > 0 {
			r["warnings"] = warnings
		}
		return r
	}

	if req.AllInSchema {
		sql, err := pgAllInSchemaSQL(req)
		if err != nil {
			return Failf("%v", err), nil
		}
		rows, err := pgRun(ctx, t, c, prefix+sql)
		if err != nil {
			return pgFail("", err, r)
		}
		for _, row := range rows {
			if len(row) == 2 && row[0] == "S" && row[1] == "0" {
				return Failf(`Schema "%s" does not exist.`, *req.Schema), nil
			}
			if len(row) == 2 && row[0] == "O" {
				req.Objs = append(req.Objs, row[1])
			}
		}
	}

	// Which roles exist.
	forWhom := "PUBLIC"
	if !req.Public {
		var q pgQ
		l := make([]string, len(req.Roles))
		for i, role := range req.Roles {
			l[i] = q.lit(role)
		}
		if q.err != nil {
			return Failf("%v", q.err), nil
		}
		rows, err := pgRun(ctx, t, c, prefix+"SELECT "+pgRecord("rolname")+" FROM pg_catalog.pg_roles WHERE rolname = ANY (ARRAY["+strings.Join(l, ",")+"]::text[]);")
		if err != nil {
			return pgFail("", err, r)
		}
		have := map[string]bool{}
		for _, row := range rows {
			have[row[0]] = true
		}
		failOnRole := fa.boolean("fail_on_role", true)
		if len(req.Roles) == 1 && !have[req.Roles[0]] {
			if failOnRole {
				return Failf("Role '%s' does not exist", strings.TrimSpace(req.Roles[0])), nil
			}
			warnings = append(warnings, fmt.Sprintf("Role '%s' does not exist, nothing to do", strings.TrimSpace(req.Roles[0])))
			return finish(r), nil
		}
		var ids []string
		for _, role := range req.Roles {
			if !have[role] {
				if failOnRole {
					return Failf("Role '%s' does not exist", strings.TrimSpace(role)), nil
				}
				warnings = append(warnings, fmt.Sprintf("Role '%s' does not exist, pass it", strings.TrimSpace(role)))
				continue
			}
			ids = append(ids, mustIdent(role))
		}
		if len(ids) == 0 {
			return finish(r), nil
		}
		forWhom = strings.Join(ids, ",")
	}
	if tr, _ := fa.str("target_roles"); tr != "" && req.Type != "default_privs" {
		warnings = append(warnings, `"target_roles" will be ignored Argument "type: default_privs" is required for usage of "target_roles".`)
	}
	if len(req.Objs) == 0 {
		return finish(r), nil
	}
	query, err := pgPrivsQuery(req, forWhom)
	if err != nil {
		return Failf("%v", err), nil
	}
	before, err := pgPrivsStatusSQL(req, req.Objs, "B")
	if err != nil {
		return Failf("%v", err), nil
	}
	after, _ := pgPrivsStatusSQL(req, req.Objs, "A")
	end := "COMMIT;"
	if t.Check {
		end = "ROLLBACK;"
	}
	queries = append(queries, query)
	r["queries"] = queries
	rows, err := pgRun(ctx, t, c, prefix+"BEGIN;\n"+before+"\n"+query+"\n"+after+"\n"+end)
	if err != nil {
		return pgFail("", err, r)
	}
	if req.Public {
		r["changed"] = true
		return finish(r), nil
	}
	var b, a []string
	for _, row := range rows {
		v := strings.Join(row[1:], "\x1f")
		if v == pgNull {
			v = ""
		}
		switch row[0] {
		case "B":
			b = append(b, v)
		case "A":
			a = append(a, v)
		}
	}
	sort.Strings(b)
	sort.Strings(a)
	r["changed"] = strings.Join(b, "\x00") != strings.Join(a, "\x00") || len(a) != len(b)
	return finish(r), nil
}
