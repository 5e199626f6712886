package template

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"strings"
	"sync"
)

// Omit is Ansible's omit placeholder; the engine sets vars["omit"] = Omit and
// drops module parameters equal to it.
const Omit = "__omit_place_holder__8a2d5b0c3f6e9a1b4c7d0e3f6a9b2c5d8e1f4a7b"

// Scope is the variables a template sees: raw values (strings may themselves
// hold templates, resolved lazily and recursively on access, with loop
// detection). Map values may be nested. Magic variables (hostvars, groups,
// omit, ...) are plain entries.
type Scope = map[string]any

// Search says where file-reading lookups (file, template, fileglob,
// first_found) look: Dirs in order; each DIR is tried as DIR/files (file,
// fileglob, first_found), DIR/templates (template), DIR/vars, then DIR itself.
type Search struct{ Dirs []string }

// Options configure a Templar.
type Options struct {
	// DisableLookups makes lookup(), query() and q() fail, as Ansible does
	// for unsafe values.
	DisableLookups bool
	// DisablePipe makes lookup('pipe') fail instead of running a command on
	// the controller.
	DisablePipe bool
	// Getenv reads controller environment variables for lookup('env');
	// nil means os.Getenv.
	Getenv func(string) string
	// Seed seeds the random filter when it is given no seed argument;
	// 0 means a seed from the clock.
	Seed int64
}

// FileOptions are the template module's Jinja2 settings.
type FileOptions struct {
	// NewlineSequence is "\n" (the default when empty), "\r" or "\r\n".
	NewlineSequence string
	// Delimiter overrides; empty means Jinja2's default.
	BlockStartString, BlockEndString       string
	VariableStartString, VariableEndString string
	CommentStartString, CommentEndString   string
	// TrimBlocks defaults to true when nil, as in the template module.
	TrimBlocks   *bool
	LstripBlocks bool
	// KeepTrailingNewline keeps Jinja2's own trailing newline (Ansible keeps
	// the source's trailing newlines in any case).
	KeepTrailingNewline bool
	// Path is the template's path, for include and error messages.
	Path string
}

// Templar renders Ansible-flavoured Jinja2. It is safe for concurrent use and
// caches parsed templates.
type Templar struct {
	opts Options
	sx   syntax

	mu    sync.Mutex
	cache map[cacheKey]*parsed
	rnd   *rand.Rand
}

type cacheKey struct {
	src string
	sx  syntax
	esc bool
}

type parsed struct {
	body []stmt
	err  error
}

const maxCache = 20000

// New returns a Templar.
func New(opts Options) *Templar {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Int63()
	}
	return &Templar{opts: opts, sx: defaultSyntax(), cache: map[cacheKey]*parsed{}, rnd: rand.New(rand.NewSource(seed))}
}

// parse lexes and parses src, using the cache.
func (t *Templar) parse(src string, sx syntax, esc bool) ([]stmt, error) {
	key := cacheKey{src, sx, esc}
	t.mu.Lock()
	p, ok := t.cache[key]
	t.mu.Unlock()
	if ok {
		return p.body, p.err
	}
	p = &parsed{}
	text := src
	if esc {
		text = escapeBackslashes(text, sx)
	}
	toks, err := lex(text, sx)
	if err == nil {
		p.body, err = parseTemplate(toks)
	}
	if err != nil {
		p.err = &Error{Msg: fmt.Sprintf("template error while templating string: %s. String: %s", err.Error(), text)}
	}
	t.mu.Lock()
	if len(t.cache) >= maxCache {
		t.cache = map[cacheKey]*parsed{}
	}
	t.cache[key] = p
	t.mu.Unlock()
	return p.body, p.err
}

func (t *Templar) newState(vars Scope, s *Search) *state {
	if vars == nil {
		vars = Scope{}
	}
	if s == nil {
		s = &Search{}
	}
	return &state{t: t, vars: vars, search: s, resolved: map[string]any{}, resolving: map[string]bool{}}
}

// Template renders v recursively: strings with {{ }}, {% %} or {# #} are
// rendered; maps and lists are walked. A string whose output looks like a
// list, dict or bool is converted as Ansible does ("{{ [1,2] }}" gives a
// list, "{{ 5 }}" the string "5", "{{ x }}" with x an int gives the int).
func (t *Templar) Template(v any, vars Scope, s *Search) (res any, err error) {
	if str, ok := v.(string); ok && !isPossiblyTemplate(str, t.sx) {
		return v, nil
	}
	defer recoverPanic(&err)
	st := t.newState(vars, s)
	out, err := st.templateValue(v, true)
	if err != nil {
		return nil, topError(err, v)
	}
	return plain(out), nil
}

