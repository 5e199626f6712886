package modules

// The service modules: ansible.builtin.systemd (alias systemd_service),
// ansible.builtin.sysvinit, and ansible.builtin.service, which hands over
// to one of them by the host's service_mgr fact as Ansible's service
// action does. Each follows its Ansible module's decisions step by step;
// the host is driven with systemctl, or with the init scripts, service and
// update-rc.d/chkconfig.

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func systemdSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"name":          {Type: "str", Aliases: []string{"service", "unit"}},
			"state":         {Type: "str", Choices: []string{"reloaded", "restarted", "started", "stopped"}},
			"enabled":       {Type: "bool"},
			"force":         {Type: "bool"},
			"masked":        {Type: "bool"},
			"daemon_reload": {Type: "bool", Default: false, Aliases: []string{"daemon-reload"}},
			"daemon_reexec": {Type: "bool", Default: false, Aliases: []string{"daemon-reexec"}},
			"scope":         {Type: "str", Default: "system", Choices: []string{"system", "user", "global"}},
			"no_block":      {Type: "bool", Default: false},
		},
		RequiredOneOf: [][]string{{"state", "enabled", "masked", "daemon_reload", "daemon_reexec"}},
		CheckMode:     true,
	}
}

func sysvinitSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"name":      {Type: "str", Required: true, Aliases: []string{"service"}},
			"state":     {Type: "str", Choices: []string{"started", "stopped", "restarted", "reloaded"}},
			"enabled":   {Type: "bool"},
			"sleep":     {Type: "int", Default: 1},
			"pattern":   {Type: "str"},
			"arguments": {Type: "str", Aliases: []string{"args"}},
			"runlevels": {Type: "list", Elements: "str"},
			"daemonize": {Type: "bool", Default: false},
		},
		RequiredOneOf: [][]string{{"state", "enabled"}},
		CheckMode:     true,
	}
}

func serviceSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"name":      {Type: "str", Required: true},
			"state":     {Type: "str", Choices: []string{"reloaded", "restarted", "started", "stopped"}},
			"sleep":     {Type: "int"},
			"pattern":   {Type: "str"},
			"enabled":   {Type: "bool"},
			"runlevel":  {Type: "str", Default: "default"},
			"arguments": {Type: "str", Default: "", Aliases: []string{"args"}},
			"use":       {Type: "str", Default: "auto"},
		},
		CheckMode: true,
	}
}

func init() {
	Register("systemd", systemdSpec(), ModuleFunc(runSystemd))
	Register("systemd_service", systemdSpec(), ModuleFunc(runSystemd))
	Register("sysvinit", sysvinitSpec(), ModuleFunc(runSysvinit))
	Register("service", serviceSpec(), ModuleFunc(runService))
}

// ParseSystemctlShow reads `systemctl show` output as Ansible's
// parse_systemctl_show: key=value lines, where only Exec* values that
// start with "{" may run over several lines up to a line ending in "}".
func ParseSystemctlShow(out string) map[string]string {
	parsed := map[string]string{}
	var multi []string
	k := ""
	for _, line := range strings.Split(out, "\n") {
		if k == "" {
			key, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			if strings.HasPrefix(key, "Exec") && strings.HasPrefix(strings.TrimLeft(v, " \t"), "{") &&
				!strings.HasSuffix(strings.TrimRight(v, " \t\r"), "}") {
				k = key
				multi = append(multi, v)
				continue
			}
			parsed[key] = strings.TrimSpace(v)
			continue
		}
		multi = append(multi, line)
		if strings.HasSuffix(strings.TrimRight(line, " \t\r"), "}") {
			parsed[k] = strings.TrimSpace(strings.Join(multi, "\n"))
			multi, k = nil, ""
		}
	}
	return parsed
}

// requestWasIgnored is Ansible's request_was_ignored.
func requestWasIgnored(out string) bool {
	return !strings.Contains(out, "=") && (strings.Contains(out, "ignoring request") || strings.Contains(out, "ignoring command"))
}

// systemdArgs are the systemd module's arguments.
type systemdArgs struct {
	Name                 string
	State                string
	Enabled, Masked      *bool
	DaemonReload, Reexec bool
	Scope                string
	NoBlock, Force       bool
}

