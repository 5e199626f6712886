package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func TestLoadPlaysTasksAndRoles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- import_playbook: other.yml
- name: main
  hosts: web:&prod
  become: yes
  gather_facts: no
  vars: {a: 1}
  roles:
    - common
    - {role: app, app_port: 8080, tags: [app]}
  tasks:
    - name: free form
      command: ls -l chdir=/tmp
    - ansible.builtin.shell: echo hi
      args:
        chdir: /srv
    - community.general.homebrew_tap_nonexistent_guard: {}
      when: false
      ignore_errors: true
`,
		"other.yml":                   "- hosts: all\n  tasks:\n    - debug: msg=hi\n",
		"roles/common/tasks/main.yml": "- command: echo common\n",
		"roles/app/tasks/main.yaml":   "- command: echo app\n",
		"roles/app/defaults/main.yml": "app_port: 80\n",
		"roles/app/meta/main.yml":     "dependencies: [common]\n",
		"roles/app/handlers/main.yml": "- name: restart app\n  command: echo restart\n",
	})
	_, err := Load(filepath.Join(dir, "site.yml"), LoadOptions{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "couldn't resolve module/action 'community.general.homebrew_tap_nonexistent_guard'")
	require.Contains(t, err.Error(), "site.yml': line 17")

	// Without the bad task the playbook loads.
	data, _ := os.ReadFile(filepath.Join(dir, "site.yml"))
	fixed := strings.Split(string(data), "    - community.general")[0]
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.yml"), []byte(fixed), 0o644))
	pb, err := Load(filepath.Join(dir, "site.yml"), LoadOptions{})
	require.NoError(t, err)
	require.Len(t, pb.Plays, 2)
	p := pb.Plays[1]
	require.Equal(t, "web:&prod", p.Hosts)
	require.Equal(t, true, p.Become)
	require.False(t, *p.GatherFacts)
	require.Equal(t, map[string]any{"a": 1}, p.Vars)
	require.Len(t, p.Roles, 2)
	app := p.Roles[1]
	require.Equal(t, 8080, app.Params["app_port"])
	require.Equal(t, []string{"app"}, app.Keywords.Tags)
	require.Equal(t, 80, app.Role.Defaults["app_port"])
	require.Len(t, app.Role.Deps, 1)
	require.Equal(t, "common", app.Role.Deps[0].Role.Name)
	require.Len(t, app.Role.Handlers, 1)

	cmd := p.Tasks[0]
	require.Equal(t, "command", cmd.Module)
	require.Equal(t, "ls -l", cmd.Args["_raw_params"])
	require.Equal(t, "/tmp", cmd.Args["chdir"])
	sh := p.Tasks[1]
	require.Equal(t, "shell", sh.Module)
	require.Equal(t, "/srv", sh.Args["chdir"])
}

func TestLoadRejectsBadInputWithPlace(t *testing.T) {
	cases := map[string]struct{ yml, want string }{
		"yaml syntax":     {"- hosts: all\n  tasks:\n   - debug: msg=[1\n     x: {\n", "site.yml:"},
		"unknown module":  {"- hosts: all\n  tasks:\n    - debgu: msg=hi\n", "did you mean 'debug'"},
		"unknown param":   {"- hosts: all\n  tasks:\n    - command: ls\n      args: {chdri: /tmp}\n", "Unsupported parameters for (command) module: chdri"},
		"bad play key":    {"- hosts: all\n  taks: []\n", "'taks' is not a valid attribute for a Play (did you mean 'tasks'?)"},
		"not a list":      {"hosts: all\n", "A playbook must be a list of plays"},
		"two modules":     {"- hosts: all\n  tasks:\n    - command: ls\n      shell: ls\n", "conflicting action statements"},
		"no module":       {"- hosts: all\n  tasks:\n    - name: nothing\n", "no module/action detected in task"},
		"missing role":    {"- hosts: all\n  roles: [nothere]\n", "the role 'nothere' was not found"},
		"missing import":  {"- hosts: all\n  tasks:\n    - import_tasks: nothere.yml\n", "nothere.yml"},
		"task not a dict": {"- hosts: all\n  tasks:\n    - just a string\n", "a task must be a dict"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"site.yml": c.yml})
			_, err := Load(filepath.Join(dir, "site.yml"), LoadOptions{})
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}

func TestImportTasksAreExpandedAndIncludesChecked(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  tasks:
    - import_tasks: inc/a.yml
      tags: [x]
    - include_tasks: inc/bad.yml
`,
		"inc/a.yml":   "- command: echo a\n",
		"inc/bad.yml": "- comand: echo typo\n",
	})
	_, err := Load(filepath.Join(dir, "site.yml"), LoadOptions{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "bad.yml': line 1")
	require.Contains(t, err.Error(), "did you mean 'command'")
}

func TestSelectedByTags(t *testing.T) {
	e := &Executor{opts: Options{Tags: []string{"one"}}}
	require.True(t, e.selectedByTags([]string{"one"}))
	require.False(t, e.selectedByTags([]string{"two"}))
	require.True(t, e.selectedByTags([]string{"always"}))
	require.False(t, e.selectedByTags(nil))
	e = &Executor{opts: Options{}}
	require.True(t, e.selectedByTags(nil))
	require.False(t, e.selectedByTags([]string{"never"}))
	e = &Executor{opts: Options{SkipTags: []string{"two"}}}
	require.False(t, e.selectedByTags([]string{"two", "x"}))
	require.True(t, e.selectedByTags([]string{"x"}))
}

func TestLoopItems(t *testing.T) {
	got, err := sequence("start=1 end=5 stride=2 format=n%02d")
	require.NoError(t, err)
	require.Equal(t, []any{"n01", "n03", "n05"}, got)
	got, err = sequence("2-4")
	require.NoError(t, err)
	require.Equal(t, []any{"2", "3", "4"}, got)
	subs, err := subelements([]any{[]any{map[string]any{"name": "a", "dbs": []any{"x", "y"}}}, "dbs"})
	require.NoError(t, err)
	require.Len(t, subs, 2)
	require.Equal(t, []any{1, 2, 3}, flattenOnce([]any{1, []any{2, 3}}))
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte("- hosts: all\n  tasks:\n    - debug: msg=hi\n"))
	f.Add([]byte("- hosts: all\n  tasks:\n    - block:\n      - command: ls\n      rescue: []\n"))
	f.Add([]byte("- import_playbook: site.yml\n"))
	f.Add([]byte("- hosts: all\n  roles: [{role: x}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "site.yml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Load(p, LoadOptions{})
	})
}
