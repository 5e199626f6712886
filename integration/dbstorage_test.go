package integration

// Issue #9's modules over SSH, through the real binary: PostgreSQL
// (postgresql_user, postgresql_db, postgresql_privs), SELinux (seboolean,
// seport, sefcontext, selinux), filesystem and lvol, each playbook run by
// ansible-playbook and by omeprov apply on the same sshd host (see
// dbsRunPhase: check mode changes nothing, the first run changes, the
// re-run changes nothing, both tools report the same and leave the same
// objects).

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dbsDir is testdata/dbstorage, absolute.
func dbsDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("testdata/dbstorage")
	require.NoError(t, err)
	return d
}

// dbsPGCluster starts a throwaway PostgreSQL cluster from Debian's
// packages, as modules' pgCluster does: initdb in a temporary directory
// owned by the postgres user (mode 0755, so that the socket can be
// reached), peer authentication, no TCP listener, the socket in that
// directory on a free port number. It is stopped when t ends.
func dbsPGCluster(t *testing.T) (sock string, port int) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		dbsNeed(t, "PostgreSQL is not installed (apt-get install postgresql)")
	}
	dbsNeedTools(t, "postgresql-client", "psql")
	dbsNeedTools(t, "util-linux", "runuser")
	if err := exec.Command("id", "postgres").Run(); err != nil {
		dbsNeed(t, "no postgres user (apt-get install postgresql)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "omeprov-dbs-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// The port only names the socket (.s.PGSQL.PORT): one no TCP server
	// uses, so that it cannot collide with another test's cluster.
	port = closedPort(t, "127.0.0.1")
	asPG := func(args ...string) {
		t.Helper()
		out, err := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	asPG(filepath.Join(bin, "initdb"), "-D", dir+"/data", "-A", "peer", "-U", "postgres", "-E", "UTF8", "--locale", "C")
	asPG(filepath.Join(bin, "pg_ctl"), "-D", dir+"/data", "-l", dir+"/log", "-w",
		"-o", fmt.Sprintf("-k %s -c listen_addresses= -p %d -c fsync=off", dir, port), "start")
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", filepath.Join(bin, "pg_ctl"), "-D", dir+"/data", "-m", "immediate", "stop").Run()
	})
	return dir, port
}

// dbsPSQL runs query as postgres in db and returns the unaligned rows.
func dbsPSQL(t *testing.T, sock string, port int, db, query string) string {
	t.Helper()
	out, err := exec.Command("runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", sock, "-p", fmt.Sprint(port), "-d", db, "-c", query).CombinedOutput()
	require.NoError(t, err, "%s: %s", query, out)
	return strings.TrimSpace(string(out))
}

