package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
)

// fsysNeed skips (or fails under CI) without the tools the filesystem
// tests use on image files: e2fsprogs and util-linux.
func fsysNeed(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"mkfs.ext4", "resize2fs", "tune2fs", "blkid", "wipefs", "findmnt"} {
		if _, err := exec.LookPath(tool); err != nil {
			pgSkip(t, tool+" is not installed (apt-get install e2fsprogs util-linux)")
		}
	}
}

// fsysStep is one filesystem task of the scenario.
type fsysStep struct {
	Args    map[string]any
	Check   bool
	Grow    int64 // grow the image to this many bytes before the step
	Changed bool
	Failed  bool
}

var fsysScenario = []fsysStep{
	{Args: map[string]any{"fstype": "ext4"}, Check: true, Changed: true},
	{Args: map[string]any{"fstype": "ext4", "opts": "-L omero"}, Changed: true},
	{Args: map[string]any{"fstype": "ext4"}},
	{Args: map[string]any{"fstype": "ext4", "resizefs": true}},
	{Args: map[string]any{"fstype": "ext3"}, Failed: true},
	{Args: map[string]any{"fstype": "ext4", "resizefs": true}, Grow: 48 << 20, Check: true, Changed: true},
	{Args: map[string]any{"fstype": "ext4", "resizefs": true}, Changed: true},
	{Args: map[string]any{"fstype": "ext4", "resizefs": true}},
	{Args: map[string]any{"fstype": "swap", "force": true}, Changed: true},
	{Args: map[string]any{"fstype": "swap"}},
	{Args: map[string]any{"state": "absent"}, Check: true, Changed: true},
	{Args: map[string]any{"state": "absent"}, Changed: true},
	{Args: map[string]any{"state": "absent"}},
	{Args: map[string]any{"fstype": "ufs"}, Failed: true},
}

func fsysImage(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	require.NoError(t, os.Truncate(path, 32<<20))
	return path
}

func fsysState(t *testing.T, img string) string {
	t.Helper()
	out, _ := exec.Command("blkid", "-c", "/dev/null", "-o", "value", "-s", "TYPE", img).Output()
	st, err := os.Stat(img)
	require.NoError(t, err)
	return fmt.Sprintf("%s %d", strings.TrimSpace(string(out)), st.Size())
}

// TestFilesystemOnImage runs the scenario with omeprov on an image file
// (the module accepts regular files, as Ansible's does): first run
// changes, second changes nothing, check mode leaves the image alone.
func TestFilesystemOnImage(t *testing.T) {
	fsysNeed(t)
	img := fsysImage(t, t.TempDir(), "fs.img")
	for i, s := range fsysScenario {
		if s.Grow > 0 {
			require.NoError(t, os.Truncate(img, s.Grow))
		}
		before := fsysState(t, img)
		args := map[string]any{"dev": img}
		for k, v := range s.Args {
			args[k] = v
		}
		e, _ := modules.Lookup("filesystem")
		v, err := modules.Validate("filesystem", e.Spec, args)
		require.NoError(t, err)
		task := &modules.Task{Name: "filesystem", Module: "filesystem", Args: v, Conn: connection.Local(), Check: s.Check, Host: "localhost"}
		r, err := e.Module.Run(context.Background(), task)
		require.NoError(t, err)
		what := fmt.Sprintf("step %d %v check=%v: %v", i, s.Args, s.Check, r)
		require.Equal(t, s.Failed, r.Failed(), what)
		require.Equal(t, s.Changed, r.Changed(), what)
		if s.Check {
			require.Equal(t, before, fsysState(t, img), "check mode changed the image: %s", what)
		}
	}
	// A missing device.
	e, _ := modules.Lookup("filesystem")
	r, err := e.Module.Run(context.Background(), &modules.Task{Module: "filesystem", Conn: connection.Local(),
		Args: map[string]any{"dev": img + ".none", "fstype": "ext4", "state": "present"}})
	require.NoError(t, err)
	require.Equal(t, "Device "+img+".none not found.", r["msg"])
}

