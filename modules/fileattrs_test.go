package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

// fsFakeHost is a tiny host for module decision tests: regular files in a
// map, a shell that answers the stat script for them, and a record of
// every command. Any other command fails with 127.
type fsFakeHost struct {
	files map[string]string
	cmds  []string
	puts  int
}

func newFSFakeHost(files map[string]string) *fsFakeHost { return &fsFakeHost{files: files} }

func fsUnquote(s string) string {
	if strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'") {
		return strings.ReplaceAll(s[1:len(s)-1], `'"'"'`, "'")
	}
	return s
}

func (h *fsFakeHost) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	h.cmds = append(h.cmds, cmd)
	if strings.HasPrefix(cmd, "p=") && strings.HasSuffix(cmd, "\n"+fsStatScript) {
		p := fsUnquote(strings.TrimSuffix(strings.TrimPrefix(cmd, "p="), "\n"+fsStatScript))
		if c, ok := h.files[p]; ok {
			return &connection.Result{Stdout: []byte(fmt.Sprintf("G 81a4 0 0 %d 1 2 3 4 5 6 0022 root root\nT 81a4\n", len(c)))}, nil
		}
		if _, ok := h.files[p+"/"]; ok || p == "/" {
			return &connection.Result{Stdout: []byte("G 41ed 0 0 4096 2 2 3 4 5 6 0022 root root\nT 41ed\n")}, nil
		}
		return &connection.Result{Stdout: []byte("absent 0022\n")}, nil
	}
	// attribute changes are accepted (and recorded)
	if strings.HasPrefix(cmd, "chmod ") || strings.HasPrefix(cmd, "chown ") || strings.HasPrefix(cmd, "chgrp ") {
		return &connection.Result{}, nil
	}
	// fsChecksum's script
	if strings.HasPrefix(cmd, "p=") && strings.Contains(cmd, "sha1sum") {
		p := fsUnquote(strings.TrimPrefix(cmd[:strings.Index(cmd, ";")], "p="))
		if c, ok := h.files[p]; ok {
			return &connection.Result{Stdout: []byte(fsSHA1([]byte(c)) + "  -\n")}, nil
		}
		return &connection.Result{}, nil
	}
	return &connection.Result{ExitCode: 127, Stderr: []byte("fsFakeHost: unexpected command")}, nil
}

func (h *fsFakeHost) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	h.files[path] = string(b)
	h.puts++
	return nil
}

func (h *fsFakeHost) GetFile(ctx context.Context, path string, become *connection.Become) ([]byte, error) {
	c, ok := h.files[path]
	if !ok {
		return nil, os.ErrNotExist
	}
	return []byte(c), nil
}

func (h *fsFakeHost) Close() error { return nil }

func TestSymbolicMode(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		cur   uint32
		dir   bool
		umask uint32
		want  uint32
	}{
		{"u+x", 0o644, false, 0o022, 0o744},
		{"u=rwx,g=rx,o=", 0o666, false, 0o022, 0o750},
		{"a-w", 0o777, false, 0o022, 0o555},
		{"+w", 0o444, false, 0o022, 0o644}, // no users: the umask masks
		{"go=u", 0o700, false, 0o022, 0o777},
		{"g+X", 0o644, false, 0o022, 0o644}, // X: no x anywhere, not a dir
		{"g+X", 0o744, false, 0o022, 0o754},
		{"o+X", 0o700, true, 0o022, 0o701},
		{"u+s,g+s,o+t", 0o755, true, 0o022, 0o7755},
		{"u=rw,g-r+w", 0o644, false, 0o022, 0o624},
		{"u=", 0o4755, false, 0o022, 0o055}, // = clears setuid too
	} {
		got, err := fsSymbolicMode(tc.spec, tc.cur, tc.dir, tc.umask)
		require.NoError(t, err, tc.spec)
		require.Equal(t, fmt.Sprintf("%04o", tc.want), fmt.Sprintf("%04o", got), "%s on %04o", tc.spec, tc.cur)
	}
	for _, bad := range []string{"u+q", "z+x", "u", "", "u+x,", "rwx"} {
		_, err := fsSymbolicMode(bad, 0o644, false, 0o022)
		require.Error(t, err, bad)
	}
}

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		mode any
		want uint32
	}{
		{420, 0o644}, // YAML 0644 read as octal
		{"0644", 0o644},
		{"644", 0o644},
		{"2755", 0o2755},
		{644, 0o1204}, // an unquoted 644 is decimal, as in Ansible
		{int64(0o600), 0o600},
		{float64(0o600), 0o600},
		{"u+x", 0o744},
	} {
		got, ok, err := fsParseMode(tc.mode, 0o644, false, 0o022)
		require.NoError(t, err, "%v", tc.mode)
		require.True(t, ok)
		require.Equal(t, tc.want, got, "%v", tc.mode)
	}
	_, ok, err := fsParseMode(nil, 0o644, false, 0o022)
	require.NoError(t, err)
	require.False(t, ok)
	for _, bad := range []any{"", "99999", -1, 0o17777, "u+q", []any{1}, true} {
		_, _, err := fsParseMode(bad, 0o644, false, 0o022)
		require.Error(t, err, "%v", bad)
	}
}

