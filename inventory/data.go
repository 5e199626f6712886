package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unicode"
)

// group is an inventory group, as ansible.inventory.group.Group.
type group struct {
	name     string
	depth    int
	priority int
	hosts    []*host
	vars     map[string]any
	children []*group
	parents  []*group
}

// host is an inventory host, as ansible.inventory.host.Host.
type host struct {
	name     string
	vars     map[string]any
	groups   []*group // direct groups and their ancestors, as Host.groups
	implicit bool     // the implicit localhost
}

// localhostNames are the names Ansible treats as the local machine.
var localhostNames = []string{"127.0.0.1", "localhost", "::1"}

func isLocalhost(name string) bool { return slices.Contains(localhostNames, name) }

func newGroup(name string) *group {
	return &group{name: name, priority: 1, vars: map[string]any{}}
}

// ancestors returns every group above g, in breadth-first order.
func (g *group) ancestors() []*group {
	return walk(g.parents, func(x *group) []*group { return x.parents })
}

// descendants returns g and every group below it, as Group.get_descendants
// with include_self and preserve_ordering.
func (g *group) descendants() []*group {
	return append([]*group{g}, walk(g.children, func(x *group) []*group { return x.children })...)
}

func walk(start []*group, next func(*group) []*group) []*group {
	var ordered []*group
	seen := map[*group]bool{}
	level := start
	for _, x := range start {
		if !seen[x] {
			seen[x] = true
			ordered = append(ordered, x)
		}
	}
	for len(level) > 0 {
		var nl []*group
		for _, x := range level {
			for _, y := range next(x) {
				if !seen[y] {
					seen[y] = true
					ordered = append(ordered, y)
					nl = append(nl, y)
				}
			}
		}
		level = nl
	}
	return ordered
}

// allHosts is Group.get_hosts: the hosts of g and its descendants, first
// seen first, without the implicit localhost for all.
func (g *group) allHosts() []*host {
	var out []*host
	seen := map[*host]bool{}
	for _, kid := range g.descendants() {
		for _, h := range kid.hosts {
			if seen[h] {
				continue
			}
			seen[h] = true
			if g.name == "all" && h.implicit {
				continue
			}
			out = append(out, h)
		}
	}
	return out
}

func (g *group) hasHost(h *host) bool { return slices.Contains(g.hosts, h) }

// addChild makes child a subgroup of g, as Group.add_child_group.
func (g *group) addChild(child *group) error {
	if g == child {
		return fmt.Errorf("can't add group to itself")
	}
	if slices.Contains(g.children, child) {
		return nil
	}
	gAnc := g.ancestors()
	if slices.Contains(gAnc, child) {
		return fmt.Errorf("Adding group '%s' as child to '%s' creates a recursive dependency loop.", child.name, g.name)
	}
	g.children = append(g.children, child)
	child.depth = max(g.depth+1, child.depth)
	if err := child.checkChildrenDepth(); err != nil {
		return err
	}
	if !slices.Contains(child.parents, g) {
		child.parents = append(child.parents, g)
		newAnc := append([]*group{g}, gAnc...)
		for _, h := range child.allHosts() {
			for _, a := range newAnc {
				if !slices.Contains(h.groups, a) {
					h.groups = append(h.groups, a)
				}
			}
		}
	}
	return nil
}

func (g *group) checkChildrenDepth() error {
	depth, start := g.depth, g.depth
	seen := map[*group]bool{}
	unprocessed := slices.Clone(g.children)
	for len(unprocessed) > 0 {
		for _, x := range unprocessed {
			seen[x] = true
		}
		depth++
		var next []*group
		for _, x := range unprocessed {
			if x.depth < depth {
				x.depth = depth
				next = append(next, x.children...)
			}
		}
		if depth-start > len(seen) {
			return fmt.Errorf("The group named '%s' has a recursive dependency loop.", g.name)
		}
		unprocessed = next
	}
	return nil
}

// addHost makes h a direct member of g, as Group.add_host.
func (g *group) addHost(h *host) {
	if g.hasHost(h) {
		return
	}
	g.hosts = append(g.hosts, h)
	for _, a := range g.ancestors() {
		if !slices.Contains(h.groups, a) {
			h.groups = append(h.groups, a)
		}
	}
	if !slices.Contains(h.groups, g) {
		h.groups = append(h.groups, g)
	}
}

// setVar sets a group variable; ansible_group_priority sets the priority.
func (g *group) setVar(key string, value any) error {
	if key == "ansible_group_priority" {
		p, err := pyInt(value)
		if err != nil {
			return err
		}
		g.priority = p
		return nil
	}
	g.vars[key] = value
	return nil
}

// pyInt converts as Python's int() does for the values inventories hold.
func pyInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(v), nil
	case string:
		if n, ok := parsePyIntString(v); ok {
			return n, nil
		}
		return 0, fmt.Errorf("invalid literal for int() with base 10: '%s'", v)
	}
	return 0, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v))
}

// data is the inventory proper: InventoryData.
type data struct {
	groups        map[string]*group
	groupOrder    []*group
	hosts         map[string]*host
	hostOrder     []*host
	localhost     *host
	currentSource string
	warnings      []string
	warned        map[string]bool
}

