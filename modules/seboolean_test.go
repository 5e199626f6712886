package modules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeboolParse(t *testing.T) {
	v, ok := seParseGetsebool(seTestdata(t, "getsebool.txt"), "httpd_can_network_connect")
	require.True(t, ok)
	require.False(t, v)
	v, ok = seParseGetsebool(seTestdata(t, "getsebool_pending.txt"), "httpd_use_nfs")
	require.True(t, ok)
	require.True(t, v, "the active value, not the pending one")
	_, ok = seParseGetsebool("", "x")
	require.False(t, ok)

	list := seTestdata(t, "semanage_boolean_l_n.txt")
	for name, want := range map[string]bool{"httpd_can_network_connect": false, "httpd_can_network_connect_db": true, "httpd_use_nfs": false, "nis_enabled": true} {
		got, ok := seParseBooleanList(list, name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	_, ok = seParseBooleanList(list, "httpd")
	require.False(t, ok)
}
