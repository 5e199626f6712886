package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"

	"github.com/ome/omeprov/connection"
)

// The pip module drives pip on the host (in a virtualenv it creates when
// missing): installed versions come from `pip list --format=json`, the
// decision is made in Go, and pip runs only when something is to be done.
// Results are shaped as those of ansible-core 2.14's pip module.

var pipSpec = Spec{
	Params: map[string]Param{
		"state":                    {Type: "str", Default: "present", Choices: []string{"present", "absent", "latest", "forcereinstall"}},
		"name":                     {Type: "list", Elements: "str"},
		"version":                  {Type: "str"},
		"requirements":             {Type: "str"},
		"virtualenv":               {Type: "path"},
		"virtualenv_site_packages": {Type: "bool", Default: false},
		"virtualenv_command":       {Type: "path", Default: "virtualenv"},
		"virtualenv_python":        {Type: "str"},
		"extra_args":               {Type: "str"},
		"editable":                 {Type: "bool", Default: false},
		"chdir":                    {Type: "path"},
		"executable":               {Type: "path"},
		"umask":                    {Type: "str"},
	},
	CheckMode:         true,
	RequiredOneOf:     [][]string{{"name", "requirements"}},
	MutuallyExclusive: [][]string{{"name", "requirements"}, {"executable", "virtualenv"}},
}

func init() {
	Register("pip", pipSpec, ModuleFunc(runPip))
}

// pipReq is one requirement of a pip task.
type pipReq struct {
	Raw    string   // as the task wrote it (after joining split specifiers)
	Name   string   // PEP 503 normalized name; "" when Raw is not a plain requirement (URL, path, VCS)
	Extras []string // extras, as written
	Spec   string   // the version specifier set, normalized ("" for any version)
	Marker string   // environment marker, after ';'

	written string // the name as written
}

// Plain reports whether r is a name with optional extras and specifiers,
// whose presence can be judged from the installed versions.
func (r pipReq) Plain() bool { return r.Name != "" }

// String renders r as pip receives it (pkg_resources' str(Requirement)).
func (r pipReq) String() string {
	if !r.Plain() {
		return r.Raw
	}
	s := r.written
	if s == "" {
		s = r.Name
	}
	if len(r.Extras) > 0 {
		s += "[" + strings.Join(r.Extras, ",") + "]"
	}
	s += r.Spec
	if r.Marker != "" {
		s += "; " + r.Marker
	}
	return s
}

