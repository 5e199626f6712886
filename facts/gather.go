// Package facts gathers Ansible's facts (ansible_facts) from a host with one
// round trip of plain POSIX shell: no Python is needed on the host.
//
// Gather sends one script that prints every source Ansible's setup module
// reads (/etc/os-release, uname, /proc/cpuinfo, ip, sw_vers, ...) in marked
// sections; the sections are then turned into facts by pure Go functions
// that mirror ansible-core 2.14's fact collectors
// (ansible/module_utils/facts), so the values are Ansible's: the same
// distribution names and versions, strings where Ansible gives strings.
//
// Linux (RHEL family, Debian family and others known to Ansible's
// distribution logic) and macOS are supported.
//
// Where Ansible's answer depends on the Python that runs its module,
// omeprov looks at the host as that Python would: ansible_python_version
// is the version of the interpreter Ansible's discovery would pick (left
// out when the host has no Python), and on Debian-like hosts
// distribution_version includes /etc/debian_version when the host has
// python3-distro 1.7 or newer (or no Python at all), as Ansible does with
// that library. Facts Ansible gives beyond those of its default subsets
// that omeprov does not gather yet (DMI, devices, LVM, ssh host keys, dns,
// cmdline, ethtool features) are absent rather than guessed.
package facts

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ome/omeprov/connection"
)

// Runner is what gathering needs of a host; connection.Connection
// satisfies it.
type Runner interface {
	Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error)
}

// Gather runs one shell script on the host and returns the facts as
// Ansible's ansible_facts holds them (keys without the ansible_ prefix:
// "os_family", "distribution", "default_ipv4", ...), for the given
// gather_subset (nil = Ansible's default "all"). A bad subset name is an
// error with Ansible's message.
func Gather(ctx context.Context, r Runner, subset []string) (map[string]any, error) {
	return GatherWith(ctx, r, subset, nil)
}

// DefaultFactPath is where local facts are read from by default, as the
// setup module's fact_path.
const DefaultFactPath = "/etc/ansible/facts.d"

// Options tune GatherWith.
type Options struct {
	// FactPath is the directory of local facts (*.fact, JSON or INI, or
	// executables printing JSON). "" means DefaultFactPath.
	FactPath string
	// Exec is passed to the Runner (become, environment).
	Exec *connection.ExecOptions
}

// GatherWith is Gather with options.
func GatherWith(ctx context.Context, r Runner, subset []string, opts *Options) (map[string]any, error) {
	if len(subset) == 0 {
		subset = []string{"all"}
	}
	if opts == nil {
		opts = &Options{}
	}
	factPath := opts.FactPath
	if factPath == "" {
		factPath = DefaultFactPath
	}
	want, err := Collectors(subset)
	if err != nil {
		return nil, err
	}
	// Exec runs its command line with /bin/sh -c: the script is that line.
	res, err := r.Exec(ctx, buildScript(want, factPath), opts.Exec)
	if err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	out := parseSections(res.Stdout)
	if _, ok := out.section("uname"); !ok {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
		return nil, fmt.Errorf("facts: the gathering script gave no output: %s", msg)
	}
	f := build(out, want)
	f["gather_subset"] = stringsToAny(subset)
	f["module_setup"] = true
	return f, nil
}

// output is the script's output cut into sections.
type output struct {
	sections map[string]string
	order    []string
}

// parseSections cuts the script's stdout at the markers.
func parseSections(b []byte) *output {
	o := &output{sections: map[string]string{}}
	sep := []byte("\n" + marker + " ")
	s := b
	// The first marker is at the very start after the leading newline.
	if i := bytes.Index(s, sep); i >= 0 {
		s = s[i+len(sep):]
	} else {
		return o
	}
	for {
		nl := bytes.IndexByte(s, '\n')
		if nl < 0 {
			name := string(s)
			o.add(name, "")
			return o
		}
		name := string(s[:nl])
		rest := s[nl+1:]
		end := bytes.Index(rest, sep)
		if end < 0 {
			o.add(name, string(rest))
			return o
		}
		o.add(name, string(rest[:end]))
		s = rest[end+len(sep):]
	}
}

func (o *output) add(name, content string) {
	if _, dup := o.sections[name]; !dup {
		o.order = append(o.order, name)
	}
	o.sections[name] = content
}

