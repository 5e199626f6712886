package facts

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ome/omeprov/connection"
	"github.com/stretchr/testify/require"
)

func TestParseSectionsKeepsContentExactly(t *testing.T) {
	out := "\n" + marker + " file /a\nno newline at end" +
		"\n" + marker + " file /b\nline\n\n" +
		"\n" + marker + " file /empty\n" +
		"\n" + marker + " end\n"
	o := parseSections([]byte(out))
	a, ok := o.file("/a")
	require.True(t, ok)
	require.Equal(t, "no newline at end", a)
	b, _ := o.file("/b")
	require.Equal(t, "line\n\n", b)
	e, ok := o.file("/empty")
	require.True(t, ok)
	require.Equal(t, "", e)
	_, ok = o.file("/missing")
	require.False(t, ok)
}

func TestParseSectionsBadInput(t *testing.T) {
	for _, in := range []string{"", "garbage", marker, "\n" + marker + " ", "\n" + marker + " cmd x\nout", "\n" + marker + " rc x notanumber\n"} {
		o := parseSections([]byte(in))
		_, _, _ = o.cmd("x")
		require.NotPanics(t, func() { build(o, allCollectors(t)) })
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte("\n" + marker + " uname\nLinux\n1\n2\nx86_64\nh\n\n" + marker + " file /proc/cpuinfo\nprocessor: 0\ncpu cores: x\n"))
	f.Add([]byte("\n" + marker + " uname\nDarwin\n\n" + marker + " cmd ifconfig\nen0: flags=0<> mtu\n\tinet 1.2.3.4 netmask\n\tinet6 x/"))
	f.Add([]byte("\n" + marker + " cmd route4\n8.8.8.8 via\n\n" + marker + " iface e\nmtu x\n\n" + marker + " cmd primary e\n inet 300.1.1.1/99 brd\n inet6 a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		want, _ := Collectors(nil)
		build(parseSections(b), want)
	})
}

type failRunner struct{ err error }

func (r failRunner) Exec(context.Context, string, *connection.ExecOptions) (*connection.Result, error) {
	return nil, r.err
}

type fixedRunner struct {
	res  connection.Result
	cmds []string
	opts []*connection.ExecOptions
}

func (r *fixedRunner) Exec(_ context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	r.cmds = append(r.cmds, cmd)
	r.opts = append(r.opts, opts)
	res := r.res
	return &res, nil
}

func TestGatherFailures(t *testing.T) {
	_, err := Gather(context.Background(), failRunner{errors.New("connection lost")}, nil)
	require.ErrorContains(t, err, "connection lost")

	r := &fixedRunner{res: connection.Result{Stderr: []byte("sh: 1: Syntax error"), ExitCode: 2}}
	_, err = Gather(context.Background(), r, nil)
	require.ErrorContains(t, err, "Syntax error")

	_, err = Gather(context.Background(), r, []string{"nonsense"})
	require.ErrorContains(t, err, "Bad subset 'nonsense' given to Ansible")
	require.Len(t, r.cmds, 1, "a bad subset runs nothing on the host")
}

func TestGatherOneRoundTrip(t *testing.T) {
	r := &fixedRunner{res: connection.Result{Stdout: rocky9(t, "rocky9").render()}}
	env := map[string]string{"LANG": "C"}
	f, err := GatherWith(context.Background(), r, nil, &Options{Exec: &connection.ExecOptions{Env: env}})
	require.NoError(t, err)
	require.Len(t, r.cmds, 1)
	require.Equal(t, env, r.opts[0].Env)
	require.Equal(t, "Rocky", f["distribution"])
	require.Equal(t, []any{"all"}, f["gather_subset"])
	require.Equal(t, true, f["module_setup"])
}

func TestFactPathIsQuoted(t *testing.T) {
	s := buildScript(map[string]bool{"local": true}, "/tmp/x'; touch /tmp/pwned; '")
	require.Contains(t, s, `FP='/tmp/x'"'"'; touch /tmp/pwned; '"'"''`)
}

