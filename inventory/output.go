package inventory

import (
	"bytes"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3" // its encoder can indent lists as PyYAML does

	"github.com/ome/omeprov/internal/yaml11"
)

// internalVars are the variables ansible-inventory leaves out of its output.
var internalVars = []string{
	"ansible_diff_mode", "ansible_config_file", "ansible_facts", "ansible_forks",
	"ansible_inventory_sources", "ansible_limit", "ansible_playbook_python",
	"ansible_run_tags", "ansible_skip_tags", "ansible_verbosity", "ansible_version",
	"inventory_dir", "inventory_file", "inventory_hostname", "inventory_hostname_short",
	"groups", "group_names", "omit", "playbook_dir",
}

// OutputOptions are the options of `omeprov inventory` (ansible-inventory)
// that change what is printed.
type OutputOptions struct {
	// Export prints the variables as the inventory defines them (group vars
	// on groups) instead of merged per host, as --export.
	Export bool
	// PlaybookDir adds that directory's group_vars/host_vars, as --playbook-dir.
	PlaybookDir string
	// Vars adds variables to the graph, as --graph --vars.
	Vars bool
}

type output struct {
	inv  *Inventory
	opts OutputOptions
	pb   []string
}

func (inv *Inventory) output(opts OutputOptions) (*output, error) {
	o := &output{inv: inv, opts: opts}
	if opts.PlaybookDir != "" {
		dir := absPath(opts.PlaybookDir)
		if err := inv.loadVars([]string{dir}); err != nil {
			return nil, fmt.Errorf("inventory: playbook vars: %w", err)
		}
		o.pb = []string{dir}
	}
	return o, nil
}

func removeInternal(m map[string]any) map[string]any {
	for _, k := range internalVars {
		delete(m, k)
	}
	return m
}

// hostVars is ansible-inventory's _get_host_variables.
func (o *output) hostVars(h *host) map[string]any {
	if !o.opts.Export {
		pb := slices.Concat(o.inv.playbookDirs, o.pb)
		return removeInternal(o.inv.hostVars(h, pb))
	}
	v := maps.Clone(h.vars)
	maps.Copy(v, o.inv.magicVars(h))
	maps.Copy(v, o.inv.filesVars(o.inv.sourceDirs(), "host_vars", []string{h.name}))
	maps.Copy(v, o.inv.filesVars(o.pb, "host_vars", []string{h.name}))
	return removeInternal(v)
}

// groupVars is ansible-inventory's _get_group_variables.
func (o *output) groupVars(g *group) map[string]any {
	v := maps.Clone(g.vars)
	maps.Copy(v, o.inv.filesVars(o.inv.sourceDirs(), "group_vars", []string{g.name}))
	maps.Copy(v, o.inv.filesVars(o.pb, "group_vars", []string{g.name}))
	if g.priority != 1 {
		v["ansible_group_priority"] = g.priority
	}
	return removeInternal(v)
}

// ListJSON prints the inventory as `ansible-inventory --list` does.
func (inv *Inventory) ListJSON(opts OutputOptions) ([]byte, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o, err := inv.output(opts)
	if err != nil {
		return nil, err
	}
	res := map[string]any{}
	seen := map[string]bool{}
	var format func(g *group)
	format = func(g *group) {
		entry := map[string]any{}
		if g.name != "all" && len(g.hosts) > 0 {
			hs := make([]any, len(g.hosts))
			for i, h := range g.hosts {
				hs[i] = h.name
			}
			entry["hosts"] = hs
		}
		var kids []any
		for _, c := range g.children {
			kids = append(kids, c.name)
		}
		if len(kids) > 0 {
			entry["children"] = kids
		}
		res[g.name] = entry
		for _, c := range g.children {
			if !seen[c.name] {
				format(c)
				seen[c.name] = true
			}
		}
		if opts.Export {
			if gv := o.groupVars(g); len(gv) > 0 {
				entry["vars"] = gv
			}
		}
		if len(entry) == 0 {
			delete(res, g.name)
		}
	}
	format(inv.d.groups["all"])
	hostvars := map[string]any{}
	hosts, _, err := inv.match("all")
	if err != nil {
		return nil, err
	}
	for _, name := range hosts {
		if hv := o.hostVars(inv.lookupHost(name)); len(hv) > 0 {
			hostvars[name] = hv
		}
	}
	res["_meta"] = map[string]any{"hostvars": hostvars}
	return PythonJSON(res), nil
}

// HostJSON prints one host's variables as `ansible-inventory --host NAME`.
// name is a pattern that must select exactly one host.
func (inv *Inventory) HostJSON(name string, opts OutputOptions) ([]byte, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o, err := inv.output(opts)
	if err != nil {
		return nil, err
	}
	hosts, _, err := inv.match(name)
	if err != nil {
		return nil, err
	}
	if len(hosts) != 1 {
		return nil, ErrNotOneHost
	}
	return PythonJSON(o.hostVars(inv.lookupHost(hosts[0]))), nil
}

// HostYAML prints one host's variables as `ansible-inventory --host NAME --yaml`.
func (inv *Inventory) HostYAML(name string, opts OutputOptions) ([]byte, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o, err := inv.output(opts)
	if err != nil {
		return nil, err
	}
	hosts, _, err := inv.match(name)
	if err != nil {
		return nil, err
	}
	if len(hosts) != 1 {
		return nil, ErrNotOneHost
	}
	return encodeYAML(o.hostVars(inv.lookupHost(hosts[0])))
}

