package udiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnifiedSimple(t *testing.T) {
	got := Unified("before: f", "after: f", "a\nb\nc\n", "a\nB\nc\nd\n")
	require.Equal(t, "--- before: f\n+++ after: f\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n", got)
	require.Equal(t, "", Unified("x", "y", "same\n", "same\n"))
	got = Unified("b", "a", "", "new\n")
	require.Equal(t, "--- b\n+++ a\n@@ -0,0 +1 @@\n+new\n", got)
}

// TestUnifiedMatchesDifflib compares with Python's difflib on varied input.
func TestUnifiedMatchesDifflib(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	cases := [][2]string{
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\nY\n12\n"},
		{"a\nb\n", "c\nd\n"},
		{"keep\n", "keep\nadd1\nadd2\n"},
		{"x\ny\nz\n", "y\n"},
		{strings.Repeat("l\n", 20) + "end\n", "start\n" + strings.Repeat("l\n", 20)},
	}
	dir := t.TempDir()
	for i, c := range cases {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		require.NoError(t, os.WriteFile(a, []byte(c[0]), 0o644))
		require.NoError(t, os.WriteFile(b, []byte(c[1]), 0o644))
		out, err := exec.Command(py, "-c", `import difflib,sys
a=open(sys.argv[1]).read().splitlines(True); b=open(sys.argv[2]).read().splitlines(True)
sys.stdout.write(''.join(difflib.unified_diff(a,b,fromfile='F',tofile='T',n=3)))`, a, b).Output()
		require.NoError(t, err)
		require.Equal(t, string(out), Unified("F", "T", c[0], c[1]), "case %d", i)
	}
}
