package modules

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ome/omeprov/connection"

	"github.com/stretchr/testify/require"
)

// The expected values were printed by ansible-core 2.14.18's
// apt_repository.py (SourcesList._suggest_filename, SourcesList._parse,
// UbuntuSourcesList._expand_ppa) on Debian 12.
func TestAptRepoSuggestFilename(t *testing.T) {
	for line, want := range map[string]string{
		"deb http://dl.google.com/linux/chrome/deb/ stable main": "dl_google_com_linux_chrome_deb.list",
		"deb [trusted=yes] file:/srv/debrepo ./":                 "file_srv_debrepo.list",
		"ppa:deadsnakes/ppa_jammy":                               "ppa_deadsnakes_ppa_jammy.list",
		"deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://user:pw@download.docker.com/linux/ubuntu jammy stable": "download_docker_com_linux_ubuntu.list",
		"deb-src http://archive.canonical.com/ubuntu hardy partner":                                                             "archive_canonical_com_ubuntu.list",
		"deb http://ppa.launchpad.net/ome/ppa/ubuntu jammy main":                                                                "ppa_launchpad_net_ome_ppa_ubuntu.list",
	} {
		require.Equal(t, want, aptSuggestFilename(line, ""), line)
	}
	require.Equal(t, "mine.list", aptSuggestFilename("deb http://x y", "mine"))
	require.Equal(t, ".list", aptSuggestFilename("deb", ""))
}

func TestAptRepoParseLine(t *testing.T) {
	for line, want := range map[string]aptSourceLine{
		"  # deb http://a b c # note": {true, false, "deb http://a b c", "note"},
		"deb  http://a   b c":         {true, true, "deb http://a b c", ""},
		"foo bar":                     {false, true, "foo bar", ""},
		"":                            {false, true, "", ""},
		"#":                           {false, false, "", ""},
		"deb-src x # y # z":           {true, true, "deb-src x", "y # z"},
	} {
		require.Equal(t, want, aptParseSourceLine(line), line)
	}
	require.Equal(t, "# deb http://a b c # note\n", aptParseSourceLine("#deb http://a  b c #note").String())
}

func TestAptRepoExpandPPA(t *testing.T) {
	for repo, want := range map[string][3]string{
		"ppa:deadsnakes/ppa": {"deb http://ppa.launchpad.net/deadsnakes/ppa/ubuntu jammy main", "deadsnakes", "ppa"},
		"ppa:ome":            {"deb http://ppa.launchpad.net/ome/ppa/ubuntu jammy main", "ome", "ppa"},
		"ppa:a/b/c":          {"deb http://ppa.launchpad.net/a/b/ubuntu jammy main", "a", "b"},
	} {
		l, o, n := aptExpandPPA(repo, "jammy")
		require.Equal(t, want, [3]string{l, o, n}, repo)
	}
}

func TestAptRepoSourcesEdit(t *testing.T) {
	s := &aptSources{Files: map[string][]aptSourceLine{}, New: map[string]bool{}, DefaultFile: "/etc/apt/sources.list", PartsDir: "/etc/apt/sources.list.d"}
	s.load("/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n# deb http://x y z\n\n")
	before := s.dump()
	require.Equal(t, "deb http://deb.debian.org/debian bookworm main\n# deb http://x y z\n\n", before["/etc/apt/sources.list"])
	// A disabled line is enabled, not duplicated.
	s.addValidSource("deb http://x y z", "", "x_y.list")
	require.Equal(t, "deb http://deb.debian.org/debian bookworm main\ndeb http://x y z\n\n", s.dump()["/etc/apt/sources.list"])
	require.Len(t, s.dump(), 1)
	s.addValidSource("deb http://new a b", "", "new_a.list")
	require.Equal(t, "deb http://new a b\n", s.dump()["/etc/apt/sources.list.d/new_a.list"])
	s.removeValidSource("deb http://new a b")
	require.Len(t, s.dump(), 1, "an emptied file is dropped")
	s.load("/etc/apt/sources.list.d/nolf.list", "deb http://a b c")
	require.Equal(t, "deb http://a b c\n", s.dump()["/etc/apt/sources.list.d/nolf.list"])
}

