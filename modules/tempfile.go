package modules

import (
	"context"
	"crypto/rand"
	"fmt"
	"path"
	"strings"
)

func init() {
	Register("tempfile", Spec{
		Params: map[string]Param{
			"state":  {Type: "str", Default: "file", Choices: []string{"file", "directory"}},
			"path":   {Type: "path"},
			"prefix": {Type: "str", Default: "ansible."},
			"suffix": {Type: "str", Default: ""},
		},
		// As Ansible's (check_mode support: none): skipped in check mode.
		CheckMode: false,
	}, ModuleFunc(runTempfile))
}

// tempName returns prefix + 8 random lowercase letters and digits + suffix,
// as Python's tempfile names are made.
func tempName(prefix, suffix string) (string, error) {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789_"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return prefix + string(b) + suffix, nil
}

// runTempfile creates a file (mode 0600) or directory (0700) with a new
// unique name in path (the host's $TMPDIR or /tmp by default). The name is
// made on the controller and created with noclobber (O_EXCL) or mkdir, so
// an existing name is never reused; a collision is retried.
func runTempfile(ctx context.Context, t *Task) (Result, error) {
	state, _ := fileArgs(t.Args).str("state")
	if state == "" {
		state = "file"
	}
	if state != "file" && state != "directory" {
		return Failf("value of state must be one of: file, directory, got: %s", state), nil
	}
	prefix, ok := fileArgs(t.Args).str("prefix")
	if !ok {
		prefix = "ansible."
	}
	suffix, _ := fileArgs(t.Args).str("suffix")
	if strings.Contains(prefix, "/") || strings.Contains(suffix, "/") {
		return Failf("prefix and suffix must not contain /"), nil
	}
	dir, _ := fileArgs(t.Args).str("path")
	dirShell := `"${TMPDIR:-/tmp}"`
	if dir != "" {
		dirShell = fsShellPath(dir)
	}
	for attempt := 0; attempt < 10; attempt++ {
		name, err := tempName(prefix, suffix)
		if err != nil {
			return nil, fmt.Errorf("tempfile: %w", err)
		}
		p := dirShell + "/" + fsShellPath(name)
		create := `(umask 077; set -C; : > "$p")`
		if state == "directory" {
			create = `mkdir -m 0700 -- "$p"`
		}
		cmd := "p=" + p + "; p=${p%/}; [ -e \"$p\" ] && exit 17; " + create + " || exit 1; printf '%s' \"$p\""
		if t.Check {
			// report the name that would be made, make nothing
			cmd = "p=" + p + "; printf '%s' \"$p\""
		}
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("tempfile: %w", err)
		}
		if res.ExitCode == 17 {
			continue
		}
		if res.ExitCode != 0 {
			return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
		}
		created := path.Clean(string(res.Stdout))
		r := Result{"changed": true, "path": created}
		if !t.Check {
			fsAddPathInfo(ctx, t, r, created)
		}
		return r, nil
	}
	return Failf("No usable temporary file name found"), nil
}