// TemplateString renders one string without converting the result to a
// native type (Ansible's convert_data=False).
func (t *Templar) TemplateString(src string, vars Scope, s *Search) (res string, err error) {
	defer recoverPanic(&err)
	if !isPossiblyTemplate(src, t.sx) {
		return src, nil
	}
	st := t.newState(vars, s)
	out, err := st.render(src, false, true)
	if err != nil {
		return "", topError(err, src)
	}
	str, _ := out.(string)
	return str, nil
}

func recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = &Error{Msg: fmt.Sprintf("template: internal error: %v", r)}
	}
}

// topError turns evaluation errors into Ansible's messages.
func topError(err error, v any) error {
	var te *typeError
	if errors.As(err, &te) {
		return &Error{Msg: fmt.Sprintf("Unexpected templating type error occurred on (%s): %s", reprForHint(v), te.msg)}
	}
	var ve *valueError
	if errors.As(err, &ve) {
		return &Error{Msg: ve.msg}
	}
	return err
}

var definedRe = regexp.MustCompile(`(hostvars\[.+\]|[\w_]+)\s+(not\s+is|is|is\s+not)\s+(defined|undefined)`)
var undefNameRe = regexp.MustCompile(`'(hostvars\[.+\]|[\w_]+)' is undefined`)

// Conditional evaluates a when:, changed_when:, failed_when: or assert that:
// expression as Ansible 2.14 does. Errors carry Ansible's message ("error
// while evaluating conditional (x): 'x' is undefined"); the engine prefixes
// "The conditional check '...' failed. The error was: ".
func (t *Templar) Conditional(cond string, vars Scope, s *Search) (ok bool, err error) {
	defer recoverPanic(&err)
	st := t.newState(vars, s)
	res, err := t.conditional(st, cond)
	if err == nil {
		return res, nil
	}
	var ue *UndefinedError
	if !errors.As(err, &ue) {
		return false, topError(err, cond)
	}
	// A failure naming a variable the condition tests with "is defined" or
	// "is undefined" answers that test.
	if m := undefNameRe.FindStringSubmatch(ue.Msg); m != nil {
		rest := cond
		for {
			d := definedRe.FindStringSubmatchIndex(rest)
			if d == nil {
				break
			}
			name, logic, test := rest[d[2]:d[3]], rest[d[4]:d[5]], rest[d[6]:d[7]]
			if strings.ReplaceAll(m[1], "'", `"`) == strings.ReplaceAll(name, "'", `"`) {
				shouldExist := strings.Contains(logic, "not") != (test == "defined")
				return !shouldExist, nil
			}
			rest = rest[d[1]:]
		}
	}
	return false, &UndefinedError{Msg: fmt.Sprintf("error while evaluating conditional (%s): %s", cond, ue.Msg)}
}

func (t *Templar) conditional(st *state, cond string) (bool, error) {
	v, err := st.templateValue(cond, true)
	if err != nil {
		return false, err
	}
	str, isStr := v.(string)
	if !isStr || str == "" {
		return truth(v)
	}
	if _, err := t.parse("{{ "+str+" }}", t.sx, false); err != nil {
		// Ansible parses the bare condition first.
		if _, err2 := t.parse(str, t.sx, false); err2 != nil {
			return false, &Error{Msg: "Invalid conditional detected: " + strings.TrimPrefix(syntaxMsg(err2), "template error while templating string: ")}
		}
	}
	presented := "{% if " + str + " %} True {% else %} False {% endif %}"
	out, err := st.render(presented, true, true)
	if err != nil {
		return false, err
	}
	val, _ := pyStr(out)
	switch strings.TrimSpace(val) {
	case "True":
		return true, nil
	case "False":
		return false, nil
	}
	return false, &Error{Msg: "unable to evaluate conditional: " + cond}
}

func syntaxMsg(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ". String: "); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

var overrideRe = regexp.MustCompile(`^\s*(\w+)\s*:\s*(.*?)\s*$`)

