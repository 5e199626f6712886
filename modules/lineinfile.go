package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("lineinfile", Spec{
		Params: fsCommonParams(map[string]Param{
			"path":          {Type: "path", Required: true, Aliases: []string{"dest", "destfile", "name"}},
			"state":         {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"regexp":        {Type: "str", Aliases: []string{"regex"}},
			"search_string": {Type: "str"},
			"line":          {Type: "str", Aliases: []string{"value"}},
			"insertafter":   {Type: "str"},
			"insertbefore":  {Type: "str"},
			"backrefs":      {Type: "bool", Default: false},
			"create":        {Type: "bool", Default: false},
			"backup":        {Type: "bool", Default: false},
			"firstmatch":    {Type: "bool", Default: false},
			"validate":      {Type: "str"},
		}),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"}, {"backrefs", "search_string"}},
		CheckMode:         true,
	}, fsUnsupported(runLineinfile))
}

// lineOpts are lineinfile's content parameters; pointers are nil when the
// parameter was not given.
type lineOpts struct {
	Regexp, SearchString, InsertAfter, InsertBefore *string
	Line                                            string
	Backrefs, FirstMatch                            bool
}

// fsSplitLines splits s after every "\n" (Python's readlines()).
func fsSplitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func fsTrimEOL(s string) string { return strings.TrimRight(s, "\r\n") }

// lineinfilePresent computes the content lineinfile state=present leaves,
// following ansible-core 2.14's present() line by line.
func lineinfilePresent(content string, o lineOpts) (out string, changed bool, msg string, err error) {
	lines := fsSplitLines(content)
	var reM, reIns *regexp.Regexp
	if o.Regexp != nil {
		if reM, err = pyCompile(*o.Regexp, false, false); err != nil {
			return "", false, "", err
		}
	}
	insAfter, insBefore := o.InsertAfter, o.InsertBefore
	if insAfter == nil && insBefore == nil {
		eof := "EOF"
		insAfter = &eof
	}
	if insAfter != nil && *insAfter != "BOF" && *insAfter != "EOF" {
		if reIns, err = pyCompile(*insAfter, false, false); err != nil {
			return "", false, "", err
		}
	} else if insBefore != nil && *insBefore != "BOF" {
		if reIns, err = pyCompile(*insBefore, false, false); err != nil {
			return "", false, "", err
		}
	}
	after := insAfter != nil && *insAfter != ""
	before := insBefore != nil && *insBefore != ""

	index := [2]int{-1, -1}
	var match []int
	matchedLine := ""
	found := false
	exact := false
	if reM != nil {
		for i, l := range lines {
			if m := reM.FindStringSubmatchIndex(l); m != nil {
				index[0], match, matchedLine, found = i, m, l, true
				if o.FirstMatch {
					break
				}
			}
		}
	}
	if o.SearchString != nil {
		for i, l := range lines {
			if strings.Contains(l, *o.SearchString) {
				index[0], found = i, true
				if o.FirstMatch {
					break
				}
			}
		}
	}
	if !found {
		for i, l := range lines {
			if o.Line == fsTrimEOL(l) {
				index[0] = i
				exact = true
			} else if reIns != nil && reIns.MatchString(l) {
				if after {
					index[1] = i + 1
					if o.FirstMatch {
						break
					}
				}
				if before {
					index[1] = i
					if o.FirstMatch {
						break
					}
				}
			}
		}
	}
	const sep = "\n"
	add := func(at int) {
		lines = append(lines[:at], append([]string{o.Line + sep}, lines[at:]...)...)
		msg, changed = "line added", true
	}
	switch {
	case index[0] != -1:
		newLine := o.Line
		if o.Backrefs && match != nil {
			if newLine, err = pyExpand(reM, o.Line, matchedLine, match); err != nil {
				return "", false, "", err
			}
		}
		if !strings.HasSuffix(newLine, sep) {
			newLine += sep
		}
		if o.Regexp == nil && o.SearchString == nil && !found && !exact {
			// unreachable in practice: index[0] is set only by a match
			break
		}
		if lines[index[0]] != newLine {
			lines[index[0]] = newLine
			msg, changed = "line replaced", true
		}
	case o.Backrefs:
		// no match: nothing to expand the backreferences from
	case insBefore != nil && *insBefore == "BOF" || insAfter != nil && *insAfter == "BOF":
		add(0)
	case insAfter != nil && *insAfter == "EOF" || index[1] == -1:
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") && !strings.HasSuffix(lines[n-1], "\r") {
			lines = append(lines, sep)
		}
		add(len(lines))
	case after && index[1] != -1:
		if len(lines) == index[1] {
			if fsTrimEOL(lines[index[1]-1]) != o.Line {
				add(len(lines))
			}
		} else if o.Line != fsTrimEOL(lines[index[1]]) {
			add(index[1])
		}
	default:
		add(index[1])
	}
	return strings.Join(lines, ""), changed, msg, nil
}

