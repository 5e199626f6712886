package modules

// The selinux module, as ansible.posix.selinux: the SELinux state and
// policy in /etc/selinux/config (SELINUX=, SELINUXTYPE=), the running
// mode with setenforce, and with update_kernel_param the selinux=0 kernel
// argument through grubby. Also the helpers the other SELinux modules
// share (seboolean, seport, sefcontext): the host's SELinux status, read
// with getenforce.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

func selinuxSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"policy":              {Type: "str"},
			"state":               {Type: "str", Required: true, Choices: []string{"enforcing", "permissive", "disabled"}},
			"configfile":          {Type: "str", Default: "/etc/selinux/config", Aliases: []string{"conf", "file"}},
			"update_kernel_param": {Type: "bool", Default: false},
		},
		CheckMode: true,
	}
}

func init() { Register("selinux", selinuxSpec(), ModuleFunc(runSelinux)) }

// seMode is the host's SELinux mode as getenforce prints it:
// "Enforcing", "Permissive", "Disabled", or "" when getenforce is missing
// (a host without SELinux, such as Debian).
type seMode string

// seEnabled reports whether SELinux runs (is_selinux_enabled).
func (m seMode) seEnabled() bool { return m == "Enforcing" || m == "Permissive" }

// seParseGetenforce reads getenforce's output ("" for a missing getenforce).
func seParseGetenforce(out string) seMode {
	switch s := strings.TrimSpace(out); s {
	case "Enforcing", "Permissive", "Disabled":
		return seMode(s)
	}
	return ""
}

const seGetenforce = `if command -v getenforce >/dev/null 2>&1; then getenforce; else echo omeprov-no-getenforce; fi`

// seStatus runs getenforce on the host.
func seStatus(ctx context.Context, t *Task) (seMode, error) {
	res, err := t.Exec(ctx, seGetenforce)
	if err != nil {
		return "", fmt.Errorf("getenforce: %w", err)
	}
	return seParseGetenforce(string(res.Stdout)), nil
}

// seDisabled is the result of seboolean, seport and sefcontext on a host
// without SELinux (or with it disabled) and without
// ignore_selinux_state: skipped, with the reason. Ansible fails with
// "SELinux is disabled on this host."; the issue asks for a skip that says
// so, so that one play serves hosts with and without SELinux.
func seDisabled(m seMode) Result {
	why := "SELinux is disabled on this host"
	if m == "" {
		why += " (getenforce is not installed)"
	}
	return Result{"changed": false, "skipped": true, "msg": "skipped: " + why}
}

// seCheckEnabled reads the status and returns the skip result when the
// module must not go on (nil when it may).
func seCheckEnabled(ctx context.Context, t *Task) (Result, error) {
	if fileArgs(t.Args).boolean("ignore_selinux_state", false) {
		return nil, nil
	}
	m, err := seStatus(ctx, t)
	if err != nil {
		return nil, err
	}
	if !m.seEnabled() {
		return seDisabled(m), nil
	}
	return nil, nil
}

var (
	seStateLine  = regexp.MustCompile(`^SELINUX=.*$`)
	sePolicyLine = regexp.MustCompile(`^SELINUXTYPE=.*$`)
)

// seConfigValue is get_config_state/get_config_policy: the value of the
// first line matching re; ok is false when there is none.
func seConfigValue(content string, re *regexp.Regexp) (string, bool) {
	for _, line := range seLines(content) {
		if re.MatchString(line) {
			return strings.TrimSpace(strings.Split(line, "=")[1]), true
		}
	}
	return "", false
}

