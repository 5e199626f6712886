package facts

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDarwinScriptWithFakeCommands runs the real script's macOS branch on
// this machine with stand-ins for the macOS commands (uname answering
// Darwin, sw_vers, sysctl, vm_stat, route, ifconfig, ps, dscl, hostname)
// that print the recorded Apple silicon outputs, so the shell code of that
// branch is exercised and its sections parse into the expected facts.
func TestDarwinScriptWithFakeCommands(t *testing.T) {
	bin := t.TempDir()
	rec := macos14(t, "arm64")
	data := t.TempDir()
	save := func(name, content string) string {
		p := filepath.Join(data, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tool := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	}
	tool("uname", `case "$1" in -s) echo Darwin;; -r) echo 23.2.0;; -v) echo "`+rec.uname[2]+`";; -m) echo arm64;; -n) echo Alices-MacBook-Pro.local;; esac`)
	tool("sw_vers", "cat "+save("sw_vers", rec.cmds["sw_vers"].out))
	tool("sysctl", `if [ "$1" = hw.model ]; then echo "hw.model: MacBookPro18,3"; else cat `+save("sysctl", rec.cmds["sysctl"].out)+`; fi`)
	tool("vm_stat", "cat "+save("vm_stat", rec.cmds["vm_stat"].out))
	tool("route", `case "$*" in *inet6*) echo "route: writing to routing socket: not in table" >&2; exit 1;; *) cat `+save("route", rec.cmds["droute4"].out)+`;; esac`)
	tool("ifconfig", "cat "+save("ifconfig", rec.cmds["ifconfig"].out))
	tool("ps", `printf 'COMM\n/sbin/launchd\n'`)
	tool("hostname", `echo Alices-MacBook-Pro.local`)
	tool("xcode-select", `exit 2`)
	tool("dscl", `printf 'NFSHomeDirectory: /Users/alice\nPrimaryGroupID: 20\nRealName:\n Alice Example\nUniqueID: 501\nUserShell: /bin/zsh\n'`)
	cmd := exec.Command("/bin/sh", "-c", buildScript(allCollectors(t), DefaultFactPath))
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=/Users/alice", "USER=alice", "LOGNAME=alice"}
	out, err := cmd.Output()
	require.NoError(t, err)
	f := jsonNorm(t, build(parseSections(out), allCollectors(t))).(map[string]any)
	requireFacts(t, f, map[string]any{
		"system": "Darwin", "os_family": "Darwin", "distribution": "MacOSX", "distribution_version": "14.2.1",
		"distribution_major_version": "14", "distribution_release": "23.2.0", "service_mgr": "launchd",
		"architecture": "arm64", "processor": "Apple M1", "processor_cores": "8", "processor_vcpus": "8", "memtotal_mb": 16384,
		"model": "MacBookPro18,3", "user_id": "alice", "user_dir": "/Users/alice", "user_uid": 501, "user_gid": 20,
		"user_gecos": "Alice Example", "user_shell": "/bin/zsh", "fqdn": "Alices-MacBook-Pro.local", "hostname": "Alices-MacBook-Pro",
		"selinux": map[string]any{"status": "Missing selinux Python library"}, "all_ipv4_addresses": []any{"192.168.1.23"},
		"default_ipv6": map[string]any{},
	})
	require.Equal(t, "192.168.1.1", f["default_ipv4"].(map[string]any)["gateway"])
	require.Equal(t, "/Users/alice", f["env"].(map[string]any)["HOME"])
}
