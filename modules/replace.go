package modules

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Python's re and Go's regexp (RE2) share most syntax. pyCompile
// translates what differs and can be translated:
//   - `$` outside a class: Python's matches at the end or before a final
//     newline; without MULTILINE it becomes (?m:$), which is the same on
//     one line (what lineinfile matches) and may also match before an
//     inner newline on longer text.
//   - `\Z` becomes `\z`; `{,n}` becomes `{0,n}`.
//
// Lookahead, lookbehind, backreferences in the pattern, conditionals and
// (?x) verbose patterns have no RE2 equivalent: they are refused with an
// error naming the pattern, never silently matched differently.
func pyCompile(pattern string, multiline, dotall bool) (*regexp.Regexp, error) {
	var b strings.Builder
	flags := ""
	if multiline {
		flags += "m"
	}
	if dotall {
		flags += "s"
	}
	if flags != "" {
		b.WriteString("(?" + flags + ")")
	}
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			n := pattern[i+1]
			i++
			switch {
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
			case n >= '1' && n <= '9' && !inClass:
				return nil, fmt.Errorf("regular expression %q: backreferences (\\%c) are not supported (Go RE2 syntax)", pattern, n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// a ] right after [ or [^ is a literal
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '$' && !multiline:
			b.WriteString("(?m:$)")
		case c == '{' && strings.HasPrefix(pattern[i:], "{,"):
			b.WriteString("{0,")
			i++
		case c == '(' && strings.HasPrefix(pattern[i:], "(?"):
			rest := pattern[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"),
				strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return nil, fmt.Errorf("regular expression %q: lookaround assertions are not supported (Go RE2 syntax)", pattern)
			case strings.HasPrefix(rest, "P="), strings.HasPrefix(rest, "("):
				return nil, fmt.Errorf("regular expression %q: backreferences and conditionals are not supported (Go RE2 syntax)", pattern)
			}
			j := 0
			for j < len(rest) && strings.IndexByte("aiLmsux-", rest[j]) >= 0 {
				j++
			}
			if j > 0 && strings.ContainsRune(rest[:j], 'x') {
				return nil, fmt.Errorf("regular expression %q: verbose (?x) patterns are not supported", pattern)
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", pattern, err)
	}
	return re, nil
}

// pyExpand expands a Python re replacement template (match.expand, re.sub)
// for the match m (submatch indexes into src): \1 … \99, \g<1>, \g<name>,
// and the escapes \n \t \r \f \v \a \b \\. An unknown escape of an ASCII
// letter is an error, as in Python; any other \c is kept as is. A group
// that did not take part in the match expands to "".
func pyExpand(re *regexp.Regexp, tmpl, src string, m []int) (string, error) {
	var b strings.Builder
	group := func(n int) error {
		if n < 0 || n > re.NumSubexp() {
			return fmt.Errorf("invalid group reference %d", n)
		}
		if m[2*n] >= 0 {
			b.WriteString(src[m[2*n]:m[2*n+1]])
		}
		return nil
	}
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			if c == '\\' {
				return "", fmt.Errorf("bad escape (end of pattern) at position %d", i)
			}
			b.WriteByte(c)
			continue
		}
		n := tmpl[i+1]
		switch {
		case n == 'g':
			end := strings.IndexByte(tmpl[i:], '>')
			if i+2 >= len(tmpl) || tmpl[i+2] != '<' || end < 0 {
				return "", fmt.Errorf("missing group name in replacement %q", tmpl)
			}
			name := tmpl[i+3 : i+end]
			if num, err := strconv.Atoi(name); err == nil {
				if err := group(num); err != nil {
					return "", err
				}
			} else {
				idx := re.SubexpIndex(name)
				if idx < 0 {
					return "", fmt.Errorf("unknown group name '%s'", name)
				}
				_ = group(idx)
			}
			i += end
		case n == '0':
			// octal escape \0, \0o, \0oo
			j := i + 2
			v := 0
			for k := 0; k < 2 && j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '7'; k++ {
				v = v*8 + int(tmpl[j]-'0')
				j++
			}
			b.WriteByte(byte(v))
			i = j - 1
		case n >= '1' && n <= '9':
			j := i + 2
			num := int(n - '0')
			if j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
				num = num*10 + int(tmpl[j]-'0')
				j++
			}
			if err := group(num); err != nil {
				return "", err
			}
			i = j - 1
		default:
			i++
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case '\\':
				b.WriteByte('\\')
			default:
				if n < 128 && (n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z') {
					return "", fmt.Errorf("bad escape \\%c", n)
				}
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		}
	}
	return b.String(), nil
}

// pySubn is re.subn(re, tmpl, s): every non-overlapping match replaced,
// and the count. (Go skips an empty match right after a previous match,
// where Python 3.7+ replaces it: `x*` on "abxd" differs.)
func pySubn(re *regexp.Regexp, tmpl, s string) (string, int, error) {
	var b strings.Builder
	last, n := 0, 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		rep, err := pyExpand(re, tmpl, s, m)
		if err != nil {
			return "", 0, err
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(rep)
		last = m[1]
		n++
	}
	b.WriteString(s[last:])
	return b.String(), n, nil
}

// replaceResult is the outcome of replaceContent.
type replaceResult struct {
	Content string
	Count   int
	Changed bool
	Msg     string // set when after/before matched nothing
}

