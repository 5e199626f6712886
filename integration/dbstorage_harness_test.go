package integration

// Helpers shared by the PostgreSQL, LVM, filesystem and SELinux tests
// over SSH (dbstorage_*_test.go): one playbook run by ansible-playbook
// and by omeprov apply on the same sshd host, each on its own objects
// (named with a prefix given in the extra variables), in check mode, for
// real and again, compared step by step.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dbsNeed skips t (fails it when CI is set) with why.
func dbsNeed(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why + " (CI is set: not skipping)")
	}
	t.Skip(why)
}

// dbsNeedTools skips t (fails it under CI) unless every tool is on PATH
// or at the absolute path given.
func dbsNeedTools(t *testing.T, pkg string, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			dbsNeed(t, fmt.Sprintf("%s not found (apt-get install %s)", tool, pkg))
		}
	}
}

// dbsRun is one run of a playbook by one tool.
type dbsRun struct {
	tool   string // "ansible" or "omeprov"
	mode   string // "check", "run" or "re-run"
	out    string
	code   int
	events map[string][]event
	recap  map[string]string
}

// changed is the changed= count of host's recap line.
func (r dbsRun) changed(host string) string {
	f := strings.Fields(r.recap[host])
	if len(f) < 2 {
		return "?"
	}
	return f[1]
}

func (r dbsRun) String() string {
	return fmt.Sprintf("--- %s %s (exit %d):\n%s", r.tool, r.mode, r.code, r.out)
}

// dbsTool runs playbooks with one tool with its own extra variables.
type dbsTool struct {
	name string // "ansible" or "omeprov"
	vars string // file of extra variables (-e @vars)
}

// play runs playbook (in dir) with the tool in mode ("check", "run",
// "re-run"), with -v and --diff, limited to limit.
func (tl dbsTool) play(t *testing.T, h *hosts, dir, playbook, mode, limit string) dbsRun {
	t.Helper()
	args := []string{"-i", h.inventory, "-l", limit, "-v", "--diff", "-e", "@" + tl.vars}
	if mode == "check" {
		args = append(args, "--check")
	}
	args = append(args, playbook)
	var out string
	var code int
	if tl.name == "ansible" {
		out, code = h.run(t, dir, "ansible-playbook", args...)
	} else {
		out, code = h.run(t, dir, omeprovBin, append([]string{"apply"}, args...)...)
	}
	ev, recap := parseRun(out)
	return dbsRun{tool: tl.name, mode: mode, out: out, code: code, events: ev, recap: recap}
}

// dbsVars writes vars as a JSON file of extra variables and returns its
// path.
func dbsVars(t *testing.T, dir, name string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(vars)
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// dbsAgree requires the same exit code, PLAY RECAP and per-host task
// statuses from ansible-playbook and omeprov.
func dbsAgree(t *testing.T, a, o dbsRun, what string) {
	t.Helper()
	ctx := fmt.Sprintf("%s, %s\n%s\n%s", what, a.mode, a, o)
	require.NotEmpty(t, a.recap, "ansible-playbook printed no PLAY RECAP; "+ctx)
	require.Equal(t, a.code, o.code, "exit codes differ; "+ctx)
	require.Equal(t, a.recap, o.recap, "PLAY RECAP differs; "+ctx)
	hosts := sortedHosts(a.events)
	require.Equal(t, hosts, sortedHosts(o.events), ctx)
	for _, host := range hosts {
		require.Equal(t, dbsTasks(a.events[host]), dbsTasks(o.events[host]), "tasks differ for %s; %s", host, ctx)
	}
}

// dbsTasks is "task: status" for each event, without the result bodies
// that -v prints after a status.
func dbsTasks(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		st, _, _ := strings.Cut(e.Status, " ")
		if strings.HasSuffix(e.Status, " ignored") {
			st += " ignored"
		}
		out[i] = e.Task + ": " + st
	}
	return out
}

// dbsStatuses maps each task to its status for host (a task that runs
// once per playbook).
func dbsStatuses(r dbsRun, host string) map[string]string {
	out := map[string]string{}
	for _, s := range dbsTasks(r.events[host]) {
		k, v, _ := strings.Cut(s, ": ")
		out[strings.TrimPrefix(k, "TASK ")] = v
	}
	return out
}

// dbsPhase is one playbook run three times by both tools: in check mode
// (which must change nothing: state is the same before and after), for
// real, and again (changed=0 unless reRunChanges says otherwise).
type dbsPhase struct {
	playbook string
	// state returns what the tool's objects look like, with the tool's
	// names made the same for both (so that the two can be compared).
	state func(tool dbsTool) string
	// reRunChanges is the changed= count expected on the re-run ("0"
	// when empty).
	reRunChanges string
	// check, if set, looks at each run of each tool (after the run).
	check func(r dbsRun)
}

// dbsRunPhase runs the phase with ansible-playbook and omeprov, one after
// the other on each step, on host limit, and returns the runs (ansible's
// then omeprov's, check, run, re-run).
func dbsRunPhase(t *testing.T, h *hosts, dir, limit string, tools [2]dbsTool, p dbsPhase) [2][3]dbsRun {
	t.Helper()
	var runs [2][3]dbsRun
	var before [2]string
	for i, tl := range tools {
		before[i] = p.state(tl)
	}
	for m, mode := range []string{"check", "run", "re-run"} {
		for i, tl := range tools {
			r := tl.play(t, h, dir, p.playbook, mode, limit)
			runs[i][m] = r
			after := p.state(tl)
			switch mode {
			case "check":
				require.Equal(t, before[i], after, "%s --check changed the state of %s\n%s", tl.name, p.playbook, r)
			case "re-run":
				want := p.reRunChanges
				if want == "" {
					want = "0"
				}
				require.Equal(t, want, r.changed(limit), "%s re-run of %s: changed=\n%s", tl.name, p.playbook, r)
			}
			if p.check != nil {
				p.check(r)
			}
		}
		dbsAgree(t, runs[0][m], runs[1][m], p.playbook)
		if mode != "check" {
			require.Equal(t, p.state(tools[0]), p.state(tools[1]), "%s after %s: ansible's objects and omeprov's differ", p.playbook, mode)
		}
	}
	t.Logf("%s: both tools agree in check, run and re-run; state:\n%s", p.playbook, p.state(tools[1]))
	return runs
}

// dbsSortedLines sorts the lines of s.
func dbsSortedLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}
