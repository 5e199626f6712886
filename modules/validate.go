package modules

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/internal/suggest"
)

// ValidationError is a problem with a task's parameters, found before any
// host is touched. Msg is Ansible's message word for word; Error adds a
// "did you mean" hint when an unknown parameter is close to a known one.
type ValidationError struct {
	Msg        string
	Suggestion string // the supported name closest to an unsupported one, or ""
}

// Error returns Msg, with the hint when there is one.
func (e *ValidationError) Error() string {
	if e.Suggestion != "" {
		return e.Msg + " Did you mean '" + e.Suggestion + "'?"
	}
	return e.Msg
}

// actionHasCmd are the modules whose old `cmd` argument Ansible moves to
// _raw_params.
var actionHasCmd = map[string]bool{"command": true, "shell": true, "script": true}

// reportNames are the names Ansible shows in "Unsupported parameters for
// (NAME) module" when an action plugin runs another module.
var reportNames = map[string]string{
	"command": "ansible.legacy.command",
	"shell":   "ansible.legacy.command",
}

// Validate checks and converts a task's arguments against spec the way
// Ansible's AnsibleModule (ArgumentSpecValidator) does, and returns a new
// map: aliases resolved to the main name (the alias keys removed), values
// converted to their declared types, defaults filled in, and every
// declared parameter present (nil when it has no value and no default).
//
// For command, shell and script, `cmd` is moved to _raw_params first, as
// Ansible's task loading does.
//
// Errors are found in Ansible's order and the first is returned, as a
// *ValidationError: mutually exclusive parameters, missing required ones,
// type conversions, choices, required_one_of, and last unsupported names.
// name is the module as the task wrote it; it appears in the unsupported
// parameters message.
//
// A parameter of type "path" is returned as written: a leading ~ means the
// home directory on the host, not on the controller, so it is left for the
// host's shell to expand (see QuotePath).
func Validate(name string, spec Spec, args map[string]any) (map[string]any, error) {
	params := make(map[string]any, len(args)+len(spec.Params))
	for k, v := range args {
		params[k] = v
	}
	names := make([]string, 0, len(spec.Params))
	for n := range spec.Params {
		names = append(names, n)
	}
	sort.Strings(names)

	if spec.Action {
		return validateAction(name, spec, params)
	}
	if actionHasCmd[ShortName(name)] {
		if cmd, ok := params["cmd"]; ok {
			if raw, _ := params["_raw_params"].(string); raw != "" {
				return nil, &ValidationError{Msg: "The 'cmd' argument cannot be used when other raw parameters are specified. Please put everything in one or the other place."}
			}
			params["_raw_params"] = cmd
			delete(params, "cmd")
		}
	}

	// Aliases: the alias's value is copied to the main name.
	aliasOf := map[string]string{}
	for _, n := range names {
		p := spec.Params[n]
		if p.Required && p.Default != nil {
			return nil, &ValidationError{Msg: "internal error: required and default are mutually exclusive for " + n}
		}
		for _, a := range p.Aliases {
			aliasOf[a] = n
			if v, ok := args[a]; ok {
				params[n] = v
			}
		}
	}

	var errs []string
	var unsupported []string
	if !spec.AnyParams {
		for k := range params {
			if _, ok := spec.Params[k]; ok {
				continue
			}
			if _, ok := aliasOf[k]; ok {
				continue
			}
			unsupported = append(unsupported, k)
		}
		sort.Strings(unsupported)
	}

	if msg := checkMutuallyExclusive(spec.MutuallyExclusive, params); msg != "" {
		errs = append(errs, msg)
	}
	for _, n := range names {
		if _, ok := params[n]; !ok && spec.Params[n].Default != nil {
			params[n] = spec.Params[n].Default
		}
	}
	var missing []string
	for _, n := range names {
		if _, ok := params[n]; !ok && spec.Params[n].Required {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, "missing required arguments: "+strings.Join(missing, ", "))
	}
	for _, n := range names {
		v, ok := params[n]
		if !ok || v == nil {
			continue
		}
		p := spec.Params[n]
		conv, err := convertType(p.Type, v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to %s: %s", n, pyType(v), typeName(p.Type), err))
			continue
		}
		if p.Elements != "" {
			list, isList := conv.([]any)
			if p.Type != "list" || !isList {
				errs = append(errs, fmt.Sprintf("Invalid type %s for option '%s', elements value check is supported only with 'list' type", typeName(p.Type), pyStr(conv)))
			} else {
				out := make([]any, 0, len(list))
				for _, e := range list {
					ce, err := convertType(p.Elements, e)
					if err != nil {
						errs = append(errs, fmt.Sprintf("Elements value for option '%s' is of type %s and we were unable to convert to %s: %s", n, pyType(e), typeName(p.Elements), err))
						continue
					}
					out = append(out, ce)
				}
				conv = out
			}
		}
		params[n] = conv
	}
	for _, n := range names {
		if msg := checkChoices(n, spec.Params[n].Choices, params); msg != "" {
			errs = append(errs, msg)
		}
	}
	for _, terms := range spec.RequiredOneOf {
		if countTerms(terms, params) == 0 {
			errs = append(errs, "one of the following is required: "+strings.Join(terms, ", "))
			break
		}
	}
	for _, n := range names {
		if _, ok := params[n]; !ok {
			params[n] = nil
		}
	}
	for a := range aliasOf {
		if _, declared := spec.Params[a]; !declared {
			delete(params, a)
		}
	}
	if len(unsupported) > 0 {
		errs = append(errs, unsupportedMsg(name, spec, aliasOf, unsupported))
	}
	if len(errs) > 0 {
		e := &ValidationError{Msg: errs[0]}
		if len(unsupported) > 0 && strings.HasPrefix(e.Msg, "Unsupported parameters") {
			legal := make([]string, 0, len(names)+len(aliasOf))
			legal = append(legal, names...)
			for a := range aliasOf {
				legal = append(legal, a)
			}
			sort.Strings(legal)
			for _, u := range unsupported {
				if s := suggest.Closest(u, legal); s != "" {
					if main, ok := aliasOf[s]; ok {
						s = main
					}
					e.Suggestion = s
					break
				}
			}
		}
		return nil, e
	}
	return params, nil
}