func TestParseStat(t *testing.T) {
	f, err := fsParseStat("/x", "G 81ed 0 50 12 2 99 2049 1 2 3 0022 root staff\nT 81ed\n")
	require.NoError(t, err)
	require.True(t, f.Exists)
	require.Equal(t, "file", f.Type)
	require.Equal(t, uint32(0o755), f.Mode)
	require.Equal(t, 50, f.Gid)
	require.Equal(t, "staff", f.Group)
	require.Equal(t, "hard", f.state(), "nlink 2")
	require.Equal(t, uint32(0o022), f.Umask)

	// BSD stat prints the mode in octal
	f, err = fsParseStat("/l", "B 120755 501 20 5 1 99 16777220 1 2 3 0022 me staff\nT 40755\nL /tmp\n")
	require.NoError(t, err)
	require.Equal(t, "link", f.Type)
	require.Equal(t, "directory", f.TargetType)
	require.Equal(t, "/tmp", f.Target)
	require.True(t, f.IsDir())

	// a dangling link
	f, err = fsParseStat("/d", "G a1ff 0 0 3 1 1 1 1 1 1 0022 root root\nT -\nL nowhere\n")
	require.NoError(t, err)
	require.Equal(t, "", f.TargetType)
	r := Result{}
	fsPathInfo(r, f)
	require.Empty(t, r, "a dangling link has no path info, as os.path.exists says")

	f, err = fsParseStat("/n", "absent 0077\n")
	require.NoError(t, err)
	require.False(t, f.Exists)
	require.Equal(t, "absent", f.state())
	require.Equal(t, uint32(0o077), f.Umask)

	for _, bad := range []string{"", "garbage", "G zz 0 0 0 1 1 1 1 1 1 0022 a b", "G 81a4 0"} {
		_, err := fsParseStat("/b", bad)
		require.Error(t, err, bad)
	}
}

func TestParseStatUmaskLine(t *testing.T) {
	f, err := fsParseStat("/x", "U 0027\nG 81ed 0 50 12 2 99 2049 1 2 3 root staff\n")
	require.NoError(t, err)
	require.Equal(t, "file", f.Type)
	require.Equal(t, "file", f.TargetType)
	require.Equal(t, uint32(0o027), f.Umask)
	require.Equal(t, "root", f.Owner)
	require.Equal(t, "staff", f.Group)
	f, err = fsParseStat("/l", "U 0022\nB 120755 501 20 5 1 99 16777220 1 2 3 me staff\nT 40755\nL /tmp\n")
	require.NoError(t, err)
	require.Equal(t, "directory", f.TargetType)
	require.Equal(t, "me", f.Owner)
	_, err = fsParseStat("/u", "U 0022\n")
	require.Error(t, err)
}

// TestStatScriptOnThisHost runs fsStatScript with this machine's /bin/sh
// and stat on each kind of path.
func TestStatScriptOnThisHost(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/f", []byte("abc"), 0o640))
	require.NoError(t, os.Mkdir(dir+"/d", 0o750))
	require.NoError(t, os.Symlink("d", dir+"/l"))
	require.NoError(t, os.Symlink("nowhere", dir+"/dangling"))
	look := func(p string) *fsInfo {
		out, err := exec.Command("/bin/sh", "-c", fsStatCommand(p)).Output()
		require.NoError(t, err, p)
		f, err := fsParseStat(p, string(out))
		require.NoError(t, err, "%s: %q", p, out)
		return f
	}
	f := look(dir + "/f")
	require.Equal(t, "file", f.Type)
	require.Equal(t, uint32(0o640), f.Mode)
	require.Equal(t, int64(3), f.Size)
	require.Equal(t, "root", f.Owner)
	f = look(dir + "/d")
	require.Equal(t, "directory", f.Type)
	require.Equal(t, uint32(0o750), f.Mode)
	f = look(dir + "/l")
	require.Equal(t, "link", f.Type)
	require.Equal(t, "directory", f.TargetType)
	require.Equal(t, "d", f.Target)
	f = look(dir + "/dangling")
	require.Equal(t, "link", f.Type)
	require.Equal(t, "", f.TargetType)
	require.Equal(t, "nowhere", f.Target)
	f = look(dir + "/it's \"absent\"; $(x)")
	require.False(t, f.Exists)
}

