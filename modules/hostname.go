package modules

// The hostname module, as ansible.builtin.hostname: the strategy (how the
// current and the permanent name are read and set) is chosen from `use`
// or, as Ansible does, from systemd being the init system and then from
// the distribution.

import (
	"context"
	"fmt"
	"strings"

	"github.com/ome/omeprov/connection"
)

func hostnameSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"name": {Type: "str", Required: true},
			"use": {Type: "str", Choices: []string{"alpine", "debian", "freebsd", "generic", "macos", "macosx",
				"darwin", "openbsd", "openrc", "redhat", "sles", "solaris", "systemd"}},
		},
		CheckMode: true,
	}
}

func init() { Register("hostname", hostnameSpec(), ModuleFunc(runHostname)) }

// hostnameProbe prints what the strategy is chosen from and the names
// each strategy reads.
const hostnameProbe = `echo "uname $(uname -s)"
for d in /run/systemd/system /dev/.run/systemd /dev/.systemd; do [ -d "$d" ] && command -v systemctl >/dev/null 2>&1 && echo systemd && break; done
[ -r /etc/os-release ] && . /etc/os-release && echo "id ${ID:-}"
[ -f /etc/hostname ] && printf 'file %s\n' "$(cat /etc/hostname)"
[ -f /etc/HOSTNAME ] && printf 'sles %s\n' "$(cat /etc/HOSTNAME)"
[ -f /etc/sysconfig/network ] && sed -n 's/^[[:space:]]*HOSTNAME[[:space:]]*=[[:space:]]*/redhat /p' /etc/sysconfig/network | head -n 1
[ -f /etc/conf.d/hostname ] && sed -n 's/^hostname="\{0,1\}\([^"]*\)"\{0,1\}$/openrc \1/p' /etc/conf.d/hostname | head -n 1
if command -v hostnamectl >/dev/null 2>&1; then
  printf 'transient %s\n' "$(hostnamectl --transient status 2>/dev/null)"
  printf 'static %s\n' "$(hostnamectl --static status 2>/dev/null)"
fi
if command -v scutil >/dev/null 2>&1; then
  for k in HostName ComputerName LocalHostName; do printf 'scutil%s %s\n' "$k" "$(scutil --get $k 2>/dev/null)"; done
fi
printf 'fqdn %s\n' "$(hostname -f 2>/dev/null || uname -n)"
exit 0`

// hostnameFacts is what hostnameProbe found.
type hostnameFacts map[string]string

func parseHostnameProbe(out string) hostnameFacts {
	f := hostnameFacts{}
	for _, l := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(l, " ")
		if k != "" {
			if _, seen := f[k]; !seen {
				f[k] = strings.TrimSpace(v)
			}
		}
	}
	return f
}

// hostnameStrategy picks the strategy as Ansible's Hostname class does:
// use, else systemd when it manages a Linux host, else the distribution's.
func hostnameStrategy(use string, f hostnameFacts) (string, error) {
	switch use {
	case "debian", "systemd":
		return "systemd", nil
	case "macos", "macosx", "darwin":
		return "darwin", nil
	case "alpine", "redhat", "sles", "openrc", "generic":
		return use, nil
	case "":
	default:
		return "", fmt.Errorf("omeprov's hostname module does not support use=%s", use)
	}
	system := f["uname"]
	if system == "Darwin" {
		return "darwin", nil
	}
	if system != "Linux" {
		return "", fmt.Errorf("hostname module cannot be used on platform %s", system)
	}
	if _, ok := f["systemd"]; ok {
		return "systemd", nil
	}
	switch f["id"] {
	case "debian", "ubuntu", "kali", "linuxmint", "raspbian", "devuan", "pop", "neon", "kylin", "cumulus-linux", "deepin", "elementary", "zorin", "uos", "parrot", "pureos":
		return "file", nil
	case "rhel", "centos", "rocky", "almalinux", "ol", "scientific", "amzn", "cloudlinux", "virtuozzo", "eurolinux", "anolis", "alinux":
		return "redhat", nil
	case "fedora", "arch", "manjaro", "archarm", "coreos":
		return "systemd", nil
	case "alpine":
		return "alpine", nil
	case "sles", "sled", "opensuse-leap", "opensuse-tumbleweed":
		return "sles", nil
	case "gentoo":
		return "openrc", nil
	}
	d := f["id"]
	if d == "" {
		return "", fmt.Errorf("hostname module cannot be used on platform Linux")
	}
	return "", fmt.Errorf("hostname module cannot be used on platform Linux (%s)", strings.ToUpper(d[:1])+d[1:])
}

