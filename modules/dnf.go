package modules

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

// The dnf and yum modules (one implementation, as on EL 8/9 where yum is
// dnf) drive the host's own dnf through the connection: one rpm query for
// what is installed, a plan computed in Go, one dnf transaction previewed
// with --assumeno and then run with -y. Results are shaped as those of
// ansible-core 2.14's dnf module.

// dnfParams is the argument spec shared by dnf and yum
// (ansible.module_utils.yumdnf plus dnf's own options).
func dnfParams() map[string]Param {
	return map[string]Param{
		"name":              {Type: "list", Elements: "str", Aliases: []string{"pkg"}, Default: []any{}},
		"state":             {Type: "str", Choices: []string{"absent", "installed", "latest", "present", "removed"}},
		"list":              {Type: "str"},
		"allow_downgrade":   {Type: "bool", Default: false},
		"autoremove":        {Type: "bool", Default: false},
		"bugfix":            {Type: "bool", Default: false},
		"cacheonly":         {Type: "bool", Default: false},
		"conf_file":         {Type: "str"},
		"disable_excludes":  {Type: "str"},
		"disable_gpg_check": {Type: "bool", Default: false},
		"disable_plugin":    {Type: "list", Elements: "str", Default: []any{}},
		"disablerepo":       {Type: "list", Elements: "str", Default: []any{}},
		"download_only":     {Type: "bool", Default: false},
		"download_dir":      {Type: "str"},
		"enable_plugin":     {Type: "list", Elements: "str", Default: []any{}},
		"enablerepo":        {Type: "list", Elements: "str", Default: []any{}},
		"exclude":           {Type: "list", Elements: "str", Default: []any{}},
		"installroot":       {Type: "str", Default: "/"},
		"install_repoquery": {Type: "bool", Default: true},
		"install_weak_deps": {Type: "bool", Default: true},
		"releasever":        {Type: "str"},
		"security":          {Type: "bool", Default: false},
		"skip_broken":       {Type: "bool", Default: false},
		"update_cache":      {Type: "bool", Default: false, Aliases: []string{"expire-cache"}},
		"update_only":       {Type: "bool", Default: false},
		"validate_certs":    {Type: "bool", Default: true},
		"sslverify":         {Type: "bool", Default: true},
		"lock_timeout":      {Type: "int", Default: 30},
		"allowerasing":      {Type: "bool", Default: false},
		"nobest":            {Type: "bool", Default: false},
	}
}

func dnfModuleSpec(extra map[string]Param) Spec {
	p := dnfParams()
	for k, v := range extra {
		p[k] = v
	}
	return Spec{
		Params:            p,
		CheckMode:         true,
		RequiredOneOf:     [][]string{{"name", "list", "update_cache"}},
		MutuallyExclusive: [][]string{{"name", "list"}},
	}
}

func init() {
	Register("dnf", dnfModuleSpec(nil), ModuleFunc(runDNF))
	// yum on a host with dnf is dnf (EL 8/9); use_backend is accepted for
	// compatibility with the yum action plugin.
	Register("yum", dnfModuleSpec(map[string]Param{
		"use_backend": {Type: "str", Default: "auto", Choices: []string{"auto", "yum", "yum4", "dnf"}},
	}), ModuleFunc(runDNF))
}

// rpmArgs reads validated module arguments tolerantly.
type rpmArgs map[string]any

