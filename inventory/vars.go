package inventory

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ome/omeprov/internal/yaml11"
)

// varsExtensions are Ansible's YAML_FILENAME_EXTENSIONS, with "" first so
// that a directory group_vars/NAME/ is found before group_vars/NAME.yml.
var varsExtensions = []string{"", ".yml", ".yaml", ".json"}

// varsFiles holds the group_vars/host_vars files read so far, as the
// host_group_vars plugin finds them.
type varsFiles struct {
	// found maps "dir\x00subdir\x00name" to the merged vars of that entity.
	found map[string]map[string]any
}

func newVarsFiles() *varsFiles { return &varsFiles{found: map[string]map[string]any{}} }

func varsKey(dir, subdir, name string) string { return dir + "\x00" + subdir + "\x00" + name }

// load reads dir/subdir/name{,.yml,.yaml,.json} (a file, or a directory
// of such files read recursively in name order) unless it is cached.
func (vf *varsFiles) load(dir, subdir, name string) error {
	key := varsKey(dir, subdir, name)
	if _, ok := vf.found[key]; ok {
		return nil
	}
	vf.found[key] = nil
	if strings.HasPrefix(name, "/") {
		return nil // Ansible skips names that look like chroot paths
	}
	base := filepath.Join(dir, subdir)
	if real, err := filepath.EvalSymlinks(base); err == nil {
		base = real
	}
	st, err := os.Stat(base)
	if err != nil {
		return nil
	}
	if !st.IsDir() {
		return nil // Ansible warns "Found group_vars that is not a directory"
	}
	var files []string
	for _, ext := range varsExtensions {
		full := filepath.Join(base, name) + ext
		fst, err := os.Stat(full)
		if err != nil {
			continue
		}
		if fst.IsDir() {
			files = varsDirFiles(full)
		} else {
			files = []string{full}
		}
		break
	}
	merged := map[string]any{}
	for _, f := range files {
		v, err := readVarsFile(f)
		if err != nil {
			return err
		}
		maps.Copy(merged, v)
	}
	vf.found[key] = merged
	return nil
}

// varsDirFiles is DataLoader._get_dir_vars_files.
func varsDirFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full := filepath.Join(dir, n)
		ext := pyExt(n)
		st, err := os.Stat(full)
		if err != nil {
			continue
		}
		switch {
		case st.IsDir() && ext == "":
			out = append(out, varsDirFiles(full)...)
		case st.Mode().IsRegular() && slices.Contains(varsExtensions, ext):
			out = append(out, full)
		}
	}
	return out
}

// readVarsFile reads one YAML or JSON file of variables: a mapping, or
// nothing at all.
func readVarsFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if bytes.HasPrefix(b, []byte("$ANSIBLE_VAULT")) {
		return nil, fmt.Errorf("%s: vault-encrypted variable files are not supported by omeprov", path)
	}
	if _, err := yaml11.Parse(b, path); err != nil {
		return nil, refineYAMLError(b, path, err)
	}
	v, err := parseYAMLValue(b, path)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	case string, []any:
		if !truthy(v) {
			return nil, nil // empty data is ignored
		}
	}
	return nil, fmt.Errorf("%s: failed to combine variables, expected dicts but got a '%s' and a 'dict'", path, strings.TrimSuffix(strings.TrimPrefix(pyTypeName(v), "<class '"), "'>"))
}

// parseYAMLValue reads a single YAML (or JSON) document into plain values.
func parseYAMLValue(b []byte, path string) (any, error) {
	return yaml11.Unmarshal(b, path)
}

