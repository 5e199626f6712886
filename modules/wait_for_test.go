package modules_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/modules/modtest"
)

// waitForRun runs wait_for on this machine (loopback ports, temp files).
func waitForRun(t *testing.T, args map[string]any) modules.Result {
	t.Helper()
	e, _ := modules.Lookup("wait_for")
	v, err := modules.Validate("wait_for", e.Spec, args)
	require.NoError(t, err)
	task := &modules.Task{Name: "wait_for", Module: "wait_for", Args: v, Conn: connection.Local(), Ctl: &modtest.Controller{}}
	r, err := e.Module.Run(context.Background(), task)
	require.NoError(t, err)
	return r
}

func TestWaitForPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-omeprov_test\r\n"))
			c.Close()
		}
	}()
	r := waitForRun(t, map[string]any{"port": port, "timeout": 5})
	require.False(t, r.Failed(), "%v", r)
	require.Equal(t, port, r["port"])
	require.Equal(t, "started", r["state"])
	require.False(t, r.Changed())

	r = waitForRun(t, map[string]any{"port": port, "timeout": 5, "search_regex": `SSH-(?P<ver>[0-9.]+)-(\w+)`})
	require.False(t, r.Failed(), "%v", r)
	require.Equal(t, []any{"2.0", "omeprov_test"}, r["match_groups"])
	require.Equal(t, map[string]any{"ver": "2.0"}, r["match_groupdict"])

	start := time.Now()
	r = waitForRun(t, map[string]any{"port": port, "timeout": 2, "state": "stopped"})
	require.True(t, r.Failed())
	require.Equal(t, "Timeout when waiting for 127.0.0.1:"+itoa(port)+" to stop.", r["msg"])
	require.Less(t, time.Since(start), 6*time.Second, "the loop is bounded")
	ln.Close()
	r = waitForRun(t, map[string]any{"port": port, "timeout": 5, "state": "stopped"})
	require.False(t, r.Failed(), "%v", r)
	r = waitForRun(t, map[string]any{"port": port, "timeout": 1, "msg": "nothing on the port"})
	require.True(t, r.Failed())
	require.Equal(t, "nothing on the port", r["msg"])
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWaitForPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ready; touch pwned")
	go func() {
		time.Sleep(1500 * time.Millisecond)
		os.WriteFile(p, []byte("starting\nlistening on port 4064\n"), 0o644)
	}()
	r := waitForRun(t, map[string]any{"path": p, "timeout": 10, "search_regex": `port (\d+)`})
	require.False(t, r.Failed(), "%v", r)
	require.Equal(t, []any{"4064"}, r["match_groups"])
	require.Equal(t, p, r["path"])
	_, err := os.Stat(filepath.Join(dir, "pwned"))
	require.True(t, os.IsNotExist(err))

	r = waitForRun(t, map[string]any{"path": p, "timeout": 1, "search_regex": "nomatch"})
	require.True(t, r.Failed())
	require.Equal(t, "Timeout when waiting for search string nomatch in "+p, r["msg"])

	r = waitForRun(t, map[string]any{"path": p, "state": "absent", "timeout": 1})
	require.True(t, r.Failed())
	require.Equal(t, "Timeout when waiting for "+p+" to be absent.", r["msg"])
	require.NoError(t, os.Remove(p))
	r = waitForRun(t, map[string]any{"path": p, "state": "absent", "timeout": 1})
	require.False(t, r.Failed(), "%v", r)
	r = waitForRun(t, map[string]any{"path": p, "timeout": 1})
	require.Equal(t, "Timeout when waiting for file "+p, r["msg"])

	r = waitForRun(t, map[string]any{"path": p, "port": 1})
	require.Equal(t, "port and path parameter can not both be passed to wait_for", r["msg"])
	r = waitForRun(t, map[string]any{"path": p, "state": "stopped"})
	require.Equal(t, "state=stopped should only be used for checking a port in the wait_for module", r["msg"])
	r = waitForRun(t, map[string]any{"path": p, "search_regex": "("})
	require.Contains(t, r["msg"], "Invalid regular expression")
}

func TestWaitForWithoutTools(t *testing.T) {
	c := modtest.New(&modtest.Reply{Match: `command -v nc`, Stdout: "none\n"})
	e, _ := modules.Lookup("wait_for")
	v, err := modules.Validate("wait_for", e.Spec, map[string]any{"port": 22})
	require.NoError(t, err)
	r, err := e.Module.Run(context.Background(), modtest.Task(c, "wait_for", v))
	require.NoError(t, err)
	require.True(t, r.Failed())
	require.Equal(t, "wait_for needs nc or bash on the host to check a port", r["msg"])
	// with bash only, the probe uses /dev/tcp with the values as arguments
	c = modtest.New(&modtest.Reply{Match: `command -v nc`, Stdout: "bash\n"}, &modtest.Reply{Match: `/dev/tcp`, ExitCode: 0})
	v, _ = modules.Validate("wait_for", e.Spec, map[string]any{"port": 22, "host": "h; rm -rf /"})
	r, err = e.Module.Run(context.Background(), modtest.Task(c, "wait_for", v))
	require.NoError(t, err)
	require.False(t, r.Failed(), "%v", r)
	require.Contains(t, c.Commands()[1], ` bash 'h; rm -rf /' 22`)
}
