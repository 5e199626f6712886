package playbook

import (
	"bytes"
	"testing"

	"github.com/ome/omeprov/modules"
	"github.com/stretchr/testify/require"
)

// TestDiffsOfChangedResultsOnly checks the default callback against what
// ansible-playbook --diff prints: a diff only for a changed result, each
// unified diff followed by a blank line.
func TestDiffsOfChangedResultsOnly(t *testing.T) {
	var out bytes.Buffer
	c := NewDefaultCallback(&out, &out, 0, false, true)
	d := modules.Diff{Before: "a\n", After: "b\n", BeforeHeader: "/f", AfterHeader: "/f"}
	c.TaskResult("h1", &Task{Module: "file"}, statusOK, modules.Result{"changed": false, "diff": d}, false, nil)
	require.Equal(t, "ok: [h1]\n", out.String())
	out.Reset()
	c.TaskResult("h1", &Task{Module: "copy"}, statusChanged, modules.Result{"changed": true, "diff": []modules.Diff{d, d}}, false, nil)
	require.Equal(t, "--- before: /f\n+++ after: /f\n@@ -1 +1 @@\n-a\n+b\n\n"+
		"--- before: /f\n+++ after: /f\n@@ -1 +1 @@\n-a\n+b\n\nchanged: [h1]\n", out.String())
}
