package modules

import (
	"bufio"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

// rpmRecorded reads a recorded command output from testdata: comment
// lines, then "----stdout", the output, "----exit N", "----stderr" and
// the error output.
func rpmRecorded(t *testing.T, name string) (stdout, stderr string, exit int) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	s := string(b)
	i := strings.Index(s, "----stdout\n")
	require.GreaterOrEqual(t, i, 0, name)
	s = s[i+len("----stdout\n"):]
	out, rest, ok := strings.Cut(s, "----exit ")
	require.True(t, ok, name)
	code, errOut, ok := strings.Cut(rest, "\n----stderr\n")
	require.True(t, ok, name)
	exit, err = strconv.Atoi(strings.TrimSpace(code))
	require.NoError(t, err)
	return out, errOut, exit
}

func TestRPMVerCmpAgreesWithRPM(t *testing.T) {
	f, err := os.Open("testdata/rpm/vercmp.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		require.Len(t, fields, 3, line)
		want, err := strconv.Atoi(fields[2])
		require.NoError(t, err)
		require.Equal(t, want, rpmVerCmp(fields[0], fields[1]), "rpmvercmp(%s, %s)", fields[0], fields[1])
		n++
	}
	require.Greater(t, n, 20)
}

func TestDNFParseNEVRAsAnsible(t *testing.T) {
	p, ok := dnfParseNEVR("foo-1.0-1")
	require.True(t, ok)
	require.Equal(t, rpmPkg{Name: "foo", Epoch: "0", Version: "1.0", Release: "1"}, p)
	_, ok = dnfParseNEVR("foo-1.0") // no release: not a NEVR for ansible
	require.False(t, ok)
	_, ok = dnfParseNEVR("foo")
	require.False(t, ok)
	p, ok = dnfParseNEVR("python3-foo-bar-2:1.2.3-4.el9.x86_64")
	require.True(t, ok)
	require.Equal(t, rpmPkg{Name: "python3-foo-bar", Epoch: "2", Version: "1.2.3", Release: "4.el9", Arch: "x86_64"}, p)
	p, ok = dnfParseNEVR("1:foo-3.0-1.noarch.rpm")
	require.True(t, ok)
	require.Equal(t, rpmPkg{Name: "foo", Epoch: "1", Version: "3.0", Release: "1", Arch: "noarch"}, p)
	_, ok = dnfParseNEVR("foo-bar-baz") // version must start with a digit
	require.False(t, ok)
	require.Equal(t, "foo-1:2.0-1.noarch", rpmPkg{Name: "foo", Epoch: "1", Version: "2.0", Release: "1", Arch: "noarch"}.String())
	require.Equal(t, "foo-2.0-1.noarch", rpmPkg{Name: "foo", Epoch: "0", Version: "2.0", Release: "1", Arch: "noarch"}.String())
}

func TestParseDNFArgs(t *testing.T) {
	o, err := parseDNFArgs(map[string]any{"name": []any{"a,b", "c"}, "enablerepo": "x,y", "state": "installed"})
	require.NoError(t, err)
	require.Equal(t, []string{"c", "a", "b"}, o.Names, "split elements go last, as yumdnf does")
	require.Equal(t, []string{"x", "y"}, o.EnableRepo)
	require.Equal(t, "present", o.State)
	require.Equal(t, 30, o.LockTimeout)
	require.True(t, o.InstallWeakDeps)

	_, err = parseDNFArgs(map[string]any{"name": "foo bar"})
	require.ErrorContains(t, err, "space separated string of packages")
	o, err = parseDNFArgs(map[string]any{"name": "foo >= 1.0"})
	require.NoError(t, err)
	require.Equal(t, []string{"foo >= 1.0"}, o.Names)
	_, err = parseDNFArgs(map[string]any{"name": "foo", "autoremove": true, "state": "present"})
	require.ErrorContains(t, err, "Autoremove should be used alone or with state=absent")
	o, err = parseDNFArgs(map[string]any{"autoremove": true})
	require.NoError(t, err)
	require.Equal(t, "absent", o.State)
	o, err = parseDNFArgs(map[string]any{}) // ansible: name defaults to [], "Nothing to do"
	require.NoError(t, err)
	require.Empty(t, o.Names)
	_, err = parseDNFArgs(map[string]any{"name": "foo", "state": "bogus"})
	require.Error(t, err)
	// odd types never panic
	_, err = parseDNFArgs(map[string]any{"name": 12, "lock_timeout": "x", "update_cache": "yes"})
	require.NoError(t, err)
}

