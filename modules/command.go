package modules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

// commandSpec is the argument spec of ansible.builtin.command, which
// shell shares (shell sets _uses_shell).
func commandSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"_raw_params":       {Type: "str"},
			"_uses_shell":       {Type: "bool", Default: false},
			"argv":              {Type: "list", Elements: "str"},
			"chdir":             {Type: "path"},
			"executable":        {Type: "str"},
			"creates":           {Type: "path"},
			"removes":           {Type: "path"},
			"stdin":             {Type: "str"},
			"stdin_add_newline": {Type: "bool", Default: true},
			"strip_empty_ends":  {Type: "bool", Default: true},
		},
		FreeForm:  "_raw_params",
		CheckMode: true,
	}
}

func init() {
	Register("command", commandSpec(), ModuleFunc(func(ctx context.Context, t *Task) (Result, error) {
		return runCommand(ctx, t, false)
	}))
}

// commandPlan is what the command and shell modules decided to run.
type commandPlan struct {
	Cmd      any    // the result's "cmd": the argv list, or the shell text
	Line     string // the shell line that runs it on the host, without chdir
	Words    []string
	Exe      string // the program exec'd: argv[0], or the shell
	Shell    bool
	Chdir    string
	Creates  string
	Removes  string
	Stdin    *string
	Strip    bool
	Warnings []string
}

// planCommand decides what command or shell runs from validated args.
// A non-nil Result is a failure found before anything runs.
func planCommand(args map[string]any, shell bool) (*commandPlan, Result) {
	str := func(k string) string { s, _ := args[k].(string); return s }
	boolArg := func(k string, def bool) bool {
		if b, ok := args[k].(bool); ok {
			return b
		}
		return def
	}
	if b, ok := args["_uses_shell"].(bool); ok && b {
		shell = true
	}
	p := &commandPlan{Shell: shell, Chdir: str("chdir"), Creates: str("creates"), Removes: str("removes"), Strip: boolArg("strip_empty_ends", true)}
	raw := str("_raw_params")
	var argv []string
	if l, ok := args["argv"].([]any); ok {
		for _, w := range l {
			argv = append(argv, pyStr(w))
		}
	}
	executable := str("executable")
	if !shell && executable != "" {
		p.Warnings = append(p.Warnings, fmt.Sprintf("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '%s'.", executable))
		executable = ""
	}
	fail := func(msg string) Result {
		return Result{"failed": true, "changed": false, "msg": msg, "rc": 256, "cmd": nil,
			"stdout": "", "stderr": "", "start": nil, "end": nil, "delta": nil,
			"stdout_lines": []string{}, "stderr_lines": []string{}}
	}
	if strings.TrimSpace(raw) == "" && len(argv) == 0 {
		return nil, fail("no command given")
	}
	if raw != "" && len(argv) > 0 {
		return nil, fail("only command or argv can be given, not both")
	}
	if s, ok := args["stdin"].(string); ok {
		if boolArg("stdin_add_newline", true) && s != "" {
			s += "\n"
		}
		p.Stdin = &s
	}
	if shell {
		text := raw
		if raw == "" {
			text = quoteWords(argv)
			p.Cmd = anyList(argv)
		} else {
			p.Cmd = raw
		}
		if executable == "" {
			executable = "/bin/sh"
		}
		p.Exe = executable
		p.Line = "exec " + connection.Quote(executable) + " -c " + connection.Quote(text)
		return p, nil
	}
	words := argv
	if raw != "" {
		var err error
		words, err = shlexSplit(raw)
		if err != nil {
			return nil, Result{"failed": true, "changed": false, "msg": err.Error(), "rc": 256, "cmd": raw}
		}
		if len(words) == 0 {
			return nil, fail("no command given")
		}
	}
	p.Words, p.Exe = words, words[0]
	p.Cmd = anyList(words)
	p.Line = "exec " + quoteWords(words)
	return p, nil
}

func anyList(words []string) []any {
	out := make([]any, len(words))
	for i, w := range words {
		out[i] = w
	}
	return out
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = connection.Quote(w)
	}
	return strings.Join(q, " ")
}

// probeScript checks chdir, creates and removes on the host, relative to
// chdir as the module does, and prints one line per answer.
func (p *commandPlan) probeScript() string {
	var b strings.Builder
	b.WriteString("omeprov_exists() { for f in \"$@\"; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then return 0; fi; done; return 1; }\n")
	if p.Chdir != "" {
		fmt.Fprintf(&b, "cd %s || { echo chdir=fail; exit 0; }\necho chdir=ok\n", QuotePath(p.Chdir))
	}
	if p.Creates != "" {
		fmt.Fprintf(&b, "if omeprov_exists %s; then echo creates=1; else echo creates=0; fi\n", quoteGlob(p.Creates))
	}
	if p.Removes != "" {
		fmt.Fprintf(&b, "if omeprov_exists %s; then echo removes=1; else echo removes=0; fi\n", quoteGlob(p.Removes))
	}
	return b.String()
}

