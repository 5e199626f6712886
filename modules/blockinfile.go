package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("blockinfile", Spec{
		Params: fsCommonParams(map[string]Param{
			"path":         {Type: "path", Required: true, Aliases: []string{"dest", "destfile", "name"}},
			"state":        {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"marker":       {Type: "str", Default: "# {mark} ANSIBLE MANAGED BLOCK"},
			"block":        {Type: "str", Default: "", Aliases: []string{"content"}},
			"insertafter":  {Type: "str"},
			"insertbefore": {Type: "str"},
			"create":       {Type: "bool", Default: false},
			"backup":       {Type: "bool", Default: false},
			"validate":     {Type: "str"},
			"marker_begin": {Type: "str", Default: "BEGIN"},
			"marker_end":   {Type: "str", Default: "END"},
		}),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
		CheckMode:         true,
	}, fsUnsupported(runBlockinfile))
}

// blockOpts are blockinfile's content parameters.
type blockOpts struct {
	Present                   bool
	Block                     string
	Marker                    string // contains {mark}
	MarkerBegin, MarkerEnd    string
	InsertAfter, InsertBefore *string
}

// blockMultilineFlag reports whether a Python pattern turns MULTILINE on with
// an inline (?m) flag group at its start.
var blockMultilineFlag = regexp.MustCompile(`^\(\?[aiLsux]*m[aiLmsux]*\)`)

// blockinfileContent computes the content blockinfile leaves, following
// ansible-core 2.14's main(); original is nil for a missing file.
func blockinfileContent(original *string, o blockOpts) (string, error) {
	var lines []string
	if original != nil {
		lines = fsSplitLinesPy(*original)
	}
	insAfter, insBefore := o.InsertAfter, o.InsertBefore
	if insAfter == nil && insBefore == nil {
		eof := "EOF"
		insAfter = &eof
	}
	var insertRe *regexp.Regexp
	var err error
	multiline := false
	pat := ""
	if insAfter != nil && *insAfter != "EOF" {
		pat = *insAfter
	} else if insBefore != nil && *insBefore != "BOF" {
		pat = *insBefore
	}
	if insAfter != nil && *insAfter != "EOF" || insBefore != nil && *insBefore != "BOF" {
		multiline = blockMultilineFlag.MatchString(pat)
		if insertRe, err = pyCompile(pat, false, false); err != nil {
			return "", err
		}
	}
	marker0 := strings.ReplaceAll(o.Marker, "{mark}", o.MarkerBegin) + "\n"
	marker1 := strings.ReplaceAll(o.Marker, "{mark}", o.MarkerEnd) + "\n"
	var blockLines []string
	if o.Present && o.Block != "" {
		block := o.Block
		if !strings.HasSuffix(block, "\n") {
			block += "\n"
		}
		blockLines = append([]string{marker0}, fsSplitLinesPy(block)...)
		blockLines = append(blockLines, marker1)
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if l == marker0 {
			n0 = i
		}
		if l == marker1 {
			n1 = i
		}
	}
	if n0 == -1 || n1 == -1 {
		n0 = -1
		switch {
		case insertRe != nil:
			if multiline {
				orig := ""
				if original != nil {
					orig = *original
				}
				if m := insertRe.FindStringIndex(orig); m != nil {
					if insAfter != nil {
						n0 = strings.Count(orig[:m[1]], "\n")
					} else {
						n0 = strings.Count(orig[:m[0]], "\n")
					}
				}
			} else {
				for i, l := range lines {
					if insertRe.MatchString(l) {
						n0 = i
					}
				}
			}
			if n0 == -1 {
				n0 = len(lines)
			} else if insAfter != nil {
				n0++
			}
		case insBefore != nil:
			n0 = 0
		default:
			n0 = len(lines)
		}
	} else if n0 < n1 {
		lines = append(lines[:n0], lines[n1+1:]...)
	} else {
		lines = append(lines[:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > len(lines) {
		n0 = len(lines)
	}
	if n0 > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	out := append(append(append([]string{}, lines[:n0]...), blockLines...), lines[n0:]...)
	return strings.Join(out, ""), nil
}

// fsSplitLinesPy is Python's str.splitlines(True) for the line ends that
// matter in text files: \n, \r\n and \r.
func fsSplitLinesPy(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			out = append(out, s[start:i+1])
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func runBlockinfile(ctx context.Context, t *Task) (Result, error) {
	p, _ := fileArgs(t.Args).str("path")
	p = fsCleanPath(p)
	f, err := fsStat(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if f.IsDir() {
		return Result{"failed": true, "rc": 256, "msg": fmt.Sprintf("Path %s is a directory !", p)}, nil
	}
	exists := f.Exists && !(f.Type == "link" && f.TargetType == "")
	state, _ := fileArgs(t.Args).str("state")
	o := blockOpts{
		Present:      state != "absent",
		InsertAfter:  fileArgs(t.Args).opt("insertafter"),
		InsertBefore: fileArgs(t.Args).opt("insertbefore"),
	}
	o.Block, _ = fileArgs(t.Args).str("block")
	var ok bool
	if o.Marker, ok = fileArgs(t.Args).str("marker"); !ok {
		o.Marker = "# {mark} ANSIBLE MANAGED BLOCK"
	}
	if o.MarkerBegin, ok = fileArgs(t.Args).str("marker_begin"); !ok {
		o.MarkerBegin = "BEGIN"
	}
	if o.MarkerEnd, ok = fileArgs(t.Args).str("marker_end"); !ok {
		o.MarkerEnd = "END"
	}
	var original *string
	if !exists {
		if !fileArgs(t.Args).boolean("create", false) {
			return Result{"failed": true, "rc": 257, "msg": fmt.Sprintf("Path %s does not exist !", p)}, nil
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
		s := string(b)
		original = &s
	}
	diff := Diff{BeforeHeader: p + " (content)", AfterHeader: p + " (content)"}
	if t.Diff && original != nil {
		diff.Before = *original
	}
	if !o.Present && !exists {
		return Result{"changed": false, "msg": fmt.Sprintf("File %s not present", p)}, nil
	}
	result, err := blockinfileContent(original, o)
	if err != nil {
		return Failf("%v", err), nil
	}
	if t.Diff {
		diff.After = result
	}
	var msg string
	changed := true
	switch {
	case original != nil && *original == result:
		msg, changed = "", false
	case original == nil:
		msg = "File created"
	case !o.Present || o.Block == "":
		msg = "Block removed"
	default:
		msg = "Block inserted"
	}
	res := Result{}
	if changed && !t.Check {
		if fileArgs(t.Args).boolean("backup", false) && exists {
			bf, err := fsBackup(ctx, t, p)
			if err != nil {
				return Failf("%v", err), nil
			}
			res["backup_file"] = bf
		}
		validate, _ := fileArgs(t.Args).str("validate")
		dest := p
		if exists {
			dest = fsRealPath(ctx, t, f)
		}
		if err := fsWrite(ctx, t, dest, []byte(result), validate, 0); err != nil {
			return Failf("%v", err), nil
		}
	}
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
