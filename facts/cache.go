package facts

import (
	"regexp"
	"strings"
	"sync"
)

// Prefixed gives facts (as Gather returns them) the form the setup module
// returns in its ansible_facts: every name with the ansible_ prefix,
// except gather_subset, module_setup and names that already have it
// (ansible_local).
func Prefixed(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		if k == "gather_subset" || k == "module_setup" || strings.HasPrefix(k, "ansible_") {
			out[k] = v
		} else {
			out["ansible_"+k] = v
		}
	}
	return out
}

// Namespace is Ansible's namespace_facts: facts as a module returned them
// (prefixed) turned into the content of the ansible_facts variable, the
// ansible_ prefix removed except from ansible_local.
func Namespace(prefixed map[string]any) map[string]any {
	out := make(map[string]any, len(prefixed))
	for k, v := range prefixed {
		if strings.HasPrefix(k, "ansible_") && k != "ansible_local" {
			out[k[len("ansible_"):]] = v
		} else {
			out[k] = v
		}
	}
	return out
}

var (
	interpreterKeyRE = regexp.MustCompile(`^ansible_.*_interpreter$`)
	// connectionKeys are variables a fact may not set (Ansible's
	// COMMON_CONNECTION_VARS and magic connection variables).
	connectionKeys = map[string]bool{
		"ansible_connection": true, "ansible_host": true, "ansible_user": true, "ansible_shell_executable": true,
		"ansible_port": true, "ansible_pipelining": true, "ansible_password": true, "ansible_timeout": true,
		"ansible_shell_type": true, "ansible_module_compression": true, "ansible_private_key_file": true,
		"ansible_ssh_host": true, "ansible_ssh_port": true, "ansible_ssh_user": true, "ansible_ssh_pass": true,
		"ansible_ssh_private_key_file": true, "ansible_ssh_executable": true, "ansible_ssh_common_args": true,
		"ansible_ssh_extra_args": true, "ansible_sftp_extra_args": true, "ansible_scp_extra_args": true,
		"ansible_ssh_pipelining": true, "ansible_ssh_args": true,
	}
)

// Injected is Ansible's clean_facts: the prefixed facts that become
// variables of their own (ansible_distribution, ...) when facts are
// injected as variables, without the names that could override
// connection or become settings.
func Injected(prefixed map[string]any) map[string]any {
	out := make(map[string]any, len(prefixed))
	for k, v := range prefixed {
		if connectionKeys[k] || interpreterKeyRE.MatchString(k) || strings.HasPrefix(k, "ansible_become_") {
			continue
		}
		out[k] = v
	}
	return out
}

// Cache holds the facts of each host for one run, so that facts gathered
// (or set) in one play are there in the next, as Ansible's memory fact
// cache keeps them. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	hosts map[string]map[string]any
}

// Update merges facts in the prefixed form (a module's ansible_facts) into
// the host's cached facts: top-level names are replaced, others kept.
func (c *Cache) Update(host string, prefixed map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hosts == nil {
		c.hosts = map[string]map[string]any{}
	}
	h := c.hosts[host]
	if h == nil {
		h = map[string]any{}
		c.hosts[host] = h
	}
	for k, v := range prefixed {
		h[k] = v
	}
}

// Get returns a copy of the host's cached facts (prefixed form) and
// whether there are any.
func (c *Cache) Get(host string) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hosts[host]
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out, true
}

// Clear forgets the host's facts (meta: clear_facts).
func (c *Cache) Clear(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.hosts, host)
}

// Vars returns the variables the host's facts give a task: ansible_facts
// (Namespace) and, when inject is true (INJECT_FACTS_AS_VARS, the
// default), every fact as its own ansible_ variable (Injected); with
// inject false only ansible_local is promoted, as in Ansible.
func (c *Cache) Vars(host string, inject bool) map[string]any {
	f, _ := c.Get(host)
	vars := map[string]any{"ansible_facts": Namespace(f)}
	if inject {
		for k, v := range Injected(f) {
			vars[k] = v
		}
	} else {
		local, ok := f["ansible_local"]
		if !ok {
			local = map[string]any{}
		}
		vars["ansible_local"] = local
	}
	return vars
}