func (a rpmArgs) str(k string) string {
	switch v := a[k].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (a rpmArgs) has(k string) bool { v, ok := a[k]; return ok && v != nil }

func (a rpmArgs) boolean(k string, def bool) bool {
	switch v := a[k].(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(v) {
		case "yes", "true", "on", "1", "y", "t":
			return true
		case "no", "false", "off", "0", "n", "f", "":
			return false
		}
	case int:
		return v != 0
	}
	return def
}

func (a rpmArgs) integer(k string, def int) int {
	switch v := a[k].(type) {
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

// list returns a list argument; a string is split on commas as Ansible
// does for list parameters.
func (a rpmArgs) list(k string) []string {
	var out []string
	switch v := a[k].(type) {
	case nil:
	case string:
		if v != "" {
			for _, s := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(s))
			}
		}
	case []string:
		out = append(out, v...)
	case []any:
		for _, e := range v {
			if e != nil {
				out = append(out, fmt.Sprint(e))
			}
		}
	default:
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// dnfListify splits comma-separated elements of a list, as yumdnf's
// listify_comma_sep_strings_in_list does (split elements go to the end).
func dnfListify(in []string) []string {
	var keep, split []string
	for _, e := range in {
		if strings.Contains(e, ",") {
			for _, s := range strings.Split(e, ",") {
				split = append(split, strings.TrimSpace(s))
			}
		} else {
			keep = append(keep, e)
		}
	}
	out := append(keep, split...)
	if len(out) == 1 && out[0] == "" {
		return nil
	}
	return out
}

// dnfOptions are the dnf/yum arguments after the module's own checks.
type dnfOptions struct {
	Names                                         []string
	State, List                                   string
	EnableRepo, DisableRepo, Exclude              []string
	DisablePlugin, EnablePlugin                   []string
	UpdateCache, DisableGPGCheck, InstallWeakDeps bool
	Security, Bugfix, Autoremove, AllowErasing    bool
	Nobest, AllowDowngrade, SkipBroken            bool
	UpdateOnly, CacheOnly, DownloadOnly           bool
	SSLVerify                                     bool
	ConfFile, DisableExcludes, DownloadDir        string
	InstallRoot, Releasever                       string
	LockTimeout                                   int
}

// parseDNFArgs turns module arguments into dnfOptions with the checks the
// yumdnf base class makes.
func parseDNFArgs(args map[string]any) (*dnfOptions, error) {
	a := rpmArgs(args)
	o := &dnfOptions{
		State:           a.str("state"),
		List:            a.str("list"),
		UpdateCache:     a.boolean("update_cache", false),
		DisableGPGCheck: a.boolean("disable_gpg_check", false),
		InstallWeakDeps: a.boolean("install_weak_deps", true),
		Security:        a.boolean("security", false),
		Bugfix:          a.boolean("bugfix", false),
		Autoremove:      a.boolean("autoremove", false),
		AllowErasing:    a.boolean("allowerasing", false),
		Nobest:          a.boolean("nobest", false),
		AllowDowngrade:  a.boolean("allow_downgrade", false),
		SkipBroken:      a.boolean("skip_broken", false),
		UpdateOnly:      a.boolean("update_only", false),
		CacheOnly:       a.boolean("cacheonly", false),
		DownloadOnly:    a.boolean("download_only", false),
		SSLVerify:       a.boolean("sslverify", true),
		ConfFile:        a.str("conf_file"),
		DisableExcludes: a.str("disable_excludes"),
		DownloadDir:     a.str("download_dir"),
		InstallRoot:     a.str("installroot"),
		Releasever:      a.str("releasever"),
		LockTimeout:     a.integer("lock_timeout", 30),
		DisablePlugin:   a.list("disable_plugin"),
		EnablePlugin:    a.list("enable_plugin"),
	}
	if o.InstallRoot == "" {
		o.InstallRoot = "/"
	}
	var names []string
	for _, n := range a.list("name") {
		names = append(names, strings.TrimSpace(n))
	}
	o.Names = dnfListify(names)
	o.EnableRepo = dnfListify(a.list("enablerepo"))
	o.DisableRepo = dnfListify(a.list("disablerepo"))
	o.Exclude = dnfListify(a.list("exclude"))
	for _, n := range o.Names {
		if strings.Contains(n, " ") && !strings.ContainsAny(n, "@><=") {
			return nil, fmt.Errorf("It appears that a space separated string of packages was passed in " +
				"as an argument. To operate on several packages, pass a comma separated " +
				"string of packages or a list of packages.")
		}
	}
	if o.State == "" {
		if o.Autoremove {
			o.State = "absent"
		} else {
			o.State = "present"
		}
	}
	switch o.State {
	case "installed":
		o.State = "present"
	case "removed":
		o.State = "absent"
	case "present", "absent", "latest":
	default:
		return nil, fmt.Errorf("value of state must be one of: absent, installed, latest, present, removed, got: %s", o.State)
	}
	if o.Autoremove && o.State != "absent" {
		return nil, fmt.Errorf("Autoremove should be used alone or with state=absent")
	}
	if o.List != "" && len(o.Names) > 0 {
		return nil, fmt.Errorf("parameters are mutually exclusive: name|list")
	}
	return o, nil
}

// rpmPkg is one package as rpm knows it.
type rpmPkg struct {
	Name, Epoch, Version, Release, Arch string
}

// String formats p as dnf does: name-[epoch:]version-release.arch, the
// epoch shown only when it is not 0.
func (p rpmPkg) String() string {
	evr := p.Version + "-" + p.Release
	if p.Epoch != "" && p.Epoch != "0" {
		evr = p.Epoch + ":" + evr
	}
	return p.Name + "-" + evr + "." + p.Arch
}

// rpmQueryFormat is the --qf used for every rpm query: one package a line.
const rpmQueryFormat = `%{NAME}|%{EPOCHNUM}|%{VERSION}|%{RELEASE}|%{ARCH}\n`

// parseRPMQuery reads lines written with rpmQueryFormat (an optional
// prefix ending in a tab is skipped). Other lines are ignored.
func parseRPMQuery(out string) []rpmPkg {
	var pkgs []rpmPkg
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 5 || f[0] == "" || strings.Contains(f[0], " ") {
			continue
		}
		pkgs = append(pkgs, rpmPkg{Name: f[0], Epoch: f[1], Version: f[2], Release: f[3], Arch: f[4]})
	}
	return pkgs
}

// rpmArches are the architectures dnf's module recognises as a suffix.
var rpmArches = map[string]bool{}

func init() {
	for _, a := range strings.Fields(`aarch64 alphaev56 alphaev5 alphaev67 alphaev6 alpha alphapca56 amd64
		armv3l armv4b armv4l armv5tejl armv5tel armv5tl armv6hl armv6l armv7hl armv7hnl armv7l athlon
		geode i386 i486 i586 i686 ia32e ia64 m68k mips64el mips64 mips64r6el mips64r6 mipsel mips
		mipsr6el mipsr6 noarch pentium3 pentium4 ppc32dy4 ppc64iseries ppc64le ppc64 ppc64p7
		ppc64pseries ppc8260 ppc8560 ppciseries ppc ppcpseries riscv64 s390 s390x sh3 sh4a sh4 sh
		sparc64 sparc64v sparc sparcv8 sparcv9 sparcv9v x86_64`) {
		rpmArches[a] = true
	}
}

// dnfSplitArch splits a known ".arch" suffix off a spec.
func dnfSplitArch(spec string) (name, arch string) {
	i := strings.LastIndex(spec, ".")
	if i > 0 && rpmArches[spec[i+1:]] {
		return spec[:i], spec[i+1:]
	}
	return spec, ""
}

var rpmNEVRRe = regexp.MustCompile(`^(\S+)-(?:(\d*):)?(.*)-(~?\w+[\w.+]*)`)

// dnfParseNEVR reads a spec as name-[epoch:]version-release[.arch] the way
// ansible's dnf module does (_packagename_dict); ok is false when the spec
// is not of that form.
func dnfParseNEVR(spec string) (p rpmPkg, ok bool) {
	spec = strings.TrimSuffix(spec, ".rpm")
	nevr, arch := dnfSplitArch(spec)
	m := rpmNEVRRe.FindStringSubmatch(nevr)
	if m == nil {
		return p, false
	}
	name, epoch, version, release := m[1], m[2], m[3], m[4]
	if version == "" || !rpmIsDigits(strings.SplitN(version, ".", 2)[0]) {
		return p, false
	}
	if epoch == "" {
		epoch = "0"
	}
	if strings.Contains(name, ":") {
		parts := strings.Split(name, ":")
		epoch, name = parts[0], strings.Join(parts[1:], "")
	}
	return rpmPkg{Name: name, Epoch: epoch, Version: version, Release: release, Arch: arch}, true
}

func rpmIsDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// rpmVerCmp compares two version (or release) strings as rpm's
// rpmvercmp does: -1, 0 or 1.
func rpmVerCmp(a, b string) int {
	if a == b {
		return 0
	}
	isAlnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		// tilde sorts before everything, even the end of the string
		if i < len(a) && a[i] == '~' || j < len(b) && b[j] == '~' {
			if i >= len(a) || a[i] != '~' {
				return 1
			}
			if j >= len(b) || b[j] != '~' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		// caret sorts after the end of the string but before anything else
		if i < len(a) && a[i] == '^' || j < len(b) && b[j] == '^' {
			if i >= len(a) {
				return -1
			}
			if j >= len(b) {
				return 1
			}
			if a[i] != '^' {
				return 1
			}
			if b[j] != '^' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		numeric := isDigit(a[i])
		if numeric {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlnum(a[i]) && !isDigit(a[i]) {
				i++
			}
			for j < len(b) && isAlnum(b[j]) && !isDigit(b[j]) {
				j++
			}
		}
		x, y := a[si:i], b[sj:j]
		if y == "" {
			// segments of different types: numeric is newer
			if numeric {
				return 1
			}
			return -1
		}
		if numeric {
			x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
			if len(x) != len(y) {
				if len(x) > len(y) {
					return 1
				}
				return -1
			}
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	default:
		return 1
	}
}

// rpmEVRCmp compares epoch, version and release.
func rpmEVRCmp(a, b rpmPkg) int {
	ea, eb := a.Epoch, b.Epoch
	if ea == "" {
		ea = "0"
	}
	if eb == "" {
		eb = "0"
	}
	na, _ := strconv.Atoi(ea)
	nb, _ := strconv.Atoi(eb)
	if na != nb {
		if na > nb {
			return 1
		}
		return -1
	}
	if c := rpmVerCmp(a.Version, b.Version); c != 0 {
		return c
	}
	return rpmVerCmp(a.Release, b.Release)
}

// dnfSpecs sorts the names of a task the way ansible's dnf module does.
type dnfSpecs struct {
	Pkgs   []string // package specs: names, NEVRAs, provides, globs, paths
	Groups []string // "@group", "@module:stream" (kept with the @)
	Files  []string // local .rpm files
	URLs   []string // remote .rpm files
}

func classifyDNFNames(names []string) dnfSpecs {
	var s dnfSpecs
	for _, n := range names {
		switch {
		case strings.Contains(n, "://"):
			s.URLs = append(s.URLs, n)
		case strings.HasSuffix(n, ".rpm"):
			s.Files = append(s.Files, n)
		case strings.HasPrefix(n, "/"):
			s.Pkgs = append(s.Pkgs, n)
		case strings.HasPrefix(n, "@") || strings.Contains(n, "/"):
			s.Groups = append(s.Groups, "@"+strings.TrimSpace(strings.TrimPrefix(n, "@")))
		default:
			s.Pkgs = append(s.Pkgs, n)
		}
	}
	return s
}

// dnfPlan is what one task will ask of dnf.
type dnfPlan struct {
	Install    []string // specs for dnf install
	Upgrade    []string // specs for dnf upgrade (installed packages, state latest)
	Remove     []string // specs for dnf remove
	UpgradeAll bool     // dnf upgrade without names (name '*', state latest)
	Autoremove bool     // dnf autoremove without names
	Results    []string // messages known before dnf runs
	Fail       string   // a failure found before any transaction
}

// Empty reports whether the plan asks nothing of dnf.
func (p dnfPlan) Empty() bool {
	return len(p.Install) == 0 && len(p.Upgrade) == 0 && len(p.Remove) == 0 && !p.UpgradeAll && !p.Autoremove
}

// dnfInstalledMatch reports whether an installed package matches spec as
// ansible's _is_installed does: by name (and arch), or by full NEVR.
func dnfInstalledMatch(installed []rpmPkg, spec string) bool {
	name, arch := dnfSplitArch(spec)
	want, nevr := dnfParseNEVR(spec)
	for _, p := range installed {
		if arch != "" && p.Arch != arch {
			continue
		}
		if nevr {
			if p.Name == want.Name && p.Version == want.Version && p.Release == want.Release && p.Epoch == want.Epoch {
				return true
			}
			continue
		}
		if p.Name == name {
			return true
		}
	}
	return false
}

// dnfNewerInstalled reports whether spec is a NEVR and a newer version of
// its name is installed (ansible's _is_newer_version_installed).
func dnfNewerInstalled(installed []rpmPkg, spec string) bool {
	want, ok := dnfParseNEVR(spec)
	if !ok {
		return false
	}
	for _, p := range installed {
		if p.Name == want.Name {
			return rpmEVRCmp(p, want) > 0
		}
	}
	return false
}

// planDNF decides what dnf must do for o, given the installed packages
// and the packages in the task's local .rpm files (by file name).
func planDNF(o *dnfOptions, installed []rpmPkg, files map[string]rpmPkg) dnfPlan {
	var plan dnfPlan
	specs := classifyDNFNames(o.Names)
	if o.State == "latest" && len(o.Names) == 1 && o.Names[0] == "*" {
		plan.UpgradeAll = true
		return plan
	}
	if o.State == "absent" {
		if len(specs.Files) > 0 || len(specs.URLs) > 0 {
			plan.Fail = "Cannot remove paths -- please specify package name."
			return plan
		}
		if len(o.Names) == 0 && o.Autoremove {
			plan.Autoremove = true
			return plan
		}
		plan.Remove = append(plan.Remove, specs.Groups...)
		for _, s := range specs.Pkgs {
			if dnfIsPlainSpec(s) && !strings.Contains(s, "*") && !dnfInstalledAny(installed, s) {
				continue // nothing installed by that name or version
			}
			plan.Remove = append(plan.Remove, s)
		}
		return plan
	}
	// present and latest: local and remote files first, as ansible does.
	for _, f := range specs.Files {
		p, ok := files[f]
		if ok && (dnfNewerInstalled(installed, p.String()) && !o.AllowDowngrade || dnfInstalledMatch(installed, p.String())) {
			plan.Results = append(plan.Results, "Installed "+f)
			continue
		}
		if !o.UpdateOnly || ok && dnfInstalledAny(installed, p.Name) {
			plan.Install = append(plan.Install, f)
		}
		plan.Results = append(plan.Results, "Installed "+f)
	}
	for _, u := range specs.URLs {
		plan.Install = append(plan.Install, u)
		plan.Results = append(plan.Results, "Installed "+u)
	}
	plan.Install = append(plan.Install, specs.Groups...)
	for _, g := range specs.Groups {
		if !strings.Contains(g, ":") { // a group; "@name:stream" is a module
			plan.Results = append(plan.Results, fmt.Sprintf("Group %s installed.", strings.TrimPrefix(g, "@")))
		}
	}
	for _, s := range specs.Pkgs {
		isInst := dnfInstalledMatch(installed, s)
		if o.UpdateOnly {
			if isInst || dnfInstalledAny(installed, s) {
				plan.Upgrade = append(plan.Upgrade, s)
			} else {
				plan.Results = append(plan.Results, fmt.Sprintf("Packages providing %s not installed due to update_only specified", s))
			}
			continue
		}
		if dnfNewerInstalled(installed, s) && !o.AllowDowngrade {
			continue // ansible's case 4: a newer version is installed
		}
		switch {
		case isInst && o.State == "latest":
			plan.Upgrade = append(plan.Upgrade, s)
		case isInst:
			// already installed
		default:
			plan.Install = append(plan.Install, s)
		}
	}
	return plan
}

// dnfInstalledAny reports whether spec names an installed package by name,
// name-version, name-version-release, with or without arch and epoch.
func dnfInstalledAny(installed []rpmPkg, spec string) bool {
	name, arch := dnfSplitArch(spec)
	for _, p := range installed {
		if arch != "" && p.Arch != arch {
			continue
		}
		vr := p.Version + "-" + p.Release
		evr := p.Epoch + ":" + vr
		switch name {
		case p.Name, p.Name + "-" + p.Version, p.Name + "-" + vr, p.Name + "-" + evr, p.Epoch + ":" + p.Name + "-" + vr:
			return true
		}
	}
	return false
}

// dnfIsPlainSpec reports whether spec is a name or NEVRA (no provides,
// paths, operators or globs), so that the rpm database answers for it.
func dnfIsPlainSpec(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+-:~^", r)) {
			return false
		}
	}
	return true
}

// dnfFlags are the global options for one dnf invocation.
func dnfFlags(o *dnfOptions, removing bool) []string {
	f := []string{"--setopt=exit_on_lock=True", "--setopt=debuglevel=2"}
	if o.ConfFile != "" {
		f = append(f, "--config="+o.ConfFile)
	}
	if o.InstallRoot != "" && o.InstallRoot != "/" {
		f = append(f, "--installroot="+o.InstallRoot)
	}
	if o.Releasever != "" {
		f = append(f, "--releasever="+o.Releasever)
	}
	for _, r := range o.DisableRepo {
		if r != "" {
			f = append(f, "--disablerepo="+r)
		}
	}
	for _, r := range o.EnableRepo {
		if r != "" {
			f = append(f, "--enablerepo="+r)
		}
	}
	for _, p := range o.DisablePlugin {
		f = append(f, "--disableplugin="+p)
	}
	for _, p := range o.EnablePlugin {
		f = append(f, "--enableplugin="+p)
	}
	for _, e := range o.Exclude {
		if e != "" {
			f = append(f, "--exclude="+e)
		}
	}
	if o.DisableExcludes != "" {
		f = append(f, "--disableexcludes="+o.DisableExcludes)
	}
	if o.DisableGPGCheck {
		f = append(f, "--nogpgcheck")
	} else {
		f = append(f, "--setopt=gpgcheck=True", "--setopt=localpkg_gpgcheck=True")
	}
	f = append(f, "--setopt=install_weak_deps="+dnfPyBool(o.InstallWeakDeps))
	f = append(f, "--setopt=clean_requirements_on_remove="+dnfPyBool(o.Autoremove))
	if !o.SSLVerify {
		f = append(f, "--setopt=sslverify=False")
	}
	if o.UpdateCache {
		f = append(f, "--refresh")
	}
	if o.CacheOnly {
		f = append(f, "--cacheonly")
	}
	if o.Security {
		f = append(f, "--security")
	}
	if o.Bugfix {
		f = append(f, "--bugfix")
	}
	if o.AllowErasing || removing {
		f = append(f, "--allowerasing")
	}
	if o.Nobest {
		f = append(f, "--nobest")
	}
	if o.SkipBroken {
		f = append(f, "--skip-broken")
	}
	if o.DownloadOnly {
		f = append(f, "--downloadonly")
		if o.DownloadDir != "" {
			f = append(f, "--downloaddir="+o.DownloadDir)
		}
	}
	return f
}

func dnfPyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func dnfQuoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = connection.Quote(w)
	}
	return strings.Join(q, " ")
}

