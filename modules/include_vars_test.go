package modules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// varsFixture is a tree of vars files.
func varsFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"vars/main.yml":       "a: 1\nb: yes\nc: 0644\nd: [1, 2]\nnested: {x: 1, y: {z: 2}}\n",
		"vars/other.yaml":     "a: 2\ne: \"str\"\n",
		"vars/sub/deep.yml":   "deep: true\na: 3\n",
		"vars/sub/x.json":     `{"j": [1, "two"], "a": 4}`,
		"vars/zz/last.yml":    "last: 1\n",
		"vars/notes.txt":      "not: vars\n",
		"list.yml":            "- 1\n- 2\n",
		"empty.yml":           "",
		"bad.yml":             "a: [1\n",
		"vars/skip_me.yml":    "skipped: true\n",
		"vars/sub/ignore.yml": "ignored: true\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// normalizeFactsT is normalizeT keeping ansible_facts.
func normalizeFactsT(t *testing.T, r map[string]any) map[string]any {
	facts := r["ansible_facts"]
	out := normalizeT(t, r)
	if facts != nil {
		out["ansible_facts"] = normalizeT(t, map[string]any{"f": facts})["f"]
	}
	delete(out, "warnings")
	return out
}

// TestIncludeVarsMatchesAnsible loads the same files and directories
// with Ansible's include_vars and omeprov's and compares the results.
func TestIncludeVarsMatchesAnsible(t *testing.T) {
	dir := varsFixture(t)
	v := filepath.Join(dir, "vars")
	calls := []ansibleCallT{
		{"include_vars", filepath.Join(v, "main.yml"), false},
		{"include_vars", map[string]any{"file": filepath.Join(v, "other.yaml"), "name": "scoped"}, false},
		{"include_vars", map[string]any{"dir": v, "ignore_unknown_extensions": true}, false},
		{"include_vars", map[string]any{"dir": v}, false},
		{"include_vars", map[string]any{"dir": v, "depth": 1, "ignore_unknown_extensions": true}, false},
		{"include_vars", map[string]any{"dir": v, "depth": 2, "files_matching": "^[a-m]", "ignore_files": []any{"skip_me.yml", "ign.*"}, "extensions": []any{"yml", "json", "txt"}}, false},
		{"include_vars", map[string]any{"dir": v, "ignore_files": "skip_me.yml notes.txt ignore.yml", "name": "all"}, false},
		{"include_vars", filepath.Join(dir, "list.yml"), false},
		{"include_vars", filepath.Join(dir, "empty.yml"), false},
		{"include_vars", map[string]any{"dir": filepath.Join(dir, "nope")}, false},
		{"include_vars", map[string]any{"dir": filepath.Join(dir, "list.yml")}, false},
		{"include_vars", map[string]any{"file": filepath.Join(dir, "list.yml"), "depth": 1}, false},
		{"include_vars", map[string]any{"file": filepath.Join(dir, "list.yml"), "bogus": 1}, false},
		{"fail", map[string]any{}, false},
		{"fail", map[string]any{"msg": []any{"a", 1}}, false},
		{"set_fact", map[string]any{"a": "yes", "b": "No", "c": 1, "d": []any{"x"}, "e": "maybe", "cacheable": true}, false},
		{"set_fact", "a=1 b=true c='x y'", false},
		{"set_fact", map[string]any{"1bad": 1}, false},
		{"debug", map[string]any{"msg": []any{"a", map[string]any{"b": 1}}}, false},
		{"debug", map[string]any{}, false},
		{"debug", map[string]any{"msg": "hidden", "verbosity": 3}, false},
		{"ping", map[string]any{}, false},
		{"ping", map[string]any{"data": "hello"}, false},
		{"ping", map[string]any{"data": "x"}, true},
	}
	want := ansibleResultsT(t, calls)
	conn := &shConnT{dir: dir}
	for i, c := range calls {
		got := runModuleT(t, conn, c.Module, c.Args, c.Check)
		w := normalizeFactsT(t, want[i])
		g := normalizeFactsT(t, got)
		if _, ok := w["exception"]; ok {
			// Ansible raised: compare only that it failed and its message.
			require.True(t, got.Failed(), "call %d: %v: %v", i, c.Args, got)
			require.Equal(t, w["msg"], g["msg"], "call %d: %v", i, c.Args)
			continue
		}
		require.Equal(t, w, g, "call %d: %s %v", i, c.Module, c.Args)
	}
}

func TestIncludeVarsFindsRelative(t *testing.T) {
	dir := varsFixture(t)
	task := modtest.Task(modtest.New(), "include_vars", map[string]any{"_raw_params": "other.yaml\n"})
	task.Ctl = &modtest.Controller{Dir: filepath.Join(dir, "vars")}
	r, err := runEntryT(task)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": 2, "e": "str"}, r["ansible_facts"])
	require.Equal(t, []any{filepath.Join(dir, "vars", "other.yaml")}, r["ansible_included_var_files"])
}

func TestIncludeVarsErrors(t *testing.T) {
	dir := varsFixture(t)
	run := func(args map[string]any) modules.Result {
		task := modtest.Task(modtest.New(), "include_vars", args)
		task.Ctl = &modtest.Controller{Dir: dir}
		r, err := runEntryT(task)
		require.NoError(t, err)
		return r
	}
	r := run(map[string]any{"file": "bad.yml"})
	require.True(t, r.Failed())
	require.Contains(t, r["message"], "bad.yml:")
	r = run(map[string]any{"file": "a.yml", "dir": "vars"})
	require.Equal(t, "You are mixing file only and dir only arguments, these are incompatible", r["msg"])
	r = run(map[string]any{"dir": "vars", "files_matching": "("})
	require.Equal(t, "Invalid regular expression: (", r["msg"])
	r = run(map[string]any{"dir": "vars", "depth": "deep"})
	require.True(t, r.Failed())
	r = run(map[string]any{"dir": "vars", "extensions": 5})
	require.Equal(t, `Invalid type for "extensions" option, it must be a list`, r["msg"])
}

func TestIncludeVarsHashMerge(t *testing.T) {
	dir := varsFixture(t)
	task := modtest.Task(modtest.New(), "include_vars", map[string]any{"file": filepath.Join(dir, "vars", "main.yml"), "hash_behaviour": "merge", "name": "cfg"})
	task.Ctl = &modtest.Controller{VarMap: map[string]any{"cfg": map[string]any{"keep": 1, "nested": map[string]any{"x": 0, "w": 9}}}}
	r, err := runEntryT(task)
	require.NoError(t, err)
	cfg := r["ansible_facts"].(map[string]any)["cfg"].(map[string]any)
	require.Equal(t, 1, cfg["keep"])
	require.Equal(t, map[string]any{"x": 1, "w": 9, "y": map[string]any{"z": 2}}, cfg["nested"])
	// Merging into an undefined variable fails as in Ansible.
	task.Ctl = &modtest.Controller{}
	r, err = runEntryT(task)
	require.NoError(t, err)
	require.Contains(t, r["msg"], "failed to combine variables, expected dicts but got a 'NoneType' and a 'dict'")
}
