package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLintCommand(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"site.yml": "- hosts: all\n  tasks:\n    - name: system pip\n      pip:\n        name: requests\n    - name: venv\n      pip: name=requests virtualenv=/opt/v\n",
		"ok.yml":   "- hosts: all\n  tasks:\n    - pip:\n        name: omero-py\n        virtualenv: /opt/omero/venv\n",
		"bad.yml":  "- hosts: all\n  tasks:\n    - pip:\n        nme: x\n",
	})
	out, code := run(t, dir, "lint", "site.yml")
	require.Equal(t, 2, code, out)
	require.True(t, strings.HasPrefix(out, "site.yml:3: python-distro-packaged: pip installs requests into the system Python, but the distribution packages it (python3-requests "), out)
	require.Equal(t, 1, strings.Count(out, "\n"), out)

	out, code = run(t, dir, "lint", "--format", "json", "site.yml", "bad.yml")
	require.Equal(t, 2, code, out)
	var fs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &fs), out)
	require.Len(t, fs, 2)
	require.Equal(t, "site.yml", fs[0]["file"])
	require.EqualValues(t, 3, fs[0]["line"])
	require.Equal(t, "bad.yml", fs[1]["file"])
	require.Equal(t, "unknown-parameter", fs[1]["rule"])

	out, code = run(t, dir, "lint", "ok.yml")
	require.Equal(t, 0, code, out)
	require.Empty(t, out)
	out, code = run(t, dir, "lint", "--format", "json", "ok.yml")
	require.Equal(t, 0, code, out)
	require.Equal(t, "[]\n", out)

	out, code = run(t, dir, "lint", "--format", "xml", "ok.yml")
	require.Equal(t, 5, code, out)
	out, code = run(t, dir, "lint", "--release", "rocky-9", "ok.yml")
	require.Equal(t, 5, code, out)
	require.Contains(t, out, "has no data")
	out, code = run(t, dir, "lint", "missing.yml")
	require.Equal(t, 1, code, out)
	_, code = run(t, dir, "apply", "--python-policy", "lax", "ok.yml")
	require.Equal(t, 5, code)
}