func systemdArgsFrom(args map[string]any) systemdArgs {
	fa := fileArgs(args)
	s := systemdArgs{Scope: "system"}
	s.Name, _ = fa.str("name")
	s.State, _ = fa.str("state")
	optBool := func(k string) *bool {
		if v, ok := args[k]; ok && v != nil {
			b := fa.boolean(k, false)
			return &b
		}
		return nil
	}
	s.Enabled, s.Masked = optBool("enabled"), optBool("masked")
	s.DaemonReload, s.Reexec = fa.boolean("daemon_reload", false), fa.boolean("daemon_reexec", false)
	if v, ok := fa.str("scope"); ok && v != "" {
		s.Scope = v
	}
	s.NoBlock, s.Force = fa.boolean("no_block", false), fa.boolean("force", false)
	return s
}

// systemctl is the systemctl command with the options every call takes.
func (s *systemdArgs) systemctl() string {
	c := "systemctl"
	if s.Scope != "system" {
		c += " --" + s.Scope
	}
	if s.NoBlock {
		c += " --no-block"
	}
	if s.Force {
		c += " --force"
	}
	return c
}

// run runs one systemctl subcommand on the unit ("" for none).
func (s *systemdArgs) run(ctx context.Context, t *Task, sub, unit string, extra ...string) (int, string, string, error) {
	cmd := s.systemctl() + " " + sub
	if unit != "" {
		cmd += " " + connection.Quote(unit)
	}
	for _, e := range extra {
		cmd += " " + connection.Quote(e)
	}
	if s.Scope != "system" {
		cmd = `: "${XDG_RUNTIME_DIR:=/run/user/$(id -u)}"; export XDG_RUNTIME_DIR; ` + cmd
	}
	res, err := t.Exec(ctx, cmd)
	if err != nil {
		return 0, "", "", fmt.Errorf("systemd: %w", err)
	}
	return res.ExitCode, string(res.Stdout), string(res.Stderr), nil
}

// sysvExists tells whether the init script of name exists on the host, and
// lists the /etc/rc?.d/S??name links (Ansible's sysv_is_enabled).
func sysvProbe(ctx context.Context, t *Task, name string) (exists bool, links []string, err error) {
	script := sysvScript(name)
	cmd := "if [ -e " + connection.Quote(script) + " ]; then echo exists; fi; for f in /etc/rc?.d/S??" +
		globQuote(name) + "; do [ -e \"$f\" ] || [ -L \"$f\" ] && echo \"L $f\"; done; true"
	res, err := t.Exec(ctx, cmd)
	if err != nil {
		return false, nil, err
	}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if l == "exists" {
			exists = true
		} else if strings.HasPrefix(l, "L ") {
			links = append(links, l[2:])
		}
	}
	return exists, links, nil
}

// globQuote quotes s for the shell so that it matches itself in a glob.
func globQuote(s string) string {
	if s == "" {
		return "''"
	}
	return connection.Quote(s)
}

// sysvScript is Ansible's get_sysv_script.
func sysvScript(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/etc/init.d/" + name
}

// sysvEnabled tells from the S links whether the service is enabled in
// runlevel ("" for any).
func sysvEnabled(links []string, runlevel string) bool {
	if runlevel == "" {
		return len(links) > 0
	}
	rl := runlevel
	if !strings.HasPrefix(rl, "rc") {
		rl = "rc" + rl
	}
	if !strings.HasSuffix(rl, ".d") {
		rl += ".d"
	}
	for _, l := range links {
		if path.Base(path.Dir(l)) == rl {
			return true
		}
	}
	return false
}

// systemdActiveAction is what the state asks of a unit in ActiveState
// active: the systemctl verb, "" for nothing, and the state reported.
func systemdActiveAction(state, active string) (action, reported string) {
	running := active == "active" || active == "activating"
	switch state {
	case "started":
		if !running {
			return "start", state
		}
		return "", state
	case "stopped":
		if running || active == "deactivating" {
			return "stop", state
		}
		return "", state
	default:
		if !running {
			return "start", "started"
		}
		return strings.TrimSuffix(state, "ed"), "started"
	}
}

