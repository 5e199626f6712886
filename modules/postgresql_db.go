package modules

// The postgresql_db module, as community.postgresql.postgresql_db (2.4):
// databases created, altered (owner, connection limit, tablespace),
// renamed and dropped through psql on the host, dumped with pg_dump and
// restored with psql or pg_restore (the format and compression chosen by
// the target's suffix, as the collection does). target_opts and
// dump_extra_args are split into words as a shell would (lvolSplit) and
// each word quoted, where the collection hands them to a shell.

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

func postgresqlDBSpec() Spec {
	p := postgresCommonParams()
	for k, v := range map[string]Param{
		"db":              {Type: "str", Required: true, Aliases: []string{"name"}},
		"owner":           {Type: "str", Default: ""},
		"template":        {Type: "str", Default: ""},
		"encoding":        {Type: "str", Default: ""},
		"lc_collate":      {Type: "str", Default: ""},
		"lc_ctype":        {Type: "str", Default: ""},
		"state":           {Type: "str", Default: "present", Choices: []string{"absent", "dump", "present", "rename", "restore"}},
		"target":          {Type: "path", Default: ""},
		"target_opts":     {Type: "str", Default: ""},
		"maintenance_db":  {Type: "str", Default: "postgres"},
		"session_role":    {Type: "str"},
		"conn_limit":      {Type: "str", Default: ""},
		"tablespace":      {Type: "path", Default: ""},
		"dump_extra_args": {Type: "str"},
		"trust_input":     {Type: "bool", Default: true},
		"force":           {Type: "bool", Default: false},
	} {
		p[k] = v
	}
	return Spec{Params: p, CheckMode: true}
}

func init() { Register("postgresql_db", postgresqlDBSpec(), ModuleFunc(runPostgresqlDB)) }

// pgDBInfo is a database's row as get_db_info reads it.
type pgDBInfo struct {
	Exists     bool
	Owner      string
	Encoding   string
	EncodingID string
	Collate    string
	Ctype      string
	ConnLimit  string
	Tablespace string
	WantEncID  string // pg_char_to_encoding(encoding) of the asked encoding
}

// pgDBArgs are postgresql_db's arguments.
type pgDBArgs struct {
	DB, Owner, Template, Encoding, Collate, Ctype, ConnLimit, Tablespace string
	Force                                                                bool
}

func pgDBArgsFrom(args map[string]any) pgDBArgs {
	fa := fileArgs(args)
	s := func(k string) string { v, _ := fa.str(k); return v }
	return pgDBArgs{DB: s("db"), Owner: s("owner"), Template: s("template"), Encoding: s("encoding"),
		Collate: s("lc_collate"), Ctype: s("lc_ctype"), ConnLimit: s("conn_limit"),
		Tablespace: s("tablespace"), Force: fa.boolean("force", false)}
}

// pgDBInfoSQL reads db's state (and the id of the wanted encoding).
func pgDBInfoSQL(db, encoding string) (string, error) {
	var q pgQ
	sql := "SELECT " + pgRecord("rolname", "pg_encoding_to_char(encoding)", "encoding", "datcollate",
		"datctype", "datconnlimit", "spcname", "pg_char_to_encoding("+q.lit(encoding)+")") +
		" FROM pg_database JOIN pg_roles ON pg_roles.oid = pg_database.datdba" +
		" JOIN pg_tablespace ON pg_tablespace.oid = pg_database.dattablespace WHERE datname = " + q.lit(db) + ";"
	return sql, q.err
}

func pgDBInfoParse(rows [][]string) pgDBInfo {
	if len(rows) == 0 || len(rows[0]) < 8 {
		return pgDBInfo{}
	}
	r := rows[0]
	return pgDBInfo{Exists: true, Owner: r[0], Encoding: r[1], EncodingID: r[2], Collate: r[3],
		Ctype: r[4], ConnLimit: r[5], Tablespace: r[6], WantEncID: r[7]}
}