var (
	pipNameRe    = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)$`)
	pipClauseRe  = regexp.MustCompile(`^\s*(===|==|!=|<=|>=|~=|<|>)\s*([^\s,;]+)\s*$`)
	pipCanonRe   = regexp.MustCompile(`[-_.]+`)
	pipMarkerRe  = regexp.MustCompile(`^(?:\(?\s*(?:[a-z_.]+|'[^']*'|"[^"]*")\s*(?:===|==|!=|<=|>=|~=|<|>|not\s+in|in)\s*(?:[a-z_.]+|'[^']*'|"[^"]*")\s*\)?\s*(?:and|or)?\s*)+$`)
	pipVCSRe     = regexp.MustCompile(`(svn|git|hg|bzr)\+`)
	pipOperators = []string{">=", "<=", ">", "<", "==", "!=", "~="}
)

// pipCanonicalName normalizes a distribution name as PEP 503 does.
func pipCanonicalName(name string) string {
	return strings.ToLower(pipCanonRe.ReplaceAllString(name, "-"))
}

// parsePipReq parses one requirement as pkg_resources would; a string it
// cannot parse is kept whole as a non-plain requirement.
func parsePipReq(s string) pipReq {
	r := pipReq{Raw: s}
	m := pipNameRe.FindStringSubmatch(s)
	if m == nil {
		return r
	}
	rest := m[3]
	if i := strings.Index(rest, ";"); i >= 0 {
		r.Marker = strings.TrimSpace(rest[i+1:])
		rest = rest[:i]
		if !pipMarkerRe.MatchString(r.Marker) {
			return pipReq{Raw: s}
		}
	}
	rest = strings.TrimSpace(rest)
	var clauses []string
	if rest != "" {
		for _, c := range strings.Split(rest, ",") {
			cm := pipClauseRe.FindStringSubmatch(c)
			if cm == nil {
				return pipReq{Raw: s}
			}
			if _, err := pep440.NewSpecifiers(cm[1]+cm[2], pep440.WithPreRelease(true)); err != nil && cm[1] != "===" {
				return pipReq{Raw: s}
			}
			clauses = append(clauses, cm[1]+cm[2])
		}
	}
	sort.Strings(clauses) // packaging's SpecifierSet prints sorted
	if m[2] != "" {
		for _, e := range strings.Split(m[2], ",") {
			if e = strings.TrimSpace(e); e != "" {
				r.Extras = append(r.Extras, e)
			}
		}
	}
	r.written = m[1]
	r.Name = pipCanonicalName(m[1])
	r.Spec = strings.Join(clauses, ",")
	return r
}

// SatisfiedBy reports whether an installed version meets r's specifier
// (pre-releases allowed, as ansible's pip module allows them).
func (r pipReq) SatisfiedBy(version string) bool {
	if !r.Plain() {
		return false
	}
	if r.Spec == "" {
		return true
	}
	for _, c := range strings.Split(r.Spec, ",") {
		if v, ok := strings.CutPrefix(c, "==="); ok {
			if v != version {
				return false
			}
			continue
		}
		ss, err := pep440.NewSpecifiers(c, pep440.WithPreRelease(true))
		if err != nil {
			return false
		}
		pv, err := pep440.Parse(version)
		if err != nil || !ss.Check(pv) {
			return false
		}
	}
	return true
}

// HasSpecifier reports whether r pins or bounds a version.
func (r pipReq) HasSpecifier() bool { return r.Plain() && r.Spec != "" }

// recoverPipNames joins specifiers that a comma list split from their
// names, as ansible's _recover_package_name does:
// ["django>1.11.1", "<1.11.3", "ipaddress"] -> ["django>1.11.1,<1.11.3", "ipaddress"].
func recoverPipNames(names []string) []string {
	var parts []string
	for _, n := range names {
		parts = append(parts, strings.Split(n, ",")...)
	}
	var out, cur []string
	inBrackets := false
	for _, n := range parts {
		isName := true
		for _, op := range pipOperators {
			if strings.HasPrefix(strings.TrimLeft(n, " \t"), op) {
				isName = false
				break
			}
		}
		if isName && !inBrackets {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, ","))
			}
			cur = nil
		}
		if strings.Contains(n, "[") {
			inBrackets = true
		}
		if inBrackets && strings.Contains(n, "]") {
			inBrackets = false
		}
		cur = append(cur, n)
	}
	return append(out, strings.Join(cur, ","))
}

// pipRequirements resolves the requirements named by a pip task's
// arguments (name, with version), with PEP 503 normalized names, without
// touching any host. A requirements file is not read here: it is
// returned as no requirements (the caller sees args["requirements"]).
// The Python policy hooks into pip and dnf through this function.
func pipRequirements(args map[string]any) ([]pipReq, error) {
	a := rpmArgs(args)
	names := a.list("name")
	if len(names) == 0 {
		return nil, nil
	}
	var reqs []pipReq
	for _, n := range recoverPipNames(names) {
		reqs = append(reqs, parsePipReq(n))
	}
	if version := a.str("version"); version != "" {
		if len(reqs) > 1 {
			return nil, fmt.Errorf("'version' argument is ambiguous when installing multiple package distributions. " +
				"Please specify version restrictions next to each package in 'name' argument.")
		}
		if reqs[0].HasSpecifier() {
			return nil, fmt.Errorf("The 'version' argument conflicts with any version specifier provided along with a package name. " +
				"Please keep the version specifier, but remove the 'version' argument.")
		}
		v := strings.TrimLeft(version, " \t")
		sep := " "
		if v != "" && v[0] >= '0' && v[0] <= '9' {
			sep = "=="
		}
		reqs[0] = parsePipReq(reqs[0].String() + sep + v)
	}
	return reqs, nil
}

