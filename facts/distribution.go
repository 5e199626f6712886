package facts

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// This file mirrors ansible/module_utils/facts/system/distribution.py and
// the python "distro" library (module_utils/distro, and the system's
// python3-distro 1.8 when the host has it) of ansible-core 2.14.

// parseOSRelease parses an os-release file as distro does: shell words
// (shlex in POSIX mode, whitespace split), keeping the NAME=value ones
// with lower-cased names, and derives "codename".
func parseOSRelease(content string) map[string]string {
	props := map[string]string{}
	for _, tok := range shlexSplit(content) {
		if k, v, ok := strings.Cut(tok, "="); ok {
			props[strings.ToLower(k)] = v
		}
	}
	if v, ok := props["version_codename"]; ok {
		props["codename"] = v
	} else if v, ok := props["ubuntu_codename"]; ok {
		props["codename"] = v
	} else if v, ok := props["version"]; ok {
		if m := versionCodenameRE.FindString(v); m != "" {
			c := strings.Trim(m, "()")
			c = strings.Trim(c, ",")
			props["codename"] = strings.TrimSpace(c)
		}
	}
	return props
}

var versionCodenameRE = regexp.MustCompile(`(\(\D+\))|,(\s+)?\D+`)

// shlexSplit splits s as Python's shlex.shlex(s, posix=True) with
// whitespace_split=True: '#' starts a comment, quotes and backslashes as
// in a POSIX shell.
func shlexSplit(s string) []string {
	var toks []string
	var tok strings.Builder
	inTok, quotedTok := false, false
	rs := []rune(s)
	flush := func() {
		if inTok || quotedTok {
			toks = append(toks, tok.String())
		}
		tok.Reset()
		inTok, quotedTok = false, false
	}
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
		case c == '#':
			flush()
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case c == '\\':
			inTok = true
			if i+1 < len(rs) {
				i++
				tok.WriteRune(rs[i])
			}
		case c == '\'':
			quotedTok = true
			for i++; i < len(rs) && rs[i] != '\''; i++ {
				tok.WriteRune(rs[i])
			}
		case c == '"':
			quotedTok = true
			for i++; i < len(rs) && rs[i] != '"'; i++ {
				if rs[i] == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\') {
					i++
				}
				tok.WriteRune(rs[i])
			}
		default:
			inTok = true
			tok.WriteRune(c)
		}
	}
	flush()
	return toks
}

// parseLSBRelease parses `lsb_release -a` output as distro does.
func parseLSBRelease(content string) map[string]string {
	props := map[string]string{}
	for _, line := range strings.Split(content, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		props[strings.ToLower(strings.ReplaceAll(k, " ", "_"))] = strings.TrimSpace(v)
	}
	return props
}

var (
	distroReleaseContentRE  = regexp.MustCompile(`^(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)$`)
	distroReleaseBasenameRE = regexp.MustCompile(`^(\w+)[-_](release|version)$`)
	distroReleaseIgnore     = map[string]bool{"debian_version": true, "lsb-release": true, "oem-release": true,
		"os-release": true, "system-release": true, "plesk-release": true, "iredmail-release": true}
)

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// parseDistroReleaseContent parses the first line of a distro release
// file ("CentOS Linux release 7.9.2009 (Core)") as distro does.
func parseDistroReleaseContent(line string) map[string]string {
	info := map[string]string{}
	// Python's re.match anchors at the start only; the pattern's last group
	// is greedy (.+) so anchoring the end changes nothing.
	m := distroReleaseContentRE.FindStringSubmatch(reverse(strings.TrimSpace(line)))
	if m != nil {
		info["name"] = reverse(m[3])
		if m[2] != "" {
			info["version_id"] = reverse(m[2])
		}
		if m[1] != "" {
			info["codename"] = reverse(m[1])
		}
	} else if line != "" {
		info["name"] = strings.TrimSpace(line)
	}
	return info
}

