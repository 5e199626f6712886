package modules

// The sysctl module, as ansible.posix.sysctl (Linux): the kernel's value
// is read with sysctl -e -n, the file is rewritten as the module's
// fix_lines does, and sysctl -p reloads it.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

func sysctlSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"name":         {Type: "raw", Required: true, Aliases: []string{"key"}},
			"value":        {Type: "str", Aliases: []string{"val"}},
			"state":        {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
			"reload":       {Type: "bool", Default: true},
			"sysctl_set":   {Type: "bool", Default: false},
			"ignoreerrors": {Type: "bool", Default: false},
			"sysctl_file":  {Type: "path", Default: "/etc/sysctl.conf"},
		},
		CheckMode: true,
	}
}

func init() { Register("sysctl", sysctlSpec(), ModuleFunc(runSysctl)) }

// sysctlValue is the module's _parse_value for a string argument.
func sysctlValue(v string) string {
	switch strings.ToLower(v) {
	case "y", "yes", "on", "1", "true", "t":
		return "1"
	case "n", "no", "off", "0", "false", "f":
		return "0"
	}
	return strings.TrimSpace(v)
}

// sysctlEqual is _values_is_equal: the same whitespace-separated words.
func sysctlEqual(a *string, b string) bool {
	if a == nil {
		return false
	}
	return strings.Join(strings.Fields(*a), " ") == strings.Join(strings.Fields(b), " ") &&
		len(strings.Fields(*a)) == len(strings.Fields(b))
}

// sysctlPlan is the module's process(): from the kernel's value (nil when
// sysctl could not read it) and the file's content it decides whether
// anything changes, whether to set the kernel's value, and the new file.
type sysctlPlan struct {
	Changed, SetProc, WriteFile bool
	Content                     string
}

func planSysctl(name, value, state string, reload, set bool, proc *string, file string) sysctlPlan {
	var p sysctlPlan
	var lines []string
	values := map[string]string{}
	if file != "" {
		for _, l := range strings.SplitAfter(file, "\n") {
			if l == "" {
				continue
			}
			line := strings.TrimSpace(l)
			lines = append(lines, line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") || !strings.Contains(line, "=") {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			values[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	cur, inFile := values[name]
	// fix_lines
	var fixed []string
	checked := map[string]bool{}
	for _, line := range lines {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") || !strings.Contains(line, "=") {
			fixed = append(fixed, line)
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if checked[k] {
			continue
		}
		checked[k] = true
		if k == name {
			if state == "present" {
				fixed = append(fixed, k+"="+value)
			}
		} else {
			fixed = append(fixed, k+"="+v)
		}
	}
	if !checked[name] && state == "present" {
		fixed = append(fixed, name+"="+value)
	}
	for _, l := range fixed {
		p.Content += strings.TrimSpace(l) + "\n"
	}
	switch {
	case !inFile && state == "present":
		p.Changed, p.WriteFile = true, true
	case !inFile && state == "absent":
	case cur != "" && state == "absent":
		p.Changed, p.WriteFile = true, true
	case inFile && cur != value:
		p.Changed, p.WriteFile = true, true
	case reload:
		if !sysctlEqual(proc, value) {
			p.Changed = true
		}
	}
	if set && state == "present" {
		if proc == nil {
			p.Changed = true
		} else if !sysctlEqual(proc, value) {
			p.Changed, p.SetProc = true, true
		}
	}
	return p
}

var sysctlStderrFailed = regexp.MustCompile(`(?m)^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$`)

// sysctlSetCommand is set_token_value's command line on Linux.
func sysctlSetCommand(name, value string, ignore bool) string {
	flag := ""
	if ignore {
		flag = "-e "
	}
	return "sysctl " + flag + "-w " + connection.Quote(name+"="+value)
}

func runSysctl(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	rawName, _ := fa.str("name")
	name := strings.TrimSpace(rawName)
	state, _ := fa.str("state")
	if state == "" {
		state = "present"
	}
	value, hasValue := fa.str("value")
	if t.Args["name"] == nil {
		return sysFail("name cannot be None")
	}
	if state == "present" && !hasValue {
		return sysFail("state is present but all of the following are missing: value")
	}
	if rawName == "" {
		return sysFail("name cannot be blank")
	}
	if state == "present" && value == "" {
		return sysFail("value cannot be blank")
	}
	value = sysctlValue(value)
	file, _ := fa.str("sysctl_file")
	if file == "" {
		file = "/etc/sysctl.conf"
	}
	reload, set, ignore := fa.boolean("reload", true), fa.boolean("sysctl_set", false), fa.boolean("ignoreerrors", false)
	env := "LANG=C LC_ALL=C LC_MESSAGES=C "
	res, err := t.Exec(ctx, env+"sysctl -e -n "+connection.Quote(name))
	if err != nil {
		return nil, fmt.Errorf("sysctl: %w", err)
	}
	var proc *string
	if res.ExitCode == 0 {
		s := string(res.Stdout)
		proc = &s
	}
	res, err = t.Exec(ctx, "if [ -f "+fsShellPath(file)+" ]; then cat -- "+fsShellPath(file)+"; fi")
	if err != nil {
		return nil, fmt.Errorf("sysctl: %w", err)
	}
	if res.ExitCode != 0 {
		return sysFail("Failed to open %s: %s", file, strings.TrimSpace(string(res.Stderr)))
	}
	p := planSysctl(name, value, state, reload, set, proc, string(res.Stdout))
	// ansible.posix.sysctl returns no diff, even with --diff.
	r := Result{"changed": p.Changed}
	if t.Check {
		return r, nil
	}
	run := func(cmd, format string) (Result, error) {
		res, err := t.Exec(ctx, env+cmd)
		if err != nil {
			return nil, fmt.Errorf("sysctl: %w", err)
		}
		if res.ExitCode != 0 || sysctlStderrFailed.MatchString(string(res.Stderr)) {
			return sysFail(format, string(res.Stdout)+string(res.Stderr))
		}
		return nil, nil
	}
	if p.SetProc {
		if fr, err := run(sysctlSetCommand(name, value, ignore), "setting "+name+" failed: %s"); fr != nil || err != nil {
			return fr, err
		}
	}
	if p.WriteFile {
		if err := fsWrite(ctx, t, file, []byte(p.Content), "", 0o644); err != nil {
			return sysFail("Failed to write to file %s: %s", file, err)
		}
	}
	if p.Changed && reload {
		flag := ""
		if ignore {
			flag = "-e "
		}
		if fr, err := run("sysctl "+flag+"-p "+fsShellPath(file), "Failed to reload sysctl: %s"); fr != nil || err != nil {
			return fr, err
		}
	}
	return r, nil
}