// TestScriptUnderShells runs the script with dash and bash in POSIX mode
// (macOS /bin/sh is bash 3.2 in POSIX mode) and checks they agree.
func TestScriptUnderShells(t *testing.T) {
	var results []map[string]any
	for _, sh := range [][]string{{"dash"}, {"bash", "--posix"}, {"busybox", "sh"}} {
		if _, err := exec.LookPath(sh[0]); err != nil {
			continue
		}
		out, err := exec.Command(sh[0], append(sh[1:], "-c", buildScript(allCollectors(t), DefaultFactPath))...).Output()
		require.NoError(t, err, "%v", sh)
		f := build(parseSections(out), allCollectors(t))
		require.Equal(t, "Linux", f["system"], "%v", sh)
		results = append(results, f)
	}
	require.NotEmpty(t, results)
	for _, f := range results[1:] {
		for _, k := range []string{"distribution", "distribution_version", "pkg_mgr", "service_mgr", "processor_vcpus",
			"memtotal_mb", "default_ipv4", "all_ipv4_addresses", "user_id", "fqdn", "lsb", "selinux", "python_version"} {
			require.Equal(t, results[0][k], f[k], k)
		}
	}
}

func TestCollectors(t *testing.T) {
	has := func(subset []string, names ...string) map[string]bool {
		w, err := Collectors(subset)
		require.NoError(t, err)
		return w
	}
	w := has([]string{"!all"})
	require.True(t, w["distribution"] && w["pkg_mgr"] && w["env"])
	require.False(t, w["hardware"] || w["network"] || w["virtual"])
	w = has([]string{"!all", "!min"})
	require.Empty(t, w)
	w = has([]string{"!all", "!min", "pkg_mgr"})
	require.True(t, w["pkg_mgr"] && w["distribution"], "pkg_mgr needs distribution")
	require.False(t, w["env"])
	w = has([]string{"processor"})
	require.True(t, w["hardware"] && w["platform"])
	// As in ansible-core 2.14, an exclusion alone leaves the minimal set:
	// "!hardware" gives neither hardware nor network.
	w = has([]string{"!hardware"})
	require.False(t, w["hardware"] || w["network"])
	require.True(t, w["distribution"])
	w = has([]string{"all", "!hardware"})
	require.False(t, w["hardware"])
	require.True(t, w["network"])
	_, err := Collectors([]string{"!all", "bogus"})
	require.Error(t, err)
}

