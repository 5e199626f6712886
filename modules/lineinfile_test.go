package modules

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func fsp(s string) *string { return &s }

// fsLineCase is one lineinfile computation; nil pointers are absent
// parameters.
type fsLineCase struct {
	Content      string  `json:"content"`
	State        string  `json:"state"`
	Line         *string `json:"line"`
	Regexp       *string `json:"regexp"`
	SearchString *string `json:"search_string"`
	InsertAfter  *string `json:"insertafter"`
	InsertBefore *string `json:"insertbefore"`
	Backrefs     bool    `json:"backrefs"`
	FirstMatch   bool    `json:"firstmatch"`
}

func fsLineCases() []fsLineCase {
	contents := []string{
		"", "a\n", "a", "a\nb\nc\n", "a\nb\nc", "x=1\ny=2\nx=3\n", "# c\nListen 80\n#Listen 81\n",
		"a\r\nb\r\n", "dup\ndup\n", "\n\n", "a\nb\na\n",
	}
	type opt struct {
		state                string
		line, re, ss, ia, ib *string
		backrefs, first      bool
	}
	opts := []opt{
		{state: "present", line: fsp("b")},
		{state: "present", line: fsp("new")},
		{state: "present", line: fsp("new"), ia: fsp("EOF")},
		{state: "present", line: fsp("new"), ib: fsp("BOF")},
		{state: "present", line: fsp("new"), ia: fsp("BOF")},
		{state: "present", line: fsp("new"), ia: fsp("^a")},
		{state: "present", line: fsp("new"), ia: fsp("^a"), first: true},
		{state: "present", line: fsp("new"), ib: fsp("^a")},
		{state: "present", line: fsp("new"), ib: fsp("^a"), first: true},
		{state: "present", line: fsp("b"), ia: fsp("^a")},
		{state: "present", line: fsp("a"), ib: fsp("^b")},
		{state: "present", line: fsp("new"), ia: fsp("nomatch")},
		{state: "present", line: fsp("new"), ib: fsp("nomatch")},
		{state: "present", line: fsp("x=9"), re: fsp("^x=")},
		{state: "present", line: fsp("x=9"), re: fsp("^x="), first: true},
		{state: "present", line: fsp("x=9"), re: fsp("^nomatch"), ia: fsp("^y")},
		{state: "present", line: fsp(`x=\1\1`), re: fsp(`^x=(\d)$`), backrefs: true},
		{state: "present", line: fsp(`z=\1`), re: fsp(`^z=(\d)`), backrefs: true},
		{state: "present", line: fsp("Listen 8080"), re: fsp("^Listen ")},
		{state: "present", line: fsp("Listen 8080"), re: fsp("^#?Listen ")},
		{state: "present", line: fsp("Listen 8080"), ss: fsp("Listen")},
		{state: "present", line: fsp("Listen 8080"), ss: fsp("Listen"), first: true},
		{state: "present", line: fsp("all"), re: fsp("")},
		{state: "present", line: fsp("a"), re: fsp("^a$")},
		{state: "present", line: fsp("dup")},
		{state: "present", line: fsp("b\n")},
		{state: "absent", line: fsp("a")},
		{state: "absent", re: fsp("^x")},
		{state: "absent", ss: fsp("b")},
		{state: "absent", line: fsp("dup")},
		{state: "absent", re: fsp(`=\d$`)},
	}
	var out []fsLineCase
	for _, c := range contents {
		for _, o := range opts {
			out = append(out, fsLineCase{Content: c, State: o.state, Line: o.line, Regexp: o.re, SearchString: o.ss,
				InsertAfter: o.ia, InsertBefore: o.ib, Backrefs: o.backrefs, FirstMatch: o.first})
		}
	}
	return out
}

