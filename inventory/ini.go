package inventory

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ParseError is a problem at a line of an inventory source.
type ParseError struct {
	File string
	Line int // 0 when the problem is not at one line
	Msg  string
}

// Error gives the problem as Ansible words it, after file:line:.
func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

var (
	iniSectionRe   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupNameRe = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

type pendingDecl struct {
	line    int
	state   string
	name    string
	parents []string
}

// parseINI reads an INI inventory into d, as Ansible's ini plugin: what is
// read before an error stays in the inventory, as in Ansible.
func parseINI(d *data, path string, b []byte) error {
	lines := splitLinesPy(b)
	errAt := func(n int, format string, a ...any) error {
		return &ParseError{File: path, Line: n, Msg: fmt.Sprintf(format, a...)}
	}
	pending := map[string]*pendingDecl{}
	var pendingOrder []string
	addPending := func(p *pendingDecl) {
		pending[p.name] = p
		pendingOrder = append(pendingOrder, p.name)
	}
	// Python decodes the whole file before parsing: a line that is not
	// UTF-8 (outside a comment) fails it before anything is read.
	for i, raw := range lines {
		if !utf8.ValidString(raw) && !(raw != "" && (raw[0] == '#' || raw[0] == ';')) {
			return errAt(i+1, "'utf-8' codec can't decode the line")
		}
	}
	groupName, state := "ungrouped", "hosts"
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := iniSectionRe.FindStringSubmatch(line); m != nil {
			groupName, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				return errAt(n, "Section [%s:%s] has unknown type: %s", m[1], m[2], state)
			}
			if d.groups[groupName] == nil {
				if state == "vars" && pending[groupName] == nil {
					addPending(&pendingDecl{line: n, state: state, name: groupName})
				}
				d.addGroup(groupName)
			}
			if p := pending[groupName]; p != nil && state != "vars" {
				if p.state == "children" {
					if err := addPendingChildren(d, groupName, pending); err != nil {
						return errAt(n, "%v", err)
					}
				} else if p.state == "vars" {
					delete(pending, groupName)
				}
			}
			continue
		} else if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return errAt(n, "Invalid section entry: '%s'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters", line)
		}
		switch state {
		case "hosts":
			tokens, err := shlexSplit(line)
			if err != nil {
				return errAt(n, "Error parsing host definition '%s': %v", line, err)
			}
			if len(tokens) == 0 {
				// Python raises IndexError on tokens[0].
				return errAt(n, "list index out of range")
			}
			names, port, err := expandHostPattern(tokens[0])
			if err != nil {
				return errAt(n, "%v", err)
			}
			if strings.HasSuffix(strings.TrimSpace(tokens[0]), ":") && port == nil {
				return errAt(n, "Invalid host pattern '%s' supplied, ending in ':' is not allowed, this character is reserved to provide a port.", tokens[0])
			}
			for _, h := range names {
				if strings.TrimSpace(h) == "---" {
					return errAt(n, "Invalid host pattern '%s' supplied, '---' is normally a sign this is a YAML file.", tokens[0])
				}
			}
			type kv struct {
				k string
				v any
			}
			var vars []kv
			for _, t := range tokens[1:] {
				k, v, ok := strings.Cut(t, "=")
				if !ok {
					return errAt(n, "Expected key=value host variable assignment, got: %s", t)
				}
				vars = append(vars, kv{k, parseINIValue(v)})
			}
			for _, name := range names {
				if _, err := d.addHost(name, groupName, port); err != nil {
					return errAt(n, "%v", err)
				}
				for _, e := range vars {
					if err := d.setVariable(name, e.k, e.v); err != nil {
						return errAt(n, "%v", err)
					}
				}
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return errAt(n, "Expected key=value, got: %s", line)
			}
			if err := d.groups[groupName].setVar(strings.TrimSpace(k), parseINIValue(strings.TrimSpace(v))); err != nil {
				return errAt(n, "%v", err)
			}
		case "children":
			m := iniGroupNameRe.FindStringSubmatch(line)
			if m == nil {
				return errAt(n, "Expected group name, got: %s", line)
			}
			child := m[1]
			if d.groups[child] == nil {
				if p := pending[child]; p == nil {
					addPending(&pendingDecl{line: n, state: state, name: child, parents: []string{groupName}})
				} else {
					p.parents = append(p.parents, groupName)
				}
			} else if err := d.addChild(groupName, child); err != nil {
				return errAt(n, "%v", err)
			}
		}
	}
	for _, name := range pendingOrder {
		p := pending[name]
		if p == nil || p.name != name {
			continue
		}
		if p.state == "vars" {
			return errAt(p.line, "Section [%s:vars] not valid for undefined group: %s", p.name, p.name)
		}
		return errAt(p.line, "Section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1], p.name)
	}
	return nil
}

func addPendingChildren(d *data, name string, pending map[string]*pendingDecl) error {
	p := pending[name]
	if p == nil {
		return nil
	}
	delete(pending, name)
	for _, parent := range p.parents {
		if err := d.addChild(parent, name); err != nil {
			return err
		}
		if pp := pending[parent]; pp != nil && pp.state == "children" {
			if err := addPendingChildren(d, parent, pending); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitLinesPy splits as Python's str.splitlines on the separators an
// inventory can hold (\n, \r\n, \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029).
func splitLinesPy(b []byte) []string {
	s := string(b)
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			i++
			continue
		}
		switch r {
		case '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			lines = append(lines, s[start:i])
			i += size
			if r == '\r' && i < len(s) && s[i] == '\n' {
				i++
			}
			start = i
			continue
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
