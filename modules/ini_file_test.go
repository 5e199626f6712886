package modules

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

type fsIniCase struct {
	Content       *string  `json:"content"`
	Section       *string  `json:"section"`
	Option        *string  `json:"option"`
	Values        []string `json:"values"`
	State         string   `json:"state"`
	Exclusive     bool     `json:"exclusive"`
	NoExtraSpaces bool     `json:"no_extra_spaces"`
	AllowNoValue  bool     `json:"allow_no_value"`
}

// TestIniContentAgreesWithAnsible runs every case through
// community.general's ini_file do_ini (check mode, stand-in module) and
// through iniContent.
func TestIniContentAgreesWithAnsible(t *testing.T) {
	contents := []*string{nil, fsp(""), fsp("[s]\nk = v\n"), fsp("[s]\nk=v\n# k = old\n\n[t]\nk = t\n"), fsp("top = 1\n[s]\n;k = c\nk\n"),
		fsp("[s]\nk = a\nk = b\nk = c\n"), fsp("[s]\nk = v"), fsp("\ufeff[s]\nk = v\n"), fsp("[s]\n\n# trailing comment\n\n[u]\n")}
	type opt struct {
		section, option *string
		values          []string
		state           string
		excl, nes, anv  bool
	}
	opts := []opt{
		{fsp("s"), fsp("k"), []string{"v"}, "present", true, false, false},
		{fsp("s"), fsp("k"), []string{"new"}, "present", true, false, false},
		{fsp("s"), fsp("k"), []string{"new"}, "present", true, true, false},
		{fsp("s"), fsp("n"), []string{"1"}, "present", true, false, false},
		{fsp("s"), fsp("k"), []string{"a", "c", "d"}, "present", true, false, false},
		{fsp("s"), fsp("k"), []string{"a", "d"}, "present", false, false, false},
		{fsp("s"), fsp("k"), nil, "present", true, false, true},
		{fsp("s"), fsp("flag"), nil, "present", true, false, true},
		{fsp("new"), fsp("k"), []string{"v"}, "present", true, false, false},
		{fsp("new"), nil, nil, "present", true, false, false},
		{nil, fsp("top"), []string{"2"}, "present", true, false, false},
		{fsp("s"), fsp("k"), nil, "absent", true, false, false},
		{fsp("s"), fsp("k"), []string{"b"}, "absent", false, false, false},
		{fsp("s"), nil, nil, "absent", true, false, false},
		{fsp("t"), nil, nil, "absent", true, false, false},
		{fsp("nosuch"), fsp("k"), nil, "absent", true, false, false},
	}
	var cases []fsIniCase
	for _, c := range contents {
		for _, o := range opts {
			cases = append(cases, fsIniCase{Content: c, Section: o.section, Option: o.option, Values: o.values, State: o.state, Exclusive: o.excl, NoExtraSpaces: o.nes, AllowNoValue: o.anv})
		}
	}
	script := fsPyModuleMock + `
from ansible_collections.community.general.plugins.modules import ini_file as I
out = []
for c in json.load(sys.stdin):
    path = tmpfile(c['content'])
    changed, backup, diff, msg = I.do_ini(M(), path, c['section'], c['option'], c['values'] or [], c['state'], c['exclusive'], False, c['no_extra_spaces'], True, c['allow_no_value'])
    out.append({'changed': changed, 'msg': msg, 'after': diff['after']})
    if os.path.exists(path):
        os.unlink(path)
print(json.dumps(out))
`
	type pyResult struct {
		Changed bool   `json:"changed"`
		Msg     string `json:"msg"`
		After   string `json:"after"`
	}
	var want []pyResult
	fsAnsiblePython(t, script, cases, &want)
	require.Len(t, want, len(cases))
	for i, c := range cases {
		content := ""
		if c.Content != nil {
			content = *c.Content
		}
		out, changed, msg := iniContent(content, iniOpts{Section: c.Section, Option: c.Option, Values: c.Values, Present: c.State == "present",
			Exclusive: c.Exclusive, NoExtraSpaces: c.NoExtraSpaces, AllowNoValue: c.AllowNoValue})
		require.Equal(t, want[i].After, out, "%q %+v", content, c)
		require.Equal(t, want[i].Changed, changed, "%q %+v", content, c)
		require.Equal(t, want[i].Msg, msg, "%q %+v", content, c)
	}
}

func TestIniFileModuleDecisions(t *testing.T) {
	ctx := context.Background()
	host := newFSFakeHost(map[string]string{"/i.ini": "[s]\nk = v\n"})
	run := func(check bool, args map[string]any) Result {
		t.Helper()
		res, err := runIniFile(ctx, &Task{Module: "ini_file", Conn: host, Check: check, Diff: true, Args: args})
		require.NoError(t, err)
		return res
	}
	res := run(true, map[string]any{"path": "/i.ini", "section": "s", "option": "k", "value": "w"})
	require.True(t, res.Changed())
	require.Equal(t, "[s]\nk = v\n", host.files["/i.ini"])
	require.Equal(t, "/i.ini", res["path"])
	res = run(false, map[string]any{"path": "/i.ini", "section": "s", "option": "k", "value": "w"})
	require.True(t, res.Changed())
	require.Equal(t, "[s]\nk = w\n", host.files["/i.ini"])
	res = run(false, map[string]any{"path": "/i.ini", "section": "s", "option": "k", "value": "w"})
	require.False(t, res.Changed())
	require.Equal(t, "OK", res["msg"])
	require.Equal(t, "Parameter 'value(s)' must be defined if state=present and allow_no_value=False.", run(false, map[string]any{"path": "/i.ini", "section": "s", "option": "k"})["msg"])
	require.Equal(t, "Destination /none.ini does not exist!", run(false, map[string]any{"path": "/none.ini", "section": "s", "option": "k", "value": "v", "create": false})["msg"])
}
