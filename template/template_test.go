package template

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlainValuesUntouched(t *testing.T) {
	tp := New(Options{})
	in := map[string]any{"a": "plain", "b": []any{1, "x", nil}, "c": map[string]any{"d": true}}
	out, err := tp.Template(in, nil, nil)
	require.NoError(t, err)
	require.Equal(t, in, out)
	// Strings without markers never reach the parser (no cache entry).
	require.Empty(t, tp.cache)
}

func TestNativeTypes(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"n": 5, "f": 1.5, "b": true, "l": []any{1, 2}, "nothing": nil}
	for src, want := range map[string]any{
		"{{ n }}":               5,
		"{{ f }}":               1.5,
		"{{ b }}":               true,
		"{{ nothing }}":         nil,
		"{{ l }}":               []any{1, 2},
		"{{ 5 }}":               "5",
		"{{ [1, 2] }}":          []any{1, 2},
		"a{{ 1 }}":              "a1",
		"{{ n + 1 }}":           "6",
		"{{ {'a': [1, 'x']} }}": map[string]any{"a": []any{1, "x"}},
	} {
		got, err := tp.Template(src, vars, nil)
		require.NoError(t, err, src)
		require.Equal(t, want, got, src)
	}
}

func TestUndefinedError(t *testing.T) {
	tp := New(Options{})
	_, err := tp.Template(map[string]any{"x": []any{"{{ foo }}"}}, nil, nil)
	var ue *UndefinedError
	require.True(t, errors.As(err, &ue))
	require.Equal(t, "'foo' is undefined", ue.Msg)
	_, err = tp.Template("{{ d.bar }}", Scope{"d": map[string]any{}}, nil)
	require.EqualError(t, err, "'dict object' has no attribute 'bar'")
}

func TestLazyRecursiveVars(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"a": "{{ b }}-a", "b": "{{ c }}-b", "c": "c", "self": "{{ self }}"}
	got, err := tp.Template("{{ a }}", vars, nil)
	require.NoError(t, err)
	require.Equal(t, "c-b-a", got)
	_, err = tp.Template("{{ self }}", vars, nil)
	require.ErrorContains(t, err, "recursive loop detected")
}

func TestOmit(t *testing.T) {
	tp := New(Options{})
	got, err := tp.Template("{{ x | default(omit) }}", Scope{"omit": Omit}, nil)
	require.NoError(t, err)
	require.Equal(t, Omit, got)
}

func TestConditional(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"s": "false", "x": 3}
	for cond, want := range map[string]bool{
		"x > 2": true, "x is defined and x < 2": false, "s": true, "{{ s }}": false,
		"missing is not defined": true, "missing is defined": false, "missing.attr is defined": false,
	} {
		got, err := tp.Conditional(cond, vars, nil)
		require.NoError(t, err, cond)
		require.Equal(t, want, got, cond)
	}
	_, err := tp.Conditional("missing", vars, nil)
	require.EqualError(t, err, "error while evaluating conditional (missing): 'missing' is undefined")
	_, err = tp.Conditional("x >", vars, nil)
	require.Error(t, err)
}

func TestRenderFile(t *testing.T) {
	tp := New(Options{})
	no := false
	out, err := tp.RenderFile("{% if true %}\n  x\n{% endif %}\n", nil, nil, FileOptions{TrimBlocks: &no})
	require.NoError(t, err)
	require.Equal(t, "\n  x\n", out)
	out, err = tp.RenderFile("a\nb\n", nil, nil, FileOptions{NewlineSequence: "\r\n"})
	require.NoError(t, err)
	require.Equal(t, "a\r\nb\r\n", out)
	_, err = tp.RenderFile("x", nil, nil, FileOptions{NewlineSequence: "\t"})
	require.Error(t, err)
	_, err = tp.RenderFile("#jinja2: trim_blocks False\nx", nil, nil, FileOptions{})
	require.ErrorContains(t, err, "failed to parse jinja2 override")
	out, err = tp.RenderFile("{{ l }}", Scope{"l": "{{ [1] }}"}, nil, FileOptions{})
	require.NoError(t, err)
	require.Equal(t, "[1]", out)
}

// TestQuoteIsShellSafe runs quoted hostile names through a real shell.
func TestQuoteIsShellSafe(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	tp := New(Options{})
	for _, name := range []string{"x; rm -rf /", "$(id)", "`id`", "a'b", "\"q\"", "", "new\nline", "*", "-rf", "é"} {
		got, err := tp.Template("{{ n | quote }}", Scope{"n": name}, nil)
		require.NoError(t, err)
		out, err := exec.Command(sh, "-c", "printf %s "+got.(string)).Output()
		require.NoError(t, err, name)
		require.Equal(t, name, string(out))
	}
}

