package modules_test

// Real-host tests of the file modules: they run through connection.Local()
// on temporary directories, and compare omeprov with ansible-playbook
// (-c local) on the same tasks: the resulting file trees, the changed
// flags of a first run, a second run and a --check run, and the result
// keys. They need root (chown, become) and ansible-playbook; without them
// they skip, or fail when CI is set.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// fsNeed skips t when the tools are missing, or fails it when CI is set.
func fsNeed(t *testing.T, root bool, tools ...string) {
	t.Helper()
	why := ""
	if root && os.Geteuid() != 0 {
		why = "needs root"
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			why = "needs " + tool
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// fsRunLocal validates args with the module's Spec, as the engine does, and
// runs the module on this machine.
func fsRunLocal(t *testing.T, ctl *modtest.Controller, module string, args map[string]any, check, diff bool, become *connection.Become) modules.Result {
	t.Helper()
	e, ok := modules.Lookup(module)
	require.True(t, ok, module)
	v, err := modules.Validate(module, e.Spec, args)
	require.NoError(t, err, "%s %v", module, args)
	if ctl == nil {
		ctl = &modtest.Controller{}
	}
	task := &modules.Task{Name: module, Module: module, Args: v, Conn: connection.Local(), Check: check, Diff: diff, Ctl: ctl, Host: "localhost", Become: become}
	res, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err, "%s %v", module, args)
	return res
}

// fsAnsibleTask is one task of an agreement case; string values starting
// with DIR/ are rooted in the case's directory.
type fsAnsibleTask struct {
	Module string
	Args   map[string]any
}

type fsAgreementCase struct {
	name  string
	setup map[string]string // relative path -> content ("" with a trailing / for a directory, "->x" for a link)
	tasks []fsAnsibleTask
}

func fsRootArgs(v any, dir string) any {
	switch x := v.(type) {
	case string:
		if x == "DIR" || strings.HasPrefix(x, "DIR/") {
			return dir + x[3:]
		}
		return x
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = fsRootArgs(e, dir)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fsRootArgs(e, dir)
		}
		return out
	}
	return v
}

func fsMakeTree(t *testing.T, dir string, setup map[string]string) {
	t.Helper()
	names := make([]string, 0, len(setup))
	for n := range setup {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		c := setup[n]
		switch {
		case strings.HasSuffix(n, "/"):
			require.NoError(t, os.MkdirAll(p, 0o755))
		case strings.HasPrefix(c, "->"):
			require.NoError(t, os.Symlink(c[2:], p))
		default:
			require.NoError(t, os.WriteFile(p, []byte(c), 0o644))
		}
	}
}

var fsBackupName = regexp.MustCompile(`\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$`)

// fsSnapshot describes a tree: path -> type, mode, owner, content or target.
func fsSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = fsBackupName.ReplaceAllString(rel, ".BACKUP~")
		rel = strings.ReplaceAll(rel, strings.TrimPrefix(dir, "/"), "DIR") // fetch's dest/host/src
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v", fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + strings.ReplaceAll(target, dir, "DIR")
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			desc += fmt.Sprintf(" %q", b)
		}
		out[rel] = desc
		return nil
	})
	require.NoError(t, err)
	return out
}

// fsAnsibleInternal are result keys only Ansible's machinery adds.
var fsAnsibleInternal = map[string]bool{"invocation": true, "_ansible_no_log": true, "action": true, "ansible_facts": true, "warnings": true, "deprecations": true, "diff": true, "_ansible_verbose_always": true}

