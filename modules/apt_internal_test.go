package modules

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func recordedInternal(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + path)
	require.NoError(t, err)
	_, rest, _ := strings.Cut(string(b), "\n")
	return rest
}

func TestAptDebVersionCompare(t *testing.T) {
	// Pairs checked with `dpkg --compare-versions A lt B` on Debian 12.
	less := [][2]string{
		{"1.0", "2.0"}, {"1.0~rc1", "1.0"}, {"1.0", "1.0-1"}, {"1.0-1", "1.0-2"},
		{"1:0.1", "2:0.0"}, {"9.9", "1:0.1"}, {"1.2.3", "1.10"}, {"1.0a", "1.0b"},
		{"1.0", "1.0a"}, {"1.0~~", "1.0~"}, {"2.36-9", "2.36-9+deb12u4"}, {"0.9", "0.10"},
		{"1.0+b1", "1.0.1"},
	}
	for _, p := range less {
		require.Equal(t, -1, debVersionCompare(p[0], p[1]), "%s < %s", p[0], p[1])
		require.Equal(t, 1, debVersionCompare(p[1], p[0]), "%s > %s", p[1], p[0])
	}
	for _, v := range []string{"1.0", "1:1.0-1", "0:1.0", "01.0"} {
		require.Equal(t, 0, debVersionCompare(v, strings.TrimPrefix(strings.TrimPrefix(v, "0:"), "0")))
	}
}

func TestAptFnmatch(t *testing.T) {
	require.True(t, aptFnmatch("1.0-2", "1.*"))
	require.True(t, aptFnmatch("libfoo1", "lib?oo[0-9]"))
	require.False(t, aptFnmatch("libfoo1", "lib?oo[!0-9]"))
	require.True(t, aptFnmatch("a.b", "a.b"))
	require.False(t, aptFnmatch("axb", "a.b"))
	require.True(t, aptFnmatch("[x", "[x"), "an unclosed bracket is literal")
	require.False(t, aptFnmatch("2.0", "1.*"))
}

func TestAptSplit(t *testing.T) {
	n, c, v := aptSplit("foo=1.0*")
	require.Equal(t, []string{"foo", "=", "1.0*"}, []string{n, c, v})
	n, c, v = aptSplit("foo>=1:2")
	require.Equal(t, []string{"foo", ">=", "1:2"}, []string{n, c, v})
	n, c, v = aptSplit("foo:i386")
	require.Equal(t, []string{"foo:i386", "", ""}, []string{n, c, v})
}

func TestAptParsers(t *testing.T) {
	pkgs := map[string]*aptPkg{}
	aptParseDpkgQuery(recordedInternal(t, "apt/dpkg-query.txt"), pkgs)
	aptParsePolicy(recordedInternal(t, "apt/policy.txt"), pkgs)
	h := pkgs["omeprov-hello"]
	require.True(t, h.Installed)
	require.Equal(t, "1.0", h.Version)
	require.Equal(t, "2.0", h.Candidate)
	require.Equal(t, []string{"2.0", "1.0"}, h.Versions)
	c := pkgs["omeprov-conf"]
	require.False(t, c.Installed)
	require.True(t, c.HasFiles, "config-files left")
	v := pkgs["omeprov-virtual"]
	require.False(t, v.Known)
	require.Empty(t, v.Candidate)
	require.Nil(t, pkgs["nosuch"])
	require.Equal(t, "1.0", pkgs["omeprov-extra"].Candidate)
	require.Equal(t, []string{"omeprov-impl"}, aptParseProviders(recordedInternal(t, "apt/showpkg-virtual.txt")))
	require.Empty(t, aptParseProviders("Package: x\nReverse Provides: \n"))

	// Garbage never panics.
	for _, s := range []string{"", "\t\t\t", "x:\n *** \n", ":\n  Candidate:", "Reverse Provides:"} {
		aptParseDpkgQuery(s, map[string]*aptPkg{})
		aptParsePolicy(s, map[string]*aptPkg{})
		aptParseProviders(s)
		aptParseDiff(s)
		aptParseControl(s)
		aptParseDepends(s)
	}
}

