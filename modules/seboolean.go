package modules

// The seboolean module, as ansible.posix.seboolean: an SELinux boolean
// set with setsebool (-P when persistent), read with getsebool (the
// running value) and `semanage boolean -l -n` (the persistent one). On a
// host without SELinux it is skipped (see seDisabled).

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

func sebooleanSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"ignore_selinux_state": {Type: "bool", Default: false},
			"name":                 {Type: "str", Required: true},
			"persistent":           {Type: "bool", Default: false},
			"state":                {Type: "bool", Required: true},
		},
		CheckMode: true,
	}
}

func init() { Register("seboolean", sebooleanSpec(), ModuleFunc(runSeboolean)) }

var (
	// getsebool prints "NAME --> on" (and " pending: off" when a value
	// is pending).
	seGetseboolRE = regexp.MustCompile(`^(\S+) --> (on|off)(?: pending: (on|off))?$`)
	// semanage boolean -l prints "%-30s (%-5s,%5s)  %s": the name, the
	// running value, the persistent value and the description.
	seBoolListRE = regexp.MustCompile(`^(\S+)\s+\(\s*(on|off)\s*,\s*(on|off)\s*\)`)
)

// seParseGetsebool returns the running value of name from getsebool's
// output; ok is false when name is not there.
func seParseGetsebool(out, name string) (value, ok bool) {
	for _, line := range strings.Split(out, "\n") {
		m := seGetseboolRE.FindStringSubmatch(strings.TrimSpace(line))
		if m != nil && m[1] == name {
			return m[2] == "on", true
		}
	}
	return false, false
}

// seParseBooleanList returns name's persistent value from
// `semanage boolean -l -n`; ok is false when name is not there.
func seParseBooleanList(out, name string) (persistent, ok bool) {
	for _, line := range strings.Split(out, "\n") {
		m := seBoolListRE.FindStringSubmatch(line)
		if m != nil && m[1] == name {
			return m[3] == "on", true
		}
	}
	return false, false
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func runSeboolean(ctx context.Context, t *Task) (Result, error) {
	if r, err := seCheckEnabled(ctx, t); r != nil || err != nil {
		return r, err
	}
	fa := fileArgs(t.Args)
	name, _ := fa.str("name")
	persistent := fa.boolean("persistent", false)
	state := fa.boolean("state", false)
	r := Result{"name": name, "persistent": persistent, "state": state, "changed": false}

	res, err := t.Exec(ctx, "getsebool -- "+connection.Quote(name))
	if err != nil {
		return nil, fmt.Errorf("seboolean: %w", err)
	}
	cur, ok := seParseGetsebool(string(res.Stdout), name)
	if res.ExitCode != 0 || !ok {
		return Failf("SELinux boolean %s does not exist.", name), nil
	}
	var cmd string
	if persistent {
		res, err := t.Exec(ctx, "semanage boolean -l -n")
		if err != nil {
			return nil, fmt.Errorf("seboolean: %w", err)
		}
		if res.ExitCode != 0 {
			return Failf("Failed to manage policy for boolean %s: %s", name, strings.TrimSpace(string(res.Stderr))), nil
		}
		p, ok := seParseBooleanList(string(res.Stdout), name)
		if !ok {
			return Failf("Failed to manage policy for boolean %s: SELinux boolean %s is not defined in persistent policy", name, name), nil
		}
		if p != state {
			cmd = "setsebool -P -- " + connection.Quote(name) + " " + onOff(state)
		}
	} else if cur != state {
		cmd = "setsebool -- " + connection.Quote(name) + " " + onOff(state)
	}
	if cmd == "" {
		return r, nil
	}
	r["changed"] = true
	if t.Diff {
		r["diff"] = Diff{Before: name + "=" + onOff(cur) + "\n", After: name + "=" + onOff(state) + "\n"}
	}
	if t.Check {
		return r, nil
	}
	res, err = t.Exec(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("seboolean: %w", err)
	}
	if res.ExitCode != 0 {
		msg := fmt.Sprintf("Failed to set boolean %s to %v", name, pyStr(state))
		if persistent {
			msg = fmt.Sprintf("Failed to manage policy for boolean %s: %s", name, strings.TrimSpace(string(res.Stderr)))
		}
		return Result{"failed": true, "changed": false, "msg": msg}, nil
	}
	return r, nil
}