func runSystemd(ctx context.Context, t *Task) (Result, error) {
	s := systemdArgsFrom(t.Args)
	if s.Name == "" && (s.State != "" || s.Enabled != nil || s.Masked != nil) {
		missing := []string{}
		for _, k := range []string{"state", "enabled", "masked"} {
			if v, ok := t.Args[k]; ok && v != nil {
				missing = append(missing, k)
			}
		}
		return sysFail("missing parameter(s) required by '%s': name", missing[0])
	}
	for _, g := range []string{"*", "?", "["} {
		if strings.Contains(s.Name, g) {
			return sysFail("This module does not currently support using glob patterns, found '%s' in service name: %s", g, s.Name)
		}
	}
	unit := s.Name
	var name any = unit
	if unit == "" {
		name = nil
	}
	result := Result{"name": name, "changed": false, "status": map[string]any{}}
	var warnings []string
	fail := func(msg string) (Result, error) {
		r := Result{"failed": true, "msg": msg, "changed": false}
		if len(warnings) > 0 {
			r["warnings"] = warnings
		}
		return r, nil
	}
	if s.DaemonReload && !t.Check {
		rc, _, se, err := s.run(ctx, t, "daemon-reload", "")
		if err != nil {
			return nil, err
		}
		if rc != 0 {
			return fail(fmt.Sprintf("failure %d during daemon-reload: %s", rc, se))
		}
	}
	if s.Reexec && !t.Check {
		rc, _, se, err := s.run(ctx, t, "daemon-reexec", "")
		if err != nil {
			return nil, err
		}
		if rc != 0 {
			return fail(fmt.Sprintf("failure %d during daemon-reexec: %s", rc, se))
		}
	}
	if unit == "" {
		return result, nil
	}
	isInitd, links, err := sysvProbe(ctx, t, unit)
	if err != nil {
		return nil, fmt.Errorf("systemd: %w", err)
	}
	status := map[string]string{}
	isSystemd := false
	rc, so, se, err := s.run(ctx, t, "show", unit)
	if err != nil {
		return nil, err
	}
	switch {
	case rc == 0 && !(requestWasIgnored(so) || requestWasIgnored(se)):
		if so != "" {
			status = ParseSystemctlShow(so)
			ls, has := status["LoadState"]
			isSystemd = has && ls != "not-found"
			if isSystemd && ls != "masked" && status["LoadError"] != "" {
				return fail(fmt.Sprintf("Error loading unit file '%s': %s", unit, status["LoadError"]))
			}
		}
	case se != "" && rc == 1 && strings.Contains(se, "Failed to parse bus message"):
		status = ParseSystemctlShow(so)
		base, _, sep := strings.Cut(unit, "@")
		search := base
		if sep {
			search += "@"
		}
		_, lo, _, err := s.run(ctx, t, "list-unit-files", search+"*")
		if err != nil {
			return nil, err
		}
		isSystemd = strings.Contains(lo, search)
		_, ao, _, err := s.run(ctx, t, "is-active", unit)
		if err != nil {
			return nil, err
		}
		status["ActiveState"] = strings.TrimRight(ao, "\n")
	default:
		_, eo, _, err := s.run(ctx, t, "is-enabled", unit)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(eo) {
		case "enabled", "enabled-runtime", "linked", "linked-runtime", "masked", "masked-runtime",
			"static", "indirect", "disabled", "generated", "transient":
			isSystemd = true
		default:
			lrc, _, _, err := s.run(ctx, t, "list-unit-files", unit)
			if err != nil {
				return nil, err
			}
			if lrc == 0 {
				isSystemd = true
			} else {
				crc, _, cse, err := s.run(ctx, t, "", "")
				if err != nil {
					return nil, err
				}
				if crc != 0 {
					return Result{"failed": true, "changed": false, "rc": crc, "stderr": cse, "msg": strings.TrimSpace(cse), "cmd": "systemctl"}, nil
				}
			}
		}
	}
	st := map[string]any{}
	for k, v := range status {
		st[k] = v
	}
	result["status"] = st
	found := isSystemd || isInitd
	if isInitd && !isSystemd {
		warnings = append(warnings, fmt.Sprintf("The service (%s) is actually an init script but the system is managed by systemd", unit))
	}
	missing := fmt.Sprintf("Could not find the requested service %s: host", unit)
	if s.Masked != nil {
		_, eo, _, err := s.run(ctx, t, "is-enabled", unit)
		if err != nil {
			return nil, err
		}
		masked := strings.TrimSpace(eo) == "masked"
		if masked != *s.Masked {
			result["changed"] = true
			action := "unmask"
			if *s.Masked {
				action = "mask"
			}
			if !t.Check {
				rc, _, _, err := s.run(ctx, t, action, unit)
				if err != nil {
					return nil, err
				}
				if rc != 0 && !found {
					return fail(missing)
				}
			}
		}
	}
	if s.Enabled != nil {
		action := "disable"
		if *s.Enabled {
			action = "enable"
		}
		if !found {
			return fail(missing)
		}
		rc, eo, _, err := s.run(ctx, t, "is-enabled", unit, "-l")
		if err != nil {
			return nil, err
		}
		enabled := false
		if rc == 0 {
			lines := strings.Split(strings.TrimRight(eo, "\n"), "\n")
			enabled = !(len(lines) == 1 && (lines[0] == "indirect" || lines[0] == "alias"))
		} else if rc == 1 && s.Scope == "system" && isInitd && !strings.HasSuffix(strings.TrimSpace(eo), "disabled") && sysvEnabled(links, "") {
			enabled = true
		}
		result["enabled"] = enabled
		if enabled != *s.Enabled {
			result["changed"] = true
			if !t.Check {
				rc, ao, ae, err := s.run(ctx, t, action, unit)
				if err != nil {
					return nil, err
				}
				if rc != 0 {
					return fail(fmt.Sprintf("Unable to %s service %s: %s", action, unit, ao+ae))
				}
			}
			result["enabled"] = !enabled
		}
	}
	if s.State != "" {
		if !found {
			return fail(missing)
		}
		result["state"] = s.State
		if active, ok := status["ActiveState"]; ok {
			action, reported := systemdActiveAction(s.State, active)
			result["state"] = reported
			if action != "" {
				result["changed"] = true
				if !t.Check {
					rc, _, ae, err := s.run(ctx, t, action, unit)
					if err != nil {
						return nil, err
					}
					if rc != 0 {
						return fail(fmt.Sprintf("Unable to %s service %s: %s", action, unit, ae))
					}
				}
			}
		} else {
			r, err := t.Exec(ctx, `[ "$(stat -c %d:%i / 2>/dev/null)" = "$(stat -c %d:%i /proc/1/root/. 2>/dev/null)" ] || echo chroot; [ "$SYSTEMD_OFFLINE" = 1 ] && echo offline; true`)
			if err != nil {
				return nil, fmt.Errorf("systemd: %w", err)
			}
			if strings.TrimSpace(string(r.Stdout)) != "" {
				warnings = append(warnings, "Target is a chroot or systemd is offline. This can lead to false positives or prevent the init system tools from working.")
			} else {
				r := Result{"failed": true, "changed": false, "msg": "Service is in unknown state", "status": st}
				return r, nil
			}
		}
	}
	if len(warnings) > 0 {
		result["warnings"] = warnings
	}
	return result, nil
}

