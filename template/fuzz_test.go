package template

import (
	"strings"
	"testing"
)

// FuzzTemplate feeds arbitrary template text to the lexer, parser and
// evaluator: any input may fail, none may panic or hang.
func FuzzTemplate(f *testing.F) {
	for _, s := range exprCases {
		f.Add(s)
	}
	for _, c := range fileCases {
		f.Add(c.src)
	}
	f.Add("{% for x in l recursive %}{{ loop(x) }}{% endfor %}")
	f.Add("{{ '%(a)s %r %5.2f' % d }}")
	tp := New(Options{DisablePipe: true, DisableLookups: true})
	vars := testVars()
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		_, _ = tp.parse(src, defaultSyntax(), true)
		_, _ = literalEval(src)
		// The API turns panics into "internal error"; the fuzzer must see them.
		_, err1 := tp.Template(src, vars, nil)
		_, err2 := tp.Conditional(src, vars, nil)
		_, err3 := tp.RenderFile(src, vars, nil, FileOptions{})
		for _, err := range []error{err1, err2, err3} {
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q: %v", src, err)
			}
		}
	})
}