func fsResultKeys(r map[string]any) []string {
	var keys []string
	for k := range r {
		if !fsAnsibleInternal[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// fsRunAnsible runs the tasks of the cases (each in its directory) in one
// playbook and returns the per-task results in order. It may run in its
// own goroutine, so it reports errors instead of failing t.
func fsRunAnsible(cases []fsAgreementCase, dirs []string, tmp string, extra ...string) ([]map[string]any, error) {
	var tasks []map[string]any
	for i, c := range cases {
		for _, tk := range c.tasks {
			tasks = append(tasks, map[string]any{"name": c.name, tk.Module: fsRootArgs(tk.Args, dirs[i]), "ignore_errors": true})
		}
	}
	play := []map[string]any{{"hosts": "all", "gather_facts": false, "tasks": tasks}}
	b, err := json.Marshal(play)
	if err != nil {
		return nil, err
	}
	pb := filepath.Join(tmp, "play.yml")
	if err := os.WriteFile(pb, b, 0o644); err != nil {
		return nil, err
	}
	args := append([]string{"-i", "localhost,", "-c", "local", pb}, extra...)
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3", "ANSIBLE_PIPELINING=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // failed tasks give a non-zero exit; results are in the JSON
	var out struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out.Plays) != 1 {
		return nil, fmt.Errorf("ansible-playbook: %v: %s %s", err, stdout.String(), stderr.String())
	}
	var results []map[string]any
	for _, tk := range out.Plays[0].Tasks {
		results = append(results, tk.Hosts["localhost"])
	}
	if len(results) != len(tasks) {
		return nil, fmt.Errorf("ansible-playbook gave %d results for %d tasks", len(results), len(tasks))
	}
	return results, nil
}

func fsAgreementCases() []fsAgreementCase {
	return []fsAgreementCase{
		{name: "file directory with mode", tasks: []fsAnsibleTask{
			{"file", map[string]any{"path": "DIR/a/b/c", "state": "directory", "mode": "0750"}},
			{"file", map[string]any{"path": "DIR/a/b/c", "state": "directory", "mode": "u=rwx,g=rx,o="}},
		}},
		{name: "file touch, symbolic mode, link, hard, absent", setup: map[string]string{"keep": "k\n"}, tasks: []fsAnsibleTask{
			{"file", map[string]any{"path": "DIR/t", "state": "touch", "mode": 0o600}},
			{"file", map[string]any{"path": "DIR/keep", "mode": "g+w,o-r"}},
			{"file", map[string]any{"path": "DIR/l", "state": "link", "src": "keep"}},
			{"file", map[string]any{"path": "DIR/h", "state": "hard", "src": "DIR/keep"}},
			{"file", map[string]any{"path": "DIR/t", "state": "absent"}},
			{"file", map[string]any{"path": "DIR/never", "state": "absent"}},
		}},
		{name: "file errors", setup: map[string]string{"f": "x"}, tasks: []fsAnsibleTask{
			{"file", map[string]any{"path": "DIR/missing", "state": "file"}},
			{"file", map[string]any{"path": "DIR/f", "state": "directory"}},
			{"file", map[string]any{"path": "DIR/f", "state": "link", "src": "elsewhere"}},
			{"file", map[string]any{"path": "DIR/f", "mode": "u+q"}},
		}},
		{name: "file recurse", setup: map[string]string{"r/x": "1", "r/s/y": "2", "r/s/z/": ""}, tasks: []fsAnsibleTask{
			{"file", map[string]any{"path": "DIR/r", "state": "directory", "recurse": true, "mode": "u=rwX,g=rX,o="}},
		}},
		{name: "copy content and backup", setup: map[string]string{"c": "old\n"}, tasks: []fsAnsibleTask{
			{"copy", map[string]any{"dest": "DIR/new", "content": "hello\n", "mode": "0640"}},
			{"copy", map[string]any{"dest": "DIR/c", "content": "new\n", "backup": true}},
			{"copy", map[string]any{"dest": "DIR/c", "content": "other\n", "force": false}},
			{"copy", map[string]any{"dest": "DIR/sub/", "src": "DIR/c"}},
			{"copy", map[string]any{"dest": "DIR/missing/x", "content": "x"}},
			{"copy", map[string]any{"dest": "DIR/v", "content": "bad", "validate": "grep -q good %s"}},
		}},
		{name: "copy remote_src", setup: map[string]string{"from": "data\n", "tree/a": "a", "tree/b/c": "c"}, tasks: []fsAnsibleTask{
			{"copy", map[string]any{"src": "DIR/from", "dest": "DIR/to", "remote_src": true, "mode": "preserve"}},
		}},
		{name: "lineinfile", setup: map[string]string{"l": "# comment\nListen 80\nfoo=1\n"}, tasks: []fsAnsibleTask{
			{"lineinfile", map[string]any{"path": "DIR/l", "regexp": "^Listen ", "line": "Listen 8080"}},
			{"lineinfile", map[string]any{"path": "DIR/l", "line": "added"}},
			{"lineinfile", map[string]any{"path": "DIR/l", "line": "first", "insertbefore": "BOF"}},
			{"lineinfile", map[string]any{"path": "DIR/l", "line": "after comment", "insertafter": "^# comment"}},
			{"lineinfile", map[string]any{"path": "DIR/l", "regexp": `^foo=(\d+)$`, "line": `foo=\g<1>0 was \1`, "backrefs": true}},
			{"lineinfile", map[string]any{"path": "DIR/l", "regexp": `^nomatch=(.*)`, "line": `x=\1`, "backrefs": true}},
			{"lineinfile", map[string]any{"path": "DIR/l", "search_string": "after", "state": "absent"}},
			{"lineinfile", map[string]any{"path": "DIR/new/created", "line": "made", "create": true, "mode": "0600"}},
			{"lineinfile", map[string]any{"path": "DIR/absentfile", "line": "x"}},
			{"lineinfile", map[string]any{"path": "DIR/nonl", "line": "x", "create": true}},
		}},
		{name: "lineinfile no final newline", setup: map[string]string{"n": "a\nb"}, tasks: []fsAnsibleTask{
			{"lineinfile", map[string]any{"path": "DIR/n", "line": "c"}},
			{"lineinfile", map[string]any{"path": "DIR/n", "line": "z", "insertafter": "^a"}},
		}},
		{name: "blockinfile", setup: map[string]string{"b": "one\ntwo\nthree\n"}, tasks: []fsAnsibleTask{
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "x=1\ny=2"}},
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "in=1", "marker": "## {mark} custom", "insertafter": "^one"}},
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "top", "marker": "## {mark} top", "insertbefore": "BOF"}},
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "x=3", "backup": true}},
			{"blockinfile", map[string]any{"path": "DIR/b", "marker": "## {mark} custom", "state": "absent"}},
			{"blockinfile", map[string]any{"path": "DIR/c/new", "block": "created", "create": true}},
		}},
		{name: "replace", setup: map[string]string{"r": "alpha beta\ngamma alpha\n[s]\nalpha\n"}, tasks: []fsAnsibleTask{
			{"replace", map[string]any{"path": "DIR/r", "regexp": `alpha`, "replace": "ALPHA", "after": `\[s\]`}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `^(\w+) (\w+)$`, "replace": `\2 \1`}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `nothing`, "replace": "x"}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `gamma`, "replace": "G", "mode": "0600"}},
			{"replace", map[string]any{"path": "DIR/none", "regexp": `x`}},
		}},
		{name: "file owner, links and directories", setup: map[string]string{"f": "x", "d/": "", "dl": "->d", "l2": "->f", "empty/": ""}, tasks: []fsAnsibleTask{
			{"file", map[string]any{"path": "DIR/f", "owner": "nobody", "group": "nogroup"}},
			{"file", map[string]any{"path": "DIR/f", "owner": "65534"}},
			{"file", map[string]any{"path": "DIR/l2", "state": "link", "src": "d"}},
			{"file", map[string]any{"path": "DIR/l2", "state": "link", "owner": "nobody", "follow": false}},
			{"file", map[string]any{"path": "DIR/dl", "state": "directory", "mode": "0700"}},
			{"file", map[string]any{"path": "DIR/empty", "state": "link", "src": "f", "force": true}},
			{"file", map[string]any{"path": "DIR/f", "state": "link", "src": "d", "force": true}},
			{"file", map[string]any{"path": "DIR/dangling", "state": "link", "src": "nowhere", "force": true}},
			{"file", map[string]any{"path": "DIR/d", "state": "absent"}},
			{"file", map[string]any{"path": "DIR/nobody", "owner": "no-such-user-x"}},
			{"file", map[string]any{"path": "DIR/l2", "owner": "no-such-user-x", "follow": false}},
			{"file", map[string]any{"path": "DIR/l2", "group": "no-such-group-x", "follow": false}},
		}},
		{name: "copy trees and templates", setup: map[string]string{"tree/a": "a\n", "tree/b/c": "c\n", "tree/b/d/": "", "t.j2": "plain template\n", "dir/": "", "exe": "#!/bin/sh\n"}, tasks: []fsAnsibleTask{
			{"copy", map[string]any{"src": "DIR/tree", "dest": "DIR/out1"}},
			{"copy", map[string]any{"src": "DIR/tree/", "dest": "DIR/out2/", "directory_mode": "0700"}},
			{"copy", map[string]any{"src": "DIR/tree/a", "dest": "DIR/dir"}},
			{"copy", map[string]any{"src": "DIR/exe", "dest": "DIR/exe2", "mode": "u+x,g=r"}},
			{"copy", map[string]any{"content": "x", "dest": "DIR/dir/"}},
			{"template", map[string]any{"src": "DIR/t.j2", "dest": "DIR/t.out", "mode": "0600", "backup": true}},
			{"template", map[string]any{"src": "DIR/t.j2", "dest": "DIR/dir/"}},
			{"template", map[string]any{"src": "DIR/missing.j2", "dest": "DIR/x"}},
		}},
		{name: "lineinfile edge cases", setup: map[string]string{"e": "a=1\nb=2\na=3\n# end\n", "crlf": "x\r\ny\r\n"}, tasks: []fsAnsibleTask{
			{"lineinfile", map[string]any{"path": "DIR/e", "regexp": "^a=", "line": "a=9", "firstmatch": true}},
			{"lineinfile", map[string]any{"path": "DIR/e", "regexp": "^a=", "line": "a=10"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "line": "c=1", "insertbefore": "^# end", "firstmatch": true}},
			{"lineinfile", map[string]any{"path": "DIR/e", "line": "b=2", "insertafter": "^a="}},
			{"lineinfile", map[string]any{"path": "DIR/e", "regexp": "^b=2$", "state": "absent"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "line": "z", "insertafter": "nomatch"}},
			{"lineinfile", map[string]any{"path": "DIR/crlf", "line": "y"}},
			{"lineinfile", map[string]any{"path": "DIR/crlf", "line": "w", "insertafter": "^x"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "regexp": "", "line": "all"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "line": "x; rm -rf /", "validate": "grep -q -- 'rm -rf' %s"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "line": "bad", "validate": "false %s"}},
			{"lineinfile", map[string]any{"path": "DIR/e", "state": "absent"}},
			{"lineinfile", map[string]any{"path": "DIR", "line": "x"}},
		}},
		{name: "blockinfile edge cases", setup: map[string]string{"b": "# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\ntail\n", "m": "a\nb\nc"}, tasks: []fsAnsibleTask{
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "new\nlines"}},
			{"blockinfile", map[string]any{"path": "DIR/b", "block": "new\nlines"}},
			{"blockinfile", map[string]any{"path": "DIR/b", "block": ""}},
			{"blockinfile", map[string]any{"path": "DIR/m", "block": "ins", "insertbefore": "^b"}},
			{"blockinfile", map[string]any{"path": "DIR/m", "block": "end", "marker": "<!-- {mark} -->", "marker_begin": "S", "marker_end": "E"}},
			{"blockinfile", map[string]any{"path": "DIR/m", "block": "ml", "marker": "# {mark} ml", "insertafter": "(?m)^a\\nb"}},
			{"blockinfile", map[string]any{"path": "DIR/nofile", "block": "x"}},
			{"blockinfile", map[string]any{"path": "DIR/nofile", "state": "absent"}},
		}},
		{name: "replace edge cases", setup: map[string]string{"r": "start\nk=v1\nk=v2\nstop\nk=v3\n"}, tasks: []fsAnsibleTask{
			{"replace", map[string]any{"path": "DIR/r", "regexp": `^k=(?P<val>\w+)$`, "replace": `k=\g<val>!`, "after": "start", "before": "stop"}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `^k=(\w+)$`, "replace": `K=\1`, "backup": true}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `x`, "after": "nomatch"}},
			{"replace", map[string]any{"path": "DIR/r", "regexp": `\n`, "replace": " "}},
		}},
		{name: "find, slurp and fetch", setup: map[string]string{"d/a.txt": "hello\n", "d/b.log": "log line\nERROR x\n", "d/.hidden": "h", "d/sub/c.txt": "deep\n", "d/sub/deeper/e.txt": "e", "d/link": "->a.txt", "d/emptydir/": ""}, tasks: []fsAnsibleTask{
			{"find", map[string]any{"paths": "DIR/d"}},
			{"find", map[string]any{"paths": "DIR/d", "patterns": "*.txt", "recurse": true}},
			{"find", map[string]any{"paths": "DIR/d", "patterns": []any{"*.txt", "*.log"}, "excludes": "b*", "recurse": true, "hidden": true}},
			{"find", map[string]any{"paths": "DIR/d", "file_type": "directory", "recurse": true}},
			{"find", map[string]any{"paths": "DIR/d", "file_type": "any", "recurse": true, "depth": 2}},
			{"find", map[string]any{"paths": "DIR/d", "file_type": "link"}},
			{"find", map[string]any{"paths": "DIR/d", "contains": "ERROR", "recurse": true}},
			{"find", map[string]any{"paths": "DIR/d", "patterns": `^[ab]\..*$`, "use_regex": true, "size": "-1k", "age": "-1d"}},
			{"find", map[string]any{"paths": []any{"DIR/d", "DIR/nonexistent"}, "get_checksum": true}},
			{"find", map[string]any{"paths": "DIR/d", "age": "bogus"}},
			{"slurp", map[string]any{"src": "DIR/d/a.txt"}},
			{"slurp", map[string]any{"src": "DIR/d/none"}},
			{"slurp", map[string]any{"src": "DIR/d"}},
			{"fetch", map[string]any{"src": "DIR/d/a.txt", "dest": "DIR/fetched/", "flat": true}},
			{"fetch", map[string]any{"src": "DIR/d/sub/c.txt", "dest": "DIR/fetched"}},
			{"fetch", map[string]any{"src": "DIR/d/none", "dest": "DIR/fetched", "fail_on_missing": false}},
			{"fetch", map[string]any{"src": "DIR/d/none", "dest": "DIR/fetched"}},
			{"fetch", map[string]any{"src": "DIR/d", "dest": "DIR/fetched"}},
		}},
		{name: "ini_file", setup: map[string]string{"i.ini": "[main]\nkey = old\n# other = 1\n\n[second]\na=b\n"}, tasks: []fsAnsibleTask{
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "key", "value": "new"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "other", "value": "2"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "third", "option": "t", "value": "3", "no_extra_spaces": true}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "second", "state": "absent"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "multi", "values": []any{"a", "b"}}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "flag", "allow_no_value": true}},
			{"ini_file", map[string]any{"path": "DIR/fresh.ini", "section": "s", "option": "o", "value": "v", "mode": "0600"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "key", "state": "absent"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "multi", "values": []any{"b", "c"}, "exclusive": false}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main", "option": "multi", "value": "a", "state": "absent", "exclusive": false}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "option": "global", "value": "g"}},
			{"ini_file", map[string]any{"path": "DIR/i.ini", "section": "main"}},
			{"ini_file", map[string]any{"path": "DIR/nocreate.ini", "section": "s", "option": "o", "value": "v", "create": false}},
		}},
	}
}