func TestAptPlanInstall(t *testing.T) {
	pkgs := func() map[string]*aptPkg {
		return map[string]*aptPkg{
			"hello":  {Name: "hello", Known: true, Installed: true, Version: "1.0", HasFiles: true, Candidate: "2.0", Versions: []string{"2.0", "1.1", "1.0"}},
			"extra":  {Name: "extra", Known: true, Candidate: "1.0", Versions: []string{"1.0"}},
			"nocand": {Name: "nocand", Known: true, Versions: nil},
			"virt":   {Name: "virt", Providers: []string{"impl"}},
			"virt2":  {Name: "virt2", Providers: []string{"hello"}},
		}
	}
	for _, tc := range []struct {
		specs        []string
		latest, only bool
		want         []string
		err          string
	}{
		{[]string{"hello"}, false, false, nil, ""},
		{[]string{"hello"}, true, false, []string{"hello=2.0"}, ""},
		{[]string{"hello=1.0"}, false, false, nil, ""},
		{[]string{"hello=2.0"}, false, false, []string{"hello=2.0"}, ""},
		{[]string{"hello=1.*"}, false, false, []string{"hello=1.*"}, ""}, // legacy: 1.1 also matches
		{[]string{"hello>=1.0"}, false, false, nil, ""},
		{[]string{"hello>=1.5"}, false, false, []string{"hello=2.0"}, ""},
		{[]string{"hello=3.0"}, false, false, nil, "no available installation candidate for hello=3.0"},
		{[]string{"extra"}, false, false, []string{"extra=1.0"}, ""},
		{[]string{"extra"}, false, true, nil, ""},
		{[]string{"nocand"}, false, false, nil, "no available installation candidate for nocand"},
		{[]string{"virt"}, false, false, []string{"virt"}, ""},
		{[]string{"virt2"}, false, false, nil, ""},
		{[]string{"missing"}, false, false, nil, "No package matching 'missing' is available"},
	} {
		plan, err := aptPlanInstall(pkgs(), tc.specs, tc.latest, tc.only, false)
		if tc.err != "" {
			require.EqualError(t, err, tc.err, "%v", tc.specs)
			continue
		}
		require.NoError(t, err, "%v", tc.specs)
		require.Equal(t, tc.want, plan.Args, "%v latest=%v", tc.specs, tc.latest)
	}
	require.Equal(t, []string{"hello"}, aptPlanRemove(pkgs(), []string{"hello", "extra", "missing"}, false))
	require.Equal(t, []string(nil), aptPlanRemove(pkgs(), []string{"hello=2.0"}, false))
}

func TestAptCommands(t *testing.T) {
	yes := true
	o := aptOptions{DpkgOptions: "force-confdef,force-confold", Check: true, Autoremove: true, DefaultRelease: "bookworm-backports", InstallRecommends: &yes, AllowDowngrade: true}
	require.Equal(t, "apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --auto-remove --simulate install 'a;b' c=1.0 -t bookworm-backports -o APT::Install-Recommends=yes --allow-downgrades",
		aptInstallCommand(o, []string{"a;b", "c=1.0"}))
	o.DefaultRelease = "x'y"
	require.Contains(t, aptInstallCommand(o, []string{"a"}), `-t 'x'"'"'y'`)
	require.Equal(t, "apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --auto-remove --simulate remove a", aptRemoveCommand(o, []string{"a"}))
	o = aptOptions{DpkgOptions: "force-confnew"}
	require.Equal(t, "apt-get -y -o Dpkg::Options::=--force-confnew autoremove", aptCleanupCommand(o, "autoremove"))
	tool, op, cmd := aptUpgradeCommand(o, "full", false)
	require.Equal(t, []string{"aptitude", "full-upgrade", "aptitude -y -o Dpkg::Options::=--force-confnew full-upgrade"}, []string{tool, op, cmd})
	_, _, cmd = aptUpgradeCommand(o, "full", true)
	require.Equal(t, "apt-get -y -o Dpkg::Options::=--force-confnew dist-upgrade", cmd)
	_, _, cmd = aptUpgradeCommand(o, "yes", true)
	require.Equal(t, "apt-get -y -o Dpkg::Options::=--force-confnew upgrade --with-new-pkgs", cmd)
	require.Equal(t, []string{"-o", "'Dpkg::Options::=--force-conf; x'"}, aptDpkgOptionArgs("force-conf; x"))
}

