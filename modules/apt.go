package modules

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

// The apt module (ansible.builtin.apt, ansible-core 2.14) drives apt-get,
// apt-cache and dpkg on the host. It reads the state of every named package
// in one query, decides in plain functions (aptPlanInstall, aptPlanRemove)
// and runs one apt-get transaction, as the Python module does.

func init() {
	Register("apt", aptSpec, pkgWithLines(runApt))
}

// aptDpkgOptions is the default of dpkg_options.
const aptDpkgOptions = "force-confdef,force-confold"

// aptGetZero is how apt-get says that nothing happened.
const aptGetZero = "\n0 upgraded, 0 newly installed"

// aptitudeZero is how aptitude says that nothing happened.
const aptitudeZero = "\n0 packages upgraded, 0 newly installed"

var aptSpec = Spec{
	Params: map[string]Param{
		"state":                        {Type: "str", Default: "present", Choices: []string{"absent", "build-dep", "fixed", "latest", "present"}},
		"update_cache":                 {Type: "bool", Aliases: []string{"update-cache"}},
		"update_cache_retries":         {Type: "int", Default: 5},
		"update_cache_retry_max_delay": {Type: "int", Default: 12},
		"cache_valid_time":             {Type: "int", Default: 0},
		"purge":                        {Type: "bool", Default: false},
		"name":                         {Type: "list", Elements: "str", Aliases: []string{"pkg", "package"}},
		"deb":                          {Type: "path"},
		"default_release":              {Type: "str", Aliases: []string{"default-release"}},
		"install_recommends":           {Type: "bool", Aliases: []string{"install-recommends"}},
		"force":                        {Type: "bool", Default: false},
		"upgrade":                      {Type: "str", Default: "no", Choices: []string{"dist", "full", "no", "safe", "yes"}},
		"dpkg_options":                 {Type: "str", Default: aptDpkgOptions},
		"autoremove":                   {Type: "bool", Default: false},
		"autoclean":                    {Type: "bool", Default: false},
		"fail_on_autoremove":           {Type: "bool", Default: false},
		"policy_rc_d":                  {Type: "int"},
		"only_upgrade":                 {Type: "bool", Default: false},
		"force_apt_get":                {Type: "bool", Default: false},
		"clean":                        {Type: "bool", Default: false},
		"allow_unauthenticated":        {Type: "bool", Default: false, Aliases: []string{"allow-unauthenticated"}},
		"allow_downgrade":              {Type: "bool", Default: false, Aliases: []string{"allow-downgrade", "allow_downgrades", "allow-downgrades"}},
		"allow_change_held_packages":   {Type: "bool", Default: false},
		"lock_timeout":                 {Type: "int", Default: 60},
	},
	CheckMode:         true,
	MutuallyExclusive: [][]string{{"deb", "name", "upgrade"}},
	RequiredOneOf:     [][]string{{"autoremove", "deb", "name", "update_cache", "upgrade"}},
}

// aptEnv is the environment of every apt command, as the Python module
// sets it: non-interactive, and a locale whose output can be parsed.
var aptEnv = map[string]string{
	"DEBIAN_FRONTEND": "noninteractive",
	"DEBIAN_PRIORITY": "critical",
	"LANG":            "C.UTF-8",
	"LC_ALL":          "C.UTF-8",
	"LC_MESSAGES":     "C.UTF-8",
	"LC_CTYPE":        "C.UTF-8",
}

// --- argument helpers shared by the package modules (apt, homebrew, package) ---

func pkgArgStr(args map[string]any, k string) string {
	switch v := args[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func pkgArgBool(args map[string]any, k string) bool {
	b, _ := pkgArgBoolPtr(args, k)
	return b
}

// pkgArgBoolPtr returns the bool and whether it was set at all.
func pkgArgBoolPtr(args map[string]any, k string) (bool, bool) {
	switch v := args[k].(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(v) {
		case "yes", "true", "on", "1", "y", "t":
			return true, true
		case "no", "false", "off", "0", "n", "f":
			return false, true
		}
	}
	return false, false
}

func pkgArgInt(args map[string]any, k string, def int) int {
	switch v := args[k].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	}
	return def
}

// pkgArgList returns a list argument as strings; a string is split on
// commas as Ansible does for list parameters.
func pkgArgList(args map[string]any, k string) []string {
	switch v := args[k].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case []string:
		return append([]string(nil), v...)
	case string:
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	return nil
}

// pkgResultOutput sets stdout, stderr and their _lines as Ansible's action
// layer does.
func pkgResultOutput(r Result, stdout, stderr string) {
	r["stdout"] = stdout
	r["stderr"] = stderr
	r["stdout_lines"] = pkgLines(stdout)
	r["stderr_lines"] = pkgLines(stderr)
}

// pkgWithLines adds stdout_lines and stderr_lines to every result that
// has stdout or stderr, as Ansible's action layer does for every module.
func pkgWithLines(f func(context.Context, *Task) (Result, error)) Module {
	return ModuleFunc(func(ctx context.Context, t *Task) (Result, error) {
		r, err := f(ctx, t)
		if r != nil {
			for _, k := range []string{"stdout", "stderr"} {
				if v, ok := r[k].(string); ok {
					if _, has := r[k+"_lines"]; !has {
						r[k+"_lines"] = pkgLines(v)
					}
				}
			}
		}
		return r, err
	})
}

func pkgLines(s string) []string {
	// Python's str.splitlines: no trailing empty line.
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		lines = []string{}
	}
	return lines
}

// --- Debian versions and names ---