func TestPlanDNF(t *testing.T) {
	installed := parseRPMQuery("bash|0|5.1.8|6.el9|x86_64\nfoo|0|2.0|1|noarch\nbaz|1|3.0|1|noarch\ngpg-pubkey|0|8483c65d|5ccc5b19|(none)\n")
	require.Len(t, installed, 4)
	opts := func(state string, names ...string) *dnfOptions {
		return &dnfOptions{State: state, Names: names}
	}
	p := planDNF(opts("present", "bash", "foo.noarch", "newpkg", "foo-1.0-1", "foo-3.0-1", "python3dist(x)", "@dev", "/usr/bin/x"), installed, nil)
	require.Equal(t, []string{"@dev", "newpkg", "foo-3.0-1", "python3dist(x)", "/usr/bin/x"}, p.Install)
	require.Empty(t, p.Upgrade)

	o := opts("present", "foo-1.0-1")
	o.AllowDowngrade = true
	require.Equal(t, []string{"foo-1.0-1"}, planDNF(o, installed, nil).Install)

	p = planDNF(opts("latest", "bash", "newpkg", "foo-1.0-1"), installed, nil)
	require.Equal(t, []string{"newpkg"}, p.Install)
	require.Equal(t, []string{"bash"}, p.Upgrade)
	require.True(t, p.needsShell())
	require.True(t, planDNF(opts("latest", "*"), installed, nil).UpgradeAll)

	p = planDNF(opts("absent", "bash", "nothere", "foo-2.0", "ba*", "python3dist(x)", "@grp"), installed, nil)
	require.Equal(t, []string{"@grp", "bash", "foo-2.0", "ba*", "python3dist(x)"}, p.Remove)
	require.True(t, planDNF(opts("absent", "nothere"), installed, nil).Empty())
	require.Equal(t, "Cannot remove paths -- please specify package name.", planDNF(opts("absent", "/tmp/x.rpm"), installed, nil).Fail)

	o = opts("present", "bash", "newpkg")
	o.UpdateOnly = true
	p = planDNF(o, installed, nil)
	require.Equal(t, []string{"bash"}, p.Upgrade)
	require.Equal(t, []string{"Packages providing newpkg not installed due to update_only specified"}, p.Results)

	files := map[string]rpmPkg{
		"/tmp/foo-1.0-1.noarch.rpm": {Name: "foo", Epoch: "0", Version: "1.0", Release: "1", Arch: "noarch"},
		"/tmp/foo-2.0-1.noarch.rpm": {Name: "foo", Epoch: "0", Version: "2.0", Release: "1", Arch: "noarch"},
		"/tmp/new-1-1.noarch.rpm":   {Name: "new", Epoch: "0", Version: "1", Release: "1", Arch: "noarch"},
	}
	p = planDNF(opts("present", "/tmp/foo-1.0-1.noarch.rpm", "/tmp/foo-2.0-1.noarch.rpm", "/tmp/new-1-1.noarch.rpm", "https://x/y.rpm"), installed, files)
	require.Equal(t, []string{"/tmp/new-1-1.noarch.rpm", "https://x/y.rpm"}, p.Install)
	require.Equal(t, []string{"Installed /tmp/foo-1.0-1.noarch.rpm", "Installed /tmp/foo-2.0-1.noarch.rpm",
		"Installed /tmp/new-1-1.noarch.rpm", "Installed https://x/y.rpm"}, p.Results)
}

