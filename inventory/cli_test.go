package inventory

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCommandExitCodes runs the built `omeprov inventory` on bad options
// and checks ansible-inventory's exit codes: 5 for bad options, 1 for
// errors.
func TestCommandExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the omeprov command")
	}
	bin := buildOmeprov(t)
	dir := writeFiles(t, map[string]string{"hosts": "[g]\nh1\nh2\n", "bad/hosts": "h1\n", "bad/group_vars/all.yml": "a: [\n"})
	c := compatCase{dir: dir, sources: []string{filepath.Join(dir, "hosts")}}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, 5},
		{[]string{"--list", "--graph"}, 5},
		{[]string{"--host", "g"}, 5},
		{[]string{"--graph", "nosuch"}, 5},
		{[]string{"--list", "--vars"}, 0}, // ignored, as ansible-inventory does
		{[]string{"--host", "h1"}, 0},
		{[]string{"--graph", "g", "--vars"}, 0},
		{[]string{"--list", "--yaml"}, 0},
		{[]string{"--list", "--limit", "@" + filepath.Join(dir, "nosuch")}, 1},
	} {
		_, code := c.runOmeprov(t, bin, tc.args...)
		require.Equal(t, tc.code, code, "%v", tc.args)
	}
	bad := compatCase{dir: dir, sources: []string{filepath.Join(dir, "bad", "hosts")}}
	_, code := bad.runOmeprov(t, bin, "--list")
	require.Equal(t, 1, code)
}