// debVersionCompare compares two Debian version strings as dpkg does
// (epoch, upstream version, revision; '~' sorts before anything).
func debVersionCompare(a, b string) int {
	ea, ua, ra := debVersionSplit(a)
	eb, ub, rb := debVersionSplit(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := debVerrevCompare(ua, ub); c != 0 {
		return c
	}
	return debVerrevCompare(ra, rb)
}

func debVersionSplit(v string) (epoch int, upstream, revision string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, _ = strconv.Atoi(v[:i])
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func debOrder(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	case c != 0:
		return int(c) + 256
	}
	return 0
}

func debVerrevCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for i < len(a) && !(a[i] >= '0' && a[i] <= '9') || j < len(b) && !(b[j] >= '0' && b[j] <= '9') {
			var ac, bc int
			if i < len(a) {
				ac = debOrder(a[i])
			}
			if j < len(b) {
				bc = debOrder(b[j])
			}
			if ac != bc {
				if ac < bc {
					return -1
				}
				return 1
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && a[i] >= '0' && a[i] <= '9' && j < len(b) && b[j] >= '0' && b[j] <= '9' {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && a[i] >= '0' && a[i] <= '9' {
			return 1
		}
		if j < len(b) && b[j] >= '0' && b[j] <= '9' {
			return -1
		}
		if firstDiff != 0 {
			if firstDiff < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

// aptFnmatchRegexp translates a Python fnmatch pattern to an anchored regexp.
func aptFnmatchRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^(?s:")
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(pat) && pat[j] == '!' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				j++
			}
			for j < len(pat) && pat[j] != ']' {
				j++
			}
			if j >= len(pat) {
				b.WriteString(`\[`)
				continue
			}
			stuff := pat[i+1 : j]
			i = j
			var cls strings.Builder
			if strings.HasPrefix(stuff, "!") {
				cls.WriteString("^")
				stuff = stuff[1:]
			} else if strings.HasPrefix(stuff, "^") {
				cls.WriteString(`\^`)
				stuff = stuff[1:]
			}
			for _, r := range stuff {
				if r == '-' {
					cls.WriteRune(r)
					continue
				}
				cls.WriteString(regexp.QuoteMeta(string(r)))
				if r == '\\' || r == ']' {
					continue
				}
			}
			b.WriteString("[" + cls.String() + "]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile("^" + regexp.QuoteMeta(pat) + "$")
	}
	return re
}

func aptFnmatch(name, pat string) bool { return aptFnmatchRegexp(pat).MatchString(name) }

// aptSplit splits a package spec as Ansible's package_split does:
// "name", "name=version" (version may hold fnmatch wildcards) or
// "name>=version".
func aptSplit(spec string) (name, cmp, version string) {
	i := strings.IndexByte(spec, '=')
	if i < 0 {
		return spec, "", ""
	}
	if i > 0 && spec[i-1] == '>' {
		return spec[:i-1], ">=", spec[i+1:]
	}
	return spec[:i], "=", spec[i+1:]
}

// aptNameSafe reports whether name can be given to apt-cache and apt-get
// as a package name: never an option.
func aptNameSafe(name string) bool {
	return name != "" && !strings.HasPrefix(name, "-") && !strings.ContainsAny(name, "\x00\n\r\t ")
}

// --- host state ---

// aptPkg is what the host knows about one package name.
type aptPkg struct {
	Name      string
	Known     bool     // the name has versions in the cache (not purely virtual)
	Installed bool     // dpkg status "installed"
	Version   string   // the installed version
	HasFiles  bool     // installed or config files left (a purge removes them)
	Candidate string   // apt's candidate ("" for none)
	Versions  []string // every version in the version table
	Providers []string // for a virtual package: the packages that provide it
}

// aptParseDpkgQuery reads the output of
// dpkg-query -W -f='${binary:Package}\t${Package}\t${Version}\t${Status}\n'.
func aptParseDpkgQuery(out string, into map[string]*aptPkg) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			continue
		}
		status := strings.Fields(f[3])
		st := ""
		if len(status) == 3 {
			st = status[2]
		}
		for _, n := range []string{f[0], f[1]} {
			p := into[n]
			if p == nil {
				p = &aptPkg{Name: n}
				into[n] = p
			}
			if p.Installed {
				continue
			}
			p.Installed = st == "installed"
			if p.Installed {
				p.Version = f[2]
			}
			p.HasFiles = p.HasFiles || (st != "" && st != "not-installed")
			// dpkg's database is one of apt's sources: a package it knows
			// has a version in the cache.
			p.Known = p.Known || p.HasFiles
		}
	}
}

var aptPolicyVersion = regexp.MustCompile(`^ (?:\*\*\*| {3}) (\S+) (-?\d+)$`)

// aptParsePolicy reads the output of apt-cache policy NAMES.
func aptParsePolicy(out string, into map[string]*aptPkg) {
	var cur *aptPkg
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":") {
			n := strings.TrimSuffix(line, ":")
			cur = into[n]
			if cur == nil {
				cur = &aptPkg{Name: n}
				into[n] = cur
			}
			continue
		}
		if cur == nil {
			continue
		}
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "Candidate:"):
			c := strings.TrimSpace(strings.TrimPrefix(t, "Candidate:"))
			if c != "(none)" {
				cur.Candidate = c
			}
		case aptPolicyVersion.MatchString(line):
			m := aptPolicyVersion.FindStringSubmatch(line)
			cur.Versions = append(cur.Versions, m[1])
			cur.Known = true
		}
	}
}

// aptParseProviders reads the "Reverse Provides:" section of
// apt-cache showpkg NAME.
func aptParseProviders(out string) []string {
	var provs []string
	in := false
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Reverse Provides:") {
			in = true
			continue
		}
		if !in {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasSuffix(f[0], ":") {
			break
		}
		if !seen[f[0]] {
			seen[f[0]] = true
			provs = append(provs, f[0])
		}
	}
	return provs
}

// --- deciding ---

// aptStatus is package_status of the Python module: whether the package
// is installed, whether the installed version satisfies the spec, the
// version to install ("" for none, "*" to let apt choose) and whether
// files are left on the host.
type aptStatus struct {
	Installed        bool
	VersionInstalled bool
	Installable      string
	HasFiles         bool
}

// aptBestMatch is package_best_match: the candidate, or with "=" the
// highest version matching the (wildcard) version.
func aptBestMatch(p *aptPkg, cmp, version string) string {
	if cmp != "=" {
		return p.Candidate
	}
	best := ""
	for _, v := range p.Versions {
		if aptFnmatch(v, version) && (best == "" || debVersionCompare(v, best) > 0) {
			best = v
		}
	}
	if best == "" {
		// The pin matched nothing: apt keeps its candidate, which the
		// Python module then rejects unless it matches.
		if p.Candidate != "" && aptFnmatch(p.Candidate, version) {
			return p.Candidate
		}
		return ""
	}
	return best
}

