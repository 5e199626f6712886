package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "inv"), 0o755))
	cfg := filepath.Join(dir, "ansible.cfg")
	require.NoError(t, os.WriteFile(cfg, []byte(`
# comment
[defaults]
inventory = inv
remote_user = vagrant ; inline comment
host_key_checking = False
forks = 20
roles_path = roles:/opt/roles
[privilege_escalation]
become = yes
become_user = omero
[ssh_connection]
pipelining = True
`), 0o644))
	c := Default()
	require.NoError(t, c.readFile(cfg))
	require.Equal(t, []string{filepath.Join(dir, "inv")}, c.Inventory)
	require.Equal(t, "vagrant", c.RemoteUser)
	require.False(t, c.HostKeyChecking)
	require.Equal(t, 20, c.Forks)
	require.Equal(t, "/opt/roles", c.RolesPath[1])
	require.True(t, c.Become)
	require.Equal(t, "omero", c.BecomeUser)
	require.True(t, c.Pipelining)

	env := map[string]string{"ANSIBLE_FORKS": "3", "ANSIBLE_HOST_KEY_CHECKING": "true", "ANSIBLE_REMOTE_USER": "root"}
	c.readEnv(func(k string) string { return env[k] })
	require.Equal(t, 3, c.Forks)
	require.True(t, c.HostKeyChecking)
	require.Equal(t, "root", c.RemoteUser)
}

func TestMalformedConfigNamesLine(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	require.NoError(t, os.WriteFile(cfg, []byte("[defaults]\nthis is not a setting\n"), 0o644))
	err := Default().readFile(cfg)
	require.ErrorContains(t, err, "ansible.cfg:2")
}

func TestFindPrefersANSIBLE_CONFIG(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "my.cfg")
	require.NoError(t, os.WriteFile(cfg, []byte("[defaults]\n"), 0o644))
	t.Setenv("ANSIBLE_CONFIG", cfg)
	require.Equal(t, cfg, Find())
}
