package modules_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/modules"
)

// TestRPMModuleSpecsValidate runs typical tasks of the dnf, yum, pip,
// rpm_key and yum_repository modules through the engine's validator, and
// bad ones, as ansible-core 2.14 accepts and refuses them.
func TestRPMModuleSpecsValidate(t *testing.T) {
	for _, tc := range []struct {
		module string
		args   map[string]any
		bad    string // part of the error, "" when valid
	}{
		{"dnf", map[string]any{"name": "a,b", "state": "latest", "enablerepo": "crb", "lock_timeout": "60", "update_cache": "yes"}, ""},
		{"dnf", map[string]any{"pkg": []any{"a"}, "expire-cache": true}, ""},
		{"dnf", map[string]any{"list": "installed"}, ""},
		{"dnf", map[string]any{"name": "a", "list": "installed"}, "mutually exclusive"},
		{"dnf", map[string]any{"state": "present"}, ""}, // name defaults to [], as in ansible
		{"dnf", map[string]any{"name": "a", "state": "purged"}, "state"},
		{"yum", map[string]any{"name": "a", "use_backend": "dnf"}, ""},
		{"pip", map[string]any{"name": []any{"a==1"}, "virtualenv": "~/venv", "virtualenv_command": "python3 -m venv", "umask": "0022"}, ""},
		{"pip", map[string]any{"requirements": "r.txt", "name": "a"}, "mutually exclusive"},
		{"pip", map[string]any{"name": "a", "executable": "pip3", "virtualenv": "/v"}, "mutually exclusive"},
		{"pip", map[string]any{"state": "present"}, "one of the following is required"},
		{"rpm_key", map[string]any{"key": "/k.asc", "fingerprint": "AB CD"}, ""},
		{"rpm_key", map[string]any{"state": "present"}, "key"},
		{"yum_repository", map[string]any{"name": "epel", "description": "EPEL", "baseurl": "https://x/", "gpgcheck": "no", "validate_certs": false, "mode": "0644"}, ""},
		{"yum_repository", map[string]any{"description": "EPEL"}, "name"},
		{"yum_repository", map[string]any{"name": "x", "ip_resolve": "7"}, "ip_resolve"},
	} {
		e, ok := modules.Lookup("ansible.builtin." + tc.module)
		require.True(t, ok, tc.module)
		clean, err := modules.Validate(tc.module, e.Spec, tc.args)
		if tc.bad == "" {
			require.NoError(t, err, "%s %v", tc.module, tc.args)
			require.NotNil(t, clean)
		} else {
			require.Error(t, err, "%s %v", tc.module, tc.args)
			require.Contains(t, err.Error(), tc.bad, "%s %v", tc.module, tc.args)
		}
	}
}
