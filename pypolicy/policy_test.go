package pypolicy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
	"github.com/ome/omeprov/playbook"
	"github.com/ome/omeprov/pypolicy"
)

var rpmFacts = map[string]any{"os_family": "RedHat", "pkg_mgr": "dnf", "python_version": "3.9.18"}
var debFacts = map[string]any{"os_family": "Debian", "pkg_mgr": "apt", "distribution": "Debian", "python_version": "3.11.2"}

const repoqueryRequests = "@@python3-requests\t0:2.25.1-8.el9\tappstream\npython3-requests = 2.25.1-8.el9\npython3.9dist(requests) = 2.25.1\npython3dist(requests) = 2.25.1\n"

func task(conn *modtest.Conn, module string, facts, vars map[string]any, args map[string]any) *modules.Task {
	mt := modtest.Task(conn, module, args)
	mt.Host = "el9"
	mt.Ctl = &modtest.Controller{FactMap: facts, VarMap: vars}
	return mt
}

var info = playbook.TaskInfo{Pos: playbook.Pos{File: "/nonexistent/site.yml", Line: 12, Col: 7}, Name: "pip", Host: "el9", Module: "pip"}

func TestEnforceBlocksSystemPipOfPackagedModule(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: `^LC_ALL=C dnf -q repoquery .*python3dist\(requests\)`, Stdout: repoqueryRequests, Times: 1})
	var warn bytes.Buffer
	p := pypolicy.New(pypolicy.Enforce, &warn)
	mt := task(conn, "pip", rpmFacts, nil, map[string]any{"name": []any{"requests>=2", "omero-py"}})
	res, err := p.BeforeTask(context.Background(), info, mt)
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Equal(t, "python policy: /nonexistent/site.yml:12: pip would install requests into the system Python, but the distribution packages it: "+
		"python3-requests 2.25.1-8.el9 (repo appstream). Install python3-requests with dnf instead (or pip into a virtualenv).", res["msg"])
	require.Len(t, conn.Calls, 1, "one batched query for all names")
	require.Contains(t, conn.Calls[0].Cmd, "'python3dist(omero-py)'")
	require.Contains(t, conn.Calls[0].Cmd, "'python3.9dist(requests)'")
	require.Equal(t, pypolicy.Counts{Violations: 1}, p.HostCounts("el9"))

	// the host's answers are cached for the run
	res, err = p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Len(t, conn.Calls, 1)

	var out bytes.Buffer
	p.Report(&out)
	require.Contains(t, out.String(), "PYTHON POLICY *****")
	require.Contains(t, out.String(), "el9                        : violations=2    warned=0    fixed=0    missing=0")
	require.Contains(t, out.String(), "/nonexistent/site.yml:12: omero-py via pip (system Python): pip (not packaged by the distribution) [ok]")
	require.Contains(t, out.String(), "requests>=2 via pip (system Python): distribution: python3-requests 2.25.1-8.el9 (repo appstream) (dnf) [BLOCKED]")
	require.Empty(t, warn.String())
}

func TestVenvAllowedWithoutAsking(t *testing.T) {
	conn := modtest.New() // any command fails the test
	p := pypolicy.New(pypolicy.Enforce, nil)
	res, err := p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests", "virtualenv": "/opt/omero/venv"}))
	require.NoError(t, err)
	require.Nil(t, res)
	require.Empty(t, conn.Calls)
	e := p.Entries()
	require.Len(t, e, 1)
	require.Equal(t, pypolicy.Allowed, e[0].Outcome)
	require.Equal(t, "pip into virtualenv /opt/omero/venv", e[0].From)

	// a venv with system site packages is the system Python
	conn = modtest.New(&modtest.Reply{Match: `repoquery`, Stdout: repoqueryRequests})
	res, err = p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil,
		map[string]any{"name": "requests", "virtualenv": "/opt/v", "virtualenv_site_packages": true}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "into the virtualenv /opt/v with system site packages")
}

func TestModesFromVariable(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: `repoquery`, Stdout: repoqueryRequests})
	var warn bytes.Buffer
	p := pypolicy.New(pypolicy.Enforce, &warn)
	// off: nothing asked
	res, err := p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, map[string]any{"omeprov_python_policy": "off"}, map[string]any{"name": "requests"}))
	require.NoError(t, err)
	require.Nil(t, res)
	require.Empty(t, conn.Calls)
	// warn: the task runs, the violation is printed and counted
	mt := task(conn, "pip", rpmFacts, map[string]any{"omeprov_python_policy": "warn"}, map[string]any{"name": "requests"})
	res, err = p.BeforeTask(context.Background(), info, mt)
	require.NoError(t, err)
	require.Nil(t, res)
	require.Contains(t, warn.String(), "[WARNING]: python policy (warn): /nonexistent/site.yml:12: pip would install requests")
	p.AfterTask(context.Background(), info, mt, modules.Result{"changed": true})
	require.Equal(t, pypolicy.Counts{Violations: 1, Warned: 1}, p.HostCounts("el9"))
	// a bad mode fails the task with its name
	res, err = p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, map[string]any{"omeprov_python_policy": "lax"}, map[string]any{"name": "requests"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], `unknown mode "lax"`)
	// absent is never a violation; other modules are not looked at
	res, err = p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests", "state": "absent"}))
	require.NoError(t, err)
	require.Nil(t, res)
	res, err = p.BeforeTask(context.Background(), playbook.TaskInfo{Module: "command", Host: "el9"}, task(conn, "command", rpmFacts, nil, map[string]any{}))
	require.NoError(t, err)
	require.Nil(t, res)
}

