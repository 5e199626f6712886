package modules

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTempName(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`^ansible\.[a-z0-9_]{8}\.conf$`)
	for i := 0; i < 100; i++ {
		n, err := tempName("ansible.", ".conf")
		require.NoError(t, err)
		require.Regexp(t, re, n)
		seen[n] = true
	}
	require.Greater(t, len(seen), 95, "names are random")
}

// TestTempfileSkippedInCheckMode: as Ansible's tempfile (check_mode
// support: none), the module is skipped in check mode rather than
// reporting a name it does not make.
func TestTempfileSkippedInCheckMode(t *testing.T) {
	e, ok := Lookup("tempfile")
	require.True(t, ok)
	require.False(t, e.Spec.CheckMode)
}