// sysvStatusGuess reads a status command's outcome as Ansible's sysvinit
// module does: worked tells whether it could tell, started whether the
// service runs.
func sysvStatusGuess(name string, rc int, out string) (worked, started bool) {
	if name == "iptables" && strings.Contains(out, "ACCEPT") {
		return true, true
	}
	if strings.Count(out, "\n") <= 1 {
		clean := strings.ReplaceAll(strings.ToLower(out), strings.ToLower(name), "")
		for _, s := range []string{"stop", "is dead ", "dead but ", "could not access pid file", "inactive"} {
			if strings.Contains(clean, s) {
				return true, false
			}
		}
		for _, s := range []string{"run", "start", "active"} {
			if strings.Contains(clean, s) && !strings.Contains(clean, "not ") {
				return true, true
			}
		}
	}
	switch rc {
	case 1, 2, 3, 4, 69:
		return true, false
	case 0:
		return true, true
	}
	return false, false
}

// psMatches runs ps on the host and tells whether a line holds pattern
// (Ansible's get_ps).
func psMatches(ctx context.Context, t *Task, pattern string) (bool, error) {
	res, err := t.Exec(ctx, "ps auxww 2>/dev/null || ps -ef")
	if err != nil {
		return false, err
	}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if strings.Contains(l, pattern) {
			return true, nil
		}
	}
	return false, nil
}

// sysvTools finds service, update-rc.d and chkconfig on the host.
func sysvTools(ctx context.Context, t *Task) (map[string]string, error) {
	res, err := t.Exec(ctx, `for b in chkconfig update-rc.d insserv service; do for d in /sbin /usr/sbin /bin /usr/bin $(echo "$PATH" | tr : ' '); do if [ -x "$d/$b" ]; then echo "$b $d/$b"; break; fi; done; done`)
	if err != nil {
		return nil, err
	}
	loc := map[string]string{}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if b, p, ok := strings.Cut(l, " "); ok {
			loc[b] = p
		}
	}
	return loc, nil
}