func TestAptParseDiff(t *testing.T) {
	d := aptParseDiff(recordedInternal(t, "apt/simulate-remove.txt"))
	require.True(t, strings.HasPrefix(d, "The following package was automatically installed"), d)
	require.True(t, strings.HasSuffix(d, "0 upgraded, 0 newly installed, 1 to remove and 0 not upgraded."), d)
	require.Equal(t, "a\nb", aptParseDiff("a\nb\n"))
}

func TestAptDebDeps(t *testing.T) {
	g := aptParseDepends("libc6 (>= 2.34), foo | bar (<< 2), baz:any, ")
	require.Equal(t, [][]aptDebDep{{{"libc6", ">=", "2.34"}}, {{"foo", "", ""}, {"bar", "<<", "2"}}, {{"baz", "", ""}}}, g)
	pkgs := map[string]*aptPkg{
		"libc6": {Installed: true, Version: "2.36-9"},
		"bar":   {Installed: true, Version: "1.5"},
	}
	require.Equal(t, []string{"baz"}, aptMissingDeps(g, pkgs))
	pkgs["bar"].Version = "2.0"
	require.Equal(t, []string{"foo", "baz"}, aptMissingDeps(g, pkgs))
	f := aptParseControl("Package: a\nDepends: b,\n c\nVersion: 1\n")
	require.Equal(t, "b,\nc", f["Depends"])
}

func TestAptPolicyRcD(t *testing.T) {
	dir := t.TempDir()
	// Run the wrapper with /usr/sbin pointed into dir.
	w := strings.ReplaceAll(aptPolicyWrap("cat /usr/sbin/policy-rc.d; exit 3", 101), "/usr/sbin/policy-rc.d", dir+"/policy-rc.d")
	out, err := exec.Command("/bin/sh", "-c", w).Output()
	require.Error(t, err, "the command's exit status is kept")
	require.Equal(t, "#!/bin/sh\nexit 101\n", string(out))
	require.NoFileExists(t, dir+"/policy-rc.d", "removed afterwards")
	require.NoError(t, os.WriteFile(dir+"/policy-rc.d", []byte("old"), 0o755))
	_, err = exec.Command("/bin/sh", "-c", w).Output()
	require.Error(t, err)
	b, _ := os.ReadFile(dir + "/policy-rc.d")
	require.Equal(t, "old", string(b), "the previous file is put back")
}

// FuzzAptParsers: no output from a host makes the parsers panic.
func FuzzAptParsers(f *testing.F) {
	f.Add(recordedInternal(&testing.T{}, "apt/policy.txt"))
	f.Add(recordedInternal(&testing.T{}, "apt/dpkg-query.txt"))
	f.Add("pub:-:2048:1:11A43FD9EF6622B2:1795612587:::-:\n")
	f.Add(`{"formulae":[{"name":"x","installed":[{"version":"1"}],"linked_keg":null}],"casks":[{"token":"c","installed":"1"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		pkgs := map[string]*aptPkg{}
		aptParseDpkgQuery(s, pkgs)
		aptParsePolicy(s, pkgs)
		aptParseProviders(s)
		aptParseDiff(s)
		aptParseControl(s)
		aptMissingDeps(aptParseDepends(s), pkgs)
		aptParseKeys(s, true)
		aptParseKeyID(s)
		aptParseProbe(s)
		aptParseRepoHost(s)
		aptSuggestFilename(s, "")
		aptExpandPPA(s, "jammy")
		aptFnmatch(s, s)
		debVersionCompare(s, "1.0")
		brewParseInfo(s)
		brewParseTaps(s)
		for n := range pkgs {
			aptPlanInstall(pkgs, []string{n, n + "=1*", n + ">=1"}, true, false, false)
		}
	})
}