// hostnamePlan reads the current and permanent names for the strategy
// and returns the commands that set name, empty when both agree.
func hostnamePlan(strategy, name string, f hostnameFacts) (current, permanent string, cmds []string) {
	q := connection.Quote(name)
	switch strategy {
	case "file", "alpine":
		permanent = f["file"]
		current = permanent
		if permanent != name {
			cmds = append(cmds, "printf '%s\\n' "+q+" > /etc/hostname")
			if strategy == "alpine" {
				cmds = append(cmds, "hostname -F /etc/hostname")
			}
		}
	case "sles":
		permanent = f["sles"]
		current = permanent
		if permanent != name {
			cmds = append(cmds, "printf '%s\\n' "+q+" > /etc/HOSTNAME")
		}
	case "redhat":
		permanent = f["redhat"]
		current = permanent
		if permanent != name {
			cmds = append(cmds, "if grep -q '^[[:space:]]*HOSTNAME' /etc/sysconfig/network 2>/dev/null; then "+
				"sed -i.omeprov \"s/^[[:space:]]*HOSTNAME.*/HOSTNAME=$(printf '%s' "+q+" | sed 's/[&/\\\\]/\\\\&/g')/\" /etc/sysconfig/network && rm -f /etc/sysconfig/network.omeprov; "+
				"else printf 'HOSTNAME=%s\\n' "+q+" >> /etc/sysconfig/network; fi")
		}
	case "openrc":
		permanent = f["openrc"]
		current = permanent
		if permanent != name {
			cmds = append(cmds, "printf 'hostname=\"%s\"\\n' "+q+" > /etc/conf.d/hostname")
		}
	case "systemd":
		current, permanent = f["transient"], f["static"]
		if permanent != name {
			cmds = append(cmds, "hostnamectl --pretty --static set-hostname "+q)
		}
		if current != name {
			cmds = append(cmds, "hostnamectl --transient set-hostname "+q)
		}
	case "darwin":
		current, permanent = f["scutilHostName"], f["scutilComputerName"]
		local := darwinScrub(name)
		if f["scutilHostName"] != name || f["scutilComputerName"] != name || f["scutilLocalHostName"] != local {
			for _, k := range []string{"HostName", "ComputerName", "LocalHostName"} {
				v := name
				if k == "LocalHostName" {
					v = local
				}
				cmds = append(cmds, "scutil --set "+k+" "+connection.Quote(v))
			}
		}
	case "generic":
		permanent = "UNKNOWN"
		current = f["fqdn"]
	}
	return current, permanent, cmds
}

// darwinScrub is Ansible's _scrub_hostname for macOS's LocalHostName.
func darwinScrub(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '.' || r == '\'':
		case strings.ContainsRune("\"~`!@#$%^&*(){}[]/=?+\\|-_ ", r):
			b.WriteRune('-')
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "")
	}
	return strings.TrimRight(s, "-")
}

func runHostname(ctx context.Context, t *Task) (Result, error) {
	name := pyStr(t.Args["name"])
	use, _ := fileArgs(t.Args).str("use")
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(hostnameProbe))
	if err != nil {
		return nil, fmt.Errorf("hostname: %w", err)
	}
	f := parseHostnameProbe(string(res.Stdout))
	strategy, err := hostnameStrategy(use, f)
	if err != nil {
		return sysFail("%s", err.Error())
	}
	if strategy == "systemd" && len(name) > 64 {
		return sysFail("name cannot be longer than 64 characters on systemd servers, try a shorter name")
	}
	if _, ok := f["redhat"]; strategy == "redhat" && !ok {
		return sysFail("Unable to locate HOSTNAME entry in /etc/sysconfig/network")
	}
	current, permanent, cmds := hostnamePlan(strategy, name, f)
	changed := len(cmds) > 0
	if changed && !t.Check {
		res, err := t.Exec(ctx, strings.Join(cmds, " && "))
		if err != nil {
			return nil, fmt.Errorf("hostname: %w", err)
		}
		if res.ExitCode != 0 {
			return sysFail("failed to update hostname: %s", strings.TrimSpace(string(res.Stderr)))
		}
	}
	before := permanent
	if name != current {
		before = current
	}
	fqdn := f["fqdn"]
	domain := ""
	if i := strings.Index(fqdn, "."); i >= 0 {
		domain = fqdn[i+1:]
	}
	short, _, _ := strings.Cut(name, ".")
	r := Result{"changed": changed, "name": name, "ansible_facts": map[string]any{
		"ansible_hostname": short, "ansible_nodename": name, "ansible_fqdn": fqdn, "ansible_domain": domain}}
	if changed {
		r["diff"] = Diff{Before: "hostname = " + before + "\n", After: "hostname = " + name + "\n"}
	}
	return r, nil
}
