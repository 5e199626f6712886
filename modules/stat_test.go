package modules_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// statFixture makes files of every kind in a fresh directory. Access
// times are set in the future so that reading a file (for its checksum)
// does not change them between the two runs being compared.
func statFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	future := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Hour)
	write := func(name, content string, mode os.FileMode) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		require.NoError(t, os.Chmod(p, mode))
		require.NoError(t, os.Chtimes(p, future, past))
	}
	write("plain.txt", "hello\n", 0o644)
	write("with space; and 'quotes'", "x", 0o600)
	write("exec.sh", "#!/bin/sh\necho hi\n", 0o4755)
	write("empty", "", 0o640)
	write("bin.dat", "\x00\x01\x02\xff", 0o644)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o2750))
	for name, target := range map[string]string{"link": "plain.txt", "dangling": "nowhere", "dirlink": "sub"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.Symlink(target, p))
		ts := []unix.Timespec{unix.NsecToTimespec(future.UnixNano()), unix.NsecToTimespec(past.UnixNano())}
		require.NoError(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW))
	}
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	require.NoError(t, os.Chtimes(filepath.Join(dir, "sub"), future, past))
	require.NoError(t, os.Chtimes(filepath.Join(dir, "fifo"), future, past))
	return dir
}

// TestStatMatchesAnsible stats the same paths with Ansible's stat module
// and with omeprov's through /bin/sh, and compares the whole stat dicts.
func TestStatMatchesAnsible(t *testing.T) {
	dir := statFixture(t)
	var calls []ansibleCallT
	for _, name := range []string{"plain.txt", "with space; and 'quotes'", "exec.sh", "empty", "bin.dat", "sub", "link", "dangling", "dirlink", "fifo", "missing", "missing/deeper"} {
		calls = append(calls, ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, name)}, false})
	}
	calls = append(calls,
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "link"), "follow": true}, false},
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "dangling"), "follow": true}, false},
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "plain.txt"), "checksum_algorithm": "sha256", "get_md5": true}, false},
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "plain.txt"), "get_checksum": false, "get_mime": false, "get_attributes": false}, true},
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "plain.txt"), "checksum_algo": "sha512", "mime": false}, false},
		ansibleCallT{"stat", map[string]any{"path": filepath.Join(dir, "plain.txt", "notadir")}, false},
		ansibleCallT{"stat", map[string]any{"path": "/dev/null", "get_attributes": false}, false},
	)
	want := ansibleResultsT(t, calls)
	conn := &shConnT{dir: "/"}
	for i, c := range calls {
		got := normalizeT(t, runModuleT(t, conn, c.Module, c.Args, c.Check))
		w := normalizeT(t, want[i])
		if c.Args.(map[string]any)["path"] == "/dev/null" {
			for _, m := range []map[string]any{got, w} {
				if st, ok := m["stat"].(map[string]any); ok {
					delete(st, "atime")
					delete(st, "mtime")
					delete(st, "ctime")
				}
			}
		}
		require.Equal(t, w, got, "call %d: %v", i, c.Args)
	}
}

func TestStatBSDOutput(t *testing.T) {
	// What macOS stat -f prints for a regular file owned by a user.
	out := "flavour=bsd\nstat=81a4|501|20|6|12345|16777220|1|1700000000.500000000|1700000001|1700000002.000000001|8|4096|0|0|0|0|1699999999.250000000|alice|(20)\nreadable=1\nwriteable=1\nchecksum=f572d396fae9206628714fb2ce00f72e94f2258f\n"
	c := modtest.New(&modtest.Reply{Match: `stat -f`, Stdout: out})
	r, err := runEntryT(modtest.Task(c, "stat", map[string]any{"path": "/Users/alice/f", "get_mime": false, "get_attributes": false, "get_checksum": true, "checksum_algorithm": "sha1", "follow": false, "get_md5": false}))
	require.NoError(t, err)
	st := r["stat"].(map[string]any)
	require.Equal(t, "0644", st["mode"])
	require.Equal(t, true, st["isreg"])
	require.Equal(t, "alice", st["pw_name"])
	require.NotContains(t, st, "gr_name", "no group name: BSD stat printed (gid)")
	require.Equal(t, 1700000000.5, st["atime"])
	require.Equal(t, int64(16777220), st["dev"])
	require.Equal(t, 1700000001.0, st["mtime"])
	require.Equal(t, 1699999999.25, st["birthtime"])
	require.Equal(t, "f572d396fae9206628714fb2ce00f72e94f2258f", st["checksum"])
	require.Equal(t, false, st["executable"])
}

