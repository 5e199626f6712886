package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ome/omeprov/internal/yaml11"
	"github.com/ome/omeprov/template"
)

// Version is the ansible_version omeprov reports (the ansible-core it
// follows).
var Version = map[string]any{"full": "2.14.3", "major": 2, "minor": 14, "revision": 3, "string": "2.14.3"}

// loadVarsFiles reads the play's vars_files. Entries are templated with
// the play's vars (and extra vars) only, as Ansible does for host-less
// names; a list entry takes the first file that exists.
func (e *Executor) loadVarsFiles(pr *playRun) error {
	pr.playVarsFiles = map[string]any{}
	scope := e.playScope(pr)
	for _, entry := range pr.play.VarsFiles {
		cands := []any{entry}
		if l, ok := entry.([]any); ok {
			cands = l
		}
		var lastErr error
		loaded := false
		for _, c := range cands {
			v, err := e.opts.Templar.Template(c, scope, nil)
			if err != nil {
				return fmt.Errorf("%s: vars_files: %w", pr.play.Pos, err)
			}
			name := stringOf(v)
			if !filepath.IsAbs(name) {
				name = filepath.Join(pr.play.BaseDir, name)
			}
			data, err := os.ReadFile(name)
			if err != nil {
				lastErr = err
				continue
			}
			m, err := yaml11.Unmarshal(data, name)
			if err != nil {
				return err
			}
			if mm, ok := m.(map[string]any); ok {
				for k, x := range mm {
					pr.playVarsFiles[k] = x
				}
			} else if m != nil {
				return fmt.Errorf("%s: vars file must hold a dictionary", name)
			}
			loaded = true
			break
		}
		if !loaded {
			return fmt.Errorf("%s: vars_files: could not find or access '%v': %v", pr.play.Pos, entry, lastErr)
		}
	}
	return nil
}

// playScope is the scope for templating things that belong to the play
// rather than a host: play vars and extra vars.
func (e *Executor) playScope(pr *playRun) map[string]any {
	s := map[string]any{}
	for k, v := range pr.play.Vars {
		s[k] = v
	}
	for k, v := range pr.playVarsFiles {
		s[k] = v
	}
	s["playbook_dir"] = e.playbookDir()
	s["ansible_check_mode"] = e.opts.Check
	s["ansible_diff_mode"] = e.opts.Diff
	s["omit"] = template.Omit
	s["ansible_version"] = Version
	s["groups"] = e.opts.Inventory.Groups()
	for k, v := range e.opts.ExtraVars {
		s[k] = v
	}
	return s
}

func (e *Executor) playbookDir() string {
	if e.pb == nil {
		return ""
	}
	return filepath.Dir(e.pb.Path)
}

// hostVarsBase is what hostvars[host] holds: the host's inventory
// variables, facts, and the variables set on it during the run.
func (e *Executor) hostVarsBase(host string) map[string]any {
	hs := e.host(host)
	out := map[string]any{}
	for k, v := range e.opts.Inventory.HostVars(host) {
		out[k] = v
	}
	hs.mu.Lock()
	injectFacts(out, hs.facts)
	for k, v := range hs.includeVars {
		out[k] = v
	}
	for k, v := range hs.setFacts {
		out[k] = v
	}
	hs.mu.Unlock()
	out["inventory_hostname"] = host
	out["inventory_hostname_short"] = strings.SplitN(host, ".", 2)[0]
	out["group_names"] = toAnyList(e.opts.Inventory.GroupNames(host))
	for k, v := range e.opts.ExtraVars {
		out[k] = v
	}
	return out
}

