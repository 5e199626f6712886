package inventory

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAddHostAndGroup(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts":                  "[web]\nw1 a=1\n",
		"group_vars/dynamic.yml": "from_gv: dyn\n",
		"group_vars/parent.yml":  "from_parent: p\n",
		"host_vars/new1.yml":     "from_hv: new1\n",
		"group_vars/by_os_linux": "os: linux\n",
	})
	inv := load(t, filepath.Join(dir, "hosts"))

	changed, err := inv.AddHost("new1", []string{"dynamic", "web"}, map[string]any{"ansible_host": "10.0.0.9"})
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, []string{"dynamic", "web"}, inv.GroupNames("new1"))
	v := inv.HostVars("new1")
	require.Equal(t, "10.0.0.9", v["ansible_host"])
	require.Equal(t, "dyn", v["from_gv"])
	require.Equal(t, "new1", v["from_hv"])
	require.Nil(t, v["inventory_file"])
	hosts, _, err := inv.Match("web")
	require.NoError(t, err)
	require.Equal(t, []string{"w1", "new1"}, hosts)

	changed, err = inv.AddHost("new1", []string{"web"}, map[string]any{"ansible_host": "10.0.0.9"})
	require.NoError(t, err)
	require.False(t, changed)

	// A host added with no group is ungrouped. Hosts added at run time
	// are direct members of all, so come first in groups['all'] (as
	// ansible-playbook shows with add_host).
	_, err = inv.AddHost("lonely", nil, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"ungrouped"}, inv.GroupNames("lonely"))
	require.Equal(t, []string{"new1", "lonely", "w1"}, inv.Groups()["all"])
	require.Equal(t, []string{"lonely"}, inv.Groups()["ungrouped"])

	changed, err = inv.AddGroup("w1", "by_os_linux", []string{"parent"})
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, []string{"by_os_linux", "parent", "web"}, inv.GroupNames("w1"))
	require.Equal(t, "linux", inv.HostVars("w1")["os"])
	require.Equal(t, "p", inv.HostVars("w1")["from_parent"])
	require.Equal(t, map[string]any{"os": "linux"}, inv.GroupVars("by_os_linux"))
	changed, err = inv.AddGroup("w1", "by_os_linux", []string{"parent"})
	require.NoError(t, err)
	require.False(t, changed)

	_, err = inv.AddGroup("ghost", "g", nil)
	require.ErrorContains(t, err, "ghost cannot be matched in inventory")
	_, err = inv.AddGroup("w1", "parent", []string{"by_os_linux"})
	require.ErrorContains(t, err, "recursive dependency loop")
	_, err = inv.AddHost("", nil, nil)
	require.Error(t, err)
}

func TestConcurrentUse(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hosts": "[web]\nw[1:20]\n"})
	inv := load(t, filepath.Join(dir, "hosts"))
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func(i int) {
			defer func() { done <- struct{}{} }()
			for j := 0; j < 50; j++ {
				_, _, _ = inv.Match("web:localhost:nosuch")
				_ = inv.HostVars("localhost")
				_ = inv.HostVars("w1")
				_, _ = inv.AddGroup("w2", "g"+string(rune('a'+i)), nil)
				_ = inv.Groups()
			}
		}(i)
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	require.Len(t, inv.GroupNames("w2"), 9)
}