// RenderFile renders a template module source file with the template
// module's settings, including a leading "#jinja2:" override line.
func (t *Templar) RenderFile(src string, vars Scope, s *Search, o FileOptions) (res string, err error) {
	defer recoverPanic(&err)
	sx := defaultSyntax()
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&sx.blockStart, o.BlockStartString)
	set(&sx.blockEnd, o.BlockEndString)
	set(&sx.varStart, o.VariableStartString)
	set(&sx.varEnd, o.VariableEndString)
	set(&sx.commentStart, o.CommentStartString)
	set(&sx.commentEnd, o.CommentEndString)
	set(&sx.newline, o.NewlineSequence)
	if o.TrimBlocks != nil {
		sx.trimBlocks = *o.TrimBlocks
	}
	sx.lstripBlocks = o.LstripBlocks
	sx.keepTrailingNewline = o.KeepTrailingNewline
	switch sx.newline {
	case "\n", "\r", "\r\n":
	default:
		return "", &Error{Msg: "newline_sequence needs to be one of: \n, \r or \r\n"}
	}
	if strings.HasPrefix(src, "#jinja2:") {
		eol := strings.Index(src, "\n")
		line := src[len("#jinja2:"):]
		if eol >= 0 {
			line = src[len("#jinja2:"):eol]
			src = src[eol+1:]
		} else {
			src = ""
		}
		for _, pair := range strings.Split(line, ",") {
			m := overrideRe.FindStringSubmatch(pair)
			if m == nil {
				return "", &Error{Msg: fmt.Sprintf("failed to parse jinja2 override '%s'. Did you use something different from colon as key-value separator?", strings.TrimSpace(pair))}
			}
			v, ok := literalEval(m[2])
			if !ok {
				return "", &Error{Msg: fmt.Sprintf("malformed node or string in jinja2 override: %s", m[2])}
			}
			if err := applyOverride(&sx, m[1], v); err != nil {
				return "", err
			}
		}
	}
	st := t.newState(vars, s)
	if o.Path != "" {
		st.fileDir = dirOf(o.Path)
	}
	body, err := t.parse(src, sx, false)
	if err != nil {
		return "", err
	}

	var out []any
	if err := st.exec(body, &frame{vars: map[string]any{}}, &out); err != nil {
		return "", topError(err, src)
	}
	r, err := st.concat(out, false)
	if err != nil {
		return "", topError(err, src)
	}
	str := r.(string)
	if n := countTrailingNewlines(src) - countTrailingNewlines(str); n > 0 {
		str += strings.Repeat(sx.newline, n)
	}
	return str, nil
}

func applyOverride(sx *syntax, key string, v any) error {
	str, isStr := v.(string)
	b, isBool := v.(bool)
	switch {
	case key == "trim_blocks" && isBool:
		sx.trimBlocks = b
	case key == "lstrip_blocks" && isBool:
		sx.lstripBlocks = b
	case key == "keep_trailing_newline" && isBool:
		sx.keepTrailingNewline = b
	case key == "newline_sequence" && isStr:
		sx.newline = str
	case key == "block_start_string" && isStr && str != "":
		sx.blockStart = str
	case key == "block_end_string" && isStr && str != "":
		sx.blockEnd = str
	case key == "variable_start_string" && isStr && str != "":
		sx.varStart = str
	case key == "variable_end_string" && isStr && str != "":
		sx.varEnd = str
	case key == "comment_start_string" && isStr && str != "":
		sx.commentStart = str
	case key == "comment_end_string" && isStr && str != "":
		sx.commentEnd = str
	default:
		return &Error{Msg: fmt.Sprintf("unsupported jinja2 override %s: %s", key, pyRepr(v))}
	}
	return nil
}

func dirOf(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return "."
}

// Evaluate evaluates a when:-style value as Ansible's evaluate_conditional
// does: nil, "", a bool, a string, another scalar or a list of them (ANDed,
// stopping at the first false one). Errors read "The conditional check 'c'
// failed. The error was: ...".
func (t *Templar) Evaluate(conds any, vars Scope, s *Search) (ok bool, err error) {
	defer recoverPanic(&err)
	list, isList := conds.([]any)
	if !isList {
		list = []any{conds}
	}
	for _, c := range list {
		var res bool
		switch x := c.(type) {
		case nil:
			res = true
		case bool:
			res = x
		case string:
			if x == "" {
				res = true
				break
			}
			if res, err = t.Conditional(x, vars, s); err != nil {
				return false, &Error{Msg: fmt.Sprintf("The conditional check '%s' failed. The error was: %s", x, err.Error())}
			}
		default:
			v, err := t.Template(c, vars, s)
			if err != nil {
				str, _ := pyStr(c)
				return false, &Error{Msg: fmt.Sprintf("The conditional check '%s' failed. The error was: %s", str, err.Error())}
			}
			if res, err = truth(v); err != nil {
				return false, err
			}
		}
		if !res {
			return false, nil
		}
	}
	return true, nil
}