func TestAgreementWithAnsible(t *testing.T) {
	fsNeed(t, true, "ansible-playbook")
	if testing.Short() {
		t.Skip("runs ansible-playbook three times (minutes)")
	}
	cases := fsAgreementCases()
	fresh := func() (adirs, odirs []string) {
		for _, c := range cases {
			a, o := t.TempDir(), t.TempDir()
			fsMakeTree(t, a, c.setup)
			fsMakeTree(t, o, c.setup)
			adirs, odirs = append(adirs, a), append(odirs, o)
		}
		return adirs, odirs
	}
	// The check run starts from fresh trees and does not depend on the
	// others: Ansible's side of it runs while the first run does.
	checkA, checkO := fresh()
	type answer struct {
		res []map[string]any
		err error
	}
	checkDone := make(chan answer, 1)
	checkTmp := t.TempDir()
	go func() {
		res, err := fsRunAnsible(cases, checkA, checkTmp, "--diff", "--check")
		checkDone <- answer{res, err}
	}()
	adirs, odirs := fresh()
	first, err := fsRunAnsible(cases, adirs, t.TempDir(), "--diff")
	require.NoError(t, err)
	fsCompareRun(t, "first run", cases, first, adirs, odirs, false)
	second, err := fsRunAnsible(cases, adirs, t.TempDir(), "--diff")
	require.NoError(t, err)
	fsCompareRun(t, "second run", cases, second, adirs, odirs, false)
	ans := <-checkDone
	require.NoError(t, ans.err)
	fsCompareRun(t, "check run", cases, ans.res, checkA, checkO, true)
}