// parseDistroReleaseFiles picks the distro release file as distro does
// from "basename\tfirst line" entries of /etc.
func parseDistroReleaseFiles(lines []string) map[string]string {
	type ent struct{ base, first string }
	var ents []ent
	for _, l := range lines {
		b, first, _ := strings.Cut(l, "\t")
		if distroReleaseIgnore[b] {
			continue
		}
		ents = append(ents, ent{b, first})
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].base < ents[j].base })
	for _, e := range ents {
		m := distroReleaseBasenameRE.FindStringSubmatch(e.base)
		if m == nil {
			continue
		}
		info := parseDistroReleaseContent(e.first)
		if _, ok := info["name"]; !ok {
			continue
		}
		info["id"] = m[1]
		if strings.Contains(strings.ToLower(info["name"]), "cloudlinux") {
			info["id"] = "cloudlinux"
		}
		return info
	}
	return map[string]string{}
}

// linuxDistro is python distro's LinuxDistribution over recorded sources.
type linuxDistro struct {
	osRelease     map[string]string
	lsb           map[string]string
	distroRelease map[string]string
	uname         map[string]string
	debianVersion string // first line of /etc/debian_version
	// modern is python3-distro >= 1.7 on the host (or no Python at all):
	// /etc/debian_version is then a version candidate on Debian-like hosts.
	modern bool
}

var (
	normalizedOSID     = map[string]string{"ol": "oracle", "opensuse-leap": "opensuse"}
	normalizedLSBID    = map[string]string{"enterpriseenterpriseas": "oracle", "enterpriseenterpriseserver": "oracle", "redhatenterpriseworkstation": "rhel", "redhatenterpriseserver": "rhel", "redhatenterprisecomputenode": "rhel"}
	normalizedDistroID = map[string]string{"redhat": "rhel"}
)

func normalizeID(id string, table map[string]string) string {
	id = strings.ReplaceAll(strings.ToLower(id), " ", "_")
	if v, ok := table[id]; ok {
		return v
	}
	return id
}

func (d *linuxDistro) id() string {
	if v := d.osRelease["id"]; v != "" {
		return normalizeID(v, normalizedOSID)
	}
	if v := d.lsb["distributor_id"]; v != "" {
		return normalizeID(v, normalizedLSBID)
	}
	if v := d.distroRelease["id"]; v != "" {
		return normalizeID(v, normalizedDistroID)
	}
	if v := d.uname["id"]; v != "" {
		return normalizeID(v, normalizedDistroID)
	}
	return ""
}

func (d *linuxDistro) like() string { return d.osRelease["id_like"] }

func (d *linuxDistro) version(best bool) string {
	versions := []string{
		d.osRelease["version_id"],
		d.lsb["release"],
		d.distroRelease["version_id"],
		parseDistroReleaseContent(d.osRelease["pretty_name"])["version_id"],
		parseDistroReleaseContent(d.lsb["description"])["version_id"],
		d.uname["release"],
	}
	if d.modern && (d.id() == "debian" || containsWord(d.like(), "debian")) {
		versions = append(versions, d.debianVersion)
	}
	version := ""
	for _, v := range versions {
		if best {
			if strings.Count(v, ".") > strings.Count(version, ".") || version == "" {
				version = v
			}
		} else if v != "" {
			return v
		}
	}
	return version
}

func (d *linuxDistro) codename() string {
	if v, ok := d.osRelease["codename"]; ok {
		return v
	}
	if v := d.lsb["codename"]; v != "" {
		return v
	}
	return d.distroRelease["codename"]
}

func containsWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// capitalize is Python's str.capitalize.
func capitalize(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// getDistribution is ansible.module_utils.common.sys_info.get_distribution on Linux.
func (d *linuxDistro) getDistribution() string {
	dist := capitalize(d.id())
	switch dist {
	case "Amzn":
		return "Amazon"
	case "Rhel":
		return "Redhat"
	case "":
		return "OtherLinux"
	}
	return dist
}

// getDistributionVersion is sys_info.get_distribution_version.
func (d *linuxDistro) getDistributionVersion() string {
	version := d.version(false)
	switch d.id() {
	case "centos":
		parts := strings.Split(d.version(true), ".")
		if len(parts) > 2 {
			parts = parts[:2]
		}
		version = strings.Join(parts, ".")
	case "debian":
		version = d.version(true)
	}
	return version
}

// getDistributionCodename is sys_info.get_distribution_codename on Linux;
// ok is false for Python's None.
func (d *linuxDistro) getDistributionCodename() (string, bool) {
	if v, ok := d.osRelease["version_codename"]; ok {
		return v, true
	}
	if v, ok := d.osRelease["ubuntu_codename"]; ok {
		return v, true
	}
	if d.id() == "ubuntu" {
		if v, ok := d.lsb["codename"]; ok {
			return v, true
		}
	}
	if c := d.codename(); c != "" {
		return c, true
	}
	return "", false
}

// osdist is one entry of DistributionFiles.OSDIST_LIST.
type osdist struct {
	path, name string
	allowEmpty bool
}

var osdistList = []osdist{
	{"/etc/altlinux-release", "Altlinux", false},
	{"/etc/oracle-release", "OracleLinux", false},
	{"/etc/slackware-version", "Slackware", false},
	{"/etc/centos-release", "CentOS", false},
	{"/etc/redhat-release", "RedHat", false},
	{"/etc/vmware-release", "VMwareESX", true},
	{"/etc/openwrt_release", "OpenWrt", false},
	{"/etc/os-release", "Amazon", false},
	{"/etc/system-release", "Amazon", false},
	{"/etc/alpine-release", "Alpine", false},
	{"/etc/arch-release", "Archlinux", true},
	{"/etc/os-release", "Archlinux", false},
	{"/etc/os-release", "SUSE", false},
	{"/etc/SuSE-release", "SUSE", false},
	{"/etc/gentoo-release", "Gentoo", false},
	{"/etc/os-release", "Debian", false},
	{"/etc/lsb-release", "Debian", false},
	{"/etc/lsb-release", "Mandriva", false},
	{"/etc/sourcemage-release", "SMGL", false},
	{"/usr/lib/os-release", "ClearLinux", false},
	{"/etc/coreos/update.conf", "Coreos", false},
	{"/etc/os-release", "Flatcar", false},
	{"/etc/os-release", "NA", false},
}

var searchString = map[string]string{"OracleLinux": "Oracle Linux", "RedHat": "Red Hat", "Altlinux": "ALT", "SMGL": "Source Mage GNU/Linux"}

// osFamily is Distribution.OS_FAMILY_MAP inverted.
var osFamily = func() map[string]string {
	m := map[string][]string{
		"RedHat": {"RedHat", "RHEL", "Fedora", "CentOS", "Scientific", "SLC", "Ascendos", "CloudLinux", "PSBM", "OracleLinux", "OVS",
			"OEL", "Amazon", "Virtuozzo", "XenServer", "Alibaba", "EulerOS", "openEuler", "AlmaLinux", "Rocky", "TencentOS",
			"EuroLinux", "Kylin Linux Advanced Server"},
		"Debian": {"Debian", "Ubuntu", "Raspbian", "Neon", "KDE neon", "Linux Mint", "SteamOS", "Devuan", "Kali", "Cumulus Linux",
			"Pop!_OS", "Parrot", "Pardus GNU/Linux", "Uos", "Deepin", "OSMC"},
		"Suse":       {"SuSE", "SLES", "SLED", "openSUSE", "openSUSE Tumbleweed", "SLES_SAP", "SUSE_LINUX", "openSUSE Leap"},
		"Archlinux":  {"Archlinux", "Antergos", "Manjaro"},
		"Mandrake":   {"Mandrake", "Mandriva"},
		"Solaris":    {"Solaris", "Nexenta", "OmniOS", "OpenIndiana", "SmartOS"},
		"Slackware":  {"Slackware"},
		"Altlinux":   {"Altlinux"},
		"SGML":       {"SGML"},
		"Gentoo":     {"Gentoo", "Funtoo"},
		"Alpine":     {"Alpine"},
		"AIX":        {"AIX"},
		"HP-UX":      {"HPUX"},
		"Darwin":     {"MacOSX"},
		"FreeBSD":    {"FreeBSD", "TrueOS"},
		"ClearLinux": {"Clear Linux OS", "Clear Linux Mix"},
		"DragonFly":  {"DragonflyBSD", "DragonFlyBSD", "Gentoo/DragonflyBSD", "Gentoo/DragonFlyBSD"},
		"NetBSD":     {"NetBSD"},
	}
	out := map[string]string{}
	for fam, names := range m {
		for _, n := range names {
			out[n] = fam
		}
	}
	return out
}()

// distSources are the recorded inputs of Linux distribution detection.
type distSources struct {
	files  map[string]string // readable files by path (exists = present)
	distro *linuxDistro
	// tzdataRelease is `dpkg --status tzdata|grep Provides|cut -f2 -d'-'`
	// (ok false when dpkg is absent or failed).
	tzdataRelease   string
	tzdataReleaseOK bool
}

// getFileContent is facts.utils.get_file_content: the content stripped.
func (s *distSources) content(path string) (string, bool) {
	c, ok := s.files[path]
	return strings.TrimSpace(c), ok
}

// linuxDistributionFacts is Distribution.get_distribution_facts for Linux.
func linuxDistributionFacts(s *distSources, kernelRelease, kernelVersion string) map[string]any {
	f := map[string]any{
		"distribution":         "Linux",
		"distribution_release": kernelRelease,
		"distribution_version": kernelVersion,
	}
	for k, v := range processDistFiles(s) {
		f[k] = v
	}
	dist, _ := f["distribution"].(string)
	if fam, ok := osFamily[dist]; ok {
		f["os_family"] = fam
	} else {
		f["os_family"] = dist
	}
	return f
}

// processDistFiles is DistributionFiles.process_dist_files.
func processDistFiles(s *distSources) map[string]any {
	d := s.distro
	facts := map[string]any{}
	dist := d.getDistribution()
	version := d.getDistributionVersion()
	if version == "" {
		version = "NA"
	}
	release, ok := d.getDistributionCodename()
	if !ok {
		release = "NA"
	}
	facts["distribution"] = dist
	facts["distribution_version"] = version
	facts["distribution_release"] = release
	major := strings.Split(version, ".")[0]
	if major == "" {
		major = "NA"
	}
	facts["distribution_major_version"] = major

	for _, dd := range osdistList {
		raw, exists := s.files[dd.path]
		if !exists || (!dd.allowEmpty && raw == "") {
			continue
		}
		if dd.allowEmpty {
			facts["distribution"] = dd.name
			facts["distribution_file_path"] = dd.path
			facts["distribution_file_variety"] = dd.name
			break
		}
		data, _ := s.content(dd.path)
		parsed, pf := parseDistFile(s, dd.name, data, dd.path, facts)
		if parsed {
			facts["distribution"] = dd.name
			facts["distribution_file_path"] = dd.path
			facts["distribution_file_variety"] = dd.name
			facts["distribution_file_parsed"] = true
			for k, v := range pf {
				facts[k] = v
			}
			break
		}
	}
	return facts
}

var (
	reDebianRelease  = regexp.MustCompile(`PRETTY_NAME=[^(]+ \(?([^)]+?)\)`)
	reVersionIDQuote = regexp.MustCompile(`VERSION_ID="(.*)"`)
	reCodenameQ      = regexp.MustCompile(`VERSION_CODENAME="?([^"]+)"?`)
	reDevuanRelease  = regexp.MustCompile(`PRETTY_NAME="?[^("]+ \(?([^) "]+)\)?`)
	reMinor          = regexp.MustCompile(`(\d+)\.(\d+)`)
)

// first returns the first submatch of re in s (Python re.search group 1).
func first(re *regexp.Regexp, s string) (string, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// searchLine applies re to each line as Python does with a ^-anchored
// pattern on multi-line data without re.M: only the first line can match.
func searchFirstLine(re *regexp.Regexp, data string) (string, bool) {
	line, _, _ := strings.Cut(data, "\n")
	return first(re, line)
}

// parseDistFile is DistributionFiles._parse_dist_file.
func parseDistFile(s *distSources, name, data, path string, collected map[string]any) (bool, map[string]any) {
	f := map[string]any{}
	data = strings.Trim(data, `'"\`)
	if ss, ok := searchString[name]; ok {
		if strings.Contains(data, ss) {
			f["distribution"] = name
			f["distribution_file_search_string"] = ss
		} else if fields := strings.Fields(data); len(fields) > 0 {
			f["distribution"] = fields[0]
		} else {
			return false, f
		}
		return true, f
	}
	if name == "Archlinux" {
		if strings.Contains(data, "Arch Linux") {
			f["distribution"] = name
			return true, f
		}
		return false, f
	}
	switch name {
	case "Slackware":
		if !strings.Contains(data, "Slackware") {
			return false, f
		}
		f["distribution"] = name
		if v := regexp.MustCompile(`\w+[.]\w+\+?`).FindString(data); v != "" {
			f["distribution_version"] = v
		}
		return true, f
	case "Amazon":
		if !strings.Contains(data, "Amazon") {
			return false, f
		}
		f["distribution"] = "Amazon"
		if path == "/etc/os-release" {
			if v, ok := first(reVersionIDQuote, data); ok {
				f["distribution_version"] = v
				parts := strings.Split(v, ".")
				if len(parts) > 1 {
					f["distribution_major_version"] = parts[0]
					f["distribution_minor_version"] = parts[1]
				} else {
					f["distribution_major_version"] = parts[0]
					f["distribution_minor_version"] = "NA"
				}
			}
		} else {
			version := "NA"
			for _, w := range strings.Fields(data) {
				if isDigits(w) {
					version = w
					break
				}
			}
			f["distribution_version"] = version
		}
		return true, f
	case "OpenWrt":
		if !strings.Contains(data, "OpenWrt") {
			return false, f
		}
		f["distribution"] = name
		if v, ok := first(regexp.MustCompile(`DISTRIB_RELEASE="(.*)"`), data); ok {
			f["distribution_version"] = v
		}
		if v, ok := first(regexp.MustCompile(`DISTRIB_CODENAME="(.*)"`), data); ok {
			f["distribution_release"] = v
		}
		return true, f
	case "Alpine":
		f["distribution"] = "Alpine"
		f["distribution_version"] = data
		return true, f
	case "SUSE":
		return parseSUSE(data, path, collected)
	case "Debian":
		return parseDebian(s, data, path, collected)
	case "Mandriva":
		if !strings.Contains(data, "Mandriva") {
			return false, f
		}
		if v, ok := first(regexp.MustCompile(`DISTRIB_RELEASE="(.*)"`), data); ok {
			f["distribution_version"] = v
		}
		if v, ok := first(regexp.MustCompile(`DISTRIB_CODENAME="(.*)"`), data); ok {
			f["distribution_release"] = v
		}
		f["distribution"] = name
		return true, f
	case "NA":
		for _, line := range strings.Split(data, "\n") {
			if strings.HasPrefix(line, "NAME=") {
				f["distribution"] = strings.Trim(strings.TrimPrefix(line, "NAME="), `"`)
			}
			if strings.HasPrefix(line, "VERSION=") && collected["distribution_version"] == "NA" {
				f["distribution_version"] = strings.Trim(strings.TrimPrefix(line, "VERSION="), `"`)
			}
		}
		return true, f
	case "Coreos":
		if strings.ToLower(s.distro.getDistribution()) != "coreos" || data == "" {
			return false, f
		}
		if v, ok := searchFirstLine(regexp.MustCompile(`^GROUP=(.*)`), data); ok {
			f["distribution_release"] = strings.Trim(v, `"`)
		}
		return true, f
	case "Flatcar":
		if strings.ToLower(s.distro.getDistribution()) != "flatcar" || data == "" {
			return false, f
		}
		if v, ok := first(regexp.MustCompile(`VERSION=(.*)`), data); ok {
			v = strings.Trim(v, `"`)
			f["distribution_major_version"] = strings.Split(v, ".")[0]
			f["distribution_version"] = v
		}
		return true, f
	case "ClearLinux":
		// Ansible checks the collector name, not the data: "clearlinux"
		// is in "ClearLinux".lower(), so the file decides.
		if v, ok := first(regexp.MustCompile(`NAME="(.*)"`), data); ok {
			if !strings.Contains(v, "Clear Linux") {
				return false, f
			}
			f["distribution"] = v
		}
		if v, ok := first(regexp.MustCompile(`VERSION_ID=(.*)`), data); ok {
			f["distribution_major_version"] = v
			f["distribution_version"] = v
		}
		if v, ok := first(regexp.MustCompile(`ID=(.*)`), data); ok {
			f["distribution_release"] = v
		}
		return true, f
	case "CentOS":
		if strings.Contains(data, "CentOS Stream") {
			f["distribution_release"] = "Stream"
			return true, f
		}
		if strings.Contains(data, "TencentOS Server") {
			f["distribution"] = "TencentOS"
			return true, f
		}
		return false, f
	}
	// No parse function (Gentoo, SMGL without match ...): Ansible fails quietly.
	return false, f
}

