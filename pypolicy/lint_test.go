package pypolicy_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/pypolicy"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return dir
}

const lintPlaybook = `- hosts: omero
  roles:
    - omero_web
  tasks:
    - name: requests into the system Python (violation)
      pip:
        name:
          - requests>=2
          - omero-py
    - name: into a virtualenv (allowed)
      pip:
        name: [requests, PyYAML]
        virtualenv: /opt/omero/web/venv
    - name: a venv that sees the system site packages (violation)
      ansible.builtin.pip: name=zope.interface virtualenv=/opt/v virtualenv_site_packages=yes
    - name: templated names are known only when run
      pip:
        name: "{{ web_packages }}"
    - name: removing is fine
      pip: name=numpy state=absent
    - name: python3 packages that Debian has, and one it lacks
      apt:
        name: [python3-yaml, python3-venv, python3-omero-nosuch, curl]
    - name: a dnf task is checked against RPM catalogs only (none has data here)
      dnf: name=python3-omero-nosuch
    - block:
        - name: in a block (violation)
          pip: name=Django
      rescue:
        - debug: msg=x
- hosts: legacy
  vars:
    omeprov_python_policy: "off"
  tasks:
    - pip: name=requests
`

func TestLintFindsViolationsAtTheirLines(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml":                       lintPlaybook,
		"roles/omero_web/tasks/main.yml": "---\n- name: ok\n  debug: msg=x\n\n- name: system pip in a role\n  pip:\n    name: numpy\n",
	})
	fs, err := pypolicy.Lint(filepath.Join(dir, "site.yml"), pypolicy.LintOptions{})
	require.NoError(t, err)
	cat, err := pypolicy.Catalog()
	require.NoError(t, err)
	// the packages and versions are the catalog's (they change when it is
	// rebuilt), one per release that packages the distribution
	v := func(dist string) string {
		var where []string
		for _, rel := range []string{"debian-12", "ubuntu-22.04"} {
			p, ok := cat[rel].Lookup(dist)
			require.True(t, ok, dist)
			where = append(where, p.Name+" "+p.Version+" in "+rel)
		}
		return strings.Join(where, ", ")
	}
	var got []string
	for _, f := range fs {
		got = append(got, strings.TrimPrefix(f.File, dir+"/")+":"+itoa(f.Line)+": "+f.Rule+": "+f.Message)
	}
	require.Equal(t, []string{
		"roles/omero_web/tasks/main.yml:5: python-distro-packaged: pip installs numpy into the system Python, but the distribution packages it (" + v("numpy") + "): install python3-numpy with apt instead, or pip into a virtualenv",
		"site.yml:5: python-distro-packaged: pip installs requests into the system Python, but the distribution packages it (" + v("requests") + "): install python3-requests with apt instead, or pip into a virtualenv",
		"site.yml:14: python-distro-packaged: pip installs zope-interface into the virtualenv /opt/v with system site packages, but the distribution packages it (" + v("zope.interface") + "): install python3-zope.interface with apt instead, or pip into a virtualenv",
		"site.yml:21: python-not-packaged: python3-omero-nosuch is not packaged by debian-12, ubuntu-22.04: if omero-nosuch is a PyPI-only module, install it with pip into a virtualenv",
		"site.yml:27: python-distro-packaged: pip installs django into the system Python, but the distribution packages it (" + v("django") + "): install python3-django with apt instead, or pip into a virtualenv",
	}, got)

	var buf bytes.Buffer
	require.NoError(t, pypolicy.WriteFindings(&buf, fs[:1], "json"))
	var js []map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &js))
	require.Equal(t, "python-distro-packaged", js[0]["rule"])
	require.EqualValues(t, 5, js[0]["line"])
	require.EqualValues(t, 3, js[0]["column"])
	buf.Reset()
	require.NoError(t, pypolicy.WriteFindings(&buf, fs[1:2], "text"))
	require.True(t, strings.HasSuffix(buf.String(), "site.yml:5: python-distro-packaged: pip installs requests into the system Python, but the distribution packages it ("+v("requests")+"): install python3-requests with apt instead, or pip into a virtualenv\n"), buf.String())
	require.Error(t, pypolicy.WriteFindings(&buf, fs, "xml"))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// lintLoadCases are playbooks that do not load, with where and why.