// seLines is Python's str.splitlines for the config file.
func seLines(content string) []string {
	content = strings.ReplaceAll(content, "\r\n", "\n")
	content = strings.ReplaceAll(content, "\r", "\n")
	lines := strings.Split(content, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// seSetConfig is set_config_state/set_config_policy: every matching line
// replaced by key=value (or the line appended), each line ending in \n.
func seSetConfig(content string, re *regexp.Regexp, key, value string) string {
	var b strings.Builder
	found := false
	for _, line := range seLines(content) {
		if re.MatchString(line) {
			found = true
			line = key + "=" + value
		}
		b.WriteString(line + "\n")
	}
	if !found {
		b.WriteString(key + "=" + value + "\n")
	}
	return b.String()
}

var seGrubbyArgs = regexp.MustCompile(`^args="(.*)"$`)

// seKernelEnabled is get_kernel_enabled on `grubby --info=ALL` output:
// true when no kernel has selinux=0, false when all have, nil when mixed.
func seKernelEnabled(out string) *bool {
	allEnabled, allDisabled := true, true
	for _, line := range strings.Split(out, "\n") {
		m := seGrubbyArgs.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if contains(strings.Split(m[1], " "), "selinux=0") {
			allEnabled = false
		} else {
			allDisabled = false
		}
	}
	if allEnabled == allDisabled {
		return nil
	}
	return &allEnabled
}

// seProbe reads what the selinux module needs in one command: the
// mode, the running policy (SELINUXTYPE of /etc/selinux/config, as
// libselinux's selinux_getpolicytype does), and the config file.
func seProbe(configfile string) string {
	return seGetenforce + "; echo '--omeprov--'; " +
		`sed -n 's/^SELINUXTYPE=//p' /etc/selinux/config 2>/dev/null | head -n 1; echo '--omeprov--'; ` +
		"if [ -f " + connection.Quote(configfile) + " ]; then echo yes; cat " + connection.Quote(configfile) + "; else echo no; fi"
}

// seProbeResult is seProbe's output, parsed.
type seProbeResult struct {
	Mode          seMode
	RuntimePolicy string // "None" when unknown, as Python prints it
	ConfigExists  bool
	Config        string
}

func seParseProbe(out string) (seProbeResult, error) {
	parts := strings.SplitN(out, "--omeprov--\n", 3)
	if len(parts) != 3 {
		return seProbeResult{}, fmt.Errorf("selinux: unexpected probe output %q", out)
	}
	r := seProbeResult{Mode: seParseGetenforce(parts[0]), RuntimePolicy: strings.TrimSpace(parts[1])}
	if r.RuntimePolicy == "" {
		r.RuntimePolicy = "None"
	}
	switch {
	case strings.HasPrefix(parts[2], "yes\n"):
		r.ConfigExists, r.Config = true, strings.TrimPrefix(parts[2], "yes\n")
	case strings.TrimSpace(parts[2]) == "yes":
		r.ConfigExists = true
	}
	return r, nil
}

func runSelinux(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	configfile, _ := fa.str("configfile")
	if configfile == "" {
		configfile = "/etc/selinux/config"
	}
	policy, hasPolicy := fa.str("policy")
	state, _ := fa.str("state")
	updateKernel := fa.boolean("update_kernel_param", false)

	res, err := t.Exec(ctx, seProbe(configfile))
	if err != nil {
		return nil, fmt.Errorf("selinux: %w", err)
	}
	p, err := seParseProbe(string(res.Stdout))
	if err != nil {
		return nil, err
	}
	if p.Mode == "" && !p.ConfigExists {
		return Result{"changed": false, "skipped": true,
			"msg": "skipped: SELinux is not installed on this host (no getenforce, no " + configfile + ")"}, nil
	}
	if !p.ConfigExists {
		return Result{"failed": true, "msg": "Unable to find file " + configfile,
			"details": "Please install SELinux-policy package, if this package is not installed previously."}, nil
	}
	runtimeState := "disabled"
	switch p.Mode {
	case "Enforcing":
		runtimeState = "enforcing"
	case "Permissive":
		runtimeState = "permissive"
	}
	configPolicy, hasConfigPolicy := seConfigValue(p.Config, sePolicyLine)
	configState, _ := seConfigValue(p.Config, seStateLine)
	var kernelEnabled *bool
	if updateKernel {
		kr, err := t.Exec(ctx, "command -v grubby >/dev/null 2>&1 || exit 127; grubby --info=ALL")
		if err != nil {
			return nil, fmt.Errorf("selinux: %w", err)
		}
		if kr.ExitCode == 127 {
			return Result{"failed": true, "msg": "'grubby' command not found on host",
				"details": "In order to update the kernel command lineenabled/disabled setting, the grubby packageneeds to be present on the system."}, nil
		}
		if kr.ExitCode != 0 {
			return Failf("unable to run grubby"), nil
		}
		kernelEnabled = seKernelEnabled(string(kr.Stdout))
	}
	if state != "disabled" {
		if !hasPolicy || policy == "" {
			return Failf("Policy is required if state is not 'disabled'"), nil
		}
	} else if !hasPolicy || policy == "" {
		policy = configPolicy
		if !hasConfigPolicy {
			policy = "None"
		}
	}
	var msgs, warnings []string
	changed, reboot := false, false
	config := p.Config
	var cmds []string
	if policy != p.RuntimePolicy {
		if t.Check {
			return Result{"changed": true}, nil
		}
		msgs = append(msgs, fmt.Sprintf("Running SELinux policy changed from '%s' to '%s'", p.RuntimePolicy, policy))
		changed = true
	}
	if !hasConfigPolicy || policy != configPolicy {
		if t.Check {
			return Result{"changed": true}, nil
		}
		ok, err := t.Exec(ctx, "test -e "+connection.Quote("/etc/selinux/"+policy+"/policy"))
		if err != nil {
			return nil, fmt.Errorf("selinux: %w", err)
		}
		if ok.ExitCode != 0 {
			return Failf("Policy %s does not exist in /etc/selinux/", policy), nil
		}
		config = seSetConfig(config, sePolicyLine, "SELINUXTYPE", policy)
		old := configPolicy
		if !hasConfigPolicy {
			old = "None"
		}
		msgs = append(msgs, fmt.Sprintf("SELinux policy configuration in '%s' changed from '%s' to '%s'", configfile, old, policy))
		changed = true
	}
	if state != runtimeState {
		if p.Mode.seEnabled() {
			if state == "disabled" {
				if runtimeState != "permissive" {
					cmds = append(cmds, "setenforce 0")
					warnings = append(warnings, fmt.Sprintf("SELinux state temporarily changed from '%s' to 'permissive'. State change will take effect next reboot.", runtimeState))
					changed = true
				} else {
					warnings = append(warnings, "SELinux state change will take effect next reboot")
				}
				reboot = true
			} else {
				if state == "enforcing" {
					cmds = append(cmds, "setenforce 1")
				} else {
					cmds = append(cmds, "setenforce 0")
				}
				msgs = append(msgs, fmt.Sprintf("SELinux state changed from '%s' to '%s'", runtimeState, state))
				changed = true
			}
		} else {
			warnings = append(warnings, fmt.Sprintf("Reboot is required to set SELinux state to '%s'", state))
			reboot = true
		}
	}
	if state != configState {
		config = seSetConfig(config, seStateLine, "SELINUX", state)
		msgs = append(msgs, fmt.Sprintf("Config SELinux state changed from '%s' to '%s'", seNone(configState), state))
		changed = true
	}
	want := state == "enforcing" || state == "permissive"
	if updateKernel && (kernelEnabled == nil || *kernelEnabled != want) {
		if want {
			cmds = append(cmds, "grubby --update-kernel=ALL --remove-args selinux=0")
		} else {
			cmds = append(cmds, "grubby --update-kernel=ALL --args selinux=0")
		}
		from, to := "enabled", "disabled"
		if want {
			from, to = "disabled", "enabled"
		}
		if kernelEnabled == nil {
			from = "<inconsistent>"
		}
		msgs = append(msgs, fmt.Sprintf("Kernel SELinux state changed from '%s' to '%s'", from, to))
		changed = true
	}
	r := Result{"changed": changed, "msg": strings.Join(msgs, ", "), "configfile": configfile,
		"policy": policy, "state": state, "reboot_required": reboot}
	if len(warnings) > 0 {
		r["warnings"] = warnings
	}
	if t.Diff && config != p.Config {
		r["diff"] = Diff{Before: p.Config, After: config, BeforeHeader: configfile, AfterHeader: configfile}
	}
	if t.Check {
		return r, nil
	}
	if config != p.Config {
		if err := t.Conn.PutFile(ctx, configfile, strings.NewReader(config), &connection.FileOptions{Become: t.Become}); err != nil {
			return nil, fmt.Errorf("selinux: write %s: %w", configfile, err)
		}
	}
	for _, c := range cmds {
		res, err := t.Exec(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("selinux: %w", err)
		}
		if res.ExitCode != 0 {
			msg := strings.TrimSpace(string(res.Stderr))
			if strings.HasPrefix(c, "grubby") {
				msg = "unable to add selinux=0 to kernel config"
				if want {
					msg = "unable to remove selinux=0 from kernel config"
				}
			}
			return Result{"failed": true, "changed": changed, "msg": msg}, nil
		}
	}
	return r, nil
}

// seNone is Python's str of a value that may be None (absent).
func seNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}