func TestStatFailures(t *testing.T) {
	args := map[string]any{"path": "/root/secret/x", "get_mime": true, "get_attributes": true, "get_checksum": true, "checksum_algorithm": "sha1"}
	c := modtest.New(&modtest.Reply{Match: `stat`, Stdout: "flavour=gnu\n", Stderr: "stat: cannot statx '/root/secret/x': Permission denied\n", ExitCode: 3})
	r, err := runEntryT(modtest.Task(c, "stat", args))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"failed": true, "changed": false, "msg": "Permission denied"}, r)

	c = modtest.New(&modtest.Reply{Match: `stat`, Stdout: "flavour=gnu\nstat=garbage\n"})
	r, err = runEntryT(modtest.Task(c, "stat", args))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "unexpected stat output")

	c = modtest.New(&modtest.Reply{Match: `stat`, Stdout: "flavour=gnu\nstat=81a4|0|0|1|2|3|1|4|5|6|8|4096|0|0|x|y|z|root|root\nreadable=1\nchecksum=fail\n"})
	r, err = runEntryT(modtest.Task(c, "stat", args))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Contains(t, r["msg"], "Could not hash file")
}

func TestStatQuotesPath(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `.`, Stdout: "flavour=gnu\n", Stderr: "No such file or directory", ExitCode: 3})
	r, err := runEntryT(modtest.Task(c, "stat", map[string]any{"path": "/tmp/x'; rm -rf / #"}))
	require.NoError(t, err)
	require.Equal(t, modules.Result{"changed": false, "stat": map[string]any{"exists": false}}, r)
	require.Len(t, c.Calls, 1)
	require.Contains(t, c.Calls[0].Cmd, `p='/tmp/x'"'"'; rm -rf / #'`)
	require.False(t, strings.Contains(c.Calls[0].Cmd, "p=/tmp/x'"))
}

// TestStatScriptParses checks the script sent to the host with sh -n for
// every combination of options, so that the branches this machine does
// not run (BSD stat) are at least valid shell.
func TestStatScriptParses(t *testing.T) {
	for _, follow := range []bool{false, true} {
		for _, sums := range []bool{false, true} {
			for _, extras := range []bool{false, true} {
				c := modtest.New(&modtest.Reply{Match: `.`, Stderr: "No such file or directory", ExitCode: 3})
				_, err := runEntryT(modtest.Task(c, "stat", map[string]any{"path": "~/a b", "follow": follow,
					"get_checksum": sums, "get_md5": sums, "checksum_algorithm": "sha512", "get_mime": extras, "get_attributes": extras}))
				require.NoError(t, err)
				require.Len(t, c.Calls, 1)
				out, err := exec.Command("/bin/sh", "-n", "-c", c.Calls[0].Cmd).CombinedOutput()
				require.NoError(t, err, "%s\n%s", out, c.Calls[0].Cmd)
				require.Contains(t, c.Calls[0].Cmd, "p=~/'a b'")
			}
		}
	}
}

// FuzzStatOutput feeds arbitrary host answers to stat: it must never
// panic, whatever comes back.
func FuzzStatOutput(f *testing.F) {
	f.Add("flavour=gnu\nstat=81a4|0|0|1|2|3|1|4|5|6|8|4096|0|0|x|y|z|root|root\nreadable=1\nmime=7a3a20612f623b20636861727365743d78\nlsattr=3120652d2d20612f62\nlnk_target=zz\n", "", 0)
	f.Add("flavour=bsd\nstat=a1ff|1|1|1|1|1|1|1.5|2.|3.x|1|1|1|1|1|1|1|a|b|c|d\n", "", 0)
	f.Add("", "Permission denied", 3)
	f.Fuzz(func(t *testing.T, stdout, stderr string, code int) {
		c := modtest.New(&modtest.Reply{Match: `.`, Stdout: stdout, Stderr: stderr, ExitCode: code})
		r, err := runEntryT(modtest.Task(c, "stat", map[string]any{"path": "/x", "get_md5": true, "follow": true}))
		require.NoError(t, err)
		require.NotNil(t, r)
	})
}

func TestStatExpandsHomeOnTheHost(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "f x"), []byte("hi"), 0o644))
	t.Setenv("HOME", home)
	r := runModuleT(t, &shConnT{dir: "/"}, "stat", map[string]any{"path": "~/f x"}, false)
	st := r["stat"].(map[string]any)
	require.Equal(t, true, st["exists"])
	require.Equal(t, filepath.Join(home, "f x"), st["path"])
}