// parsePipList reads `pip list --format=json` into normalized name ->
// version.
func parsePipList(out string) (map[string]string, error) {
	i := strings.Index(out, "[")
	if i < 0 {
		return nil, fmt.Errorf("pip list: no JSON in output: %q", pipFirstLine(out))
	}
	var list []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	dec := json.NewDecoder(strings.NewReader(out[i:]))
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("pip list: %w", err)
	}
	m := make(map[string]string, len(list))
	for _, p := range list {
		m[pipCanonicalName(p.Name)] = p.Version
	}
	return m, nil
}

func pipFirstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// pipNeedsRun decides whether pip must run for a task: state present
// when a requirement is not met, absent when one is installed; latest,
// forcereinstall, requirements files and non-plain requirements always
// run (only pip can tell).
func pipNeedsRun(state string, reqs []pipReq, installed map[string]string, extraArgs []string) bool {
	for _, a := range extraArgs {
		switch a {
		case "-U", "--upgrade", "--force-reinstall", "-e", "--editable", "-r", "--requirement", "-c", "--constraint":
			return true
		}
	}
	if len(reqs) == 0 || state == "latest" || state == "forcereinstall" {
		return true
	}
	for _, r := range reqs {
		if !r.Plain() {
			return true
		}
		v, ok := installed[r.Name]
		switch state {
		case "present":
			if !ok || !r.SatisfiedBy(v) {
				return true
			}
		case "absent":
			if ok {
				return true
			}
		}
	}
	return false
}

// pipCheckChanged is what check mode reports, as ansible's pip module
// decides it: always changed with extra_args, requirements or state
// latest; otherwise whether a requirement is missing (present) or
// installed (absent).
func pipCheckChanged(state string, reqs []pipReq, installed map[string]string, extraArgs, requirements string) bool {
	if extraArgs != "" || requirements != "" || state == "latest" || len(reqs) == 0 {
		return true
	}
	for _, r := range reqs {
		v, ok := installed[r.Name]
		present := r.Plain() && ok && r.SatisfiedBy(v)
		if state == "present" && !present || state == "absent" && present {
			return true
		}
	}
	return false
}

