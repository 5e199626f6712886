package integration

// The system modules over SSH (#9): user, group, service (SysV), systemd
// (against a fake systemctl), cron and wait_for, each run by
// ansible-playbook and by omeprov apply on real sshd hosts — user and
// group both as root (h1) and through become from a sudo user (h2); to
// keep the run time down, systemd and wait_for as root only and service
// and cron through become only — in check mode, for real and again
// (dbsRunPhase), each tool on its own objects: names with the prefix oa_
// (ansible) or oo_ (omeprov), compared with the prefix and the other
// per-tool values made the same.
//
// The sshd hosts are this machine: the accounts, init scripts, crontabs
// and cron.d files made here are the machine's own, so every name is
// unique to these tests and everything is removed by t.Cleanup, also when
// a test fails. systemd is not PID 1 here: the systemd module drives
// testdata/sysmods/systemctl, a fake that keeps its state in the test's
// directory, put first on PATH by the play's environment (both tools run
// the same fake; Ansible's systemd module looks systemctl up on PATH and
// does not check that systemd runs).

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smTool is one tool with its variables (per host).
type smTool struct {
	name string
	vars map[string]any
}

// smPrefixes are the name prefixes of each tool's objects.
var smPrefixes = map[string]string{"ansible": "oa_", "omeprov": "oo_"}

// smSetup starts two hosts (h1 logs in as root, h2 as a sudo user) and
// returns them with the playbooks' directory.
func smSetup(t *testing.T) (*hosts, string) {
	t.Helper()
	requireAnsible(t)
	h := startHosts(t, 2, false)
	src, err := filepath.Abs("testdata/sysmods")
	require.NoError(t, err)
	return h, src
}

// smHosts are the hosts each test runs on, with the become variable.
var smHosts = []struct {
	name string
	bec  bool
}{{"h1", false}, {"h2", true}}

// smTools writes each tool's variables (common, plus per-tool ones from
// per) for host and returns the tools for dbsRunPhase and a lookup of
// their variables by name.
func smTools(t *testing.T, bec bool, common map[string]any, per func(tool, p string) map[string]any) ([2]dbsTool, map[string]smTool) {
	t.Helper()
	dir := t.TempDir()
	var tools [2]dbsTool
	by := map[string]smTool{}
	for i, name := range []string{"ansible", "omeprov"} {
		p := smPrefixes[name]
		vars := map[string]any{"p": p, "bec": bec}
		for k, v := range common {
			vars[k] = v
		}
		for k, v := range per(name, p) {
			vars[k] = v
		}
		tools[i] = dbsTool{name: name, vars: dbsVars(t, dir, name+".json", vars)}
		by[name] = smTool{name: name, vars: vars}
	}
	return tools, by
}

// norm replaces the tool's own values (prefix, ids, directories) in s by
// the names of their variables, longest first, so that both tools' states
// read the same.
func (tl smTool) norm(s string) string {
	type kv struct{ k, v string }
	var pairs []kv
	for k, v := range tl.vars {
		var vs string
		switch x := v.(type) {
		case string:
			vs = x
		case int:
			vs = strconv.Itoa(x)
		default:
			continue
		}
		if len(vs) >= 3 {
			pairs = append(pairs, kv{k, vs})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].v) != len(pairs[j].v) {
			return len(pairs[i].v) > len(pairs[j].v)
		}
		return pairs[i].k < pairs[j].k
	})
	var args []string
	for _, p := range pairs {
		args = append(args, p.v, "<"+p.k+">")
	}
	return strings.NewReplacer(args...).Replace(s)
}

// smSh runs a shell command on this machine (which the sshd hosts are)
// and returns its output; errors are part of the output.
func smSh(cmd string) string {
	out, _ := exec.Command("/bin/sh", "-c", cmd).CombinedOutput()
	return string(out)
}

