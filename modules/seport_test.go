package modules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeportPlan(t *testing.T) {
	all := seParsePortList(seTestdata(t, "semanage_port_l_n.txt"))
	require.Equal(t, []string{"8080", "8118", "8123", "10001-10010"}, all[seportKey{"http_cache_port_t", "tcp"}])
	require.Equal(t, []string{"53", "853"}, all[seportKey{"dns_port_t", "udp"}])
	local := seParsePortList(seTestdata(t, "semanage_port_l_n_C.txt"))

	// Already there: nothing to do.
	require.Empty(t, seportPlan([]string{"80", "443"}, "tcp", "http_port_t", "present", true, all, all))
	// New port: -a; a port another type has: -m; -N without reload.
	require.Equal(t, []string{
		"semanage port -a -t http_port_t -p tcp -- 8888",
		"semanage port -m -t http_port_t -p tcp -- 8080",
		"semanage port -m -t http_port_t -p tcp -- 10001-10010",
	}, seportPlan([]string{"8888", "8080", "10001-10010", "9000"}, "tcp", "http_port_t", "present", true, all, all))
	require.Equal(t, []string{"semanage port -a -N -t http_port_t -p udp -- 8080"},
		seportPlan([]string{"8080"}, "udp", "http_port_t", "present", false, all, all))
	// Absent deletes only what the type has.
	require.Equal(t, []string{"semanage port -d -p tcp -- 443"},
		seportPlan([]string{"443", "5000"}, "tcp", "http_port_t", "absent", true, all, all))
	// local compares against the local customizations only.
	require.Equal(t, []string{"semanage port -m -t http_port_t -p tcp -- 80"},
		seportPlan([]string{"80", "9000"}, "tcp", "http_port_t", "present", true, all, local))
	// A hostile type is one quoted word.
	require.Equal(t, []string{"semanage port -a -t 'x; rm -rf /' -p tcp -- 7"},
		seportPlan([]string{"7"}, "tcp", "x; rm -rf /", "present", true, all, all))
}
