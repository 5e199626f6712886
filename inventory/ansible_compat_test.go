package inventory

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/yaml11"
)

// These tests run the real ansible-core (Debian's ansible-core package)
// on the inventories under testdata/compat and require omeprov to give
// the same answers: ansible-inventory's --list, --export, --graph,
// --graph --vars, --host, --playbook-dir and --yaml output, and, through
// testdata/ansible_probe.py, InventoryManager's host patterns and --limit
// (hosts, order, warnings) and VariableManager's merged host variables.

// needTool returns the path of an external tool, skipping the test when it
// is missing, or failing it when CI is set.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required when CI is set: %v (install Debian's ansible-core)", name, err)
		}
		t.Skipf("%s not installed (Debian package ansible-core): %v", name, err)
	}
	return p
}

type compatCase struct {
	name, dir   string
	sources     []string // absolute paths, or host lists as given
	playbookDir string
	patterns    []string
	limits      []string
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func loadCompatCases(t *testing.T) []compatCase {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "compat"))
	require.NoError(t, err)
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var cases []compatCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		c := compatCase{name: e.Name(), dir: dir}
		for _, s := range readLines(t, filepath.Join(dir, "sources")) {
			if !strings.Contains(s, ",") {
				s = filepath.Join(dir, s)
			}
			c.sources = append(c.sources, s)
		}
		if pb := readLines(t, filepath.Join(dir, "playbook_dir")); len(pb) > 0 {
			c.playbookDir = filepath.Join(dir, pb[0])
		}
		c.patterns = readLines(t, filepath.Join(dir, "patterns"))
		c.limits = readLines(t, filepath.Join(dir, "limits"))
		cases = append(cases, c)
	}
	require.NotEmpty(t, cases)
	return cases
}

func (c compatCase) ansibleInventory(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	var full []string
	for _, s := range c.sources {
		full = append(full, "-i", s)
	}
	cmd := exec.Command(bin, append(full, args...)...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCAL_TEMP="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "ansible-inventory %v: %s", args, stderr.String())
	return out
}

func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), "%s", b)
	return v
}

// buildOmeprov builds the omeprov command into a temporary directory.
func buildOmeprov(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "omeprov")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/ome/omeprov/cmd/omeprov")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// runOmeprov runs `omeprov inventory` with the case's sources.
func (c compatCase) runOmeprov(t *testing.T, bin string, args ...string) ([]byte, int) {
	t.Helper()
	var full []string
	for _, s := range c.sources {
		full = append(full, "-i", s)
	}
	cmd := exec.Command(bin, append(append([]string{"inventory"}, full...), args...)...)
	cmd.Dir = c.dir
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return out, ee.ExitCode()
	}
	require.NoError(t, err)
	return out, 0
}

func TestAnsibleInventoryCompat(t *testing.T) {
	bin := needTool(t, "ansible-inventory")
	omeprov := ""
	if !testing.Short() {
		omeprov = buildOmeprov(t)
	}
	for _, c := range loadCompatCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inv, err := Load(c.sources)
			require.NoError(t, err)

			// --list: the same JSON, and the same text, from the package
			// and from the omeprov command.
			want := c.ansibleInventory(t, bin, "--list")
			got, err := inv.ListJSON(OutputOptions{})
			require.NoError(t, err)
			require.Equal(t, jsonValue(t, want), jsonValue(t, got))
			require.Equal(t, string(want), string(got))
			if omeprov != "" {
				cli, code := c.runOmeprov(t, omeprov, "--list")
				require.Equal(t, 0, code)
				require.Equal(t, string(want), string(cli))
			}

			if testing.Short() {
				return // the other options cost a second of ansible-inventory each
			}
			want = c.ansibleInventory(t, bin, "--list", "--export")
			got, err = inv.ListJSON(OutputOptions{Export: true})
			require.NoError(t, err)
			require.Equal(t, jsonValue(t, want), jsonValue(t, got))

			want = c.ansibleInventory(t, bin, "--graph")
			got, err = inv.Graph("", OutputOptions{})
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))

			want = c.ansibleInventory(t, bin, "--graph", "--vars")
			got, err = inv.Graph("all", OutputOptions{Vars: true})
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))

			want = c.ansibleInventory(t, bin, "--list", "--yaml")
			got, err = inv.ListYAML(OutputOptions{})
			require.NoError(t, err)
			wantY, err := yaml11.Unmarshal(want, "ansible-inventory")
			require.NoError(t, err)
			gotY, err := yaml11.Unmarshal(got, "omeprov")
			require.NoError(t, err)
			require.Equal(t, wantY, gotY)

			if hosts := inv.Hosts(); len(hosts) > 0 {
				want = c.ansibleInventory(t, bin, "--host", hosts[0])
				got, err = inv.HostJSON(hosts[0], OutputOptions{})
				require.NoError(t, err)
				require.Equal(t, jsonValue(t, want), jsonValue(t, got))
			}
			if c.playbookDir != "" {
				want = c.ansibleInventory(t, bin, "--list", "--playbook-dir", c.playbookDir)
				got, err = inv.ListJSON(OutputOptions{PlaybookDir: c.playbookDir})
				require.NoError(t, err)
				require.Equal(t, jsonValue(t, want), jsonValue(t, got))
				for _, g := range inv.GroupList() {
					want = c.ansibleInventory(t, bin, "--graph", g, "--vars", "--playbook-dir", c.playbookDir)
					got, err = inv.Graph(g, OutputOptions{Vars: true, PlaybookDir: c.playbookDir})
					require.NoError(t, err)
					require.Equal(t, string(want), string(got))
					break // one group is enough to check a subtree
				}
			}
		})
	}
}

