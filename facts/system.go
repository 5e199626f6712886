package facts

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func atoiOr(s string, def int) int {
	if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return v
	}
	return def
}

// platformFacts is PlatformFactCollector (system/platform.py) without
// python_version, which comes from the host's Python (pythonFacts).
func platformFacts(h *host) map[string]any {
	u := h.uname
	f := map[string]any{
		"system":         u.System,
		"kernel":         u.Release,
		"kernel_version": u.Version,
		"machine":        u.Machine,
		"nodename":       u.Node,
		"hostname":       strings.Split(u.Node, ".")[0],
	}
	fqdn := fqdnOf(h.out.lines("fqdn"), u.Node)
	f["fqdn"] = fqdn
	if _, dom, ok := strings.Cut(fqdn, "."); ok {
		f["domain"] = dom
	} else {
		f["domain"] = ""
	}
	bits := strings.TrimSpace(h.out.firstLine("longbit"))
	if bits == "" {
		bits = "64"
	}
	f["userspace_bits"] = bits
	f["architecture"] = u.Machine
	if u.Machine == "x86_64" {
		switch bits {
		case "64":
			f["userspace_architecture"] = "x86_64"
		case "32":
			f["userspace_architecture"] = "i386"
		}
	} else if regexp.MustCompile(`i([3456]86|86pc)`).MatchString(u.Machine) {
		f["architecture"] = "i386"
		switch bits {
		case "64":
			f["userspace_architecture"] = "x86_64"
		case "32":
			f["userspace_architecture"] = "i386"
		}
	}
	for _, p := range []string{"/var/lib/dbus/machine-id", "/etc/machine-id"} {
		if c, ok := h.out.file(p); ok && strings.TrimSpace(c) != "" {
			f["machine_id"] = firstLine(strings.TrimSpace(c))
			break
		}
	}
	return f
}

// firstLine is the text of s up to its first newline.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// fqdnOf is Python's socket.getfqdn() from `getent hosts` of the host's
// first address ("ADDR NAME ALIAS..."), or `hostname -f` where there is
// no getent (macOS): the first of name and aliases with a dot, else the
// name; the node name when nothing resolves.
func fqdnOf(lines []string, node string) string {
	if len(lines) == 0 {
		return node
	}
	fields := strings.Fields(lines[0])
	if len(fields) == 1 {
		return fields[0]
	}
	names := fields[1:]
	for _, n := range names {
		if strings.Contains(n, ".") {
			return n
		}
	}
	return names[0]
}