func TestAptRepoParseHost(t *testing.T) {
	_, err := aptParseRepoHost("")
	require.Error(t, err)
	_, err = aptParseRepoHost("default /a\nparts /b/\nfile !!! /x\n")
	require.Error(t, err)
	h, err := aptParseRepoHost("default /etc/apt/sources.list\nparts /etc/apt/sources.list.d/\ncodename bookworm\ntool apt-key\nfile ZGViIGh0dHA6Ly9hIGIgYwo= /etc/apt/sources.list\n")
	require.NoError(t, err)
	require.Equal(t, "bookworm", h.Codename)
	require.True(t, h.Tools["apt-key"])
	require.Equal(t, "deb http://a b c\n", h.Raw["/etc/apt/sources.list"])
	require.Equal(t, "/etc/apt/sources.list.d", h.Sources.PartsDir)
	for _, m := range []any{"0644", 420, "0o600", nil} {
		_, err := aptRepoMode(m)
		require.NoError(t, err, "%v", m)
	}
	for _, m := range []any{"u+rwx", "99", true} {
		_, err := aptRepoMode(m)
		require.Error(t, err, "%v", m)
	}
}

// scriptConn is a small scripted connection for internal tests (modtest
// imports this package, so it cannot be used here).
type scriptConn struct {
	replies map[string]connection.Result // by command prefix
	cmds    []string
	files   map[string]string
}

func (c *scriptConn) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c.cmds = append(c.cmds, cmd)
	for p, r := range c.replies {
		if strings.HasPrefix(cmd, p) {
			r := r
			return &r, nil
		}
	}
	return nil, fmt.Errorf("unexpected command %s", cmd)
}

func (c *scriptConn) PutFile(ctx context.Context, path string, r io.Reader, opts *connection.FileOptions) error {
	b, _ := io.ReadAll(r)
	c.files[path] = string(b)
	return nil
}

func (c *scriptConn) GetFile(ctx context.Context, path string, become *connection.Become) ([]byte, error) {
	return nil, fmt.Errorf("no")
}

func (c *scriptConn) Close() error { return nil }

func TestAptRepoPPA(t *testing.T) {
	lpCalls := 0
	saved := aptLaunchpadInfo
	defer func() { aptLaunchpadInfo = saved }()
	aptLaunchpadInfo = func(ctx context.Context, owner, name string) (map[string]any, error) {
		lpCalls++
		require.Equal(t, []string{"deadsnakes", "ppa"}, []string{owner, name})
		return map[string]any{"signing_key_fingerprint": "F23C5A6CF475977595C89F51BA6932366A755776"}, nil
	}
	listing := "default /etc/apt/sources.list\nparts /etc/apt/sources.list.d/\ncodename jammy\ntool apt-key\n"
	newConn := func(extra string) *scriptConn {
		return &scriptConn{files: map[string]string{}, replies: map[string]connection.Result{
			"command -v apt-get": {Stdout: []byte(listing + extra)},
			"apt-key export ":    {Stderr: []byte("gpg: WARNING: nothing exported\n")},
			"apt-key adv ":       {},
			"mkdir -p ":          {},
			"apt-get update -q":  {},
		}}
	}
	args := map[string]any{"repo": "ppa:deadsnakes/ppa", "state": "present", "update_cache": true, "update_cache_retries": 1}

	c := newConn("")
	res, err := runAptRepository(context.Background(), &Task{Args: args, Conn: c, Check: true})
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Empty(t, c.files, "check mode writes nothing")

	c = newConn("")
	res, err = runAptRepository(context.Background(), &Task{Args: args, Conn: c})
	require.NoError(t, err)
	require.True(t, res.Changed(), "%v", res)
	require.Equal(t, map[string]string{"/etc/apt/sources.list.d/ppa_deadsnakes_ppa_jammy.list": "deb http://ppa.launchpad.net/deadsnakes/ppa/ubuntu jammy main\n"}, c.files)
	require.Contains(t, c.cmds, "apt-key adv --recv-keys --no-tty --keyserver hkp://keyserver.ubuntu.com:80 F23C5A6CF475977595C89F51BA6932366A755776")
	require.Equal(t, 2, lpCalls)

	// Present already: Launchpad is not asked, nothing changes.
	enc := base64.StdEncoding.EncodeToString([]byte("deb http://ppa.launchpad.net/deadsnakes/ppa/ubuntu jammy main\n"))
	c = newConn("file " + enc + " /etc/apt/sources.list.d/ppa_deadsnakes_ppa_jammy.list\n")
	res, err = runAptRepository(context.Background(), &Task{Args: args, Conn: c})
	require.NoError(t, err)
	require.False(t, res.Changed(), "%v", res)
	require.Equal(t, 2, lpCalls)

	// Launchpad failing is reported.
	aptLaunchpadInfo = func(ctx context.Context, owner, name string) (map[string]any, error) {
		return nil, fmt.Errorf("HTTP Error 404: Not Found")
	}
	res, err = runAptRepository(context.Background(), &Task{Args: args, Conn: newConn("")})
	require.NoError(t, err)
	require.Equal(t, "failed to fetch PPA information, error was: HTTP Error 404: Not Found", res["msg"])
}
