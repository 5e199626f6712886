package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/ome/omeprov/internal/yaml11"
	"gopkg.in/yaml.v3"
)

// ynode is a YAML value with the node it came from, for errors.
type ypair struct {
	key, value *yaml.Node
}

// yamlInv reads a YAML inventory into d, as Ansible's yaml plugin.
type yamlInv struct {
	d    *data
	path string
}

// parseYAMLInventory reads a YAML inventory; what is read before an error
// stays in the inventory, as in Ansible.
func parseYAMLInventory(d *data, path string, b []byte) error {
	doc, err := yaml11.ParseOne(b, path)
	if err != nil {
		return refineYAMLError(b, path, err)
	}
	p := &yamlInv{d: d, path: path}
	var root *yaml.Node
	if doc != nil && len(doc.Content) > 0 {
		root = deref(doc.Content[0])
	}
	if root == nil || isFalsy(root) {
		return p.errf(root, "Parsed empty YAML file")
	}
	if root.Kind != yaml.MappingNode {
		return p.errf(root, "YAML inventory has invalid structure, it should be a dictionary, got: %s", pyNodeType(root))
	}
	pairs, err := p.pairs(root)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		if s, ok := scalarString(kv.key); ok && s == "plugin" {
			if v, _ := yaml11.Value(kv.value, path); truthy(v) {
				return p.errf(kv.key, "Plugin configuration YAML file, not YAML inventory")
			}
		}
	}
	for _, kv := range pairs {
		if _, err := p.group(kv.key, kv.value); err != nil {
			return err
		}
	}
	return nil
}

func (p *yamlInv) errf(n *yaml.Node, format string, a ...any) error {
	e := &ParseError{File: p.path, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		e.Line = n.Line
	}
	return e
}

// group is _parse_group: it returns the group's name.
func (p *yamlInv) group(keyNode, dataNode *yaml.Node) (string, error) {
	key, err := yaml11.Value(keyNode, p.path)
	if err != nil {
		return "", err
	}
	dataNode = deref(dataNode)
	name, isStr := key.(string)
	if !isNullNode(dataNode) && dataNode.Kind != yaml.MappingNode {
		p.d.warn(fmt.Sprintf("Skipping '%s' as this is not a valid group definition", pyStr(key)))
		return name, nil
	}
	if !isStr {
		return "", p.errf(keyNode, "Unable to add group %s: Invalid group name supplied, expected a string but got %s for %s", pyStr(key), pyTypeName(key), pyStr(key))
	}
	if name == "" {
		return "", p.errf(keyNode, "Unable to add group %s: Invalid empty/false group name provided: %s", name, name)
	}
	p.d.addGroup(name)
	if isNullNode(dataNode) {
		return name, nil
	}
	pairs, err := p.pairs(dataNode)
	if err != nil {
		return "", err
	}
	// Sections given as a single string are a mapping of that string to null.
	for i, kv := range pairs {
		k, _ := scalarString(kv.key)
		if k != "vars" && k != "children" && k != "hosts" {
			continue
		}
		v := deref(kv.value)
		if v.Kind == yaml.ScalarNode && !isNullNode(v) {
			if s, ok := scalarString(v); ok {
				pairs[i].value = &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Column: v.Column, Content: []*yaml.Node{
					{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle, Line: v.Line, Column: v.Column},
					{Kind: yaml.ScalarNode, Tag: "!!null", Value: "", Line: v.Line, Column: v.Column},
				}}
				continue
			}
		}
		if !isNullNode(v) && v.Kind != yaml.MappingNode {
			return "", p.errf(v, "Invalid \"%s\" entry for \"%s\" group, requires a dictionary, found \"%s\" instead.", k, name, pyNodeType(v))
		}
	}
	for _, kv := range pairs {
		kval, err := yaml11.Value(kv.key, p.path)
		if err != nil {
			return "", err
		}
		k, _ := kval.(string)
		v := deref(kv.value)
		if !isNullNode(v) && v.Kind != yaml.MappingNode {
			p.d.warn(fmt.Sprintf("Skipping key (%s) in group (%s) as it is not a mapping, it is a %s", pyStr(kval), name, pyNodeType(v)))
			continue
		}
		if isNullNode(v) {
			continue
		}
		items, err := p.pairs(v)
		if err != nil {
			return "", err
		}
		switch k {
		case "vars":
			for _, it := range items {
				vk, err := p.varKey(it.key)
				if err != nil {
					return "", err
				}
				vv, err := yaml11.Value(it.value, p.path)
				if err != nil {
					return "", err
				}
				if err := p.d.setVariable(name, vk, vv); err != nil {
					return "", p.errf(it.key, "%v", err)
				}
			}
		case "children":
			for _, it := range items {
				sub, err := p.group(it.key, it.value)
				if err != nil {
					return "", err
				}
				if err := p.d.addChild(name, sub); err != nil {
					return "", p.errf(it.key, "%v", err)
				}
			}
		case "hosts":
			for _, it := range items {
				if err := p.host(name, it); err != nil {
					return "", err
				}
			}
		default:
			p.d.warn(fmt.Sprintf("Skipping unexpected key (%s) in group (%s), only \"vars\", \"children\" and \"hosts\" are valid", pyStr(kval), name))
		}
	}
	return name, nil
}