// lsbFacts is LSBFactCollector: `lsb_release -a`, else /etc/lsb-release.
func lsbFacts(h *host) map[string]any {
	out, rc, ok := h.out.cmd("lsb_release")
	var lsb map[string]string
	if ok && rc == 0 {
		lsb = parseLSBBin(out)
	}
	if len(lsb) == 0 {
		if c, ok := h.out.file("/etc/lsb-release"); ok {
			lsb = parseLSBFile(c)
		}
	}
	f := map[string]any{}
	if r, ok := lsb["release"]; ok {
		lsb["major_release"] = strings.Split(r, ".")[0]
	}
	for k, v := range lsb {
		if v != "" {
			v = strings.Trim(v, `'"\`)
		}
		f[k] = v
	}
	return f
}

func parseLSBBin(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || !strings.Contains(line, ":") {
			continue
		}
		_, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch {
		case strings.Contains(line, "LSB Version:"):
			m["release"] = v
		case strings.Contains(line, "Distributor ID:"):
			m["id"] = v
		case strings.Contains(line, "Description:"):
			m["description"] = v
		case strings.Contains(line, "Release:"):
			m["release"] = v
		case strings.Contains(line, "Codename:"):
			m["codename"] = v
		}
	}
	return m
}

func parseLSBFile(c string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(c), "\n") {
		_, v, ok := strings.Cut(line, "=")
		if !ok {
			// Ansible raises IndexError here and the collector fails;
			// skipping the line is the useful reading.
			continue
		}
		v = strings.TrimSpace(v)
		switch {
		case strings.Contains(line, "DISTRIB_ID"):
			m["id"] = v
		case strings.Contains(line, "DISTRIB_RELEASE"):
			m["release"] = v
		case strings.Contains(line, "DISTRIB_DESCRIPTION"):
			m["description"] = v
		case strings.Contains(line, "DISTRIB_CODENAME"):
			m["codename"] = v
		}
	}
	return m
}

// selinuxFacts is SelinuxFactCollector, with libselinux's answers read
// from selinuxfs and /etc/selinux/config.
func selinuxFacts(h *host) map[string]any {
	kv := map[string]string{}
	for _, l := range h.out.lines("selinux") {
		if k, v, ok := strings.Cut(l, " "); ok {
			kv[k] = v
		}
	}
	if h.uname.System != "Linux" || kv["lib"] == "" {
		return map[string]any{"selinux": map[string]any{"status": "Missing selinux Python library"}, "selinux_python_present": false}
	}
	conf, _ := h.out.file("/etc/selinux/config")
	return map[string]any{"selinux": selinuxStatus(kv["mnt"] != "", kv["enforce"], kv["policyvers"], conf), "selinux_python_present": true}
}

// selinuxStatus builds the selinux fact from selinuxfs (mounted, the
// enforce and policyvers files) and /etc/selinux/config.
func selinuxStatus(mounted bool, enforce, policyvers, config string) map[string]any {
	if !mounted {
		return map[string]any{"status": "disabled"}
	}
	s := map[string]any{"status": "enabled"}
	if v, err := strconv.Atoi(strings.TrimSpace(policyvers)); err == nil {
		s["policyvers"] = v
	} else {
		s["policyvers"] = "unknown"
	}
	cfg := map[string]string{}
	for _, line := range strings.Split(config, "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			cfg[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	switch strings.ToLower(cfg["SELINUX"]) {
	case "enforcing", "permissive", "disabled":
		s["config_mode"] = strings.ToLower(cfg["SELINUX"])
	default:
		s["config_mode"] = "unknown"
	}
	switch strings.TrimSpace(enforce) {
	case "1":
		s["mode"] = "enforcing"
	case "0":
		s["mode"] = "permissive"
	default:
		s["mode"] = "unknown"
	}
	if t := cfg["SELINUXTYPE"]; t != "" {
		s["type"] = t
	} else {
		s["type"] = "unknown"
	}
	return s
}

// apparmorFacts is ApparmorFactCollector.
func apparmorFacts(h *host) map[string]any {
	st := "disabled"
	if h.exists["/sys/kernel/security/apparmor"] {
		st = "enabled"
	}
	return map[string]any{"apparmor": map[string]any{"status": st}}
}

// pyCandidate is one interpreter found by discovery.
type pyCandidate struct {
	name, path, version string
}

// pythonCandidates reads the "python" section: "NAME\tPATH\tPython X.Y.Z"
// lines in Ansible's INTERPRETER_PYTHON_FALLBACK order; interpreters that
// did not answer with a version are left out.
func pythonCandidates(h *host) []pyCandidate {
	var out []pyCandidate
	for _, l := range h.out.lines("python") {
		p := strings.SplitN(l, "\t", 3)
		if len(p) != 3 || !strings.HasPrefix(p[2], "Python ") {
			continue
		}
		out = append(out, pyCandidate{p[0], p[1], strings.TrimSpace(strings.TrimPrefix(p[2], "Python "))})
	}
	return out
}

// pythonDistroMap is INTERPRETER_PYTHON_DISTRO_MAP of ansible-core 2.14.
var pythonDistroMap = map[string][][2]string{
	"redhat": {{"6", "/usr/bin/python"}, {"8", "/usr/libexec/platform-python"}, {"9", "/usr/bin/python3"}},
	"debian": {{"8", "/usr/bin/python"}, {"10", "/usr/bin/python3"}},
	"fedora": {{"23", "/usr/bin/python3"}},
	"ubuntu": {{"14", "/usr/bin/python"}, {"16", "/usr/bin/python3"}},
}

// discoverPython picks the interpreter as Ansible's interpreter discovery
// (auto) does (executor/interpreter_discovery.py): the entry of the
// platform python map for the os-release ID (or its OS family) and
// VERSION_ID when the host has it, else the first interpreter found in
// the fallback list.
func discoverPython(cands []pyCandidate, osID, osVersion string) (pyCandidate, bool) {
	if len(cands) == 0 {
		return pyCandidate{}, false
	}
	id := strings.ToLower(strings.TrimSpace(osID))
	if id == "" || osVersion == "" {
		return cands[0], true
	}
	entries, ok := pythonDistroMap[id]
	if !ok {
		for name, fam := range osFamily {
			if strings.ToLower(name) == id {
				entries, ok = pythonDistroMap[strings.ToLower(fam)]
				break
			}
		}
	}
	if !ok {
		return cands[0], true
	}
	want := fuzzyVersionMatch(osVersion, entries)
	for _, c := range cands {
		if c.path == want {
			return c, true
		}
	}
	return cands[0], true
}

// fuzzyVersionMatch is interpreter_discovery._version_fuzzy_match: the
// exact version, else the newest entry not newer than version, else the
// oldest.
func fuzzyVersionMatch(version string, entries [][2]string) string {
	for _, e := range entries {
		if e[0] == version {
			return e[1]
		}
	}
	sorted := append([][2]string(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return looseCompare(sorted[i][0], sorted[j][0]) < 0 })
	best := sorted[0][1]
	for _, e := range sorted {
		if looseCompare(e[0], version) <= 0 {
			best = e[1]
		}
	}
	return best
}

// looseCompare compares dotted versions by their numeric parts, as
// LooseVersion does for such versions.
func looseCompare(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		if i >= len(pa) {
			return -1
		}
		if i >= len(pb) {
			return 1
		}
		x, y := atoiOr(pa[i], 0), atoiOr(pb[i], 0)
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// pythonFacts gives python_version and the python fact of the interpreter
// Ansible would use. Without Python on the host both are left out
// (Ansible itself could not run there).
func pythonFacts(h *host) map[string]any {
	var osID, osVersion string
	if h.uname.System == "Linux" {
		osr := distSourcesOf(h).distro.osRelease
		osID, osVersion = osr["id"], osr["version_id"]
	}
	c, ok := discoverPython(pythonCandidates(h), osID, osVersion)
	if !ok {
		return map[string]any{}
	}
	v := parsePythonVersion(c.version)
	return map[string]any{
		"python_version": v.text,
		"python": map[string]any{
			"executable": c.path,
			"type":       "cpython",
			"version": map[string]any{
				"major": v.major, "minor": v.minor, "micro": v.micro,
				"releaselevel": v.level, "serial": v.serial,
			},
			"version_info":   []any{v.major, v.minor, v.micro, v.level, v.serial},
			"has_sslcontext": true,
		},
	}
}

type pyVersion struct {
	text                string
	major, minor, micro int
	level               string
	serial              int
}

// parsePythonVersion reads "3.11.2" or "3.12.0rc1" as platform.python_version
// and sys.version_info give it.
func parsePythonVersion(s string) pyVersion {
	m := regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?(?:(a|b|rc)(\d+))?`).FindStringSubmatch(s)
	v := pyVersion{text: s, level: "final"}
	if m == nil {
		return v
	}
	v.major, v.minor, v.micro = atoiOr(m[1], 0), atoiOr(m[2], 0), atoiOr(m[3], 0)
	switch m[4] {
	case "a":
		v.level = "alpha"
	case "b":
		v.level = "beta"
	case "rc":
		v.level = "candidate"
	}
	v.serial = atoiOr(m[5], 0)
	v.text = m[0]
	return v
}

// pkgMgrPaths is PKG_MGRS of system/pkg_mgr.py, in order.
var pkgMgrPaths = [][2]string{
	{"/usr/bin/rpm-ostree", "atomic_container"}, {"/usr/bin/yum", "yum"}, {"/usr/bin/dnf", "dnf"},
	{"/usr/bin/apt-get", "apt"}, {"/usr/bin/zypper", "zypper"}, {"/usr/sbin/urpmi", "urpmi"},
	{"/usr/bin/pacman", "pacman"}, {"/bin/opkg", "opkg"}, {"/usr/pkg/bin/pkgin", "pkgin"},
	{"/opt/local/bin/pkgin", "pkgin"}, {"/opt/tools/bin/pkgin", "pkgin"}, {"/opt/local/bin/port", "macports"},
	{"/usr/local/bin/brew", "homebrew"}, {"/opt/homebrew/bin/brew", "homebrew"}, {"/sbin/apk", "apk"},
	{"/usr/sbin/pkg", "pkgng"}, {"/usr/sbin/swlist", "swdepot"}, {"/usr/bin/emerge", "portage"},
	{"/usr/sbin/pkgadd", "svr4pkg"}, {"/usr/bin/pkg", "pkg5"}, {"/usr/bin/xbps-install", "xbps"},
	{"/usr/local/sbin/pkg", "pkgng"}, {"/usr/bin/swupd", "swupd"}, {"/usr/sbin/sorcery", "sorcery"},
	{"/usr/bin/installp", "installp"}, {"/QOpenSys/pkgs/bin/yum", "yum"},
}

// pkgMgrInput is what PkgMgrFactCollector looks at.
type pkgMgrInput struct {
	exists       map[string]bool
	distribution string
	major        string
	osFamily     string
	rpmProvides  *bool // rpm -q --whatprovides /usr/bin/apt-get succeeded; nil when not run
}

// pkgMgrOf is PkgMgrFactCollector.collect.
func pkgMgrOf(in pkgMgrInput) string {
	name := "unknown"
	for _, p := range pkgMgrPaths {
		if in.osFamily == "Altlinux" && p[0] == "/usr/bin/pkg" {
			continue
		}
		if in.exists[p[0]] {
			name = p[1]
		}
	}
	has := func(mgr string) bool {
		for _, p := range pkgMgrPaths {
			if p[1] == mgr && in.exists[p[0]] {
				return true
			}
		}
		return false
	}
	switch in.osFamily {
	case "RedHat":
		if in.exists["/run/ostree-booted"] {
			name = "atomic_container"
			break
		}
		major, err := strconv.Atoi(in.major)
		switch in.distribution {
		case "Fedora":
			if err != nil {
				name = "dnf"
			} else if major < 23 {
				if has("yum") {
					name = "yum"
				}
			} else if has("dnf") {
				name = "dnf"
			}
		case "Amazon":
			if err != nil {
				name = "dnf"
			} else if major < 2022 {
				if has("yum") {
					name = "yum"
				}
			} else if has("dnf") {
				name = "dnf"
			}
		default:
			// Ansible raises ValueError on a non-numeric major version
			// here; dnf is the modern answer.
			if err == nil && major < 8 {
				name = "yum"
			} else {
				name = "dnf"
			}
		}
	case "Debian":
		name = "apt"
	case "Altlinux":
		if name == "apt" {
			name = "apt_rpm"
		}
	}
	if name == "apt" && in.exists["/usr/bin/rpm"] && in.rpmProvides != nil && *in.rpmProvides {
		name = "apt_rpm"
	}
	return name
}

func pkgMgr(h *host, ctx map[string]any) string {
	in := pkgMgrInput{exists: h.exists}
	in.distribution, _ = ctx["distribution"].(string)
	in.major, _ = ctx["distribution_major_version"].(string)
	in.osFamily, _ = ctx["os_family"].(string)
	if _, rc, ok := h.out.cmd("rpmapt"); ok {
		b := rc == 0
		in.rpmProvides = &b
	}
	return pkgMgrOf(in)
}

// serviceMgrInput is what ServiceMgrFactCollector looks at.
type serviceMgrInput struct {
	proc1        *string // /proc/1/comm, or `ps -p 1 -o comm|tail -n 1`; nil when neither
	initLink     string  // readlink /sbin/init ("" when not a link)
	system       string
	distribution string
	exists       map[string]bool
	bins         map[string]string
}

// serviceMgrOf is ServiceMgrFactCollector.collect.
func serviceMgrOf(in serviceMgrInput) string {
	var proc1 *string
	if in.proc1 != nil {
		p := *in.proc1
		if p != "COMMAND\n" {
			proc1 = &p
		}
	}
	if proc1 == nil && in.initLink != "" {
		p := in.initLink
		proc1 = &p
	}
	if proc1 != nil {
		p := *proc1
		if i := strings.LastIndex(p, "/"); i >= 0 {
			p = p[i+1:]
		}
		p = strings.TrimSpace(p)
		if p == "init" || strings.HasSuffix(p, "sh") {
			proc1 = nil
		} else {
			proc1 = &p
		}
	}
	if proc1 != nil {
		switch *proc1 {
		case "procd":
			return "openwrt_init"
		case "runit-init":
			return "runit"
		case "svscan":
			return "svc"
		case "openrc-init":
			return "openrc"
		}
		if *proc1 != "" {
			return *proc1
		}
	}
	name := ""
	switch {
	case in.distribution == "MacOSX":
		name = "launchd"
	case strings.Contains(in.system, "BSD") || in.system == "Bitrig" || in.system == "DragonFly":
		name = "bsdinit"
	case in.system == "AIX":
		name = "src"
	case in.system == "SunOS":
		name = "smf"
	case in.distribution == "OpenWrt":
		name = "openwrt_init"
	case in.system == "Linux":
		systemctl := in.bins["systemctl"] != ""
		switch {
		case systemctl && (in.exists["/run/systemd/system/"] || in.exists["/dev/.run/systemd/"] || in.exists["/dev/.systemd/"]):
			name = "systemd"
		case in.bins["initctl"] != "" && in.exists["/etc/init/"]:
			name = "upstart"
		case in.exists["/sbin/openrc"]:
			name = "openrc"
		case systemctl && in.initLink != "" && baseName(in.initLink) == "systemd":
			name = "systemd"
		case in.exists["/etc/init.d/"]:
			name = "sysvinit"
		}
	}
	if name == "" {
		name = "service"
	}
	return name
}

func baseName(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func serviceMgr(h *host, ctx map[string]any) string {
	in := serviceMgrInput{exists: h.exists, bins: h.bins, system: h.uname.System}
	in.distribution, _ = ctx["distribution"].(string)
	if c, ok := h.out.file("/proc/1/comm"); ok {
		in.proc1 = &c
	} else if out, rc, ok := h.out.cmd("ps1"); ok {
		if rc == 0 && strings.TrimSpace(out) != "" && !regexp.MustCompile(`^ *[0-9]+ `).MatchString(out) {
			in.proc1 = &out
		}
	}
	in.initLink = strings.TrimSpace(h.out.firstLine("initlink"))
	return serviceMgrOf(in)
}

// dateTimeInput is what the date_time facts are computed from.
type dateTimeInput struct {
	epoch       int64
	micro       int    // microseconds; 0 where date has no %N (macOS)
	tz          string // %Z now
	offset      string // %z now, "+0100"
	jan, jul    [2]string
	hasZoneInfo bool
}

// parseDateTime reads the "date" and "tzprobe" sections.
func parseDateTime(date string, probe []string) (dateTimeInput, bool) {
	f := strings.Fields(date)
	if len(f) < 4 {
		return dateTimeInput{}, false
	}
	epoch, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return dateTimeInput{}, false
	}
	in := dateTimeInput{epoch: epoch, tz: f[2], offset: f[3]}
	if ns, err := strconv.ParseInt(f[1], 10, 64); err == nil {
		in.micro = int(ns / 1000)
	}
	if len(probe) == 2 {
		a, b := strings.Fields(probe[0]), strings.Fields(probe[1])
		if len(a) == 2 && len(b) == 2 {
			in.jan, in.jul = [2]string{a[0], a[1]}, [2]string{b[0], b[1]}
			in.hasZoneInfo = true
		}
	}
	return in, true
}

func offsetSeconds(z string) int {
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return 0
	}
	h, m := atoiOr(z[1:3], 0), atoiOr(z[3:5], 0)
	s := (h*60 + m) * 60
	if z[0] == '-' {
		s = -s
	}
	return s
}

// dateTimeOf is DateTimeFactCollector for one instant.
func dateTimeOf(in dateTimeInput) map[string]any {
	utc := time.Unix(in.epoch, int64(in.micro)*1000).UTC()
	now := utc.In(time.FixedZone(in.tz, offsetSeconds(in.offset)))
	// %W: weeks starting on Monday; days before the first Monday are week 0.
	week := (now.YearDay() + 6 - (int(now.Weekday())+6)%7) / 7
	tzDST := in.tz
	if in.hasZoneInfo {
		// Python's time.tzname: the names of the zone at the start and
		// the middle of the year, swapped in the southern hemisphere.
		tzDST = in.jul[0]
		if -offsetSeconds(in.jan[1]) < -offsetSeconds(in.jul[1]) {
			tzDST = in.jan[0]
		}
	}
	return map[string]any{
		"year":                now.Format("2006"),
		"month":               now.Format("01"),
		"weekday":             now.Weekday().String(),
		"weekday_number":      strconv.Itoa(int(now.Weekday())),
		"weeknumber":          twoDigits(week),
		"day":                 now.Format("02"),
		"hour":                now.Format("15"),
		"minute":              now.Format("04"),
		"second":              now.Format("05"),
		"epoch":               strconv.FormatInt(in.epoch, 10),
		"epoch_int":           strconv.FormatInt(in.epoch, 10),
		"date":                now.Format("2006-01-02"),
		"time":                now.Format("15:04:05"),
		"iso8601_micro":       utc.Format("2006-01-02T15:04:05.000000Z"),
		"iso8601":             utc.Format("2006-01-02T15:04:05Z"),
		"iso8601_basic":       now.Format("20060102T150405.000000")[:15] + now.Format(".000000")[1:],
		"iso8601_basic_short": now.Format("20060102T150405"),
		"tz":                  in.tz,
		"tz_dst":              tzDST,
		"tz_offset":           in.offset,
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func dateTimeFacts(h *host) map[string]any {
	d, _ := h.out.section("date")
	in, ok := parseDateTime(d, h.out.lines("tzprobe"))
	if !ok {
		return nil
	}
	return dateTimeOf(in)
}

// envFacts is EnvFactCollector: the environment the script started with.
func envFacts(o *output) map[string]any {
	env := map[string]any{}
	if s, ok := o.section("env0"); ok {
		for _, kv := range strings.Split(s, "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				env[k] = v
			}
		}
		return env
	}
	s, _ := o.section("env")
	return parseEnvLines(s)
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// parseEnvLines reads `env` output; a line that does not start a new
// NAME= continues the previous value (a value with newlines).
func parseEnvLines(s string) map[string]any {
	env := map[string]any{}
	last := ""
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if envNameRE.MatchString(line) {
			k, v, _ := strings.Cut(line, "=")
			env[k] = v
			last = k
		} else if last != "" {
			env[last] = env[last].(string) + "\n" + line
		}
	}
	return env
}

// userFacts is UserFactCollector from `id` and the passwd entry.
func userFacts(h *host) map[string]any {
	ids := h.out.lines("ids")
	for len(ids) < 3 {
		ids = append(ids, "")
	}
	f := map[string]any{"user_id": ids[0]}
	uid, gid := atoiOr(ids[1], -1), atoiOr(ids[2], -1)
	if pw := strings.Split(h.out.firstLine("passwd"), ":"); len(pw) >= 7 {
		f["user_uid"] = atoiOr(pw[2], uid)
		f["user_gid"] = atoiOr(pw[3], gid)
		f["user_gecos"] = pw[4]
		f["user_dir"] = pw[5]
		f["user_shell"] = pw[6]
	}
	f["real_user_id"] = uid
	f["effective_user_id"] = uid
	f["real_group_id"] = gid
	f["effective_group_id"] = gid
	return f
}