func (o *output) section(name string) (string, bool) {
	s, ok := o.sections[name]
	return s, ok
}

// file returns a file's content and whether it existed and was readable.
func (o *output) file(path string) (string, bool) { return o.section("file " + path) }

// cmd returns a command's output and exit status; ok is false when it was
// not run.
func (o *output) cmd(name string) (out string, rc int, ok bool) {
	out, ok = o.section("cmd " + name)
	if !ok {
		return "", 0, false
	}
	rc = -1
	prefix := "rc " + name + " "
	for _, n := range o.order {
		if strings.HasPrefix(n, prefix) {
			if v, err := strconv.Atoi(strings.TrimPrefix(n, prefix)); err == nil {
				rc = v
			}
		}
	}
	return out, rc, true
}

// firstLine returns the first line of a section.
func (o *output) firstLine(name string) string {
	s, _ := o.section(name)
	return firstLine(s)
}

// lines returns the non-empty lines of a section.
func (o *output) lines(name string) []string {
	s, _ := o.section(name)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// host is what the common part of the script found.
type host struct {
	out    *output
	exists map[string]bool
	bins   map[string]string
	uname  unameInfo
}

type unameInfo struct{ System, Release, Version, Machine, Node string }

func newHost(o *output) *host {
	h := &host{out: o, exists: map[string]bool{}, bins: map[string]string{}}
	for _, l := range o.lines("exists") {
		h.exists[l] = true
	}
	for _, l := range o.lines("bins") {
		if k, v, ok := strings.Cut(l, " "); ok {
			h.bins[k] = v
		}
	}
	s, _ := o.section("uname")
	u := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for len(u) < 5 {
		u = append(u, "")
	}
	h.uname = unameInfo{u[0], u[1], u[2], u[3], u[4]}
	return h
}

// build turns the sections into facts for the wanted collectors.
func build(o *output, want map[string]bool) map[string]any {
	h := newHost(o)
	f := map[string]any{}
	merge := func(m map[string]any) {
		for k, v := range m {
			f[k] = v
		}
	}
	// platform and distribution come first: others depend on them.
	plat := platformFacts(h)
	dist := distributionFacts(h)
	if want["platform"] {
		merge(plat)
	}
	if want["distribution"] {
		merge(dist)
	}
	ctx := map[string]any{}
	for k, v := range plat {
		ctx[k] = v
	}
	for k, v := range dist {
		ctx[k] = v
	}
	if want["lsb"] {
		f["lsb"] = lsbFacts(h)
	}
	if want["selinux"] {
		merge(selinuxFacts(h))
	}
	if want["apparmor"] {
		merge(apparmorFacts(h))
	}
	if want["python"] {
		merge(pythonFacts(h))
	}
	if want["pkg_mgr"] {
		f["pkg_mgr"] = pkgMgr(h, ctx)
	}
	if want["service_mgr"] {
		f["service_mgr"] = serviceMgr(h, ctx)
	}
	if want["date_time"] {
		if dt := dateTimeFacts(h); dt != nil {
			f["date_time"] = dt
		}
	}
	if want["env"] {
		f["env"] = envFacts(o)
	}
	if want["user"] {
		merge(userFacts(h))
	}
	if want["virtual"] {
		merge(virtualFacts(h))
	}
	if want["hardware"] {
		merge(hardwareFacts(h, ctx))
	}
	if want["network"] {
		merge(networkFacts(h))
	}
	if want["local"] {
		// Ansible keeps the prefix of local facts inside ansible_facts.
		f["ansible_local"] = localFacts(o)
	}
	return f
}

// collector is one of Ansible's fact collectors: its name and the fact
// names that also select it in gather_subset.
type collector struct {
	name     string
	factIDs  []string
	requires []string
}

// collectors lists the collectors of ansible-core 2.14 (default_collectors.py)
// with their _fact_ids; the ones omeprov does not implement are accepted
// as subset names and give no facts.
var collectors = []collector{
	{name: "platform", factIDs: []string{"system", "kernel", "kernel_version", "machine", "python_version", "architecture", "machine_id"}},
	{name: "distribution", factIDs: []string{"distribution_version", "distribution_release", "distribution_major_version", "os_family"}},
	{name: "lsb"},
	{name: "selinux"},
	{name: "apparmor"},
	{name: "chroot", factIDs: []string{"is_chroot"}},
	{name: "fips"},
	{name: "python"},
	{name: "caps", factIDs: []string{"system_capabilities", "system_capabilities_enforced"}},
	{name: "pkg_mgr", requires: []string{"distribution"}},
	{name: "service_mgr", requires: []string{"platform", "distribution"}},
	{name: "cmdline"},
	{name: "date_time"},
	{name: "env"},
	{name: "loadavg"},
	{name: "ssh_pub_keys", factIDs: []string{"ssh_host_pub_keys", "ssh_host_key_dsa_public", "ssh_host_key_rsa_public",
		"ssh_host_key_ecdsa_public", "ssh_host_key_ed25519_public"}},
	{name: "user", factIDs: []string{"user_id", "user_uid", "user_gid", "user_gecos", "user_dir", "user_shell",
		"real_user_id", "effective_user_id", "effective_group_ids"}},
	{name: "virtual", factIDs: []string{"virtualization_type", "virtualization_role", "virtualization_tech_guest", "virtualization_tech_host"}},
	{name: "hardware", factIDs: []string{"processor", "processor_cores", "processor_count", "mounts", "devices"}, requires: []string{"platform"}},
	{name: "dns"},
	{name: "fibre_channel_wwn", factIDs: []string{"fibre_channel_wwn"}},
	{name: "network", factIDs: []string{"interfaces", "default_ipv4", "default_ipv6", "all_ipv4_addresses", "all_ipv6_addresses"},
		requires: []string{"distribution", "platform"}},
	{name: "iscsi"},
	{name: "nvme"},
	{name: "local"},
	{name: "facter"},
	{name: "ohai"},
}

// minimalSubset is the setup module's minimal_gather_subset.
var minimalSubset = []string{"apparmor", "caps", "cmdline", "date_time", "distribution", "dns", "env", "fips",
	"local", "lsb", "pkg_mgr", "platform", "python", "selinux", "service_mgr", "ssh_pub_keys", "user"}

// Collectors resolves a gather_subset as Ansible does
// (module_utils/facts/collector.py get_collector_names and _solve_deps)
// and returns the names of the collectors to run.
func Collectors(subset []string) (map[string]bool, error) {
	if len(subset) == 0 {
		subset = []string{"all"}
	}
	byID := map[string][]*collector{}
	aliases := map[string][]string{}
	for i := range collectors {
		c := &collectors[i]
		byID[c.name] = append(byID[c.name], c)
		for _, id := range c.factIDs {
			byID[id] = append(byID[id], c)
			aliases[c.name] = append(aliases[c.name], id)
		}
	}
	valid := map[string]bool{}
	for id := range byID {
		valid[id] = true
	}
	minimal := map[string]bool{}
	for _, m := range minimalSubset {
		minimal[m] = true
	}
	add, exclude, explicit := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range append([]string{"min"}, subset...) {
		switch {
		case s == "min":
			for m := range minimal {
				add[m] = true
			}
		case s == "all":
			for v := range valid {
				add[v] = true
			}
		case strings.HasPrefix(s, "!"):
			name := s[1:]
			switch name {
			case "min":
				for m := range minimal {
					exclude[m] = true
				}
			case "all":
				for v := range valid {
					if !minimal[v] {
						exclude[v] = true
					}
				}
			default:
				for _, a := range aliases[name] {
					exclude[a] = true
				}
				exclude[name] = true
			}
		default:
			if !valid[s] {
				names := make([]string, 0, len(valid))
				for v := range valid {
					names = append(names, v)
				}
				sort.Strings(names)
				return nil, fmt.Errorf("Bad subset '%s' given to Ansible. gather_subset options allowed: all, %s", s, strings.Join(names, ", "))
			}
			explicit[s] = true
			add[s] = true
		}
	}
	if len(add) == 0 {
		for v := range valid {
			add[v] = true
		}
	}
	for e := range exclude {
		if !explicit[e] {
			delete(add, e)
		}
	}
	want := map[string]bool{}
	var visit func(c *collector)
	visit = func(c *collector) {
		if want[c.name] {
			return
		}
		want[c.name] = true
		for _, r := range c.requires {
			for _, rc := range byID[r] {
				visit(rc)
			}
		}
	}
	for id := range add {
		for _, c := range byID[id] {
			visit(c)
		}
	}
	return want, nil
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