func isDigits(s string) bool {
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

func parseDebian(s *distSources, data, path string, collected map[string]any) (bool, map[string]any) {
	f := map[string]any{}
	setVersion := func(major bool) {
		if v, ok := first(reVersionIDQuote, data); ok {
			f["distribution_version"] = v
			if major {
				f["distribution_major_version"] = strings.Split(v, ".")[0]
			} else {
				f["distribution_major_version"] = v
			}
		}
	}
	switch {
	case strings.Contains(data, "Debian") || strings.Contains(data, "Raspbian"):
		f["distribution"] = "Debian"
		if v, ok := first(reDebianRelease, data); ok {
			f["distribution_release"] = v
		}
		if collected["distribution_release"] == "NA" && strings.Contains(data, "Debian") && s.tzdataReleaseOK {
			f["distribution_release"] = strings.TrimSpace(s.tzdataRelease)
		}
		if dv, ok := s.files["/etc/debian_version"]; ok {
			for _, line := range strings.Split(dv, "\n") {
				if m := reMinor.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					f["distribution_minor_version"] = m[2]
				}
			}
		}
	case strings.Contains(data, "Ubuntu"):
		f["distribution"] = "Ubuntu"
	case strings.Contains(data, "SteamOS"):
		f["distribution"] = "SteamOS"
	case (path == "/etc/lsb-release" || path == "/etc/os-release") && (strings.Contains(data, "Kali") || strings.Contains(data, "Parrot")):
		if strings.Contains(data, "Kali") {
			f["distribution"] = "Kali"
		} else {
			f["distribution"] = "Parrot"
		}
		if v, ok := first(regexp.MustCompile(`DISTRIB_RELEASE=(.*)`), data); ok {
			f["distribution_release"] = v
		}
	case strings.Contains(data, "Devuan"):
		f["distribution"] = "Devuan"
		if v, ok := first(reDevuanRelease, data); ok {
			f["distribution_release"] = v
		}
		setVersion(false)
	case strings.Contains(data, "Cumulus"):
		f["distribution"] = "Cumulus Linux"
		if v, ok := first(regexp.MustCompile(`VERSION_ID=(.*)`), data); ok {
			if parts := strings.Split(v, "."); len(parts) == 3 {
				f["distribution_version"] = v
				f["distribution_major_version"] = parts[0]
			}
		}
		if v, ok := first(regexp.MustCompile(`VERSION="(.*)"`), data); ok {
			f["distribution_release"] = v
		}
	case strings.Contains(data, "Mint"):
		f["distribution"] = "Linux Mint"
		setVersion(true)
	case strings.Contains(data, "UOS") || strings.Contains(data, "Uos") || strings.Contains(data, "uos"):
		f["distribution"] = "Uos"
		if v, ok := first(reCodenameQ, data); ok {
			f["distribution_release"] = v
		}
		setVersion(true)
	case strings.Contains(data, "Deepin") || strings.Contains(data, "deepin"):
		f["distribution"] = "Deepin"
		if v, ok := first(reCodenameQ, data); ok {
			f["distribution_release"] = v
		}
		setVersion(true)
	default:
		return false, f
	}
	return true, f
}