// loadVars reads group_vars/host_vars in dirs for every group and host
// (and the implicit localhost names).
func (inv *Inventory) loadVars(dirs []string) error {
	names := func(yield func(subdir, name string) bool) {
		for _, g := range inv.d.groupOrder {
			if !yield("group_vars", g.name) {
				return
			}
		}
		for _, h := range inv.d.hostOrder {
			if !yield("host_vars", h.name) {
				return
			}
		}
		for _, n := range localhostNames {
			if !yield("host_vars", n) {
				return
			}
		}
	}
	for _, dir := range dirs {
		for subdir, name := range names {
			if err := inv.vars.load(dir, subdir, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddPlaybookVars loads group_vars/ and host_vars/ found in dir (the
// playbook's directory), which Ansible ranks above the inventory's own
// group_vars/host_vars (at each level: group_vars/all, group_vars/*,
// host_vars/*).
func (inv *Inventory) AddPlaybookVars(dir string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	dir = absPath(dir)
	if slices.Contains(inv.playbookDirs, dir) {
		return nil
	}
	if err := inv.loadVars([]string{dir}); err != nil {
		return fmt.Errorf("inventory: playbook vars: %w", err)
	}
	inv.playbookDirs = append(inv.playbookDirs, dir)
	return nil
}

func (inv *Inventory) filesVars(dirs []string, subdir string, names []string) map[string]any {
	out := map[string]any{}
	for _, dir := range dirs {
		for _, n := range names {
			maps.Copy(out, inv.vars.found[varsKey(dir, subdir, n)])
		}
	}
	return out
}

// lookupHost finds a host, or the implicit localhost for a localhost name.
func (inv *Inventory) lookupHost(name string) *host {
	if h := inv.d.hosts[name]; h != nil {
		return h
	}
	if !isLocalhost(name) {
		return nil
	}
	if inv.d.localhost == nil {
		inv.d.localhost = &host{name: name, implicit: true, vars: map[string]any{
			"ansible_connection": "local",
		}}
	}
	return inv.d.localhost
}

// sortedGroups is sort_groups: by depth, priority, then name.
func sortedGroups(groups []*group) []*group {
	out := slices.Clone(groups)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.name < b.name
	})
	return out
}

// HostVars returns a host's variables merged in Ansible's precedence order
// (inventory file group vars < group_vars/all < playbook group_vars/all <
// group_vars/* < playbook group_vars/* < inventory file host vars <
// host_vars/* < playbook host_vars/*), raw (untemplated), including
// inventory_file/inventory_dir when Ansible sets them and the magic
// inventory_hostname, inventory_hostname_short and group_names.
// It returns nil for a host that is not in the inventory.
func (inv *Inventory) HostVars(name string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(name)
	if h == nil {
		return nil
	}
	return inv.hostVars(h, inv.playbookDirs)
}

// HostVarsIn is HostVars for a play of the playbook in playbookDir only:
// Ansible ranks just the running playbook's group_vars/host_vars, so with
// several playbooks in different directories each sees its own. The
// directory must have been given to AddPlaybookVars; "" means none.
func (inv *Inventory) HostVarsIn(name, playbookDir string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(name)
	if h == nil {
		return nil
	}
	var dirs []string
	if playbookDir != "" {
		dirs = []string{absPath(playbookDir)}
	}
	return inv.hostVars(h, dirs)
}

func (inv *Inventory) hostVars(h *host, playbookDirs []string) map[string]any {
	srcDirs := inv.sourceDirs()
	out := maps.Clone(inv.d.groups["all"].vars)
	maps.Copy(out, inv.filesVars(srcDirs, "group_vars", []string{"all"}))
	maps.Copy(out, inv.filesVars(playbookDirs, "group_vars", []string{"all"}))
	var groups []*group
	for _, g := range h.groups {
		if g.name != "all" {
			groups = append(groups, g)
		}
	}
	groups = sortedGroups(groups)
	names := make([]string, len(groups))
	for i, g := range groups {
		maps.Copy(out, g.vars)
		names[i] = g.name
	}
	maps.Copy(out, inv.filesVars(srcDirs, "group_vars", names))
	maps.Copy(out, inv.filesVars(playbookDirs, "group_vars", names))
	maps.Copy(out, h.vars)
	maps.Copy(out, inv.magicVars(h))
	maps.Copy(out, inv.filesVars(srcDirs, "host_vars", []string{h.name}))
	maps.Copy(out, inv.filesVars(playbookDirs, "host_vars", []string{h.name}))
	return out
}

// magicVars are Host.get_magic_vars.
func (inv *Inventory) magicVars(h *host) map[string]any {
	short := h.name
	if !ipv4Re.MatchString(h.name) && !ipv6Re.MatchString(h.name) {
		short, _, _ = strings.Cut(h.name, ".")
	}
	names := []any{}
	for _, n := range inv.groupNames(h) {
		names = append(names, n)
	}
	return map[string]any{
		"inventory_hostname":       h.name,
		"inventory_hostname_short": short,
		"group_names":              names,
	}
}

// groupNames is Host.get_magic_vars' group_names: sorted, without all.
// (Ansible keeps "ungrouped" in it for hosts in no other group.)
func (inv *Inventory) groupNames(h *host) []string {
	var out []string
	for _, g := range h.groups {
		if g.name != "all" {
			out = append(out, g.name)
		}
	}
	sort.Strings(out)
	return out
}

// GroupNames is the magic var group_names for host: its groups, sorted,
// without all. As in Ansible, a host in no group but ungrouped has
// ["ungrouped"]. An unknown host has none.
func (inv *Inventory) GroupNames(name string) []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(name)
	if h == nil {
		return nil
	}
	return inv.groupNames(h)
}

// Groups is the magic var `groups`: every group (including all and
// ungrouped) to its hosts, with the hosts of its subgroups, in inventory
// order.
func (inv *Inventory) Groups() map[string][]string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := make(map[string][]string, len(inv.d.groups))
	for _, g := range inv.d.groupOrder {
		names := []string{}
		for _, h := range g.allHosts() {
			names = append(names, h.name)
		}
		out[g.name] = names
	}
	return out
}

// GroupList returns every group name in the order the inventory defined
// them (all and ungrouped first).
func (inv *Inventory) GroupList() []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := make([]string, len(inv.d.groupOrder))
	for i, g := range inv.d.groupOrder {
		out[i] = g.name
	}
	return out
}

// Hosts lists every host in inventory order (the order of the pattern
// "all"), without the implicit localhost.
func (inv *Inventory) Hosts() []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var out []string
	for _, h := range inv.d.groups["all"].allHosts() {
		out = append(out, h.name)
	}
	return out
}