// aptPackageStatus decides the status of one name; an error is the
// module's failure message.
func aptPackageStatus(pkgs map[string]*aptPkg, name, cmp, version string, install bool) (aptStatus, error) {
	p := pkgs[name]
	if p == nil || !p.Known {
		if !install {
			return aptStatus{}, nil
		}
		if p != nil && len(p.Providers) > 0 {
			if len(p.Providers) == 1 {
				if s, err := aptPackageStatus(pkgs, p.Providers[0], cmp, version, true); err == nil && s.Installed {
					return s, nil
				}
			}
			return aptStatus{Installable: "*"}, nil
		}
		return aptStatus{}, fmt.Errorf("No package matching '%s' is available", name)
	}
	s := aptStatus{Installed: p.Installed, HasFiles: p.HasFiles}
	best := aptBestMatch(p, cmp, version)
	if !p.Installed {
		s.Installable = best
		return s, nil
	}
	switch cmp {
	case "=":
		s.VersionInstalled = aptFnmatch(p.Version, version)
		if best != "" && p.Version != best && aptFnmatch(best, version) {
			s.Installable = best
		}
	case ">=":
		s.VersionInstalled = debVersionCompare(p.Version, version) >= 0
		if best != "" && p.Version != best && debVersionCompare(best, version) >= 0 {
			s.Installable = best
		}
	default:
		s.VersionInstalled = true
		if best != "" && p.Version != best {
			s.Installable = best
		}
	}
	return s, nil
}

// aptInstallPlan is what one install transaction does.
type aptInstallPlan struct {
	Args  []string // name or name=version, one word each
	Names []string // the names to mark as manually installed
}

// aptPlanInstall decides which specs need apt-get install (the Python
// module's install()). An error is the module's failure message.
func aptPlanInstall(pkgs map[string]*aptPkg, specs []string, upgrade, onlyUpgrade, buildDep bool) (aptInstallPlan, error) {
	var plan aptInstallPlan
	for _, spec := range specs {
		if buildDep {
			plan.Args = append(plan.Args, spec)
			continue
		}
		name, cmp, version := aptSplit(spec)
		plan.Names = append(plan.Names, name)
		s, err := aptPackageStatus(pkgs, name, cmp, version, true)
		if err != nil {
			return plan, err
		}
		if !s.Installed && onlyUpgrade {
			continue
		}
		if !s.VersionInstalled && s.Installable == "" {
			return plan, fmt.Errorf("no available installation candidate for %s", spec)
		}
		if s.Installable != "" && ((!s.Installed && !onlyUpgrade) || upgrade || !s.VersionInstalled) {
			switch {
			case s.Installable != "*":
				plan.Args = append(plan.Args, name+"="+s.Installable)
			case version != "":
				plan.Args = append(plan.Args, name+"="+version)
			default:
				plan.Args = append(plan.Args, name)
			}
		} else if s.VersionInstalled && s.Installable != "" && cmp == "=" {
			// Legacy behaviour of the Python module: an installed version
			// matching a wildcard that also matches a newer one.
			plan.Args = append(plan.Args, name+"="+version)
		}
	}
	return plan, nil
}

// aptPlanRemove decides which specs need apt-get remove (the Python
// module's remove()).
func aptPlanRemove(pkgs map[string]*aptPkg, specs []string, purge bool) []string {
	var out []string
	for _, spec := range specs {
		name, cmp, version := aptSplit(spec)
		s, _ := aptPackageStatus(pkgs, name, cmp, version, false)
		if s.VersionInstalled || (s.HasFiles && purge) {
			out = append(out, spec)
		}
	}
	return out
}

// aptExpandWildcards replaces specs whose name holds fnmatch wildcards by
// the matching package names (expand_pkgspec_from_fnmatches).
func aptExpandWildcards(specs []string, allNames []string) ([]string, error) {
	var out []string
	for _, spec := range specs {
		name, _, _ := aptSplit(spec)
		if !strings.ContainsAny(name, "*?[]!") {
			out = append(out, spec)
			continue
		}
		re := aptFnmatchRegexp(name)
		var matches []string
		for _, n := range allNames {
			if !strings.Contains(name, ":") && strings.Contains(n, ":") {
				continue
			}
			if re.MatchString(n) {
				matches = append(matches, n)
			}
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("No package(s) matching '%s' available", name)
		}
		out = append(out, matches...)
	}
	return out, nil
}

// aptDpkgOptionArgs expands dpkg_options as expand_dpkg_options does.
func aptDpkgOptionArgs(opts string) []string {
	var out []string
	for _, o := range strings.Split(opts, ",") {
		out = append(out, "-o", connection.Quote("Dpkg::Options::=--"+o))
	}
	return out
}

// aptParseDiff is parse_diff: the part of apt-get's output that lists
// what changes.
func aptParseDiff(out string) string {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start := -1
	for i, l := range lines {
		if l == "Resolving dependencies..." {
			start = i
			break
		}
	}
	if start < 0 {
		for i, l := range lines {
			if l == "Reading state information..." {
				start = i
				break
			}
		}
	}
	end := len(lines)
	re := regexp.MustCompile(`^[0-9]+ (packages )?upgraded`)
	for i, l := range lines {
		if re.MatchString(l) {
			end = i
			break
		}
	}
	start++
	end++
	if end > len(lines) {
		end = len(lines)
	}
	if start > end {
		return ""
	}
	return strings.Join(lines[start:end], "\n")
}

// aptOptions holds the arguments that shape apt-get command lines.
type aptOptions struct {
	DpkgOptions        string
	Force              bool
	Check              bool
	Autoremove         bool
	FailOnAutoremove   bool
	OnlyUpgrade        bool
	Fixed              bool
	BuildDep           bool
	DefaultRelease     string
	InstallRecommends  *bool
	AllowUnauth        bool
	AllowDowngrade     bool
	AllowChangeHeld    bool
	Purge              bool
	LockTimeoutSeconds int
}

