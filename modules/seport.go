package modules

// The seport module, as community.general.seport: SELinux network port
// type definitions added, modified and deleted with `semanage port`, read
// with `semanage port -l -n` (-C for local ones). On a host without
// SELinux it is skipped (see seDisabled).

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

func seportSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"ignore_selinux_state": {Type: "bool", Default: false},
			"ports":                {Type: "list", Elements: "str", Required: true},
			"proto":                {Type: "str", Required: true, Choices: []string{"tcp", "udp"}},
			"setype":               {Type: "str", Required: true},
			"state":                {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"reload":               {Type: "bool", Default: true},
			"local":                {Type: "bool", Default: false},
		},
		CheckMode: true,
	}
}

func init() { Register("seport", seportSpec(), ModuleFunc(runSeport)) }

// seportKey is one line of `semanage port -l`: a type and protocol.
type seportKey struct{ Type, Proto string }

// seParsePortList parses `semanage port -l -n` ("%-30s %-8s " then the
// ports and ranges joined with ", ") into the ports of each type.
func seParsePortList(out string) map[seportKey][]string {
	m := map[seportKey][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		k := seportKey{f[0], f[1]}
		for _, p := range strings.Split(strings.Join(f[2:], ""), ",") {
			if p = strings.TrimSpace(p); p != "" {
				m[k] = append(m[k], p)
			}
		}
	}
	return m
}

var sePortRE = regexp.MustCompile(`^[0-9]+(-[0-9]+)?$`)

// seNormPort writes a port as semanage lists it ("80", "8000-8010"; a
// range of one port as that port).
func seNormPort(p string) string {
	if lo, hi, ok := strings.Cut(p, "-"); ok && strings.TrimLeft(lo, "0") == strings.TrimLeft(hi, "0") {
		return lo
	}
	return p
}

// seportPlan decides the semanage commands: all is every type's ports
// (for "is the port defined with another type"), byType the ports to
// compare against (the local ones when local is set).
func seportPlan(ports []string, proto, setype, state string, reload bool, all, byType map[seportKey][]string) []string {
	have := byType[seportKey{setype, proto}]
	var cmds []string
	n := ""
	if !reload {
		n = " -N"
	}
	for _, port := range ports {
		if contains(have, port) {
			if state == "absent" {
				cmds = append(cmds, "semanage port -d"+n+" -p "+connection.Quote(proto)+" -- "+connection.Quote(port))
			}
			continue
		}
		if state == "absent" {
			continue
		}
		op := "-a"
		for k, list := range all {
			if k.Proto == proto && contains(list, seNormPort(port)) {
				op = "-m"
			}
		}
		cmds = append(cmds, "semanage port "+op+n+" -t "+connection.Quote(setype)+" -p "+connection.Quote(proto)+" -- "+connection.Quote(port))
	}
	return cmds
}

func runSeport(ctx context.Context, t *Task) (Result, error) {
	if r, err := seCheckEnabled(ctx, t); r != nil || err != nil {
		return r, err
	}
	fa := fileArgs(t.Args)
	ports := fa.list("ports")
	proto, _ := fa.str("proto")
	setype, _ := fa.str("setype")
	state, _ := fa.str("state")
	if state == "" {
		state = "present"
	}
	local := fa.boolean("local", false)
	r := Result{"ports": ports, "proto": proto, "setype": setype, "state": state, "changed": false}
	for _, p := range ports {
		if !sePortRE.MatchString(p) {
			return Failf("ValueError: Invalid Port: %s\n", p), nil
		}
	}
	list := func(flags string) (map[seportKey][]string, error) {
		res, err := t.Exec(ctx, "semanage port -l -n"+flags)
		if err != nil {
			return nil, fmt.Errorf("seport: %w", err)
		}
		if res.ExitCode != 0 {
			return nil, &seCmdError{Msg: strings.TrimSpace(string(res.Stderr))}
		}
		return seParsePortList(string(res.Stdout)), nil
	}
	all, err := list("")
	if err != nil {
		return seFail(err)
	}
	byType := all
	if local {
		if byType, err = list(" -C"); err != nil {
			return seFail(err)
		}
	}
	cmds := seportPlan(ports, proto, setype, state, fa.boolean("reload", true), all, byType)
	r["changed"] = len(cmds) > 0
	if t.Check || len(cmds) == 0 {
		return r, nil
	}
	for _, c := range cmds {
		res, err := t.Exec(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("seport: %w", err)
		}
		if res.ExitCode != 0 {
			return Result{"failed": true, "changed": false, "msg": "ValueError: " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(res.Stderr)), "ValueError:")) + "\n"}, nil
		}
	}
	return r, nil
}

// seCmdError is a failure of an SELinux tool on the host.
type seCmdError struct{ Msg string }

func (e *seCmdError) Error() string { return e.Msg }

// seFail turns a tool's failure into a failed result; other errors are
// returned.
func seFail(err error) (Result, error) {
	if se, ok := err.(*seCmdError); ok {
		return Failf("%s", se.Msg), nil
	}
	return nil, err
}