func (p *yamlInv) host(groupName string, it ypair) error {
	kv, err := yaml11.Value(it.key, p.path)
	if err != nil {
		return err
	}
	pattern, ok := kv.(string)
	if !ok {
		return p.errf(it.key, "Host pattern %s must be a string. Enclose integers/floats in quotation marks.", pyStr(kv))
	}
	names, port, err := expandHostPattern(pattern)
	if err != nil {
		return p.errf(it.key, "%v", err)
	}
	val, err := yaml11.Value(it.value, p.path)
	if err != nil {
		return err
	}
	var vars []ypair
	if truthy(val) {
		v := deref(it.value)
		if v.Kind != yaml.MappingNode {
			return p.errf(v, "Invalid data from file, expected dictionary and got:\n\n%s", pyStr(val))
		}
		if vars, err = p.pairs(v); err != nil {
			return err
		}
	}
	for _, h := range names {
		if _, err := p.d.addHost(h, groupName, port); err != nil {
			return p.errf(it.key, "%v", err)
		}
		for _, vkv := range vars {
			k, err := p.varKey(vkv.key)
			if err != nil {
				return err
			}
			val, err := yaml11.Value(vkv.value, p.path)
			if err != nil {
				return err
			}
			if err := p.d.setVariable(h, k, val); err != nil {
				return p.errf(vkv.key, "%v", err)
			}
		}
	}
	return nil
}

// varKey is a variable name; a key that is not a string (yes:, 1:, ~:)
// takes the spelling ansible-inventory's JSON gives it ("true", "1", "null").
func (p *yamlInv) varKey(n *yaml.Node) (string, error) {
	v, err := yaml11.Value(n, p.path)
	if err != nil {
		return "", err
	}
	if k, ok := dictKey(v); ok {
		return k, nil
	}
	return pyStr(v), nil
}

// pairs lists a mapping's entries as PyYAML builds the dict: merged (<<)
// entries first, then the mapping's own; a repeated key keeps its first
// place and its last value.
func (p *yamlInv) pairs(n *yaml.Node) ([]ypair, error) {
	raw, err := p.flatten(n, 0)
	if err != nil {
		return nil, err
	}
	var out []ypair
	index := map[string]int{}
	for _, kv := range raw {
		kval, err := yaml11.Value(kv.key, p.path)
		if err != nil {
			return nil, err
		}
		id := pyKeyID(kval)
		if i, ok := index[id]; ok {
			out[i].value = kv.value
			continue
		}
		index[id] = len(out)
		out = append(out, kv)
	}
	return out, nil
}