// pipShlex splits a command line into words as Python's shlex.split.
func pipShlex(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("no closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("no closing quotation")
			}
			inWord = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// pipTask is a pip task after argument checks.
type pipTask struct {
	State, Version, Requirements, Env, Chdir, Executable string
	VenvCommand, VenvPython, ExtraArgs                   string
	VenvSitePackages, Editable                           bool
	Names                                                []string
	Reqs                                                 []pipReq
	Extra                                                []string
	Umask                                                string // octal, "" for the default
}

func parsePipArgs(args map[string]any) (*pipTask, error) {
	a := rpmArgs(args)
	p := &pipTask{
		State: a.str("state"), Version: a.str("version"), Requirements: a.str("requirements"),
		Env: a.str("virtualenv"), Chdir: a.str("chdir"), Executable: a.str("executable"),
		VenvCommand: a.str("virtualenv_command"), VenvPython: a.str("virtualenv_python"),
		ExtraArgs: a.str("extra_args"), VenvSitePackages: a.boolean("virtualenv_site_packages", false),
		Editable: a.boolean("editable", false), Names: a.list("name"),
	}
	if p.State == "" {
		p.State = "present"
	}
	if p.VenvCommand == "" {
		p.VenvCommand = "virtualenv"
	}
	if p.Env != "" && p.Chdir != "" && !path.IsAbs(p.Env) && !strings.HasPrefix(p.Env, "~") {
		p.Env = path.Join(p.Chdir, p.Env)
	}
	if u := a.str("umask"); u != "" {
		n, err := strconv.ParseUint(u, 8, 32)
		if err != nil {
			return nil, fmt.Errorf("umask must be an octal integer")
		}
		p.Umask = fmt.Sprintf("%04o", n)
	}
	if p.State == "latest" && p.Version != "" {
		return nil, fmt.Errorf("version is incompatible with state=latest")
	}
	reqs, err := pipRequirements(args)
	if err != nil {
		return nil, err
	}
	p.Reqs = reqs
	if p.Editable {
		list := []string{}
		if p.ExtraArgs != "" {
			list = strings.Split(p.ExtraArgs, " ")
		}
		has := false
		for _, x := range list {
			has = has || x == "-e"
		}
		if !has {
			p.ExtraArgs = strings.Join(append(list, "-e"), " ")
		}
	}
	if p.ExtraArgs != "" {
		if p.Extra, err = pipShlex(p.ExtraArgs); err != nil {
			return nil, fmt.Errorf("extra_args: %w", err)
		}
	}
	return p, nil
}

// pipCommand is the pip command line for the task (pip is the shell
// words that run pip).
func (p *pipTask) pipCommand(pip string) (shell string, words []string) {
	verbs := map[string][]string{
		"present": {"install"}, "absent": {"uninstall", "-y"},
		"latest": {"install", "-U"}, "forcereinstall": {"install", "-U", "--force-reinstall"},
	}[p.State]
	words = append(words, verbs...)
	words = append(words, p.Extra...)
	if len(p.Reqs) > 0 {
		for _, r := range p.Reqs {
			words = append(words, r.String())
		}
	} else if p.Requirements != "" {
		words = append(words, "-r", p.Requirements)
	}
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = connection.Quote(w)
	}
	if p.Requirements != "" && len(p.Reqs) == 0 {
		q[len(q)-1] = QuotePath(p.Requirements)
	}
	return pip + " " + strings.Join(q, " "), words
}

// prefix is the shell preamble of every command: umask and directory.
func (p *pipTask) prefix() string {
	s := ""
	if p.Umask != "" {
		s += "umask " + p.Umask + " && "
	}
	if p.Chdir != "" {
		s += "cd " + QuotePath(p.Chdir) + " && "
	} else {
		s += `cd "${TMPDIR:-/tmp}" && `
	}
	return s
}

// findPipScript prints "pip=<shell words>" for the pip to use, as
// ansible's _get_pip chooses it, or "nopip=<message>".
func (p *pipTask) findPipScript() string {
	switch {
	case p.Executable != "" && strings.HasPrefix(p.Executable, "/"):
		return "echo " + connection.Quote("pip="+connection.Quote(p.Executable))
	case p.Executable != "":
		e := QuotePath(p.Executable)
		return `if x=$(command -v ` + e + `); then echo "pip=$x"; else echo ` +
			connection.Quote("nopip=Unable to find any of "+p.Executable+" to use.  pip needs to be installed.") + `; fi`
	case p.Env != "":
		bin := QuotePath(strings.TrimSuffix(p.Env, "/") + "/bin")
		return `for b in pip3 pip; do if [ -f ` + bin + `/$b ] && [ -x ` + bin + `/$b ]; then echo "pip="` + bin + `/$b; exit 0; fi; done; echo ` +
			connection.Quote("nopip=Unable to find pip in the virtualenv, "+p.Env+", under any of these names: pip3, pip. Make sure pip is present in the virtualenv.")
	default:
		return `if python3 -c 'import pip' >/dev/null 2>&1; then echo "pip=python3 -m pip.__main__"; elif x=$(command -v pip3); then echo "pip=$x"; else echo ` +
			connection.Quote("nopip=Unable to find any of pip3 to use.  pip needs to be installed.") + `; fi`
	}
}

