package inventory

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// AddHost adds a host to the running inventory as the add_host module does
// (InventoryManager.add_dynamic_host): a new host joins all, vars are
// merged over the host's own inventory vars, and the host joins each
// group, which is created if needed. It reports whether anything changed.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) (changed bool, err error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if name == "" {
		return false, errors.New("inventory: add_host: Invalid empty host name provided")
	}
	h := inv.d.hosts[name]
	if h == nil {
		if h, err = inv.d.addHost(name, "all", nil); err != nil {
			return false, fmt.Errorf("inventory: add_host: %w", err)
		}
		changed = true
	}
	for k, v := range vars {
		if old, ok := h.vars[k]; !ok || !reflect.DeepEqual(old, v) {
			h.vars[k] = v
			changed = true
		}
	}
	var newNames []string
	for _, gname := range groups {
		if gname == "" {
			return changed, errors.New("inventory: add_host: Invalid empty/false group name provided")
		}
		g := inv.d.groups[gname]
		if g == nil {
			g = inv.d.addGroup(gname)
			newNames = append(newNames, gname)
			changed = true
		}
		if !g.hasHost(h) {
			g.addHost(h)
			changed = true
		}
	}
	if changed {
		if err := inv.d.reconcile(); err != nil {
			return changed, fmt.Errorf("inventory: add_host: %w", err)
		}
	}
	return changed, inv.loadNewVars(newNames, []string{name})
}

// AddGroup puts a host into a group at run time as the group_by module
// does (InventoryManager.add_dynamic_group), creating the group and its
// parents if needed and making the group a child of each parent.
func (inv *Inventory) AddGroup(hostName, group string, parents []string) (changed bool, err error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.d.hosts[hostName]
	if h == nil {
		if inv.d.localhost != nil && inv.d.localhost.name == hostName {
			h = inv.d.localhost
		} else {
			return false, fmt.Errorf("inventory: group_by: %s cannot be matched in inventory", hostName)
		}
	}
	if group == "" {
		return false, errors.New("inventory: group_by: Invalid empty/false group name provided")
	}
	var newNames []string
	g := inv.d.groups[group]
	if g == nil {
		g = inv.d.addGroup(group)
		newNames = append(newNames, group)
	}
	for _, p := range parents {
		if p == "" {
			return changed, errors.New("inventory: group_by: Invalid empty/false group name provided")
		}
		if inv.d.groups[p] == nil {
			inv.d.addGroup(p)
			newNames = append(newNames, p)
			changed = true
		}
	}
	for _, p := range parents {
		pg := inv.d.groups[p]
		if slices.Contains(pg.children, g) {
			continue
		}
		if err := pg.addChild(g); err != nil {
			return changed, fmt.Errorf("inventory: group_by: %w", err)
		}
		changed = true
	}
	if !slices.Contains(g.allHosts(), h) && !g.hasHost(h) {
		g.addHost(h)
		changed = true
	}
	if changed {
		if err := inv.d.reconcile(); err != nil {
			return changed, fmt.Errorf("inventory: group_by: %w", err)
		}
	}
	return changed, inv.loadNewVars(newNames, nil)
}

// loadNewVars reads group_vars/host_vars of names added at run time, as
// Ansible's vars plugin would find them when the variables are asked for.
func (inv *Inventory) loadNewVars(groups, hosts []string) error {
	dirs := slices.Concat(inv.sourceDirs(), inv.playbookDirs)
	for _, dir := range dirs {
		for _, g := range groups {
			if err := inv.vars.load(dir, "group_vars", g); err != nil {
				return fmt.Errorf("inventory: %w", err)
			}
		}
		for _, h := range hosts {
			if err := inv.vars.load(dir, "host_vars", h); err != nil {
				return fmt.Errorf("inventory: %w", err)
			}
		}
	}
	return nil
}

// GroupVars returns a group's own variables: those the inventory sources
// set on it, then its group_vars files beside the inventory and beside the
// playbook, raw. It returns nil for an unknown group.
func (inv *Inventory) GroupVars(name string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	g := inv.d.groups[name]
	if g == nil {
		return nil
	}
	v := maps.Clone(g.vars)
	maps.Copy(v, inv.filesVars(inv.sourceDirs(), "group_vars", []string{name}))
	maps.Copy(v, inv.filesVars(inv.playbookDirs, "group_vars", []string{name}))
	return v
}