func runSysvinit(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	name, _ := fa.str("name")
	state, _ := fa.str("state")
	var enabled *bool
	if v, ok := t.Args["enabled"]; ok && v != nil {
		b := fa.boolean("enabled", false)
		enabled = &b
	}
	runlevels := fa.list("runlevels")
	pattern, _ := fa.str("pattern")
	sleep := fa.integer("sleep", 1)
	arguments, hasArgs := fa.str("arguments")
	if fa.boolean("daemonize", false) {
		return sysFail("omeprov's sysvinit module does not support daemonize")
	}
	exists, links, err := sysvProbe(ctx, t, name)
	if err != nil {
		return nil, fmt.Errorf("sysvinit: %w", err)
	}
	if !exists {
		return sysFail("Could not find the requested service %s: ", name)
	}
	script := sysvScript(name)
	loc, err := sysvTools(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("sysvinit: %w", err)
	}
	var warnings []string
	started, worked := false, false
	if pattern != "" {
		if started, err = psMatches(ctx, t, pattern); err != nil {
			return nil, fmt.Errorf("sysvinit: %w", err)
		}
		worked = started
	} else {
		cmd := connection.Quote(script) + " status"
		if loc["service"] != "" {
			cmd = connection.Quote(loc["service"]) + " " + connection.Quote(name) + " status"
		}
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("sysvinit: %w", err)
		}
		worked, started = sysvStatusGuess(name, res.ExitCode, string(res.Stdout))
		if !worked {
			if ok, err := psMatches(ctx, t, name); err == nil && ok {
				worked, started = true, true
				warnings = append(warnings, "Used ps output to match service name and determine it is up, this is very unreliable")
			}
		}
	}
	if !worked {
		warnings = append(warnings, "Unable to determine if service is up, assuming it is down")
	}
	status := map[string]any{}
	enStatus := map[string]any{"changed": false, "rc": nil, "stdout": nil, "stderr": nil}
	status["enabled"] = enStatus
	changed := false
	var enCmd string
	if len(runlevels) > 0 {
		enStatus["runlevels"] = runlevels
		for _, rl := range runlevels {
			if enabled == nil || *enabled != sysvEnabled(links, rl) {
				changed = true
				enStatus["changed"] = true
			}
		}
		if enabled != nil && *enabled {
			if loc["update-rc.d"] != "" {
				enCmd = connection.QuoteAll(append([]string{loc["update-rc.d"], name, "enable"}, runlevels...)...)
			} else if loc["chkconfig"] != "" {
				enCmd = connection.QuoteAll(loc["chkconfig"], "--level", strings.Join(runlevels, ""), name, "on")
			}
		} else {
			if loc["update-rc.d"] != "" {
				enCmd = connection.QuoteAll(append([]string{loc["update-rc.d"], name, "disable"}, runlevels...)...)
			} else if loc["chkconfig"] != "" {
				enCmd = connection.QuoteAll(loc["chkconfig"], "--level", strings.Join(runlevels, ""), name, "off")
			}
		}
	} else if enabled != nil && *enabled != sysvEnabled(links, "") {
		changed = true
		enStatus["changed"] = true
		verb := map[bool][2]string{true: {"defaults", "on"}, false: {"disable", "off"}}[*enabled]
		if loc["update-rc.d"] != "" {
			enCmd = connection.QuoteAll(loc["update-rc.d"], name, verb[0])
		} else if loc["chkconfig"] != "" {
			enCmd = connection.QuoteAll(loc["chkconfig"], name, verb[1])
		}
	}
	if !t.Check && changed {
		rc, so, se := 0, "", ""
		if enCmd != "" {
			res, err := t.Exec(ctx, enCmd)
			if err != nil {
				return nil, fmt.Errorf("sysvinit: %w", err)
			}
			rc, so, se = res.ExitCode, string(res.Stdout), string(res.Stderr)
		}
		enStatus["rc"], enStatus["stdout"], enStatus["stderr"] = rc, so, se
		if strings.Contains(se, "illegal runlevel specified") {
			return Result{"failed": true, "changed": changed, "name": name, "status": status,
				"msg": "Illegal runlevel specified for enable operation on service " + name}, nil
		}
	}
	stStatus := map[string]any{"changed": false, "rc": nil, "stdout": nil, "stderr": nil}
	key := state
	if state == "" {
		key = "null" // Python's json.dumps writes a None key so
	}
	status[key] = stStatus
	if state != "" {
		action := regexp.MustCompile(`p?ed$`).ReplaceAllString(strings.ToLower(state), "")
		runme := func(verb string) (int, string, string, Result, error) {
			cmd := connection.Quote(script) + " " + connection.Quote(verb)
			if hasArgs {
				words, err := serviceArguments(arguments)
				if err != nil {
					return 0, "", "", Result{"failed": true, "changed": false, "msg": err.Error()}, nil
				}
				cmd += words
			}
			res, err := t.Exec(ctx, cmd)
			if err != nil {
				return 0, "", "", nil, fmt.Errorf("sysvinit: %w", err)
			}
			if res.ExitCode != 0 {
				return 0, "", "", Result{"failed": true, "changed": false, "msg": fmt.Sprintf("Failed to %s service: %s", action, name),
					"rc": res.ExitCode, "stdout": string(res.Stdout), "stderr": string(res.Stderr)}, nil
			}
			return res.ExitCode, string(res.Stdout), string(res.Stderr), nil, nil
		}
		doit := ""
		switch {
		case action == "restart":
			doit = "restart"
		case started != (action == "start"), started == (action == "stop"):
			doit = action
		}
		if doit != "" {
			changed = true
			stStatus["changed"] = true
			if !t.Check {
				var rc int
				var so, se string
				verbs := []string{doit}
				if doit == "restart" {
					verbs = []string{"stop", "start"}
				}
				for _, v := range verbs {
					var fr Result
					var err error
					rc, so, se, fr, err = runme(v)
					if err != nil || fr != nil {
						return fr, err
					}
					if doit == "restart" && sleep > 0 {
						select {
						case <-ctx.Done():
							return nil, ctx.Err()
						case <-time.After(time.Duration(sleep) * time.Second):
						}
					}
				}
				stStatus["rc"], stStatus["stdout"], stStatus["stderr"] = rc, so, se
			}
		}
	}
	r := Result{"name": name, "changed": changed, "status": status}
	if len(warnings) > 0 {
		r["warnings"] = warnings
	}
	return r, nil
}