// dbsLit is s as an SQL string literal.
func dbsLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestDBStoragePostgreSQL runs pg_present, pg_revoke and pg_absent with
// ansible-playbook and omeprov over sshd, logged in as a user with sudo
// rights and become_user: postgres (as OME's roles run them), against a
// throwaway cluster on this machine. The state compared is the catalog:
// roles (flags, connection limit, password kind), databases (owner,
// encoding, collation, ACL), the ACLs of the schema and table in each
// tool's database, and memberships.
func TestDBStoragePostgreSQL(t *testing.T) {
	requireAnsible(t)
	if err := exec.Command("/usr/bin/python3", "-c", "import psycopg2").Run(); err != nil {
		dbsNeed(t, "psycopg2 is not installed for ansible's modules (apt-get install python3-psycopg2)")
	}
	sock, port := dbsPGCluster(t)
	h := startHosts(t, 2, false)
	// h2 logs in as a user with sudo rights (becomes postgres).
	const host = "h2"
	// Pipelining only saves Ansible's temporary files (the run is twice
	// as fast); the modules and what they do are the same.
	h.env = append(h.env, "ANSIBLE_PIPELINING=True")
	work := t.TempDir()
	require.NoError(t, os.Chmod(work, 0o755))

	// Passwords with quotes and SQL in them, each with a marker that must
	// never be printed.
	pw := `pw-MARK1-it's "quoted"; DROP ROLE x; --`
	pw2 := `pw-MARK2-\'; SELECT 1; --`
	secrets := []string{"MARK1", "MARK2"}
	prefixes := [2]string{"ansp_", "omep_"}
	// The extra variables of tool i (0: ansible, 1: omeprov).
	vars := func(i int) map[string]any {
		p := prefixes[i]
		sum := md5.Sum([]byte(pw + p + "hashed"))
		return map[string]any{"p": p, "pg_socket": sock, "pg_port": port, "pw": pw, "pw2": pw2,
			"md5pw": "md5" + hex.EncodeToString(sum[:])}
	}
	var tools [2]dbsTool
	for i, name := range []string{"ansible", "omeprov"} {
		v := vars(i)
		secrets = append(secrets, v["md5pw"].(string)[3:])
		tools[i] = dbsTool{name: name, vars: dbsVars(t, work, name+".json", v)}
	}
	prefixOf := map[string]string{"ansible": prefixes[0], "omeprov": prefixes[1]}

	state := func(tl dbsTool) string {
		p := prefixOf[tl.name]
		lp := dbsLit(p)
		mine := func(col string) string { return fmt.Sprintf("left(%s, %d) = %s", col, len(p), lp) }
		q := `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
		  SELECT 'role ' || rolname || ' super=' || rolsuper || ' createdb=' || rolcreatedb
		    || ' createrole=' || rolcreaterole || ' inherit=' || rolinherit || ' login=' || rolcanlogin
		    || ' conn=' || rolconnlimit
		    || ' pw=' || CASE WHEN rolpassword IS NULL THEN 'none' WHEN rolpassword LIKE 'md5%' THEN 'md5'
		                      WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram' ELSE 'other' END AS x
		  FROM pg_authid WHERE ` + mine("rolname") + `
		  UNION ALL SELECT 'db ' || datname || ' owner=' || pg_get_userbyid(datdba) || ' enc=' || pg_encoding_to_char(encoding)
		    || ' collate=' || datcollate || ' ctype=' || datctype || ' conn=' || datconnlimit
		    || ' acl=' || coalesce(datacl::text, '-')
		  FROM pg_database WHERE ` + mine("datname") + `
		  UNION ALL SELECT 'member ' || pg_get_userbyid(roleid) || ' has ' || pg_get_userbyid(member)
		    || ' admin=' || admin_option
		  FROM pg_auth_members WHERE ` + mine("pg_get_userbyid(member)") + ` OR ` + mine("pg_get_userbyid(roleid)") + `) s`
		out := dbsPSQL(t, sock, port, "postgres", q)
		db := p + "db"
		if dbsPSQL(t, sock, port, "postgres", "SELECT count(*) FROM pg_database WHERE datname = "+dbsLit(db)) == "1" {
			out += "\n" + dbsPSQL(t, sock, port, db, `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
			  SELECT 'schema ' || nspname || ' owner=' || pg_get_userbyid(nspowner) || ' acl=' || coalesce(nspacl::text, '-') AS x
			    FROM pg_namespace WHERE nspname = 'public'
			  UNION ALL SELECT 'table ' || relname || ' acl=' || coalesce(relacl::text, '-')
			    FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace) s`)
		}
		return strings.ReplaceAll(out, p, "P_")
	}
	// omeprov never prints a password, not even the server's echo of a
	// failed statement. Ansible does: a statement psycopg2 raises other
	// than ProgrammingError for (UNENCRYPTED PASSWORD on PostgreSQL 10
	// and later) ends in a MODULE FAILURE whose traceback quotes the
	// statement with the password; that is only logged.
	noSecrets := func(r dbsRun) {
		for _, s := range secrets {
			if r.tool == "ansible" {
				if strings.Contains(r.out, s) {
					t.Logf("ansible-playbook printed a password (%s, %s)", r.mode, s)
				}
				continue
			}
			require.NotContains(t, r.out, s, "%s printed a password (%s %s)\n%s", r.tool, r.mode, s, r)
		}
	}
	survivors := func(tl dbsTool, present bool) {
		p := prefixOf[tl.name]
		// The canary survives every name made to break out of quoting.
		require.Equal(t, "1", dbsPSQL(t, sock, port, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = "+dbsLit(p+"canary")), tl.name)
		want := "0"
		if present {
			want = "1"
		}
		// The names are stored as written.
		require.Equal(t, want, dbsPSQL(t, sock, port, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = "+dbsLit(p+"x'; DROP ROLE "+p+"canary; --")), tl.name)
		require.Equal(t, want, dbsPSQL(t, sock, port, "postgres", "SELECT count(*) FROM pg_database WHERE datname = "+dbsLit(p+"y'; DROP ROLE "+p+"canary; --")), tl.name)
	}

	dir := dbsDir(t)
	runs := dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "pg_present.yml", state: state, check: noSecrets})
	for _, tl := range tools {
		survivors(tl, true)
	}
	// The unencrypted password is refused by the server (PostgreSQL 10
	// dropped UNENCRYPTED PASSWORD) by both tools, ignored.
	for i := range tools {
		st := dbsStatuses(runs[i][1], host)
		require.Equal(t, "failed ignored", st["an unencrypted password (PostgreSQL 10 and later refuse it)"], runs[i][1].String())
	}
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "pg_revoke.yml", state: state, check: noSecrets})
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "pg_absent.yml", state: state, check: noSecrets})
	for _, tl := range tools {
		survivors(tl, false)
	}

	// Names with double quotes, by omeprov alone (see pg_injection.yml:
	// Ansible runs them as SQL): stored as written, and nothing else
	// happens, through check, run and re-run, made then removed.
	om := tools[1]
	p := prefixes[1]
	evil := p + `q"; DROP ROLE ` + p + "canary; --"
	evil2 := p + `s'; DROP ROLE ` + p + "canary; --"
	injState := func() string {
		return dbsPSQL(t, sock, port, "postgres", `SELECT concat_ws(' ',
		  (SELECT count(*) FROM pg_roles WHERE rolname = `+dbsLit(p+"canary")+`),
		  (SELECT string_agg(rolname || '|' || rolcreatedb || '|' || shobj_description(oid, 'pg_authid'), ' ' ORDER BY rolname)
		    FROM pg_roles WHERE rolname IN (`+dbsLit(evil)+`, `+dbsLit(evil2)+`)),
		  (SELECT datname || '|' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = `+dbsLit(evil)+`),
		  (SELECT string_agg(g || '=' || pr, ',' ORDER BY g, pr) FROM (
		    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS g, a.privilege_type AS pr
		    FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = `+dbsLit(evil)+`) acl),
		  (SELECT count(*) FROM pg_auth_members WHERE pg_get_userbyid(roleid) = `+dbsLit(p+"canary")+`
		    AND pg_get_userbyid(member) IN (`+dbsLit(evil)+`, `+dbsLit(evil2)+`)))`)
	}
	absent := tools[1]
	absent.vars = dbsVars(t, work, "omeprov-absent.json", func() map[string]any { v := vars(1); v["state"] = "absent"; return v }())
	for _, c := range []struct {
		tl   dbsTool
		want string
	}{
		{om, "1 " + evil + "|true|" + evil + " " + evil2 + "|true|" + evil2 + " " + evil + "|" + evil + " " +
			"PUBLIC=CONNECT,PUBLIC=TEMPORARY," + p + "canary=CONNECT," + p + "canary=TEMPORARY," +
			evil + "=CONNECT," + evil + "=CREATE," + evil + "=TEMPORARY," + evil2 + "=CONNECT," + evil2 + "=TEMPORARY 2"},
		{absent, "1 0"},
	} {
		before := injState()
		r := c.tl.play(t, h, dir, "pg_injection.yml", "check", host)
		require.Equal(t, before, injState(), "check mode changed the cluster\n%s", r)
		require.NotEqual(t, "0", r.changed(host), "%s", r)
		noSecrets(r)
		r = c.tl.play(t, h, dir, "pg_injection.yml", "run", host)
		require.Equal(t, 0, r.code, "%s", r)
		require.NotEqual(t, "0", r.changed(host), "%s", r)
		noSecrets(r)
		require.Equal(t, c.want, injState(), "%s", r)
		r = c.tl.play(t, h, dir, "pg_injection.yml", "re-run", host)
		require.Equal(t, 0, r.code, "%s", r)
		require.Equal(t, "0", r.changed(host), "%s", r)
		require.Equal(t, c.want, injState(), "%s", r)
	}
}