func TestShlexSplit(t *testing.T) {
	require.Equal(t, []string{"A=b c", "D=e", "F=", `G=x"y`, "H=a'b", "I=p\\q"},
		shlexSplit(`A="b c" D=e # comment
F="" G="x\"y" H="a'b" I="p\q"`))
	require.Equal(t, []string{"A=b"}, shlexSplit("A=b#c"))
	require.Equal(t, []string{"A=it's"}, shlexSplit(`A=it\'s`))
	require.NotPanics(t, func() { shlexSplit(`"unterminated \`) })
}

func TestParseOSReleaseCodename(t *testing.T) {
	require.Equal(t, "Blue Onyx", parseOSRelease(`VERSION="9.3 (Blue Onyx)"`)["codename"])
	require.Equal(t, "", parseOSRelease("VERSION_CODENAME=\nVERSION=\"1 (x)\"")["codename"])
	_, ok := parseOSRelease(`VERSION="41"`)["codename"]
	require.False(t, ok)
}

func TestDateTimeZones(t *testing.T) {
	// Sydney in January: DST is in force in the southern summer; Python's
	// tzname[1] is still the DST name (AEDT), tzname[0] AEST.
	in, ok := parseDateTime("1705318496 0 AEDT +1100", []string{"AEDT +1100", "AEST +1000"})
	require.True(t, ok)
	dt := dateTimeOf(in)
	require.Equal(t, "AEDT", dt["tz_dst"])
	require.Equal(t, "22", dt["hour"])
	require.Equal(t, "+1100", dt["tz_offset"])
	// New Year's Day 2023 was a Sunday: week 00 of %W.
	in, _ = parseDateTime("1672574400 0 UTC +0000", nil)
	dt = dateTimeOf(in)
	require.Equal(t, "00", dt["weeknumber"])
	require.Equal(t, "Sunday", dt["weekday"])
	require.Equal(t, "0", dt["weekday_number"])
	_, ok = parseDateTime("garbage", nil)
	require.False(t, ok)
}

func TestPkgMgrOf(t *testing.T) {
	ex := func(p ...string) map[string]bool {
		m := map[string]bool{}
		for _, x := range p {
			m[x] = true
		}
		return m
	}
	yes, no := true, false
	for _, tc := range []struct {
		in   pkgMgrInput
		want string
	}{
		{pkgMgrInput{exists: ex("/usr/bin/yum"), distribution: "CentOS", major: "7", osFamily: "RedHat"}, "yum"},
		{pkgMgrInput{exists: ex("/usr/bin/yum", "/usr/bin/dnf"), distribution: "Rocky", major: "9", osFamily: "RedHat"}, "dnf"},
		{pkgMgrInput{exists: ex("/usr/bin/yum"), distribution: "Fedora", major: "22", osFamily: "RedHat"}, "yum"},
		{pkgMgrInput{exists: ex("/usr/bin/dnf"), distribution: "Amazon", major: "2023", osFamily: "RedHat"}, "dnf"},
		{pkgMgrInput{exists: ex("/usr/bin/yum"), distribution: "Amazon", major: "2", osFamily: "RedHat"}, "yum"},
		{pkgMgrInput{exists: ex("/usr/bin/dnf", "/run/ostree-booted"), distribution: "Fedora", major: "39", osFamily: "RedHat"}, "atomic_container"},
		{pkgMgrInput{exists: ex(), distribution: "Debian", major: "12", osFamily: "Debian"}, "apt"},
		{pkgMgrInput{exists: ex("/usr/bin/apt-get", "/usr/bin/rpm"), osFamily: "Debian", rpmProvides: &no}, "apt"},
		{pkgMgrInput{exists: ex("/usr/bin/apt-get", "/usr/bin/rpm"), osFamily: "Altlinux", rpmProvides: &yes}, "apt_rpm"},
		{pkgMgrInput{exists: ex("/opt/homebrew/bin/brew"), distribution: "MacOSX", osFamily: "Darwin"}, "homebrew"},
		{pkgMgrInput{exists: ex(), distribution: "MacOSX", osFamily: "Darwin"}, "unknown"},
		{pkgMgrInput{exists: ex("/sbin/apk"), distribution: "Alpine", osFamily: "Alpine"}, "apk"},
	} {
		require.Equal(t, tc.want, pkgMgrOf(tc.in), "%+v", tc.in)
	}
}

func TestServiceMgrOf(t *testing.T) {
	s := func(v string) *string { return &v }
	ex := map[string]bool{"/etc/init.d/": true}
	for _, tc := range []struct {
		in   serviceMgrInput
		want string
	}{
		{serviceMgrInput{proc1: s("systemd\n"), system: "Linux"}, "systemd"},
		{serviceMgrInput{proc1: s("init\n"), system: "Linux", exists: ex}, "sysvinit"},
		{serviceMgrInput{proc1: s("bash\n"), system: "Linux", exists: ex}, "sysvinit"},
		{serviceMgrInput{proc1: s("runit-init\n"), system: "Linux"}, "runit"},
		{serviceMgrInput{proc1: s("COMMAND\n"), initLink: "/lib/systemd/systemd", system: "Linux"}, "systemd"},
		{serviceMgrInput{system: "Linux", bins: map[string]string{"systemctl": "/bin/systemctl"},
			exists: map[string]bool{"/run/systemd/system/": true}}, "systemd"},
		{serviceMgrInput{proc1: s("/sbin/launchd\n"), system: "Darwin", distribution: "MacOSX"}, "launchd"},
		{serviceMgrInput{system: "Darwin", distribution: "MacOSX"}, "launchd"},
		{serviceMgrInput{system: "Linux"}, "service"},
	} {
		require.Equal(t, tc.want, serviceMgrOf(tc.in), "%+v", tc.in)
	}
}

func TestLocalFacts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), mode))
	}
	write("a.fact", `{"x": [1, "two"]}`, 0o644)
	write("b.fact", "[general]\nName = omero\n; comment\n[db]\nport: 5432\n", 0o644)
	write("c.fact", "not json\nnor ini\n", 0o644)
	write("d.fact", "#!/bin/sh\necho '{\"exec\": true}'\n", 0o755)
	write("e.fact", "#!/bin/sh\nexit 3\n", 0o755)
	write("ignored.txt", "{}", 0o644)
	local := func(dir string) string {
		return "FP=" + connection.Quote(dir) + "\n" + scriptHelpers + scriptLocal
	}
	out, err := exec.Command("/bin/sh", "-c", local(dir)).Output()
	require.NoError(t, err)
	lf := localFacts(parseSections(out))
	require.Equal(t, map[string]any{"x": []any{float64(1), "two"}}, lf["a"])
	require.Equal(t, map[string]any{"general": map[string]any{"name": "omero"}, "db": map[string]any{"port": "5432"}}, lf["b"])
	require.Equal(t, "error loading facts as JSON or ini - please check content: "+dir+"/c.fact", lf["c"])
	require.Equal(t, map[string]any{"exec": true}, lf["d"])
	require.Contains(t, lf["e"], "Failure executing fact script ("+dir+"/e.fact), rc: 3")
	require.Len(t, lf, 5)

	out, err = exec.Command("/bin/sh", "-c", local(dir+"/missing")).Output()
	require.NoError(t, err)
	require.Empty(t, localFacts(parseSections(out)))
}

func TestFqdnOf(t *testing.T) {
	require.Equal(t, "host.example.org", fqdnOf([]string{"10.0.0.1 host host.example.org"}, "host"))
	require.Equal(t, "localhost", fqdnOf([]string{"127.0.0.1       localhost"}, "vm"))
	require.Equal(t, "vm", fqdnOf(nil, "vm"))
	require.Equal(t, "mac.local", fqdnOf([]string{"mac.local"}, "mac"))
}

func TestDiscoverPython(t *testing.T) {
	c := []pyCandidate{{"python3.11", "/usr/local/bin/python3.11", "3.11.4"}, {"/usr/bin/python3", "/usr/bin/python3", "3.9.18"}}
	got, ok := discoverPython(c, "rocky", "9.3")
	require.True(t, ok)
	require.Equal(t, "/usr/bin/python3", got.path, "Rocky maps through the RedHat family")
	got, _ = discoverPython(c, "arch", "")
	require.Equal(t, "/usr/local/bin/python3.11", got.path)
	_, ok = discoverPython(nil, "debian", "12")
	require.False(t, ok)
	require.Equal(t, "/usr/libexec/platform-python", fuzzyVersionMatch("8.9", pythonDistroMap["redhat"]))
	require.Equal(t, "/usr/bin/python", fuzzyVersionMatch("5", pythonDistroMap["redhat"]))
	require.Equal(t, "candidate", parsePythonVersion("3.13.0rc2").level)
}

func TestVirtualContainers(t *testing.T) {
	f := linuxVirtualFacts(virtualInput{files: map[string]string{"/proc/1/environ": "container=podman\x00HOME=/\x00"}, exists: map[string]bool{}})
	require.Equal(t, "podman", f["virtualization_type"])
	require.Equal(t, "guest", f["virtualization_role"])
	require.ElementsMatch(t, []any{"container", "podman"}, f["virtualization_tech_guest"])
	f = linuxVirtualFacts(virtualInput{files: map[string]string{}, exists: map[string]bool{}})
	require.Equal(t, "NA", f["virtualization_type"])
	f = linuxVirtualFacts(virtualInput{files: map[string]string{"/proc/modules": "kvm_intel 1 0 - Live\nkvm 2 1 kvm_intel, Live\n"}, exists: map[string]bool{}})
	require.Equal(t, "kvm", f["virtualization_type"])
	require.Equal(t, "host", f["virtualization_role"])
}

func TestEnvLines(t *testing.T) {
	env := parseEnvLines("A=1\nB=x\ny=z\n=bad\nC=\n")
	// Without env -0 a line that looks like NAME=value starts a variable.
	require.Equal(t, map[string]any{"A": "1", "B": "x", "y": "z\n=bad", "C": ""}, env)
	require.True(t, strings.HasPrefix(marker, "@@"))
}