func TestDNFCommandQuotesAndFlags(t *testing.T) {
	o := &dnfOptions{State: "present", InstallRoot: "/", DisableRepo: []string{"*"}, EnableRepo: []string{"crb"},
		Exclude: []string{"kernel*"}, DisableGPGCheck: true, InstallWeakDeps: false, Security: true, AllowErasing: true,
		UpdateCache: true, SSLVerify: true}
	inv := dnfCommand("dnf", o, dnfPlan{Install: []string{"x; rm -rf /", "$(id)", "foo >= 1.0"}}, true)
	require.Equal(t, "", inv.Stdin)
	require.True(t, strings.HasPrefix(inv.Cmd, "LC_ALL=C dnf --assumeno "), inv.Cmd)
	require.Contains(t, inv.Cmd, " install -- 'x; rm -rf /' '$(id)' 'foo >= 1.0'")
	require.Less(t, strings.Index(inv.Cmd, "'--disablerepo=*'"), strings.Index(inv.Cmd, "--enablerepo=crb"), "disable first, as ansible does")
	for _, f := range []string{"'--exclude=kernel*'", "--nogpgcheck", "--setopt=install_weak_deps=False", "--security",
		"--allowerasing", "--refresh", "--setopt=exit_on_lock=True", "--setopt=clean_requirements_on_remove=False"} {
		require.Contains(t, inv.Cmd, f)
	}

	inv = dnfCommand("dnf", &dnfOptions{InstallWeakDeps: true, SSLVerify: true}, dnfPlan{Install: []string{"a b"}, Upgrade: []string{"c'd"}}, false)
	require.True(t, strings.HasSuffix(inv.Cmd, " shell"), inv.Cmd)
	require.Equal(t, "install 'a b'\nupgrade 'c'\"'\"'d'\nrun\nexit\n", inv.Stdin)
	require.Contains(t, inv.Cmd, "--setopt=gpgcheck=True")

	inv = dnfCommand("yum", &dnfOptions{Autoremove: true}, dnfPlan{Remove: []string{"foo"}}, false)
	require.Contains(t, inv.Cmd, "LC_ALL=C yum -y ")
	require.Contains(t, inv.Cmd, "--setopt=clean_requirements_on_remove=True")
	require.Contains(t, inv.Cmd, "--allowerasing")
	require.True(t, strings.HasSuffix(inv.Cmd, " remove -- foo"), inv.Cmd)
}

func TestParseDNFTableRecorded(t *testing.T) {
	installed := parseRPMQuery("foo|0|1.0|1|noarch\nbar|0|1.0|1|noarch\n")
	long := "omeprov-a-package-with-a-rather-long-name-to-wrap-2:1.0.0.12345-1.el9.noarch"
	for _, tc := range []struct {
		file    string
		results []string
		noMatch []string
	}{
		{"install_deps.txt", []string{"Installed: bar-1.0-1.noarch", "Installed: foo-1.0-1.noarch", "Installed: " + long}, nil},
		{"upgrade.txt", []string{"Installed: foo-2.0-1.noarch", "Removed: foo-1.0-1.noarch"}, nil},
		{"shell.txt", []string{"Installed: foo-2.0-1.noarch", "Installed: " + long, "Removed: foo-1.0-1.noarch"}, nil},
		{"shell_run.txt", []string{"Installed: foo-2.0-1.noarch", "Installed: " + long, "Removed: foo-1.0-1.noarch"}, nil},
		{"remove.txt", []string{"Removed: bar-1.0-1.noarch", "Removed: foo-1.0-1.noarch"}, []string{"nosuch*"}},
		{"remove_long.txt", []string{"Removed: " + long}, nil},
		{"downgrade.txt", []string{"Installed: foo-1.0-1.noarch", "Removed: foo-2.0-1.noarch"}, nil},
		{"nothing.txt", nil, nil},
		{"nomatch.txt", nil, []string{"omenosuch"}},
	} {
		out, errOut, _ := rpmRecorded(t, "dnf/"+tc.file)
		inst := installed
		if tc.file == "downgrade.txt" {
			inst = parseRPMQuery("foo|0|2.0|1|noarch\n")
		}
		txn := parseDNFTable(out)
		txn.NoMatch = append(txn.NoMatch, parseDNFTable(errOut).NoMatch...)
		got := dnfTxnResults(txn, inst, "Installed")
		if len(tc.results) == 0 {
			require.Empty(t, got, tc.file)
			require.True(t, txn.Empty(), tc.file)
		} else {
			require.Equal(t, tc.results, got, tc.file)
		}
		require.Equal(t, tc.noMatch, txn.NoMatch, tc.file)
	}
}

func TestParseDNFListRecorded(t *testing.T) {
	out, _, _ := rpmRecorded(t, "dnf/list.txt")
	l := parseDNFList(out)
	require.Len(t, l, 2)
	require.Equal(t, map[string]any{"name": "foo", "epoch": "0", "version": "1.0", "release": "1", "arch": "noarch", "repo": "local",
		"envra": "0:foo-1.0-1.noarch", "nevra": "0:foo-1.0-1.noarch", "yumstate": "available"}, l[0])
	out, _, _ = rpmRecorded(t, "dnf/list_installed.txt")
	l = parseDNFList(out)
	require.Len(t, l, 3)
	require.Equal(t, "installed", l[0]["yumstate"])
	require.Equal(t, "@System", l[0]["repo"])
}