// TestLineinfileAgreesWithAnsible runs every case through ansible-core's
// lineinfile present() and absent() (in check mode, with a stand-in
// module) and through lineinfilePresent/lineinfileAbsent.
func TestLineinfileAgreesWithAnsible(t *testing.T) {
	cases := fsLineCases()
	script := fsPyModuleMock + `
from ansible.modules import lineinfile as L
out = []
for c in json.load(sys.stdin):
    path = tmpfile(c['content'])
    try:
        if c['state'] == 'present':
            ia, ib = c['insertafter'], c['insertbefore']
            if ia is None and ib is None:
                ia = 'EOF'
            L.present(M(), path, c['regexp'], c['search_string'], c['line'], ia, ib, False, False, c['backrefs'], c['firstmatch'])
        else:
            L.absent(M(), path, c['regexp'], c['search_string'], c['line'], False)
        out.append(None)
    except Exit as e:
        kind, kw = e.args[0]
        out.append({'kind': kind, 'changed': kw.get('changed', False), 'msg': kw.get('msg'), 'after': first_diff(kw.get('diff')), 'found': kw.get('found')})
    os.unlink(path)
print(json.dumps(out))
`
	type pyResult struct {
		Kind    string  `json:"kind"`
		Changed bool    `json:"changed"`
		Msg     string  `json:"msg"`
		After   *string `json:"after"`
		Found   *int    `json:"found"`
	}
	var want []*pyResult
	fsAnsiblePython(t, script, cases, &want)
	require.Len(t, want, len(cases))
	for i, c := range cases {
		w := want[i]
		require.NotNil(t, w, "%+v", c)
		o := lineOpts{Regexp: c.Regexp, SearchString: c.SearchString, InsertAfter: c.InsertAfter, InsertBefore: c.InsertBefore, Backrefs: c.Backrefs, FirstMatch: c.FirstMatch}
		if c.Line != nil {
			o.Line = *c.Line
		}
		if c.State == "present" {
			out, changed, msg, err := lineinfilePresent(c.Content, o)
			require.NoError(t, err, "%+v", c)
			require.Equal(t, "exit", w.Kind, "%+v", c)
			require.Equal(t, w.Changed, changed, "%q %+v", c.Content, o)
			require.Equal(t, w.Msg, msg, "%q %+v", c.Content, o)
			require.Equal(t, *w.After, out, "%q %+v", c.Content, o)
		} else {
			out, found, err := lineinfileAbsent(c.Content, o)
			require.NoError(t, err, "%+v", c)
			require.Equal(t, *w.Found, found, "%q %+v", c.Content, o)
			require.Equal(t, *w.After, out, "%q %+v", c.Content, o)
		}
	}
}

func TestLineinfileBadRegexp(t *testing.T) {
	_, _, _, err := lineinfilePresent("a\n", lineOpts{Regexp: fsp(`(?<=a)b`), Line: "x"})
	require.Error(t, err)
	_, _, _, err = lineinfilePresent("a\n", lineOpts{InsertAfter: fsp(`(`), Line: "x"})
	require.Error(t, err)
	_, _, _, err = lineinfilePresent("a\n", lineOpts{Regexp: fsp(`(a)`), Line: `\2`, Backrefs: true})
	require.Error(t, err)
	_, _, err = lineinfileAbsent("a\n", lineOpts{Regexp: fsp(`[`)})
	require.Error(t, err)
}

func TestLineinfileModuleDecisions(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{"/f": "a\n"})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runLineinfile(ctx, &Task{Module: "lineinfile", Conn: host, Check: check, Diff: true, Args: args})
		require.NoError(t, err)
		return res
	}
	res := run(true, map[string]any{"path": "/f", "line": "b"})
	require.True(t, res.Changed())
	require.Equal(t, 0, host.puts, "check mode writes nothing")
	require.Equal(t, []Diff{{Before: "a\n", After: "a\nb\n", BeforeHeader: "/f (content)", AfterHeader: "/f (content)"},
		{BeforeHeader: "/f (file attributes)", AfterHeader: "/f (file attributes)"}}, res["diff"])

	res = run(false, map[string]any{"path": "/f", "line": "b"})
	require.True(t, res.Changed())
	require.Equal(t, "a\nb\n", host.files["/f"])
	res = run(false, map[string]any{"path": "/f", "line": "b"})
	require.False(t, res.Changed())
	require.Equal(t, "", res["msg"])

	require.Equal(t, "Destination /nope does not exist !", run(false, map[string]any{"path": "/nope", "line": "b"})["msg"])
	require.Equal(t, "line is required with state=present", run(false, map[string]any{"path": "/f"})["msg"])
	require.Equal(t, "regexp is required with backrefs=true", run(false, map[string]any{"path": "/f", "line": "x", "backrefs": true})["msg"])
	require.Equal(t, "one of line, search_string, or regexp is required with state=absent", run(false, map[string]any{"path": "/f", "state": "absent"})["msg"])
	require.Equal(t, "file not present", run(false, map[string]any{"path": "/nope", "state": "absent", "line": "x"})["msg"])
	res = run(false, map[string]any{"path": "/f", "line": "x", "regexp": "(?=x)"})
	require.True(t, res.Failed())
	res = run(false, map[string]any{"path": "/f", "line": "x", "regexp": ""})
	require.NotEmpty(t, res["warnings"])
}