func aptJoin(words ...string) string {
	var out []string
	for _, w := range words {
		if w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func aptFlag(on bool, flag string) string {
	if on {
		return flag
	}
	return ""
}

// aptInstallCommand builds the apt-get install (or build-dep) line.
func aptInstallCommand(o aptOptions, pkgs []string) string {
	quoted := make([]string, len(pkgs))
	for i, p := range pkgs {
		quoted[i] = connection.Quote(p)
	}
	op := "install"
	if o.BuildDep {
		op = "build-dep"
	}
	words := []string{"apt-get", "-y"}
	words = append(words, aptDpkgOptionArgs(o.DpkgOptions)...)
	words = append(words,
		aptFlag(o.OnlyUpgrade, "--only-upgrade"),
		aptFlag(o.Fixed, "--fix-broken"),
		aptFlag(o.Force, "--force-yes"),
		aptFlag(o.Autoremove && !o.BuildDep, "--auto-remove"),
		aptFlag(o.FailOnAutoremove, "--no-remove"),
		aptFlag(o.Check, "--simulate"),
		op)
	words = append(words, quoted...)
	if o.DefaultRelease != "" {
		words = append(words, "-t", connection.Quote(o.DefaultRelease))
	}
	if o.InstallRecommends != nil {
		if *o.InstallRecommends {
			words = append(words, "-o", "APT::Install-Recommends=yes")
		} else {
			words = append(words, "-o", "APT::Install-Recommends=no")
		}
	}
	words = append(words,
		aptFlag(o.AllowUnauth, "--allow-unauthenticated"),
		aptFlag(o.AllowDowngrade, "--allow-downgrades"),
		aptFlag(o.AllowChangeHeld, "--allow-change-held-packages"))
	return aptJoin(words...)
}

// aptRemoveCommand builds the apt-get remove line.
func aptRemoveCommand(o aptOptions, pkgs []string) string {
	words := []string{"apt-get", "-q", "-y"}
	words = append(words, aptDpkgOptionArgs(o.DpkgOptions)...)
	words = append(words, aptFlag(o.Purge, "--purge"), aptFlag(o.Force, "--force-yes"),
		aptFlag(o.Autoremove, "--auto-remove"), aptFlag(o.Check, "--simulate"), "remove")
	for _, p := range pkgs {
		words = append(words, connection.Quote(p))
	}
	return aptJoin(words...)
}

// aptCleanupCommand builds apt-get autoremove or autoclean.
func aptCleanupCommand(o aptOptions, op string) string {
	words := []string{"apt-get", "-y"}
	words = append(words, aptDpkgOptionArgs(o.DpkgOptions)...)
	words = append(words, aptFlag(o.Purge, "--purge"), aptFlag(o.Force, "--force-yes"), op, aptFlag(o.Check, "--simulate"))
	return aptJoin(words...)
}

// aptUpgradeCommand builds the upgrade line; tool is "apt-get" or
// "aptitude" and op the operation words.
func aptUpgradeCommand(o aptOptions, mode string, useAptGet bool) (tool, op, cmd string) {
	switch {
	case mode == "dist" || (mode == "full" && useAptGet):
		tool, op = "apt-get", aptJoin("dist-upgrade", aptFlag(o.Autoremove, "--auto-remove"))
	case mode == "full":
		tool, op = "aptitude", "full-upgrade"
	case useAptGet:
		tool, op = "apt-get", aptJoin("upgrade", "--with-new-pkgs", aptFlag(o.Autoremove, "--auto-remove"))
	default:
		tool, op = "aptitude", "safe-upgrade"
	}
	force := ""
	if o.Force {
		if tool == "apt-get" {
			force = "--force-yes"
		} else {
			force = "--assume-yes --allow-untrusted"
		}
	}
	words := []string{tool, "-y"}
	words = append(words, aptDpkgOptionArgs(o.DpkgOptions)...)
	words = append(words, force, aptFlag(o.FailOnAutoremove, "--no-remove"),
		aptFlag(o.AllowUnauth, "--allow-unauthenticated"), aptFlag(o.AllowDowngrade, "--allow-downgrades"),
		aptFlag(o.Check, "--simulate"), op)
	if o.DefaultRelease != "" {
		words = append(words, "-t", connection.Quote(o.DefaultRelease))
	}
	return tool, op, aptJoin(words...)
}

// aptLockHeld reports whether apt or dpkg failed because another process
// holds its lock.
func aptLockHeld(stderr string) bool {
	return strings.Contains(stderr, "Could not get lock") ||
		strings.Contains(stderr, "Unable to acquire the dpkg frontend lock") ||
		strings.Contains(stderr, "Unable to lock directory") ||
		strings.Contains(stderr, "dpkg status database is locked")
}

// --- running ---

// aptRunner runs apt commands on one host for one task.
type aptRunner struct {
	t        *Task
	deadline time.Time
}

type aptOut struct {
	Stdout, Stderr string
	RC             int
}

func (r *aptRunner) exec(ctx context.Context, cmd string) (aptOut, error) {
	env := map[string]string{}
	for k, v := range r.t.Env {
		env[k] = v
	}
	for k, v := range aptEnv {
		env[k] = v
	}
	res, err := r.t.Conn.Exec(ctx, cmd, &connection.ExecOptions{Become: r.t.Become, Env: env})
	if err != nil {
		return aptOut{}, err
	}
	return aptOut{Stdout: string(res.Stdout), Stderr: string(res.Stderr), RC: res.ExitCode}, nil
}

// policy wraps a command that installs or removes packages so that, with
// policy_rc_d set, /usr/sbin/policy-rc.d exits with that code while it
// runs (services are then not started or stopped), and the previous file,
// if any, is put back afterwards, as the Python module's PolicyRcD does.
func (r *aptRunner) policy(cmd string) string {
	v, ok := r.t.Args["policy_rc_d"]
	if !ok || v == nil {
		return cmd
	}
	code := pkgArgInt(r.t.Args, "policy_rc_d", 0)
	return aptPolicyWrap(cmd, code)
}

// aptPolicyWrap is the shell form of PolicyRcD around cmd.
func aptPolicyWrap(cmd string, code int) string {
	return `p=/usr/sbin/policy-rc.d; b=; if [ -e "$p" ]; then b=$(mktemp -d) && mv "$p" "$b"/ || exit 1; fi; ` +
		fmt.Sprintf(`printf '#!/bin/sh\nexit %d\n' > "$p" && chmod 0755 "$p" || exit 1; `, code) +
		`( ` + cmd + ` ); rc=$?; ` +
		`if [ -n "$b" ]; then mv "$b"/policy-rc.d "$p" && rmdir "$b"; else rm -f "$p"; fi; exit $rc`
}

// aptLockError is returned when the lock was still held at the deadline.
type aptLockError struct{ Stderr string }

func (e *aptLockError) Error() string {
	return "Failed to lock apt for exclusive operation: " + strings.TrimSpace(e.Stderr)
}

// locked runs cmd, and while it fails because the lock is held, waits
// and runs it again until lock_timeout has passed.
func (r *aptRunner) locked(ctx context.Context, cmd string) (aptOut, error) {
	for {
		out, err := r.exec(ctx, cmd)
		if err != nil || out.RC == 0 || !aptLockHeld(out.Stderr) {
			return out, err
		}
		if !time.Now().Before(r.deadline) {
			return out, &aptLockError{Stderr: out.Stderr}
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// aptProbe is what the module learns about the host before deciding.
type aptProbe struct {
	Aptitude  bool
	Now       int64
	CacheTime int64
}

const aptProbeCmd = `command -v apt-get >/dev/null 2>&1 || { echo 'apt-get not found' >&2; exit 127; }; ` +
	`if command -v aptitude >/dev/null 2>&1; then echo aptitude=1; else echo aptitude=0; fi; ` +
	`echo now=$(date +%s); ` +
	`if [ -e /var/lib/apt/periodic/update-success-stamp ]; then echo cache=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp); ` +
	`elif [ -e /var/lib/apt/lists ]; then echo cache=$(stat -c %Y /var/lib/apt/lists); else echo cache=0; fi`

func aptParseProbe(out string) aptProbe {
	var p aptProbe
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "aptitude":
			p.Aptitude = n == 1
		case "now":
			p.Now = n
		case "cache":
			p.CacheTime = n
		}
	}
	return p
}

func (r *aptRunner) probe(ctx context.Context) (aptProbe, error) {
	out, err := r.exec(ctx, aptProbeCmd)
	if err != nil {
		return aptProbe{}, err
	}
	if out.RC != 0 {
		return aptProbe{}, fmt.Errorf("%s", strings.TrimSpace(out.Stderr+" "+out.Stdout))
	}
	return aptParseProbe(out.Stdout), nil
}

// query reads installed state and candidates of names in one command,
// and the providers of names that are purely virtual in a second.
func (r *aptRunner) query(ctx context.Context, names []string, defaultRelease string, providers bool) (map[string]*aptPkg, error) {
	pkgs := map[string]*aptPkg{}
	if len(names) == 0 {
		return pkgs, nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = connection.Quote(n)
	}
	rel := ""
	if defaultRelease != "" {
		rel = " -o " + connection.Quote("APT::Default-Release="+defaultRelease)
	}
	list := strings.Join(quoted, " ")
	cmd := `dpkg-query -W -f='${binary:Package}\t${Package}\t${Version}\t${Status}\n' ` + list +
		` 2>/dev/null; echo '@@policy'; apt-cache` + rel + ` policy ` + list
	out, err := r.exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return nil, fmt.Errorf("apt-cache policy failed: %s", strings.TrimSpace(out.Stderr))
	}
	dq, pol, _ := strings.Cut(out.Stdout, "@@policy\n")
	policy := map[string]*aptPkg{}
	aptParsePolicy(pol, policy)
	aptParseDpkgQuery(dq, pkgs)
	for n, p := range policy {
		q := pkgs[n]
		if q == nil {
			pkgs[n] = p
			continue
		}
		q.Known, q.Candidate, q.Versions = q.Known || p.Known, p.Candidate, p.Versions
	}
	for _, n := range names {
		p := pkgs[n]
		if !providers || p != nil && p.Known {
			continue
		}
		out, err := r.exec(ctx, "apt-cache showpkg "+connection.Quote(n))
		if err != nil {
			return nil, err
		}
		if provs := aptParseProviders(out.Stdout); len(provs) > 0 {
			if p == nil {
				p = &aptPkg{Name: n}
				pkgs[n] = p
			}
			p.Providers = provs
			sub, err := r.query(ctx, provs, defaultRelease, false)
			if err != nil {
				return nil, err
			}
			for k, v := range sub {
				if _, ok := pkgs[k]; !ok {
					pkgs[k] = v
				}
			}
		}
	}
	return pkgs, nil
}

func (r *aptRunner) allNames(ctx context.Context) ([]string, error) {
	out, err := r.exec(ctx, "apt-cache pkgnames")
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return nil, fmt.Errorf("apt-cache pkgnames failed: %s", strings.TrimSpace(out.Stderr))
	}
	names := strings.Fields(out.Stdout)
	sort.Strings(names)
	return names, nil
}

func runApt(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	state := pkgArgStr(a, "state")
	if state == "" {
		state = "present"
	}
	upgradeMode := pkgArgStr(a, "upgrade")
	if upgradeMode == "no" {
		upgradeMode = ""
	}
	names := pkgArgList(a, "name")
	deb := pkgArgStr(a, "deb")
	updateCache, _ := pkgArgBoolPtr(a, "update_cache")
	cacheValid := pkgArgInt(a, "cache_valid_time", 0)
	given := 0
	for _, g := range []bool{deb != "", len(names) > 0, upgradeMode != ""} {
		if g {
			given++
		}
	}
	if given > 1 {
		return Failf("parameters are mutually exclusive: deb|package|upgrade"), nil
	}
	// required_one_of is the engine's: autoremove's default (false) counts
	// as given, as in Ansible, so `apt:` alone is a no-op.
	var ir *bool
	if b, ok := pkgArgBoolPtr(a, "install_recommends"); ok {
		ir = &b
	}
	o := aptOptions{
		DpkgOptions:       pkgArgStr(a, "dpkg_options"),
		Force:             pkgArgBool(a, "force"),
		Check:             t.Check,
		Autoremove:        pkgArgBool(a, "autoremove"),
		FailOnAutoremove:  pkgArgBool(a, "fail_on_autoremove"),
		OnlyUpgrade:       pkgArgBool(a, "only_upgrade"),
		DefaultRelease:    pkgArgStr(a, "default_release"),
		InstallRecommends: ir,
		AllowUnauth:       pkgArgBool(a, "allow_unauthenticated"),
		AllowDowngrade:    pkgArgBool(a, "allow_downgrade"),
		AllowChangeHeld:   pkgArgBool(a, "allow_change_held_packages"),
		Purge:             pkgArgBool(a, "purge"),
	}
	if o.DpkgOptions == "" {
		o.DpkgOptions = aptDpkgOptions
	}
	r := &aptRunner{t: t, deadline: time.Now().Add(time.Duration(pkgArgInt(a, "lock_timeout", 60)) * time.Second)}

	res, err := r.run(ctx, state, upgradeMode, names, deb, updateCache, cacheValid, o)
	var le *aptLockError
	if err != nil && asAptLock(err, &le) {
		return Result{"failed": true, "msg": le.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("apt: %w", err)
	}
	return res, nil
}

func asAptLock(err error, target **aptLockError) bool {
	le, ok := err.(*aptLockError)
	if ok {
		*target = le
	}
	return ok
}

func (r *aptRunner) run(ctx context.Context, state, upgradeMode string, names []string, deb string, updateCache bool, cacheValid int, o aptOptions) (Result, error) {
	t := r.t
	a := t.Args
	if pkgArgBool(a, "clean") {
		out, err := r.locked(ctx, "apt-get clean")
		if err != nil {
			return nil, err
		}
		if out.RC != 0 || out.Stderr != "" {
			msg := "apt-get clean failed"
			if out.Stderr != "" {
				msg += ": " + out.Stderr
			}
			return Result{"failed": true, "msg": msg, "stdout": out.Stdout, "rc": out.RC}, nil
		}
		if len(names) == 0 && upgradeMode == "" && deb == "" {
			res := Result{"changed": true, "msg": out.Stdout}
			pkgResultOutput(res, out.Stdout, out.Stderr)
			return res, nil
		}
	}
	probe, err := r.probe(ctx)
	if err != nil {
		return Result{"failed": true, "msg": "apt: " + err.Error()}, nil
	}
	useAptGet := pkgArgBool(a, "force_apt_get") || !probe.Aptitude

	// The cache.
	cacheTime := probe.CacheTime
	cacheUpdated := false
	if updateCache || cacheValid > 0 {
		if probe.CacheTime+int64(cacheValid) < probe.Now {
			if !t.Check {
				if res, err := r.updateCache(ctx); res != nil || err != nil {
					return res, err
				}
				after, err := r.probe(ctx)
				if err != nil {
					return Result{"failed": true, "msg": "apt: " + err.Error()}, nil
				}
				cacheUpdated = after.CacheTime != cacheTime
				cacheTime = after.CacheTime
			} else {
				cacheUpdated = true
			}
		}
		if len(names) == 0 && upgradeMode == "" && deb == "" {
			return Result{"changed": cacheUpdated, "cache_updated": cacheUpdated, "cache_update_time": cacheTime}, nil
		}
	}

	if upgradeMode != "" {
		return r.upgrade(ctx, o, upgradeMode, useAptGet)
	}
	if deb != "" {
		if state != "present" {
			return Failf("deb only supports state=present"), nil
		}
		return r.installDebs(ctx, o, deb)
	}

	all := false
	var specs []string
	for _, n := range names {
		if n == "*" {
			all = true
			continue
		}
		specs = append(specs, strings.TrimSpace(n))
	}
	if state == "latest" && all {
		if len(specs) > 0 {
			return Failf("unable to install additional packages when upgrading all installed packages"), nil
		}
		return r.upgrade(ctx, o, "yes", useAptGet)
	}
	for _, s := range specs {
		if strings.Count(s, "=") > 1 {
			return Failf("invalid package spec: %s", s), nil
		}
	}
	if len(specs) == 0 {
		if pkgArgBool(a, "autoclean") {
			return r.cleanup(ctx, o, "autoclean")
		}
		if o.Autoremove {
			return r.cleanup(ctx, o, "autoremove")
		}
	}

	// Expand wildcards, then read the state of every name once.
	wild := false
	for _, s := range specs {
		n, _, _ := aptSplit(s)
		if strings.ContainsAny(n, "*?[]!") {
			wild = true
		}
	}
	if wild {
		allNames, err := r.allNames(ctx)
		if err != nil {
			return Result{"failed": true, "msg": err.Error()}, nil
		}
		if specs, err = aptExpandWildcards(specs, allNames); err != nil {
			return Failf("%s", err.Error()), nil
		}
	}
	var query []string
	seen := map[string]bool{}
	for _, s := range specs {
		n, _, _ := aptSplit(s)
		if !aptNameSafe(n) {
			if state == "absent" {
				continue
			}
			return Failf("No package matching '%s' is available", n), nil
		}
		if !seen[n] && state != "build-dep" {
			seen[n] = true
			query = append(query, n)
		}
	}
	pkgs, err := r.query(ctx, query, o.DefaultRelease, state != "absent")
	if err != nil {
		return Result{"failed": true, "msg": err.Error()}, nil
	}

	if state == "absent" {
		return r.remove(ctx, o, aptPlanRemove(pkgs, specs, o.Purge))
	}
	o.BuildDep = state == "build-dep"
	o.Fixed = state == "fixed"
	res, final := r.install(ctx, o, pkgs, specs, state == "latest")
	if !final {
		res["cache_updated"] = cacheUpdated
		res["cache_update_time"] = cacheTime
	}
	return res, nil
}

// updateCache runs apt-get update with the module's retries; it returns
// a result only on failure.
func (r *aptRunner) updateCache(ctx context.Context) (Result, error) {
	retries := pkgArgInt(r.t.Args, "update_cache_retries", 5)
	maxDelay := float64(pkgArgInt(r.t.Args, "update_cache_retry_max_delay", 12))
	if retries < 1 {
		retries = 1
	}
	randomize := float64(rand.Intn(1001)) / 1000
	var last aptOut
	for i := 0; i < retries; i++ {
		out, err := r.locked(ctx, "apt-get update -q")
		if err != nil {
			return nil, err
		}
		// A fetch that failed is a failure, as python-apt reports it,
		// even where apt-get only warns.
		if out.RC == 0 && !strings.Contains(out.Stderr, "Failed to fetch") && !strings.Contains(out.Stderr, "Some index files failed to download") {
			return nil, nil
		}
		last = out
		if i == retries-1 {
			break
		}
		delay := float64(int(1)<<uint(i)) + randomize
		if delay > maxDelay {
			delay = maxDelay + randomize
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(delay * float64(time.Second))):
		}
	}
	return Result{"failed": true, "msg": "Failed to update apt cache: " + aptFetchError(last.Stderr)}, nil
}

// aptFetchError renders apt-get update's errors as python-apt's
// FetchFailedException does: "E:first, E:second".
func aptFetchError(stderr string) string {
	var errs []string
	for _, l := range strings.Split(stderr, "\n") {
		for _, p := range []string{"E: ", "W: "} {
			if strings.HasPrefix(l, p) {
				errs = append(errs, p[:2]+strings.TrimRight(l[3:], "\r"))
			}
		}
	}
	if len(errs) == 0 {
		if msg := strings.TrimSpace(stderr); msg != "" {
			return msg
		}
		return "unknown reason"
	}
	return strings.Join(errs, ", ")
}

// install runs the install transaction. final is true for the failures
// the Python module reports at once (fail_json), without the cache keys
// that its install() results carry.
func (r *aptRunner) install(ctx context.Context, o aptOptions, pkgs map[string]*aptPkg, specs []string, latest bool) (res Result, final bool) {
	plan, err := aptPlanInstall(pkgs, specs, latest, o.OnlyUpgrade, o.BuildDep)
	if err != nil {
		return Result{"failed": true, "msg": err.Error()}, strings.HasPrefix(err.Error(), "No package matching")
	}
	if len(plan.Args) == 0 {
		res = Result{"changed": false}
	} else {
		cmd := aptInstallCommand(o, plan.Args)
		out, err := r.locked(ctx, r.policy(cmd))
		if err != nil {
			return Result{"failed": true, "msg": err.Error()}, true
		}
		if out.RC != 0 {
			res = Result{"failed": true, "msg": fmt.Sprintf("'%s' failed: %s", cmd, out.Stderr), "rc": out.RC}
			pkgResultOutput(res, out.Stdout, out.Stderr)
			return res, false
		}
		changed := true
		if o.BuildDep {
			changed = !strings.Contains(out.Stdout, aptGetZero)
		}
		res = Result{"changed": changed}
		pkgResultOutput(res, out.Stdout, out.Stderr)
		if r.t.Diff {
			res["diff"] = Diff{Prepared: aptParseDiff(out.Stdout)}
		}
	}
	if !o.BuildDep && !o.Check && len(plan.Names) > 0 {
		var installed []string
		for _, n := range plan.Names {
			if aptNameSafe(n) {
				installed = append(installed, connection.Quote(n))
			}
		}
		cmd := "apt-mark manual " + strings.Join(installed, " ")
		out, err := r.locked(ctx, cmd)
		if err != nil {
			return Result{"failed": true, "msg": err.Error()}, true
		}
		if out.RC != 0 {
			return Result{"failed": true, "msg": fmt.Sprintf("'%s' failed: %s", cmd, out.Stderr), "stdout": out.Stdout, "stderr": out.Stderr, "rc": out.RC}, true
		}
	}
	return res, false
}

func (r *aptRunner) remove(ctx context.Context, o aptOptions, specs []string) (Result, error) {
	if len(specs) == 0 {
		return Result{"changed": false}, nil
	}
	cmd := aptRemoveCommand(o, specs)
	out, err := r.locked(ctx, r.policy(cmd))
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		quoted := make([]string, len(specs))
		for i, s := range specs {
			quoted[i] = "'" + s + "'"
		}
		res := Result{"failed": true, "msg": fmt.Sprintf("'apt-get remove %s' failed: %s", strings.Join(quoted, " "), out.Stderr), "rc": out.RC}
		pkgResultOutput(res, out.Stdout, out.Stderr)
		return res, nil
	}
	res := Result{"changed": true}
	pkgResultOutput(res, out.Stdout, out.Stderr)
	if r.t.Diff {
		res["diff"] = Diff{Prepared: aptParseDiff(out.Stdout)}
	}
	return res, nil
}