func TestDNFDiffInstalled(t *testing.T) {
	before := parseRPMQuery("a|0|1|1|noarch\nb|0|1|1|noarch\n")
	after := parseRPMQuery("a|0|2|1|noarch\nb|0|1|1|noarch\nc|3|1|1|x86_64\n")
	added, removed := dnfDiffInstalled(before, after)
	require.Equal(t, []string{"Installed: a-2-1.noarch", "Installed: c-3:1-1.x86_64"}, added)
	require.Equal(t, []string{"Removed: a-1-1.noarch"}, removed)
}

// dnfFake answers the module's commands like a host with dnf.
type dnfFake struct {
	rpmQA      []string // rpm -qa outputs, in turn
	preview    func(cmd, stdin string) (string, string, int)
	run        func(cmd, stdin string) (string, string, int)
	calls      []string
	noDNF      bool
	lockedRuns int
}

func (f *dnfFake) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	f.calls = append(f.calls, cmd)
	stdin := ""
	if opts != nil && opts.Stdin != nil {
		b, _ := io.ReadAll(opts.Stdin)
		stdin = string(b)
	}
	switch {
	case strings.Contains(cmd, "rpm -qa"):
		out := f.rpmQA[0]
		if len(f.rpmQA) > 1 {
			f.rpmQA = f.rpmQA[1:]
		}
		if f.noDNF {
			return &connection.Result{Stdout: []byte(out)}, nil
		}
		return &connection.Result{Stdout: []byte("tool=dnf\n" + out)}, nil
	case f.lockedRuns > 0:
		f.lockedRuns--
		return &connection.Result{Stderr: []byte("Error: metadata already locked by 4242\n"), ExitCode: 200}, nil
	case strings.Contains(cmd, "--assumeno"):
		o, e, c := f.preview(cmd, stdin)
		return &connection.Result{Stdout: []byte(o), Stderr: []byte(e), ExitCode: c}, nil
	case strings.Contains(cmd, "dnf -y"):
		o, e, c := f.run(cmd, stdin)
		return &connection.Result{Stdout: []byte(o), Stderr: []byte(e), ExitCode: c}, nil
	}
	return nil, rpmErrUnexpected(cmd)
}

type rpmErrUnexpected string

func (e rpmErrUnexpected) Error() string { return "unexpected command: " + string(e) }

func dnfFakeTask(f *dnfFake, check bool, args map[string]any) *Task {
	return &Task{Name: "dnf", Module: "dnf", Args: args, Conn: dnfFakeConn{f}, Check: check, Diff: true}
}

// dnfFakeConn adapts dnfFake to connection.Connection.
type dnfFakeConn struct{ f *dnfFake }

func (c dnfFakeConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	return c.f.Exec(ctx, cmd, opts)
}
func (c dnfFakeConn) PutFile(context.Context, string, io.Reader, *connection.FileOptions) error {
	return nil
}
func (c dnfFakeConn) GetFile(context.Context, string, *connection.Become) ([]byte, error) {
	return nil, os.ErrNotExist
}
func (c dnfFakeConn) Close() error { return nil }