// needsShell reports whether the plan mixes operations, which only dnf
// shell runs in one transaction.
func (p dnfPlan) needsShell() bool {
	if p.UpgradeAll || p.Autoremove {
		return false
	}
	ops := 0
	for _, l := range [][]string{p.Install, p.Upgrade, p.Remove} {
		if len(l) > 0 {
			ops++
		}
	}
	return ops > 1
}

// dnfInvocation is one dnf command line and its standard input (for
// dnf shell, used when one transaction must both install and upgrade).
type dnfInvocation struct {
	Cmd, Stdin string
}

// dnfCommand builds the one transaction of plan; preview makes it
// --assumeno (resolve, print, change nothing).
func dnfCommand(tool string, o *dnfOptions, plan dnfPlan, preview bool) dnfInvocation {
	yes := "-y"
	if preview {
		yes = "--assumeno"
	}
	head := "LC_ALL=C " + tool + " " + yes + " " + dnfQuoteAll(dnfFlags(o, len(plan.Remove) > 0 || plan.Autoremove))
	switch {
	case plan.UpgradeAll:
		return dnfInvocation{Cmd: head + " upgrade"}
	case plan.Autoremove:
		return dnfInvocation{Cmd: head + " autoremove"}
	case plan.needsShell():
		// dnf shell runs several operations in one transaction; its
		// script is read with shlex, so quoting is the shell's.
		var b strings.Builder
		for _, op := range []struct {
			verb  string
			specs []string
		}{{"install", plan.Install}, {"upgrade", plan.Upgrade}, {"remove", plan.Remove}} {
			if len(op.specs) > 0 {
				b.WriteString(op.verb + " " + dnfQuoteAll(op.specs) + "\n")
			}
		}
		b.WriteString("run\nexit\n")
		return dnfInvocation{Cmd: head + " shell", Stdin: b.String()}
	case len(plan.Install) > 0:
		return dnfInvocation{Cmd: head + " install -- " + dnfQuoteAll(plan.Install)}
	case len(plan.Upgrade) > 0:
		return dnfInvocation{Cmd: head + " upgrade -- " + dnfQuoteAll(plan.Upgrade)}
	default:
		return dnfInvocation{Cmd: head + " remove -- " + dnfQuoteAll(plan.Remove)}
	}
}