// runService hands over to the module for the host's service manager, as
// Ansible's service action plugin does: use, or the service_mgr fact.
func runService(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	use, _ := fa.str("use")
	if use == "" || use == "auto" {
		facts, err := t.Ctl.Facts(ctx)
		if err != nil {
			return nil, fmt.Errorf("service: %w", err)
		}
		use, _ = facts["service_mgr"].(string)
		if use == "" {
			use = "service"
		}
	}
	use = ShortName(use)
	// Only the arguments the task gave pass on (Ansible copies the task's
	// args, not the defaults); Validate fills defaults, so defaults equal
	// to the spec's are dropped here.
	args := map[string]any{}
	for k, v := range t.Args {
		if k == "use" || v == nil {
			continue
		}
		if (k == "runlevel" && v == "default") || (k == "arguments" && v == "") {
			continue
		}
		args[k] = v
	}
	var warnings []string
	var run func(context.Context, *Task) (Result, error)
	var spec Spec
	switch use {
	case "systemd":
		for _, k := range []string{"pattern", "runlevel", "sleep", "arguments", "args"} {
			if _, ok := args[k]; ok {
				delete(args, k)
				warnings = append(warnings, fmt.Sprintf("Ignoring \"%s\" as it is not used in \"%s\"", k, use))
			}
		}
		run, spec = runSystemd, systemdSpec()
	case "sysvinit":
		delete(args, "runlevel")
		run, spec = runSysvinit, sysvinitSpec()
	case "launchd", "bsdinit", "src", "smf":
		return sysFail("omeprov's service module does not support the service manager %q (systemd and sysvinit are supported)", use)
	default:
		// Any other service_mgr ("service", the fact's fallback, or a PID 1
		// Ansible does not know, such as a container's init) is not a
		// module Ansible has: its service action runs the generic service
		// module, which finds the tools on the host itself.
		return runLinuxService(ctx, t, args)
	}
	v, err := Validate(use, spec, args)
	if err != nil {
		return Result{"failed": true, "msg": err.Error()}, nil
	}
	sub := *t
	sub.Args = v
	r, err := run(ctx, &sub)
	if err != nil || r == nil {
		return r, err
	}
	if len(warnings) > 0 {
		old, _ := r["warnings"].([]string)
		r["warnings"] = append(warnings, old...)
	}
	return r, nil
}

// sysFail is a module's fail_json: failed, changed false and a message.
func sysFail(format string, a ...any) (Result, error) {
	return Result{"failed": true, "changed": false, "msg": fmt.Sprintf(format, a...)}, nil
}

// linuxServiceProbe is what Ansible's LinuxService.get_service_tools
// looks at on the host.
const linuxServiceProbe = `n=$1
for b in service chkconfig update-rc.d rc-service rc-update initctl systemctl insserv; do
  for d in /sbin /usr/sbin /bin /usr/bin $(echo "$PATH" | tr : ' ') /usr/local/sbin; do
    if [ -f "$d/$b" ] && [ -x "$d/$b" ]; then echo "B $b $d/$b"; break; fi
  done
done
[ -f "/etc/init.d/$n" ] && echo initscript
for c in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$c" ] && echo canary; done
grep -q systemd /proc/1/comm 2>/dev/null && echo canary
[ -e "/etc/init/$n.conf" ] && echo upstartconf
for f in /etc/rc?.d/S??"$n"; do [ -e "$f" ] || [ -L "$f" ] && echo "S $f"; done
for f in /etc/rc?.d/K??"$n"; do [ -e "$f" ] || [ -L "$f" ] && echo "K $f"; done
true`