// TestDBStorageSELinux runs seboolean, seport, sefcontext and selinux
// over sshd (as the sudo user, become root) on this host, which has no
// SELinux, with both tools, in check mode and for real, twice.
//
// Here omeprov deliberately differs from Ansible. Ansible's modules need
// SELinux's Python bindings on the host (python3-selinux, and for
// seport/sefcontext python3-policycoreutils' seobject) and fail without
// them ("Failed to import the required Python library"); with the
// bindings and SELinux disabled, seboolean/seport/sefcontext fail with
// "SELinux is disabled on this host.". omeprov needs no bindings (it
// runs getenforce, getsebool, semanage and setsebool) and skips each
// task with the reason ("skipped: SELinux is disabled on this host
// (getenforce is not installed)"; selinux: "SELinux is not installed"),
// so that one play serves hosts with and without SELinux. What is
// asserted: Ansible fails in one of those ways (so that a change in the
// host's packages shows here), omeprov skips with the reason, changes
// nothing, in check mode as for real, and creates no /etc/selinux/config.
func TestDBStorageSELinux(t *testing.T) {
	requireAnsible(t)
	out, _ := exec.Command("sh", "-c", "getenforce 2>/dev/null").Output()
	if m := strings.TrimSpace(string(out)); m == "Enforcing" || m == "Permissive" {
		t.Skip("SELinux is enabled here; this test is for hosts without it")
	}
	_, cfgErr := os.Stat("/etc/selinux/config")
	h := startHosts(t, 2, false)
	h.env = append(h.env, "ANSIBLE_PIPELINING=True")
	const host = "h2"
	work := t.TempDir()
	dir := dbsDir(t)
	tasks := []string{"seboolean", "seport", "sefcontext", "selinux"}
	for _, mode := range []string{"check", "run", "re-run"} {
		for _, name := range []string{"ansible", "omeprov"} {
			tl := dbsTool{name: name, vars: dbsVars(t, work, name+".json", map[string]any{})}
			r := tl.play(t, h, dir, "selinux.yml", mode, host)
			require.Equal(t, 0, r.code, "%s", r)
			evs := r.events[host]
			require.Len(t, evs, len(tasks), "%s", r)
			for i, ev := range evs {
				require.Equal(t, "TASK "+tasks[i], ev.Task, "%s", r)
				msg := dbsTaskOutput(r.out, tasks[i])
				if name == "ansible" {
					require.True(t, strings.HasPrefix(ev.Status, "failed") && strings.HasSuffix(ev.Status, "ignored"), "%s: %s\n%s", tasks[i], ev.Status, r)
					require.Regexp(t, `Failed to import the required Python library|SELinux is disabled on this host|libselinux`, msg, "%s\n%s", tasks[i], r)
					continue
				}
				require.True(t, strings.HasPrefix(ev.Status, "skipping"), "%s: %s\n%s", tasks[i], ev.Status, r)
				want := "skipped: SELinux is disabled on this host"
				if tasks[i] == "selinux" {
					want = "skipped: SELinux is not installed on this host"
				}
				require.Contains(t, msg, want, "%s\n%s", tasks[i], r)
			}
			if name == "omeprov" {
				require.Equal(t, "0 0 0 0 4 0 0", r.recap[host], "%s", r)
			} else {
				require.Equal(t, "0", r.changed(host), "%s", r)
			}
			t.Logf("%s %s: %v", name, mode, dbsTasks(evs))
		}
	}
	_, err := os.Stat("/etc/selinux/config")
	require.Equal(t, os.IsNotExist(cfgErr), os.IsNotExist(err), "/etc/selinux/config appeared or went")
}