// probeResult is what probeScript found.
type probeResult struct {
	ChdirFailed   bool
	ChdirOK       bool
	ChdirErr      string
	CreatesExists bool
	RemovesExists bool
	SawCreates    bool
	SawRemoves    bool
}

func parseProbe(out, stderr string) probeResult {
	var r probeResult
	for _, line := range strings.Split(out, "\n") {
		switch strings.TrimSpace(line) {
		case "chdir=fail":
			r.ChdirFailed = true
		case "chdir=ok":
			r.ChdirOK = true
		case "creates=1":
			r.CreatesExists, r.SawCreates = true, true
		case "creates=0":
			r.SawCreates = true
		case "removes=1":
			r.RemovesExists, r.SawRemoves = true, true
		case "removes=0":
			r.SawRemoves = true
		}
	}
	r.ChdirErr = chdirErrno(stderr)
	return r
}

// chdirErrno turns a shell's cd complaint into Python's errno text.
func chdirErrno(stderr string) string {
	switch {
	case strings.Contains(stderr, "Permission denied"):
		return "[Errno 13] Permission denied"
	case strings.Contains(stderr, "Not a directory"):
		return "[Errno 20] Not a directory"
	}
	return "[Errno 2] No such file or directory"
}

// commandSkip is the result when creates or removes says not to run.
func (p *commandPlan) skipResult(pr probeResult, check bool) Result {
	should := "Did"
	if check {
		should = "Would"
	}
	var msg, stdout string
	if p.Creates != "" && pr.CreatesExists {
		msg = fmt.Sprintf("%s not run command since '%s' exists", should, p.Creates)
		stdout = fmt.Sprintf("skipped, since %s exists", p.Creates)
	} else if p.Removes != "" && !pr.RemovesExists {
		msg = fmt.Sprintf("%s not run command since '%s' does not exist", should, p.Removes)
		stdout = fmt.Sprintf("skipped, since %s does not exist", p.Removes)
	} else {
		return nil
	}
	return p.base(Result{"changed": false, "msg": msg, "stdout": stdout, "rc": 0})
}

// base fills the keys the command module always returns.
func (p *commandPlan) base(r Result) Result {
	out := Result{"changed": false, "stdout": "", "stderr": "", "rc": nil, "cmd": p.Cmd,
		"start": nil, "end": nil, "delta": nil, "msg": ""}
	for k, v := range r {
		out[k] = v
	}
	if len(p.Warnings) > 0 {
		out["warnings"] = append([]string(nil), p.Warnings...)
	}
	addLines(out)
	return out
}

// addLines adds stdout_lines and stderr_lines as Ansible's action plugins do.
func addLines(r Result) {
	for _, k := range []string{"stdout", "stderr"} {
		if s, ok := r[k].(string); ok {
			if _, has := r[k+"_lines"]; !has {
				r[k+"_lines"] = pyLines(s)
			}
		}
	}
}

// runLine is the full line that runs the command on the host.
func (p *commandPlan) runLine() string {
	if p.Chdir != "" {
		return "cd " + QuotePath(p.Chdir) + " && " + p.Line
	}
	return p.Line
}

