package modules

// The reboot module, as ansible.builtin.reboot: read the boot id, start
// shutdown -r, then reconnect (Controller.Reconnect) until the boot id has
// changed and the test command succeeds, within reboot_timeout.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func rebootSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"pre_reboot_delay":  {Type: "int", Default: 0},
			"post_reboot_delay": {Type: "int", Default: 0},
			"reboot_timeout":    {Type: "int", Default: 600},
			"connect_timeout":   {Type: "int"},
			"test_command":      {Type: "str"},
			"msg":               {Type: "str", Default: "Reboot initiated by Ansible"},
			"search_paths":      {Type: "list", Elements: "str", Default: []any{"/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"}},
			"boot_time_command": {Type: "str"},
			"reboot_command":    {Type: "str"},
		},
		CheckMode: true,
	}
}

func init() { Register("reboot", rebootSpec(), ModuleFunc(runReboot)) }

// rebootCommand builds the shutdown command line: reboot_command as given,
// else shutdown found in the search paths with the delay in minutes (as
// Ansible rounds pre_reboot_delay down to minutes): "-r N" on Linux,
// "-r +N" on macOS (system is uname -s).
func rebootCommand(custom, system string, paths []string, preDelay int, msg string) string {
	if custom != "" {
		return custom
	}
	var b strings.Builder
	b.WriteString("s=; for d in")
	for _, p := range paths {
		b.WriteString(" " + connection.Quote(p))
	}
	b.WriteString(`; do if [ -x "$d/shutdown" ]; then s="$d/shutdown"; break; fi; done; `)
	b.WriteString(`if [ -z "$s" ]; then echo "Unable to find command \"shutdown\" in search paths" >&2; exit 127; fi; `)
	minutes := preDelay / 60
	plus := ""
	if system == "Darwin" {
		plus = "+"
	}
	b.WriteString(`"$s" -r ` + plus + strconv.Itoa(minutes) + " " + connection.Quote(msg))
	return b.String()
}

func runReboot(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	if t.Check {
		return Result{"changed": true, "elapsed": 0, "rebooted": true}, nil
	}
	res, err := t.Exec(ctx, "uname -s")
	if err != nil {
		return nil, fmt.Errorf("reboot: %w", err)
	}
	system := strings.TrimSpace(string(res.Stdout))
	bootCmd, _ := fa.str("boot_time_command")
	if bootCmd == "" {
		bootCmd = "cat /proc/sys/kernel/random/boot_id"
		if system == "Darwin" {
			bootCmd = "who -b"
		}
	}
	testCmd, _ := fa.str("test_command")
	if testCmd == "" {
		testCmd = "whoami"
	}
	msg, _ := fa.str("msg")
	if msg == "" {
		msg = "Reboot initiated by Ansible"
	}
	paths := fa.list("search_paths")
	if len(paths) == 0 {
		paths = []string{"/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"}
	}
	custom, _ := fa.str("reboot_command")
	timeout := time.Duration(fa.integer("reboot_timeout", 600)) * time.Second
	start := time.Now()
	fail := func(m string) (Result, error) {
		return Result{"failed": true, "changed": false, "rebooted": false, "msg": m,
			"elapsed": int(time.Since(start).Seconds())}, nil
	}
	res, err = t.Exec(ctx, bootCmd)
	if err != nil {
		return nil, fmt.Errorf("reboot: %w", err)
	}
	if res.ExitCode != 0 {
		return fail(fmt.Sprintf("Failed to get boot time: %s", strings.TrimSpace(string(res.Stdout)+string(res.Stderr))))
	}
	before := strings.TrimSpace(string(res.Stdout))
	res, err = t.Exec(ctx, rebootCommand(custom, system, paths, fa.integer("pre_reboot_delay", 0), msg))
	// A lost connection here is the reboot starting.
	if err == nil && res.ExitCode != 0 {
		return Result{"failed": true, "changed": false, "rebooted": false, "start": start.UTC().Format("2006-01-02 15:04:05.000000"),
			"msg": fmt.Sprintf("Reboot command failed. Error was: '%s, %s'", strings.TrimSpace(string(res.Stdout)), strings.TrimSpace(string(res.Stderr)))}, nil
	}
	// Attempts are 2 s apart, closer for short timeouts.
	interval := 2 * time.Second
	if timeout < 20*time.Second {
		interval = timeout / 10
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stage := "last boot time check"
	var lastErr string
	for {
		if err := sleepCtx(wctx, interval); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			m := fmt.Sprintf("Timed out waiting for %s (timeout=%d)", stage, int(timeout.Seconds()))
			if lastErr != "" {
				m += ": " + lastErr
			}
			return fail(m)
		}
		conn, err := t.Ctl.Reconnect(wctx)
		if err != nil {
			lastErr = err.Error()
			continue
		}
		t.Conn = conn
		if stage == "last boot time check" {
			res, err := t.Exec(wctx, bootCmd)
			if err != nil {
				lastErr = err.Error()
				continue
			}
			now := strings.TrimSpace(string(res.Stdout))
			if res.ExitCode != 0 || now == "" || now == before {
				lastErr = "boot time has not changed"
				continue
			}
			stage = "post-reboot test command"
			lastErr = ""
		}
		res, err := t.Exec(wctx, testCmd)
		if err != nil {
			lastErr = err.Error()
			continue
		}
		if res.ExitCode != 0 {
			lastErr = fmt.Sprintf("Test command failed: %s %s", strings.TrimSpace(string(res.Stderr)), strings.TrimSpace(string(res.Stdout)))
			continue
		}
		break
	}
	if err := sleepCtx(ctx, time.Duration(fa.integer("post_reboot_delay", 0))*time.Second); err != nil {
		return nil, err
	}
	return Result{"changed": true, "elapsed": int(time.Since(start).Seconds()), "rebooted": true}, nil
}