var lintLoadCases = []struct {
	files map[string]string
	file  string
	line  int
	rule  string
	msg   string
}{
	{map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - name: x\n      pip: name=[\n     bad: : :\n"}, "site.yml", 5, "yaml", "did not find expected '-' indicator"},
	{map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - debug:\n        msg: x\n    - pipp:\n        name: requests\n"}, "site.yml", 5, "unknown-module", "couldn't resolve module/action 'pipp'"},
	{map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - pip:\n        nme: requests\n"}, "site.yml", 3, "unknown-parameter", "Unsupported parameters for (pip) module: nme."},
	{map[string]string{"site.yml": "- hosts: all\n  roles:\n    - common\n    - omero_nosuch_role\n", "roles/common/tasks/main.yml": "- debug: msg=x\n"}, "site.yml", 4, "undefined-role", "the role 'omero_nosuch_role' was not found"},
	{map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - import_tasks: other.yml\n", "other.yml": "- debug:\n    msg: x\n- apt:\n    name: x\n  bogus: 1\n"}, "other.yml", 5, "load", "'bogus' is not a valid attribute for a Task"},
}

func TestLintLoadProblems(t *testing.T) {
	for _, tc := range lintLoadCases {
		dir := writeFiles(t, tc.files)
		fs, err := pypolicy.Lint(filepath.Join(dir, "site.yml"), pypolicy.LintOptions{})
		require.NoError(t, err)
		require.Len(t, fs, 1, "%v", fs)
		require.Equal(t, filepath.Join(dir, tc.file), fs[0].File)
		require.Equal(t, tc.line, fs[0].Line, "%v", fs[0])
		require.Equal(t, tc.rule, fs[0].Rule, "%v", fs[0])
		require.Contains(t, fs[0].Message, tc.msg)
		require.NotContains(t, fs[0].Message, "\n")
	}
}

func TestLintReleases(t *testing.T) {
	dir := writeFiles(t, map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - pip: name=requests\n"})
	_, err := pypolicy.Lint(filepath.Join(dir, "site.yml"), pypolicy.LintOptions{Releases: []string{"rocky-9"}})
	require.ErrorContains(t, err, "the catalog for rocky-9 has no data")
	_, err = pypolicy.Lint(filepath.Join(dir, "site.yml"), pypolicy.LintOptions{Releases: []string{"sles-15"}})
	require.ErrorContains(t, err, `no catalog for "sles-15"`)
	fs, err := pypolicy.Lint(filepath.Join(dir, "site.yml"), pypolicy.LintOptions{Releases: []string{"debian-12"}})
	require.NoError(t, err)
	require.Len(t, fs, 1)
	fs, err = pypolicy.Lint(filepath.Join(dir, "missing.yml"), pypolicy.LintOptions{})
	require.NoError(t, err)
	require.Equal(t, "load", fs[0].Rule)
}

// TestLintLoadProblemsAgreeWithAnsible runs ansible-playbook --syntax-check
// on the same playbooks: it must reject each one too, in the same file
// and line. Left out: unknown parameters (Ansible finds them only when
// the task runs), and an unknown task attribute, which Ansible words as
// "conflicting action statements" at the task's first line where the
// engine (playbook.Load) names the attribute's own line.
func TestLintLoadProblemsAgreeWithAnsible(t *testing.T) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-playbook is needed (apt-get install ansible-core)")
		}
		t.Skip("ansible-playbook is not installed (apt-get install ansible-core)")
	}
	for _, tc := range lintLoadCases {
		if tc.rule == "unknown-parameter" || tc.rule == "load" {
			continue
		}
		dir := writeFiles(t, tc.files)
		cmd := exec.Command("ansible-playbook", "--syntax-check", "-i", "localhost,", filepath.Join(dir, "site.yml"))
		cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0", "HOME="+dir)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "%s", out)
		text := strings.Join(strings.Fields(string(out)), " ")
		require.Contains(t, text, filepath.Join(dir, tc.file), tc.rule)
		require.Contains(t, text, "line "+itoa(tc.line), "%s: %s", tc.rule, text)
	}
}
