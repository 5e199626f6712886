package template

import (
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
		body, err := tp.parse(src, defaultSyntax(), true)
		if err == nil && body == nil && src != "" {
			_ = body
		}
		_, _ = tp.Template(src, vars, nil)
		_, _ = tp.Conditional(src, vars, nil)
		_, _ = tp.RenderFile(src, vars, nil, FileOptions{})
		_, _ = literalEval(src)
	})
}
