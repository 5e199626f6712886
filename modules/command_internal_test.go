package modules

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPlanCommandQuotes(t *testing.T) {
	p, fail := planCommand(map[string]any{"_raw_params": `echo "x; rm -rf /" 'a b' c\ d $HOME`}, false)
	require.Nil(t, fail)
	require.Equal(t, []any{"echo", "x; rm -rf /", "a b", "c d", "$HOME"}, p.Cmd)
	require.Equal(t, `exec echo 'x; rm -rf /' 'a b' 'c d' '$HOME'`, p.Line)

	p, fail = planCommand(map[string]any{"argv": []any{"printf", "%s\n", "`id`"}}, false)
	require.Nil(t, fail)
	require.Equal(t, `exec printf '%s`+"\n"+`' '`+"`id`"+`'`, p.Line)

	p, fail = planCommand(map[string]any{"_raw_params": "echo $HOME | wc -c", "executable": "/bin/bash"}, true)
	require.Nil(t, fail)
	require.Equal(t, "echo $HOME | wc -c", p.Cmd)
	require.Equal(t, `exec /bin/bash -c 'echo $HOME | wc -c'`, p.Line)

	p, fail = planCommand(map[string]any{"_raw_params": "ls", "executable": "/bin/bash"}, false)
	require.Nil(t, fail)
	require.Equal(t, []string{"As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '/bin/bash'."}, p.Warnings)
}

func TestPlanCommandFailures(t *testing.T) {
	_, fail := planCommand(map[string]any{"_raw_params": "  "}, false)
	require.Equal(t, "no command given", fail["msg"])
	require.Equal(t, 256, fail["rc"])
	_, fail = planCommand(map[string]any{"_raw_params": "ls", "argv": []any{"ls"}}, false)
	require.Equal(t, "only command or argv can be given, not both", fail["msg"])
	_, fail = planCommand(map[string]any{"_raw_params": `echo "open`}, false)
	require.Equal(t, "No closing quotation", fail["msg"])
	require.True(t, fail.Failed())
}

func TestShlexSplit(t *testing.T) {
	for in, want := range map[string][]string{
		`a b  c`:            {"a", "b", "c"},
		`a "b c" 'd e'`:     {"a", "b c", "d e"},
		`"a\"b" 'a\b' a\ b`: {`a"b`, `a\b`, "a b"},
		`"x\y" ''`:          {`x\y`, ""},
		`a"b"c'd'`:          {"abcd"},
		"":                  nil,
	} {
		got, err := shlexSplit(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := shlexSplit(`a\`)
	require.EqualError(t, err, "No escaped character")
	_, err = shlexSplit(`'a`)
	require.EqualError(t, err, "No closing quotation")
}

func TestQuoteGlob(t *testing.T) {
	require.Equal(t, `'/tmp/a b'*.txt`, quoteGlob("/tmp/a b*.txt"))
	require.Equal(t, `~/x`, quoteGlob("~/x"))
	require.Equal(t, `'/x;rm -rf /'`, quoteGlob("/x;rm -rf /"))
	require.Equal(t, `/d/[ab]?`, quoteGlob("/d/[ab]?"))
	require.Equal(t, `''`, quoteGlob(""))
}

func TestPyHelpers(t *testing.T) {
	require.Equal(t, []string{"a", "b", ""}, pyLines("a\nb\n\n"))
	require.Equal(t, []string{"a", "b", "c"}, pyLines("a\r\nb\rc"))
	require.Equal(t, []string{}, pyLines(""))
	require.Equal(t, "0:00:00.003746", pyDelta(3746*time.Microsecond))
	require.Equal(t, "0:00:01", pyDelta(time.Second))
	require.Equal(t, "1 day, 1:01:01.000001", pyDelta(25*time.Hour+time.Minute+time.Second+time.Microsecond))
	require.Equal(t, "2026-11-25 12:25:34.812506", pyTime(time.Date(2026, 11, 25, 12, 25, 34, 812506000, time.Local)))
	require.Equal(t, "b'a\\'b\"'", pyBytesRepr(`a'b"`))
}
