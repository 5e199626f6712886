package modules

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var testSpec = Spec{
	Params: map[string]Param{
		"name":    {Type: "str", Required: true, Aliases: []string{"pkg"}},
		"state":   {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
		"force":   {Type: "bool", Default: false},
		"count":   {Type: "int"},
		"ratio":   {Type: "float"},
		"tags":    {Type: "list", Elements: "str"},
		"opts":    {Type: "dict"},
		"dest":    {Type: "path"},
		"blob":    {Type: "raw"},
		"payload": {Type: "jsonarg"},
	},
	MutuallyExclusive: [][]string{{"count", "ratio"}},
}

func TestValidateConverts(t *testing.T) {
	got, err := Validate("x", testSpec, map[string]any{
		"pkg": "vim", "force": "yes", "count": "42", "tags": "a,b",
		"opts": "a=1 b='x y'", "dest": "~/f", "blob": []any{1}, "payload": map[string]any{"a": 1},
	})
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"name": "vim", "state": "present", "force": true, "count": 42, "ratio": nil,
		"tags": []any{"a", "b"}, "opts": map[string]any{"a": "1", "b": "x y"}, "dest": "~/f",
		"blob": []any{1}, "payload": `{"a": 1}`,
	}, got)
	_, hasAlias := got["pkg"]
	require.False(t, hasAlias, "alias keys are resolved to the main name")
}

func TestValidateFillsNil(t *testing.T) {
	got, err := Validate("x", testSpec, map[string]any{"name": 5, "tags": []any{1, true, 2.0, nil}})
	require.NoError(t, err)
	require.Equal(t, "5", got["name"])
	require.Equal(t, []any{"1", "True", "2.0", "None"}, got["tags"])
	v, ok := got["count"]
	require.True(t, ok)
	require.Nil(t, v)
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{}, "missing required arguments: name"},
		{map[string]any{"name": "a", "state": "prsent"}, "value of state must be one of: present, absent, got: prsent"},
		{map[string]any{"name": "a", "count": "x"}, "argument 'count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"},
		{map[string]any{"name": "a", "count": 1.5}, "argument 'count' is of type <class 'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int"},
		{map[string]any{"name": "a", "count": 1, "ratio": 2}, "parameters are mutually exclusive: count|ratio"},
		{map[string]any{"name": "a", "force": "maybe"}, "argument 'force' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean."},
		{map[string]any{"name": "a", "force": 2}, "argument 'force' is of type <class 'int'> and we were unable to convert to bool: The value '2' is not a valid boolean."},
		{map[string]any{"name": "a", "opts": "novalue"}, "argument 'opts' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value"},
		{map[string]any{"name": "a", "opts": "{bad json"}, "argument 'opts' is of type <class 'str'> and we were unable to convert to dict: unable to evaluate string as dictionary"},
		{map[string]any{"name": "a", "tags": map[string]any{}}, "argument 'tags' is of type <class 'dict'> and we were unable to convert to list: <class 'dict'> cannot be converted to a list"},
		{map[string]any{"name": "a", "stat": "x"}, "Unsupported parameters for (x) module: stat. Supported parameters include: blob, count, dest, force, name, opts, payload, ratio, state, tags (pkg)."},
		// The first error wins; unsupported names come last.
		{map[string]any{"stat": "x"}, "missing required arguments: name"},
	} {
		_, err := Validate("x", testSpec, c.args)
		require.Error(t, err, "%v", c.args)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		require.True(t, strings.HasPrefix(ve.Msg, c.msg), "got %q\nwant %q", ve.Msg, c.msg)
	}
}