// replaceContent does what the replace module does to a file's content:
// regexp (MULTILINE) replaced by repl, limited to the text between after
// and before when they are given (DOTALL).
func replaceContent(contents, pattern, repl, after, before string) (replaceResult, error) {
	section := contents
	start, end := 0, len(contents)
	sectionPattern := ""
	switch {
	case after != "" && before != "":
		sectionPattern = after + "(?P<subsection>.*?)" + before
	case after != "":
		sectionPattern = after + "(?P<subsection>.*)"
	case before != "":
		sectionPattern = "(?P<subsection>.*)" + before
	}
	if sectionPattern != "" {
		sre, err := pyCompile(sectionPattern, false, true)
		if err != nil {
			return replaceResult{}, err
		}
		m := sre.FindStringSubmatchIndex(contents)
		if m == nil {
			return replaceResult{Content: contents, Msg: "Pattern for before/after params did not match the given file: " + sectionPattern}, nil
		}
		g := sre.SubexpIndex("subsection")
		if g < 0 || m[2*g] < 0 {
			// after/before made the section optional ("a|b"): Python
			// fails on the None section; say it did not match
			return replaceResult{Content: contents, Msg: "Pattern for before/after params did not match the given file: " + sectionPattern}, nil
		}
		start, end = m[2*g], m[2*g+1]
		section = contents[start:end]
	}
	re, err := pyCompile(pattern, true, false)
	if err != nil {
		return replaceResult{}, err
	}
	out, n, err := pySubn(re, repl, section)
	if err != nil {
		return replaceResult{}, err
	}
	if n == 0 || out == section {
		return replaceResult{Content: contents, Count: n}, nil
	}
	return replaceResult{Content: contents[:start] + out + contents[end:], Count: n, Changed: true}, nil
}

func init() {
	Register("replace", Spec{
		Params: fsCommonParams(map[string]Param{
			"path":     {Type: "path", Required: true, Aliases: []string{"dest", "destfile", "name"}},
			"regexp":   {Type: "str", Required: true},
			"replace":  {Type: "str", Default: ""},
			"after":    {Type: "str"},
			"before":   {Type: "str"},
			"backup":   {Type: "bool", Default: false},
			"validate": {Type: "str"},
			"encoding": {Type: "str", Default: "utf-8"},
		}),
		CheckMode: true,
	}, fsUnsupported(runReplace))
}

func runReplace(ctx context.Context, t *Task) (Result, error) {
	p, _ := fileArgs(t.Args).str("path")
	p = fsCleanPath(p)
	f, err := fsStat(ctx, t, p)
	if err != nil {
		return nil, err
	}
	if f.IsDir() {
		return Result{"failed": true, "rc": 256, "msg": fmt.Sprintf("Path %s is a directory !", p)}, nil
	}
	if !f.Exists || f.Type == "link" && f.TargetType == "" {
		return Result{"failed": true, "rc": 257, "msg": fmt.Sprintf("Path %s does not exist !", p)}, nil
	}
	data, err := fsRead(ctx, t, p)
	if err != nil {
		return Failf("Unable to read the contents of %s: %v", p, err), nil
	}
	pattern, _ := fileArgs(t.Args).str("regexp")
	repl, _ := fileArgs(t.Args).str("replace")
	after, _ := fileArgs(t.Args).str("after")
	before, _ := fileArgs(t.Args).str("before")
	rr, err := replaceContent(string(data), pattern, repl, after, before)
	if err != nil {
		return Failf("%v", err), nil
	}
	res := Result{"rc": 0, "changed": false}
	if rr.Msg != "" {
		res["msg"] = rr.Msg
		return res, nil
	}
	msg := ""
	if rr.Changed {
		msg = fmt.Sprintf("%d replacements made", rr.Count)
		if t.Diff {
			res["diff"] = Diff{Before: string(data), After: rr.Content, BeforeHeader: p, AfterHeader: p}
		}
		if !t.Check {
			if fileArgs(t.Args).boolean("backup", false) {
				bf, err := fsBackup(ctx, t, p)
				if err != nil {
					return Failf("%v", err), nil
				}
				res["backup_file"] = bf
			}
			validate, _ := fileArgs(t.Args).str("validate")
			if err := fsWrite(ctx, t, fsRealPath(ctx, t, f), []byte(rr.Content), validate, 0); err != nil {
				return Failf("%v", err), nil
			}
		}
	}
	changed, msg, err := fsCheckAttrs(ctx, t, p, rr.Changed, msg, nil)
	if err != nil {
		return Failf("%v", err), nil
	}
	res["changed"], res["msg"] = changed, msg
	return res, nil
}

// fsCheckAttrs is the content modules' check_file_attrs: it sets owner,
// group and mode on p and extends msg when they changed.
func fsCheckAttrs(ctx context.Context, t *Task, p string, changed bool, msg string, d *fsAttrDiff) (bool, string, error) {
	a := fsAttrsFrom(t.Args)
	if a.Owner == "" && a.Group == "" && a.Mode == nil {
		return changed, msg, nil
	}
	f, err := fsStat(ctx, t, p)
	if err != nil {
		return changed, msg, err
	}
	if !f.Exists {
		return changed, msg, nil
	}
	did, err := fsSetAttrs(ctx, t, f, a, true, d)
	if err != nil {
		return changed, msg, err
	}
	if did {
		if changed {
			msg += " and "
		}
		changed = true
		msg += "ownership, perms or SE linux context changed"
	}
	return changed, msg, nil
}