func (r *aptRunner) cleanup(ctx context.Context, o aptOptions, op string) (Result, error) {
	out, err := r.locked(ctx, r.policy(aptCleanupCommand(o, op)))
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		res := Result{"failed": true, "msg": fmt.Sprintf("'apt-get %s' failed: %s", op, out.Stderr), "rc": out.RC}
		pkgResultOutput(res, out.Stdout, out.Stderr)
		return res, nil
	}
	marker := "The following packages will be REMOVED"
	if op == "autoclean" {
		marker = "Del "
	}
	res := Result{"changed": strings.Contains(out.Stdout, marker)}
	pkgResultOutput(res, out.Stdout, out.Stderr)
	if r.t.Diff {
		res["diff"] = Diff{Prepared: aptParseDiff(out.Stdout)}
	}
	return res, nil
}

func (r *aptRunner) upgrade(ctx context.Context, o aptOptions, mode string, useAptGet bool) (Result, error) {
	tool, op, cmd := aptUpgradeCommand(o, mode, useAptGet)
	out, err := r.locked(ctx, r.policy(cmd))
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return Result{"failed": true, "msg": fmt.Sprintf("'%s %s' failed: %s", tool, op, out.Stderr), "stdout": out.Stdout, "rc": out.RC}, nil
	}
	zero := aptGetZero
	if tool == "aptitude" {
		zero = aptitudeZero
	}
	res := Result{"changed": !strings.Contains(out.Stdout, zero), "msg": out.Stdout}
	pkgResultOutput(res, out.Stdout, out.Stderr)
	if res.Changed() && r.t.Diff {
		res["diff"] = Diff{Prepared: aptParseDiff(out.Stdout)}
	}
	return res, nil
}