// probeAnswer is what testdata/ansible_probe.py prints.
type probeAnswer struct {
	LoadWarnings []string                         `json:"load_warnings"`
	Patterns     map[string]probeMatch            `json:"patterns"`
	Limits       map[string]map[string]probeMatch `json:"limits"`
	HostVars     map[string]map[string]any        `json:"hostvars"`
	GroupNames   map[string][]string              `json:"group_names"`
	Groups       map[string][]string              `json:"groups"`
	Hosts        []string                         `json:"hosts"`
}

type probeMatch struct {
	Hosts    []string `json:"hosts"`
	Warnings []string `json:"warnings"`
	Error    *string  `json:"error"`
}

func TestAnsibleManagerCompat(t *testing.T) {
	needTool(t, "ansible-inventory")
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required when CI is set", python)
		}
		t.Skipf("%s not found", python)
	}
	probe, err := filepath.Abs(filepath.Join("testdata", "ansible_probe.py"))
	require.NoError(t, err)
	for _, c := range loadCompatCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inv, err := Load(c.sources)
			require.NoError(t, err)
			if c.playbookDir != "" {
				require.NoError(t, inv.AddPlaybookVars(c.playbookDir))
			}
			patterns := c.patterns
			if patterns == nil {
				patterns = append([]string{"all", "*", "localhost"}, inv.GroupList()...)
			}
			req, err := json.Marshal(map[string]any{
				"sources": c.sources, "patterns": patterns, "limits": c.limits, "playbook_dir": c.playbookDir,
			})
			require.NoError(t, err)
			cmd := exec.Command(python, probe)
			cmd.Dir = c.dir
			cmd.Stdin = bytes.NewReader(req)
			cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "PYTHONDONTWRITEBYTECODE=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			require.NoError(t, err, "probe: %s", stderr.String())
			var ans probeAnswer
			require.NoError(t, json.Unmarshal(out, &ans))

			// Warnings about sources that could not be read, one for one.
			keep := func(ws []string) []string {
				var out []string
				for _, w := range ws {
					if strings.HasPrefix(w, "Unable to parse") || strings.HasPrefix(w, "No inventory was parsed") ||
						strings.HasPrefix(w, "Skipping") || strings.HasPrefix(w, "Found both") {
						out = append(out, w)
					}
				}
				slices.Sort(out)
				return out
			}
			require.Equal(t, keep(ans.LoadWarnings), keep(inv.Warnings()), "load warnings")

			check := func(what string, want probeMatch, pattern string) {
				t.Helper()
				got, warnings, err := inv.Match(pattern)
				if want.Error != nil {
					require.Error(t, err, "%s %q", what, pattern)
					require.Contains(t, err.Error(), *want.Error, "%s %q", what, pattern)
					return
				}
				require.NoError(t, err, "%s %q", what, pattern)
				if want.Hosts == nil {
					want.Hosts = []string{}
				}
				if got == nil {
					got = []string{}
				}
				require.Equal(t, want.Hosts, got, "%s %q", what, pattern)
				if want.Warnings == nil {
					want.Warnings = []string{}
				}
				if warnings == nil {
					warnings = []string{}
				}
				require.Equal(t, want.Warnings, warnings, "%s %q warnings", what, pattern)
			}
			for _, p := range patterns {
				check("pattern", ans.Patterns[p], p)
			}
			for _, lim := range c.limits {
				res := ans.Limits[lim]
				arg := lim
				if strings.HasPrefix(lim, "@") {
					arg = "@" + filepath.Join(c.dir, lim[1:])
				}
				_, err := inv.Limit(arg)
				require.NoError(t, err, "limit %q", lim)
				for _, p := range patterns {
					check("limit "+lim+" pattern", res[p], p)
				}
				_, err = inv.Limit("")
				require.NoError(t, err)
			}

			require.Equal(t, ans.Hosts, nonNil(inv.Hosts()), "hosts")
			require.Equal(t, ans.Groups, inv.Groups(), "groups")
			for h, names := range ans.GroupNames {
				require.Equal(t, nonNil(names), nonNil(inv.GroupNames(h)), "group_names of %s", h)
			}
			for h, want := range ans.HostVars {
				got := inv.HostVars(h)
				require.NotNil(t, got, "host %s", h)
				if h == "localhost" && inv.d.hosts[h] == nil {
					// The implicit localhost: Ansible also sets the
					// controller's Python, which omeprov does not use.
					delete(want, "ansible_python_interpreter")
					delete(got, "ansible_python_interpreter")
				}
				wantJSON, err := json.Marshal(want)
				require.NoError(t, err)
				require.Equal(t, jsonValue(t, wantJSON), jsonValue(t, PythonJSON(got)), "hostvars of %s", h)
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
