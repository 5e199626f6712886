package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// diffCase is one playbook run with both ansible-playbook and omeprov.
type diffCase struct {
	name     string
	playbook string
	args     []string
	// runs is how many times the playbook is run in a row (the later runs
	// check idempotence: both tools must agree on every run).
	runs int
}

var diffCases = []diffCase{
	{name: "basic", playbook: "basic.yml"},
	{name: "blocks", playbook: "blocks.yml"},
	{name: "handlers", playbook: "handlers.yml"},
	{name: "roles", playbook: "roles.yml"},
	{name: "includes", playbook: "includes.yml"},
	{name: "tags", playbook: "tags.yml", args: []string{"--tags", "one,special"}},
	{name: "skip-tags", playbook: "tags.yml", args: []string{"--skip-tags", "two"}},
	{name: "become", playbook: "become.yml"},
	{name: "files-check", playbook: "files.yml", args: []string{"--check"}},
	{name: "files", playbook: "files.yml", runs: 2},
	{name: "limit", playbook: "basic.yml", args: []string{"--limit", "h1:h3"}},
	{name: "vars", playbook: "vars.yml", args: []string{"-e", "p_extra=extra", "-e", "p_role_param=extra"}},
}

// TestDifferential runs each playbook with ansible-playbook and with
// omeprov apply on the same real sshd hosts and compares, host by host,
// the status of every task and the PLAY RECAP, and the exit codes.
func TestDifferential(t *testing.T) {
	requireAnsible(t)
	h := startHosts(t, 3, true)
	src, err := filepath.Abs("testdata/diff")
	require.NoError(t, err)
	for _, c := range diffCases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			// The host that logs in as a sudo user must be able to write here.
			work, err := os.MkdirTemp("", "omeprov-diff-")
			require.NoError(t, err)
			require.NoError(t, os.Chmod(work, 0o777))
			t.Cleanup(func() { os.RemoveAll(work) })
			runs := c.runs
			if runs == 0 {
				runs = 1
			}
			for i := 1; i <= runs; i++ {
				common := append([]string{"-i", h.inventory}, c.args...)
				aOut, aCode := h.run(t, src, "ansible-playbook", append(common, "-e", "workdir="+filepath.Join(work, "ansible"), c.playbook)...)
				oOut, oCode := h.run(t, src, omeprovBin, append(append([]string{"apply"}, common...), "-e", "workdir="+filepath.Join(work, "omeprov"), c.playbook)...)
				aEv, aRecap := parseRun(aOut)
				oEv, oRecap := parseRun(oOut)
				ctx := fmt.Sprintf("run %d of %s\n--- ansible-playbook (exit %d):\n%s\n--- omeprov (exit %d):\n%s", i, c.playbook, aCode, aOut, oCode, oOut)
				require.NotEmpty(t, aRecap, ctx)
				require.Equal(t, aCode, oCode, "exit codes differ; "+ctx)
				require.Equal(t, aRecap, oRecap, "PLAY RECAP differs; "+ctx)
				for _, host := range sortedHosts(aEv) {
					// Statuses in order; task names are compared where
					// ansible-playbook's banners are reliable (it reprints
					// a stale banner after handlers run for some hosts).
					require.Equal(t, statuses(aEv[host]), statuses(oEv[host]), "task statuses differ for %s; %s", host, ctx)
					if c.name != "handlers" {
						require.Equal(t, aEv[host], oEv[host], "tasks differ for %s; %s", host, ctx)
					}
				}
				if i > 1 {
					for host, rc := range oRecap {
						require.Contains(t, rc, " 0 ", "host %s", host) // changed=0 on the re-run
						require.True(t, strings.Split(rc, " ")[1] == "0", "re-run of %s changed something on %s: %s", c.playbook, host, rc)
					}
				}
			}
			if strings.Contains(c.name, "check") {
				// --check must leave nothing behind.
				_, err := os.Stat(filepath.Join(work, "omeprov"))
				require.True(t, os.IsNotExist(err), "omeprov --check created files")
			}
		})
	}
}
