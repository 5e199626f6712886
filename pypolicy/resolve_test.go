package pypolicy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRPMDistQuery(t *testing.T) {
	q := rpmDistQuery([]string{"zope-interface", "x'; rm -rf /"}, "3.9")
	require.Contains(t, q, `--whatprovides 'python3dist(zope-interface)'`)
	require.Contains(t, q, `--whatprovides 'python3.9dist(zope-interface)'`)
	require.Contains(t, q, `--whatprovides 'python3dist(x'"'"'; rm -rf /)'`)
}

func TestParseRPMDist(t *testing.T) {
	// as dnf 4.14 prints it with the query's format (recorded on this machine)
	out := "@@python3-omereq\t0:2.1-1\tlocal\npython3-omereq = 2.1-1\npython3.11dist(omereq) = 2.1\npython3dist(omereq) = 2.1\n" +
		"@@python3-zope-interface\t0:5.4.0-5.el9\tappstream\npython3dist(zope.interface) = 5.4\npython3dist(zope-interface) = 5.4\n" +
		"@@python3-other\t1:3.0-1\t@System\npython3dist(other) = 3\n"
	got := parseRPMDist(out, []string{"omereq", "zope-interface", "other", "missing"})
	require.Equal(t, map[string]Provider{
		"omereq":         {Dist: "omereq", Package: "python3-omereq", Version: "2.1-1", Repo: "local", Manager: "dnf"},
		"zope-interface": {Dist: "zope-interface", Package: "python3-zope-interface", Version: "5.4.0-5.el9", Repo: "appstream", Manager: "dnf"},
		"other":          {Dist: "other", Package: "python3-other", Version: "1:3.0-1", Repo: "@System", Manager: "dnf"},
	}, got)
	require.Empty(t, parseRPMDist("", []string{"a"}))
	require.Empty(t, parseRPMDist("python3dist(a) = 1\n@@broken\npython3dist(a)", []string{"a"}))
}

func TestParseRPMPkg(t *testing.T) {
	out := "@@python3-foo\t0:1.0-1\tlocal\n@@python3-foo-bar\t0:2.0-1\tlocal\n"
	got := parseRPMPkg(out, []string{"python3-foo", "python3-foo-1.0", "python3-foo-bar", "python3-foo-bar-2.0-1.noarch", "python3-nosuch"})
	require.Equal(t, "python3-foo", got["python3-foo"].Package)
	require.Equal(t, "python3-foo", got["python3-foo-1.0"].Package)
	require.Equal(t, "python3-foo-bar", got["python3-foo-bar"].Package)
	require.Equal(t, "python3-foo-bar", got["python3-foo-bar-2.0-1.noarch"].Package)
	require.NotContains(t, got, "python3-nosuch")
}

func TestParseDebPolicy(t *testing.T) {
	// apt-cache policy on bookworm: a known package, an installed one
	// without candidate, and one apt knows only as a virtual name.
	out := `python3-requests:
  Installed: (none)
  Candidate: 2.28.1+dfsg-1
  Version table:
     2.28.1+dfsg-1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
python3-local:amd64:
  Installed: 1.0-1
  Candidate: (none)
  Version table:
 *** 1.0-1 100
        100 /var/lib/dpkg/status
python3-virtual:
  Installed: (none)
  Candidate: (none)
  Version table:
`
	require.Equal(t, map[string]string{"python3-requests": "2.28.1+dfsg-1", "python3-local": "1.0-1"}, parseDebPolicy(out))
	require.Empty(t, parseDebPolicy("N: Unable to locate package python3-nosuch\n"))
}

func TestDebCandidates(t *testing.T) {
	m := map[string]string{"pyyaml": "python3-yaml", "pyjwt": "python3-jwt"}
	rev := map[string]string{"python3-yaml": "pyyaml", "python3-jwt": "pyjwt"}
	require.Equal(t, []string{"python3-yaml"}, debCandidates("pyyaml", m, rev))
	require.Equal(t, []string{"python3-omefoo"}, debCandidates("omefoo", m, rev))
	// PyPI's "jwt" is not PyJWT, which Debian ships as python3-jwt
	require.Empty(t, debCandidates("jwt", m, rev))
	require.Equal(t, map[string]string{"pyyaml": "python3-yaml", "zope-interface": "python3-zope.interface"},
		parseFallback("PyYAML python3-yaml\nzope.interface python3-zope.interface\nargparse python3 (>= 3.2)\n2ping 2ping\n"))
}

func TestHostKind(t *testing.T) {
	require.Equal(t, "rpm", hostKind(map[string]any{"os_family": "RedHat", "pkg_mgr": "dnf"}))
	require.Equal(t, "deb", hostKind(map[string]any{"os_family": "Debian", "pkg_mgr": "apt"}))
	require.Equal(t, "", hostKind(map[string]any{"os_family": "Darwin", "pkg_mgr": "homebrew"}))
	require.Equal(t, "", hostKind(nil))
	// facts as the engine holds them (template.Unsafe), and an EL host
	// whose os_family is the distribution's name
	type unsafe string
	require.Equal(t, "rpm", hostKind(map[string]any{"os_family": unsafe("Rocky Linux"), "distribution": unsafe("Rocky Linux"), "pkg_mgr": unsafe("apt")}))
	require.Equal(t, "deb", hostKind(map[string]any{"os_family": unsafe("Debian")}))
}

func TestCatalog(t *testing.T) {
	c, err := Catalog()
	require.NoError(t, err)
	deb := c["debian-12"]
	require.NotNil(t, deb)
	require.False(t, deb.Empty())
	p, ok := deb.Lookup("Requests")
	require.True(t, ok)
	require.Equal(t, "python3-requests", p.Name)
	p, ok = deb.Lookup("PyYAML")
	require.True(t, ok)
	require.Equal(t, "python3-yaml", p.Name)
	p, ok = deb.Lookup("zope.interface")
	require.True(t, ok)
	require.Equal(t, "python3-zope.interface", p.Name)
	_, ok = deb.Lookup("omero-py") // OME's own: PyPI only
	require.False(t, ok)
	_, ok = deb.HasPackage("python3-venv")
	require.True(t, ok)
	require.Contains(t, deb.Header[1], "real data")
	ubu := c["ubuntu-22.04"]
	require.False(t, ubu.Empty())
	require.Contains(t, ubu.Header[1], "real data")
	p, ok = ubu.Lookup("requests")
	require.True(t, ok)
	require.Equal(t, "python3-requests", p.Name)
	dp, _ := deb.Lookup("requests")
	require.NotEqual(t, dp.Version, p.Version, "each release has its own versions")
	// a release whose metadata could not be fetched says so and has no rows
	require.True(t, c["rocky-9"].Empty())
	require.Contains(t, c["rocky-9"].Header[1], "NO DATA")
	require.Equal(t, []string{"debian-12", "ubuntu-22.04"}, ReleaseNames())

	_, err = ParseRelease("bad", "# x\nonly\ttwo\n")
	require.ErrorContains(t, err, "catalog bad:2")
}