// pgDBPlan decides the statements for state=present, as db_create does;
// an error is a change PostgreSQL cannot make (NotSupportedError).
func pgDBPlan(a pgDBArgs, cur pgDBInfo) ([]string, error) {
	var q pgQ
	if a.ConnLimit != "" {
		if _, err := strconv.Atoi(strings.TrimSpace(a.ConnLimit)); err != nil {
			return nil, fmt.Errorf("conn_limit must be an integer, got %q", a.ConnLimit)
		}
		a.ConnLimit = strings.TrimSpace(a.ConnLimit)
	}
	if !cur.Exists {
		parts := []string{"CREATE DATABASE " + q.id(a.DB)}
		if a.Owner != "" {
			parts = append(parts, "OWNER "+q.id(a.Owner))
		}
		if a.Template != "" {
			parts = append(parts, "TEMPLATE "+q.id(a.Template))
		}
		if a.Encoding != "" {
			parts = append(parts, "ENCODING "+q.lit(a.Encoding))
		}
		if a.Collate != "" {
			parts = append(parts, "LC_COLLATE "+q.lit(a.Collate))
		}
		if a.Ctype != "" {
			parts = append(parts, "LC_CTYPE "+q.lit(a.Ctype))
		}
		if a.Tablespace != "" {
			parts = append(parts, "TABLESPACE "+q.id(a.Tablespace))
		}
		if a.ConnLimit != "" {
			parts = append(parts, "CONNECTION LIMIT "+a.ConnLimit)
		}
		return []string{strings.Join(parts, " ")}, q.err
	}
	switch {
	case a.Encoding != "" && cur.WantEncID != cur.EncodingID:
		return nil, fmt.Errorf("Changing database encoding is not supported. Current encoding: %s", cur.Encoding)
	case a.Collate != "" && a.Collate != cur.Collate:
		return nil, fmt.Errorf("Changing LC_COLLATE is not supported. Current LC_COLLATE: %s", cur.Collate)
	case a.Ctype != "" && a.Ctype != cur.Ctype:
		return nil, fmt.Errorf("Changing LC_CTYPE is not supported.Current LC_CTYPE: %s", cur.Ctype)
	}
	var out []string
	if a.Owner != "" && a.Owner != cur.Owner {
		out = append(out, "ALTER DATABASE "+q.id(a.DB)+" OWNER TO "+q.id(a.Owner))
	}
	if a.ConnLimit != "" && a.ConnLimit != cur.ConnLimit {
		out = append(out, "ALTER DATABASE "+q.id(a.DB)+" CONNECTION LIMIT "+a.ConnLimit)
	}
	if a.Tablespace != "" && a.Tablespace != cur.Tablespace {
		out = append(out, "ALTER DATABASE "+q.id(a.DB)+" SET TABLESPACE "+q.id(a.Tablespace))
	}
	return out, q.err
}

func runPostgresqlDB(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	a := pgDBArgsFrom(t.Args)
	state, _ := fa.str("state")
	if state == "" {
		state = "present"
	}
	target, _ := fa.str("target")
	maint, _ := fa.str("maintenance_db")
	if maint == "" {
		maint = "postgres"
	}
	switch state {
	case "dump", "restore":
		if t.Check {
			// The collection's check mode reports no change for these.
			return Result{"changed": false, "db": a.DB, "executed_commands": []string{}}, nil
		}
		return pgDumpRestore(ctx, t, state, a.DB, target)
	case "rename":
		if target == "" {
			return Failf(`The "target" option must be defined when the "rename" option is used.`), nil
		}
		if a.DB == target {
			return Failf(`The "name/db" option and the "target" option cannot be the same.`), nil
		}
		if maint == a.DB {
			return Failf(`The "maintenance_db" option and the "name/db" option cannot be the same.`), nil
		}
	}
	c, err := pgConnFrom(t.Args, maint)
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
	executed := []string{}
	r := Result{"changed": false, "db": a.DB, "executed_commands": executed}
	info := func(db string) (pgDBInfo, error) {
		sql, err := pgDBInfoSQL(db, a.Encoding)
		if err != nil {
			return pgDBInfo{}, err
		}
		rows, err := pgRun(ctx, t, c, prefix+sql)
		if err != nil {
			return pgDBInfo{}, err
		}
		return pgDBInfoParse(rows), nil
	}
	exec := func(stmts []string) error {
		for _, s := range stmts {
			executed = append(executed, s)
			r["executed_commands"] = executed
			if _, err := pgRun(ctx, t, c, prefix+s+";"); err != nil {
				return err
			}
		}
		return nil
	}
	cur, err := info(a.DB)
	if err != nil {
		if strings.Contains(err.Error(), "NUL") {
			return Failf("%v", err), nil
		}
		return pgFail("", err, r)
	}
	var stmts []string
	switch state {
	case "absent":
		if cur.Exists {
			q := "DROP DATABASE " + mustIdent(a.DB)
			if a.Force {
				q += " WITH (FORCE)"
			}
			stmts = []string{q}
		}
	case "rename":
		tgt, err := info(target)
		if err != nil {
			return pgFail("", err, r)
		}
		switch {
		case cur.Exists && tgt.Exists:
			return Failf("Both the source and the target databases exist."), nil
		case !cur.Exists && tgt.Exists:
		case !cur.Exists:
			return Failf("The source and the target databases do not exist."), nil
		default:
			id, err := pgIdent(target)
			if err != nil {
				return Failf("%v", err), nil
			}
			stmts = []string{"ALTER DATABASE " + mustIdent(a.DB) + " RENAME TO " + id}
		}
	default:
		stmts, err = pgDBPlan(a, cur)
		if err != nil {
			return Failf("%v", err), nil
		}
	}
	r["changed"] = len(stmts) > 0
	if t.Check || len(stmts) == 0 {
		return r, nil
	}
	if err := exec(stmts); err != nil {
		r["changed"] = false
		return pgFail("Database query failed: ", err, r)
	}
	return r, nil
}

