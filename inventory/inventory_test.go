package inventory

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFiles creates files (path -> content) under a new temporary
// directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func load(t *testing.T, sources ...string) *Inventory {
	t.Helper()
	inv, err := Load(sources)
	require.NoError(t, err)
	return inv
}

func TestINIInventory(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hosts": `
h1 ansible_host=10.0.0.5 ansible_port=2222 ansible_user=vagrant ansible_ssh_private_key_file='/k/id rsa'
h2:2200

[web]
web[01:03].example.org
db-[a:c] role=x
h1

[web:vars]
http_port=8080
msg=hello world

[top:children]
web
later

[later]
late1
`})
	inv := load(t, filepath.Join(dir, "hosts"))
	require.Empty(t, inv.Warnings())
	require.Equal(t, []string{"h2", "web01.example.org", "web02.example.org", "web03.example.org", "db-a", "db-b", "db-c", "h1", "late1"}, inv.Hosts())

	v := inv.HostVars("h1")
	require.Equal(t, "10.0.0.5", v["ansible_host"])
	require.Equal(t, 2222, v["ansible_port"])
	require.Equal(t, "vagrant", v["ansible_user"])
	require.Equal(t, "/k/id rsa", v["ansible_ssh_private_key_file"])
	require.Equal(t, 8080, v["http_port"])
	require.Equal(t, "hello world", v["msg"])
	require.Equal(t, filepath.Join(dir, "hosts"), v["inventory_file"])
	require.Equal(t, dir, v["inventory_dir"])
	require.Equal(t, "h1", v["inventory_hostname"])

	require.Equal(t, 2200, inv.HostVars("h2")["ansible_port"])
	require.Equal(t, "x", inv.HostVars("db-b")["role"])
	require.Equal(t, []string{"ungrouped"}, inv.GroupNames("h2"))
	require.Equal(t, []string{"top", "web"}, inv.GroupNames("h1"))
	require.Equal(t, []string{"later", "top"}, inv.GroupNames("late1"))

	groups := inv.Groups()
	require.Equal(t, []string{"h2"}, groups["ungrouped"])
	require.Equal(t, []string{"web01.example.org", "web02.example.org", "web03.example.org", "db-a", "db-b", "db-c", "h1", "late1"}, groups["top"])
	require.Equal(t, inv.Hosts(), groups["all"])
	require.Nil(t, inv.HostVars("nosuch"))
}

func TestExpandHostPattern(t *testing.T) {
	cases := []struct {
		in    string
		hosts []string
		port  int
		err   string
	}{
		{"web[01:03].example.org", []string{"web01.example.org", "web02.example.org", "web03.example.org"}, 0, ""},
		{"db-[a:c]", []string{"db-a", "db-b", "db-c"}, 0, ""},
		{"h[1:10:4]", []string{"h1", "h5", "h9"}, 0, ""},
		{"h[:2]", []string{"h0", "h1", "h2"}, 0, ""},
		{"r[1:2]c[a:b]", []string{"r1ca", "r1cb", "r2ca", "r2cb"}, 0, ""},
		{"h[1:2]:2222", []string{"h1", "h2"}, 2222, ""},
		{"host.example.org:22", []string{"host.example.org"}, 22, ""},
		{"[2001:db8::1]:2222", []string{"2001:db8::1"}, 2222, ""},
		{"10.0.0.[1:2]", []string{"10.0.0.1", "10.0.0.2"}, 0, ""},
		{"plain", []string{"plain"}, 0, ""},
		{"h[01:3]", nil, 0, "host range must specify equal-length begin and end formats"},
		{"h[c:a]", nil, 0, "host range must have begin <= end"},
		{"h[1:]", nil, 0, "host range must specify end value"},
		{"h[1]", nil, 0, "host range must be begin:end or begin:end:step"},
		{"h[1:3", nil, 0, "not enough values to unpack (expected 3, got 2)"},
		{"h[1:2:0]", nil, 0, "range() arg 3 must not be zero"},
		{"h[x1:3]", nil, 0, "invalid literal for int() with base 10: 'x1'"},
		{"h[0:99999999]", nil, 0, "expands to more than"},
	}
	for _, c := range cases {
		hosts, port, err := expandHostPattern(c.in)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.hosts, hosts, c.in)
		if c.port == 0 {
			require.Nil(t, port, c.in)
		} else {
			require.NotNil(t, port, c.in)
			require.Equal(t, c.port, *port, c.in)
		}
	}
}

// TestINIErrors checks that a malformed INI inventory is reported with its
// file and line, as a warning (Ansible's default) or as an error when
// ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED is set, and that what was read
// before the bad line stays, as in Ansible.
func TestINIErrors(t *testing.T) {
	cases := []struct {
		content, msg string
		line         int
	}{
		{"ok1\nok2 novalue\n", "Expected key=value host variable assignment, got: novalue", 2},
		{"[g:weird]\n", "Section [g:weird] has unknown type: weird", 1},
		{"[p:children]\nmissing\n", "Section [p:children] includes undefined group: missing", 2},
		{"[orphan:vars]\nx=1\n", "Section [orphan:vars] not valid for undefined group: orphan", 1},
		{"[g]\nh1\n[g:vars]\nnovalue\n", "Expected key=value, got: novalue", 4},
		{"h1 a=\"open\n", "Error parsing host definition 'h1 a=\"open': No closing quotation", 1},
		{"[bad section]\n", "Invalid section entry: '[bad section]'", 1},
		{"ends: x=1\n", "Invalid host pattern 'ends:' supplied, ending in ':' is not allowed", 1},
		{"---\n", "Invalid host pattern '---' supplied, '---' is normally a sign this is a YAML file", 1},
		{"[a:children]\nb\n[b:children]\na\n", "Adding group 'a' as child to 'b' creates a recursive dependency loop", 4},
		{"[g]\nh1\n[g:children]\nx y\n", "Expected group name, got: x y", 4},
		{"[g:vars]\nansible_group_priority=high\n[g]\n", "invalid literal for int() with base 10: 'high'", 2},
		{"h\xff1\n", "'utf-8' codec can't decode", 1},
	}
	for _, c := range cases {
		dir := writeFiles(t, map[string]string{"inv.ini": c.content})
		src := filepath.Join(dir, "inv.ini")
		inv := load(t, src)
		want := src + ":" + strconv.Itoa(c.line) + ": " + c.msg
		found := false
		for _, w := range inv.Warnings() {
			if strings.Contains(w, want) && strings.Contains(w, "with ini plugin") {
				found = true
			}
		}
		require.True(t, found, "want %q in %q", want, inv.Warnings())
		require.Contains(t, inv.Warnings(), "Unable to parse "+src+" as an inventory source")

		t.Setenv("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "true")
		_, err := Load([]string{src})
		require.ErrorContains(t, err, "Completely failed to parse inventory source "+src)
		require.ErrorContains(t, err, want)
		os.Unsetenv("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED")
	}

	// What came before the bad line is kept, as Ansible keeps it.
	dir := writeFiles(t, map[string]string{"inv": "ok1 a=1\nok2\nok3 novalue\nafter\n"})
	inv := load(t, filepath.Join(dir, "inv"))
	hosts, _, err := inv.Match("all")
	require.NoError(t, err)
	require.Equal(t, []string{"ok1", "ok2"}, hosts)
}

func TestYAMLInventory(t *testing.T) {
	dir := writeFiles(t, map[string]string{"inv.yml": `
all:
  vars:
    oct: 0644
    flag: yes
    quoted: "yes"
  hosts:
    idr-[01:02].example.org:
      ansible_port: 2222
    proxy:2201:
  children:
    omero:
      vars: &v
        cfg: {a: 1}
      hosts:
        o1: {ansible_host: 192.168.1.10}
      children:
        ro:
          hosts: ro1
          vars:
            <<: *v
            readonly: true
    db:
      hosts:
        o1:
      vars:
        ansible_group_priority: 10
        prio: db
    app:
      hosts:
        o1:
      vars:
        prio: app
  bogus: {a: 1}
`})
	inv := load(t, filepath.Join(dir, "inv.yml"))
	require.Contains(t, inv.Warnings(), `Skipping unexpected key (bogus) in group (all), only "vars", "children" and "hosts" are valid`)
	require.Equal(t, []string{"idr-01.example.org", "idr-02.example.org", "proxy", "o1", "ro1"}, inv.Hosts())
	v := inv.HostVars("idr-02.example.org")
	require.Equal(t, 2222, v["ansible_port"])
	require.Equal(t, 420, v["oct"]) // YAML 1.1 octal
	require.Equal(t, true, v["flag"])
	require.Equal(t, "yes", v["quoted"])
	require.Equal(t, 2201, inv.HostVars("proxy")["ansible_port"])
	ro := inv.HostVars("ro1")
	require.Equal(t, true, ro["readonly"])
	require.Equal(t, map[string]any{"a": 1}, ro["cfg"])
	// db has a higher ansible_group_priority than app: its vars win.
	require.Equal(t, "db", inv.HostVars("o1")["prio"])
	require.Equal(t, []string{"app", "db", "omero"}, inv.GroupNames("o1"))
}

func TestYAMLErrors(t *testing.T) {
	cases := []struct{ content, msg string }{
		{"- a\n- b\n", "YAML inventory has invalid structure, it should be a dictionary"},
		{"all:\n  hosts:\n    42:\n", ":3: Host pattern 42 must be a string"},
		{"all:\n  hosts:\n    h: [1]\n", ":3: Invalid data from file, expected dictionary"},
		{"all:\n  children:\n    g:\n      hosts: [a]\n", `:4: Invalid "hosts" entry for "g" group, requires a dictionary`},
		{"all:\n  hosts:\n    h1:\n   bad: indent\n", "inv.yml:4: did not find expected key"},
		{"all:\n  hosts:\n    h1:\n    h2:\n  - x\n", "inv.yml:5: did not find expected key"},
		{"all:\n  vars: {a: 1}\n  hosts: [1, 2\n", "inv.yml:3: did not find expected ',' or ']'"},
		{"all:\n  children:\n    1: {}\n", "Invalid group name supplied, expected a string"},
		{"plugin: constructed\n", "inventory plugin configuration files are not supported by omeprov (plugin: constructed)"},
	}
	for _, c := range cases {
		dir := writeFiles(t, map[string]string{"inv.yml": c.content})
		src := filepath.Join(dir, "inv.yml")
		inv := load(t, src)
		require.Contains(t, strings.Join(inv.Warnings(), "\n"), c.msg, c.content)
		require.Contains(t, inv.Warnings(), "Unable to parse "+src+" as an inventory source")
		require.Empty(t, inv.Hosts())
	}
}

func TestDirectoryVarsPrecedence(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"inv/01-hosts": "[parent]\nh1 level=inline_host\nh2\n[child]\nh1\nh2\n[parent:children]\nchild\n" +
			"[lo]\nh2\n[hi]\nh2\n[lo:vars]\nansible_group_priority=1\nprio=lo\n[hi:vars]\nansible_group_priority=2\nprio=hi\n" +
			"[all:vars]\nlevel=inline_all\n[parent:vars]\nlevel=inline_parent\n",
		"inv/02-more.yml":             "all:\n  hosts:\n    h3:\n",
		"inv/README.md":               "not [ an inventory",
		"inv/skip.ini":                "[skipped]\nnever\n",
		"inv/.hidden":                 "never2\n",
		"inv/group_vars/all.yml":      "level: gv_all\n",
		"inv/group_vars/parent":       "level: gv_parent\n",
		"inv/group_vars/child/a.yml":  "level: gv_child_a\nfrom_a: 1\n",
		"inv/group_vars/child/b.json": `{"level": "gv_child_b"}`,
		"inv/group_vars/child/x.txt":  "ignored: 1\n",
		"inv/host_vars/h2.yaml":       "level: hv_h2\n",
		"pb/group_vars/all.yml":       "level: pb_all\npb: 1\n",
		"pb/group_vars/child.yml":     "level: pb_child\n",
		"pb/host_vars/h1.yml":         "level: pb_h1\n",
	})
	inv := load(t, filepath.Join(dir, "inv"))
	require.Equal(t, []string{"h3", "h1", "h2"}, inv.Hosts())
	require.Equal(t, "inline_host", inv.HostVars("h1")["level"]) // inventory host var beats group_vars
	require.Equal(t, "hv_h2", inv.HostVars("h2")["level"])
	require.Equal(t, "gv_all", inv.HostVars("h3")["level"])
	require.Equal(t, 1, inv.HostVars("h2")["from_a"])
	require.NotContains(t, inv.HostVars("h2"), "ignored")
	require.Equal(t, "hi", inv.HostVars("h2")["prio"])
	require.Equal(t, filepath.Join(dir, "inv", "02-more.yml"), inv.HostVars("h3")["inventory_file"])

	// The deeper group's group_vars beat the parent's; files in a
	// group_vars/NAME/ directory apply in name order. (A file source finds
	// group_vars/ beside it; host_vars/h2.yaml is there too, so look at h1
	// without its inline var through a copy of the file.)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inv", "solo"), []byte("[parent]\nh9\n[child]\nh9\n[parent:children]\nchild\n"), 0o644))
	inv2 := load(t, filepath.Join(dir, "inv", "solo"))
	require.Equal(t, "gv_child_b", inv2.HostVars("h9")["level"])
	require.NoError(t, inv.AddPlaybookVars(filepath.Join(dir, "pb")))
	require.Equal(t, "pb_h1", inv.HostVars("h1")["level"])
	require.Equal(t, "hv_h2", inv.HostVars("h2")["level"]) // host_vars beat playbook group_vars
	require.Equal(t, "pb_all", inv.HostVars("h3")["level"])
	require.Equal(t, 1, inv.HostVars("h3")["pb"])

	// Each playbook sees only its own directory's vars.
	require.Equal(t, "inline_host", inv.HostVarsIn("h1", "")["level"])
	require.Equal(t, "pb_h1", inv.HostVarsIn("h1", filepath.Join(dir, "pb"))["level"])
	require.Nil(t, inv.HostVarsIn("nosuch", ""))

	hosts, _, err := inv.Match("skipped")
	require.NoError(t, err)
	require.Empty(t, hosts)
}

func TestBadVarsFileFailsLoad(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts":              "[g]\nh1\n",
		"group_vars/g.yml":   "a: [1\n",
		"host_vars/h1.yml":   "ok: 1\n",
		"group_vars/all.yml": "- a list\n",
	})
	_, err := Load([]string{filepath.Join(dir, "hosts")})
	require.Error(t, err)
	require.Contains(t, err.Error(), filepath.Join(dir, "group_vars"))

	dir = writeFiles(t, map[string]string{"hosts": "h1\n", "group_vars/all.yml": "a: 1\nb:\n  c: 2\n d: 3\n"})
	_, err = Load([]string{filepath.Join(dir, "hosts")})
	require.ErrorContains(t, err, filepath.Join(dir, "group_vars", "all.yml")+":4: did not find expected key")

	dir = writeFiles(t, map[string]string{"hosts": "h1\n", "host_vars/h1.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162\n"})
	_, err = Load([]string{filepath.Join(dir, "hosts")})
	require.ErrorContains(t, err, "vault-encrypted variable files are not supported")
}

func TestHostListMultipleSourcesAndVagrant(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.ini": "[web]\nw1\nw2 a=1\n",
		"b.yml": "web:\n  hosts:\n    w3:\n    w2: {a: 2}\n",
		".vagrant/provisioners/ansible/inventory/vagrant_ansible_inventory": "# Generated by Vagrant\n\n" +
			"default ansible_host=127.0.0.1 ansible_port=2222 ansible_user='vagrant' ansible_ssh_private_key_file='/p/.vagrant/machines/default/virtualbox/private_key'\n" +
			"# MISSING: 'other' machine was probably removed without using Vagrant. This machine should be recreated.\n\n[servers]\ndefault\n",
	})
	inv := load(t, filepath.Join(dir, "a.ini"), filepath.Join(dir, "b.yml"), "x1, x2:2202 ,w1,",
		filepath.Join(dir, ".vagrant/provisioners/ansible/inventory"))
	require.Equal(t, []string{"x1", "x2", "w1", "w2", "w3", "default"}, inv.Hosts())
	require.Equal(t, 2, inv.HostVars("w2")["a"])
	require.Equal(t, 2202, inv.HostVars("x2")["ansible_port"])
	require.Equal(t, "None", inv.HostVars("x1")["inventory_dir"])
	require.Equal(t, "x1, x2:2202 ,w1,", inv.HostVars("x1")["inventory_file"])
	require.Equal(t, []string{"web"}, inv.GroupNames("w1"))
	d := inv.HostVars("default")
	require.Equal(t, "127.0.0.1", d["ansible_host"])
	require.Equal(t, 2222, d["ansible_port"])
	require.Equal(t, "vagrant", d["ansible_user"])
	require.Equal(t, "/p/.vagrant/machines/default/virtualbox/private_key", d["ansible_ssh_private_key_file"])
}

func TestNoSourcesAndImplicitLocalhost(t *testing.T) {
	inv := load(t)
	require.Empty(t, inv.Hosts())
	hosts, warnings, err := inv.Match("localhost")
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Equal(t, []string{"localhost"}, hosts)
	require.Equal(t, "local", inv.HostVars("localhost")["ansible_connection"])
	require.Equal(t, []string{}, nonNil(inv.GroupNames("localhost")))
	hosts, _, err = inv.Match("all")
	require.NoError(t, err)
	require.Empty(t, hosts)

	inv = load(t, filepath.Join(t.TempDir(), "missing"))
	require.Contains(t, inv.Warnings(), "No inventory was parsed, only implicit localhost is available")
	t.Setenv("ANSIBLE_INVENTORY_UNPARSED_FAILED", "yes")
	_, err = Load([]string{filepath.Join(t.TempDir(), "missing")})
	require.ErrorContains(t, err, "No inventory was parsed")
}

func TestScriptsAreReportedNotParsed(t *testing.T) {
	dir := writeFiles(t, map[string]string{})
	script := filepath.Join(dir, "ec2.py")
	require.NoError(t, os.WriteFile(script, []byte("#!/usr/bin/env python3\nimport json\nprint(json.dumps({}))\n"), 0o755))
	static := filepath.Join(dir, "static")
	require.NoError(t, os.WriteFile(static, []byte("[g]\nh1\n"), 0o755))
	inv := load(t, dir)
	require.Equal(t, []string{"h1"}, inv.Hosts())
	require.Contains(t, strings.Join(inv.Warnings(), "\n"), "Failed to parse "+script+" with script plugin: dynamic inventory scripts are not supported by omeprov")
	require.Contains(t, inv.Warnings(), "Unable to parse "+script+" as an inventory source")
}

func TestMatchPatterns(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hosts": `lone1
[web]
web[1:4]
[db]
db1
db2
web2
[app]
app1
db1
[prod:children]
web
db
`})
	inv := load(t, filepath.Join(dir, "hosts"))
	cases := []struct {
		pattern  string
		hosts    []string
		warnings []string
		err      string
	}{
		{"all", []string{"lone1", "app1", "db1", "web1", "web2", "web3", "web4", "db2"}, nil, ""},
		{"*", []string{"lone1", "app1", "db1", "web1", "web2", "web3", "web4", "db2"}, nil, ""},
		{"web", []string{"web1", "web2", "web3", "web4"}, nil, ""},
		{"web:db", []string{"web1", "web2", "web3", "web4", "db1", "db2"}, nil, ""},
		{"db,app", []string{"db1", "db2", "web2", "app1"}, nil, ""},
		{"web:&db", []string{"web2"}, nil, ""},
		{"web:!db", []string{"web1", "web3", "web4"}, nil, ""},
		{"!db", []string{"lone1", "app1", "web1", "web3", "web4"}, nil, ""},
		{"web[0]", []string{"web1"}, nil, ""},
		{"web[-1]", []string{"web4"}, nil, ""},
		{"web[1:2]", []string{"web2", "web3"}, nil, ""},
		{"web[2:]", []string{"web3", "web4"}, nil, ""},
		{"web[9]", nil, nil, "No hosts matched the subscripted pattern 'web[9]'"},
		{"web[1-2]", []string{"web2", "web3"}, []string{"Use [x:y] inclusive subscripts instead of [x-y] which has been removed"}, ""},
		{"w*b?", []string{"web1", "web2", "web3", "web4"}, nil, ""},
		{"~web[13]", []string{"web1", "web3"}, nil, ""},
		{"~(db|app)\\d", []string{"db1", "db2", "app1"}, nil, ""},
		{"nosuch", []string{}, []string{"Could not match supplied host pattern, ignoring: nosuch"}, ""},
		{"nosuch:web[0]", []string{"web1"}, []string{"Could not match supplied host pattern, ignoring: nosuch"}, ""},
		{"localhost", []string{"localhost"}, nil, ""},
		{"ungrouped", []string{"lone1"}, nil, ""},
		{"~(", nil, nil, "Invalid host list pattern: ~("},
		{"app,lone*,!db1", []string{"app1", "lone1"}, nil, ""},
	}
	for _, c := range cases {
		hosts, warnings, err := inv.Match(c.pattern)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.pattern)
			continue
		}
		require.NoError(t, err, c.pattern)
		require.Equal(t, nonNil(c.hosts), nonNil(hosts), c.pattern)
		require.Equal(t, nonNil(c.warnings), nonNil(warnings), c.pattern)
	}
	require.Equal(t, []string{"a", "b[1]", "c[2:3]", "d"}, SplitPattern("a,b[1], c[2:3] , d"))
	require.Equal(t, []string{"web", "&db", "!x"}, SplitPattern("web:&db:!x"))
	require.Equal(t, []string{"2001:db8::1"}, SplitPattern("2001:db8::1"))
}

func TestLimit(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts":     "[web]\nweb[1:3]\n[db]\ndb1\n",
		"retry.txt": "web2\n\ndb1\n",
	})
	inv := load(t, filepath.Join(dir, "hosts"))
	warnings, err := inv.Limit("web:!web1")
	require.NoError(t, err)
	require.Empty(t, warnings)
	hosts, _, err := inv.Match("all")
	require.NoError(t, err)
	require.Equal(t, []string{"web2", "web3"}, hosts)

	_, err = inv.Limit("@" + filepath.Join(dir, "retry.txt"))
	require.NoError(t, err)
	hosts, _, err = inv.Match("all")
	require.NoError(t, err)
	require.Equal(t, []string{"web2", "db1"}, hosts)

	warnings, err = inv.Limit("nothere")
	require.NoError(t, err)
	require.Equal(t, []string{"Could not match supplied host pattern, ignoring: nothere"}, warnings)
	hosts, _, err = inv.Match("all")
	require.NoError(t, err)
	require.Empty(t, hosts)

	_, err = inv.Limit("@" + filepath.Join(dir, "missing.retry"))
	require.ErrorContains(t, err, "Unable to find limit file")
	_, err = inv.Limit("@" + dir)
	require.ErrorContains(t, err, "must be a file, not a directory")

	_, err = inv.Limit("")
	require.NoError(t, err)
	hosts, _, err = inv.Match("all")
	require.NoError(t, err)
	require.Len(t, hosts, 4)
}

func TestOutputErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hosts": "[g]\nh1\nh2\n"})
	inv := load(t, filepath.Join(dir, "hosts"))
	_, err := inv.HostJSON("g", OutputOptions{})
	require.ErrorIs(t, err, ErrNotOneHost)
	_, err = inv.Graph("nosuch", OutputOptions{})
	require.ErrorIs(t, err, ErrNotGroup)
	out, err := inv.HostJSON("h1", OutputOptions{})
	require.NoError(t, err)
	require.Equal(t, "{}\n", string(out))
	out, err = inv.Graph("g", OutputOptions{})
	require.NoError(t, err)
	require.Equal(t, "@g:\n  |--h1\n  |--h2\n", string(out))
}

func TestPythonJSON(t *testing.T) {
	v := map[string]any{"b": []any{1, 1.0, 1e20, 1e-5, "x\"\n\x01é<>&"}, "a": map[string]any{}, "c": []any{}, "d": nil, "e": true}
	require.Equal(t, `{
    "a": {},
    "b": [
        1,
        1.0,
        1e+20,
        1e-05,
        "x\"\n\u0001é<>&"
    ],
    "c": [],
    "d": null,
    "e": true
}
`, string(PythonJSON(v)))
	require.Equal(t, `['a', "it's", 1.5, None, True, {'k': [1]}]`, pyRepr([]any{"a", "it's", 1.5, nil, true, map[string]any{"k": []any{1}}}))
}

func TestGroupAboveAllFails(t *testing.T) {
	// Ansible stops with "ERROR! Adding group 'g' as child to 'all'
	// creates a recursive dependency loop."
	dir := writeFiles(t, map[string]string{"hosts": "[g:children]\nall\n"})
	_, err := Load([]string{filepath.Join(dir, "hosts")})
	require.EqualError(t, err, "inventory: Adding group 'g' as child to 'all' creates a recursive dependency loop.")
}