func TestParseTreeSkipsWhatItCannotRead(t *testing.T) {
	out := "G 41ed 0 0 4096 2 1 1 1 1 1 0 root root /r/a dir\nnonsense\nG 81a4 0 0 1 1 2 1 1 1 1 0 root root /r/a dir/f\n"
	files := fsParseTree(out)
	require.Len(t, files, 2)
	require.Equal(t, "/r/a dir", files[0].Path, "names may have spaces")
	require.Equal(t, "directory", files[0].Type)
	require.Equal(t, "/r/a dir/f", files[1].Path)
}

func TestWalkListFollowsOsWalkOrder(t *testing.T) {
	mk := func(p, typ string) *fsInfo { return &fsInfo{Path: p, Type: typ, Exists: true} }
	// find's depth-first order
	entries := []*fsInfo{mk("/r/a", "directory"), mk("/r/a/x", "file"), mk("/r/a/b", "directory"), mk("/r/f", "file"), mk("/r/c", "directory")}
	got := walkList("/r", entries)
	require.Equal(t, []any{"/r/a", "/r/c", "/r/a/b"}, got["directories"])
	require.Equal(t, []any{"/r/f", "/r/a/x"}, got["files"])
}

func TestShellPathQuotes(t *testing.T) {
	require.Equal(t, `'a b; rm -rf /'`, fsShellPath("a b; rm -rf /"))
	require.Equal(t, `"$HOME"/'x y'`, fsShellPath("~/x y"))
	require.Equal(t, `"$HOME"`, fsShellPath("~"))
	require.Equal(t, `'~user/x'`, fsShellPath("~user/x"))
}

func TestFileArgs(t *testing.T) {
	a := fileArgs{"s": "x", "n": nil, "b": "yes", "bf": "off", "i": "12", "l": "a, b", "la": []any{"x", 1, nil}, "weird": []int{1}}
	s, ok := a.str("s")
	require.True(t, ok)
	require.Equal(t, "x", s)
	_, ok = a.str("n")
	require.False(t, ok)
	require.Nil(t, a.opt("n"))
	require.True(t, a.boolean("b", false))
	require.False(t, a.boolean("bf", true))
	require.True(t, a.boolean("missing", true))
	require.Equal(t, 12, a.integer("i", 0))
	require.Equal(t, 5, a.integer("s", 5))
	require.Equal(t, []string{"a", "b"}, a.list("l"))
	require.Equal(t, []string{"x", "1"}, a.list("la"))
	require.Equal(t, []string{"[1]"}, a.list("weird"))
	require.Equal(t, strconv.Itoa(3), "3")
}

func TestDictDiffIsAnsibleJSON(t *testing.T) {
	d := fsDictDiff(map[string]any{"path": "/a<b", "state": "absent"}, map[string]any{"state": "file", "path": "/a<b"})
	require.Equal(t, "{\n    \"path\": \"/a<b\",\n    \"state\": \"absent\"\n}\n", d.Before)
}

// TestSymbolicModeAgreesWithAnsible runs the same symbolic modes through
// AnsibleModule._symbolic_mode_to_octal of the installed ansible-core.
func TestSymbolicModeAgreesWithAnsible(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import ansible.module_utils.basic").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("needs ansible-core for /usr/bin/python3")
		}
		t.Skip("needs ansible-core for /usr/bin/python3")
	}
	type tc struct {
		Spec  string `json:"spec"`
		Cur   uint32 `json:"cur"`
		Dir   bool   `json:"dir"`
		Umask uint32 `json:"umask"`
	}
	var cases []tc
	for _, spec := range []string{"u+x", "u=rwx,g=rx,o=", "a-w", "+w", "=r", "-x", "go=u", "g+X", "o+X", "a+X", "u+s,g+s,o+t", "u=rw,g-r+w", "u=", "g=o", "o=g-w", "ug+rw,o-rwx", "a=rwx,a-x", "u+xs", "=rwX"} {
		for _, cur := range []uint32{0o644, 0o755, 0o4755, 0o600, 0o000, 0o7777} {
			for _, dir := range []bool{false, true} {
				for _, umask := range []uint32{0o022, 0o077} {
					cases = append(cases, tc{spec, cur, dir, umask})
				}
			}
		}
	}
	in, _ := json.Marshal(cases)
	script := `import json, os, stat, sys
from ansible.module_utils.basic import AnsibleModule
class St:
    pass
out = []
for c in json.loads(sys.stdin.read()):
    st = St()
    st.st_mode = c["cur"] | (stat.S_IFDIR if c["dir"] else stat.S_IFREG)
    os.umask(c["umask"])
    out.append(AnsibleModule._symbolic_mode_to_octal(st, c["spec"]))
print(json.dumps(out))`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []uint32
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(cases))
	for i, c := range cases {
		got, err := fsSymbolicMode(c.Spec, c.Cur, c.Dir, c.Umask)
		require.NoError(t, err, "%+v", c)
		require.Equal(t, fmt.Sprintf("%04o", want[i]), fmt.Sprintf("%04o", got), "%+v", c)
	}
}

