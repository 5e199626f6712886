package pypolicy

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

var (
	canonRe     = regexp.MustCompile(`[-_.]+`)
	safeNameRe  = regexp.MustCompile(`[^A-Za-z0-9.]+`)
	reqNameRe   = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$`)
	specOps     = []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"}
	markerRe    = regexp.MustCompile(`^(?:\(?\s*(?:[a-z_.]+|'[^']*'|"[^"]*")\s*(?:===|==|!=|<=|>=|~=|<|>|not\s+in|in)\s*(?:[a-z_.]+|'[^']*'|"[^"]*")\s*\)?\s*(?:and|or)?\s*)+$`)
	pyVerRe     = regexp.MustCompile(`^\.\d+$`)
	validDistRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$`)
)

// Normalize returns the PEP 503 normalized form of a distribution name:
// runs of "-", "_" and "." become one "-", and the name is lower-cased.
func Normalize(name string) string {
	return strings.ToLower(canonRe.ReplaceAllString(name, "-"))
}

// legacyName is the form of a name in older python3dist() provides:
// lower-cased, "_" as "-", dots kept.
func legacyName(name string) string {
	return strings.ToLower(strings.ReplaceAll(safeNameRe.ReplaceAllString(name, "_"), "_", "-"))
}

// DebianPackageName is the Debian binary package that ships a Python 3
// distribution by Debian's naming rule (dh_python's sensible_pname):
// characters other than letters, digits and dots become "-", a
// "python-" prefix is dropped, and the result is lower-cased with
// "python3-" in front. Known exceptions (PyYAML is python3-yaml) are in
// the catalog, not here.
func DebianPackageName(dist string) string {
	n := strings.ReplaceAll(safeNameRe.ReplaceAllString(dist, "_"), "_", "-")
	n = strings.ToLower(n)
	n = strings.TrimPrefix(n, "python-")
	return "python3-" + n
}

// Requirement is one Python distribution a task asks for.
type Requirement struct {
	Raw  string // as written
	Name string // PEP 503 normalized; "" for a URL, path or VCS reference
	Spec string // version specifiers as written ("" for any version)
}

// Plain reports whether r names a distribution (rather than a URL or path).
func (r Requirement) Plain() bool { return r.Name != "" }

// ParseRequirement reads one requirement string ("requests>=2,<3",
// "Foo[bar]==1.0; python_version>'3'"). A URL, a path, a VCS reference or
// anything else that is not a plain name gives a Requirement without
// Name.
func ParseRequirement(s string) Requirement {
	r := Requirement{Raw: s}
	t := strings.TrimSpace(s)
	if t == "" || strings.Contains(t, "://") || strings.Contains(t, "+") && strings.Contains(t, "@") ||
		strings.HasPrefix(t, ".") || strings.HasPrefix(t, "/") || strings.HasPrefix(t, "~") || strings.HasPrefix(t, "-") {
		return r
	}
	m := reqNameRe.FindStringSubmatch(t)
	if m == nil {
		return r
	}
	rest := m[2]
	if i := strings.Index(rest, ";"); i >= 0 {
		if !markerRe.MatchString(strings.TrimSpace(rest[i+1:])) {
			return r // not an environment marker: not a requirement pip would take as a name
		}
		rest = rest[:i]
	}
	rest = strings.TrimSpace(rest)
	if rest != "" {
		if strings.HasPrefix(rest, "@") {
			return r // PEP 508 direct reference: name @ URL
		}
		for _, c := range strings.Split(rest, ",") {
			c = strings.TrimSpace(c)
			ok := false
			for _, op := range specOps {
				if strings.HasPrefix(c, op) && strings.TrimSpace(c[len(op):]) != "" {
					ok = true
					break
				}
			}
			if !ok {
				return r
			}
		}
	}
	if strings.HasSuffix(strings.ToLower(m[1]), ".whl") || strings.HasSuffix(strings.ToLower(m[1]), ".tar.gz") || strings.HasSuffix(strings.ToLower(m[1]), ".zip") {
		return r
	}
	r.Name = Normalize(m[1])
	r.Spec = strings.ReplaceAll(rest, " ", "")
	return r
}

// isSpecifier reports whether s starts with a version operator (a piece
// of a comma list split from its name).
func isSpecifier(s string) bool {
	s = strings.TrimLeft(s, " \t")
	for _, op := range specOps {
		if strings.HasPrefix(s, op) {
			return true
		}
	}
	return false
}

// recoverNames joins specifiers that a comma list split from their names,
// as ansible's pip module does: ["django>1", "<2", "x"] -> ["django>1,<2", "x"].
func recoverNames(names []string) []string {
	var parts []string
	for _, n := range names {
		parts = append(parts, strings.Split(n, ",")...)
	}
	var out, cur []string
	inBrackets := false
	for _, n := range parts {
		if !isSpecifier(n) && !inBrackets && len(cur) > 0 {
			out = append(out, strings.Join(cur, ","))
			cur = nil
		}
		if strings.Contains(n, "[") {
			inBrackets = true
		}
		if inBrackets && strings.Contains(n, "]") {
			inBrackets = false
		}
		cur = append(cur, n)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, ","))
	}
	return out
}

// PipRequirements gives the requirements a pip task's arguments name
// ("name" as a list or comma string, with "version"), normalized. A
// requirements file is not read here.
func PipRequirements(args map[string]any) []Requirement {
	names := stringList(args["name"])
	var out []Requirement
	for _, n := range recoverNames(names) {
		out = append(out, ParseRequirement(n))
	}
	if v := strings.TrimSpace(str(args["version"])); v != "" && len(out) == 1 && out[0].Plain() && out[0].Spec == "" {
		if v[0] >= '0' && v[0] <= '9' {
			v = "==" + v
		}
		out[0].Spec = v
	}
	return out
}

// RequirementsFile parses the text of a pip requirements file: one
// requirement a line, comments and options (-r, -c, --index-url …)
// skipped, continuation lines joined.
func RequirementsFile(text string) []Requirement {
	text = strings.ReplaceAll(text, "\\\n", "")
	var out []Requirement
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
			continue
		}
		out = append(out, ParseRequirement(line))
	}
	return out
}

// PythonPackage reports whether a distribution package name names a
// Python 3 module package ("python3-requests", "python3dist(requests)",
// "python3.9dist(requests)") and returns the Python distribution it is
// for, normalized.
func PythonPackage(pkg string) (dist string, ok bool) {
	p := strings.TrimSpace(pkg)
	if i := strings.IndexAny(p, " <>=!"); i >= 0 {
		p = p[:i]
	}
	if strings.HasPrefix(p, "python3") && strings.HasSuffix(p, ")") {
		if i := strings.Index(p, "dist("); i >= 0 {
			mid := p[len("python3"):i]
			if mid == "" || pyVerRe.MatchString(mid) {
				n := p[i+len("dist(") : len(p)-1]
				if validDistRe.MatchString(n) {
					return Normalize(n), true
				}
			}
		}
		return "", false
	}
	if n, ok := strings.CutPrefix(p, "python3-"); ok && n != "" && validDistRe.MatchString(n) {
		return Normalize(n), true
	}
	return "", false
}

// asString returns v as a string when it is one (including the
// engine's named string types, such as template.Unsafe for facts).
func asString(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := asString(v); ok {
		return s
	}
	return fmt.Sprint(v)
}

// stringList reads a list argument: a list, or a comma-separated string.
func stringList(v any) []string {
	if s, ok := asString(v); ok {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	switch x := v.(type) {
	case nil:
		return nil
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if e != nil {
				out = append(out, str(e))
			}
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// upstreamVersion is the upstream part of a distribution package version:
// without epoch ("1:"), release ("-1.el9", "-3+b2") and Debian repack
// suffixes ("+dfsg", "+ds", "~").
func upstreamVersion(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexAny(v, "+~"); i >= 0 {
		v = v[:i]
	}
	return v
}

// Satisfies reports whether a distribution package version meets r's
// version specifiers (true when r has none or when either cannot be
// read: only pip could tell).
func (r Requirement) Satisfies(pkgVersion string) bool {
	if r.Spec == "" {
		return true
	}
	pv, err := pep440.Parse(upstreamVersion(pkgVersion))
	if err != nil {
		return true
	}
	for _, c := range strings.Split(r.Spec, ",") {
		if strings.HasPrefix(c, "===") {
			if strings.TrimPrefix(c, "===") != pv.String() {
				return false
			}
			continue
		}
		ss, err := pep440.NewSpecifiers(c, pep440.WithPreRelease(true))
		if err != nil {
			return true
		}
		if !ss.Check(pv) {
			return false
		}
	}
	return true
}