// dbsTaskOutput is what a run printed under task's banner.
func dbsTaskOutput(out, task string) string {
	_, rest, ok := strings.Cut(out, "TASK ["+task+"] ")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\nTASK ["); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.Index(rest, "\nPLAY RECAP"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// TestDBStorageFilesystem runs community.general.filesystem over sshd
// (as the sudo user, become root) on a regular-file image per tool: ext4
// made, grown with resizefs after the image grows, wiped.
func TestDBStorageFilesystem(t *testing.T) {
	requireAnsible(t)
	dbsNeedTools(t, "e2fsprogs", "mkfs.ext4", "resize2fs", "tune2fs")
	dbsNeedTools(t, "util-linux", "blkid", "wipefs", "findmnt")
	h := startHosts(t, 2, false)
	h.env = append(h.env, "ANSIBLE_PIPELINING=True")
	const host = "h2"
	work := t.TempDir()
	require.NoError(t, os.Chmod(work, 0o755))
	var tools [2]dbsTool
	img := map[string]string{}
	for i, name := range []string{"ansible", "omeprov"} {
		img[name] = filepath.Join(work, name+".img")
		require.NoError(t, os.WriteFile(img[name], nil, 0o644))
		require.NoError(t, os.Truncate(img[name], 32<<20))
		tools[i] = dbsTool{name: name, vars: dbsVars(t, work, name+".json", map[string]any{"img": img[name]})}
	}
	state := func(tl dbsTool) string {
		p := img[tl.name]
		st, err := os.Stat(p)
		require.NoError(t, err)
		out, _ := exec.Command("blkid", "-c", "/dev/null", "-o", "export", p).Output()
		var keep []string
		for _, l := range strings.Split(string(out), "\n") {
			if k, _, _ := strings.Cut(l, "="); k == "TYPE" || k == "LABEL" {
				keep = append(keep, l)
			}
		}
		s := fmt.Sprintf("image %d %s", st.Size(), strings.Join(keep, " "))
		if len(keep) > 0 {
			info, err := exec.Command("tune2fs", "-l", p).Output()
			if err == nil {
				for _, l := range strings.Split(string(info), "\n") {
					if strings.HasPrefix(l, "Block count:") || strings.HasPrefix(l, "Block size:") {
						s += " " + strings.Join(strings.Fields(l), " ")
					}
				}
			}
		}
		return s
	}
	dir := dbsDir(t)
	runs := dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "fs_present.yml", state: state})
	for i := range tools {
		st := dbsStatuses(runs[i][2], host)
		require.Equal(t, "failed ignored", st["another type without force"], runs[i][2].String())
		require.Equal(t, "failed ignored", st["a device that does not exist"], runs[i][2].String())
	}
	for _, p := range img {
		require.NoError(t, os.Truncate(p, 48<<20))
	}
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "fs_resize.yml", state: state})
	require.Contains(t, state(tools[1]), "Block count: 49152")
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "fs_absent.yml", state: state})
}