// mustIdent quotes a name already checked by an earlier query (which
// would have failed on a NUL byte).
func mustIdent(s string) string {
	v, _ := pgIdent(strings.ReplaceAll(s, "\x00", ""))
	return v
}

// pgDumpCommand builds the shell command for state=dump or restore of db
// to or from target, as db_dump and db_restore choose it by the target's
// suffix. The connection comes from c (its password is read from stdin by
// the caller's prefix).
func pgDumpCommand(state string, c *pgConn, target string, targetOpts, extraArgs []string) string {
	q := connection.Quote
	ext := path.Ext(target)
	info := c.conninfo()
	if state == "dump" {
		argv := []string{"pg_dump", "--dbname=" + info}
		switch ext {
		case ".tar":
			argv = append(argv, "--format=t")
		case ".pgc":
			argv = append(argv, "--format=c")
		case ".dir":
			argv = append(argv, "--format=d")
		}
		argv = append(argv, extraArgs...)
		argv = append(argv, targetOpts...)
		comp := map[string]string{".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}[ext]
		switch {
		case comp != "":
			// Dump to a temporary file first, so that pg_dump's failure
			// is the command's (sh has no pipefail).
			return `tmp=$(mktemp) || exit 1; ` + quoteWords(argv) + ` > "$tmp" && ` + comp + ` -c < "$tmp" > ` + q(target) + `; rc=$?; rm -f "$tmp"; exit $rc`
		case ext == ".dir":
			return quoteWords(argv) + " -f " + q(target)
		default:
			return quoteWords(argv) + " > " + q(target)
		}
	}
	argv := []string{"psql", "--dbname=" + info}
	in := " < " + q(target)
	switch ext {
	case ".sql":
		argv, in = append(argv, "--file="+target), ""
	case ".tar", ".pgc", ".dir":
		format := map[string]string{".tar": "--format=Tar", ".pgc": "--format=Custom", ".dir": "--format=Directory"}[ext]
		argv = []string{"pg_restore", "--dbname=" + info, format}
		if ext == ".dir" {
			argv = append(argv, targetOpts...)
			return quoteWords(append(argv, target))
		}
	}
	argv = append(argv, targetOpts...)
	if cat := map[string]string{".gz": "zcat", ".bz2": "bzcat", ".xz": "xzcat"}[ext]; cat != "" {
		return cat + " " + q(target) + " | " + quoteWords(argv)
	}
	return quoteWords(argv) + in
}

// pgDumpRestore runs state=dump or restore.
func pgDumpRestore(ctx context.Context, t *Task, state, db, target string) (Result, error) {
	fa := fileArgs(t.Args)
	if target == "" {
		target = db + ".sql"
	}
	c, err := pgConnFrom(t.Args, db)
	if err != nil {
		return Failf("%v", err), nil
	}
	opts, _ := fa.str("target_opts")
	extra, _ := fa.str("dump_extra_args")
	optWords, err := lvolSplit(opts)
	if err != nil {
		return Failf("target_opts: %v", err), nil
	}
	extraWords, err := lvolSplit(extra)
	if err != nil {
		return Failf("dump_extra_args: %v", err), nil
	}
	cmd := pgDumpCommand(state, c, target, optWords, extraWords)
	line := "IFS= read -r PGPASSWORD || exit 2; " +
		`if [ -n "$PGPASSWORD" ]; then export PGPASSWORD; else unset PGPASSWORD; fi; ` + c.sslEnv() + cmd
	res, err := t.ExecStdin(ctx, line, c.Password+"\n")
	if err != nil {
		return nil, fmt.Errorf("postgresql_db: %w", err)
	}
	so, se := string(res.Stdout), string(res.Stderr)
	if res.ExitCode != 0 {
		return Result{"failed": true, "changed": false, "msg": se, "stdout": so, "rc": res.ExitCode, "cmd": cmd}, nil
	}
	return Result{"changed": true, "msg": so, "stderr": se, "rc": 0, "cmd": cmd, "executed_commands": []string{cmd}}, nil
}
