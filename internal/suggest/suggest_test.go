package suggest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClosest(t *testing.T) {
	params := []string{"chdir", "creates", "removes", "argv", "stdin", "stdin_add_newline", "strip_empty_ends", "executable"}
	require.Equal(t, "chdir", Closest("chdri", params))
	require.Equal(t, "creates", Closest("create", params))
	require.Equal(t, "stdin", Closest("STDIN", params))
	require.Equal(t, "", Closest("xyzzy", params))
	require.Equal(t, "", Closest("", params))
	require.Equal(t, "", Closest("chdir", []string{"chdir"}), "a name is not its own suggestion")
	require.Equal(t, "", Closest("abc", nil))
	// A swap in a short name is still close.
	require.Equal(t, "state", Closest("sate", []string{"name", "state"}))
	require.Equal(t, "ab", Closest("ba", []string{"ab"}))
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"abc", "abc", 0},
		{"abc", "acb", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}, {"état", "etat", 1},
	} {
		require.Equal(t, c.d, Distance(c.a, c.b), "%q %q", c.a, c.b)
		require.Equal(t, c.d, Distance(c.b, c.a), "%q %q", c.b, c.a)
	}
}

var ratioPairs = [][2]string{
	{"chdri", "chdir"}, {"abcd", "bcde"}, {"path", "pth"}, {"state", "sate"},
	{"get_checksum", "get_chksum"}, {"", "a"}, {"aaa", "aa"}, {"xyz", "abc"},
	{"checksum_algorithm", "checksum_algo"}, {"ébc", "ebc"}, {"abcabc", "cbacba"},
	{"mutually", "mutal"}, {"hash_behaviour", "hash_behavior"},
}

// TestRatioMatchesDifflib compares Ratio with Python's own difflib on the
// same pairs.
func TestRatioMatchesDifflib(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is needed to compare with difflib")
		}
		t.Skip("no /usr/bin/python3 to compare with difflib")
	}
	in, err := json.Marshal(ratioPairs)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import sys, json, difflib
pairs = json.load(sys.stdin)
print(json.dumps([difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs]))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []float64
	require.NoError(t, json.Unmarshal(out, &want))
	for i, p := range ratioPairs {
		require.InDelta(t, want[i], Ratio(p[0], p[1]), 1e-9, "%q %q", p[0], p[1])
	}
}

func FuzzClosest(f *testing.F) {
	f.Add("chdri", "chdir")
	f.Add("", "")
	f.Add("\xff\xfe", "a\x00b")
	f.Fuzz(func(t *testing.T, a, b string) {
		r := Ratio(a, b)
		require.True(t, r >= 0 && r <= 1)
		require.Equal(t, Distance(a, b), Distance(b, a))
		got := Closest(a, []string{b})
		require.True(t, got == "" || got == b)
	})
}