// --- deb files ---

// aptDebDep is one alternative of a Depends field.
type aptDebDep struct {
	Name, Op, Version string
}

// aptParseDepends parses a Depends field into groups of alternatives.
func aptParseDepends(field string) [][]aptDebDep {
	var groups [][]aptDebDep
	re := regexp.MustCompile(`^\s*([^\s(\[]+)\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?`)
	for _, g := range strings.Split(field, ",") {
		if strings.TrimSpace(g) == "" {
			continue
		}
		var alts []aptDebDep
		for _, alt := range strings.Split(g, "|") {
			m := re.FindStringSubmatch(alt)
			if m == nil {
				continue
			}
			name := m[1]
			if i := strings.IndexByte(name, ':'); i >= 0 && name[i+1:] == "any" {
				name = name[:i]
			}
			alts = append(alts, aptDebDep{Name: name, Op: m[2], Version: m[3]})
		}
		if len(alts) > 0 {
			groups = append(groups, alts)
		}
	}
	return groups
}

// aptDepSatisfied reports whether an installed version satisfies d.
func aptDepSatisfied(d aptDebDep, installed string) bool {
	if installed == "" {
		return false
	}
	if d.Op == "" {
		return true
	}
	c := debVersionCompare(installed, d.Version)
	switch d.Op {
	case "<<", "<":
		return c < 0
	case "<=":
		return c <= 0
	case "=":
		return c == 0
	case ">=":
		return c >= 0
	case ">>", ">":
		return c > 0
	}
	return false
}

