// Package inventory reads Ansible inventories (INI, YAML, host lists and
// directories of them, with group_vars/ and host_vars/) with the semantics
// of ansible-core 2.14, and selects hosts with Ansible's host patterns.
//
// Variables keep their raw, untemplated values: templating is the engine's
// job. Vault-encrypted values (!vault) stay as their ciphertext text, and
// vault-encrypted files are refused.
package inventory

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Inventory is a loaded inventory. Its methods are safe for concurrent use.
type Inventory struct {
	mu sync.Mutex
	d  *data
	// sources are the -i values as given, for finding group_vars/host_vars
	// beside them; playbookDirs come from AddPlaybookVars.
	sources      []string
	playbookDirs []string
	subset       []string // the --limit patterns, nil for none
	vars         *varsFiles
	srcDirs      []string // sourceDirs, computed once by Load
}

// Load reads the inventory sources given to -i, in order (files,
// directories, host lists "h1,h2,"). With no sources it reads nothing but
// the implicit localhost as Ansible does when the inventory is empty.
//
// As in Ansible, a source that cannot be parsed is a warning (see
// Warnings), not an error, unless ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED
// or ANSIBLE_INVENTORY_UNPARSED_FAILED is true. Load fails on unreadable
// or malformed group_vars/host_vars files, as Ansible does.
func Load(sources []string) (*Inventory, error) {
	inv := &Inventory{d: newData(), sources: slices.Clone(sources), vars: newVarsFiles()}
	parsed := false
	for _, src := range sources {
		if src == "" {
			continue
		}
		if !strings.Contains(src, ",") {
			src = absPath(src)
		}
		ok, err := inv.parseSource(src)
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		parsed = parsed || ok
	}
	if parsed {
		if err := inv.d.reconcile(); err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
	} else if envBool("ANSIBLE_INVENTORY_UNPARSED_FAILED") {
		return nil, fmt.Errorf("inventory: No inventory was parsed, please check your configuration and options.")
	} else if len(sources) > 0 || envBool("ANSIBLE_INVENTORY_UNPARSED_WARNING", true) {
		inv.d.warn("No inventory was parsed, only implicit localhost is available")
	}
	inv.srcDirs = inv.computeSourceDirs()
	if err := inv.loadVars(inv.srcDirs); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return inv, nil
}

// Warnings returns the warnings loading and matching gave so far, in order,
// as Ansible prints them after "[WARNING]: ".
func (inv *Inventory) Warnings() []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return slices.Clone(inv.d.warnings)
}

// envBool reads an Ansible boolean setting from the environment.
func envBool(name string, def ...bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok {
		return len(def) > 0 && def[0]
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "y", "yes", "on", "1", "true", "t":
		return true
	}
	return false
}