func newData() *data {
	d := &data{groups: map[string]*group{}, hosts: map[string]*host{}, warned: map[string]bool{}}
	d.addGroup("all")
	d.addGroup("ungrouped")
	_ = d.groups["all"].addChild(d.groups["ungrouped"])
	return d
}

func (d *data) warn(msg string) {
	if d.warned[msg] {
		return // Ansible shows each warning once
	}
	d.warned[msg] = true
	d.warnings = append(d.warnings, msg)
}

// addGroup adds a group if it is new; name is never empty.
func (d *data) addGroup(name string) *group {
	if g, ok := d.groups[name]; ok {
		return g
	}
	if invalidGroupName(name) {
		d.warn("Invalid characters were found in group names but not replaced, use -vvvv to see details")
	}
	g := newGroup(name)
	d.groups[name] = g
	d.groupOrder = append(d.groupOrder, g)
	return g
}

// invalidGroupName is C.INVALID_VARIABLE_NAMES: a name that is not a
// Python identifier.
func invalidGroupName(name string) bool {
	for i, c := range name {
		word := c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.Is(unicode.Mn, c)
		if !word || (i == 0 && unicode.IsDigit(c)) {
			return true
		}
	}
	return false
}

// addHost adds a host (and puts it in group if given), as
// InventoryData.add_host; port is set only on a new host.
func (d *data) addHost(name, groupName string, port *int) (*host, error) {
	if name == "" {
		return nil, fmt.Errorf("Invalid empty host name provided: %s", name)
	}
	var g *group
	if groupName != "" {
		g = d.groups[groupName]
		if g == nil {
			return nil, fmt.Errorf("Could not find group %s in inventory", groupName)
		}
	}
	h := d.hosts[name]
	if h == nil {
		h = &host{name: name, vars: map[string]any{}}
		if port != nil && *port != 0 {
			h.vars["ansible_port"] = *port
		}
		d.hosts[name] = h
		d.hostOrder = append(d.hostOrder, h)
		// As InventoryData.add_host, through set_variable: a group of the
		// same name gets these instead of the host.
		var file, dir any
		if d.currentSource != "" {
			file, dir = d.currentSource, sourceDir(d.currentSource)
		}
		_ = d.setVariable(name, "inventory_file", file)
		_ = d.setVariable(name, "inventory_dir", dir)
		if isLocalhost(name) {
			if d.localhost == nil {
				d.localhost = h
			} else {
				d.warn(fmt.Sprintf("A duplicate localhost-like entry was found (%s). First found localhost was %s", name, d.localhost.name))
			}
		}
	}
	if g != nil {
		g.addHost(h)
	}
	return h, nil
}

// sourceDir is ansible.utils.path.basedir for an inventory source: the
// directory itself, a file's directory, or for a host list the string
// "None" (Ansible converts its None to text there).
func sourceDir(source string) any {
	st, err := os.Stat(source)
	switch {
	case err == nil && st.IsDir():
		return source
	case err == nil:
		return filepath.Dir(source)
	}
	return "None"
}

// addChild adds a group or host to a group, as InventoryData.add_child.
func (d *data) addChild(parent, child string) error {
	g := d.groups[parent]
	if g == nil {
		return fmt.Errorf("%s is not a known group", parent)
	}
	if c := d.groups[child]; c != nil {
		return g.addChild(c)
	}
	if h := d.hosts[child]; h != nil {
		g.addHost(h)
		return nil
	}
	return fmt.Errorf("%s is not a known host nor group", child)
}

// setVariable sets a variable on the group, or else the host, of that
// name, as InventoryData.set_variable (a group wins over a host).
func (d *data) setVariable(entity, key string, value any) error {
	if g := d.groups[entity]; g != nil {
		return g.setVar(key, value)
	}
	if h := d.hosts[entity]; h != nil {
		h.vars[key] = value
		return nil
	}
	return fmt.Errorf("Could not identify group or host named %s", entity)
}

// reconcile is InventoryData.reconcile_inventory: top-level groups go
// under all, hosts in a real group leave ungrouped, groupless hosts join it.
func (d *data) reconcile() error {
	all, ungrouped := d.groups["all"], d.groups["ungrouped"]
	var names []string
	for _, g := range d.groupOrder {
		if g.name != "all" && len(g.parents) == 0 {
			// A group that is a parent of all cannot go under it.
			if err := all.addChild(g); err != nil {
				return err
			}
		}
	}
	for _, h := range d.hostOrder {
		if slices.Contains(h.groups, ungrouped) {
			for _, g := range h.groups {
				if g != all && g != ungrouped {
					ungrouped.hosts = slices.DeleteFunc(ungrouped.hosts, func(x *host) bool { return x == h })
					h.groups = slices.DeleteFunc(h.groups, func(x *group) bool { return x == ungrouped })
					break
				}
			}
		} else if !h.implicit {
			if len(h.groups) == 0 || (len(h.groups) == 1 && h.groups[0] == all) {
				ungrouped.addHost(h)
			}
		}
		if d.groups[h.name] != nil {
			names = append(names, h.name)
		}
	}
	for _, n := range names {
		d.warn("Found both group and host with same name: " + n)
	}
	return nil
}