// fsAnsiblePython runs script with the system python3 and the installed
// ansible-core (and community.general) importable, input on stdin, and
// decodes its JSON output into out. It skips (fails under CI) without
// them.
func fsAnsiblePython(t *testing.T, script string, input, out any) {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import ansible.module_utils.basic, ansible_collections.community.general").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("needs ansible (ansible-core and community.general) for /usr/bin/python3")
		}
		t.Skip("needs ansible (ansible-core and community.general) for /usr/bin/python3")
	}
	in, err := json.Marshal(input)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.NoError(t, json.Unmarshal(b, out), string(b))
}

// fsPyModuleMock is Python source for a stand-in AnsibleModule: check mode
// and diff on, exit_json and fail_json raise Exit with their arguments,
// attributes never change.
const fsPyModuleMock = `import json, os, sys, tempfile
class Exit(Exception):
    pass
class M:
    check_mode = True
    _diff = True
    tmpdir = tempfile.gettempdir()
    def __init__(self, params=None):
        self.params = params or {'validate': None, 'unsafe_writes': False}
    def fail_json(self, **kw): raise Exit(('fail', kw))
    def exit_json(self, **kw): raise Exit(('exit', kw))
    def load_file_common_arguments(self, p, path=None): return {}
    def set_fs_attributes_if_different(self, *a, **k): return False
    def set_file_attributes_if_different(self, *a, **k): return False
    def warn(self, m): pass
    def boolean(self, v): return bool(v)
def tmpfile(content):
    if content is None:
        d = tempfile.mkdtemp()
        return os.path.join(d, 'absent')
    fd, path = tempfile.mkstemp()
    os.write(fd, content.encode())
    os.close(fd)
    return path
def first_diff(d):
    if isinstance(d, list):
        d = d[0]
    if d is None:
        return None
    a = d.get('after')
    return a.decode() if isinstance(a, bytes) else a
`

// FuzzFileComputations feeds arbitrary text to the pure functions of the
// file modules: none may panic.
func FuzzFileComputations(f *testing.F) {
	f.Add("a\nb\n", `^(a)$`, `\1x\g<1>`, "u+x,g=o")
	f.Add("", "", "", "")
	f.Add("[s]\nk = v", `(?m)^k`, `\g<`, "=rwX")
	f.Add("G 81a4 0 0 1 1 1 1 1 1 1 0022 a b\nT 81a4\nL x", `[`, `\`, "a+st,-")
	f.Fuzz(func(t *testing.T, content, pattern, repl, mode string) {
		o := lineOpts{Regexp: &pattern, Line: repl, Backrefs: true}
		_, _, _, _ = lineinfilePresent(content, o)
		_, _, _, _ = lineinfilePresent(content, lineOpts{InsertBefore: &pattern, Line: repl, FirstMatch: true})
		_, _, _ = lineinfileAbsent(content, lineOpts{SearchString: &pattern})
		_, _ = blockinfileContent(&content, blockOpts{Present: true, Block: repl, Marker: pattern, MarkerBegin: "B", MarkerEnd: "E", InsertAfter: &pattern})
		_, _, _ = iniContent(content, iniOpts{Section: &pattern, Option: &repl, Values: []string{mode}, Present: true, Exclusive: true})
		_, _, _ = iniContent(content, iniOpts{Section: &pattern, Option: &repl, Values: []string{mode}, AllowNoValue: true})
		_, _ = replaceContent(content, pattern, repl, mode, "")
		_, _ = fsSymbolicMode(mode, 0o644, true, 0o022)
		_, _, _ = fsParseMode(mode, 0o644, false, 0o022)
		_, _ = fsParseStat("/p", content)
		_ = fsParseTree(content)
		_ = findGlobRegexp(pattern).MatchString(content)
		_, _ = fetchDest(pattern, "h", repl, false)
	})
}
