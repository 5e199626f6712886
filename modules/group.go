package modules

// The group module, as ansible.builtin.group: groupadd, groupmod and
// groupdel on Linux, dseditgroup on macOS. Groups are read with the user
// module's accounts script.

import (
	"context"
	"fmt"
	"strconv"
)

func groupSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"state":      {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"name":       {Type: "str", Required: true},
			"gid":        {Type: "int"},
			"system":     {Type: "bool", Default: false},
			"local":      {Type: "bool", Default: false},
			"non_unique": {Type: "bool", Default: false},
		},
		CheckMode: true,
	}
}

func init() { Register("group", groupSpec(), ModuleFunc(runGroup)) }

// groupPlan decides the command for the group module: argv is nil when
// the group is already as asked. present tells whether the group exists.
func groupPlan(args map[string]any, a *sysAccounts) (argv []string, present bool) {
	fa := fileArgs(args)
	name := pyStr(args["name"])
	state, _ := fa.str("state")
	var cur *sysGroup
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			cur = &a.Groups[i]
		}
	}
	var gid *int
	if v, ok := args["gid"]; ok && v != nil {
		n := fa.integer("gid", 0)
		gid = &n
	}
	nonUnique := fa.boolean("non_unique", false)
	darwin := a.OS == "darwin"
	if state == "absent" {
		if cur == nil {
			return nil, false
		}
		if darwin {
			return []string{"dseditgroup", "-o", "delete", name}, true
		}
		return []string{"groupdel", name}, true
	}
	if cur == nil {
		if darwin {
			argv = []string{"dseditgroup", "-o", "create"}
			if gid != nil {
				argv = append(argv, "-i", strconv.Itoa(*gid))
			}
			return append(argv, name), false
		}
		argv = []string{"groupadd"}
		if gid != nil {
			argv = append(argv, "-g", strconv.Itoa(*gid))
			if nonUnique {
				argv = append(argv, "-o")
			}
		}
		if fa.boolean("system", false) {
			argv = append(argv, "-r")
		}
		return append(argv, name), false
	}
	if gid == nil || cur.GID == *gid {
		return nil, true
	}
	if darwin {
		return []string{"dseditgroup", "-o", "edit", "-i", strconv.Itoa(*gid), name}, true
	}
	argv = []string{"groupmod", "-g", strconv.Itoa(*gid)}
	if nonUnique {
		argv = append(argv, "-o")
	}
	return append(argv, name), true
}

func runGroup(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	name := pyStr(t.Args["name"])
	state, _ := fa.str("state")
	if state == "" {
		state = "present"
	}
	if fa.boolean("local", false) {
		return Failf("omeprov's group module does not support local (lgroupadd)"), nil
	}
	if fa.boolean("non_unique", false) && t.Args["gid"] == nil {
		return Failf("non_unique is True but all of the following are missing: gid"), nil
	}
	a, err := readAccounts(ctx, t, name)
	if err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	argv, present := groupPlan(t.Args, a)
	r := Result{"name": name, "state": state, "changed": argv != nil}
	if argv != nil && t.Check && (state == "absent" || !present) {
		return Result{"changed": true}, nil
	}
	if argv != nil && !t.Check {
		rc, so, se, err := runCmds(ctx, t, []string{quoteWords(argv)})
		if err != nil {
			return nil, fmt.Errorf("group: %w", err)
		}
		if rc != 0 {
			return Result{"failed": true, "changed": false, "name": name, "msg": se}, nil
		}
		if so != "" {
			r["stdout"] = so
		}
		if se != "" {
			r["stderr"] = se
		}
		if a, err = readAccounts(ctx, t, name); err != nil {
			return nil, fmt.Errorf("group: %w", err)
		}
	}
	if state == "present" {
		for _, g := range a.Groups {
			if g.Name == name {
				r["system"] = fa.boolean("system", false)
				r["gid"] = g.GID
			}
		}
	}
	return r, nil
}