func parseSUSE(data, path string, collected map[string]any) (bool, map[string]any) {
	f := map[string]any{}
	lower := strings.ToLower(data)
	if !strings.Contains(lower, "suse") {
		return false, f
	}
	if path == "/etc/os-release" {
		reVer := regexp.MustCompile(`^VERSION_ID="?([0-9]+\.?[0-9]*)"?`)
		reRel := regexp.MustCompile(`^VERSION_ID="?[0-9]+\.?([0-9]*)"?`)
		for _, line := range strings.Split(data, "\n") {
			if strings.HasPrefix(line, "NAME=") {
				f["distribution"] = strings.Trim(strings.TrimPrefix(line, "NAME="), `"`)
			}
			if v, ok := first(reVer, line); ok {
				f["distribution_version"] = v
				f["distribution_major_version"] = strings.Split(v, ".")[0]
			}
			if strings.Contains(lower, "open") {
				if v, ok := first(reRel, line); ok {
					f["distribution_release"] = v
				}
			} else if strings.Contains(lower, "enterprise") && strings.Contains(line, "VERSION_ID") {
				if v, ok := first(reRel, line); ok && v != "" {
					f["distribution_release"] = v
				} else {
					f["distribution_release"] = "0"
				}
			}
		}
	} else if path == "/etc/SuSE-release" {
		lines := strings.Split(data, "\n")
		if strings.Contains(lower, "open") {
			if fields := strings.Fields(lines[0]); len(fields) > 0 {
				f["distribution"] = fields[0]
			}
			for _, line := range lines {
				if v, ok := first(regexp.MustCompile(`CODENAME *= *([^\n]+)`), line); ok {
					f["distribution_release"] = strings.TrimSpace(v)
				}
			}
		} else if strings.Contains(lower, "enterprise") {
			if strings.Contains(data, "Server") {
				f["distribution"] = "SLES"
			} else if strings.Contains(data, "Desktop") {
				f["distribution"] = "SLED"
			}
			for _, line := range lines {
				if v, ok := first(regexp.MustCompile(`PATCHLEVEL = ([0-9]+)`), line); ok {
					f["distribution_release"] = v
					if cv, ok := collected["distribution_version"].(string); ok {
						f["distribution_version"] = cv + "." + v
					}
				}
			}
		}
	}
	return true, f
}