func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent() // "- a" under its key, as PyYAML writes
	if err := enc.Encode(yamlSafe(v)); err != nil {
		return nil, fmt.Errorf("inventory: yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("inventory: yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrNotOneHost is HostJSON's error for a name that is not a single host.
var ErrNotOneHost = fmt.Errorf("You must pass a single valid host to --host parameter")

// ErrNotGroup is Graph's error for a start that is not a group.
var ErrNotGroup = fmt.Errorf("Pattern must be valid group name when using --graph")

// Graph prints the group tree from group start (all if empty) as
// `ansible-inventory --graph [--vars]`.
func (inv *Inventory) Graph(start string, opts OutputOptions) ([]byte, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o, err := inv.output(opts)
	if err != nil {
		return nil, err
	}
	if start == "" {
		start = "all"
	}
	g := inv.d.groups[start]
	if g == nil {
		return nil, ErrNotGroup
	}
	var lines []string
	name := func(s string, depth int) string {
		if depth > 0 {
			return strings.Repeat("  |", depth) + "--" + s
		}
		return s
	}
	showVars := func(v map[string]any, depth int) {
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			lines = append(lines, name("{"+k+" = "+pyStr(v[k])+"}", depth))
		}
	}
	var walk func(g *group, depth int)
	walk = func(g *group, depth int) {
		lines = append(lines, name("@"+g.name+":", depth))
		depth++
		for _, c := range g.children {
			walk(c, depth)
		}
		if g.name != "all" {
			for _, h := range g.hosts {
				lines = append(lines, name(h.name, depth))
				if opts.Vars {
					showVars(o.hostVars(h), depth+1)
				}
			}
		}
		if opts.Vars {
			showVars(o.groupVars(g), depth)
		}
	}
	walk(g, 0)
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// ListYAML prints the inventory as `ansible-inventory --list --yaml`
// (same structure; the YAML spelling of scalars may differ from PyYAML's).
func (inv *Inventory) ListYAML(opts OutputOptions) ([]byte, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	o, err := inv.output(opts)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var format func(g *group) map[string]any
	format = func(g *group) map[string]any {
		entry := map[string]any{}
		kids := map[string]any{}
		for _, c := range g.children {
			if c.name != "all" {
				maps.Copy(kids, format(c))
			}
		}
		if len(kids) > 0 {
			entry["children"] = kids
		}
		hosts := map[string]any{}
		if g.name != "all" {
			for _, h := range g.hosts {
				hv := map[string]any{}
				if !seen[h.name] {
					seen[h.name] = true
					hv = o.hostVars(h)
				}
				hosts[h.name] = hv
			}
		}
		if len(hosts) > 0 {
			entry["hosts"] = hosts
		}
		if opts.Export {
			if gv := o.groupVars(g); len(gv) > 0 {
				entry["vars"] = gv
			}
		}
		return map[string]any{g.name: entry}
	}
	return encodeYAML(format(inv.d.groups["all"]))
}

// yamlSafe converts values yaml.v3 cannot encode as Python would.
func yamlSafe(v any) any {
	switch v := v.(type) {
	case map[string]any:
		// Keys in plain string order, as PyYAML's sort_keys (yaml.v3
		// would put step4 before step10).
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			var kn yaml.Node
			if err := kn.Encode(yamlSafe(k)); err != nil {
				kn = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}
			}
			var vn yaml.Node
			if err := vn.Encode(yamlSafe(v[k])); err != nil {
				vn = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v[k])}
			}
			n.Content = append(n.Content, &kn, &vn)
		}
		return n
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = yamlSafe(x)
		}
		return out
	case *big.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: v.String()}
	case string:
		// PyYAML single-quotes a string that would read back as another
		// type ('yes', '13', ''); yaml.v3 would double-quote it.
		if _, isStr := yaml11.Resolve(v).(string); !isStr && utf8.ValidString(v) && !strings.ContainsAny(v, "\n'") {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle, Value: v}
		}
		return v
	case float64:
		// PyYAML's represent_float: Python's repr, always with a dot.
		s := pyFloat(v)
		switch s {
		case "Infinity":
			s = ".inf"
		case "-Infinity":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		default:
			if !strings.Contains(s, ".") {
				s = strings.Replace(s, "e", ".0e", 1)
			}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}
	}
	return v
}

// PythonJSON encodes v as Python's json.dumps(v, sort_keys=True, indent=4,
// ensure_ascii=False), which is how ansible-inventory prints, followed by
// a newline.
func PythonJSON(v any) []byte {
	var b bytes.Buffer
	writeJSON(&b, v, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any, indent int) {
	pad := func(n int) { b.WriteString(strings.Repeat("    ", n)) }
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case *big.Int:
		b.WriteString(v.String())
	case float64:
		b.WriteString(pyFloat(v))
	case string:
		writeJSONString(b, v)
	case []string:
		a := make([]any, len(v))
		for i, s := range v {
			a[i] = s
		}
		writeJSON(b, a, indent)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, x := range v {
			pad(indent + 1)
			writeJSON(b, x, indent+1)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		pad(indent)
		b.WriteByte(']')
	case map[string]any:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		keys := slices.Sorted(maps.Keys(v))
		b.WriteString("{\n")
		for i, k := range keys {
			pad(indent + 1)
			writeJSONString(b, k)
			b.WriteString(": ")
			writeJSON(b, v[k], indent+1)
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		pad(indent)
		b.WriteByte('}')
	default:
		writeJSONString(b, fmt.Sprint(v))
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// pyStr is Python's str() of a plain value.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr is Python's repr() of a plain value (dict keys sorted: the
// insertion order of the source is not kept).
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(v)
	case *big.Int:
		return v.String()
	case float64:
		s := pyFloat(v)
		switch s {
		case "Infinity":
			return "inf"
		case "-Infinity":
			return "-inf"
		case "NaN":
			return "nan"
		}
		return s
	case string:
		return pyStrRepr(v)
	case []string:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyStrRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyStrRepr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