func (p *yamlInv) flatten(n *yaml.Node, depth int) ([]ypair, error) {
	n = deref(n)
	if depth > 100 {
		return nil, p.errf(n, "merge keys nested too deeply")
	}
	if n.Kind != yaml.MappingNode || len(n.Content)%2 != 0 {
		return nil, p.errf(n, "expected a mapping")
	}
	var merged, own []ypair
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			v = deref(v)
			var subs [][]ypair
			switch v.Kind {
			case yaml.MappingNode:
				s, err := p.flatten(v, depth+1)
				if err != nil {
					return nil, err
				}
				subs = append(subs, s)
			case yaml.SequenceNode:
				for _, item := range v.Content {
					s, err := p.flatten(item, depth+1)
					if err != nil {
						return nil, err
					}
					subs = append(subs, s)
				}
			default:
				return nil, p.errf(v, "expected a mapping or list of mappings for merging")
			}
			for i := len(subs) - 1; i >= 0; i-- {
				merged = append(merged, subs[i]...)
			}
			continue
		}
		own = append(own, ypair{k, v})
	}
	return append(merged, own...), nil
}

// deref follows aliases (bounded, against alias loops).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	return n
}

func isNullNode(n *yaml.Node) bool {
	n = deref(n)
	if n == nil {
		return true
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	v, err := yaml11.Scalar(n)
	return err == nil && v == nil
}

func scalarString(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	v, err := yaml11.Scalar(n)
	s, ok := v.(string)
	return s, ok && err == nil
}

// isFalsy is Python's "not data" for a YAML document's root.
func isFalsy(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	case yaml.ScalarNode:
		v, err := yaml11.Scalar(n)
		return err == nil && !truthy(v)
	}
	return false
}

// truthy is Python's bool() of a plain value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	case *big.Int:
		return v.Sign() != 0
	}
	return true
}

// pyNodeType names a node's Python type as Ansible's messages do.
func pyNodeType(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "<class 'ansible.parsing.yaml.objects.AnsibleMapping'>"
	case yaml.SequenceNode:
		return "<class 'ansible.parsing.yaml.objects.AnsibleSequence'>"
	}
	v, err := yaml11.Scalar(n)
	if err != nil {
		return "<class 'str'>"
	}
	if _, ok := v.(string); ok {
		return "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>"
	}
	return pyTypeName(v)
}

// pyTypeName is the repr of a plain value's Python type.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "<class 'NoneType'>"
	case bool:
		return "<class 'bool'>"
	case int, *big.Int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case string:
		return "<class 'str'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return fmt.Sprintf("<class '%T'>", v)
}

// pyKeyID identifies a dict key as Python's hash and == do: True, 1 and
// 1.0 are the same key.
func pyKeyID(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case string:
		return "s:" + v
	case bool:
		if v {
			return "n:1"
		}
		return "n:0"
	case int:
		return fmt.Sprintf("n:%d", v)
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("n:%d", int64(v))
		}
		return fmt.Sprintf("f:%v", v)
	}
	return fmt.Sprintf("%T:%v", v, pyStr(v))
}

// maxRefineLines bounds the re-parsing refineYAMLError does.
const maxRefineLines = 2000

// refineYAMLError finds the line a YAML syntax error is on. The YAML
// parser often reports the line where the enclosing block starts (line 1
// for a bad indent deep in the file), where Ansible names the line of the
// problem: the first prefix of the file that fails with the same error
// ends at that line.
func refineYAMLError(b []byte, path string, err error) error {
	var ye *yaml11.Error
	if !errors.As(err, &ye) || ye.Line == 0 {
		return err
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > maxRefineLines {
		return err
	}
	end := 0
	for n, l := range lines {
		end += len(l)
		if n+1 <= ye.Line {
			continue
		}
		_, perr := yaml11.Parse(b[:end], path)
		var pe *yaml11.Error
		if errors.As(perr, &pe) && pe.Msg == ye.Msg {
			return &ParseError{File: path, Line: n + 1, Msg: ye.Msg}
		}
	}
	return err
}