// darwinDistributionFacts is Distribution.get_distribution_Darwin over
// `sw_vers -productVersion` (or plain sw_vers) output.
func darwinDistributionFacts(swVers, kernelRelease, kernelVersion string) map[string]any {
	f := map[string]any{
		"distribution":         "MacOSX",
		"distribution_release": kernelRelease,
		"distribution_version": kernelVersion,
		"os_family":            "Darwin",
	}
	v := productVersion(swVers)
	if v != "" {
		f["distribution_major_version"] = strings.Split(v, ".")[0]
		f["distribution_version"] = v
	}
	return f
}

// productVersion finds the ProductVersion in sw_vers output, whether it
// is the full output ("ProductVersion:\t14.2.1") or -productVersion.
func productVersion(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "ProductVersion" {
			return strings.TrimSpace(v)
		}
	}
	if fields := strings.Fields(out); len(fields) == 1 {
		return fields[0]
	}
	return ""
}

// distributionFacts runs the distribution collector over the script's output.
func distributionFacts(h *host) map[string]any {
	if h.uname.System == "Darwin" {
		out, _, _ := h.out.cmd("sw_vers")
		return darwinDistributionFacts(out, h.uname.Release, h.uname.Version)
	}
	if h.uname.System != "Linux" {
		return map[string]any{"distribution": h.uname.System, "distribution_release": h.uname.Release,
			"distribution_version": h.uname.Version, "os_family": h.uname.System}
	}
	return linuxDistributionFacts(distSourcesOf(h), h.uname.Release, h.uname.Version)
}