func TestConcurrentUse(t *testing.T) {
	tp := New(Options{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				got, err := tp.Template("{{ n * 2 }}-{{ l | join(',') }}", Scope{"n": i, "l": []any{j}}, nil)
				if err != nil || got != fmt.Sprintf("%d-%d", i*2, j) {
					t.Errorf("got %v, %v", got, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

func TestHostileInput(t *testing.T) {
	tp := New(Options{})
	for _, src := range []string{
		strings.Repeat("{{ (", 5000),
		"{{ " + strings.Repeat("[", 10000) + " }}",
		"{{ " + strings.Repeat("not ", 10000) + "1 }}",
		strings.Repeat("{% if true %}", 1000),
		"{% for x in range(100000) %}{% for y in range(100000) %}{% endfor %}{% endfor %}",
		"{{ 'x' * 100000000 }}",
		"{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
		"{{ '%' % 1 }}", "{{ '{' .format(1) }}", "{{ 1 | random(seed=1, start=5) }}",
	} {
		_, err := tp.Template(src, nil, nil)
		require.Error(t, err, src[:min(len(src), 40)])
	}
}

func TestPasswordHashSHA512(t *testing.T) {
	// Reference values from glibc crypt(3).
	require.Equal(t, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		sha512Crypt("Hello world!", "saltstring", 5000, false))
	require.Equal(t, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
		sha512Crypt("Hello world!", "saltstringsaltstring", 10000, true))
}

func TestPythonRandom(t *testing.T) {
	// random.Random(42).randrange(100) and Random('web1').randrange(100) in CPython 3.11.
	require.Equal(t, 81, seedPy(42).randbelow(100))
	require.Equal(t, 41, seedPy("web1").randbelow(100))
}

type fakeHostvars map[string]map[string]any

func (h fakeHostvars) Get(k string) (any, bool) {
	v, ok := h[k]
	return v, ok
}

func (h fakeHostvars) Keys() []string {
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

func (h fakeHostvars) UndefinedName(k string) string { return "hostvars['" + k + "']" }

func TestLazyMapHostvars(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"hostvars": fakeHostvars{"web1": {"ip": "10.0.0.1", "raw": "{{ not_templated }}"}}}
	got, err := tp.Template("{{ hostvars['web1'].ip }} {{ hostvars.web1['ip'] }}", vars, nil)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.1 10.0.0.1", got)
	got, err = tp.Template("{{ hostvars.web1.raw }}", vars, nil)
	require.NoError(t, err)
	require.Equal(t, "{{ not_templated }}", got)
	_, err = tp.Template("{{ hostvars['nohost'].ip }}", vars, nil)
	require.EqualError(t, err, `"hostvars['nohost']" is undefined`)
	ok, err := tp.Conditional("hostvars['nohost'] is defined", vars, nil)
	require.NoError(t, err)
	require.False(t, ok)
}

// TestUnsafeNeverTemplated: values registered from hosts must never run
// as templates on the controller.
func TestUnsafeNeverTemplated(t *testing.T) {
	tp := New(Options{})
	evil := Unsafe("{{ lookup('pipe', 'echo pwned') }}")
	vars := Scope{"out": evil, "reg": map[string]any{"stdout": evil, "lines": []any{evil}}}
	for _, src := range []string{"{{ out }}", "{{ reg.stdout }}", "{{ reg['stdout'] }}", "{{ reg.lines[0] }}", "{{ reg.stdout | upper | lower }}"} {
		got, err := tp.Template(src, vars, nil)
		require.NoError(t, err, src)
		require.Equal(t, string(evil), got, src)
	}
	got, err := tp.Template(evil, nil, nil)
	require.NoError(t, err)
	require.Equal(t, string(evil), got)
}

func BenchmarkTemplatePlain(b *testing.B) {
	tp := New(Options{})
	for i := 0; i < b.N; i++ {
		_, _ = tp.Template("just a string with no markers", nil, nil)
	}
}

func BenchmarkTemplateExpr(b *testing.B) {
	tp := New(Options{})
	vars := testVars()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := tp.Template("{{ users | selectattr('admin', 'defined') | map(attribute='name') | join(',') }} {{ omero.server.version is version('5.6', '>=') }}", vars, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"x": 3}
	for _, c := range []struct {
		in   any
		want bool
	}{{nil, true}, {"", true}, {true, true}, {false, false}, {1, true}, {0, false},
		{[]any{"x > 1", "x < 5"}, true}, {[]any{"x > 1", false, "nosuch"}, false}, {[]any{}, true}} {
		got, err := tp.Evaluate(c.in, vars, nil)
		require.NoError(t, err, "%v", c.in)
		require.Equal(t, c.want, got, "%v", c.in)
	}
	_, err := tp.Evaluate([]any{"x > 1", "nosuch"}, vars, nil)
	require.EqualError(t, err, "The conditional check 'nosuch' failed. The error was: error while evaluating conditional (nosuch): 'nosuch' is undefined")
}

func TestGoTypedValues(t *testing.T) {
	tp := New(Options{})
	vars := Scope{"l": []string{"a", "b"}, "m": map[string]string{"k": "v"}, "n": int64(7), "f": float32(0.5),
		"nested": map[string]any{"xs": []int{1, 2}}}
	got, err := tp.Template("{{ l | join(',') }} {{ m.k }} {{ n + 1 }} {{ f * 2 }} {{ nested.xs | sum }}", vars, nil)
	require.NoError(t, err)
	require.Equal(t, "a,b v 8 1.0 3", got)
	got, err = tp.Template([]string{"{{ n }}"}, vars, nil)
	require.NoError(t, err)
	require.Equal(t, []any{7}, got)
}

func TestOrderedDictInput(t *testing.T) {
	tp := New(Options{})
	d := NewDict()
	d.Set("zeta", 1)
	d.Set("alpha", "{{ n }}")
	d.Set("mid", []any{"{{ n + 1 }}"})
	vars := Scope{"d": d, "n": 5}
	got, err := tp.Template("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d | dict2items | map(attribute='key') | join(',') }} {{ d | to_json }}", vars, nil)
	require.NoError(t, err)
	require.Equal(t, `zeta=1;alpha=5;mid=['6']; zeta,alpha,mid {"zeta": 1, "alpha": 5, "mid": ["6"]}`, got)
	got, err = tp.Template(d, vars, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"zeta": 1, "alpha": 5, "mid": []any{"6"}}, got)
}