// smIDs are the fixed ids the tests give (distinct per tool).
var smIDs = map[string]map[string]int{
	"ansible": {"uid1": 47101, "gid1": 47201, "gid2": 47250},
	"omeprov": {"uid1": 48101, "gid1": 48201, "gid2": 48250},
}

var (
	smUsers  = []string{"u1", "u2", "sys", "unone", "cron"}
	smGroups = []string{"g1", "g2", "gsys", "gnone", "u1", "u2", "sys", "cron"}
)

// smID is an id as the state shows it: the variable it was given by, or
// "sys"/"auto" for the ids the system picked (which differ between the
// tools).
func smID(id string, tl smTool) string {
	for k, v := range smIDs[tl.name] {
		if strconv.Itoa(v) == id {
			return "<" + k + ">"
		}
	}
	if n, err := strconv.Atoi(id); err == nil && n < 1000 {
		return "sys"
	}
	return "auto"
}

// smAccounts is the state of a tool's users and groups: their passwd,
// shadow and group lines and their homes.
func smAccounts(tl smTool) string {
	p := smPrefixes[tl.name]
	var b strings.Builder
	for _, u := range smUsers {
		line := strings.TrimSpace(smSh("getent passwd " + p + u))
		if line == "" {
			fmt.Fprintf(&b, "passwd %s: none\n", u)
			continue
		}
		f := strings.Split(line, ":")
		f[2], f[3] = smID(f[2], tl), smID(f[3], tl)
		fmt.Fprintf(&b, "passwd %s\n", strings.Join(f, ":"))
		fmt.Fprintf(&b, "shadow %s", smSh("getent shadow "+p+u))
		fmt.Fprintf(&b, "home %s", smSh("stat -c '%U:%G %a' "+f[5]+" 2>&1"))
	}
	for _, g := range smGroups {
		line := strings.TrimSpace(smSh("getent group " + p + g))
		if line == "" {
			fmt.Fprintf(&b, "group %s: none\n", g)
			continue
		}
		f := strings.Split(line, ":")
		f[2] = smID(f[2], tl)
		fmt.Fprintf(&b, "group %s\n", strings.Join(f, ":"))
	}
	for _, home := range []string{"/home/" + p + "u1", "/home/" + p + "u2", "/home/" + p + "sys", "/home/" + p + "cron"} {
		if _, err := os.Stat(home); err == nil {
			fmt.Fprintf(&b, "exists %s\n", home)
		}
	}
	return tl.norm(b.String())
}

// smRemoveAccounts removes every user and group the account tests make.
func smRemoveAccounts(t *testing.T) {
	t.Cleanup(func() {
		for _, p := range smPrefixes {
			for _, u := range smUsers {
				if smSh("getent passwd "+p+u) != "" {
					smSh("crontab -r -u " + p + u + " 2>/dev/null; userdel -r " + p + u + " 2>/dev/null; userdel " + p + u)
				}
				os.RemoveAll("/home/" + p + u)
			}
			for _, g := range smGroups {
				if smSh("getent group "+p+g) != "" {
					smSh("groupdel " + p + g)
				}
			}
		}
	})
}

// TestSysModulesAccounts runs the group and user modules: accounts made
// with every option, modified, then removed, as root (h1) and through
// become (h2).
func TestSysModulesAccounts(t *testing.T) {
	h, src := smSetup(t)
	smRemoveAccounts(t)
	for _, host := range smHosts {
		host := host
		t.Run(host.name, func(t *testing.T) {
			home := t.TempDir()
			require.NoError(t, os.Chmod(home, 0o755))
			tools, by := smTools(t, host.bec, map[string]any{
				"home":  home,
				"hash":  "$6$saltsalt$" + strings.Repeat("a", 86),
				"hash2": "$6$saltsalt$" + strings.Repeat("b", 86),
			}, func(tool, p string) map[string]any {
				m := map[string]any{}
				for k, v := range smIDs[tool] {
					m[k] = v
				}
				return m
			})
			state := func(tl dbsTool) string { return smAccounts(by[tl.name]) }
			for _, pb := range []string{"accounts.yml", "accounts_mod.yml", "accounts_absent.yml"} {
				dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: pb, state: state})
			}
			// accounts_absent.yml keeps u2's home, as asked.
			for _, p := range smPrefixes {
				require.DirExists(t, "/home/"+p+"u2")
				require.NoError(t, os.RemoveAll("/home/"+p+"u2"))
			}
		})
	}
}