// linuxServiceRun runs cmd as Ansible's service module runs its commands
// (execute_command): in the C locale. Daemonized ones run as Ansible's
// daemonized child does, with an environment of only LANG, LC_ALL and
// LC_MESSAGES (no PATH: the init script's shell uses its default one), in
// their own session, with output through files, so that a daemon the
// command starts holds no pipe of the connection open.
func linuxServiceRun(ctx context.Context, t *Task, cmd string, daemonize bool) (int, string, string, error) {
	c := "LANG=C LC_ALL=C LC_MESSAGES=C " + cmd
	if daemonize {
		c = `o=$(mktemp) && e=$(mktemp) || exit 1; s=; command -v setsid >/dev/null 2>&1 && s="setsid -w"; ` +
			`$s env -i LANG=C LC_ALL=C LC_MESSAGES=C ` + cmd + ` </dev/null >"$o" 2>"$e"; rc=$?; cat "$o"; cat "$e" >&2; rm -f "$o" "$e"; exit $rc`
	}
	res, err := t.Exec(ctx, c)
	if err != nil {
		return 0, "", "", fmt.Errorf("service: %w", err)
	}
	return res.ExitCode, string(res.Stdout), string(res.Stderr), nil
}

// runLinuxService is Ansible's generic service module (LinuxService) for
// hosts whose services are SysV init scripts enabled with update-rc.d,
// run through the service command (or the init script itself).
func runLinuxService(ctx context.Context, t *Task, args map[string]any) (Result, error) {
	v, err := Validate("service", serviceSpec(), args)
	if err != nil {
		return Result{"failed": true, "msg": err.Error()}, nil
	}
	if _, ok := v["state"]; !ok || v["state"] == nil {
		if e, ok := v["enabled"]; !ok || e == nil {
			return sysFail("one of the following is required: state, enabled")
		}
	}
	fa := fileArgs(v)
	name, _ := fa.str("name")
	state, _ := fa.str("state")
	pattern, _ := fa.str("pattern")
	arguments, _ := fa.str("arguments")
	var enable *bool
	if e, ok := v["enabled"]; ok && e != nil {
		b := fa.boolean("enabled", false)
		enable = &b
	}
	sleep := 0
	if sl, ok := v["sleep"]; ok && sl != nil {
		sleep = fa.integer("sleep", 0)
	}
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(linuxServiceProbe)+" sh "+connection.Quote(name))
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	loc := map[string]string{}
	var initscript, systemd, upstart bool
	var slinks, klinks int
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		f := strings.SplitN(l, " ", 3)
		switch {
		case f[0] == "B" && len(f) == 3:
			loc[f[1]] = f[2]
		case l == "initscript":
			initscript = true
		case l == "canary":
			systemd = true
		case l == "upstartconf":
			upstart = true
		case f[0] == "S":
			slinks++
		case f[0] == "K":
			klinks++
		}
	}
	systemd = systemd && loc["systemctl"] != ""
	enableCmd := ""
	switch {
	case systemd:
		return sysFail("omeprov's service module does not support systemd hosts whose service manager fact is not systemd (set use: systemd)")
	case loc["initctl"] != "" && upstart:
		return sysFail("omeprov's service module does not support upstart")
	case loc["rc-service"] != "":
		return sysFail("omeprov's service module does not support OpenRC")
	case initscript:
		for _, b := range []string{"update-rc.d", "insserv", "chkconfig"} {
			if loc[b] != "" {
				enableCmd = b
				break
			}
		}
	}
	if enableCmd == "" {
		return sysFail("Could not find the requested service %s: host", name)
	}
	if enableCmd != "update-rc.d" {
		return sysFail("omeprov's service module does not support enabling services with %s", enableCmd)
	}
	svcCmd := ""
	if loc["service"] != "" {
		svcCmd = connection.Quote(loc["service"]) + " " + connection.Quote(name)
	} else {
		svcCmd = connection.Quote("/etc/init.d/" + name)
	}
	result := Result{"name": name}
	changed := false
	if enable != nil {
		enabled := slinks > 0
		if *enable != enabled {
			changed = true
			action := "disable"
			if *enable {
				action = "enable"
				if klinks == 0 && !t.Check {
					rc, so, se, err := linuxServiceRun(ctx, t, connection.QuoteAll(loc["update-rc.d"], name, "defaults"), false)
					if err != nil {
						return nil, err
					}
					if rc != 0 {
						return sysFail("%s", firstNonEmpty(se, so))
					}
				}
			}
			if !t.Check {
				rc, so, se, err := linuxServiceRun(ctx, t, connection.QuoteAll(loc["update-rc.d"], name, action), false)
				if err != nil {
					return nil, err
				}
				if rc != 0 {
					return sysFail("%s", firstNonEmpty(se, so))
				}
			}
		}
		result["enabled"] = *enable
	}
	if state == "" {
		result["changed"] = changed
		return result, nil
	}
	result["state"] = state
	words, err := serviceArguments(arguments)
	if err != nil {
		return sysFail("%s", err.Error())
	}
	control := func(action string) (int, string, string, error) {
		return linuxServiceRun(ctx, t, svcCmd+" "+action+words, true)
	}
	var running *bool
	set := func(b bool) { running = &b }
	if pattern != "" {
		out, err := t.Exec(ctx, "LANG=C LC_ALL=C LC_MESSAGES=C ps auxww")
		if err != nil {
			return nil, fmt.Errorf("service: %w", err)
		}
		if out.ExitCode == 0 {
			set(false)
			for _, l := range strings.Split(string(out.Stdout), "\n") {
				if strings.Contains(l, pattern) && !strings.Contains(l, "pattern=") {
					set(true)
					break
				}
			}
		}
	} else {
		rc, so, _, err := control("status")
		if err != nil {
			return nil, err
		}
		switch rc {
		case 1, 2, 3, 4, 69:
			set(false)
		}
		if running == nil && strings.Count(so, "\n") <= 1 {
			clean := strings.ReplaceAll(strings.ToLower(so), strings.ToLower(name), "")
			switch {
			case strings.Contains(clean, "stop"):
				set(false)
			case strings.Contains(clean, "run"):
				set(!strings.Contains(clean, "not "))
			case strings.Contains(clean, "start") && !strings.Contains(clean, "not "):
				set(true)
			case strings.Contains(clean, "could not access pid file"), strings.Contains(clean, "is dead and pid file exists"),
				strings.Contains(clean, "dead but subsys locked"), strings.Contains(clean, "dead but pid file exists"):
				set(false)
			}
		}
		if running == nil && rc == 0 {
			set(true)
		}
		if running == nil && name == "iptables" && strings.Contains(so, "ACCEPT") {
			set(true)
		}
	}
	if running == nil {
		return sysFail("failed determining service state, possible typo of service name?")
	}
	svcChange := (!*running && (state == "reloaded" || state == "started")) ||
		(*running && (state == "reloaded" || state == "stopped")) || state == "restarted"
	if t.Check && svcChange {
		return Result{"changed": true, "msg": "service state changed"}, nil
	}
	if svcChange {
		var action string
		switch {
		case state == "started", !*running && state == "reloaded":
			action = "start"
		case state == "stopped":
			action = "stop"
		case state == "reloaded":
			action = "reload"
		default:
			action = "restart"
		}
		var rc int
		var so, se string
		if action != "restart" {
			if rc, so, se, err = control(action); err != nil {
				return nil, err
			}
		} else {
			rc1, so1, se1, err := control("stop")
			if err != nil {
				return nil, err
			}
			if sleep > 0 {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Duration(sleep) * time.Second):
				}
			}
			rc2, so2, se2, err := control("start")
			if err != nil {
				return nil, err
			}
			if rc1 != 0 && rc2 == 0 {
				rc, so, se = rc2, so2, se2
			} else {
				rc, so, se = rc1+rc2, so1+so2, se1+se2
			}
		}
		if rc != 0 && !strings.Contains(se, "Job is already running") {
			return sysFail("%s", firstNonEmpty(se, so))
		}
	}
	result["changed"] = changed || svcChange
	if state == "stopped" {
		result["state"] = "stopped"
	} else {
		result["state"] = "started"
	}
	return result, nil
}

// serviceArguments is the service's arguments as words for the shell,
// each quoted: Ansible runs the command line as a string without a shell
// (shlex.split), so "; rm -rf /" is two arguments, never a command.
func serviceArguments(arguments string) (string, error) {
	words, err := shlexSplit(arguments)
	if err != nil {
		return "", fmt.Errorf("arguments %q: %w", arguments, err)
	}
	if len(words) == 0 {
		return "", nil
	}
	return " " + connection.QuoteAll(words...), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
