package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("ini_file", Spec{
		Params: fsCommonParams(map[string]Param{
			"path":            {Type: "path", Required: true, Aliases: []string{"dest"}},
			"section":         {Type: "str"},
			"option":          {Type: "str"},
			"value":           {Type: "str"},
			"values":          {Type: "list", Elements: "str"},
			"backup":          {Type: "bool", Default: false},
			"state":           {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"exclusive":       {Type: "bool", Default: true},
			"no_extra_spaces": {Type: "bool", Default: false},
			"allow_no_value":  {Type: "bool", Default: false},
			"create":          {Type: "bool", Default: true},
		}),
		MutuallyExclusive: [][]string{{"value", "values"}},
		CheckMode:         true,
	}, fsUnsupported(runIniFile))
}

// iniOpts are ini_file's content parameters (community.general 6.x, which
// ansible 7 ships with ansible-core 2.14).
type iniOpts struct {
	Section, Option *string
	Values          []string
	Present         bool
	Exclusive       bool
	NoExtraSpaces   bool
	AllowNoValue    bool
}

// iniMatch is ini_file's match_opt (active: match_active_opt), the
// regular expression '[#;]?( |\t)*(OPTION)( |\t)*(=|$)( |\t)*(.*)' matched
// at the start of line, written out by hand so that any option text is a
// literal: ok, and group 6 (the value, without the line end).
func iniMatch(option, line string, active bool) (string, bool) {
	try := func(rest string) (string, bool) {
		rest = strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(rest, option) {
			return "", false
		}
		rest = strings.TrimLeft(rest[len(option):], " \t")
		switch {
		case strings.HasPrefix(rest, "="):
			rest = strings.TrimLeft(rest[1:], " \t")
			if i := strings.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[:i]
			}
			return rest, true
		case rest == "" || rest == "\n":
			return "", true
		}
		return "", false
	}
	if !active && line != "" && (line[0] == '#' || line[0] == ';') {
		if v, ok := try(line[1:]); ok {
			return v, true
		}
	}
	return try(line)
}

const iniFakeSection = "ad01e11446efb704fcdbdb21f2c43757423d91c5"

var iniBlankOrComment = regexp.MustCompile(`^[ \t]*([#;].*)?(?m:$)`)

// iniContent computes the content ini_file leaves, following
// community.general 6.6's do_ini; content is "" for a missing file.
func iniContent(content string, o iniOpts) (out string, changed bool, msg string) {
	// dedup values, keeping order
	var values []string
	for _, v := range o.Values {
		dup := false
		for _, w := range values {
			if w == v {
				dup = true
			}
		}
		if !dup {
			values = append(values, v)
		}
	}
	content = strings.TrimPrefix(content, "\ufeff")
	lines := fsSplitLines(content)
	if len(lines) == 0 {
		lines = []string{"\n"}
	}
	if last := lines[len(lines)-1]; last == "" || !strings.HasSuffix(last, "\n") {
		lines[len(lines)-1] += "\n"
		changed = true
	}
	lines = append([]string{"[" + iniFakeSection + "]"}, lines...)
	lines = append(lines, "[")
	section := ""
	if o.Section != nil {
		section = *o.Section
	}
	if section == "" {
		section = iniFakeSection
	}
	option := ""
	if o.Option != nil {
		option = *o.Option
	}
	within := false
	start, end := 0, 0
	msg = "OK"
	format := func(opt, val string) string { return opt + " = " + val + "\n" }
	if o.NoExtraSpaces {
		format = func(opt, val string) string { return opt + "=" + val + "\n" }
	}
	noValuePresent := false
	for i, l := range lines {
		if strings.HasPrefix(l, "["+section+"]") {
			within = true
			start = i
		} else if strings.HasPrefix(l, "[") && within {
			end = i
			break
		}
	}
	before := append([]string{}, lines[:start]...)
	sect := append([]string{}, lines[start:end]...)
	after := append([]string{}, lines[end:]...)
	changedLines := make([]bool, len(sect))
	update := func(i int, nl string) {
		if sect[i] != nl {
			changed, msg = true, "option changed"
		}
		sect[i] = nl
		changedLines[i] = true
	}
	remove := func(vals []string, v string) []string {
		for i, w := range vals {
			if w == v {
				return append(vals[:i], vals[i+1:]...)
			}
		}
		return vals
	}
	contains := func(vals []string, v string) bool {
		for _, w := range vals {
			if w == v {
				return true
			}
		}
		return false
	}
	if o.Present && option != "" {
		for i, l := range sect {
			val, ok := iniMatch(option, l, false)
			if !ok {
				continue
			}
			if len(values) > 0 && contains(values, val) {
				if val == "" && o.AllowNoValue {
					update(i, option+"\n")
					noValuePresent = true
				} else {
					update(i, format(option, val))
				}
				values = remove(values, val)
			} else if len(values) == 0 && o.AllowNoValue {
				update(i, option+"\n")
				noValuePresent = true
				break
			}
		}
	}
	if o.Present && o.Exclusive && !o.AllowNoValue {
		if len(values) > 0 {
			for i, l := range sect {
				if _, ok := iniMatch(option, l, false); ok && !changedLines[i] {
					update(i, format(option, values[0]))
					values = values[1:]
					if len(values) == 0 {
						break
					}
				}
			}
		}
		for i := len(sect) - 1; i > 0; i-- {
			if _, ok := iniMatch(option, sect[i], false); ok && !changedLines[i] {
				sect = append(sect[:i], sect[i+1:]...)
				changedLines = append(changedLines[:i], changedLines[i+1:]...)
				changed, msg = true, "option changed"
			}
		}
	}
	if o.Present {
		for i := len(sect); i > 0; i-- {
			if iniBlankOrComment.MatchString(sect[i-1]) {
				continue
			}
			var ins []string
			if option != "" && len(values) > 0 {
				for _, v := range values {
					ins = append(ins, format(option, v))
				}
				msg, changed = "option added", true
			} else if option != "" && len(values) == 0 && o.AllowNoValue && !noValuePresent {
				ins = []string{option + "\n"}
				msg, changed = "option added", true
			}
			sect = append(sect[:i], append(ins, sect[i:]...)...)
			break
		}
	}
	if !o.Present {
		if option != "" {
			var kept []string
			if o.Exclusive {
				for _, l := range sect {
					if _, ok := iniMatch(option, l, true); !ok {
						kept = append(kept, l)
					}
				}
			} else if len(values) > 0 {
				for _, l := range sect {
					if v, ok := iniMatch(option, l, true); !ok || !contains(values, v) {
						kept = append(kept, l)
					}
				}
			} else {
				kept = sect
			}
			if len(kept) != len(sect) {
				changed, msg = true, "option changed"
				sect = kept
			}
		} else if len(sect) > 0 {
			sect = nil
			msg, changed = "section removed", true
		}
	}
	lines = append(append(before, sect...), after...)
	// del ini_lines[0]; del ini_lines[-1:] (the fake lines; when the fake
	// section itself was dropped, Python drops the first real line)
	if len(lines) > 0 {
		lines = lines[1:]
	}
	if len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	if !within && o.Present {
		lines = append(lines, "["+section+"]\n")
		msg = "section and option added"
		if option != "" && len(values) > 0 {
			for _, v := range values {
				lines = append(lines, format(option, v))
			}
		} else if option != "" && len(values) == 0 && o.AllowNoValue {
			lines = append(lines, option+"\n")
		} else {
			msg = "only section added"
		}
		changed = true
	}
	return strings.Join(lines, ""), changed, msg
}