// smInstallService installs the init script name for the test daemon
// (state in dir) and removes it, with its rc links, when the test ends.
func smInstallService(t *testing.T, src, name, dir string) {
	t.Helper()
	daemon, err := os.ReadFile(filepath.Join(src, "daemon.sh"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "daemon.sh"), daemon, 0o755))
	script, err := os.ReadFile(filepath.Join(src, "init.sh"))
	require.NoError(t, err)
	s := strings.NewReplacer("@NAME@", name, "@DIR@", dir).Replace(string(script))
	initd := "/etc/init.d/" + name
	_, err = os.Stat(initd)
	require.True(t, os.IsNotExist(err), "%s exists already: another run of this test?", initd)
	t.Cleanup(func() {
		smSh(initd + " stop >/dev/null 2>&1; pid=$(cat " + dir + "/" + name + ".pid 2>/dev/null) && kill $pid 2>/dev/null")
		smSh("update-rc.d -f " + name + " remove >/dev/null 2>&1; rm -f /etc/rc?.d/[SK]??" + name)
		os.Remove(initd)
	})
	require.NoError(t, os.WriteFile(initd, []byte(s), 0o755))
}

// TestSysModulesService runs the service module on this host without
// systemd, where both tools fall back to SysV init scripts, service and
// update-rc.d: started, enabled, restarted, reloaded, stopped, disabled.
func TestSysModulesService(t *testing.T) {
	h, src := smSetup(t)
	dbsNeedTools(t, "init-system-helpers", "update-rc.d", "service", "start-stop-daemon")
	for _, host := range smHosts[1:] {
		host := host
		t.Run(host.name, func(t *testing.T) {
			dirs := map[string]string{}
			tools, by := smTools(t, host.bec, nil, func(tool, p string) map[string]any {
				svc := "omesm-" + strings.TrimSuffix(p, "_")
				dir := t.TempDir()
				dirs[tool] = dir
				smInstallService(t, src, svc, dir)
				return map[string]any{"svc": svc, "dir": dir}
			})
			state := func(tl dbsTool) string {
				st := by[tl.name]
				svc := st.vars["svc"].(string)
				return st.norm(smSh("ls /etc/rc?.d/*" + svc + "* 2>/dev/null; /etc/init.d/" + svc + " status; echo rc=$?; cat " + dirs[tl.name] + "/" + svc + ".log 2>/dev/null"))
			}
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "service.yml", state: state})
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "service_bounce.yml", state: state, reRunChanges: "2"})
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "service_stop.yml", state: state, reRunChanges: "2"})
		})
	}
}

const smUnit = `[Unit]
Description=omeprov sysmods test unit

[Service]
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
`

const smStaticUnit = `[Unit]
Description=omeprov sysmods static unit

[Service]
ExecStart=/bin/true
`