// TestFilesystemAgreesWithAnsible runs the scenario with ansible-playbook
// (community.general.filesystem) on one image and omeprov on another, and
// compares changed, failed, msg and the image's state after each step.
func TestFilesystemAgreesWithAnsible(t *testing.T) {
	fsysNeed(t)
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		pgSkip(t, "ansible-playbook is not installed (apt-get install ansible)")
	}
	dir := t.TempDir()
	ansImg, omeImg := fsysImage(t, dir, "ans.img"), fsysImage(t, dir, "ome.img")
	var tasks []map[string]any
	for i, s := range fsysScenario {
		if s.Grow > 0 {
			tasks = append(tasks, map[string]any{"name": fmt.Sprintf("grow %d", i), "command": fmt.Sprintf("truncate -s %d %s", s.Grow, ansImg)})
		}
		args := map[string]any{"dev": ansImg}
		for k, v := range s.Args {
			args[k] = v
		}
		tasks = append(tasks,
			map[string]any{"name": fmt.Sprintf("step %d", i), "community.general.filesystem": args, "check_mode": s.Check, "ignore_errors": true},
			map[string]any{"name": fmt.Sprintf("state %d", i), "shell": "blkid -c /dev/null -o value -s TYPE " + ansImg + "; stat -c %s " + ansImg, "changed_when": false, "failed_when": false})
	}
	play := []map[string]any{{"hosts": "all", "gather_facts": false, "tasks": tasks}}
	pb, _ := json.Marshal(play)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pb.yml"), pb, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "inv"), []byte("localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"), 0o644))
	cmd := exec.Command("ansible-playbook", "-i", "inv", "pb.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1")
	out, err := cmd.Output()
	require.NoError(t, err, "ansible-playbook: %s", out)
	var report struct {
		Plays []struct {
			Tasks []struct {
				Task  struct{ Name string }
				Hosts map[string]map[string]any
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &report), "%s", out)
	results := map[string]map[string]any{}
	for _, tk := range report.Plays[0].Tasks {
		results[tk.Task.Name] = tk.Hosts["localhost"]
	}
	e, _ := modules.Lookup("filesystem")
	for i, s := range fsysScenario {
		if s.Grow > 0 {
			require.NoError(t, os.Truncate(omeImg, s.Grow))
		}
		args := map[string]any{"dev": omeImg}
		for k, v := range s.Args {
			args[k] = v
		}
		v, err := modules.Validate("filesystem", e.Spec, args)
		require.NoError(t, err)
		got, err := e.Module.Run(context.Background(), &modules.Task{Module: "filesystem", Args: v, Conn: connection.Local(), Check: s.Check})
		require.NoError(t, err)
		want := results[fmt.Sprintf("step %d", i)]
		require.NotNil(t, want, "step %d", i)
		what := fmt.Sprintf("step %d %v check=%v\nansible %v\nomeprov %v", i, s.Args, s.Check, want, got)
		wantFailed, _ := want["failed"].(bool)
		wantChanged, _ := want["changed"].(bool)
		require.Equal(t, wantFailed, got.Failed(), what)
		require.Equal(t, wantChanged, got.Changed(), what)
		if m, ok := want["msg"].(string); ok && !strings.Contains(m, "\n") && !strings.HasPrefix(m, "resize2fs") {
			require.Equal(t, strings.ReplaceAll(m, ansImg, "IMG"), strings.ReplaceAll(fmt.Sprint(got["msg"]), omeImg, "IMG"), what)
		}
		st := results[fmt.Sprintf("state %d", i)]["stdout"].(string)
		wantState := strings.Join(strings.Fields(st), " ")
		if !strings.Contains(st, "\n") {
			wantState = " " + wantState
		}
		require.Equal(t, wantState, fsysState(t, omeImg), what)
	}
}
