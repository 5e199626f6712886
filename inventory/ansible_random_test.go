package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Randomised differential tests: many small INI and YAML inventories built
// from pieces that exercise the parsers' corners, read by ansible-core's
// InventoryManager (testdata/ansible_dump.py) and by omeprov, which must
// build the same hosts, groups, variables, depths, priorities and order.

// needAnsiblePython skips (or fails, under CI) without ansible-core.
func needAnsiblePython(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ansible-core on many inventories")
	}
	needTool(t, "ansible-inventory")
	return "/usr/bin/python3"
}

// ansibleDump reads each inventory file with ansible-core.
func ansibleDump(t *testing.T, python string, paths []string) map[string]any {
	t.Helper()
	in, err := json.Marshal(paths)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "ansible_dump.py"))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir())
	var se bytes.Buffer
	cmd.Stderr = &se
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err, se.String())
	}
	var want map[string]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// omeprovDump is ansibleDump's view of an inventory read by omeprov.
func omeprovDump(t *testing.T, p string) any {
	t.Helper()
	inv, _ := Load([]string{p})
	hv := map[string]any{}
	order, gorder := []string{}, []string{}
	for _, h := range inv.d.hostOrder {
		v := map[string]any{}
		for k, x := range h.vars {
			if k != "inventory_file" && k != "inventory_dir" {
				v[k] = x
			}
		}
		hv[h.name] = v
		order = append(order, h.name)
	}
	gv := map[string]any{}
	for _, g := range inv.d.groupOrder {
		v := map[string]any{}
		for k, x := range g.vars {
			v[k] = x
		}
		v["__prio"], v["__depth"] = g.priority, g.depth
		c, hs := []any{}, []any{}
		for _, x := range g.children {
			c = append(c, x.name)
		}
		for _, x := range g.hosts {
			hs = append(hs, x.name)
		}
		v["__children"], v["__hosts"] = c, hs
		gv[g.name] = v
		gorder = append(gorder, g.name)
	}
	parsed := true
	for _, w := range inv.Warnings() {
		if strings.HasPrefix(w, "Unable to parse") {
			parsed = false
		}
	}
	b, err := json.Marshal(map[string]any{"hosts": jsonValue(t, PythonJSON(hv)), "groups": jsonValue(t, PythonJSON(gv)),
		"order": order, "gorder": gorder, "parsed": parsed})
	if err != nil {
		t.Fatal(err)
	}
	var got any
	_ = json.Unmarshal(b, &got)
	return got
}

// pyKeys respells the non-string keys of nested YAML mappings the way
// ansible-inventory's JSON does (internal/yaml11 spells them True/None).
func pyKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch k {
			case "True":
				k = "true"
			case "False":
				k = "false"
			case "None":
				k = "null"
			}
			out[k] = pyKeys(x)
		}
		return out
	case []any:
		for i := range v {
			v[i] = pyKeys(v[i])
		}
	}
	return v
}

func compareDumps(t *testing.T, paths []string, want map[string]any) {
	t.Helper()
	bad := 0
	for _, p := range paths {
		got := omeprovDump(t, p)
		if !reflect.DeepEqual(pyKeys(want[p]), pyKeys(got)) {
			bad++
			b, _ := os.ReadFile(p)
			t.Errorf("%s differs:\n%s\nansible: %v\nomeprov: %v", p, b, want[p], got)
			if bad > 5 {
				t.FailNow()
			}
		}
	}
}

func TestRandomINIMatchesAnsible(t *testing.T) {
	python := needAnsiblePython(t)
	r := rand.New(rand.NewSource(7))
	lines := []string{"h1", "h2 a=1", "h[1:3]", "web[01:02].x.org", "db-[a:c] k='v w'", "[g]", "[g:vars]", "[g:children]", "[p:children]", "[p]", "x=1", "y = 2", "g", "p", "z=[1,2]",
		"h3:22", "h4 ansible_port=22 b=\"x y\"", "[ungrouped]", "[all:vars]", "q='a' 'b'", "#c", ";c", "h5 c=1 # com", "h6 d=\\#e", "[g:vars] # c", "[g:weird]", "bad", "k=v=w", "h7:", "[::1]:2222", "10.0.0.[1:2]",
		"ansible_group_priority=2", "h8 e=it''s", "h9 f=0x10", "h[a:B]", "h[1:5:2]x[1:2]", "g2", "[g2]", "w=True", "[p:vars]"}
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 400; i++ {
		n := 1 + r.Intn(8)
		s := ""
		for k := 0; k < n; k++ {
			s += lines[r.Intn(len(lines))] + "\n"
		}
		p := filepath.Join(dir, fmt.Sprintf("inv%03d.ini", i))
		os.WriteFile(p, []byte(s), 0o644)
		paths = append(paths, p)
	}
	compareDumps(t, paths, ansibleDump(t, python, paths))
}

