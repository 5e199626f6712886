package modules

// The sefcontext module, as community.general.sefcontext: SELinux file
// context mappings and path substitutions (equivalences) added, modified
// and deleted with `semanage fcontext`, read with
// `semanage fcontext -l -n`. Like Ansible's, it does not relabel existing
// files: run restorecon (sefcontextRestorecon builds the command) or a
// command task after it. On a host without SELinux it is skipped (see
// seDisabled).

import (
	"context"
	"fmt"
	"strings"

	"github.com/ome/omeprov/connection"
)

// seFileTypes maps the ftype option to semanage's listing of it.
var seFileTypes = map[string]string{
	"a": "all files", "b": "block device", "c": "character device", "d": "directory",
	"f": "regular file", "l": "symbolic link", "p": "named pipe", "s": "socket",
}

func sefcontextSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"ignore_selinux_state": {Type: "bool", Default: false},
			"target":               {Type: "str", Required: true, Aliases: []string{"path"}},
			"ftype":                {Type: "str", Default: "a", Choices: []string{"a", "b", "c", "d", "f", "l", "p", "s"}},
			"setype":               {Type: "str"},
			"substitute":           {Type: "str", Aliases: []string{"equal"}},
			"seuser":               {Type: "str"},
			"selevel":              {Type: "str", Aliases: []string{"serange"}},
			"state":                {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"reload":               {Type: "bool", Default: true},
		},
		MutuallyExclusive: [][]string{{"setype", "substitute"}, {"substitute", "ftype"}, {"substitute", "seuser"}, {"substitute", "selevel"}},
		CheckMode:         true,
	}
}

func init() { Register("sefcontext", sefcontextSpec(), ModuleFunc(runSefcontext)) }

// seFcontext is one mapping: user, role, type and range ("" when the
// listing has no range: MLS disabled).
type seFcontext struct{ User, Role, Type, Range string }

// seFcontextList is `semanage fcontext -l -n` parsed: mappings by
// (expression, file type string) and substitutions by target (nil
// context for "<<None>>" mappings).
type seFcontextList struct {
	Map   map[[2]string]*seFcontext
	Equiv map[string]string
}

// seParseFcontextList parses the listing: "%-50s %-18s %s:%s:%s:%s "
// lines (the type string may have a space) and "target = substitute"
// lines. The first substitution of a target wins (the distribution's are
// listed before the local ones, and Ansible looks there first).
func seParseFcontextList(out string) seFcontextList {
	l := seFcontextList{Map: map[[2]string]*seFcontext{}, Equiv: map[string]string{}}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "=" {
			if _, dup := l.Equiv[f[0]]; !dup {
				l.Equiv[f[0]] = f[2]
			}
			continue
		}
		if len(f) < 3 {
			continue
		}
		ftype := strings.Join(f[1:len(f)-1], " ")
		ctx := f[len(f)-1]
		if ctx == "<<None>>" {
			l.Map[[2]string{f[0], ftype}] = nil
			continue
		}
		parts := strings.SplitN(ctx, ":", 4)
		if len(parts) < 3 {
			continue
		}
		c := &seFcontext{User: parts[0], Role: parts[1], Type: parts[2]}
		if len(parts) == 4 {
			c.Range = parts[3]
		}
		l.Map[[2]string{f[0], ftype}] = c
	}
	return l
}

// sefcontextArgs are the module's arguments.
type sefcontextArgs struct {
	Target, Ftype, State string
	Setype, Substitute   *string
	Seuser, Serange      *string
	Reload               bool
}

func sefcontextArgsFrom(args map[string]any) sefcontextArgs {
	fa := fileArgs(args)
	opt := func(k string) *string {
		if v, ok := fa.str(k); ok {
			return &v
		}
		return nil
	}
	a := sefcontextArgs{Setype: opt("setype"), Substitute: opt("substitute"), Seuser: opt("seuser"),
		Serange: opt("selevel"), Reload: fa.boolean("reload", true)}
	a.Target, _ = fa.str("target")
	a.Ftype, _ = fa.str("ftype")
	if a.Ftype == "" {
		a.Ftype = "a"
	}
	a.State, _ = fa.str("state")
	if a.State == "" {
		a.State = "present"
	}
	return a
}

