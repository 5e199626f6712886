package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// run runs the CLI in-process and returns its output and exit status.
func run(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir(dir))
	defer os.Chdir(wd)
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return out.String(), 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			out.WriteString(ee.err.Error())
		}
		return out.String(), ee.code
	}
	return out.String() + err.Error(), 5
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func TestApplyExitCodesBeforeRunning(t *testing.T) {
	t.Setenv("ANSIBLE_CONFIG", "/nonexistent")
	dir := writeTree(t, map[string]string{
		"inv":      "h1 ansible_connection=local\n",
		"bad.yml":  "- hosts: all\n  tasks:\n   - debug: msg=[1\n     x: {\n",
		"typo.yml": "- hosts: all\n  tasks:\n    - debgu: msg=hi\n",
		"ok.yml":   "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: one\n      debug: msg=hi\n      tags: [t1]\n",
	})
	out, code := run(t, dir, "apply", "-i", "inv", "missing.yml")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "the playbook: missing.yml could not be found")

	out, code = run(t, dir, "apply", "-i", "inv", "bad.yml")
	require.Equal(t, 4, code, out)
	require.Contains(t, out, "bad.yml:")

	out, code = run(t, dir, "apply", "-i", "inv", "typo.yml")
	require.Equal(t, 4, code, out)
	require.Contains(t, out, "did you mean 'debug'")

	out, code = run(t, dir, "apply", "--no-such-flag", "ok.yml")
	require.Equal(t, 2, code, out)

	out, code = run(t, dir, "playbook", "-i", "inv", "--syntax-check", "ok.yml")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "playbook: ok.yml")

	out, code = run(t, dir, "apply", "-i", "inv", "--list-tasks", "ok.yml")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "      one\tTAGS: [t1]")

	out, code = run(t, dir, "apply", "-i", "inv", "--list-hosts", "ok.yml")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "hosts (1):\n      h1")

	out, code = run(t, dir, "apply", "-i", "inv", "-f", "0", "ok.yml")
	require.Equal(t, 5, code, out)
}

func TestApplyRunsLocally(t *testing.T) {
	t.Setenv("ANSIBLE_CONFIG", "/nonexistent")
	dir := writeTree(t, map[string]string{
		"inv":      "h1 ansible_connection=local\n",
		"vars.yml": "from_file: yes\n",
		"site.yml": `- hosts: all
  gather_facts: false
  tasks:
    - assert:
        that:
          - k == 'v'
          - json_list == [1, 2]
          - from_file is sameas true
    - command: "false"
      when: fail_me | default(false) | bool
`,
	})
	out, code := run(t, dir, "apply", "-i", "inv", "-e", "k=v", "-e", `{"json_list": [1, 2]}`, "-e", "@vars.yml", "site.yml")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "h1                         : ok=1    changed=0    unreachable=0    failed=0    skipped=1")

	out, code = run(t, dir, "apply", "-i", "inv", "-e", "k=v", "-e", `{"json_list": [1, 2]}`, "-e", "@vars.yml", "-e", "fail_me=true", "site.yml")
	require.Equal(t, 2, code, out)
}

func TestParseExtraVars(t *testing.T) {
	dir := writeTree(t, map[string]string{"x.json": `{"a": {"b": 1}}`})
	m, err := parseExtraVars([]string{"a=1 b='two words'", "@" + filepath.Join(dir, "x.json"), `{"c": true}`})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"b": 1}, m["a"])
	require.Equal(t, "two words", m["b"])
	require.Equal(t, true, m["c"])
	_, err = parseExtraVars([]string{"[1, 2]"})
	require.Error(t, err)
	_, err = parseExtraVars([]string{"@/no/such/file"})
	require.Error(t, err)
}