// lineinfileAbsent computes the content lineinfile state=absent leaves and
// how many lines it removed.
func lineinfileAbsent(content string, o lineOpts) (string, int, error) {
	var re *regexp.Regexp
	if o.Regexp != nil {
		var err error
		if re, err = pyCompile(*o.Regexp, false, false); err != nil {
			return "", 0, err
		}
	}
	var kept []string
	found := 0
	for _, l := range fsSplitLines(content) {
		var m bool
		switch {
		case re != nil:
			m = re.MatchString(l)
		case o.SearchString != nil:
			m = strings.Contains(l, *o.SearchString)
		default:
			m = o.Line == fsTrimEOL(l)
		}
		if m {
			found++
		} else {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, ""), found, nil
}

// opt returns a string argument, nil when it is absent or null.
func (args fileArgs) opt(name string) *string {
	if s, ok := args.str(name); ok {
		return &s
	}
	return nil
}

func runLineinfile(ctx context.Context, t *Task) (Result, error) {
	p, _ := fileArgs(t.Args).str("path")
	p = fsCleanPath(p)
	o := lineOpts{
		Regexp:       fileArgs(t.Args).opt("regexp"),
		SearchString: fileArgs(t.Args).opt("search_string"),
		InsertAfter:  fileArgs(t.Args).opt("insertafter"),
		InsertBefore: fileArgs(t.Args).opt("insertbefore"),
		Backrefs:     fileArgs(t.Args).boolean("backrefs", false),
		FirstMatch:   fileArgs(t.Args).boolean("firstmatch", false),
	}
	line := fileArgs(t.Args).opt("line")
	state, _ := fileArgs(t.Args).str("state")
	if state == "" {
		state = "present"
	}
	var warnings []string
	if o.Regexp != nil && *o.Regexp == "" {
		warnings = append(warnings, "The regular expression is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending. If this is desired, use '^' to match every line in the file and avoid this warning.")
	} else if o.SearchString != nil && *o.SearchString == "" {
		warnings = append(warnings, "The search string is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending.")
	}
	f, err := fsStat(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if f.IsDir() {
		return Result{"failed": true, "rc": 256, "msg": fmt.Sprintf("Path %s is a directory !", p)}, nil
	}
	exists := f.Exists && !(f.Type == "link" && f.TargetType == "")
	res := Result{}
	if len(warnings) > 0 {
		res["warnings"] = warnings
	}
	diff := Diff{BeforeHeader: p + " (content)", AfterHeader: p + " (content)"}
	var content string
	if exists {
		b, err := fsRead(ctx, t, p)
		if err != nil {
			return nil, err
		}
		content = string(b)
	}
	if t.Diff {
		diff.Before = content
	}
	var newContent, msg string
	var changed bool
	if state == "present" {
		if o.Backrefs && o.Regexp == nil {
			return Failf("regexp is required with backrefs=true"), nil
		}
		if line == nil {
			return Failf("line is required with state=present"), nil
		}
		o.Line = *line
		if !exists {
			if !fileArgs(t.Args).boolean("create", false) {
				return Result{"failed": true, "rc": 257, "msg": fmt.Sprintf("Destination %s does not exist !", p)}, nil
			}
			if !t.Check {
				if err := fsMkdirParents(ctx, t, p); err != nil {
					return Failf("%v", err), nil
				}
			}
		}
		newContent, changed, msg, err = lineinfilePresent(content, o)
		if err != nil {
			return Failf("%v", err), nil
		}
	} else {
		if o.Regexp == nil && o.SearchString == nil && line == nil {
			return Failf("one of line, search_string, or regexp is required with state=absent"), nil
		}
		if !exists {
			res["changed"], res["msg"] = false, "file not present"
			return res, nil
		}
		if line != nil {
			o.Line = *line
		}
		var found int
		newContent, found, err = lineinfileAbsent(content, o)
		if err != nil {
			return Failf("%v", err), nil
		}
		changed = found > 0
		res["found"] = found
		if changed {
			msg = fmt.Sprintf("%d line(s) removed", found)
		}
	}
	if t.Diff {
		diff.After = newContent
	}
	backup := ""
	if changed && !t.Check {
		if fileArgs(t.Args).boolean("backup", false) && exists {
			if backup, err = fsBackup(ctx, t, p); err != nil {
				return Failf("%v", err), nil
			}
		}
		validate, _ := fileArgs(t.Args).str("validate")
		dest := p
		if exists {
			dest = fsRealPath(ctx, t, f)
		}
		if err := fsWrite(ctx, t, dest, []byte(newContent), validate, 0); err != nil {
			return Failf("%v", err), nil
		}
	}
	res["backup"] = backup
	if t.Check && !exists {
		res["changed"], res["msg"] = changed, msg
		if t.Diff {
			res["diff"] = diff
		}
		return res, nil
	}
	ad := &fsAttrDiff{Before: map[string]any{}, After: map[string]any{}}
	changed, msg, err = fsCheckAttrs(ctx, t, p, changed, msg, ad)
	if err != nil {
		return Failf("%v", err), nil
	}
	res["changed"], res["msg"] = changed, msg
	if t.Diff {
		res["diff"] = []Diff{diff, fsAttrsDiff(p, ad)}
	}
	return res, nil
}

// fsAttrsDiff renders the "(file attributes)" diff of the content modules;
// it is empty when no attribute changed.
func fsAttrsDiff(p string, ad *fsAttrDiff) Diff {
	d := Diff{BeforeHeader: p + " (file attributes)", AfterHeader: p + " (file attributes)"}
	if len(ad.Before) > 0 || len(ad.After) > 0 {
		dd := fsDictDiff(ad.Before, ad.After)
		d.Before, d.After = dd.Before, dd.After
	}
	return d
}