// fsCompareRun runs the cases' tasks with omeprov in odirs and compares
// each result with Ansible's (want, run in adirs), then the trees.
func fsCompareRun(t *testing.T, phase string, cases []fsAgreementCase, want []map[string]any, adirs, odirs []string, check bool) {
	n := 0
	for i, c := range cases {
		for j, tk := range c.tasks {
			a := want[n]
			n++
			args := fsRootArgs(tk.Args, odirs[i]).(map[string]any)
			got := fsRunLocal(t, nil, tk.Module, args, check, true, nil)
			where := fmt.Sprintf("%s: %s task %d (%s %v)", phase, c.name, j, tk.Module, tk.Args)
			t.Run(where, func(t *testing.T) { fsCompareResult(t, a, got, adirs[i], odirs[i]) })
		}
		t.Run(phase+": "+c.name+": tree", func(t *testing.T) {
			require.Equal(t, fsSnapshot(t, adirs[i]), fsSnapshot(t, odirs[i]), "file trees differ")
		})
	}
}

// fsCompareResult compares one task's results from Ansible (a) and omeprov.
func fsCompareResult(t *testing.T, a map[string]any, got modules.Result, adir, odir string) {
	af, _ := a["failed"].(bool)
	require.Equal(t, af, got.Failed(), "failed: ansible %v omeprov %v", a, got)
	if af {
		require.Equal(t, a["msg"], strings.ReplaceAll(fmt.Sprint(got["msg"]), odir, adir))
		// the executor adds changed and the *_lines keys; exception is
		// Ansible's traceback
		var akeys []string
		for _, k := range fsResultKeys(a) {
			if k != "changed" && k != "stdout_lines" && k != "stderr_lines" && k != "exception" {
				akeys = append(akeys, k)
			}
		}
		var gkeys []string
		for _, k := range fsResultKeys(got) {
			if k != "changed" {
				gkeys = append(gkeys, k)
			}
		}
		require.Equal(t, akeys, gkeys, "result keys: ansible %v omeprov %v", a, got)
		return
	}
	ac, _ := a["changed"].(bool)
	require.Equal(t, ac, got.Changed(), "changed: ansible %v omeprov %v", a, got)
	require.Equal(t, fsResultKeys(a), fsResultKeys(got), "result keys: ansible %v omeprov %v", a, got)
	if m, ok := a["msg"].(string); ok {
		require.Equal(t, m, strings.ReplaceAll(fmt.Sprint(got["msg"]), odir, adir), "msg")
	}
	if files, ok := a["files"].([]any); ok {
		require.Equal(t, fsFindSummary(files, adir), fsFindSummary(got["files"], odir), "files")
	}
	for _, k := range []string{"mode", "state", "owner", "group", "size", "checksum", "md5sum", "found", "matched", "examined", "backup", "content", "encoding", "remote_checksum", "skipped_paths"} {
		if v, ok := a[k]; ok {
			require.Equal(t, strings.ReplaceAll(fmt.Sprint(v), adir, "DIR"), strings.ReplaceAll(fmt.Sprint(got[k]), odir, "DIR"), k)
		}
	}
	if ad, ok := a["diff"]; ok {
		require.Equal(t, fsAnsibleDiffs(ad, adir), fsOmeprovDiffs(t, got["diff"], odir), "diff")
	}
}

