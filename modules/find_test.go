package modules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFindGlobAgreesWithFnmatch compares findGlobRegexp with Python's
// fnmatch.fnmatchcase on names and patterns.
func TestFindGlobAgreesWithFnmatch(t *testing.T) {
	patterns := []string{"*", "*.txt", "a?c", "[ab]*", "[!ab]*", "[a-c]x", "[]]", "[!]]x", "x[", "*.[ch]", "a*b*c", "\\*", "[\\]", "^x", ".*", "a.b", "[^a]"}
	names := []string{"", "a", "abc", "a.txt", "b.txt", "x.txt", ".hidden", "]", "x[", "axc", "bx", "dx", "a.c", "a.h", "aXbYc", "*", "\\", "^x", "a.b", "axb", "^"}
	var pairs [][2]string
	for _, p := range patterns {
		for _, n := range names {
			pairs = append(pairs, [2]string{p, n})
		}
	}
	var want []bool
	fsAnsiblePython(t, `import fnmatch, json, sys
print(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))`, pairs, &want)
	require.Len(t, want, len(pairs))
	for i, pn := range pairs {
		require.Equal(t, want[i], findGlobRegexp(pn[0]).MatchString(pn[1]), "pattern %q name %q", pn[0], pn[1])
	}
}

func TestFindNameFilter(t *testing.T) {
	f, err := newFindNameFilter(nil, []string{"*.log"}, false)
	require.NoError(t, err)
	require.True(t, f.match("a.txt"), "excludes alone: patterns default to *")
	require.False(t, f.match("a.log"))
	f, err = newFindNameFilter([]string{`a\d`}, nil, true)
	require.NoError(t, err)
	require.True(t, f.match("a1x"), "re.match anchors at the start only")
	require.False(t, f.match("xa1"))
	_, err = newFindNameFilter([]string{`(?=a)`}, nil, true)
	require.Error(t, err)
}

func TestFindParseUnits(t *testing.T) {
	units := map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
	for in, want := range map[string]int64{"10": 10, "2d": 172800, "-1W": -604800, "3h": 10800} {
		got, ok := findParseUnits(in, findAgeRe, units)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "d", "1x", "1.5d", "99999999999999999999"} {
		_, ok := findParseUnits(bad, findAgeRe, units)
		require.False(t, ok, bad)
	}
}

func TestFindStatInfoAndDepth(t *testing.T) {
	r := findStatInfo(&fsInfo{Path: "/r/x", Type: "file", Mode: 0o4751, Uid: 7, Owner: "7", Group: "g"})
	require.Equal(t, "4751", r["mode"])
	require.Equal(t, true, r["isuid"])
	require.Equal(t, true, r["xgrp"])
	require.Equal(t, false, r["woth"])
	require.Equal(t, "", r["pw_name"], "an unknown user has an empty name")
	require.Equal(t, "g", r["gr_name"])
	require.Equal(t, 1, findRelDepth("/r", "/r/x"))
	require.Equal(t, 3, findRelDepth("/r/", "/r/a/b/c"))
}
