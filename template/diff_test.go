package template

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The differential tests run every table row through ansible-playbook once
// (debug: msg=<row> with register and ignore_errors, results read from the
// json stdout callback) and through Templar, and compare. The expected
// results are recorded in testdata/golden.json (written by -update from real
// Ansible 2.14) so the unit tests need no Ansible; TestAnsibleDiff checks the
// recording is still what Ansible says.

var update = flag.Bool("update", false, "rewrite testdata/golden.json from ansible-playbook")

const goldenPath = "testdata/golden.json"

// result is one row's outcome, from Ansible or Templar.
type result struct {
	Kind string          `json:"kind"` // "expr", "when" or "file"
	Src  string          `json:"src"`
	OK   bool            `json:"ok"`
	Val  json.RawMessage `json:"value,omitempty"`
	Msg  string          `json:"msg,omitempty"`
}

// canon re-encodes JSON so equal values compare equal while 5 and 5.0 stay distinct.
func canon(t testing.TB, raw []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "decode %s", raw)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

// toJSON encodes a Templar result the way Python's json module would.
func toJSON(t testing.TB, v any) []byte {
	var b strings.Builder
	require.NoError(t, pyJSON(&b, v, 0, true, 0))
	return []byte(b.String())
}

func fileCaseName(i int) string { return fmt.Sprintf("f%03d.j2", i) }

// writePlaybook writes the playbook for all rows into dir.
func writePlaybook(t *testing.T, dir string) string {
	t.Helper()
	enc := func(v any) string {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		require.NoError(t, e.Encode(v))
		return strings.TrimSpace(b.String())
	}
	var pb strings.Builder
	pb.WriteString("- hosts: localhost\n  gather_facts: no\n  vars: " + enc(testVars()) + "\n  tasks:\n")
	for _, c := range exprCases {
		fmt.Fprintf(&pb, "  - debug:\n      msg: %s\n    ignore_errors: true\n", enc(c))
	}
	for _, c := range whenCases {
		fmt.Fprintf(&pb, "  - debug:\n      msg: ok\n    when: %s\n    ignore_errors: true\n", enc(c))
	}
	for i, c := range fileCases {
		name := fileCaseName(i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(c.src), 0o644))
		args := map[string]any{"src": filepath.Join(dir, name), "dest": filepath.Join(dir, name+".out")}
		for k, v := range c.opts {
			args[k] = v
		}
		fmt.Fprintf(&pb, "  - template: %s\n    ignore_errors: true\n", enc(args))
		fmt.Fprintf(&pb, "  - debug:\n      msg: %s\n    ignore_errors: true\n", enc("{{ lookup('file', '"+filepath.Join(dir, name+".out")+"', rstrip=False) | string }}"))
	}
	for _, sub := range []string{"files", "templates"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
		ents, err := os.ReadDir(filepath.Join("testdata", sub))
		require.NoError(t, err)
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join("testdata", sub, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, sub, e.Name()), data, 0o644))
		}
	}
	p := filepath.Join(dir, "play.yml")
	require.NoError(t, os.WriteFile(p, []byte(pb.String()), 0o644))
	return p
}