func distSourcesOf(h *host) *distSources {
	s := &distSources{files: map[string]string{}}
	for _, n := range h.out.order {
		if p, ok := strings.CutPrefix(n, "file "); ok {
			s.files[p] = h.out.sections[n]
		}
	}
	d := &linuxDistro{lsb: map[string]string{}, uname: map[string]string{}, modern: distroModern(h)}
	osr := "/etc/os-release"
	if !h.exists["/etc/os-release"] && h.exists["/usr/lib/os-release"] {
		osr = "/usr/lib/os-release"
	}
	d.osRelease = parseOSRelease(s.files[osr])
	if out, rc, ok := h.out.cmd("lsb_release"); ok && rc == 0 {
		d.lsb = parseLSBRelease(out)
	}
	d.distroRelease = parseDistroReleaseFiles(h.out.lines("releasefiles"))
	if dv, ok := s.files["/etc/debian_version"]; ok {
		d.debianVersion, _, _ = strings.Cut(dv, "\n")
		d.debianVersion = strings.TrimRight(d.debianVersion, " \t\r")
	}
	d.uname = unameDistro(h.uname.System, h.uname.Release)
	s.distro = d
	if out, rc, ok := h.out.cmd("tzdata"); ok && rc == 0 {
		s.tzdataRelease, s.tzdataReleaseOK = out, true
	}
	return s
}

// unameDistro is distro's _parse_uname_content of `uname -rs`.
func unameDistro(system, release string) map[string]string {
	m := regexp.MustCompile(`^(\S+)\s+([\d.]+)`).FindStringSubmatch(system + " " + release)
	if m == nil || m[1] == "Linux" {
		return map[string]string{}
	}
	return map[string]string{"id": strings.ToLower(m[1]), "name": m[1], "release": m[2]}
}

// distroModern reports whether distro's behaviour of python3-distro >= 1.7
// applies: the host has such a python3-distro, or no Python at all (then
// the more precise modern answer is given). A host Python without a
// system distro uses Ansible's bundled distro 1.6.
func distroModern(h *host) bool {
	for _, l := range h.out.lines("pydistro") {
		v := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(l, "distro-"), ".dist-info"), ".egg-info")
		v, _, _ = strings.Cut(v, "-")
		parts := strings.Split(v, ".")
		if len(parts) >= 2 && (atoiOr(parts[0], 0) > 1 || atoiOr(parts[0], 0) == 1 && atoiOr(parts[1], 0) >= 7) {
			return true
		}
	}
	return len(pythonCandidates(h)) == 0
}
