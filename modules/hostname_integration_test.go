package modules_test

// hostname against ansible-playbook in two Debian test roots: Debian's
// strategy writes /etc/hostname only (no kernel call), so a chroot keeps
// the machine's own name untouched; the test checks that too.

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHostnameAgreesWithAnsible(t *testing.T) {
	before, err := os.Hostname()
	require.NoError(t, err)
	steps := []sysStep{
		{map[string]any{"name": "omehost.example.org"}, true},
		{map[string]any{"name": "omehost.example.org"}, false},
		{map[string]any{"name": "omehost.example.org"}, false},
		{map[string]any{"name": "omehost2"}, false},
		{map[string]any{"name": "x; touch /tmp/pwned"}, false},
		{map[string]any{"name": "omehost3", "use": "redhat"}, false},
	}
	sysAgreeRoots(t, "hostname", steps, "cat /etc/hostname; cat /etc/sysconfig/network 2>/dev/null; test -e /tmp/pwned && echo PWNED; true", nil, nil, "name", "diff")
	after, err := os.Hostname()
	require.NoError(t, err)
	require.Equal(t, before, after, "the machine's own name is untouched")
}