// sefcontextPlan decides the semanage commands and the prepared diff, as
// semanage_fcontext_modify and semanage_fcontext_delete do; seuser and
// serange are the values reported (for state=present).
func sefcontextPlan(a sefcontextArgs, l seFcontextList) (cmds []string, diff, seuser, serange string) {
	n := ""
	if !a.Reload {
		n = " -N"
	}
	q := connection.Quote
	key := [2]string{a.Target, seFileTypes[a.Ftype]}
	cur, exists := l.Map[key]
	exists = exists && cur != nil
	if a.State == "absent" {
		sub, subExists := l.Equiv[a.Target]
		if exists && a.Substitute == nil {
			cmds = append(cmds, "semanage fcontext -d"+n+" -f "+q(a.Ftype)+" -- "+q(a.Target))
			diff += "# Deletion to semanage file context mappings\n"
			diff += fmt.Sprintf("-%s      %s      %s:%s:%s:%s\n", a.Target, a.Ftype, cur.User, cur.Role, cur.Type, cur.Range)
		}
		if subExists && a.Setype == nil && (a.Substitute == nil || *a.Substitute == sub) {
			cmds = append(cmds, "semanage fcontext -d"+n+" -e "+q(sub)+" -- "+q(a.Target))
			diff += "# Deletion to semanage file context path substitutions\n"
			diff += fmt.Sprintf("-%s = %s\n", a.Target, sub)
		}
		return cmds, diff, "", ""
	}
	if a.Substitute != nil {
		sub := *a.Substitute
		if orig, ok := l.Equiv[a.Target]; ok {
			if orig != sub {
				cmds = append(cmds, "semanage fcontext -m"+n+" -e "+q(sub)+" -- "+q(a.Target))
				diff = "# Change to semanage file context path substitutions\n" +
					fmt.Sprintf("-%s = %s\n+%s = %s\n", a.Target, orig, a.Target, sub)
			}
		} else {
			cmds = append(cmds, "semanage fcontext -a"+n+" -e "+q(sub)+" -- "+q(a.Target))
			diff = "# Addition to semanage file context path substitutions\n" + fmt.Sprintf("+%s = %s\n", a.Target, sub)
		}
		return cmds, diff, "None", "None"
	}
	setype := ""
	if a.Setype != nil {
		setype = *a.Setype
	}
	if exists {
		seuser, serange = cur.User, cur.Range
		if a.Seuser != nil {
			seuser = *a.Seuser
		}
		if a.Serange != nil {
			serange = *a.Serange
		}
		if setype != cur.Type || seuser != cur.User || serange != cur.Range {
			cmd := "semanage fcontext -m" + n + " -f " + q(a.Ftype) + " -t " + q(setype) + " -s " + q(seuser)
			if serange != "" {
				cmd += " -r " + q(serange)
			}
			cmds = append(cmds, cmd+" -- "+q(a.Target))
			diff = "# Change to semanage file context mappings\n" +
				fmt.Sprintf("-%s      %s      %s:%s:%s:%s\n", a.Target, a.Ftype, cur.User, cur.Role, cur.Type, cur.Range) +
				fmt.Sprintf("+%s      %s      %s:%s:%s:%s\n", a.Target, a.Ftype, seuser, cur.Role, setype, serange)
		}
		return cmds, diff, seuser, serange
	}
	seuser, serange = "system_u", "s0"
	if a.Seuser != nil {
		seuser = *a.Seuser
	}
	if a.Serange != nil {
		serange = *a.Serange
	}
	cmds = append(cmds, "semanage fcontext -a"+n+" -f "+q(a.Ftype)+" -t "+q(setype)+" -s "+q(seuser)+" -r "+q(serange)+" -- "+q(a.Target))
	diff = "# Addition to semanage file context mappings\n" +
		fmt.Sprintf("+%s      %s      %s:%s:%s:%s\n", a.Target, a.Ftype, seuser, "object_r", setype, serange)
	return cmds, diff, seuser, serange
}

// sefcontextRestorecon is the command that relabels paths after a
// mapping changed (restorecon -R -v PATH...), for a handler or a command
// task.
func sefcontextRestorecon(paths ...string) string {
	return "restorecon -R -v -- " + quoteWords(paths)
}

func runSefcontext(ctx context.Context, t *Task) (Result, error) {
	a := sefcontextArgsFrom(t.Args)
	if a.State == "present" && a.Setype == nil && a.Substitute == nil {
		return Failf("state is present but any of the following are missing: setype, substitute"), nil
	}
	if r, err := seCheckEnabled(ctx, t); r != nil || err != nil {
		return r, err
	}
	res, err := t.Exec(ctx, "semanage fcontext -l -n")
	if err != nil {
		return nil, fmt.Errorf("sefcontext: %w", err)
	}
	if res.ExitCode != 0 {
		return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
	}
	l := seParseFcontextList(string(res.Stdout))
	cmds, diff, seuser, serange := sefcontextPlan(a, l)
	r := Result{"changed": len(cmds) > 0, "target": a.Target, "ftype": a.Ftype, "setype": optStr(a.Setype),
		"substitute": optStr(a.Substitute), "state": a.State}
	if a.State == "present" {
		r["seuser"], r["serange"] = optNone(seuser), optNone(serange)
	}
	if t.Diff && diff != "" {
		r["diff"] = Diff{Prepared: diff}
	}
	if t.Check || len(cmds) == 0 {
		return r, nil
	}
	for _, c := range cmds {
		res, err := t.Exec(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("sefcontext: %w", err)
		}
		if res.ExitCode != 0 {
			return Result{"failed": true, "changed": false, "msg": strings.TrimSpace(string(res.Stderr)) + "\n"}, nil
		}
	}
	return r, nil
}

// optStr is an optional string as a result value (nil for None).
func optStr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// optNone is s, or nil for "None".
func optNone(s string) any {
	if s == "None" {
		return nil
	}
	return s
}
