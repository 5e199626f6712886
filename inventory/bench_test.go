package inventory

import (
	"path/filepath"
	"testing"
)

// BenchmarkLargeInventory loads 20000 hosts and asks for every host's
// variables, as a run over a big inventory does.
func BenchmarkLargeInventory(b *testing.B) {
	dir := b.TempDir()
	files := map[string]string{
		"hosts":              "[web]\nweb[00000:09999].example.org\n[db]\ndb[00000:09999]\n[all:vars]\nx=1\n",
		"group_vars/web.yml": "y: 2\n",
	}
	for name, content := range files {
		writeFile(b, filepath.Join(dir, name), content)
	}
	for i := 0; i < b.N; i++ {
		inv, err := Load([]string{filepath.Join(dir, "hosts")})
		if err != nil {
			b.Fatal(err)
		}
		hosts, _, err := inv.Match("web:db:!db0000*")
		if err != nil || len(hosts) != 19990 {
			b.Fatalf("%d hosts, %v", len(hosts), err)
		}
		for _, h := range hosts[:1000] {
			if inv.HostVars(h)["x"] != 1 {
				b.Fatal("x")
			}
		}
	}
}
