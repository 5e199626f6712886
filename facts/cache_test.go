package facts

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrefixedAndNamespace(t *testing.T) {
	f := map[string]any{"distribution": "Debian", "gather_subset": []any{"all"}, "module_setup": true,
		"ansible_local": map[string]any{"x": 1}}
	p := Prefixed(f)
	require.Equal(t, map[string]any{"ansible_distribution": "Debian", "gather_subset": []any{"all"}, "module_setup": true,
		"ansible_local": map[string]any{"x": 1}}, p)
	require.Equal(t, f, Namespace(p), "namespace_facts undoes the prefix, keeping ansible_local")
}

func TestCache(t *testing.T) {
	var c Cache
	_, ok := c.Get("h")
	require.False(t, ok)
	c.Update("h", map[string]any{"ansible_distribution": "Debian", "ansible_os_family": "Debian"})
	c.Update("h", map[string]any{"ansible_distribution": "Ubuntu", "my_fact": 1, "ansible_python_interpreter": "/x",
		"ansible_become_password": "secret", "ansible_host": "evil"})
	f, ok := c.Get("h")
	require.True(t, ok)
	require.Equal(t, "Ubuntu", f["ansible_distribution"])
	require.Equal(t, "Debian", f["ansible_os_family"], "Update merges")
	v := c.Vars("h", true)
	require.Equal(t, "Ubuntu", v["ansible_distribution"])
	require.Equal(t, 1, v["my_fact"])
	require.Equal(t, "Ubuntu", v["ansible_facts"].(map[string]any)["distribution"])
	for _, k := range []string{"ansible_python_interpreter", "ansible_become_password", "ansible_host"} {
		require.NotContains(t, v, k)
	}
	v = c.Vars("h", false)
	require.NotContains(t, v, "ansible_distribution")
	require.Equal(t, map[string]any{}, v["ansible_local"])
	c.Clear("h")
	_, ok = c.Get("h")
	require.False(t, ok)

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c.Update("h", map[string]any{"k": i})
			c.Vars("h", true)
		}(i)
	}
	wg.Wait()
}