func runIniFile(ctx context.Context, t *Task) (Result, error) {
	p, _ := fileArgs(t.Args).str("path")
	p = fsCleanPath(p)
	state, _ := fileArgs(t.Args).str("state")
	o := iniOpts{
		Section:       fileArgs(t.Args).opt("section"),
		Option:        fileArgs(t.Args).opt("option"),
		Present:       state != "absent",
		Exclusive:     fileArgs(t.Args).boolean("exclusive", true),
		NoExtraSpaces: fileArgs(t.Args).boolean("no_extra_spaces", false),
		AllowNoValue:  fileArgs(t.Args).boolean("allow_no_value", false),
	}
	value, hasValue := fileArgs(t.Args).str("value")
	values := fileArgs(t.Args).list("values")
	if o.Present && !o.AllowNoValue && !hasValue && len(values) == 0 {
		return Failf("Parameter 'value(s)' must be defined if state=present and allow_no_value=False."), nil
	}
	if hasValue {
		values = []string{value}
	}
	o.Values = values
	f, err := fsStat(ctx, t, p)
	if err != nil {
		return nil, err
	}
	exists := f.Exists && !(f.Type == "link" && f.TargetType == "")
	content := ""
	if !exists {
		if !fileArgs(t.Args).boolean("create", true) {
			return Result{"failed": true, "rc": 257, "msg": fmt.Sprintf("Destination %s does not exist!", p)}, nil
		}
		if !t.Check {
			if err := fsMkdirParents(ctx, t, p); err != nil {
				return Failf("%v", err), nil
			}
		}
	} else {
		b, err := fsRead(ctx, t, p)
		if err != nil {
			return nil, err
		}
		content = string(b)
	}
	out, changed, msg := iniContent(content, o)
	diff := Diff{BeforeHeader: p + " (content)", AfterHeader: p + " (content)"}
	if t.Diff {
		diff.Before, diff.After = strings.TrimPrefix(content, "\ufeff"), out
	}
	res := Result{"path": p}
	if changed && !t.Check {
		if fileArgs(t.Args).boolean("backup", false) && exists {
			bf, err := fsBackup(ctx, t, p)
			if err != nil {
				return Failf("%v", err), nil
			}
			res["backup_file"] = bf
		}
		if err := fsWrite(ctx, t, p, []byte(out), "", 0); err != nil {
			return Failf("%v", err), nil
		}
	}
	if !t.Check {
		a := fsAttrsFrom(t.Args)
		if f, err = fsStat(ctx, t, p); err != nil {
			return nil, err
		}
		did, err := fsSetAttrs(ctx, t, f, a, true, nil)
		if err != nil {
			return Failf("%v", err), nil
		}
		changed = changed || did
	}
	res["changed"], res["msg"] = changed, msg
	if t.Diff {
		res["diff"] = diff
	}
	fsAddPathInfo(ctx, t, res, p)
	return res, nil
}
