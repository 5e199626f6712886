package modules

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
)

// A repo file as Rocky Linux 9 ships it (rocky-repos-9.3, /etc/yum.repos.d/rocky.repo, first sections).
const yumRockyRepo = `# rocky.repo
#
# The mirrorlist system uses the connecting IP address of the client and the
# update status of each mirror to pick current mirrors that are geographically
# close to the client.

[baseos]
name=Rocky Linux $releasever - BaseOS
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever$rltype
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
gpgcheck=1
enabled=1
countme=1
metadata_expire=6h
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9

[appstream]
name=Rocky Linux $releasever - AppStream
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=AppStream-$releasever$rltype
gpgcheck=1
enabled=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9
`

func TestParseYumRepoFile(t *testing.T) {
	f, err := parseYumRepoFile(yumRockyRepo)
	require.NoError(t, err)
	require.Len(t, f.Sections, 2)
	require.Equal(t, "baseos", f.Sections[0].Name)
	require.Equal(t, "[appstream]\nenabled = 1\ngpgcheck = 1\ngpgkey = file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9\n"+
		"mirrorlist = https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=AppStream-$releasever$rltype\n"+
		"name = Rocky Linux $releasever - AppStream\n\n", f.Dump()[strings.Index(f.Dump(), "[appstream]"):strings.Index(f.Dump(), "[baseos]")])
	require.True(t, strings.HasPrefix(f.Write(), "[baseos]\nname = Rocky Linux $releasever - BaseOS\n"))

	// continuation lines, ':' delimiters, upper-case keys, keys without value
	f, err = parseYumRepoFile("[x]\nBaseURL = a\n  b\n\tc\nGPGCheck: 1\nflag\n")
	require.NoError(t, err)
	require.Equal(t, "[x]\nbaseurl = a\n\tb\n\tc\ngpgcheck = 1\nflag\n\n", f.Write())
	require.Equal(t, "[x]\nbaseurl = a\nb\nc\nflag = None\ngpgcheck = 1\n\n", f.Dump())

	_, err = parseYumRepoFile("key=value\n")
	require.ErrorContains(t, err, "no section headers")
	_, err = parseYumRepoFile("[a]\n[a]\n")
	require.ErrorContains(t, err, "already exists")
}

func FuzzParseYumRepoFile(f *testing.F) {
	f.Add(yumRockyRepo)
	f.Add("[x]\n a\nb=\n c")
	f.Fuzz(func(t *testing.T, s string) {
		ini, err := parseYumRepoFile(s)
		if err != nil {
			return
		}
		again, err := parseYumRepoFile(ini.Write())
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%q", err, ini.Write())
		}
		_ = again.Dump()
	})
}

func TestYumRepoSection(t *testing.T) {
	s, err := yumRepoSection(map[string]any{"name": "epel", "description": "EPEL", "baseurl": []any{"a", "b"},
		"exclude": []any{"k*", "x"}, "gpgcheck": false, "enabled": true, "priority": "10", "reposdir": "/etc/yum.repos.d",
		"mode": "0644", "state": "present", "file": "f", "metalink": nil})
	require.NoError(t, err)
	f := &yumIniFile{Sections: []*yumIniSection{s}}
	require.Equal(t, "[epel]\nbaseurl = a\n\tb\nenabled = 1\nexclude = k* x\ngpgcheck = 0\nname = EPEL\npriority = 10\n\n", f.Write())
}

// repoFake is a host with a repo directory.
type repoFake struct {
	dnfFakeConn
	files map[string]string
	calls []string
}

func (c *repoFake) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c.calls = append(c.calls, cmd)
	switch {
	case strings.HasPrefix(cmd, "if [ ! -d "):
		if strings.Contains(cmd, "/nonexistent") {
			return &connection.Result{Stdout: []byte("NODIR\n")}, nil
		}
		for p, s := range c.files {
			if strings.Contains(cmd, p) {
				return &connection.Result{Stdout: []byte("FILE\n" + s)}, nil
			}
		}
		return &connection.Result{Stdout: []byte("NOFILE\n")}, nil
	case strings.HasPrefix(cmd, "p=") && strings.HasSuffix(cmd, fsStatScript):
		return &connection.Result{Stdout: []byte("G 81a4 0 0 60 1 2 3 0 0 0 0022 root root\nT 81a4\n")}, nil
	case strings.HasPrefix(cmd, "rm -f -- "):
		for p := range c.files {
			if strings.Contains(cmd, p) {
				delete(c.files, p)
			}
		}
		return &connection.Result{}, nil
	}
	return nil, rpmErrUnexpected(cmd)
}

func (c *repoFake) PutFile(ctx context.Context, p string, r io.Reader, opts *connection.FileOptions) error {
	b, _ := io.ReadAll(r)
	c.files[p] = string(b)
	return nil
}

func TestRunYumRepositoryWithFakeHost(t *testing.T) {
	ctx := context.Background()
	c := &repoFake{files: map[string]string{}}
	args := map[string]any{"name": "epel", "description": "EPEL", "baseurl": "https://x/$releasever/", "state": "present", "reposdir": "/etc/yum.repos.d"}
	res, err := runYumRepository(ctx, &Task{Args: args, Conn: c, Check: true})
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Empty(t, c.files)
	require.Equal(t, Diff{Before: "", After: "[epel]\nbaseurl = https://x/$releasever/\nname = EPEL\n\n",
		BeforeHeader: "/etc/yum.repos.d/epel.repo", AfterHeader: "/etc/yum.repos.d/epel.repo"}, res["diff"])

	res, err = runYumRepository(ctx, &Task{Args: args, Conn: c})
	require.NoError(t, err)
	require.True(t, res.Changed())
	require.Equal(t, "[epel]\nbaseurl = https://x/$releasever/\nname = EPEL\n\n", c.files["/etc/yum.repos.d/epel.repo"])
	require.Equal(t, "epel", res["repo"])

	res, _ = runYumRepository(ctx, &Task{Args: map[string]any{"name": "epel"}, Conn: c})
	require.Equal(t, "Parameter 'baseurl', 'metalink' or 'mirrorlist' is required.", res["msg"])
	res, _ = runYumRepository(ctx, &Task{Args: map[string]any{"name": "epel", "baseurl": "x"}, Conn: c})
	require.Equal(t, "Parameter 'description' is required.", res["msg"])
	res, _ = runYumRepository(ctx, &Task{Args: map[string]any{"name": "epel", "description": "d", "baseurl": "x", "reposdir": "/nonexistent"}, Conn: c})
	require.Equal(t, "Repo directory '/nonexistent' does not exist.", res["msg"])
	res, _ = runYumRepository(ctx, &Task{Args: map[string]any{"name": "epel", "params": map[string]any{"a": 1}}, Conn: c})
	require.Contains(t, res["msg"], "The params option to yum_repository was removed")

	// a hostile file name stays a name
	c.calls = nil
	runYumRepository(ctx, &Task{Args: map[string]any{"name": "x", "description": "d", "baseurl": "u", "file": "a; rm -rf /", "state": "present"}, Conn: c})
	require.Contains(t, c.calls[0], `'/etc/yum.repos.d/a; rm -rf /.repo'`)
}