// aptMissingDeps returns the first alternative of every group of deps
// that no installed package satisfies.
func aptMissingDeps(groups [][]aptDebDep, pkgs map[string]*aptPkg) []string {
	var missing []string
	for _, alts := range groups {
		ok := false
		for _, d := range alts {
			if p := pkgs[d.Name]; p != nil && p.Installed && aptDepSatisfied(d, p.Version) {
				ok = true
				break
			}
		}
		if !ok {
			missing = append(missing, alts[0].Name)
		}
	}
	return missing
}

// aptFetch downloads a remote .deb on the controller; overridable in
// tests through the Task's environment is not needed: the HTTP client is
// the default one.
func aptFetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func (r *aptRunner) installDebs(ctx context.Context, o aptOptions, debs string) (Result, error) {
	var files []string
	for _, d := range strings.Split(debs, ",") {
		if !strings.Contains(d, "://") {
			files = append(files, d)
			continue
		}
		data, err := aptFetch(ctx, d)
		if err != nil {
			return Failf("Failure downloading %s, %s", d, err), nil
		}
		out, err := r.exec(ctx, "mktemp /tmp/omeprov-deb-XXXXXXXX.deb 2>/dev/null || mktemp")
		if err != nil {
			return nil, err
		}
		path := strings.TrimSpace(out.Stdout)
		if out.RC != 0 || path == "" {
			return Failf("could not make a temporary file on the host: %s", out.Stderr), nil
		}
		if err := r.t.Conn.PutFile(ctx, path, strings.NewReader(string(data)), &connection.FileOptions{Become: r.t.Become, Mode: 0o644}); err != nil {
			return nil, err
		}
		defer r.exec(context.WithoutCancel(ctx), "rm -f "+connection.Quote(path))
		files = append(files, path)
	}
	var toInstall []string
	var deps []string
	for _, f := range files {
		q := connection.Quote(f)
		out, err := r.exec(ctx, "dpkg --field "+q+" Package Version Architecture Depends Pre-Depends")
		if err != nil {
			return nil, err
		}
		if out.RC != 0 {
			res := Failf("dpkg --field %s failed", f)
			pkgResultOutput(res, out.Stdout, out.Stderr)
			return res, nil
		}
		fields := aptParseControl(out.Stdout)
		name, version := fields["Package"], fields["Version"]
		if !aptNameSafe(name) {
			return Failf("Unable to install package: %s has no valid Package field", f), nil
		}
		groups := aptParseDepends(fields["Depends"] + "," + fields["Pre-Depends"])
		names := []string{name}
		for _, g := range groups {
			for _, d := range g {
				if aptNameSafe(d.Name) {
					names = append(names, d.Name)
				}
			}
		}
		pkgs := map[string]*aptPkg{}
		qn := make([]string, len(names))
		for i, n := range names {
			qn[i] = connection.Quote(n)
		}
		dq, err := r.exec(ctx, `dpkg-query -W -f='${binary:Package}\t${Package}\t${Version}\t${Status}\n' `+strings.Join(qn, " ")+" 2>/dev/null; true")
		if err != nil {
			return nil, err
		}
		aptParseDpkgQuery(dq.Stdout, pkgs)
		if p := pkgs[name]; p != nil && p.Installed {
			c := debVersionCompare(version, p.Version)
			if c == 0 {
				continue
			}
			if c < 0 && !o.Force && !o.AllowDowngrade {
				return Failf("A later version is already installed"), nil
			}
		}
		deps = append(deps, aptMissingDeps(groups, pkgs)...)
		toInstall = append(toInstall, f)
	}
	var depRes Result
	changed := false
	if len(deps) > 0 {
		pkgs, err := r.query(ctx, deps, "", true)
		if err != nil {
			return Result{"failed": true, "msg": err.Error()}, nil
		}
		depOpts := o
		depOpts.Force, depOpts.Autoremove, depOpts.DefaultRelease = false, false, ""
		depRes, _ = r.install(ctx, depOpts, pkgs, deps, false)
		if depRes.Failed() {
			return depRes, nil
		}
		changed = depRes.Changed()
	}
	stdout, _ := depRes["stdout"].(string)
	stderr, _ := depRes["stderr"].(string)
	if len(toInstall) == 0 {
		res := Result{"changed": changed}
		pkgResultOutput(res, stdout, stderr)
		if d, ok := depRes["diff"]; ok {
			res["diff"] = d
		}
		return res, nil
	}
	words := []string{"dpkg"}
	for _, opt := range strings.Split(o.DpkgOptions, ",") {
		words = append(words, connection.Quote("--"+opt))
	}
	if o.Check {
		words = append(words, "--simulate")
	}
	if o.Force {
		words = append(words, "--force-all")
	}
	words = append(words, "-i")
	for _, f := range toInstall {
		words = append(words, connection.Quote(f))
	}
	cmd := strings.Join(words, " ")
	out, err := r.locked(ctx, r.policy(cmd))
	if err != nil {
		return nil, err
	}
	res := Result{}
	pkgResultOutput(res, stdout+out.Stdout, stderr+out.Stderr)
	if out.RC != 0 {
		res["failed"] = true
		res["msg"] = cmd + " failed"
		return res, nil
	}
	res["changed"] = true
	if r.t.Diff {
		prepared := aptParseDiff(out.Stdout)
		if d, ok := depRes["diff"].(Diff); ok {
			prepared = d.Prepared + "\n\n" + out.Stdout
		}
		res["diff"] = Diff{Prepared: prepared}
	}
	return res, nil
}

// aptParseControl reads "Field: value" lines (with continuation lines).
func aptParseControl(out string) map[string]string {
	fields := map[string]string{}
	last := ""
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			fields[last] += "\n" + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = k
		fields[k] = strings.TrimSpace(v)
	}
	return fields
}
