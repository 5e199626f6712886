package pypolicy

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"requests": "requests", "PyYAML": "pyyaml", "zope.interface": "zope-interface",
		"Ome_Pip.Other": "ome-pip-other", "a--_.b": "a-b", "omero-py": "omero-py",
	} {
		require.Equal(t, want, Normalize(in), in)
	}
}

func TestDebianPackageName(t *testing.T) {
	// dh_python's sensible_pname: dots kept, other runs become "-",
	// a python- prefix dropped.
	for in, want := range map[string]string{
		"requests": "python3-requests", "zope.interface": "python3-zope.interface",
		"Django_Filter": "python3-django-filter", "python-dateutil": "python3-dateutil",
		"omero-py": "python3-omero-py",
	} {
		require.Equal(t, want, DebianPackageName(in), in)
	}
}

func TestParseRequirement(t *testing.T) {
	for in, want := range map[string]Requirement{
		"requests":          {Raw: "requests", Name: "requests"},
		"Requests >= 2, <3": {Raw: "Requests >= 2, <3", Name: "requests", Spec: ">=2,<3"},
		"omero-py[web]==5.19.0; python_version>'3'": {Raw: "omero-py[web]==5.19.0; python_version>'3'", Name: "omero-py", Spec: "==5.19.0"},
		"git+https://github.com/ome/omero-py.git":   {Raw: "git+https://github.com/ome/omero-py.git"},
		"foo @ https://x/foo.whl":                   {Raw: "foo @ https://x/foo.whl"},
		"./local/dir":                               {Raw: "./local/dir"},
		"/tmp/foo-1.0.tar.gz":                       {Raw: "/tmp/foo-1.0.tar.gz"},
		"x; rm -rf /":                               {Raw: "x; rm -rf /"},
		"x && rm -rf /":                             {Raw: "x && rm -rf /"},
		"":                                          {Raw: ""},
		"foo~1":                                     {Raw: "foo~1"},
	} {
		require.Equal(t, want, ParseRequirement(in), in)
	}
}

func TestPipRequirements(t *testing.T) {
	reqs := PipRequirements(map[string]any{"name": []any{"django>1.11.1", "<1.11.3", "PyYAML"}})
	require.Equal(t, []Requirement{{Raw: "django>1.11.1,<1.11.3", Name: "django", Spec: ">1.11.1,<1.11.3"}, {Raw: "PyYAML", Name: "pyyaml"}}, reqs)
	reqs = PipRequirements(map[string]any{"name": "requests,numpy"})
	require.Equal(t, []string{"requests", "numpy"}, []string{reqs[0].Name, reqs[1].Name})
	reqs = PipRequirements(map[string]any{"name": []string{"requests"}, "version": "2.0"})
	require.Equal(t, "==2.0", reqs[0].Spec)
	require.Empty(t, PipRequirements(map[string]any{"requirements": "r.txt"}))
	require.Empty(t, PipRequirements(map[string]any{"name": nil}))
}

func TestRequirementsFile(t *testing.T) {
	reqs := RequirementsFile("# comment\n-r other.txt\n--index-url https://x\nrequests>=2 \\\n  ,<3  # pinned\n\nomero-py\n")
	require.Len(t, reqs, 2)
	require.Equal(t, "requests", reqs[0].Name)
	require.Equal(t, ">=2,<3", reqs[0].Spec)
	require.Equal(t, "omero-py", reqs[1].Name)
}

func TestPythonPackage(t *testing.T) {
	for in, want := range map[string]string{
		"python3-requests": "requests", "python3dist(requests)": "requests", "python3.9dist(Zope.Interface)": "zope-interface",
		"python3-yaml >= 5": "yaml", "python3-foo-1.0": "foo-1-0",
	} {
		got, ok := PythonPackage(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"python3", "python3-", "python-requests", "curl", "python3x(foo)", "python3dist()", "python3dist(a b)", ""} {
		_, ok := PythonPackage(in)
		require.False(t, ok, in)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Enforce, "enforce": Enforce, "WARN": Warn, " fix ": Fix, "off": Off} {
		m, err := ParseMode(in)
		require.NoError(t, err)
		require.Equal(t, want, m)
	}
	_, err := ParseMode("strict")
	require.ErrorContains(t, err, `unknown mode "strict"`)
}

// TestCompareDebianVersions checks the comparison against dpkg itself.
func TestCompareDebianVersions(t *testing.T) {
	pairs := [][2]string{
		{"1.0", "1.0"}, {"1.0", "1.1"}, {"1:1.0", "2.0"}, {"1.0~rc1", "1.0"}, {"1.0-1", "1.0-1+b1"},
		{"2.28.1+dfsg-1", "2.28.1-1"}, {"1.24.2-1+deb12u1", "1.24.2-1"}, {"1.0a", "1.0"}, {"1.0.1", "1.0a"},
		{"0:1.2", "1.2"}, {"1.002", "1.2"}, {"6.0-3+b2", "6.0-3"}, {"1~~", "1~"}, {"1.0-", "1.0"},
	}
	dpkg, err := exec.LookPath("dpkg")
	for _, p := range pairs {
		got := CompareDebianVersions(p[0], p[1])
		require.Equal(t, -sign(got), sign(CompareDebianVersions(p[1], p[0])), "%v antisymmetric", p)
		if err != nil {
			continue
		}
		want := 0
		if exec.Command(dpkg, "--compare-versions", p[0], "lt", p[1]).Run() == nil {
			want = -1
		} else if exec.Command(dpkg, "--compare-versions", p[0], "gt", p[1]).Run() == nil {
			want = 1
		}
		require.Equal(t, want, sign(got), "%s vs %s", p[0], p[1])
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{"requests>=2,<3", "a[b]==1; x", "git+https://x@y", "", "[", "a,", "python3dist(x)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseRequirement(s)
		if r.Plain() {
			require.Equal(t, Normalize(r.Name), r.Name)
			require.Regexp(t, `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`, r.Name)
		}
		PythonPackage(s)
		RequirementsFile(s)
		parseDebPolicy(s)
		parseRPMDist(s, []string{"a"})
		parseRPMPkg(s, []string{s})
		parseFallback(s)
		CompareDebianVersions(s, "1.0")
		ParseRelease("x", s)
	})
}

func TestSatisfies(t *testing.T) {
	for _, c := range []struct {
		spec, version string
		want          bool
	}{
		{"", "1:2.0-1", true}, {">=2", "2.28.1+dfsg-1", true}, {">=2,<3", "1:3.0.1-1.el9", false},
		{"==2.25.1", "2.25.1-8.el9", true}, {"~=1.24", "1:1.24.2-1+deb12u1", true}, {">5", "6.0-3+b2", true},
		{"<5", "6.0-3+b2", false}, {"===2.0", "2.0-1", true}, {">=1", "not a version", true},
	} {
		require.Equal(t, c.want, Requirement{Name: "x", Spec: c.spec}.Satisfies(c.version), "%s %s", c.spec, c.version)
	}
	require.Equal(t, "2.28.1", upstreamVersion("2.28.1+dfsg-1"))
	require.Equal(t, "3.2.19", upstreamVersion("3:3.2.19-1+deb12u2"))
}
