package modules

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

type fsBlockCase struct {
	Content      *string `json:"content"`
	State        string  `json:"state"`
	Block        string  `json:"block"`
	Marker       string  `json:"marker"`
	Begin        string  `json:"marker_begin"`
	End          string  `json:"marker_end"`
	InsertAfter  *string `json:"insertafter"`
	InsertBefore *string `json:"insertbefore"`
}

// TestBlockinfileAgreesWithAnsible runs every case through ansible-core's
// blockinfile main() (check mode, with a stand-in AnsibleModule) and
// through blockinfileContent.
func TestBlockinfileAgreesWithAnsible(t *testing.T) {
	const m = "# {mark} ANSIBLE MANAGED BLOCK"
	contents := []*string{nil, fsp(""), fsp("a\nb\nc\n"), fsp("a\nb\nc"), fsp("x\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\ny\n"),
		fsp("# END ANSIBLE MANAGED BLOCK\nmid\n# BEGIN ANSIBLE MANAGED BLOCK\n"), fsp("# BEGIN ANSIBLE MANAGED BLOCK\nonly begin\n"), fsp("a\r\nb\r\n"), fsp("a\nb\na\n")}
	type opt struct {
		state, block, marker, begin, end string
		ia, ib                           *string
	}
	opts := []opt{
		{"present", "new", m, "BEGIN", "END", nil, nil},
		{"present", "new\nlines\n", m, "BEGIN", "END", nil, nil},
		{"present", "old", m, "BEGIN", "END", nil, nil},
		{"present", "", m, "BEGIN", "END", nil, nil},
		{"absent", "x", m, "BEGIN", "END", nil, nil},
		{"present", "new", m, "BEGIN", "END", fsp("^a"), nil},
		{"present", "new", m, "BEGIN", "END", nil, fsp("^a")},
		{"present", "new", m, "BEGIN", "END", nil, fsp("BOF")},
		{"present", "new", m, "BEGIN", "END", fsp("EOF"), nil},
		{"present", "new", m, "BEGIN", "END", fsp("nomatch"), nil},
		{"present", "new", m, "BEGIN", "END", nil, fsp("nomatch")},
		{"present", "new", m, "BEGIN", "END", fsp(`(?m)^a\nb`), nil},
		{"present", "new", m, "BEGIN", "END", nil, fsp(`(?m)^b\nc`)},
		{"present", "new", "<!-- {mark} -->", "S", "E", nil, nil},
		{"present", "v", "; {mark} {mark}", "BEGIN", "END", fsp("^b"), nil},
	}
	var cases []fsBlockCase
	for _, c := range contents {
		for _, o := range opts {
			cases = append(cases, fsBlockCase{Content: c, State: o.state, Block: o.block, Marker: o.marker, Begin: o.begin, End: o.end, InsertAfter: o.ia, InsertBefore: o.ib})
		}
	}
	script := fsPyModuleMock + `
from ansible.modules import blockinfile as B
out = []
for c in json.load(sys.stdin):
    path = tmpfile(c['content'])
    params = {'path': path, 'state': c['state'], 'marker': c['marker'], 'block': c['block'], 'insertafter': c['insertafter'],
              'insertbefore': c['insertbefore'], 'create': True, 'backup': False, 'validate': None,
              'marker_begin': c['marker_begin'], 'marker_end': c['marker_end'], 'unsafe_writes': False}
    B.AnsibleModule = lambda **kw: M(params)
    try:
        B.main()
        out.append(None)
    except Exit as e:
        kind, kw = e.args[0]
        out.append({'changed': kw.get('changed', False), 'msg': kw.get('msg'), 'after': first_diff(kw.get('diff'))})
    except TypeError as e:
        out.append({'crash': str(e)})  # ansible-core 2.14 crashes on (?m) with a missing file
    if os.path.exists(path):
        os.unlink(path)
print(json.dumps(out))
`
	type pyResult struct {
		Changed bool    `json:"changed"`
		Msg     string  `json:"msg"`
		After   *string `json:"after"`
		Crash   string  `json:"crash"`
	}
	var want []*pyResult
	fsAnsiblePython(t, script, cases, &want)
	require.Len(t, want, len(cases))
	for i, c := range cases {
		w := want[i]
		require.NotNil(t, w, "%+v", c)
		if w.Crash != "" {
			continue
		}
		if c.State == "absent" && c.Content == nil {
			require.False(t, w.Changed)
			continue
		}
		out, err := blockinfileContent(c.Content, blockOpts{Present: c.State == "present", Block: c.Block, Marker: c.Marker,
			MarkerBegin: c.Begin, MarkerEnd: c.End, InsertAfter: c.InsertAfter, InsertBefore: c.InsertBefore})
		require.NoError(t, err, "%+v", c)
		require.NotNil(t, w.After, "%+v", c)
		require.Equal(t, *w.After, out, "%+v", c)
		changed := c.Content == nil || *c.Content != out
		require.Equal(t, w.Changed, changed, "%+v", c)
	}
}

func TestBlockinfileModuleDecisions(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{"/b": "a\n"})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runBlockinfile(ctx, &Task{Module: "blockinfile", Conn: host, Check: check, Diff: true, Args: args})
		require.NoError(t, err)
		return res
	}
	res := run(true, map[string]any{"path": "/b", "block": "x"})
	require.True(t, res.Changed())
	require.Equal(t, "Block inserted", res["msg"])
	require.Equal(t, "a\n", host.files["/b"])
	res = run(false, map[string]any{"path": "/b", "block": "x"})
	require.True(t, res.Changed())
	require.Equal(t, "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", host.files["/b"])
	require.False(t, run(false, map[string]any{"path": "/b", "block": "x"}).Changed())
	res = run(false, map[string]any{"path": "/b", "state": "absent"})
	require.Equal(t, "Block removed", res["msg"])
	require.Equal(t, "a\n", host.files["/b"])
	require.Equal(t, "Path /none does not exist !", run(false, map[string]any{"path": "/none", "block": "x"})["msg"])
	require.True(t, run(false, map[string]any{"path": "/b", "block": "x", "insertafter": "(?<=a)"}).Failed())
}