func TestRandomYAMLMatchesAnsible(t *testing.T) {
	python := needAnsiblePython(t)
	r := rand.New(rand.NewSource(3))
	keys := []string{"all", "g", "g2", "hosts", "vars", "children", "h1", "h[1:2]", "web[01:02]:22", "a", "ansible_group_priority", "1", "x:", "ungrouped", "null", "yes"}
	scal := []string{"1", "yes", "'s'", "[1, 2]", "{a: 1}", "~", "0644", "h1", "2", "\"x y\""}
	var gen func(depth int, ind string) string
	gen = func(depth int, ind string) string {
		if depth > 3 || r.Intn(4) == 0 {
			return " " + scal[r.Intn(len(scal))] + "\n"
		}
		n := 1 + r.Intn(3)
		s := "\n"
		for i := 0; i < n; i++ {
			s += ind + keys[r.Intn(len(keys))] + ":" + gen(depth+1, ind+"  ")
		}
		return s
	}
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 400; i++ {
		s := strings.TrimPrefix(gen(0, ""), "\n")
		if r.Intn(3) > 0 {
			s = "all:\n  children:\n    " + strings.ReplaceAll(strings.TrimPrefix(gen(1, ""), "\n"), "\n", "\n    ") + "\n"
		}
		p := filepath.Join(dir, fmt.Sprintf("inv%04d.yml", i))
		os.WriteFile(p, []byte(s), 0o644)
		paths = append(paths, p)
	}
	compareDumps(t, paths, ansibleDump(t, python, paths))
}

// TestRandomPatternsMatchAnsible compares random host patterns (unions,
// intersections, exclusions, globs, regexes, subscripts) on the patterns
// inventory with ansible-core's InventoryManager.get_hosts.
func TestRandomPatternsMatchAnsible(t *testing.T) {
	python := needAnsiblePython(t)
	r := rand.New(rand.NewSource(11))
	atoms := []string{"all", "*", "web", "db", "app", "prod", "staging", "ungrouped", "lone1", "web2", "db1",
		"w*", "*1", "?b*", "~web[12]", "~^d", "web[0]", "web[-1]", "web[1:2]", "prod[3:]", "nosuch", "localhost",
		"10.0.0.1", "stg.example.org", "*.org", "web[1-2]", "db[5]", "[a-z]*", "ipv6", "2001:db8::1", "app[0:0]"}
	seps := []string{":", ",", ":&", ":!", ",&", ",!", ", "}
	var patterns []string
	for i := 0; i < 600; i++ {
		p := atoms[r.Intn(len(atoms))]
		if r.Intn(5) == 0 {
			p = "!" + p
		}
		for n := r.Intn(3); n > 0; n-- {
			p += seps[r.Intn(len(seps))] + atoms[r.Intn(len(atoms))]
		}
		patterns = append(patterns, p)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "compat", "patterns"))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "hosts")
	req, _ := json.Marshal(map[string]any{"sources": []string{src}, "patterns": patterns})
	probe, _ := filepath.Abs(filepath.Join("testdata", "ansible_probe.py"))
	cmd := exec.Command(python, probe)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(req)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir())
	var se bytes.Buffer
	cmd.Stderr = &se
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err, se.String())
	}
	var ans probeAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatal(err)
	}
	inv, err := Load([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, p := range patterns {
		want := ans.Patterns[p]
		got, warnings, err := inv.Match(p)
		var diff string
		switch {
		case want.Error != nil && (err == nil || !strings.Contains(err.Error(), *want.Error)):
			diff = fmt.Sprintf("ansible error %q, omeprov %v", *want.Error, err)
		case want.Error == nil && err != nil:
			diff = fmt.Sprintf("omeprov error %v, ansible hosts %v", err, want.Hosts)
		case want.Error == nil && !reflect.DeepEqual(nonNil(want.Hosts), nonNil(got)):
			diff = fmt.Sprintf("ansible %v, omeprov %v", want.Hosts, got)
		case want.Error == nil && !reflect.DeepEqual(nonNil(want.Warnings), nonNil(warnings)):
			diff = fmt.Sprintf("warnings: ansible %q, omeprov %q", want.Warnings, warnings)
		}
		if diff != "" {
			bad++
			t.Errorf("pattern %q: %s", p, diff)
			if bad > 10 {
				t.FailNow()
			}
		}
	}
}
