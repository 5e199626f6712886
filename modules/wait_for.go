package modules

// The wait_for module, as ansible.builtin.wait_for: a bounded polling loop
// in the controller, each round one probe on the host (nc, else bash's
// /dev/tcp for ports; test and cat for paths).

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

func waitForSpec() Spec {
	return Spec{
		Params: map[string]Param{
			"host":                     {Type: "str", Default: "127.0.0.1"},
			"timeout":                  {Type: "int", Default: 300},
			"connect_timeout":          {Type: "int", Default: 5},
			"delay":                    {Type: "int", Default: 0},
			"port":                     {Type: "int"},
			"active_connection_states": {Type: "list", Elements: "str", Default: []any{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"}},
			"path":                     {Type: "path"},
			"search_regex":             {Type: "str"},
			"state":                    {Type: "str", Default: "started", Choices: []string{"absent", "drained", "present", "started", "stopped"}},
			"exclude_hosts":            {Type: "list", Elements: "str"},
			"sleep":                    {Type: "int", Default: 1},
			"msg":                      {Type: "str"},
		},
	}
}

func init() { Register("wait_for", waitForSpec(), ModuleFunc(runWaitFor)) }

// waitForTools finds how the host can open a TCP connection.
func waitForTools(ctx context.Context, t *Task) (string, error) {
	res, err := t.Exec(ctx, `if command -v nc >/dev/null 2>&1; then echo nc; elif command -v bash >/dev/null 2>&1; then echo bash; else echo none; fi`)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}

// waitForPortCommand is the probe that connects to host:port, printing
// what the peer sends when read is set; it exits 0 when the connection
// was made.
func waitForPortCommand(tool, host string, port, connectTimeout int, read bool) string {
	h, p, ct := connection.Quote(host), strconv.Itoa(port), strconv.Itoa(connectTimeout)
	switch tool {
	case "nc":
		if read {
			return "nc -w " + ct + " " + h + " " + p + " </dev/null"
		}
		return "nc -z -w " + ct + " " + h + " " + p
	case "bash":
		script := `exec 3<>"/dev/tcp/$1/$2" || exit 1`
		if read {
			script += `; cat <&3`
		}
		cmd := "bash -c " + connection.Quote(script) + " bash " + h + " " + p
		return "if command -v timeout >/dev/null 2>&1; then timeout " + ct + " " + cmd + "; else " + cmd + "; fi"
	}
	return ""
}

func runWaitFor(ctx context.Context, t *Task) (Result, error) {
	fa := fileArgs(t.Args)
	host, _ := fa.str("host")
	if host == "" {
		host = "127.0.0.1"
	}
	timeout, connectTimeout := fa.integer("timeout", 300), fa.integer("connect_timeout", 5)
	delay, sleep := fa.integer("delay", 0), fa.integer("sleep", 1)
	state, _ := fa.str("state")
	if state == "" {
		state = "started"
	}
	msg, _ := fa.str("msg")
	p, hasPath := fa.str("path")
	_, hasPort := t.Args["port"]
	hasPort = hasPort && t.Args["port"] != nil
	port := fa.integer("port", 0)
	search, hasSearch := fa.str("search_regex")
	var re *regexp.Regexp
	if hasSearch {
		var err error
		if re, err = regexp.Compile("(?m)" + search); err != nil {
			return sysFail("Invalid regular expression: %s", err)
		}
	}
	failAt := func(m string, elapsed int) (Result, error) {
		if msg != "" {
			m = msg
		}
		return Result{"failed": true, "changed": false, "msg": m, "elapsed": elapsed}, nil
	}
	switch {
	case hasPath && hasPort:
		return failAt("port and path parameter can not both be passed to wait_for", 0)
	case hasPath && state == "stopped":
		return failAt("state=stopped should only be used for checking a port in the wait_for module", 0)
	case hasPath && state == "drained":
		return failAt("state=drained should only be used for checking a port in the wait_for module", 0)
	case state == "drained":
		return sysFail("omeprov's wait_for does not support state=drained")
	case t.Args["exclude_hosts"] != nil:
		return failAt("exclude_hosts should only be with state=drained", 0)
	}
	tool := ""
	if hasPort {
		var err error
		if tool, err = waitForTools(ctx, t); err != nil {
			return nil, fmt.Errorf("wait_for: %w", err)
		}
		if tool == "none" {
			return sysFail("wait_for needs nc or bash on the host to check a port")
		}
	}
	start := time.Now()
	if err := sleepCtx(ctx, time.Duration(delay)*time.Second); err != nil {
		return nil, err
	}
	deadline := start.Add(time.Duration(timeout) * time.Second)
	var groups []any
	groupDict := map[string]any{}
	// probe runs one round; done tells whether the wait is over.
	probe := func() (bool, error) {
		switch {
		case hasPath && (state == "absent"):
			res, err := t.Exec(ctx, "test -e "+fsShellPath(p))
			if err != nil {
				return false, err
			}
			return res.ExitCode != 0, nil
		case hasPath:
			if !hasSearch {
				res, err := t.Exec(ctx, "test -e "+fsShellPath(p))
				if err != nil {
					return false, err
				}
				return res.ExitCode == 0, nil
			}
			res, err := t.Exec(ctx, "test -r "+fsShellPath(p)+" && head -c 67108864 -- "+fsShellPath(p))
			if err != nil {
				return false, err
			}
			if res.ExitCode != 0 {
				return false, nil
			}
			return waitForMatch(re, string(res.Stdout), &groups, groupDict), nil
		case hasPort && (state == "stopped" || state == "absent"):
			res, err := t.Exec(ctx, waitForPortCommand(tool, host, port, connectTimeout, false))
			if err != nil {
				return false, err
			}
			return res.ExitCode != 0, nil
		case hasPort:
			res, err := t.Exec(ctx, waitForPortCommand(tool, host, port, connectTimeout, hasSearch))
			if err != nil {
				return false, err
			}
			if !hasSearch {
				return res.ExitCode == 0, nil
			}
			return waitForMatch(re, string(res.Stdout), &groups, groupDict), nil
		default:
			// Neither port nor path: wait_for only sleeps for timeout.
			return false, nil
		}
	}
	for {
		done, err := probe()
		if err != nil {
			return nil, fmt.Errorf("wait_for: %w", err)
		}
		if done {
			break
		}
		if !hasPath && !hasPort {
			if err := sleepCtx(ctx, time.Until(deadline)); err != nil {
				return nil, err
			}
			break
		}
		if !time.Now().Add(time.Duration(sleep) * time.Second).Before(deadline) {
			elapsed := int(time.Since(start).Seconds())
			if time.Until(deadline) > 0 {
				sleepCtx(ctx, time.Until(deadline))
				elapsed = int(time.Since(start).Seconds())
			}
			return failAt(waitForTimeoutMsg(state, host, port, p, search, hasPath, hasSearch), elapsed)
		}
		if err := sleepCtx(ctx, time.Duration(sleep)*time.Second); err != nil {
			return nil, err
		}
	}
	var portV, pathV, searchV any
	if hasPort {
		portV = port
	}
	if hasPath {
		pathV = p
	}
	if hasSearch {
		searchV = search
	}
	if groups == nil {
		groups = []any{}
	}
	return Result{"changed": false, "state": state, "port": portV, "search_regex": searchV, "match_groups": groups,
		"match_groupdict": groupDict, "path": pathV, "elapsed": int(time.Since(start).Seconds())}, nil
}

// waitForTimeoutMsg is the module's message when the time is up.
func waitForTimeoutMsg(state, host string, port int, p, search string, hasPath, hasSearch bool) string {
	switch {
	case (state == "absent" || state == "stopped") && !hasPath:
		return fmt.Sprintf("Timeout when waiting for %s:%d to stop.", host, port)
	case state == "absent":
		return fmt.Sprintf("Timeout when waiting for %s to be absent.", p)
	case !hasPath && hasSearch:
		return fmt.Sprintf("Timeout when waiting for search string %s in %s:%d", search, host, port)
	case !hasPath:
		return fmt.Sprintf("Timeout when waiting for %s:%d", host, port)
	case hasSearch:
		return fmt.Sprintf("Timeout when waiting for search string %s in %s", search, p)
	}
	return fmt.Sprintf("Timeout when waiting for file %s", p)
}

// waitForMatch looks for re in text, filling the match groups as the
// module does (unnamed groups in order, named ones by name).
func waitForMatch(re *regexp.Regexp, text string, groups *[]any, dict map[string]any) bool {
	m := re.FindStringSubmatchIndex(text)
	if m == nil {
		return false
	}
	*groups = []any{}
	for i := 1; i < len(m)/2; i++ {
		var v any
		if m[2*i] >= 0 {
			v = text[m[2*i]:m[2*i+1]]
		}
		*groups = append(*groups, v)
		if n := re.SubexpNames()[i]; n != "" {
			dict[n] = v
		}
	}
	return true
}

// sleepCtx sleeps for d, or less when ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