func TestValidateSuggests(t *testing.T) {
	_, err := Validate("x", testSpec, map[string]any{"name": "a", "stat": "x"})
	require.EqualError(t, err, "Unsupported parameters for (x) module: stat. Supported parameters include: blob, count, dest, force, name, opts, payload, ratio, state, tags (pkg). Did you mean 'state'?")
	_, err = Validate("x", testSpec, map[string]any{"name": "a", "zzzzzz": "x"})
	require.NotContains(t, err.Error(), "Did you mean")
	// An alias close to the typo suggests its main name.
	_, err = Validate("x", testSpec, map[string]any{"name": "a", "pgk": "x"})
	require.Contains(t, err.Error(), "Did you mean 'name'?")
	// command and shell report as Ansible's command action does.
	_, err = Validate("ansible.builtin.shell", commandSpec(), map[string]any{"chdri": "/"})
	require.EqualError(t, err, "Unsupported parameters for (ansible.legacy.command) module: chdri. Supported parameters include: _raw_params, _uses_shell, argv, chdir, creates, executable, removes, stdin, stdin_add_newline, strip_empty_ends. Did you mean 'chdir'?")
}

func TestValidateChoicesBoolWords(t *testing.T) {
	spec := Spec{Params: map[string]Param{"x": {Type: "str", Choices: []string{"yes", "no", "maybe"}}}}
	got, err := Validate("m", spec, map[string]any{"x": false})
	require.NoError(t, err)
	require.Equal(t, "no", got["x"])
	spec = Spec{Params: map[string]Param{"x": {Type: "list", Choices: []string{"a", "b"}}}}
	_, err = Validate("m", spec, map[string]any{"x": "a,c,d"})
	require.EqualError(t, err, "value of x must be one or more of: a, b. Got no match for: c, d")
}

func TestValidateRequiredOneOf(t *testing.T) {
	spec := Spec{Params: map[string]Param{"a": {}, "b": {}}, RequiredOneOf: [][]string{{"a", "b"}}}
	_, err := Validate("m", spec, map[string]any{})
	require.EqualError(t, err, "one of the following is required: a, b")
	_, err = Validate("m", spec, map[string]any{"b": "x"})
	require.NoError(t, err)
}

func TestValidateAction(t *testing.T) {
	spec := Spec{Params: map[string]Param{"msg": {}, "var": {}, "verbosity": {}}, Action: true}
	got, err := Validate("debug", spec, map[string]any{"msg": 1})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"msg": 1}, got, "action options keep their values and get no defaults")
	_, err = Validate("debug", spec, map[string]any{"msg": "hi", "foo": "bar", "vars": 1})
	require.EqualError(t, err, "Invalid options for debug: foo,vars Did you mean 'var'?")
}

func TestValidateInternalErrors(t *testing.T) {
	_, err := Validate("m", Spec{Params: map[string]Param{"a": {Required: true, Default: "x"}}}, nil)
	require.ErrorContains(t, err, "internal error")
	_, err = Validate("m", Spec{Params: map[string]Param{"a": {Type: "bogus"}}}, map[string]any{"a": 1})
	require.ErrorContains(t, err, "unknown parameter type")
}

func TestPyStr(t *testing.T) {
	require.Equal(t, "1.0", pyStr(1.0))
	require.Equal(t, "1e+16", pyStr(1e16))
	require.Equal(t, "1.5e-05", pyStr(1.5e-5))
	require.Equal(t, "0.0001", pyStr(0.0001))
	require.Equal(t, "['a', 1, True, None, \"it's\"]", pyStr([]any{"a", 1, true, nil, "it's"}))
	require.Equal(t, "{'a': {'b': [1]}}", pyStr(map[string]any{"a": map[string]any{"b": []any{1}}}))
	require.Equal(t, `'a\nb\\'`, pyRepr("a\nb\\"))
}

func TestQuotePath(t *testing.T) {
	require.Equal(t, "~", QuotePath("~"))
	require.Equal(t, "~/'my file'", QuotePath("~/my file"))
	require.Equal(t, "~root/x", QuotePath("~root/x"))
	require.Equal(t, "~/", QuotePath("~/"))
	require.Equal(t, `'~x;rm -rf /'`, QuotePath("~x;rm -rf /"))
	require.Equal(t, `'/a b'`, QuotePath("/a b"))
}