// absPath is Ansible's unfrackpath(path, follow=False).
func absPath(p string) string {
	p = os.Expand(p, func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return "${" + k + "}"
	})
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// ignoredName is Ansible's IGNORED pattern for files in an inventory
// directory (INVENTORY_IGNORE_EXTS and the always-ignored names).
var ignoredName = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|` +
	`(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

type failure struct{ plugin, msg string }

// parseSource is InventoryManager.parse_source.
func (inv *Inventory) parseSource(src string) (bool, error) {
	if st, err := os.Stat(src); err == nil && st.IsDir() {
		entries, err := os.ReadDir(src)
		if err != nil {
			inv.d.warn(fmt.Sprintf("Unable to parse %s as an inventory source", src))
			return false, nil
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		parsed := false
		for _, name := range names {
			if ignoredName.MatchString(name) {
				continue
			}
			ok, err := inv.parseSource(filepath.Join(src, name))
			if err != nil {
				return false, err
			}
			parsed = parsed || ok
		}
		return parsed, nil
	}
	inv.d.currentSource = src
	defer func() { inv.d.currentSource = "" }()
	failures, parsed := inv.tryPlugins(src)
	if parsed {
		return true, nil
	}
	if src != "/etc/ansible/hosts" || exists(src) {
		for _, f := range failures {
			inv.d.warn(fmt.Sprintf(" * Failed to parse %s with %s plugin: %s", src, f.plugin, f.msg))
		}
		if envBool("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED") {
			msg := "Completely failed to parse inventory source " + src
			for _, f := range failures {
				msg += "\n" + f.plugin + ": " + f.msg
			}
			return false, fmt.Errorf("%s", msg)
		}
		inv.d.warn(fmt.Sprintf("Unable to parse %s as an inventory source", src))
	}
	return false, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// tryPlugins runs the inventory plugins Ansible enables by default, in
// its order: host_list, script, auto, yaml, ini, toml.
func (inv *Inventory) tryPlugins(src string) ([]failure, bool) {
	var failures []failure
	st, statErr := os.Stat(src)
	if statErr != nil {
		if strings.Contains(src, ",") {
			parseHostList(inv.d, src)
			return nil, true
		}
		return nil, false
	}
	if !st.Mode().IsRegular() {
		return nil, false
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, false // not readable: every file plugin declines
	}
	if bytes.HasPrefix(b, []byte("#!")) {
		// Ansible would run it as a dynamic inventory script; omeprov does
		// not run scripts, and parsing one as INI would make nonsense.
		return []failure{{"script", "dynamic inventory scripts are not supported by omeprov; run the script and give its output (ansible-inventory --list --yaml) as a YAML inventory instead"}}, false
	}
	if st.Mode()&0o111 != 0 {
		failures = append(failures, failure{"script", "the file is executable but has no #! line: not run, read as a static inventory"})
	}
	if bytes.HasPrefix(b, []byte("$ANSIBLE_VAULT")) {
		return append(failures, failure{"yaml", "vault-encrypted inventory files are not supported by omeprov"}), false
	}
	ext := pyExt(src)
	if ext == ".yml" || ext == ".yaml" {
		// auto: a plugin configuration file names its plugin.
		if v, err := yamlPluginKey(b, src); err == nil && v != "" {
			return append(failures, failure{"auto", fmt.Sprintf("inventory plugin configuration files are not supported by omeprov (plugin: %s)", v)}), false
		} else if err != nil {
			failures = append(failures, failure{"auto", err.Error()})
		} else {
			failures = append(failures, failure{"auto", fmt.Sprintf("no root 'plugin' key found, '%s' is not a valid YAML inventory plugin config file", src)})
		}
	}
	if ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json" {
		if err := parseYAMLInventory(inv.d, src, b); err != nil {
			failures = append(failures, failure{"yaml", yamlErrText(err)})
		} else {
			return nil, true
		}
	}
	if ext == ".toml" {
		failures = append(failures, failure{"toml", "TOML inventories are not supported by omeprov"})
	}
	if err := parseINI(inv.d, src, b); err != nil {
		return append(failures, failure{"ini", err.Error()}), false
	}
	return nil, true
}

func yamlErrText(err error) string {
	if pe, ok := err.(*ParseError); ok && pe.Line == 0 {
		return pe.Msg
	}
	return err.Error()
}

// yamlPluginKey returns the root "plugin" value of a YAML file, if any.
func yamlPluginKey(b []byte, path string) (string, error) {
	doc, err := parseYAMLValue(b, path)
	if err != nil {
		return "", err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return "", nil
	}
	if v, ok := m["plugin"]; ok && truthy(v) {
		return pyStr(v), nil
	}
	return "", nil
}

// pyExt is Python's os.path.splitext(path)[1]: leading dots of the base
// name do not start an extension.
func pyExt(p string) string {
	base := filepath.Base(p)
	trimmed := strings.TrimLeft(base, ".")
	i := strings.LastIndex(trimmed, ".")
	if i < 0 {
		return ""
	}
	return trimmed[i:]
}

// parseHostList is the host_list plugin: "h1,h2:2222,".
func parseHostList(d *data, list string) {
	for _, h := range strings.Split(list, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		name, port, err := parseAddress(h, false)
		if err != nil {
			name, port = h, nil
		}
		if d.hosts[name] == nil {
			_, _ = d.addHost(name, "ungrouped", port)
		}
	}
}

// sourceDirs are the directories whose group_vars/ and host_vars/ belong
// to the inventory: each source directory, or each source file's directory.
func (inv *Inventory) sourceDirs() []string { return inv.srcDirs }

func (inv *Inventory) computeSourceDirs() []string {
	var dirs []string
	for _, s := range inv.sources {
		if s == "" || (strings.Contains(s, ",") && !exists(s)) {
			continue
		}
		p := absPath(s)
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			p = filepath.Dir(p)
		}
		dirs = append(dirs, p)
	}
	return dirs
}
