package modules

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseHTTPOutput(t *testing.T) {
	out := "RC 0\nW 200 1 http://h/b.txt\nH HTTP/1.1 302 Found\r\nH Location: /b.txt\r\nH \r\nH HTTP/1.1 200 OK\r\nH Content-Type: text/plain\r\nH Content-Disposition: attachment; filename=\"../../etc/x.txt\"\r\nH \r\nBODY\nhello\n"
	r := parseHTTPOutput([]byte(out), "http://h/a")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "OK", r.Reason)
	require.Equal(t, 1, r.Redirects)
	require.Equal(t, "http://h/b.txt", r.FinalURL)
	require.Equal(t, "text/plain", r.header("content-type"))
	require.Equal(t, "hello\n", string(r.Body))
	require.Equal(t, "x.txt", responseFilename(r, "http://h/a"), "only the base name of a disposition filename")

	r = parseHTTPOutput([]byte("RC 7\nW 000 0 http://127.0.0.1:1/\nE curl: (7) Failed to connect\n"), "http://127.0.0.1:1/")
	require.Equal(t, -1, r.Status)
	require.Equal(t, "curl: (7) Failed to connect", r.Err)
	require.Equal(t, "Request failed: curl: (7) Failed to connect", httpInfoMsg(r, -1))

	// wget's -S output
	r = parseHTTPOutput([]byte("RC 8\nW - 0 -\nH HTTP/1.1 404 Not Found\nH Server: x\n"), "http://h/x")
	require.Equal(t, 404, r.Status)
	require.Equal(t, "HTTP Error 404: Not Found", httpInfoMsg(r, 0))
	require.Equal(t, "index.html", responseFilename(&httpResponse{FinalURL: "http://h/"}, "http://h/"))
	require.NotPanics(t, func() { parseHTTPOutput([]byte("W\nH\nRC x\nBODY"), "") })

	// curl puts -u's user and password in the URL it ends at: not kept
	// (Ansible's url is the URL fetched; the password is not shown)
	r = parseHTTPOutput([]byte("RC 0\nW 200 1 http://user:secret@h:8/b?x=1\n"), "http://h:8/a")
	require.Equal(t, "http://h:8/b?x=1", r.FinalURL)
	r = parseHTTPOutput([]byte("RC 0\nW 200 0 http://u:p@h/a\n"), "http://u:p@h/a")
	require.Equal(t, "http://u:p@h/a", r.FinalURL, "as requested")
}

func TestHTTPCommandQuoting(t *testing.T) {
	req := &httpRequest{URL: "http://h/a b;c", Timeout: 5, Headers: map[string]string{"X-T": "a'b"}, HasUser: true, User: "u", Pass: "p$w", Out: "/tmp/o x"}
	c := httpCommand("curl", req)
	require.Contains(t, c, `-H 'X-T: a'"'"'b'`)
	require.Contains(t, c, `-u 'u:p$w'`)
	require.Contains(t, c, `-o '/tmp/o x'`)
	require.Contains(t, c, `-- 'http://h/a b;c'`)
	require.False(t, strings.Contains(c, "BODY"))
	w := httpCommand("wget", &httpRequest{URL: "http://h/x", Timeout: 5, Method: "POST"})
	require.Contains(t, w, "wget -q -S -O \"$d/b\" --timeout=5")
	require.Contains(t, w, "--method=POST --max-redirect=0")
	require.Contains(t, w, "echo BODY")
}

func TestGetURLChecksum(t *testing.T) {
	a, s, err := getURLChecksum("SHA256:ABCDEF")
	require.NoError(t, err)
	require.Equal(t, "sha256", a)
	require.Equal(t, "abcdef", s)
	for _, bad := range []string{"sha256", "crc32:ab", "sha256:xyz", "sha256:https://h/SHA256SUMS"} {
		_, _, err := getURLChecksum(bad)
		require.Error(t, err, bad)
	}
	require.True(t, jsonCandidate("application/vnd.api+json; charset=utf-8"))
	require.False(t, jsonCandidate("text/html"))
	b, _, err := uriBody(map[string]any{"a": []any{1, "x"}}, "json")
	require.NoError(t, err)
	require.Equal(t, `{"a": [1, "x"]}`, *b)
	_, _, err = uriBody(3, "form-urlencoded")
	require.Error(t, err)
}

func TestUnarchiveHandler(t *testing.T) {
	for magic, want := range map[string]string{"504b0304": "ZipArchive", "1f8b0800": "TgzArchive", "425a6839": "TarBzipArchive",
		"fd377a585a00": "TarXzArchive", "28b52ffd": "TarZstdArchive", "": "TarArchive"} {
		h, _ := unarchiveHandler(magic)
		require.Equal(t, want, h, magic)
	}
	require.Equal(t, "tar --extract -C /d -z --exclude='a b' -f '/s x.tgz' 'in c'", unarchiveExtractCmd("TgzArchive", "-z", "/s x.tgz", "/d", []string{"in c"}, []string{"a b"}, nil))
	require.Equal(t, "unzip -o /s.zip -x 'a;b' -d /d", unarchiveExtractCmd("ZipArchive", "", "/s.zip", "/d", nil, []string{"a;b"}, nil))
	require.Equal(t, []string{"app", "x"}, topLevel([]string{"app", "app/a", "x"}))
}