// commandResult turns what came back into the module's result.
func (p *commandPlan) commandResult(res *connection.Result, start, end time.Time) Result {
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if p.Exe != "" && (res.ExitCode == 127 || res.ExitCode == 126) &&
		strings.Contains(stderr, "exec: "+p.Exe+":") {
		errno := "[Errno 2] No such file or directory"
		if res.ExitCode == 126 {
			errno = "[Errno 13] Permission denied"
		}
		r := Result{"failed": true, "changed": false, "rc": 2, "stdout": "", "stderr": "",
			"cmd": p.cleanCmd(),
			"msg": fmt.Sprintf("%s: %s", errno, pyBytesRepr(p.Exe))}
		if len(p.Warnings) > 0 {
			r["warnings"] = append([]string(nil), p.Warnings...)
		}
		addLines(r)
		return r
	}
	if p.Strip {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	r := p.base(Result{"changed": true, "rc": res.ExitCode, "stdout": stdout, "stderr": stderr,
		"start": pyTime(start), "end": pyTime(end), "delta": pyDelta(end.Sub(start))})
	if res.ExitCode != 0 {
		r["failed"] = true
		r["msg"] = "non-zero return code"
	}
	return r
}

// cleanCmd is the "cmd" run_command reports when the program cannot be
// run: the words quoted and joined, or the shell text.
func (p *commandPlan) cleanCmd() string {
	if p.Shell {
		s, _ := p.Cmd.(string)
		return s
	}
	return quoteWords(p.Words)
}

// pyBytesRepr is Python's repr of s as bytes (b'...').
func pyBytesRepr(s string) string {
	var b strings.Builder
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b.WriteString("b")
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// runCommand is the command module, and shell when shell is true.
func runCommand(ctx context.Context, t *Task, shell bool) (Result, error) {
	p, fail := planCommand(t.Args, shell)
	if fail != nil {
		return fail, nil
	}
	var pr probeResult
	if p.Chdir != "" || p.Creates != "" || p.Removes != "" {
		res, err := t.Exec(ctx, p.probeScript())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Module, err)
		}
		pr = parseProbe(string(res.Stdout), string(res.Stderr))
		if pr.ChdirFailed {
			return p.base(Result{"failed": true, "msg": fmt.Sprintf("Unable to change directory before execution: %s: %s", pr.ChdirErr, pyBytesRepr(p.Chdir))}), nil
		}
		if (p.Chdir != "" && !pr.ChdirOK) || (p.Creates != "" && !pr.SawCreates) || (p.Removes != "" && !pr.SawRemoves) {
			return nil, fmt.Errorf("%s: could not check chdir/creates/removes on the host: %s", t.Module, strings.TrimSpace(string(res.Stderr)))
		}
	}
	if r := p.skipResult(pr, t.Check); r != nil {
		return r, nil
	}
	if t.Check {
		r := p.base(Result{"changed": true, "rc": 0, "msg": "Command would have run if not in check mode"})
		if p.Creates == "" && p.Removes == "" {
			r["skipped"] = true
			r["changed"] = false
		}
		return r, nil
	}
	start := time.Now()
	var res *connection.Result
	var err error
	if p.Stdin != nil {
		res, err = t.ExecStdin(ctx, p.runLine(), *p.Stdin)
	} else {
		res, err = t.Exec(ctx, p.runLine())
	}
	end := time.Now()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Module, err)
	}
	return p.commandResult(res, start, end), nil
}

// pyTime formats t as Python's str(datetime.datetime.now()).
func pyTime(t time.Time) string {
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyDelta formats d as Python's str(datetime.timedelta).
func pyDelta(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	us := d.Microseconds()
	days := us / (86400 * 1e6)
	us -= days * 86400 * 1e6
	h := us / 3600e6
	m := (us / 60e6) % 60
	s := (us / 1e6) % 60
	frac := us % 1e6
	out := fmt.Sprintf("%d:%02d:%02d", h, m, s)
	if frac != 0 {
		out += fmt.Sprintf(".%06d", frac)
	}
	if days > 0 {
		unit := "days"
		if days == 1 {
			unit = "day"
		}
		out = fmt.Sprintf("%d %s, %s", days, unit, out)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// pyLines is Python's str.splitlines().
func pyLines(s string) []string {
	lines := []string{}
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
		case '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				lines = append(lines, string(rs[start:i]))
				i++
				start = i + 1
				continue
			}
		default:
			continue
		}
		lines = append(lines, string(rs[start:i]))
		start = i + 1
	}
	if start < len(rs) {
		lines = append(lines, string(rs[start:]))
	}
	return lines
}

// quoteGlob quotes a glob pattern for the host's shell: the pattern
// characters * ? [ ] stay bare so the shell expands them, everything else
// is quoted, and a leading ~ or ~user is left for the shell to expand.
func quoteGlob(pat string) string {
	prefix := ""
	if strings.HasPrefix(pat, "~") {
		head, rest, found := strings.Cut(pat, "/")
		if userRe.MatchString(head[1:]) {
			prefix, pat = head, rest
			if found {
				prefix += "/"
			}
		}
	}
	var b strings.Builder
	b.WriteString(prefix)
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			b.WriteString(connection.Quote(lit.String()))
			lit.Reset()
		}
	}
	for _, r := range pat {
		if strings.ContainsRune("*?[]", r) {
			flush()
			b.WriteRune(r)
			continue
		}
		lit.WriteRune(r)
	}
	flush()
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// errNoClosingQuote and errNoEscaped are shlex's errors.
var (
	errNoClosingQuote = errors.New("No closing quotation")
	errNoEscaped      = errors.New("No escaped character")
)

// shlexSplit is Python's shlex.split(s) (POSIX mode, no comments).
func shlexSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(rs) {
				return nil, errNoEscaped
			}
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case c == '\'':
			inWord = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, errNoClosingQuote
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case c == '"':
			inWord = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errNoClosingQuote
			}
			i = j
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