// TestDBStorageLVM runs community.general.lvol over sshd (as the sudo
// user, become root) in a volume group on a loop device over an image
// file. Where loop devices are refused it skips (even under CI: that is
// the kernel or sandbox, not a missing package). Where the kernel has no
// device-mapper (containers, this sandbox) no logical volume can be
// activated: then only lvol_nodm.yml runs (creation in check mode,
// removal of a missing volume, a missing group), and the test says so
// in its log; with device-mapper, lvol_present.yml (made, then grown)
// and lvol_absent.yml run too.
func TestDBStorageLVM(t *testing.T) {
	requireAnsible(t)
	dbsNeedTools(t, "lvm2", "pvcreate", "vgcreate", "vgremove", "pvremove", "lvcreate", "lvs")
	dbsNeedTools(t, "util-linux", "losetup")
	h := startHosts(t, 2, false)
	h.env = append(h.env, "ANSIBLE_PIPELINING=True")
	const host = "h2"
	work := t.TempDir()
	require.NoError(t, os.Chmod(work, 0o755))
	img := filepath.Join(work, "pv.img")
	require.NoError(t, os.WriteFile(img, nil, 0o644))
	require.NoError(t, os.Truncate(img, 64<<20))
	lvm := func(args ...string) (string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "LVM_SUPPRESS_FD_WARNINGS=1")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	out, err := lvm("losetup", "-f", "--show", img)
	if err != nil {
		t.Skipf("loop devices are refused here (losetup -f --show: %v: %s): lvol not tested", err, out)
	}
	loop := out
	t.Cleanup(func() { lvm("losetup", "-d", loop) })
	vg := fmt.Sprintf("omeprovdbs%d", os.Getpid())
	if out, err := lvm("pvcreate", "-q", loop); err != nil {
		t.Skipf("pvcreate on a loop device failed (%v: %s): lvol not tested", err, out)
	}
	t.Cleanup(func() { lvm("pvremove", "-q", "-ff", "-y", loop) })
	if out, err := lvm("vgcreate", "-q", vg, loop); err != nil {
		t.Skipf("vgcreate on a loop device failed (%v: %s): lvol not tested", err, out)
	}
	t.Cleanup(func() { lvm("vgremove", "-q", "-f", vg) })

	var tools [2]dbsTool
	prefixes := [2]string{"ansp_", "omep_"}
	for i, name := range []string{"ansible", "omeprov"} {
		tools[i] = dbsTool{name: name, vars: dbsVars(t, work, name+".json", map[string]any{"vg": vg, "p": prefixes[i]})}
	}
	state := func(tl dbsTool) string {
		p := prefixes[0]
		if tl.name == "omeprov" {
			p = prefixes[1]
		}
		out, err := lvm("lvs", "--noheadings", "--units", "m", "--nosuffix", "-o", "lv_name,lv_size,lv_attr", vg)
		require.NoError(t, err, out)
		var mine []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], p) {
				mine = append(mine, strings.ReplaceAll(strings.Join(f, " "), p, "P_"))
			}
		}
		return "lvs: " + strings.Join(mine, "; ")
	}
	dir := dbsDir(t)
	dmOut, dmErr := lvm("lvcreate", "-q", "-L", "4m", "-n", "probe", vg)
	if dmErr == nil {
		_, _ = lvm("lvremove", "-q", "-f", vg+"/probe")
	}
	// With device-mapper, the check-mode creation is changed on every
	// run; without, it fails (ignored) for both tools.
	reRun := "1"
	if dmErr != nil {
		reRun = "0"
	}
	runs := dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "lvol_nodm.yml", state: state, reRunChanges: reRun})
	for i := range tools {
		st := dbsStatuses(runs[i][2], host)
		require.Equal(t, "ok", st["remove a volume that is not there"], runs[i][2].String())
		require.Equal(t, "failed ignored", st["a volume group that does not exist"], runs[i][2].String())
	}
	if dmErr != nil {
		t.Skipf("device-mapper is not available in this kernel or sandbox (lvcreate: %v: %s): "+
			"lvol tested without it only (lvol_nodm.yml)", dmErr, dmOut)
	}
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "lvol_present.yml", state: state})
	for i, name := range []string{"ansible", "omeprov"} {
		tools[i].vars = dbsVars(t, work, name+"-12m.json", map[string]any{"vg": vg, "p": prefixes[i], "size": "12m"})
	}
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "lvol_present.yml", state: state})
	require.Contains(t, state(tools[1]), "P_lv 12.00")
	dbsRunPhase(t, h, dir, host, tools, dbsPhase{playbook: "lvol_absent.yml", state: state})
}