func TestRunDNFWithFakeHost(t *testing.T) {
	ctx := context.Background()
	upgradeOut, upgradeErr, upgradeRC := rpmRecorded(t, "dnf/upgrade.txt")
	before := "foo|0|1.0|1|noarch\nbar|0|1.0|1|noarch\n"
	after := "foo|0|2.0|1|noarch\nbar|0|1.0|1|noarch\n"

	// check mode: previewed, never run
	f := &dnfFake{rpmQA: []string{before},
		preview: func(cmd, stdin string) (string, string, int) { return upgradeOut, upgradeErr, upgradeRC },
		run: func(cmd, stdin string) (string, string, int) {
			t.Fatalf("ran in check mode: %s", cmd)
			return "", "", 1
		}}
	res, err := runDNF(ctx, dnfFakeTask(f, true, map[string]any{"name": "foo", "state": "latest"}))
	require.NoError(t, err)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, []string{"Installed: foo-2.0-1.noarch", "Removed: foo-1.0-1.noarch"}, res["results"])
	require.Equal(t, "Check mode: No changes made, but would have if not in check mode", res["msg"])
	require.Equal(t, "Installed: foo-2.0-1.noarch\nRemoved: foo-1.0-1.noarch\n", res["diff"].(Diff).Prepared)

	// a real run reports what the rpm database says changed
	f = &dnfFake{rpmQA: []string{before, after},
		preview: func(cmd, stdin string) (string, string, int) { return upgradeOut, upgradeErr, upgradeRC },
		run:     func(cmd, stdin string) (string, string, int) { return "Complete!\n", "", 0 }}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "foo", "state": "latest"}))
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true, "msg": "", "rc": 0, "results": []string{"Installed: foo-2.0-1.noarch", "Removed: foo-1.0-1.noarch"},
		"diff": Diff{Prepared: "Installed: foo-2.0-1.noarch\nRemoved: foo-1.0-1.noarch\n"}}, res)

	// a transaction that fails half-way: failed, and what changed is shown
	f = &dnfFake{rpmQA: []string{before, after},
		preview: func(cmd, stdin string) (string, string, int) { return upgradeOut, upgradeErr, upgradeRC },
		run: func(cmd, stdin string) (string, string, int) {
			return "", "Error: Transaction test error:\n  file /x conflicts\n", 1
		}}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "foo", "state": "latest"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.True(t, res.Changed())
	require.Contains(t, res["failures"].([]string)[0], "file /x conflicts")

	// all installed: dnf is not even asked
	f = &dnfFake{rpmQA: []string{before}}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "foo,bar"}))
	require.NoError(t, err)
	require.Equal(t, Result{"changed": false, "msg": "Nothing to do", "results": []string{}, "rc": 0}, res)
	require.Len(t, f.calls, 1)

	// no match: named, and nothing runs
	nmOut, nmErr, nmRC := rpmRecorded(t, "dnf/nomatch.txt")
	f = &dnfFake{rpmQA: []string{before},
		preview: func(cmd, stdin string) (string, string, int) { return nmOut, nmErr, nmRC }}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": []any{"foo", "omenosuch"}, "state": "latest"}))
	require.NoError(t, err)
	require.Equal(t, Result{"failed": true, "changed": false, "msg": "Failed to install some of the specified packages",
		"failures": []string{"No package omenosuch available."}, "results": []string{}, "rc": 1}, res)

	// a held lock: retried, then reported
	f = &dnfFake{rpmQA: []string{before}, lockedRuns: 100}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "baz", "lock_timeout": 0}))
	require.NoError(t, err)
	require.Equal(t, "dnf lockfile is held by another process", res["msg"])
	require.Contains(t, res["stderr"], "already locked by 4242")
	f = &dnfFake{rpmQA: []string{before, before + "baz|0|1|1|noarch\n"}, lockedRuns: 1,
		preview: func(cmd, stdin string) (string, string, int) {
			return strings.Replace(upgradeOut, " foo             noarch             2.0-1 ", " baz             noarch             1-1   ", 1), upgradeErr, upgradeRC
		},
		run: func(cmd, stdin string) (string, string, int) { return "Complete!\n", "", 0 }}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "baz", "lock_timeout": 5}))
	require.NoError(t, err)
	require.False(t, res.Failed(), "%v", res)
	require.Equal(t, []string{"Installed: baz-1-1.noarch"}, res["results"])

	// dnf shell exits 0 after a depsolve error: still a failure, nothing runs
	f = &dnfFake{rpmQA: []string{before},
		preview: func(cmd, stdin string) (string, string, int) {
			require.Contains(t, cmd, " shell")
			return "> > > Leaving Shell\n", "Error: \n Problem: conflicting requests\n  - nothing provides omeabsent >= 2 needed by omebroken-1.0-1.noarch\n", 0
		}}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": []any{"foo", "omebroken"}, "state": "latest"}))
	require.NoError(t, err)
	require.True(t, res.Failed(), "%v", res)
	require.Contains(t, res["msg"], "Depsolve Error occurred: ")
	require.Contains(t, res["msg"], "nothing provides omeabsent >= 2")

	// no dnf on the host
	f = &dnfFake{rpmQA: []string{""}, noDNF: true}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "foo"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Contains(t, res["msg"], "Could not find dnf or yum")

	// bad arguments fail before the host is touched
	f = &dnfFake{}
	res, err = runDNF(ctx, dnfFakeTask(f, false, map[string]any{"name": "a b"}))
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Empty(t, f.calls)
}

func FuzzParseDNFTable(f *testing.F) {
	for _, name := range []string{"install_deps.txt", "shell.txt", "remove.txt", "downgrade.txt"} {
		b, err := os.ReadFile("testdata/dnf/" + name)
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Add("Installing:\n x\n  replacing\n")
	f.Fuzz(func(t *testing.T, s string) {
		txn := parseDNFTable(s)
		dnfTxnResults(txn, parseRPMQuery(s), "Installed")
		parseDNFList(s)
		dnfParseNEVR(s)
		rpmVerCmp(s, "1.0~rc1^2")
	})
}
