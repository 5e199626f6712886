package connection

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var hostile = []string{
	"", " ", "plain", "with space", "x; rm -rf /", "$(id)", "`id`", "a'b", "'", "''", `"`, `\`, `\\'`,
	"$HOME", "${HOME}", "a\nb", "\t", "*", "?", "[a]", "~", "~root", "-n", "--", "a&b|c>d<e", "!", "!!",
	"#comment", "é ü 中文", "\x01\x7f", "%s%n", "a\"b'c\\d$e`f", "new\r\nline", "=", "a=b", ";", "&&",
}

// TestQuoteRoundTrip gives each hostile string to a real /bin/sh and checks
// it comes back as one unchanged word.
func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range hostile {
		out, err := exec.Command("/bin/sh", "-c", "printf '%s\\0' "+Quote(s)+"; printf 'END'").Output()
		require.NoError(t, err, "%q", s)
		require.Equal(t, s+"\x00END", string(out), "%q", s)
	}
	// Several words at once stay separate.
	out, err := exec.Command("/bin/sh", "-c", "printf '%s\\0' "+QuoteAll(hostile...)).Output()
	require.NoError(t, err)
	require.Equal(t, strings.Join(hostile, "\x00")+"\x00", string(out))
}

func TestQuoteForms(t *testing.T) {
	require.Equal(t, "''", Quote(""))
	require.Equal(t, "abc/def-1.2_3:4@x%y+z=,", Quote("abc/def-1.2_3:4@x%y+z=,"))
	require.Equal(t, `'it'"'"'s'`, Quote("it's"))
	require.Equal(t, `'x; rm -rf /'`, Quote("x; rm -rf /"))
}

// FuzzQuote checks any byte string survives a real shell (no NUL: a shell
// argument cannot hold one).
func FuzzQuote(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return
		}
		out, err := exec.Command("/bin/sh", "-c", "printf '%s' "+Quote(s)).Output()
		require.NoError(t, err)
		require.Equal(t, s, string(out))
	})
}

func TestSplitWords(t *testing.T) {
	cases := map[string][]string{
		"":                                      nil,
		"  -H   -S -n ":                         {"-H", "-S", "-n"},
		`-o ProxyJump=a@b:22 -o 'User=x y'`:     {"-o", "ProxyJump=a@b:22", "-o", "User=x y"},
		`"a b"c 'd'"e" f\ g`:                    {"a bc", "de", "f g"},
		`"x\"y\\z\$"`:                           {`x"y\z$`},
		`'it'"'"'s'`:                            {"it's"},
		"''":                                    {""},
		`-o "StrictHostKeyChecking no"`:         {"-o", "StrictHostKeyChecking no"},
		"-oUserKnownHostsFile=/dev/null\t-J j1": {"-oUserKnownHostsFile=/dev/null", "-J", "j1"},
	}
	for in, want := range cases {
		got, err := splitWords(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{`'open`, `"open`, `trailing\`} {
		_, err := splitWords(bad)
		require.Error(t, err, bad)
	}
	// Split undoes QuoteAll.
	got, err := splitWords(QuoteAll(hostile...))
	require.NoError(t, err)
	require.Equal(t, hostile, got)
}