// runAnsible runs the playbook and returns one result per row.
func runAnsible(t *testing.T) []result {
	t.Helper()
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("runs ansible-playbook for several minutes; skipped with -short")
	}
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-playbook is required when CI is set")
		}
		t.Skip("ansible-playbook not installed")
	}
	dir := t.TempDir()
	play := writePlaybook(t, dir)
	cmd := exec.Command("ansible-playbook", "-i", "localhost,", "-c", "local", play)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_DEPRECATION_WARNINGS=0", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_COMMAND_WARNINGS=0", "ANSIBLE_SYSTEM_WARNINGS=0", "ANSIBLE_ACTION_WARNINGS=0", "LANG=C.UTF-8", "OMEPROV_TEST_ENV=hello")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // failed rows make the exit status non-zero
	var out struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]json.RawMessage `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "ansible output: %s\n%s", stdout.String(), stderr.String())
	require.Len(t, out.Plays, 1)
	tasks := out.Plays[0].Tasks
	require.Len(t, tasks, len(exprCases)+len(whenCases)+2*len(fileCases), "stderr: %s", stderr.String())
	type hostRes struct {
		Failed  bool            `json:"failed"`
		Skipped bool            `json:"skipped"`
		Msg     json.RawMessage `json:"msg"`
	}
	get := func(i int) hostRes {
		var r hostRes
		require.NoError(t, json.Unmarshal(tasks[i].Hosts["localhost"], &r))
		return r
	}
	msgString := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw)
	}
	var res []result
	for i, c := range exprCases {
		r := get(i)
		if r.Failed {
			res = append(res, result{Kind: "expr", Src: c, Msg: msgString(r.Msg)})
			continue
		}
		res = append(res, result{Kind: "expr", Src: c, OK: true, Val: json.RawMessage(canon(t, r.Msg))})
	}
	for i, c := range whenCases {
		r := get(len(exprCases) + i)
		switch {
		case r.Failed:
			res = append(res, result{Kind: "when", Src: c, Msg: msgString(r.Msg)})
		default:
			res = append(res, result{Kind: "when", Src: c, OK: true, Val: json.RawMessage(fmt.Sprint(!r.Skipped))})
		}
	}
	base := len(exprCases) + len(whenCases)
	for i, c := range fileCases {
		r := get(base + 2*i)
		if r.Failed {
			res = append(res, result{Kind: "file", Src: c.src, Msg: msgString(r.Msg)})
			continue
		}
		r = get(base + 2*i + 1)
		require.False(t, r.Failed, "reading the output of file case %d", i)
		res = append(res, result{Kind: "file", Src: c.src, OK: true, Val: json.RawMessage(canon(t, r.Msg))})
	}
	return res
}

func readGolden(t *testing.T) []result {
	t.Helper()
	data, err := os.ReadFile(goldenPath)
	require.NoError(t, err, "run: go test ./template -run TestAnsibleDiff -update")
	var g []result
	require.NoError(t, json.Unmarshal(data, &g))
	return g
}

// TestAnsibleDiff checks the recorded results against the installed
// ansible-playbook (and with -update, records them).
func TestAnsibleDiff(t *testing.T) {
	live := runAnsible(t)
	if *update {
		data, err := json.MarshalIndent(live, "", " ")
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(goldenPath, append(data, '\n'), 0o644))
		return
	}
	golden := readGolden(t)
	require.Len(t, golden, len(live), "golden out of date: run with -update")
	for i := range live {
		g, l := golden[i], live[i]
		require.Equal(t, g.Src, l.Src, "golden out of date: run with -update")
		require.Equal(t, g.OK, l.OK, "row %d %q: ansible ok=%v msg=%s", i, l.Src, l.OK, l.Msg)
		if l.OK {
			require.JSONEq(t, string(g.Val), string(l.Val), "row %d %q", i, l.Src)
		}
	}
}

// ours computes Templar's result for one recorded row.
func ours(t *testing.T, tp *Templar, g result, fileOpts FileOptions) (bool, []byte, string) {
	vars := testVars()
	switch g.Kind {
	case "expr":
		var src any
		require.NoError(t, json.Unmarshal([]byte(mustJSON(t, g.Src)), &src))
		v, err := tp.Template(g.Src, vars, &Search{Dirs: []string{"testdata"}})
		if err != nil {
			return false, nil, err.Error()
		}
		return true, toJSON(t, v), ""
	case "when":
		ok, err := tp.Conditional(g.Src, vars, &Search{Dirs: []string{"testdata"}})
		if err != nil {
			return false, nil, err.Error()
		}
		return true, []byte(fmt.Sprint(ok)), ""
	}
	out, err := tp.RenderFile(g.Src, vars, &Search{Dirs: []string{"testdata"}}, fileOpts)
	if err != nil {
		return false, nil, err.Error()
	}
	return true, toJSON(t, out), ""
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestGolden compares Templar with the recorded Ansible results.
func TestGolden(t *testing.T) {
	golden := readGolden(t)
	tp := New(Options{Seed: 1, Getenv: testGetenv})
	bad, fileIdx := 0, 0
	for i, g := range golden {
		var fo FileOptions
		if g.Kind == "file" {
			require.Less(t, fileIdx, len(fileCases))
			fo = fileCases[fileIdx].fileOptions()
			fileIdx++
		}
		ok, val, msg := ours(t, tp, g, fo)
		switch {
		case ok != g.OK:
			bad++
			t.Errorf("row %d %s %q: ansible ok=%v (%s %s), omeprov ok=%v (%s %s)", i, g.Kind, g.Src, g.OK, g.Val, short(g.Msg), ok, val, msg)
		case ok && canon(t, val) != canon(t, g.Val):
			bad++
			t.Errorf("row %d %s %q:\n ansible: %s\n omeprov: %s", i, g.Kind, g.Src, g.Val, val)
		case !ok && g.Msg != "" && !strings.Contains(normalizeMsg(g.Msg), msg) && !knownMsgDiff(msg) &&
			!strings.HasPrefix(g.Msg, "the field 'args' has an invalid value"):
			bad++
			t.Errorf("row %d %s %q: error messages differ:\n ansible: %s\n omeprov: %s", i, g.Kind, g.Src, short(g.Msg), msg)
		}
	}
	t.Logf("%d rows, %d differ", len(golden), bad)
}

// knownMsgDiff accepts omeprov errors whose text is not Ansible's, for
// failures where only the fact of failing is compared (Jinja2 parser
// wording, Python exception text).
func knownMsgDiff(msg string) bool {
	return strings.HasPrefix(msg, "Invalid conditional detected")
}

// normalizeMsg maps the Python class names of values loaded from YAML
// (which omeprov does not track) to the plain ones.
func normalizeMsg(s string) string {
	return strings.NewReplacer("'ansible.parsing.yaml.objects.AnsibleUnicode object'", "'str object'",
		"'AnsibleUnicode'", "'str'").Replace(s)
}

func short(s string) string {
	if i := strings.Index(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

var _ = reflect.DeepEqual

func testGetenv(name string) string {
	if name == "OMEPROV_TEST_ENV" {
		return "hello"
	}
	return ""
}