// fsDiffPair is one diff's before and after, with the case's directory
// written DIR and times left out.
type fsDiffPair struct{ Before, After string }

func fsNormDiffText(v any, dir string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.ReplaceAll(x, dir, "DIR")
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if k != "atime" && k != "mtime" {
				m[k] = e
			}
		}
		b, _ := json.Marshal(m)
		return strings.ReplaceAll(string(b), dir, "DIR")
	}
	return fmt.Sprint(v)
}

func fsAnsibleDiffs(d any, dir string) []fsDiffPair {
	var list []any
	switch x := d.(type) {
	case []any:
		list = x
	default:
		list = []any{x}
	}
	var out []fsDiffPair
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, fsDiffPair{fsNormDiffText(m["before"], dir), fsNormDiffText(m["after"], dir)})
	}
	return out
}

func fsOmeprovDiffs(t *testing.T, d any, dir string) []fsDiffPair {
	var list []modules.Diff
	switch x := d.(type) {
	case modules.Diff:
		list = []modules.Diff{x}
	case []modules.Diff:
		list = x
	case nil:
		return nil
	default:
		t.Fatalf("diff of type %T", d)
	}
	var out []fsDiffPair
	for _, e := range list {
		p := fsDiffPair{}
		for i, s := range []string{e.Before, e.After} {
			var v any = s
			var m map[string]any
			if strings.HasPrefix(s, "{") && json.Unmarshal([]byte(s), &m) == nil {
				v = m
			}
			if i == 0 {
				p.Before = fsNormDiffText(v, dir)
			} else {
				p.After = fsNormDiffText(v, dir)
			}
		}
		out = append(out, p)
	}
	return out
}