// TestSysModulesSystemd runs the systemd module against the fake
// systemctl: started, enabled, restarted, reloaded, stopped, disabled,
// masked, a static and a missing unit.
func TestSysModulesSystemd(t *testing.T) {
	h, src := smSetup(t)
	for _, host := range smHosts[:1] {
		host := host
		t.Run(host.name, func(t *testing.T) {
			root := t.TempDir()
			fake, err := os.ReadFile(filepath.Join(src, "systemctl"))
			require.NoError(t, err)
			for _, d := range []string{"bin", "lib/systemd/system", "etc/systemd/system"} {
				require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
			}
			require.NoError(t, os.WriteFile(filepath.Join(root, "bin/systemctl"), fake, 0o755))
			tools, by := smTools(t, host.bec, map[string]any{"fakebin": filepath.Join(root, "bin")}, func(tool, p string) map[string]any {
				unit := "omesmd-" + strings.TrimSuffix(p, "_")
				require.NoError(t, os.WriteFile(filepath.Join(root, "lib/systemd/system", unit+".service"), []byte(smUnit), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(root, "lib/systemd/system", unit+"-static.service"), []byte(smStaticUnit), 0o644))
				return map[string]any{"unit": unit}
			})
			state := func(tl dbsTool) string {
				st := by[tl.name]
				unit := st.vars["unit"].(string)
				cmd := fmt.Sprintf(`cd %s; ls state/active 2>/dev/null | grep -F %s; for f in etc/systemd/system/%s* etc/systemd/system/multi-user.target.wants/%s*; do [ -L "$f" ] && echo "$f -> $(readlink "$f")"; done; grep -F %s state/log 2>/dev/null; true`,
					root, unit, unit, unit, unit)
				return st.norm(smSh(cmd))
			}
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "systemd.yml", state: state})
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "systemd_bounce.yml", state: state, reRunChanges: "2"})
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "systemd_stop.yml", state: state})
		})
	}
}

// TestSysModulesCron runs the cron module on a user's crontab and on a
// file in /etc/cron.d.
func TestSysModulesCron(t *testing.T) {
	h, src := smSetup(t)
	dbsNeedTools(t, "cron", "crontab")
	smRemoveAccounts(t)
	for _, host := range smHosts[1:] {
		host := host
		t.Run(host.name, func(t *testing.T) {
			tools, by := smTools(t, host.bec, nil, func(tool, p string) map[string]any {
				f := "omesm-cron-" + strings.TrimSuffix(p, "_")
				t.Cleanup(func() { os.Remove("/etc/cron.d/" + f) })
				return map[string]any{"cronfile": f}
			})
			state := func(tl dbsTool) string {
				st := by[tl.name]
				p := st.vars["p"].(string)
				return st.norm(smSh("crontab -l -u " + p + "cron; echo rc=$?; ls -l /etc/cron.d/" + st.vars["cronfile"].(string) + " | cut -d' ' -f1,3,4; cat /etc/cron.d/" + st.vars["cronfile"].(string)))
			}
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "cron.yml", state: state})
			dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "cron_absent.yml", state: state})
		})
	}
}

// smListen listens on a loopback port and greets every connection with
// a line, until the test ends.
func smListen(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintf(c, "HELLO from the sysmods test\n")
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				bufio.NewReader(c).ReadString('\n')
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSysModulesWaitFor runs wait_for on loopback ports and on files.
func TestSysModulesWaitFor(t *testing.T) {
	h, src := smSetup(t)
	port := smListen(t)
	closed := closedPort(t, "127.0.0.1")
	for _, host := range smHosts[:1] {
		host := host
		t.Run(host.name, func(t *testing.T) {
			tools, by := smTools(t, host.bec, map[string]any{"port": port, "closed": closed}, func(tool, p string) map[string]any {
				dir := t.TempDir()
				require.NoError(t, os.Chmod(dir, 0o755))
				return map[string]any{"dir": dir}
			})
			state := func(tl dbsTool) string {
				return by[tl.name].norm(smSh("ls " + by[tl.name].vars["dir"].(string)))
			}
			runs := dbsRunPhase(t, h, src, host.name, tools, dbsPhase{playbook: "wait_for.yml", state: state})
			for i := range runs {
				st := dbsStatuses(runs[i][1], host.name)
				require.Equal(t, "failed ignored", st["timeout fails"], "%s", runs[i][1])
				require.Equal(t, "ok", st["path appears"], "%s", runs[i][1])
			}
		})
	}
}