// dnfTxn is a transaction as dnf printed it in its table.
type dnfTxn struct {
	Install  []rpmPkg // installed, upgraded to, downgraded to, reinstalled
	Upgrades []rpmPkg // those of Install that replace an installed version
	Remove   []rpmPkg // removed or replaced (obsoleted)
	Other    []string // groups, environments and module streams touched
	NoMatch  []string // "No match for argument: X"
}

// Empty reports whether the transaction changes no package. Groups and
// module streams marked without any package to install or remove are not
// a change (ansible's dnf reports "Nothing to do" for them).
func (t dnfTxn) Empty() bool { return len(t.Install) == 0 && len(t.Remove) == 0 }

// parseDNFTable reads the transaction table dnf prints before it asks
// for confirmation (the same with -y and --assumeno).
func parseDNFTable(out string) dnfTxn {
	var t dnfTxn
	section := ""
	var cur []string
	flush := func() {
		if len(cur) == 0 {
			return
		}
		toks := cur
		cur = nil
		sec := strings.ToLower(section)
		if !strings.Contains(sec, "packages") && (strings.Contains(sec, "group") || strings.Contains(sec, "module") || strings.Contains(sec, "environment")) {
			t.Other = append(t.Other, strings.TrimSuffix(section, ":")+" "+toks[0])
			return
		}
		if len(toks) < 3 {
			return
		}
		p := rpmPkg{Name: toks[0], Arch: toks[1], Epoch: "0"}
		evr := toks[2]
		if i := strings.Index(evr, ":"); i >= 0 {
			p.Epoch, evr = evr[:i], evr[i+1:]
		}
		if i := strings.LastIndex(evr, "-"); i >= 0 {
			p.Version, p.Release = evr[:i], evr[i+1:]
		} else {
			p.Version = evr
		}
		switch {
		case strings.HasPrefix(sec, "removing"):
			t.Remove = append(t.Remove, p)
		case strings.HasPrefix(sec, "upgrading"), strings.HasPrefix(sec, "downgrading"):
			t.Install = append(t.Install, p)
			t.Upgrades = append(t.Upgrades, p)
		case strings.HasPrefix(sec, "installing"), strings.HasPrefix(sec, "reinstalling"), strings.HasPrefix(sec, "obsoleting"):
			t.Install = append(t.Install, p)
		}
	}
	inTable := false
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		for strings.HasPrefix(line, "> ") {
			line = line[2:] // dnf shell prompts
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "No match for argument:"); ok {
			t.NoMatch = append(t.NoMatch, strings.TrimSpace(rest))
			continue
		}
		if strings.HasPrefix(line, " Package ") && strings.Contains(line, "Arch") {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		if strings.HasPrefix(line, "Transaction Summary") || strings.HasPrefix(line, "Skipping packages") {
			flush()
			inTable = false
			section = ""
			continue
		}
		if strings.HasPrefix(line, "=") || strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && strings.HasSuffix(strings.TrimSpace(line), ":") {
			flush()
			section = strings.TrimSpace(line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || section == "" {
			continue
		}
		if fields[0] == "replacing" {
			flush()
			if len(fields) >= 3 {
				na, evr := fields[1], fields[2]
				name, arch := dnfSplitArch(na)
				p := rpmPkg{Name: name, Arch: arch, Epoch: "0"}
				if i := strings.Index(evr, ":"); i >= 0 {
					p.Epoch, evr = evr[:i], evr[i+1:]
				}
				if i := strings.LastIndex(evr, "-"); i >= 0 {
					p.Version, p.Release = evr[:i], evr[i+1:]
				}
				t.Remove = append(t.Remove, p)
			}
			continue
		}
		if len(line) > 1 && line[0] == ' ' && line[1] != ' ' {
			flush() // a new entry starts with one space
		}
		cur = append(cur, fields...)
	}
	flush()
	return t
}

// dnfTxnResults renders a previewed transaction as ansible's results: the
// packages installed, then those removed (the old versions of upgraded
// packages included), each group sorted.
func dnfTxnResults(t dnfTxn, installed []rpmPkg, action string) []string {
	var ins, rem []string
	for _, p := range t.Install {
		ins = append(ins, action+": "+p.String())
	}
	seen := map[string]bool{}
	for _, p := range t.Remove {
		if !seen[p.String()] {
			seen[p.String()] = true
			rem = append(rem, "Removed: "+p.String())
		}
	}
	for _, u := range t.Upgrades {
		for _, p := range installed {
			if p.Name == u.Name && (p.Arch == u.Arch || p.Arch == "noarch" || u.Arch == "noarch") && !seen[p.String()] {
				seen[p.String()] = true
				rem = append(rem, "Removed: "+p.String())
			}
		}
	}
	sort.Strings(ins)
	sort.Strings(rem)
	return append(ins, rem...)
}

// dnfDiffInstalled compares the package lists before and after a
// transaction.
func dnfDiffInstalled(before, after []rpmPkg) (added, removed []string) {
	b, a := map[string]bool{}, map[string]bool{}
	for _, p := range before {
		b[p.String()] = true
	}
	for _, p := range after {
		a[p.String()] = true
	}
	for k := range a {
		if !b[k] {
			added = append(added, "Installed: "+k)
		}
	}
	for k := range b {
		if !a[k] {
			removed = append(removed, "Removed: "+k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

// dnfExec runs one dnf invocation, waiting up to lockTimeout seconds
// while another process holds dnf's lock (exit 200).
func dnfExec(ctx context.Context, t *Task, inv dnfInvocation, lockTimeout int) (*connection.Result, bool, error) {
	deadline := time.Now().Add(time.Duration(lockTimeout) * time.Second)
	for {
		var res *connection.Result
		var err error
		if inv.Stdin != "" {
			res, err = t.ExecStdin(ctx, inv.Cmd, inv.Stdin)
		} else {
			res, err = t.Exec(ctx, inv.Cmd)
		}
		if err != nil {
			return nil, false, err
		}
		if res.ExitCode != 200 || !strings.Contains(string(res.Stdout)+string(res.Stderr), "already locked") {
			return res, false, nil
		}
		if !time.Now().Before(deadline) {
			return res, true, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// rpmQueryAll is the shell command that finds the package tool and lists
// the installed packages.
func rpmQueryAll(root string) string {
	r := ""
	if root != "" && root != "/" {
		r = " --root " + connection.Quote(root)
	}
	return `for t in dnf yum; do if command -v "$t" >/dev/null 2>&1; then echo "tool=$t"; break; fi; done; ` +
		"LC_ALL=C rpm" + r + " -qa --qf " + connection.Quote(rpmQueryFormat)
}

func toolFromQuery(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "tool="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func dnfFail(msg string) Result {
	return Result{"failed": true, "changed": false, "msg": msg, "results": []string{}, "rc": 1}
}

func dnfOutputOf(res *connection.Result) string {
	return strings.TrimSpace(strings.TrimSpace(string(res.Stdout)) + "\n" + strings.TrimSpace(string(res.Stderr)))
}

// dnfErrorText picks dnf's own error lines from its output.
func dnfErrorText(res *connection.Result) string {
	var lines []string
	for _, l := range strings.Split(string(res.Stderr), "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "Last metadata expiration") {
			lines = append(lines, strings.TrimRight(l, " "))
		}
	}
	if len(lines) == 0 {
		return dnfOutputOf(res)
	}
	return strings.Join(lines, "\n")
}

func runDNF(ctx context.Context, t *Task) (Result, error) {
	o, err := parseDNFArgs(t.Args)
	if err != nil {
		return dnfFail(err.Error()), nil
	}
	q, err := t.Exec(ctx, rpmQueryAll(o.InstallRoot))
	if err != nil {
		return nil, fmt.Errorf("dnf: query installed packages: %w", err)
	}
	tool := toolFromQuery(string(q.Stdout))
	if tool == "" {
		return dnfFail("Could not find dnf or yum on the host: this module needs an RPM-based host with dnf."), nil
	}
	if q.ExitCode != 0 {
		return dnfFail("rpm -qa failed: " + dnfOutputOf(q)), nil
	}
	installed := parseRPMQuery(string(q.Stdout))

	if o.UpdateCache && len(o.Names) == 0 && o.List == "" && !o.Autoremove {
		inv := dnfInvocation{Cmd: "LC_ALL=C " + tool + " -y " + dnfQuoteAll(dnfFlags(o, false)) + " makecache"}
		res, locked, err := dnfExec(ctx, t, inv, o.LockTimeout)
		if err != nil {
			return nil, fmt.Errorf("dnf: makecache: %w", err)
		}
		if locked {
			return dnfLockedFail(tool, res), nil
		}
		if res.ExitCode != 0 {
			r := dnfFail(dnfErrorText(res))
			r["rc"] = res.ExitCode
			return r, nil
		}
		return Result{"changed": false, "msg": "Cache updated", "results": []string{}, "rc": 0}, nil
	}
	if o.List != "" {
		return dnfList(ctx, t, tool, o)
	}

	files := map[string]rpmPkg{}
	specs := classifyDNFNames(o.Names)
	if len(specs.Files) > 0 && o.State != "absent" {
		cmd := "for f in " + dnfQuoteAll(specs.Files) + `; do printf '%s\t' "$f"; LC_ALL=C rpm -qp --nosignature --nodigest --qf ` +
			connection.Quote(rpmQueryFormat) + ` "$f" 2>&1 | head -n 1; done`
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("dnf: query rpm files: %w", err)
		}
		for _, line := range strings.Split(string(res.Stdout), "\n") {
			f, rest, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			p := parseRPMQuery(rest)
			if len(p) != 1 {
				return dnfFail(fmt.Sprintf("Error occurred attempting remote rpm install of package: %s. %s", f, strings.TrimSpace(rest))), nil
			}
			files[f] = p[0]
		}
	}

	plan := planDNF(o, installed, files)
	if plan.Fail != "" {
		return dnfFail(plan.Fail), nil
	}
	results := append([]string{}, plan.Results...)
	if plan.Empty() {
		return Result{"changed": false, "msg": "Nothing to do", "results": results, "rc": 0}, nil
	}

	// Resolve first: dnf prints the transaction and changes nothing.
	pre, locked, err := dnfExec(ctx, t, dnfCommand(tool, o, plan, true), o.LockTimeout)
	if err != nil {
		return nil, fmt.Errorf("dnf: resolve: %w", err)
	}
	if locked {
		return dnfLockedFail(tool, pre), nil
	}
	txn := parseDNFTable(string(pre.Stdout))
	preErr := string(pre.Stderr)
	if len(txn.NoMatch) == 0 {
		txn.NoMatch = parseDNFTable(preErr).NoMatch
	}
	aborted := strings.Contains(preErr, "Operation aborted")
	if o.State == "absent" {
		for _, n := range txn.NoMatch {
			if strings.Contains(n, "*") {
				results = append(results, n+" is not installed")
			}
		}
	} else if len(txn.NoMatch) > 0 {
		var failures []string
		for _, n := range txn.NoMatch {
			failures = append(failures, fmt.Sprintf("No package %s available.", n))
		}
		return Result{"failed": true, "changed": false, "msg": "Failed to install some of the specified packages",
			"failures": failures, "results": []string{}, "rc": 1}, nil
	}
	// dnf shell exits 0 after an error; its "Error:" lines tell.
	shellErr := plan.needsShell() && strings.Contains(preErr, "Error:") && !aborted
	if (pre.ExitCode != 0 || shellErr) && !aborted {
		msg := dnfErrorText(pre)
		if strings.Contains(msg, "Problem") || strings.Contains(msg, "conflict") {
			msg = "Depsolve Error occurred: " + msg
		} else {
			msg = "Unknown Error occurred: " + msg
		}
		return Result{"failed": true, "changed": false, "msg": msg, "failures": []string{dnfErrorText(pre)}, "results": []string{}, "rc": 1}, nil
	}
	action := "Installed"
	if o.DownloadOnly {
		action = "Downloaded"
	}
	if txn.Empty() {
		return Result{"changed": false, "msg": "Nothing to do", "results": results, "rc": 0}, nil
	}
	predicted := dnfTxnResults(txn, installed, action)
	if t.Check {
		r := Result{"changed": true, "msg": "Check mode: No changes made, but would have if not in check mode",
			"results": append(results, predicted...), "rc": 0}
		dnfDiff(t, r, predicted, txn)
		return r, nil
	}

	res, locked, err := dnfExec(ctx, t, dnfCommand(tool, o, plan, false), o.LockTimeout)
	if err != nil {
		return nil, fmt.Errorf("dnf: transaction: %w", err)
	}
	if locked {
		return dnfLockedFail(tool, res), nil
	}
	// What really changed comes from the rpm database, so that a
	// transaction that failed half-way is reported as it is.
	q2, err := t.Exec(ctx, rpmQueryAll(o.InstallRoot))
	if err != nil {
		return nil, fmt.Errorf("dnf: query installed packages: %w", err)
	}
	after := parseRPMQuery(string(q2.Stdout))
	added, removed := dnfDiffInstalled(installed, after)
	changed := len(added)+len(removed) > 0
	var done []string
	if changed {
		done = append(added, removed...)
	} else if !txn.Empty() && res.ExitCode == 0 {
		// reinstalls, downloads, groups and modules leave no trace in
		// the package list; report what dnf did.
		done = predicted
		changed = true
	}
	results = append(results, done...)
	failedTxn := res.ExitCode != 0 || strings.Contains(string(res.Stdout), "\nFailed:")
	if plan.needsShell() {
		// dnf shell exits 0 even when its transaction failed.
		failedTxn = failedTxn || !strings.Contains(string(res.Stdout), "Complete!")
	}
	if failedTxn {
		return Result{"failed": true, "changed": changed, "msg": "Failed to install some of the specified packages",
			"failures": []string{dnfErrorText(res)}, "results": results, "rc": 1}, nil
	}
	r := Result{"changed": changed, "msg": "", "results": results, "rc": 0}
	if changed {
		dnfDiff(t, r, done, txn)
	}
	return r, nil
}

func dnfLockedFail(tool string, res *connection.Result) Result {
	return Result{"failed": true, "changed": false, "msg": tool + " lockfile is held by another process",
		"stderr": dnfErrorText(res), "results": []string{}, "rc": 1}
}

// dnfDiff adds the prepared --diff output: the packages the transaction
// installs and removes, and the groups and modules it touches.
func dnfDiff(t *Task, r Result, lines []string, txn dnfTxn) {
	if !t.Diff {
		return
	}
	all := append(append([]string{}, lines...), txn.Other...)
	if len(all) == 0 {
		return
	}
	r["diff"] = Diff{Prepared: strings.Join(all, "\n") + "\n"}
}

// dnfListFormat is the repoquery format for the list option.
const dnfListFormat = `%{name}|%{epoch}|%{version}|%{release}|%{arch}|%{repoid}|%{installtime}`

// parseDNFList reads repoquery lines written with dnfListFormat into
// ansible's package dictionaries.
func parseDNFList(out string) []map[string]any {
	results := []map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 7 {
			continue
		}
		d := map[string]any{"name": f[0], "epoch": f[1], "version": f[2], "release": f[3], "arch": f[4], "repo": f[5]}
		envra := fmt.Sprintf("%s:%s-%s-%s.%s", f[1], f[0], f[2], f[3], f[4])
		d["envra"], d["nevra"] = envra, envra
		if f[6] == "" || f[6] == "0" || f[6] == "(none)" {
			d["yumstate"] = "available"
		} else {
			d["yumstate"] = "installed"
		}
		results = append(results, d)
	}
	return results
}

// dnfListCommand builds the query for the list option.
func dnfListCommand(tool string, o *dnfOptions) string {
	head := "LC_ALL=C " + tool + " -q " + dnfQuoteAll(dnfFlags(o, false))
	switch o.List {
	case "repos", "repositories":
		return head + " repolist --enabled"
	case "installed":
		return head + " repoquery --installed --qf " + connection.Quote(dnfListFormat)
	case "updates", "upgrades":
		return head + " repoquery --upgrades --qf " + connection.Quote(dnfListFormat)
	case "available":
		return head + " repoquery --available --qf " + connection.Quote(dnfListFormat)
	default:
		return head + " repoquery --qf " + connection.Quote(dnfListFormat) + " -- " + connection.Quote(o.List)
	}
}

func dnfList(ctx context.Context, t *Task, tool string, o *dnfOptions) (Result, error) {
	res, locked, err := dnfExec(ctx, t, dnfInvocation{Cmd: dnfListCommand(tool, o)}, o.LockTimeout)
	if err != nil {
		return nil, fmt.Errorf("dnf: list: %w", err)
	}
	if locked {
		return dnfLockedFail(tool, res), nil
	}
	if res.ExitCode != 0 {
		r := dnfFail(dnfErrorText(res))
		r["rc"] = res.ExitCode
		return r, nil
	}
	if o.List == "repos" || o.List == "repositories" {
		repos := []map[string]any{}
		for i, line := range strings.Split(string(res.Stdout), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || i == 0 && f[0] == "repo" {
				continue
			}
			repos = append(repos, map[string]any{"repoid": f[0], "state": "enabled"})
		}
		return Result{"changed": false, "msg": "", "results": repos}, nil
	}
	return Result{"changed": false, "msg": "", "results": parseDNFList(string(res.Stdout))}, nil
}
