package modules

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPyCompileTranslates(t *testing.T) {
	for _, tc := range []struct {
		pattern, subject string
		match            bool
	}{
		{`^foo$`, "foo\n", true}, // Python's $ matches before a final newline
		{`^foo$`, "foo", true},
		{`^foo$`, "foox\n", false},
		{`a{,2}b`, "aab", true}, // {,n} is {0,n}
		{`foo\Z`, "foo", true},
		{`foo\Z`, "foo\n", false},
		{`[$]`, "$", true}, // $ in a class stays literal
		{`[]a]`, "]", true},
		{`(?P<name>x)`, "x", true},
		{`\$HOME`, "$HOME", true},
	} {
		re, err := pyCompile(tc.pattern, false, false)
		require.NoError(t, err, tc.pattern)
		require.Equal(t, tc.match, re.MatchString(tc.subject), "%q on %q", tc.pattern, tc.subject)
	}
}

func TestPyCompileRefusesWhatRE2CannotDo(t *testing.T) {
	for _, p := range []string{`(?=x)`, `(?!x)`, `(?<=x)y`, `(?<!x)y`, `(a)\1`, `(?P<n>a)(?P=n)`, `(?x) a`, `(unclosed`, `*`} {
		_, err := pyCompile(p, false, false)
		require.Error(t, err, p)
		require.Contains(t, err.Error(), "regular expression", p)
	}
}

func TestPyExpand(t *testing.T) {
	re, err := pyCompile(`(?P<k>\w+)=(\w+)(x)?`, false, false)
	require.NoError(t, err)
	src := "key=value"
	m := re.FindStringSubmatchIndex(src)
	for _, tc := range []struct{ tmpl, want string }{
		{`\1: \2`, "key: value"},
		{`\g<k>/\g<2>`, "key/value"},
		{`[\3]`, "[]"}, // unmatched group is empty
		{`a\tb\nc\\d`, "a\tb\nc\\d"},
		{`\.`, `\.`}, // unknown non-letter escapes stay
		{`$1`, "$1"}, // Go syntax is not special
		{`\10`, ""},  // group 10 does not exist: error below
	} {
		got, err := pyExpand(re, tc.tmpl, src, m)
		if tc.tmpl == `\10` {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err, tc.tmpl)
		require.Equal(t, tc.want, got, tc.tmpl)
	}
	_, err = pyExpand(re, `\q`, src, m)
	require.Error(t, err, "bad escape")
	_, err = pyExpand(re, `\g<nope>`, src, m)
	require.Error(t, err)
	_, err = pyExpand(re, `\g<1`, src, m)
	require.Error(t, err)
	_, err = pyExpand(re, `x\`, src, m)
	require.Error(t, err)
}

// TestPySubnAgreesWithPython runs the same substitutions through
// Python's re (the system python3) and pySubn.
func TestPySubnAgreesWithPython(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("needs /usr/bin/python3")
		}
		t.Skip("needs /usr/bin/python3")
	}
	cases := [][3]string{
		{`^(\w+) (\w+)$`, `\2 \1`, "a b\nc d\nno\n"},
		{`(?P<k>\w+)=(?P<v>.*)$`, `\g<v>=\g<k>`, "x=1\ny=2"},
		{`\s+$`, ``, "trailing   \nspaces\t\n"},
		{`o`, `0`, "foo boo"},
		{`^`, `# `, "l1\nl2\n"},
		{`(a)|(b)`, `[\1\2]`, "abc"},
		{`\d{2,}`, `N`, "1 22 333"},
		{`^$`, `EMPTY`, "a\n\nb\n"},
		{`x*`, `-`, "abc"},
	}
	b, _ := json.Marshal(cases)
	script := `import json,re,sys
out=[]
for p,r,s in json.loads(sys.argv[1]):
    out.append(re.subn(re.compile(p, re.MULTILINE), r, s))
print(json.dumps(out))`
	cmd := exec.Command(py, "-c", script, string(b))
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	require.NoError(t, err)
	var want [][2]any
	require.NoError(t, json.Unmarshal(out, &want))
	for i, c := range cases {
		re, err := pyCompile(c[0], true, false)
		require.NoError(t, err)
		got, n, err := pySubn(re, c[1], c[2])
		require.NoError(t, err)
		require.Equal(t, want[i][0], got, "%q", c)
		require.Equal(t, int(want[i][1].(float64)), n, "%q", c)
	}
}

func TestReplaceContent(t *testing.T) {
	r, err := replaceContent("start\nk=1\nstop\nk=2\n", `^k=(\d)$`, `k=\1\1`, "start", "stop")
	require.NoError(t, err)
	require.True(t, r.Changed)
	require.Equal(t, 1, r.Count)
	require.Equal(t, "start\nk=11\nstop\nk=2\n", r.Content)

	r, err = replaceContent("abc", `x`, `y`, "", "")
	require.NoError(t, err)
	require.False(t, r.Changed)
	require.Equal(t, "abc", r.Content)

	// a replacement that gives the same text is no change
	r, err = replaceContent("aaa", `a`, `a`, "", "")
	require.NoError(t, err)
	require.False(t, r.Changed)
	require.Equal(t, 3, r.Count)

	r, err = replaceContent("abc", `b`, `B`, "nomatch", "")
	require.NoError(t, err)
	require.False(t, r.Changed)
	require.Equal(t, "Pattern for before/after params did not match the given file: nomatch(?P<subsection>.*)", r.Msg)

	_, err = replaceContent("abc", `(?=b)`, `x`, "", "")
	require.Error(t, err)
	_, err = replaceContent("abc", `b`, `\9`, "", "")
	require.Error(t, err)
}

func TestReplaceModuleQuotesAndChecks(t *testing.T) {
	conn := newFSFakeHost(map[string]string{"/etc/x; rm -rf $HOME": "a=1\n"})
	task := &Task{Module: "replace", Conn: conn, Check: true, Diff: true, Args: map[string]any{
		"path": "/etc/x; rm -rf $HOME", "regexp": "a=1", "replace": "a=2",
	}}
	res, err := runReplace(context.Background(), task)
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Equal(t, "1 replacements made", res["msg"])
	require.Equal(t, Diff{Before: "a=1\n", After: "a=2\n", BeforeHeader: "/etc/x; rm -rf $HOME", AfterHeader: "/etc/x; rm -rf $HOME"}, res["diff"])
	require.Equal(t, "a=1\n", conn.files["/etc/x; rm -rf $HOME"], "check mode writes nothing")
	for _, c := range conn.cmds {
		require.Contains(t, c, `'/etc/x; rm -rf $HOME'`, "the path is quoted: %s", c)
	}

	task.Check = false
	res, err = runReplace(context.Background(), task)
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Equal(t, "a=2\n", conn.files["/etc/x; rm -rf $HOME"])
	res, err = runReplace(context.Background(), task)
	require.NoError(t, err)
	require.False(t, res.Changed())

	task.Args["path"] = "/missing"
	res, err = runReplace(context.Background(), task)
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Equal(t, "Path /missing does not exist !", res["msg"])
}