func TestDebianHostQueriesApt(t *testing.T) {
	conn := modtest.New(
		&modtest.Reply{Match: `cpython3_fallback`, Stdout: "PyYAML python3-yaml\n"},
		&modtest.Reply{Match: `^LC_ALL=C apt-cache policy python3-yaml python3-omefoo$`,
			Stdout: "python3-yaml:\n  Installed: (none)\n  Candidate: 6.0-3+b2\n  Version table:\n"},
	)
	p := pypolicy.New(pypolicy.Enforce, nil)
	res, err := p.BeforeTask(context.Background(), info, task(conn, "pip", debFacts, nil, map[string]any{"name": []any{"PyYAML", "omefoo", "x; touch /tmp/pwned"}}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "pip would install pyyaml into the system Python, but the distribution packages it: python3-yaml 6.0-3+b2. Install python3-yaml with apt instead")
}

func TestPackageTaskForMissingPython3Package(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: `^LC_ALL=C dnf -q repoquery --latest-limit 1 .* -- python3-requests python3-omenosuch$`,
		Stdout: "@@python3-requests\t0:2.25.1-8.el9\tappstream\n"})
	p := pypolicy.New(pypolicy.Enforce, nil)
	dinfo := info
	dinfo.Module = "dnf"
	res, err := p.BeforeTask(context.Background(), dinfo, task(conn, "dnf", rpmFacts, nil, map[string]any{"name": []any{"python3-requests", "python3-omenosuch", "curl"}}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Equal(t, "python policy: /nonexistent/site.yml:12: python3-omenosuch is not packaged by this host's distribution (no match in its enabled repositories): "+
		"if omenosuch is a PyPI-only module, install it with pip, into a virtualenv.", res["msg"])
	require.Equal(t, pypolicy.Counts{Missing: 1}, p.HostCounts("el9"))
	// removal is not checked
	res, err = p.BeforeTask(context.Background(), dinfo, task(conn, "dnf", rpmFacts, nil, map[string]any{"name": "python3-omenosuch", "state": "absent"}))
	require.NoError(t, err)
	require.Nil(t, res)
}

func TestHostFailuresAreErrors(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: `repoquery`, ExitCode: 1, Stderr: "Error: Failed to download metadata for repo 'appstream'"})
	p := pypolicy.New(pypolicy.Enforce, nil)
	_, err := p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests"}))
	require.ErrorContains(t, err, "Failed to download metadata")
	conn = modtest.New(&modtest.Reply{Match: `repoquery`, Err: errors.New("connection lost")})
	_, err = p.BeforeTask(context.Background(), info, task(conn, "pip", map[string]any{"os_family": "RedHat"}, nil, map[string]any{"name": "numpy"}))
	require.ErrorContains(t, err, "connection lost")
}

func TestNoPackageSystemIsUnchecked(t *testing.T) {
	conn := modtest.New()
	p := pypolicy.New(pypolicy.Enforce, nil)
	res, err := p.BeforeTask(context.Background(), info, task(conn, "pip", map[string]any{"os_family": "Darwin"}, nil, map[string]any{"name": "requests"}))
	require.NoError(t, err)
	require.Nil(t, res)
	require.Equal(t, pypolicy.Unchecked, p.Entries()[0].Outcome)
}

func TestViolationNotesAnUnmetVersion(t *testing.T) {
	conn := modtest.New(&modtest.Reply{Match: `repoquery`, Stdout: repoqueryRequests})
	p := pypolicy.New(pypolicy.Enforce, nil)
	res, err := p.BeforeTask(context.Background(), info, task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests", "version": "2.31.0"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Note: python3-requests 2.25.1-8.el9 does not meet requests==2.31.0.")
}

// TestConcurrentHosts runs the hook for many hosts at once, as forks do.
func TestConcurrentHosts(t *testing.T) {
	p := pypolicy.New(pypolicy.Warn, &bytes.Buffer{})
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func(i int) {
			defer func() { done <- struct{}{} }()
			conn := modtest.New(&modtest.Reply{Match: `repoquery`, Stdout: repoqueryRequests})
			in := info
			in.Host = fmt.Sprintf("h%d", i)
			mt := task(conn, "pip", rpmFacts, nil, map[string]any{"name": "requests"})
			res, err := p.BeforeTask(context.Background(), in, mt)
			if err == nil && res == nil {
				p.AfterTask(context.Background(), in, mt, modules.Result{"changed": true})
			}
		}(i)
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	for i := 0; i < 8; i++ {
		require.Equal(t, pypolicy.Counts{Violations: 1, Warned: 1}, p.HostCounts(fmt.Sprintf("h%d", i)))
	}
	var out bytes.Buffer
	p.Report(&out)
	require.Equal(t, 8, strings.Count(out.String(), "[VIOLATION]"))
	out.Reset()
	p.Report(&out) // each playbook reports its own tasks
	require.Empty(t, out.String())
}