func injectFacts(dst, facts map[string]any) {
	if len(facts) == 0 {
		dst["ansible_facts"] = map[string]any{}
		return
	}
	f := make(map[string]any, len(facts))
	for k, v := range facts {
		f[k] = v
		dst["ansible_"+k] = v
	}
	dst["ansible_facts"] = f
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// scope builds the variables a task sees on a host, in Ansible's
// precedence order (later wins):
//
//	role defaults < inventory vars (group_vars < host_vars, playbook dirs
//	above inventory dirs) < facts < play vars < vars_files < role vars <
//	block vars < task vars < include_vars < set_fact/register < role and
//	include params < magic vars < extra vars
func (e *Executor) scope(pr *playRun, host string, fr *frame, hostvars *hostVars) map[string]any {
	s := map[string]any{}
	for _, r := range pr.roles {
		copyInto(s, r.Defaults)
	}
	if fr.role != nil {
		copyInto(s, fr.role.Defaults)
	}
	copyInto(s, e.opts.Inventory.HostVars(host))
	hs := e.host(host)
	hs.mu.Lock()
	injectFacts(s, hs.facts)
	hs.mu.Unlock()
	copyInto(s, pr.play.Vars)
	copyInto(s, pr.playVarsFiles)
	for _, r := range pr.roles {
		copyInto(s, r.Vars)
	}
	if fr.role != nil {
		copyInto(s, fr.role.Vars)
	}
	copyInto(s, fr.kw.Vars)
	hs.mu.Lock()
	copyInto(s, hs.includeVars)
	copyInto(s, hs.setFacts)
	hs.mu.Unlock()
	copyInto(s, fr.params)

	// Magic variables.
	s["inventory_hostname"] = host
	s["inventory_hostname_short"] = strings.SplitN(host, ".", 2)[0]
	s["group_names"] = toAnyList(e.opts.Inventory.GroupNames(host))
	groups := map[string]any{}
	for g, hs := range e.opts.Inventory.Groups() {
		groups[g] = toAnyList(hs)
	}
	s["groups"] = groups
	s["hostvars"] = hostvars
	playHosts := toAnyList(pr.hostsActive())
	s["play_hosts"] = playHosts
	s["ansible_play_hosts"] = playHosts
	s["ansible_play_batch"] = playHosts
	s["ansible_play_hosts_all"] = toAnyList(pr.hosts)
	s["ansible_check_mode"] = e.opts.Check
	s["ansible_diff_mode"] = e.opts.Diff
	s["ansible_verbosity"] = e.opts.Verbosity
	s["ansible_forks"] = e.opts.Forks
	s["ansible_run_tags"] = runTags(e.opts.Tags)
	s["ansible_skip_tags"] = toAnyList(e.opts.SkipTags)
	s["ansible_play_name"] = pr.play.Name
	s["ansible_version"] = Version
	s["ansible_inventory_sources"] = toAnyList(e.opts.InventorySrcs)
	if e.opts.Limit != "" {
		s["ansible_limit"] = e.opts.Limit
	}
	s["playbook_dir"] = e.playbookDir()
	s["omit"] = template.Omit
	if fr.role != nil {
		s["role_path"] = fr.role.Path
		s["role_name"] = fr.role.Name
		s["ansible_role_name"] = fr.role.Name
	}
	copyInto(s, e.opts.ExtraVars)
	return s
}

func runTags(tags []string) []any {
	if len(tags) == 0 {
		return []any{"all"}
	}
	return toAnyList(tags)
}

func copyInto(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}

// allHostVars builds the hostvars magic variable for one step of the run:
// a lazy map, so a host's variables are only assembled when a template
// asks for them.
func (e *Executor) allHostVars() *hostVars {
	return &hostVars{e: e, cache: map[string]map[string]any{}}
}

// hostVars is the hostvars magic variable (template.LazyMap).
type hostVars struct {
	e     *Executor
	mu    sync.Mutex
	cache map[string]map[string]any
}

// Get returns a host's variables.
func (hv *hostVars) Get(host string) (any, bool) {
	hv.mu.Lock()
	defer hv.mu.Unlock()
	if v, ok := hv.cache[host]; ok {
		return v, true
	}
	if !hv.e.inInventory(host) {
		return nil, false
	}
	v := hv.e.hostVarsBase(host)
	hv.cache[host] = v
	return v, true
}

// Keys lists the inventory's hosts.
func (hv *hostVars) Keys() []string { return hv.e.opts.Inventory.Hosts() }

// UndefinedName names a missing host as Ansible does.
func (hv *hostVars) UndefinedName(key string) string { return "hostvars['" + key + "']" }