// venvCommand builds the command that creates the virtualenv.
func (p *pipTask) venvCommand() (string, error) {
	words, err := pipShlex(p.VenvCommand)
	if err != nil || len(words) == 0 {
		return "", fmt.Errorf("virtualenv_command: cannot parse %q", p.VenvCommand)
	}
	q := []string{QuotePath(words[0])}
	for _, w := range words[1:] {
		q = append(q, connection.Quote(w))
	}
	if p.VenvSitePackages {
		q = append(q, "--system-site-packages")
	}
	isVenv := strings.Contains(p.VenvCommand, "pyvenv") || strings.Contains(p.VenvCommand, "-m venv")
	if !isVenv {
		if p.VenvPython != "" {
			q = append(q, connection.Quote("-p"+p.VenvPython))
		} else {
			q = append(q, `"-p$(command -v python3)"`)
		}
	} else if p.VenvPython != "" {
		return "", fmt.Errorf("virtualenv_python should not be used when using the venv module or pyvenv as virtualenv_command")
	}
	q = append(q, QuotePath(p.Env))
	return strings.Join(q, " "), nil
}

func pipFailure(cmd any, out, errOut string) Result {
	msg := ""
	if out != "" {
		msg += "stdout: " + out
	}
	if errOut != "" {
		msg += "\n:stderr: " + errOut
	}
	return Result{"failed": true, "changed": false, "cmd": cmd, "msg": msg}
}

// pipProbe finds pip and lists what it has installed.
func pipProbe(ctx context.Context, t *Task, p *pipTask) (pip string, installed map[string]string, fail Result, err error) {
	script := p.prefix() + "{ " + p.findPipScript() + "; } | head -n 1"
	res, err := t.Exec(ctx, script)
	if err != nil {
		return "", nil, nil, fmt.Errorf("pip: find pip: %w", err)
	}
	line := strings.TrimSpace(string(res.Stdout))
	if msg, ok := strings.CutPrefix(line, "nopip="); ok {
		return "", nil, Result{"failed": true, "changed": false, "msg": msg}, nil
	}
	pip, ok := strings.CutPrefix(line, "pip=")
	if !ok {
		return "", nil, Result{"failed": true, "changed": false, "msg": "cannot find pip: " + dnfOutputOf(res)}, nil
	}
	if !strings.Contains(pip, " ") {
		pip = connection.Quote(pip)
	}
	list := pip + " list --format=json --disable-pip-version-check"
	res, err = t.Exec(ctx, p.prefix()+"LC_ALL=C.UTF-8 "+list)
	if err != nil {
		return "", nil, nil, fmt.Errorf("pip: list: %w", err)
	}
	if res.ExitCode != 0 {
		return "", nil, pipFailure(list, string(res.Stdout), string(res.Stderr)), nil
	}
	installed, perr := parsePipList(string(res.Stdout))
	if perr != nil {
		return "", nil, pipFailure(list, string(res.Stdout), perr.Error()), nil
	}
	return pip, installed, nil, nil
}