// AliasWarnings lists the warnings Ansible gives when a parameter and one
// of its aliases are both set ("Both option path and its alias dest are
// set."); the alias's value wins, as in Validate.
func AliasWarnings(spec Spec, args map[string]any) []string {
	if spec.Action {
		return nil
	}
	names := make([]string, 0, len(spec.Params))
	for n := range spec.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if _, ok := args[n]; !ok {
			continue
		}
		for _, a := range spec.Params[n].Aliases {
			if _, ok := args[a]; ok {
				out = append(out, fmt.Sprintf("Both option %s and its alias %s are set.", n, a))
			}
		}
	}
	return out
}

// validateAction checks option names as Ansible's action plugins do with
// _VALID_ARGS, and leaves values alone.
func validateAction(name string, spec Spec, params map[string]any) (map[string]any, error) {
	if spec.AnyParams {
		return params, nil
	}
	var bad []string
	for k := range params {
		if _, ok := spec.Params[k]; !ok {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return params, nil
	}
	sort.Strings(bad)
	legal := make([]string, 0, len(spec.Params))
	for n := range spec.Params {
		legal = append(legal, n)
	}
	sort.Strings(legal)
	e := &ValidationError{Msg: fmt.Sprintf("Invalid options for %s: %s", name, strings.Join(bad, ","))}
	for _, b := range bad {
		if e.Suggestion = suggest.Closest(b, legal); e.Suggestion != "" {
			break
		}
	}
	return nil, e
}

func unsupportedMsg(name string, spec Spec, aliasOf map[string]string, unsupported []string) string {
	if r, ok := reportNames[ShortName(name)]; ok {
		name = r
	}
	var supported, aliases []string
	for n := range spec.Params {
		supported = append(supported, n)
	}
	for a := range aliasOf {
		aliases = append(aliases, a)
	}
	sort.Strings(supported)
	sort.Strings(aliases)
	s := strings.Join(supported, ", ")
	if len(aliases) > 0 {
		s += " (" + strings.Join(aliases, ", ") + ")"
	}
	return fmt.Sprintf("Unsupported parameters for (%s) module: %s. Supported parameters include: %s.", name, strings.Join(unsupported, ", "), s)
}

func countTerms(terms []string, params map[string]any) int {
	n := 0
	seen := map[string]bool{}
	for _, t := range terms {
		if _, ok := params[t]; ok && !seen[t] {
			seen[t] = true
			n++
		}
	}
	return n
}

func checkMutuallyExclusive(groups [][]string, params map[string]any) string {
	var bad []string
	for _, g := range groups {
		if countTerms(g, params) > 1 {
			bad = append(bad, strings.Join(g, "|"))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return "parameters are mutually exclusive: " + strings.Join(bad, ", ")
}

var (
	booleansTrue  = []string{"y", "yes", "on", "1", "true", "t"}
	booleansFalse = []string{"n", "no", "off", "0", "false", "f"}
)

func checkChoices(name string, choices []string, params map[string]any) string {
	if len(choices) == 0 {
		return ""
	}
	v, ok := params[name]
	if !ok {
		return ""
	}
	in := func(x any) bool {
		s, isStr := x.(string)
		if !isStr {
			// Ansible compares values with the choices' own types; ours
			// are all strings, so compare as Python prints the value.
			if x == nil {
				return false
			}
			s = pyStr(x)
		}
		for _, c := range choices {
			if c == s {
				return true
			}
		}
		return false
	}
	if list, isList := v.([]any); isList {
		var bad []string
		for _, item := range list {
			if !in(item) {
				bad = append(bad, pyStr(item))
			}
		}
		if len(bad) > 0 {
			return fmt.Sprintf("value of %s must be one or more of: %s. Got no match for: %s", name, strings.Join(choices, ", "), strings.Join(bad, ", "))
		}
		return ""
	}
	if in(v) {
		return ""
	}
	// A YAML boolean written for a choice of "yes"/"no" words is matched
	// back to the one word of the choices that means it.
	for _, pair := range []struct {
		word  string
		words []string
	}{{"False", booleansFalse}, {"True", booleansTrue}} {
		if v == pair.word {
			var overlap []string
			for _, c := range choices {
				for _, w := range pair.words {
					if c == w {
						overlap = append(overlap, c)
					}
				}
			}
			if len(overlap) == 1 {
				params[name] = overlap[0]
				return ""
			}
		}
	}
	return fmt.Sprintf("value of %s must be one of: %s, got: %s", name, strings.Join(choices, ", "), pyStr(v))
}

func typeName(t string) string {
	if t == "" {
		return "str"
	}
	return t
}

// convertType converts v as Ansible's check_type_* functions do.
func convertType(t string, v any) (any, error) {
	switch typeName(t) {
	case "str", "path":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return pyStr(v), nil
	case "raw":
		return v, nil
	case "bool":
		return toBool(v)
	case "int":
		return toInt(v)
	case "float":
		return toFloat(v)
	case "list":
		switch x := v.(type) {
		case []any:
			return x, nil
		case []string:
			out := make([]any, len(x))
			for i, s := range x {
				out[i] = s
			}
			return out, nil
		case string:
			parts := strings.Split(x, ",")
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		}
		if isNumber(v) || isBool(v) {
			return []any{pyStr(v)}, nil
		}
		return nil, fmt.Errorf("%s cannot be converted to a list", pyType(v))
	case "dict":
		return toDict(v)
	case "jsonarg", "json":
		switch x := v.(type) {
		case string:
			return strings.TrimSpace(x), nil
		case []any, map[string]any:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("%s cannot be converted to a json string", pyType(v))
			}
			return pyJSON(b), nil
		}
		return nil, fmt.Errorf("%s cannot be converted to a json string", pyType(v))
	}
	return nil, fmt.Errorf("internal error: unknown parameter type %q", t)
}

// pyJSON respaces compact JSON as Python's json.dumps writes it
// (", " and ": " separators).
func pyJSON(b []byte) string {
	var sb strings.Builder
	inStr, esc := false, false
	for _, c := range string(b) {
		sb.WriteRune(c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

func isNumber(v any) bool {
	_, isInt := asInt(v)
	_, isFloat := v.(float64)
	_, isFloat32 := v.(float32)
	return isInt || isFloat || isFloat32
}

// asInt reads any Go integer.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	}
	return 0, false
}

// ToBool converts v as Ansible's boolean() does: true for yes/on/y/t/true/1
// (any case, surrounding spaces ignored) and the numbers 1 and 1.0, false
// for their opposites; anything else is an error.
func ToBool(v any) (bool, error) {
	b, err := toBool(v)
	if err != nil {
		return false, err
	}
	return b.(bool), nil
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		for _, w := range booleansTrue {
			if s == w {
				return true, nil
			}
		}
		for _, w := range booleansFalse {
			if s == w {
				return false, nil
			}
		}
	case float64, float32:
		f := toF64(x)
		if f == 1 {
			return true, nil
		}
		if f == 0 {
			return false, nil
		}
	default:
		if i, ok := asInt(v); ok {
			if i == 1 {
				return true, nil
			}
			if i == 0 {
				return false, nil
			}
		} else {
			return nil, fmt.Errorf("%s cannot be converted to a bool", pyType(v))
		}
	}
	return nil, fmt.Errorf("The value '%s' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False", pyStr(v))
}

func toF64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	}
	return 0
}

var pyIntRe = regexp.MustCompile(`^[+-]?(?:[0-9](?:_?[0-9])*)$`)

// toInt converts as check_type_int: integers (and booleans, which are
// Python ints) pass, strings are read as Python's int() reads them.
func toInt(v any) (any, error) {
	if i, ok := asInt(v); ok {
		return int(i), nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	if s, ok := v.(string); ok {
		t := strings.TrimSpace(s)
		if pyIntRe.MatchString(t) {
			i, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64)
			if err == nil {
				return int(i), nil
			}
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to an int", pyType(v))
}

var pyFloatRe = regexp.MustCompile(`^[+-]?(?:(?:[0-9](?:_?[0-9])*)?\.?[0-9](?:_?[0-9])*\.?(?:[eE][+-]?[0-9](?:_?[0-9])*)?|inf|infinity|nan)$`)

// toFloat converts as check_type_float (Python's float()).
func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		t := strings.ToLower(strings.TrimSpace(x))
		if pyFloatRe.MatchString(t) && !strings.Contains(t, "..") {
			t = strings.ReplaceAll(t, "_", "")
			switch strings.TrimLeft(t, "+-") {
			case "inf", "infinity":
				if strings.HasPrefix(t, "-") {
					return math.Inf(-1), nil
				}
				return math.Inf(1), nil
			case "nan":
				return math.NaN(), nil
			}
			if f, err := strconv.ParseFloat(t, 64); err == nil || isRangeErr(err) {
				return f, nil
			}
		}
	default:
		if i, ok := asInt(v); ok {
			return float64(i), nil
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to a float", pyType(v))
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// toDict converts as check_type_dict: a map passes, a string is read as
// JSON when it starts with "{", else as k=v pairs separated by commas or
// spaces (with quotes and backslash escapes).
func toDict(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		if strings.HasPrefix(x, "{") {
			var out map[string]any
			if err := json.Unmarshal([]byte(x), &out); err != nil {
				return nil, fmt.Errorf("unable to evaluate string as dictionary")
			}
			return out, nil
		}
		if !strings.Contains(x, "=") {
			return nil, fmt.Errorf("dictionary requested, could not parse JSON or key=value")
		}
		var fields []string
		var buf strings.Builder
		var quote rune
		escape := false
		for _, c := range strings.TrimSpace(x) {
			switch {
			case escape:
				buf.WriteRune(c)
				escape = false
			case c == '\\':
				escape = true
			case quote == 0 && (c == '\'' || c == '"'):
				quote = c
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == ',' || c == ' '):
				if buf.Len() > 0 {
					fields = append(fields, buf.String())
				}
				buf.Reset()
			default:
				buf.WriteRune(c)
			}
		}
		if buf.Len() > 0 {
			fields = append(fields, buf.String())
		}
		out := make(map[string]any, len(fields))
		for i, f := range fields {
			k, val, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("dictionary update sequence element #%d has length 1; 2 is required", i)
			}
			out[k] = val
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s cannot be converted to a dict", pyType(v))
}

// pyType names v's type as Python's type() prints it.
func pyType(v any) string {
	n := "str"
	switch v.(type) {
	case nil:
		n = "NoneType"
	case bool:
		n = "bool"
	case float64, float32:
		n = "float"
	case []any, []string:
		n = "list"
	case map[string]any:
		n = "dict"
	case string:
	default:
		if _, ok := asInt(v); ok {
			n = "int"
		} else {
			n = fmt.Sprintf("%T", v)
		}
	}
	return "<class '" + n + "'>"
}

// pyStr is Python's str(v) for the values YAML and templating give.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return pyFloat(x)
	case float32:
		return pyFloat(float64(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if i, ok := asInt(v); ok {
		return strconv.FormatInt(i, 10)
	}
	return fmt.Sprint(v)
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	s, ok := v.(string)
	if !ok {
		return pyStr(v)
	}
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i, w := 0, 0; i < len(s); i += w {
		r, width := utf8.DecodeRuneInString(s[i:])
		w = width
		switch {
		case r == utf8.RuneError && width == 1:
			fmt.Fprintf(&b, `\udc%02x`, s[i])
		case r == '\\' || r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyFloat is Python's repr of a float: the shortest digits that read back,
// always with a point or an exponent.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// QuotePath quotes a path for the host's shell as connection.Quote does,
// except that a leading ~ or ~user is left bare, so that the host's shell
// expands it to the home directory there, as Python's os.path.expanduser
// does in Ansible's modules on the host.
func QuotePath(p string) string {
	if strings.HasPrefix(p, "~") {
		head, rest, _ := strings.Cut(p, "/")
		if userRe.MatchString(head[1:]) {
			if rest == "" && !strings.Contains(p, "/") {
				return head
			}
			return head + "/" + quoteRest(rest)
		}
	}
	return connection.Quote(p)
}

func quoteRest(s string) string {
	if s == "" {
		return ""
	}
	return connection.Quote(s)
}

var userRe = regexp.MustCompile(`^[A-Za-z0-9._][A-Za-z0-9._-]*$|^$`)

// freeFormActions are the modules whose free-form text is a command line:
// in them only the module's own k=v options are taken out of the text
// (Ansible's FREEFORM_ACTIONS, parse_kv's check_raw).
var freeFormActions = map[string]bool{"command": true, "shell": true, "raw": true, "script": true}

// commandOptions are the options parse_kv takes out of a command line.
var commandOptions = map[string]bool{
	"creates": true, "removes": true, "chdir": true, "executable": true, "warn": true,
	"stdin": true, "stdin_add_newline": true, "strip_empty_ends": true,
}

// ParseFreeForm splits `k=v k2="v 2"` text into a map the way Ansible's
// parse_kv does: words are split on spaces (quotes and Jinja2 blocks keep
// theirs), backslash escapes are decoded, a value's surrounding quotes are
// removed, and words that are not k=v are joined into "_raw_params".
// Values are strings. It is parse_kv without check_raw; for a command
// line use ParseModuleArgs.
func ParseFreeForm(s string) (map[string]any, error) { return ParseKV(s, false) }

// ParseModuleArgs parses the free-form arguments of module as Ansible
// does: for command, shell, raw and script only their own options
// (chdir, creates, removes, executable, stdin, stdin_add_newline,
// strip_empty_ends, warn) are taken out, and the rest of the line, quotes
// and all, is "_raw_params".
func ParseModuleArgs(module, s string) (map[string]any, error) {
	return ParseKV(s, freeFormActions[ShortName(module)])
}

// ParseKV is Ansible's parse_kv(s, check_raw).
func ParseKV(s string, checkRaw bool) (map[string]any, error) {
	words, err := SplitArgs(s)
	if err != nil {
		return nil, err
	}
	options := map[string]any{}
	var raw []string
	for _, orig := range words {
		x := decodeEscapes(orig)
		pos := eqPos(x)
		if pos < 0 {
			if strings.Contains(x, "=") {
				raw = append(raw, strings.ReplaceAll(x, `\=`, "="))
			} else {
				raw = append(raw, orig)
			}
			continue
		}
		k, v := x[:pos], x[pos+1:]
		if checkRaw && !commandOptions[k] {
			raw = append(raw, orig)
			continue
		}
		options[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	if len(raw) > 0 {
		options["_raw_params"] = joinArgs(raw)
	}
	return options, nil
}

// eqPos finds the first "=" after the first character that is not
// escaped with a backslash, or -1.
func eqPos(x string) int {
	for i := 1; i < len(x); i++ {
		if x[i] == '=' && x[i-1] != '\\' {
			return i
		}
	}
	return -1
}

func unquote(s string) string {
	if len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'') && s[len(s)-2] != '\\' {
		return s[1 : len(s)-1]
	}
	return s
}

var escapeRe = regexp.MustCompile(`\\U[a-fA-F0-9]{8}|\\u[a-fA-F0-9]{4}|\\x[a-fA-F0-9]{2}|\\[\\'"abfnrtv]`)

// decodeEscapes decodes Python string escapes as parse_kv's
// _decode_escapes does (\N{name} escapes are left as they are).
func decodeEscapes(s string) string {
	return escapeRe.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1] {
		case 'U', 'u', 'x':
			n, err := strconv.ParseUint(m[2:], 16, 32)
			if err != nil || n > unicode.MaxRune {
				return m
			}
			return string(rune(n))
		case 'a':
			return "\a"
		case 'b':
			return "\b"
		case 'f':
			return "\f"
		case 'n':
			return "\n"
		case 'r':
			return "\r"
		case 't':
			return "\t"
		case 'v':
			return "\v"
		}
		return m[1:]
	})
}

func joinArgs(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// SplitArgs is Ansible's split_args: s split on spaces and newlines,
// except inside quotes and Jinja2 {{ }}, {% %} and {# #} blocks, keeping
// the original spacing inside them.
func SplitArgs(s string) ([]string, error) {
	var params []string
	items := strings.Split(s, "\n")
	var quoteChar byte
	insideQuotes := false
	printDepth, blockDepth, commentDepth := 0, 0, 0
	bad := func() error {
		return fmt.Errorf("Unable to parse argument string")
	}
	for itemIdx, item := range items {
		tokens := strings.Split(item, " ")
		lineContinuation := false
		for idx, token := range tokens {
			if token == "" && idx != 0 {
				if len(params) == 0 {
					return nil, bad()
				}
				params[len(params)-1] += " "
				continue
			}
			if token == `\` && !insideQuotes {
				lineContinuation = true
				continue
			}
			wasInsideQuotes := insideQuotes
			quoteChar = quoteState(token, quoteChar)
			insideQuotes = quoteChar != 0
			appended := false
			inBlock := printDepth != 0 || blockDepth != 0 || commentDepth != 0
			if insideQuotes && !wasInsideQuotes && !inBlock {
				params = append(params, token)
				appended = true
			} else if inBlock || insideQuotes || wasInsideQuotes {
				if len(params) == 0 {
					return nil, bad()
				}
				last := len(params) - 1
				switch {
				case idx == 0 && wasInsideQuotes:
					params[last] += token
				case len(tokens) > 1:
					spacer := ""
					if idx > 0 {
						spacer = " "
					}
					params[last] += spacer + token
				default:
					params[last] += "\n" + token
				}
				appended = true
			}
			for _, blk := range []struct {
				depth       *int
				open, close string
			}{{&printDepth, "{{", "}}"}, {&blockDepth, "{%", "%}"}, {&commentDepth, "{#", "#}"}} {
				prev := *blk.depth
				*blk.depth = jinjaDepth(token, *blk.depth, blk.open, blk.close)
				if *blk.depth != prev && !appended {
					params = append(params, token)
					appended = true
				}
			}
			if printDepth == 0 && blockDepth == 0 && commentDepth == 0 && !insideQuotes && !appended && token != "" {
				params = append(params, token)
			}
		}
		if len(items) > 1 && itemIdx != len(items)-1 && !lineContinuation {
			if len(params) == 0 {
				return nil, bad()
			}
			params[len(params)-1] += "\n"
		}
	}
	if printDepth != 0 || blockDepth != 0 || commentDepth != 0 || insideQuotes {
		return nil, fmt.Errorf("failed at splitting arguments, either an unbalanced jinja2 block or quotes: %s", s)
	}
	return params, nil
}

func quoteState(token string, quoteChar byte) byte {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if (c == '"' || c == '\'') && (i == 0 || token[i-1] != '\\') {
			if quoteChar != 0 {
				if c == quoteChar {
					quoteChar = 0
				}
			} else {
				quoteChar = c
			}
		}
	}
	return quoteChar
}

func jinjaDepth(token string, depth int, open, close string) int {
	nOpen, nClose := strings.Count(token, open), strings.Count(token, close)
	if nOpen != nClose {
		depth += nOpen - nClose
		if depth < 0 {
			depth = 0
		}
	}
	return depth
}
