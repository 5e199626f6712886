package modules

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func init() {
	Register("find", Spec{
		Params: map[string]Param{
			"paths":           {Type: "list", Elements: "str", Required: true, Aliases: []string{"name", "path"}},
			"patterns":        {Type: "list", Elements: "str", Default: []any{}, Aliases: []string{"pattern"}},
			"excludes":        {Type: "list", Elements: "str", Aliases: []string{"exclude"}},
			"contains":        {Type: "str"},
			"read_whole_file": {Type: "bool", Default: false},
			"file_type":       {Type: "str", Default: "file", Choices: []string{"any", "directory", "file", "link"}},
			"age":             {Type: "str"},
			"age_stamp":       {Type: "str", Default: "mtime", Choices: []string{"atime", "ctime", "mtime"}},
			"size":            {Type: "str"},
			"recurse":         {Type: "bool", Default: false},
			"hidden":          {Type: "bool", Default: false},
			"follow":          {Type: "bool", Default: false},
			"get_checksum":    {Type: "bool", Default: false},
			"use_regex":       {Type: "bool", Default: false},
			"depth":           {Type: "int"},
		},
		CheckMode: true,
	}, ModuleFunc(runFind))
}

// findGlobRegexp translates a Python fnmatch pattern to an anchored Go
// regular expression (*, ?, [seq], [!seq]; an unclosed [ is literal).
func findGlobRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(pat) && pat[j] == '!' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				j++
			}
			for j < len(pat) && pat[j] != ']' {
				j++
			}
			if j >= len(pat) {
				b.WriteString(`\[`)
				continue
			}
			body := pat[i+1 : j]
			neg := strings.HasPrefix(body, "!")
			if neg {
				body = body[1:]
			}
			body = strings.ReplaceAll(body, `\`, `\\`)
			body = strings.ReplaceAll(body, `[`, `\[`)
			if strings.HasPrefix(body, "^") {
				body = `\` + body
			}
			if neg {
				b.WriteString("[^" + body + "]")
			} else {
				b.WriteString("[" + body + "]")
			}
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		// only text that is not UTF-8 gets here: it matches nothing
		return regexp.MustCompile(`[^\x00-\x{10FFFF}]`)
	}
	return re
}

// findNameFilter is find's pfilter: a name matches one of patterns and none
// of excludes (glob or Python regex matched at the start).
type findNameFilter struct {
	patterns, excludes []func(string) bool
}

func newFindNameFilter(patterns, excludes []string, useRegex bool) (*findNameFilter, error) {
	if len(patterns) == 0 {
		if useRegex {
			patterns = []string{".*"}
		} else {
			patterns = []string{"*"}
		}
	}
	compile := func(p string) (func(string) bool, error) {
		if !useRegex {
			re := findGlobRegexp(p)
			return re.MatchString, nil
		}
		re, err := pyCompile(p, false, false)
		if err != nil {
			return nil, err
		}
		return func(s string) bool { loc := re.FindStringIndex(s); return loc != nil && loc[0] == 0 }, nil
	}
	nf := &findNameFilter{}
	for _, p := range patterns {
		m, err := compile(p)
		if err != nil {
			return nil, err
		}
		nf.patterns = append(nf.patterns, m)
	}
	for _, p := range excludes {
		m, err := compile(p)
		if err != nil {
			return nil, err
		}
		nf.excludes = append(nf.excludes, m)
	}
	return nf, nil
}

func (nf *findNameFilter) match(name string) bool {
	for _, p := range nf.patterns {
		if p(name) {
			for _, e := range nf.excludes {
				if e(name) {
					return false
				}
			}
			return true
		}
	}
	return false
}

var (
	findAgeRe  = regexp.MustCompile(`^(-?\d+)(s|m|h|d|w)?$`)
	findSizeRe = regexp.MustCompile(`^(-?\d+)(b|k|m|g|t)?$`)
)

// findParseUnits reads find's age ("-2d") or size ("10m") with its units.
func findParseUnits(s string, re *regexp.Regexp, units map[string]int64) (int64, bool) {
	m := re.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	mult := int64(1)
	if m[2] != "" {
		mult = units[m[2]]
	}
	return n * mult, true
}

// findStatInfo is find's statinfo for one path.
func findStatInfo(f *fsInfo) Result {
	m := f.Mode
	return Result{
		"path":    f.Path,
		"mode":    fmt.Sprintf("%04o", m),
		"isdir":   f.Type == "directory",
		"ischr":   f.Type == "char",
		"isblk":   f.Type == "block",
		"isreg":   f.Type == "file",
		"isfifo":  f.Type == "fifo",
		"islnk":   f.Type == "link",
		"issock":  f.Type == "socket",
		"uid":     f.Uid,
		"gid":     f.Gid,
		"size":    f.Size,
		"inode":   f.Inode,
		"dev":     f.Dev,
		"nlink":   f.Nlink,
		"atime":   float64(f.Atime),
		"mtime":   float64(f.Mtime),
		"ctime":   float64(f.Ctime),
		"gr_name": findNameOrEmpty(f.Group, f.Gid),
		"pw_name": findNameOrEmpty(f.Owner, f.Uid),
		"wusr":    m&0o200 != 0, "rusr": m&0o400 != 0, "xusr": m&0o100 != 0,
		"wgrp": m&0o020 != 0, "rgrp": m&0o040 != 0, "xgrp": m&0o010 != 0,
		"woth": m&0o002 != 0, "roth": m&0o004 != 0, "xoth": m&0o001 != 0,
		"isuid": m&0o4000 != 0, "isgid": m&0o2000 != 0,
	}
}

func findNameOrEmpty(name string, id int) string {
	if name == strconv.Itoa(id) {
		return ""
	}
	return name
}

// findRelDepth is the number of path components of p below root.
func findRelDepth(root, p string) int {
	rel := strings.TrimPrefix(p, strings.TrimRight(root, "/")+"/")
	return strings.Count(rel, "/") + 1
}

func runFind(ctx context.Context, t *Task) (Result, error) {
	paths := fileArgs(t.Args).list("paths")
	if len(paths) == 0 {
		return Failf("missing required arguments: paths"), nil
	}
	useRegex := fileArgs(t.Args).boolean("use_regex", false)
	nf, err := newFindNameFilter(fileArgs(t.Args).list("patterns"), fileArgs(t.Args).list("excludes"), useRegex)
	if err != nil {
		return Failf("%v", err), nil
	}
	var age, size *int64
	if s, ok := fileArgs(t.Args).str("age"); ok {
		n, ok := findParseUnits(s, findAgeRe, map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800})
		if !ok {
			return Result{"failed": true, "age": s, "msg": "failed to process age"}, nil
		}
		age = &n
	}
	if s, ok := fileArgs(t.Args).str("size"); ok {
		n, ok := findParseUnits(s, findSizeRe, map[string]int64{"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40})
		if !ok {
			return Result{"failed": true, "size": s, "msg": "failed to process size"}, nil
		}
		size = &n
	}
	var contains func(data string) bool
	if c, ok := fileArgs(t.Args).str("contains"); ok {
		re, err := pyCompile(c, false, false)
		if err != nil {
			return Failf("%v", err), nil
		}
		whole := fileArgs(t.Args).boolean("read_whole_file", false)
		contains = func(data string) bool {
			if whole {
				return re.MatchString(data)
			}
			for _, l := range fsSplitLines(data) {
				if loc := re.FindStringIndex(l); loc != nil && loc[0] == 0 {
					return true
				}
			}
			return false
		}
	}
	fileType, _ := fileArgs(t.Args).str("file_type")
	if fileType == "" {
		fileType = "file"
	}
	ageStamp, _ := fileArgs(t.Args).str("age_stamp")
	recurse := fileArgs(t.Args).boolean("recurse", false)
	hidden := fileArgs(t.Args).boolean("hidden", false)
	follow := fileArgs(t.Args).boolean("follow", false)
	getChecksum := fileArgs(t.Args).boolean("get_checksum", false)
	depth := fileArgs(t.Args).integer("depth", 0)
	now := time.Now().Unix()

	ageOK := func(f *fsInfo) bool {
		if age == nil {
			return true
		}
		ts := f.Mtime
		switch ageStamp {
		case "atime":
			ts = f.Atime
		case "ctime":
			ts = f.Ctime
		}
		a := *age
		if a >= 0 {
			return now-ts >= a
		}
		return now-ts <= -a
	}
	sizeOK := func(f *fsInfo) bool {
		if size == nil {
			return true
		}
		if *size >= 0 {
			return f.Size >= *size
		}
		return f.Size <= -*size
	}
	files := []any{}
	skipped := map[string]any{}
	var warnings []string
	examined := 0
	for _, root := range paths {
		rf, err := fsStat(ctx, t, root)
		if err != nil {
			return nil, err
		}
		if !rf.IsDir() {
			skipped[root] = fmt.Sprintf("'%s' is not a directory", root)
			warnings = append(warnings, fmt.Sprintf("Skipped '%s' path due to this access issue: '%s' is not a directory\n", root, root))
			continue
		}
		maxDepth := 0 // unlimited
		switch {
		case !recurse:
			maxDepth = 1
		case depth > 0:
			maxDepth = depth + 1
		}
		entries, err := findList(ctx, t, root, follow, maxDepth)
		if err != nil {
			skipped[root] = err.Error()
			warnings = append(warnings, fmt.Sprintf("Skipped '%s' path due to this access issue: %v\n", root, err))
			continue
		}
		for _, e := range entries {
			examined++
			d := findRelDepth(root, e.Path)
			if recurse && depth > 0 && d > depth {
				continue
			}
			name := e.Path[strings.LastIndex(e.Path, "/")+1:]
			if strings.HasPrefix(name, ".") && !hidden {
				continue
			}
			if !nf.match(name) || !ageOK(e) {
				continue
			}
			ok := false
			switch {
			case fileType == "any":
				ok = e.Type != "file" || sizeOK(e)
			case fileType == "directory" && e.Type == "directory":
				ok = true
			case fileType == "file" && e.Type == "file":
				ok = sizeOK(e)
				if ok && contains != nil {
					data, err := fsRead(ctx, t, e.Path)
					ok = err == nil && contains(string(data))
				}
			case fileType == "link" && e.Type == "link":
				ok = true
			}
			if !ok {
				continue
			}
			r := findStatInfo(e)
			if getChecksum && e.Type == "file" {
				if sum, err := fsChecksum(ctx, t, e.Path); err == nil && sum != "" {
					r["checksum"] = sum
				}
			}
			files = append(files, r)
		}
	}
	msg := "All paths examined"
	if len(skipped) > 0 {
		msg = "Not all paths examined, check warnings for details"
	}
	res := Result{"changed": false, "files": files, "matched": len(files), "examined": examined, "msg": msg, "skipped_paths": skipped}
	if len(warnings) > 0 {
		res["warnings"] = warnings
	}
	return res, nil
}

// findList lists root's entries down to maxDepth (0: all) with lstat data
// (stat data for what links lead to when follow is set).
func findList(ctx context.Context, t *Task, root string, follow bool, maxDepth int) ([]*fsInfo, error) {
	depth := ""
	if maxDepth > 0 {
		depth = "-maxdepth " + strconv.Itoa(maxDepth)
	}
	flag := "''"
	if follow {
		flag = "-L"
	}
	script := `r="$1"; L="$2"; D="$3"
if stat --version >/dev/null 2>&1; then
  find $L "$r" -mindepth 1 $D -exec stat $L -c 'G %f %u %g %s %h %i %d %X %Y %Z 0 %U %G %n' {} +
else
  find $L "$r" -mindepth 1 $D -exec stat $L -f 'B %p %u %g %z %l %i %d %a %m %c 0 %Su %Sg %N' {} +
fi`
	res, err := t.Exec(ctx, "sh -c "+connection.Quote(script)+" sh "+fsShellPath(root)+" "+flag+" "+connection.Quote(depth))
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", root, err)
	}
	if res.ExitCode != 0 && len(res.Stdout) == 0 {
		return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	return fsParseTree(string(res.Stdout)), nil
}