func TestParseKV(t *testing.T) {
	got, err := ParseFreeForm(`path=/tmp/x state=touch mode="0644" owner='a b' esc=a\tb`)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"path": "/tmp/x", "state": "touch", "mode": "0644", "owner": "a b", "esc": "a\tb"}, got)

	got, err = ParseModuleArgs("ansible.builtin.command", `echo a=b "c d" chdir=/tmp creates="/x y"`)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"_raw_params": `echo a=b "c d"`, "chdir": "/tmp", "creates": "/x y"}, got)

	got, err = ParseModuleArgs("file", `echo {{ a }} b=c`)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"_raw_params": "echo {{ a }}", "b": "c"}, got)

	_, err = ParseFreeForm(`a="unterminated`)
	require.EqualError(t, err, `failed at splitting arguments, either an unbalanced jinja2 block or quotes: a="unterminated`)
	_, err = ParseFreeForm(`{{ a `)
	require.Error(t, err)
}

// kvCases are fed to ParseKV and to Ansible's own parse_kv.
var kvCases = []string{
	`a=b c=d`, `echo hello`, `echo "a b" c='d e' x=1`, `a="b c" d`, `a=b\=c`, `a\=b`,
	`cmd chdir=/tmp creates=/x removes=y stdin=hi warn=no`, `ls -l | grep "x y"`,
	"line1\nline2 a=b", "a=1 \\\nb=2", `a="x \"y\" z"`, `msg={{ foo }} bar="{{ a | default('x y') }}"`,
	`{% if x %}a{% endif %} b=c`, `{# c #} x=y`, `=a`, `a==b`, `a= b`, `k="v"x`, `u=\u00e9\x41`,
	`  a=b`, "x=1  y=2", `echo 'it''s'`, "a=b\n", `'a=b'`, `"a b"=c`, `x=' spaced '`, "",
	`echo a=b`, `touch "/tmp/a b"  mode=0644`, `a={{ x }}={{ y }}`, `p=C:\\dir`,
}

// TestParseKVMatchesAnsible runs the same strings through Ansible's
// parse_kv (with and without check_raw) and compares.
func TestParseKVMatchesAnsible(t *testing.T) {
	py := ansiblePython(t)
	type out struct {
		Opts  map[string]any `json:"opts"`
		Raw   map[string]any `json:"raw"`
		Error string         `json:"error"`
	}
	var want []out
	runPython(t, py, `
import sys, json
from ansible.parsing.splitter import parse_kv
res = []
for s in json.load(sys.stdin):
    try:
        res.append({"opts": parse_kv(s), "raw": parse_kv(s, check_raw=True), "error": ""})
    except Exception as e:
        res.append({"opts": None, "raw": None, "error": str(e).split("\n")[0]})
print(json.dumps(res))
`, kvCases, &want)
	for i, s := range kvCases {
		opts, err := ParseKV(s, false)
		raw, err2 := ParseKV(s, true)
		if want[i].Error != "" {
			require.Error(t, err, "%q: Ansible says %s", s, want[i].Error)
			require.Error(t, err2)
			require.True(t, strings.HasPrefix(want[i].Error, err.Error()), "%q: got %q want %q", s, err, want[i].Error)
			continue
		}
		require.NoError(t, err, "%q", s)
		require.NoError(t, err2, "%q", s)
		require.Equal(t, want[i].Opts, opts, "%q", s)
		require.Equal(t, want[i].Raw, raw, "%q (check_raw)", s)
	}
}

// ansiblePython returns the Python that can import ansible, skipping (or
// failing under CI) when there is none.
func ansiblePython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import ansible.module_utils.common.arg_spec").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ansible-core is needed (apt-get install ansible-core): %v", err)
		}
		t.Skip("ansible-core is not installed for /usr/bin/python3")
	}
	return py
}