// fsFindSummary lists find's files as sorted "path mode type size" lines.
func fsFindSummary(files any, dir string) []string {
	var out []string
	add := func(m map[string]any) {
		typ := "other"
		for _, k := range []string{"isreg", "isdir", "islnk"} {
			if b, _ := m[k].(bool); b {
				typ = k
			}
		}
		out = append(out, fmt.Sprintf("%s %v %s %v %v %v", strings.ReplaceAll(fmt.Sprint(m["path"]), dir, "DIR"), m["mode"], typ, m["size"], m["checksum"], m["pw_name"]))
	}
	switch x := files.(type) {
	case []any:
		for _, e := range x {
			switch m := e.(type) {
			case map[string]any:
				add(m)
			case modules.Result:
				add(m)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestFileModulesBecome writes through become_user nobody (sudo) and
// checks that the files belong to nobody and that reads and edits go
// through become too.
func TestFileModulesBecome(t *testing.T) {
	fsNeed(t, true, "sudo")
	dir, err := os.MkdirTemp("", "omeprov-become-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777))
	become := &connection.Become{Method: "sudo", User: "nobody"}
	p := filepath.Join(dir, "f")
	res := fsRunLocal(t, nil, "copy", map[string]any{"dest": p, "content": "one\n"}, false, false, become)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "nobody", res["owner"])
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, uint32(65534), fi.Sys().(*syscall.Stat_t).Uid)

	res = fsRunLocal(t, nil, "lineinfile", map[string]any{"path": p, "line": "two", "mode": "0600"}, false, false, become)
	require.True(t, res.Changed(), "%v", res)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "one\ntwo\n", string(b))
	res = fsRunLocal(t, nil, "slurp", map[string]any{"src": p}, false, false, become)
	require.Equal(t, "b25lCnR3bwo=", res["content"], "nobody can read its 0600 file")

	res = fsRunLocal(t, nil, "file", map[string]any{"path": filepath.Join(dir, "sub/dir"), "state": "directory"}, false, false, become)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, "nobody", res["owner"])

	// nobody may not write where it has no permission
	require.NoError(t, os.Chmod(dir, 0o755))
	res = fsRunLocal(t, nil, "copy", map[string]any{"dest": filepath.Join(dir, "g"), "content": "x"}, false, false, become)
	require.True(t, res.Failed(), "%v", res)
	require.NoFileExists(t, filepath.Join(dir, "g"))
}

// TestTempfileLocal makes temporary files and directories for real.
func TestTempfileLocal(t *testing.T) {
	fsNeed(t, false)
	dir := t.TempDir()
	res := fsRunLocal(t, nil, "tempfile", map[string]any{"path": dir, "suffix": ".x"}, false, false, nil)
	require.True(t, res.Changed())
	p := res["path"].(string)
	require.Regexp(t, `^`+regexp.QuoteMeta(dir)+`/ansible\.[a-z0-9_]{8}\.x$`, p)
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
	require.Equal(t, "0600", res["mode"])
	require.Equal(t, "file", res["state"])

	res = fsRunLocal(t, nil, "tempfile", map[string]any{"path": dir, "state": "directory", "prefix": "d; rm -rf x"}, false, false, nil)
	p2 := res["path"].(string)
	fi, err = os.Stat(p2)
	require.NoError(t, err)
	require.True(t, fi.IsDir())
	require.Equal(t, fs.FileMode(0o700), fi.Mode().Perm())
	require.True(t, strings.HasPrefix(filepath.Base(p2), "d; rm -rf x"))

	res = fsRunLocal(t, nil, "tempfile", map[string]any{"path": dir}, true, false, nil)
	require.True(t, res.Changed())
	_, err = os.Stat(res["path"].(string))
	require.True(t, os.IsNotExist(err), "check mode makes nothing")

	res = fsRunLocal(t, nil, "tempfile", map[string]any{"path": filepath.Join(dir, "missing")}, false, false, nil)
	require.True(t, res.Failed())
	res = fsRunLocal(t, nil, "tempfile", map[string]any{"prefix": "a/b"}, false, false, nil)
	require.True(t, res.Failed())
}

// TestContentModulesWriteThroughLinks edits files through symbolic links:
// the link stays, its target changes (copy replaces the link unless
// follow is set), and a second run changes nothing.
func TestContentModulesWriteThroughLinks(t *testing.T) {
	fsNeed(t, false)
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "target.conf")
	require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
	require.NoError(t, os.WriteFile(target, []byte("a=1\n"), 0o640))
	link := filepath.Join(dir, "link.conf")
	require.NoError(t, os.Symlink("real/target.conf", link))
	for _, step := range []struct {
		module string
		args   map[string]any
	}{
		{"lineinfile", map[string]any{"path": link, "line": "b=2"}},
		{"blockinfile", map[string]any{"path": link, "block": "c=3"}},
		{"replace", map[string]any{"path": link, "regexp": `^a=1$`, "replace": "a=9"}},
		{"ini_file", map[string]any{"path": target, "section": "s", "option": "o", "value": "v"}},
		{"copy", map[string]any{"dest": link, "content": "copied\n", "follow": true}},
	} {
		res := fsRunLocal(t, nil, step.module, step.args, false, false, nil)
		require.True(t, res.Changed(), "%s: %v", step.module, res)
		res = fsRunLocal(t, nil, step.module, step.args, false, false, nil)
		require.False(t, res.Changed(), "%s second run: %v", step.module, res)
		fi, err := os.Lstat(link)
		require.NoError(t, err)
		require.True(t, fi.Mode()&fs.ModeSymlink != 0, "%s keeps the link", step.module)
		fi, err = os.Stat(target)
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o640), fi.Mode().Perm(), "%s keeps the mode", step.module)
	}
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, "copied\n", string(b))

	res := fsRunLocal(t, nil, "copy", map[string]any{"dest": link, "content": "replaced\n"}, false, false, nil)
	require.True(t, res.Changed())
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	require.True(t, fi.Mode().IsRegular(), "copy without follow replaces the link, as Ansible does")
	b, err = os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, "copied\n", string(b))
}
