package modules

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

// rpmGPGColons reads the fingerprints gpg printed for the test keys
// (testdata/rpm/gpg-colons.txt).
func rpmGPGColons(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/rpm/gpg-colons.txt")
	require.NoError(t, err)
	var fprs []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "fpr:") {
			fprs = append(fprs, strings.Split(l, ":")[9])
		}
	}
	return fprs
}

func TestPGPKeysAgreeWithGPG(t *testing.T) {
	fprs := rpmGPGColons(t)
	require.Len(t, fprs, 2)
	var all strings.Builder
	for i, name := range []string{"key1.asc", "key2.asc"} {
		b, err := os.ReadFile("testdata/rpm/" + name)
		require.NoError(t, err)
		all.Write(b)
		all.WriteString("some text between keys, as rpm -q --qf %{DESCRIPTION} prints them\n")
		keys, err := pgpKeysIn(string(b))
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.Equal(t, fprs[i], keys[0].Fingerprint)
		require.Equal(t, fprs[i][24:], keys[0].KeyID)
	}
	keys, err := pgpKeysIn(all.String())
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.True(t, rpmKeyImported(keys, rpmNormalizeKeyID("0x"+strings.ToLower(fprs[0][32:]))))
	require.True(t, rpmKeyImported(keys, rpmNormalizeKeyID(" "+fprs[1][24:]+" ")))
	require.False(t, rpmKeyImported(keys, "DEADBEEF"))

	// bad input is an error, never a panic
	for _, bad := range []string{
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----",
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----",
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n-----END PGP PUBLIC KEY BLOCK-----",
	} {
		_, err := pgpKeysIn(bad)
		require.Error(t, err, bad)
	}
}

func FuzzPGPPrimaryKey(f *testing.F) {
	b, _ := os.ReadFile("testdata/rpm/key1.asc")
	if data, err := pgpDearmor(pgpBlockRe.FindString(string(b))); err == nil {
		f.Add(data)
	}
	f.Add([]byte{0x99, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		pgpPrimaryKey(data)
		pgpKeysIn(string(data))
	})
}

// rpmKeyFake answers rpm_key's commands.
type rpmKeyFake struct {
	dnfFakeConn
	files    map[string]string
	imported string
	calls    []string
	fetched  string
}

func (c *rpmKeyFake) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c.calls = append(c.calls, cmd)
	switch {
	case strings.Contains(cmd, "rpm -q gpg-pubkey"):
		return &connection.Result{Stdout: []byte(c.imported)}, nil
	case strings.Contains(cmd, "rpm --import"):
		return &connection.Result{}, nil
	case strings.Contains(cmd, "rpm --erase"):
		return &connection.Result{}, nil
	case strings.Contains(cmd, "curl"):
		if c.fetched == "" {
			return &connection.Result{ExitCode: 22, Stderr: []byte("curl: (22) The requested URL returned error: 404")}, nil
		}
		return &connection.Result{Stdout: []byte(c.fetched)}, nil
	}
	return nil, rpmErrUnexpected(cmd)
}

func (c *rpmKeyFake) GetFile(ctx context.Context, p string, b *connection.Become) ([]byte, error) {
	if s, ok := c.files[p]; ok {
		return []byte(s), nil
	}
	return nil, os.ErrNotExist
}

func TestRunRPMKeyWithFakeHost(t *testing.T) {
	ctx := context.Background()
	key1, err := os.ReadFile("testdata/rpm/key1.asc")
	require.NoError(t, err)
	fprs := rpmGPGColons(t)
	c := &rpmKeyFake{files: map[string]string{"/k.asc": string(key1)}}

	res, err := runRPMKey(ctx, &Task{Args: map[string]any{"key": "/k.asc"}, Conn: c, Check: true})
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true}, res)
	for _, call := range c.calls {
		require.NotContains(t, call, "--import", "check mode imports nothing")
	}
	res, err = runRPMKey(ctx, &Task{Args: map[string]any{"key": "/k.asc", "fingerprint": fprs[0]}, Conn: c})
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true}, res)

	c.imported = string(key1)
	res, err = runRPMKey(ctx, &Task{Args: map[string]any{"key": "/k.asc"}, Conn: c})
	require.NoError(t, err)
	require.Equal(t, Result{"changed": false}, res)

	c.calls = nil
	res, err = runRPMKey(ctx, &Task{Args: map[string]any{"key": fprs[0][24:], "state": "absent"}, Conn: c})
	require.NoError(t, err)
	require.Equal(t, Result{"changed": true}, res)
	require.Contains(t, c.calls[len(c.calls)-1], "rpm --erase --allmatches gpg-pubkey-"+strings.ToLower(fprs[0][32:]))

	res, _ = runRPMKey(ctx, &Task{Args: map[string]any{"key": "/nope"}, Conn: c})
	require.Equal(t, "Not a valid key /nope", res["msg"])
	res, _ = runRPMKey(ctx, &Task{Args: map[string]any{"key": "https://x/k'; rm -rf /"}, Conn: c})
	require.Contains(t, res["msg"], "failed to fetch key at https://x/k'; rm -rf /")
	require.Contains(t, c.calls[len(c.calls)-1], `'https://x/k'"'"'; rm -rf /'`)
	c.fetched = "<html>"
	res, _ = runRPMKey(ctx, &Task{Args: map[string]any{"key": "https://x/k"}, Conn: c})
	require.Equal(t, "Not a public key: https://x/k", res["msg"])
	c.files["/junk"] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"
	res, _ = runRPMKey(ctx, &Task{Args: map[string]any{"key": "/junk"}, Conn: c})
	require.True(t, res.Failed())
}

func TestRPMKeyFetchCommand(t *testing.T) {
	cmd := rpmKeyFetchCommand("https://h/k;x", true)
	require.Contains(t, cmd, "curl -fsSLk -- 'https://h/k;x'")
	require.Contains(t, cmd, "wget -q --no-check-certificate -O - -- 'https://h/k;x'")
	require.Contains(t, cmd, "_create_unverified_context")
}