func runPython(t *testing.T, py, script string, in, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(b)
	cmd.Env = append(os.Environ(), "PYTHONHASHSEED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.NoError(t, json.Unmarshal(res, out), "%.300s", res)
}

type validateCase struct {
	Spec map[string]map[string]any `json:"spec"`
	ME   [][]string                `json:"mutually_exclusive"`
	ROO  [][]string                `json:"required_one_of"`
	Args map[string]any            `json:"args"`
}

func specToPython(s Spec) map[string]map[string]any {
	out := map[string]map[string]any{}
	for n, p := range s.Params {
		d := map[string]any{}
		if p.Type != "" {
			d["type"] = p.Type
		}
		if p.Elements != "" {
			d["elements"] = p.Elements
		}
		if p.Required {
			d["required"] = true
		}
		if p.Default != nil {
			d["default"] = p.Default
		}
		if len(p.Aliases) > 0 {
			d["aliases"] = p.Aliases
		}
		if len(p.Choices) > 0 {
			d["choices"] = p.Choices
		}
		out[n] = d
	}
	return out
}

// TestValidateMatchesAnsible validates the same arguments with Ansible's
// ArgumentSpecValidator and compares the first error and the values.
func TestValidateMatchesAnsible(t *testing.T) {
	py := ansiblePython(t)
	specs := []Spec{testSpec, commandSpec(), statSpec()}
	argSets := []map[string]any{
		{"name": "vim"}, {"pkg": "vim", "state": "absent", "force": "on", "count": " 7 "},
		{"name": "a", "state": "prsent"}, {"name": "a", "count": "1_000"}, {"name": "a", "count": "0x10"},
		{"name": "a", "count": true}, {"name": "a", "ratio": "1e3"}, {"name": "a", "ratio": " -1_0.5e1 "}, {"name": "a", "ratio": 3},
		{"name": "a", "ratio": "abc"}, {"name": "a", "tags": 5}, {"name": "a", "tags": 2.5}, {"name": "a", "tags": true},
		{"name": "a", "opts": `{"a": [1, 2]}`}, {"name": "a", "opts": "a=1,b=2 c=3"}, {"name": "a", "opts": `a="x,y" b=\,`},
		{"name": "a", "opts": "a=1 b"}, {"name": "a", "payload": " [1, 2] "}, {"name": "a", "payload": []any{"x", map[string]any{"k": "v"}}},
		{"name": "a", "payload": 5}, {"name": []any{"x", 1}}, {"name": map[string]any{"k": "v"}}, {"name": 1.25},
		{"name": "a", "force": "TRUE "}, {"name": "a", "force": 1.0}, {"name": "a", "force": 0}, {"name": "a", "force": "2"},
		{"name": "a", "count": 1, "ratio": 2.0, "bogus": 1}, {"bogus": 1, "other": 2}, {"name": "a", "tags": []any{"x", 1.5, false}},
		{"_raw_params": "ls", "chdir": 5, "strip_empty_ends": "no"}, {"argv": "a,b", "stdin": 12}, {"creates": "~/x"},
		{"path": "/x", "follow": "yes", "checksum": "md6"}, {"dest": "/x", "get_mime": "no", "mime": "yes"},
		{"name": "/x", "checksum_algo": "sha256", "attr": 0}, {"path": "/x", "get_md5": true},
		{"name": "a", "state": false}, {"name": nil},
		{"file": "x.yml", "depth": "2"}, {"dir": "vars", "depth": "two"}, {"dir": "vars", "extensions": "yml,yaml", "ignore_files": "a b"},
	}
	var cases []validateCase
	var specOf []Spec
	for _, s := range specs {
		for _, a := range argSets {
			cases = append(cases, validateCase{Spec: specToPython(s), ME: s.MutuallyExclusive, ROO: s.RequiredOneOf, Args: a})
			specOf = append(specOf, s)
		}
	}
	type out struct {
		Error  string         `json:"error"`
		Params map[string]any `json:"params"`
	}
	var want []out
	runPython(t, py, `
import sys, json
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
res = []
for c in json.load(sys.stdin):
    spec = {k: c["spec"][k] for k in sorted(c["spec"])}
    v = ArgumentSpecValidator(spec, mutually_exclusive=c["mutually_exclusive"], required_one_of=c["required_one_of"])
    r = v.validate(c["args"])
    err = ""
    if r.errors.errors:
        err = r.errors.msg
        if isinstance(r.errors[0], UnsupportedError):
            err = "Unsupported parameters for (m) module: " + err
    res.append({"error": err, "params": r.validated_parameters})
print(json.dumps(res, default=str))
`, cases, &want)
	for i, c := range cases {
		got, err := Validate("m", specOf[i], c.Args)
		w := want[i]
		if w.Error != "" {
			require.Error(t, err, "%v: Ansible says %s", c.Args, w.Error)
			msg := err.(*ValidationError).Msg
			if j := strings.Index(w.Error, "Valid booleans include"); j > 0 {
				// Ansible lists the booleans in a set's random order.
				w.Error, msg = w.Error[:j], msg[:min(j, len(msg))]
			}
			require.Equal(t, w.Error, msg, "%v", c.Args)
			continue
		}
		require.NoError(t, err, "%v", c.Args)
		for n, p := range specOf[i].Params {
			for _, a := range p.Aliases {
				if _, declared := specOf[i].Params[a]; !declared {
					delete(w.Params, a)
				}
			}
			_ = n
		}
		// Ansible expands ~ where the module runs (the host); Validate
		// leaves it to the host's shell.
		for n, p := range specOf[i].Params {
			if s, ok := got[n].(string); ok && p.Type == "path" && strings.HasPrefix(s, "~/") {
				got[n] = os.Getenv("HOME") + s[1:]
			}
		}
		// JSON turns Go and Python values into the same shapes.
		gb, err := json.Marshal(got)
		require.NoError(t, err)
		var gotJSON map[string]any
		require.NoError(t, json.Unmarshal(gb, &gotJSON))
		require.Equal(t, w.Params, gotJSON, "%v", c.Args)
	}
}

func TestValidateNeverPanics(t *testing.T) {
	values := []any{nil, "", "x", "yes", 0, 1, -1, 1.5, true, []any{}, []any{nil}, map[string]any{}, map[string]any{"a": nil}, int64(3), uint8(2), float32(1), []string{"a"}, struct{}{}}
	types := []string{"", "str", "bool", "int", "float", "list", "dict", "path", "raw", "jsonarg", "json", "bogus"}
	for _, typ := range types {
		for _, v := range values {
			spec := Spec{Params: map[string]Param{"p": {Type: typ, Elements: "int", Choices: []string{"1"}}}}
			require.NotPanics(t, func() { _, _ = Validate("m", spec, map[string]any{"p": v}) }, "%s %v", typ, v)
		}
	}
}

func FuzzParseKV(f *testing.F) {
	for _, s := range kvCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseKV(s, true)
		if err == nil {
			keys := make([]string, 0, len(a))
			for k := range a {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		_, _ = ParseKV(s, false)
		_, _ = shlexSplit(s)
	})
}

func TestAliasWarnings(t *testing.T) {
	spec := statSpec()
	require.Equal(t, []string{"Both option path and its alias dest are set."}, AliasWarnings(spec, map[string]any{"path": "/a", "dest": "/b"}))
	require.Nil(t, AliasWarnings(spec, map[string]any{"dest": "/b"}))
	got, err := Validate("stat", spec, map[string]any{"path": "/a", "dest": "/b"})
	require.NoError(t, err)
	require.Equal(t, "/b", got["path"], "the alias wins, as in Ansible")
}
