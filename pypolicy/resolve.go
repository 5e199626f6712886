package pypolicy

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/ome/omeprov/connection"
)

// Provider is the distribution package that ships a Python distribution
// on one host, as the host's own repositories say.
type Provider struct {
	Dist    string // PEP 503 name asked for
	Package string // python3-requests
	Version string // the version the repositories offer (or have installed)
	Repo    string // repository id (RPM hosts), "" on Debian hosts
	Manager string // "dnf" or "apt"
}

// Execer runs a shell command on the host (*modules.Task is one).
type Execer interface {
	Exec(ctx context.Context, cmd string) (*connection.Result, error)
}

// hostKind is the package system of a host: "rpm", "deb", or "" when it
// has none that packages Python modules (macOS). os_family decides, then
// the distribution's name, then pkg_mgr.
func hostKind(facts map[string]any) string {
	fam, _ := asString(facts["os_family"])
	dist, _ := asString(facts["distribution"])
	mgr, _ := asString(facts["pkg_mgr"])
	switch fam {
	case "RedHat":
		return "rpm"
	case "Debian":
		return "deb"
	}
	for _, s := range []string{fam, dist} {
		for _, p := range []string{"Rocky", "RedHat", "Red Hat", "CentOS", "AlmaLinux", "Fedora", "OracleLinux", "Oracle Linux", "Amazon"} {
			if strings.HasPrefix(s, p) {
				return "rpm"
			}
		}
		for _, p := range []string{"Debian", "Ubuntu"} {
			if strings.HasPrefix(s, p) {
				return "deb"
			}
		}
	}
	switch mgr {
	case "dnf", "yum", "dnf5":
		return "rpm"
	case "apt":
		return "deb"
	}
	return ""
}

var (
	debPkgRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]+$`)
	rpmSpecRe = regexp.MustCompile(`^[A-Za-z0-9._+-]+(?:\([A-Za-z0-9._-]+\))?$`)
)

// rpmDistQuery is the one dnf call that finds, for every name, the
// packages providing python3dist(NAME) (also in its pre-PEP 503 spelling,
// and python3.X when the host's Python version is known). Each package
// is printed as "@@name TAB epoch:version-release TAB repo" followed by
// its provides, one a line.
func rpmDistQuery(names []string, pyXY string) string {
	var b strings.Builder
	b.WriteString("LC_ALL=C dnf -q repoquery --latest-limit 1 --qf '@@%{name}\\t%{epoch}:%{version}-%{release}\\t%{repoid}\\n%{provides}'")
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			b.WriteString(" --whatprovides " + connection.Quote(p))
		}
	}
	for _, n := range names {
		for _, form := range []string{n, legacyName(n)} {
			add("python3dist(" + form + ")")
			if pyXY != "" {
				add("python" + pyXY + "dist(" + form + ")")
			}
		}
	}
	return b.String()
}

var provideRe = regexp.MustCompile(`^python3(?:\.\d+)?dist\(([^)]+)\)`)

// parseRPMDist reads rpmDistQuery's output: which package provides each
// asked name.
func parseRPMDist(out string, names []string) map[string]Provider {
	want := map[string]bool{}
	for _, n := range names {
		want[Normalize(n)] = true
	}
	found := map[string]Provider{}
	var cur *Provider
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "@@"); ok {
			f := strings.Split(rest, "\t")
			if len(f) < 3 {
				cur = nil
				continue
			}
			cur = &Provider{Package: f[0], Version: strings.TrimPrefix(f[1], "0:"), Repo: f[2], Manager: "dnf"}
			continue
		}
		if cur == nil {
			continue
		}
		if m := provideRe.FindStringSubmatch(line); m != nil {
			d := Normalize(m[1])
			if want[d] {
				if old, ok := found[d]; !ok || old.Repo == "@System" && cur.Repo != "@System" {
					p := *cur
					p.Dist = d
					found[d] = p
				}
			}
		}
	}
	return found
}

// rpmPkgQuery finds, in one dnf call, the latest package of each name
// in specs (package names, possibly with version and release),
// printed as "@@name TAB evr TAB repo".
func rpmPkgQuery(specs []string) string {
	q := make([]string, 0, len(specs))
	for _, s := range specs {
		q = append(q, connection.Quote(s))
	}
	return "LC_ALL=C dnf -q repoquery --latest-limit 1 --qf '@@%{name}\\t%{epoch}:%{version}-%{release}\\t%{repoid}' -- " + strings.Join(q, " ")
}

// parseRPMPkg reads rpmPkgQuery's output: spec -> package found. A spec
// matches a package of its name, or of a name it starts with followed by
// "-" (name-version) or "." (name.arch).
func parseRPMPkg(out string, specs []string) map[string]Provider {
	var pkgs []Provider
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "@@")
		if !ok {
			continue
		}
		f := strings.Split(rest, "\t")
		if len(f) < 3 {
			continue
		}
		pkgs = append(pkgs, Provider{Package: f[0], Version: strings.TrimPrefix(f[1], "0:"), Repo: f[2], Manager: "dnf"})
	}
	found := map[string]Provider{}
	for _, s := range specs {
		best := -1
		for i, p := range pkgs {
			if s == p.Package || strings.HasPrefix(s, p.Package+"-") || strings.HasPrefix(s, p.Package+".") {
				if best < 0 || len(p.Package) > len(pkgs[best].Package) {
					best = i
				}
			}
		}
		if best >= 0 {
			found[s] = pkgs[best]
		}
	}
	return found
}

// debPolicyQuery asks apt for the candidate and installed versions of pkgs.
func debPolicyQuery(pkgs []string) string {
	q := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		q = append(q, connection.Quote(p))
	}
	return "LC_ALL=C apt-cache policy " + strings.Join(q, " ")
}

// parseDebPolicy reads `apt-cache policy` output: package -> version
// (the candidate, else the installed one); packages apt does not know, or
// has no version of, are absent.
func parseDebPolicy(out string) map[string]string {
	res := map[string]string{}
	var pkg, installed string
	flush := func(candidate string) {
		v := candidate
		if v == "" || v == "(none)" {
			v = installed
		}
		if pkg != "" && v != "" && v != "(none)" {
			res[pkg] = v
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && strings.HasSuffix(line, ":") {
			pkg, installed = strings.TrimSuffix(line, ":"), ""
			if i := strings.IndexByte(pkg, ':'); i >= 0 {
				pkg = pkg[:i] // name:arch
			}
			continue
		}
		t := strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(t, "Installed: "); ok {
			installed = v
		} else if v, ok := strings.CutPrefix(t, "Candidate: "); ok {
			flush(v)
			pkg = ""
		}
	}
	return res
}

// parseFallback reads dh-python's cpython3_fallback: distribution ->
// package, normalized.
func parseFallback(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") && strings.HasPrefix(f[1], "python3-") {
			m[Normalize(f[0])] = f[1]
		}
	}
	return m
}

// debCandidates are the Debian packages that may ship dist: the one the
// map names, else Debian's naming rule (unless the map says that package
// ships another distribution).
func debCandidates(dist string, distMap map[string]string, pkgDist map[string]string) []string {
	if p, ok := distMap[dist]; ok {
		return []string{p}
	}
	p := DebianPackageName(dist)
	if other, ok := pkgDist[p]; ok && other != dist {
		return nil
	}
	if !debPkgRe.MatchString(p) {
		return nil
	}
	return []string{p}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