func runPip(ctx context.Context, t *Task) (Result, error) {
	a := rpmArgs(t.Args)
	if len(a.list("name")) == 0 && a.str("requirements") == "" {
		return Result{"failed": true, "changed": false, "msg": "one of the following is required: name, requirements"}, nil
	}
	p, err := parsePipArgs(t.Args)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	var out, errOut strings.Builder
	venvCreated := false
	if p.Env != "" {
		res, err := t.Exec(ctx, p.prefix()+"test -e "+QuotePath(strings.TrimSuffix(p.Env, "/")+"/bin/activate"))
		if err != nil {
			return nil, fmt.Errorf("pip: check virtualenv: %w", err)
		}
		if res.ExitCode != 0 {
			if t.Check {
				return Result{"changed": true}, nil
			}
			cmd, err := p.venvCommand()
			if err != nil {
				return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
			}
			res, err := t.Exec(ctx, p.prefix()+cmd)
			if err != nil {
				return nil, fmt.Errorf("pip: create virtualenv: %w", err)
			}
			out.Write(res.Stdout)
			errOut.Write(res.Stderr)
			if res.ExitCode != 0 {
				return pipFailure(cmd, out.String(), errOut.String()), nil
			}
			venvCreated = true
		}
	}
	pip, installed, fail, err := pipProbe(ctx, t, p)
	if err != nil || fail != nil {
		return fail, err
	}
	shell, words := p.pipCommand(pip)
	cmdWords := append(pipWords(pip), words...)
	if t.Check {
		changed := pipCheckChanged(p.State, p.Reqs, installed, p.ExtraArgs, p.Requirements)
		return Result{"changed": changed, "cmd": strings.Join(pipWords(pip), " ") + " list --format=json",
			"stdout": out.String(), "stderr": errOut.String()}, nil
	}
	result := func(changed bool) Result {
		var name any
		if p.Names != nil {
			name = p.Names
		}
		return Result{"changed": changed, "cmd": cmdWords, "name": name, "version": pipNilIfEmpty(p.Version),
			"state": p.State, "requirements": pipNilIfEmpty(p.Requirements), "virtualenv": pipNilIfEmpty(p.Env),
			"stdout": out.String(), "stderr": errOut.String()}
	}
	if !pipNeedsRun(p.State, p.Reqs, installed, p.Extra) {
		return result(venvCreated), nil
	}
	if p.Env != "" {
		// as ansible's path_prefix: the virtualenv's bin first on PATH
		shell = "PATH=" + QuotePath(strings.TrimSuffix(p.Env, "/")+"/bin") + `:"$PATH" ` + shell
	}
	res, err := t.Exec(ctx, p.prefix()+shell)
	if err != nil {
		return nil, fmt.Errorf("pip: %s: %w", p.State, err)
	}
	pipOut, pipErr := string(res.Stdout), string(res.Stderr)
	out.WriteString(pipOut)
	errOut.WriteString(pipErr)
	if res.ExitCode == 1 && p.State == "absent" && (strings.Contains(pipOut, "not installed") || strings.Contains(pipErr, "not installed")) {
		// uninstalling what is not installed
	} else if res.ExitCode != 0 {
		return pipFailure(cmdWords, out.String(), errOut.String()), nil
	}
	_, after, fail, err := pipProbe(ctx, t, p)
	if err != nil || fail != nil {
		return fail, err
	}
	var changed bool
	if p.State == "absent" {
		changed = strings.Contains(pipOut, "Successfully uninstalled")
	} else {
		// a requirements file or a VCS URL may change what pip lists
		// without saying so; the lists tell.
		changed = strings.Contains(pipOut, "Successfully installed") || !pipSameList(installed, after)
	}
	r := result(changed || venvCreated)
	if t.Diff && changed {
		r["diff"] = Diff{Prepared: pipListDiff(installed, after)}
	}
	return r, nil
}

// pipListDiff renders the change between two pip lists, one line a
// package: "+ name==version" installed, "- name==version" removed.
func pipListDiff(before, after map[string]string) string {
	var lines []string
	for k, v := range before {
		if after[k] != v {
			lines = append(lines, "- "+k+"=="+v)
		}
	}
	for k, v := range after {
		if before[k] != v {
			lines = append(lines, "+ "+k+"=="+v)
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i][2:] != lines[j][2:] {
			return lines[i][2:] < lines[j][2:]
		}
		return lines[i] < lines[j]
	})
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// pipWords splits the shell words that run pip back into words.
func pipWords(pip string) []string {
	w, err := pipShlex(pip)
	if err != nil {
		return []string{pip}
	}
	return w
}

func pipSameList(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func pipNilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
