package inventory

import (
	"testing"
)

// exercise runs everything a parsed inventory offers, which must never panic.
func exercise(t *testing.T, d *data) {
	if err := d.reconcile(); err != nil {
		return
	}
	inv := &Inventory{d: d, vars: newVarsFiles()}
	for _, p := range []string{"all", "*", "~.*", "!ungrouped", "all[0]", "all[1:]"} {
		_, _, _ = inv.Match(p)
	}
	for _, h := range inv.Hosts() {
		_ = inv.HostVars(h)
		_ = inv.GroupNames(h)
	}
	_ = inv.Groups()
	if _, err := inv.ListJSON(OutputOptions{}); err != nil {
		t.Fatalf("ListJSON: %v", err)
	}
	if _, err := inv.Graph("all", OutputOptions{Vars: true}); err != nil {
		t.Fatalf("Graph: %v", err)
	}
	if _, err := inv.ListYAML(OutputOptions{Export: true}); err != nil {
		t.Fatalf("ListYAML: %v", err)
	}
}

// FuzzINI feeds arbitrary text to the INI inventory parser.
func FuzzINI(f *testing.F) {
	for _, s := range []string{
		"h1 ansible_host=10.0.0.5 ansible_port=2222 x='a b' y=[1,2] z={'a':1}\n[g]\nweb[01:03]\n[g:vars]\na=1\n[p:children]\ng\n",
		"[a:children]\nb\n[b:children]\na\n",
		"h[a:c][1:2]:22 k=\"v\\\"\" # c\n[x:vars]\n",
		"---\n", "[g\nh\n", "r[1:3 x=1", "h1 a=\"\n", "[2001:db8::1]:22\n",
		"[g]\nh\n[g:vars]\nansible_group_priority=3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newData()
		_ = parseINI(d, "fuzz.ini", b)
		exercise(t, d)
	})
}

// FuzzYAML feeds arbitrary text to the YAML inventory parser.
func FuzzYAML(f *testing.F) {
	for _, s := range []string{
		"all:\n  hosts:\n    h[1:3]:\n      a: 1\n  children:\n    g:\n      hosts: x\n      vars: {b: 2}\n",
		"all:\n  vars: &v {a: 1}\n  children:\n    g:\n      vars:\n        <<: *v\n",
		"a: &a [*a]\n", "all:\n  hosts:\n    42:\n", "- a\n", "g:\n  children:\n    g:\n",
		"all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newData()
		_ = parseYAMLInventory(d, "fuzz.yml", b)
		exercise(t, d)
	})
}

// FuzzPattern feeds arbitrary host patterns to Match and Limit.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"all", "web[0]:&db:!x", "~(a|b)", "w*[!a]?", "@", "a,b[1-2]", "[", "!", "&", "web[-9]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		d := newData()
		_ = parseINI(d, "p.ini", []byte("h1\n[web]\nw[1:3]\n[db]\nw2\nd1\n"))
		_ = d.reconcile()
		inv := &Inventory{d: d, vars: newVarsFiles()}
		_, _, _ = inv.Match(p)
		if len(p) > 0 && p[0] != '@' {
			_, _ = inv.Limit(p)
			_, _, _ = inv.Match("all")
		}
	})
}
