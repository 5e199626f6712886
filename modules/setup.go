package modules

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/facts"
)

func init() {
	Register("setup", Spec{
		Params: map[string]Param{
			"gather_subset":  {Type: "list", Elements: "str", Default: []any{"all"}},
			"gather_timeout": {Type: "int", Default: 10},
			"filter":         {Type: "list", Elements: "str", Default: []any{}},
			"fact_path":      {Type: "path", Default: facts.DefaultFactPath},
		},
		CheckMode: true,
	}, ModuleFunc(runSetup))
}

// setupList reads a list parameter of strings.
func setupList(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return strings.Split(x, ",")
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, strings.TrimSpace(fmt.Sprint(e)))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// setupFilter keeps the facts (names with the ansible_ prefix) that match
// one of the fnmatch patterns, as AnsibleFactCollector._filter does: a
// pattern also matches with ansible_ put before it. No pattern (or "*")
// keeps everything.
func setupFilter(f map[string]any, patterns []string) map[string]any {
	if len(patterns) == 0 || len(patterns) == 1 && patterns[0] == "*" {
		return f
	}
	out := map[string]any{}
	for _, p := range patterns {
		for k, v := range f {
			if p == "" || setupMatch(p, k) {
				out[k] = v
			} else if !strings.HasPrefix(p, "ansible_") && !strings.HasPrefix(p, "facter") && !strings.HasPrefix(p, "ohai") &&
				setupMatch("ansible_"+p, k) {
				out[k] = v
			}
		}
	}
	return out
}

// setupMatch is fnmatch.fnmatch (on POSIX: case-sensitive).
func setupMatch(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	if err != nil {
		return pattern == name
	}
	return ok
}

// SetupResult turns gathered facts (keys without the prefix, as
// facts.Gather returns them) into the setup module's result: ansible_facts
// with the ansible_ prefix (gather_subset and module_setup keep their
// names), filtered.
func SetupResult(f map[string]any, filter []string) Result {
	return Result{"ansible_facts": setupFilter(facts.Prefixed(f), filter), "changed": false}
}

func runSetup(ctx context.Context, t *Task) (Result, error) {
	subset := setupList(t.Args["gather_subset"])
	if len(subset) == 0 {
		subset = []string{"all"}
	}
	if _, err := facts.Collectors(subset); err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	factPath, _ := t.Args["fact_path"].(string)
	timeout := 10
	switch v := t.Args["gather_timeout"].(type) {
	case int:
		timeout = v
	case int64:
		timeout = int(v)
	case float64:
		timeout = int(v)
	}
	if timeout <= 0 {
		timeout = 10
	}
	// Ansible's gather_timeout bounds each slow collector; here the one
	// script is bounded by it, with room for the connection.
	gctx, cancel := context.WithTimeout(ctx, scaleTimeout(timeout))
	defer cancel()
	f, err := facts.GatherWith(gctx, t.Conn, subset, &facts.Options{
		FactPath: factPath,
		Exec:     &connection.ExecOptions{Become: t.Become, Env: t.Env},
	})
	if err != nil {
		if gctx.Err() != nil && ctx.Err() == nil {
			return Result{"failed": true, "changed": false,
				"msg": fmt.Sprintf("setup: gathering facts took longer than %d seconds (3 x gather_timeout)", timeout*3)}, nil
		}
		return nil, err
	}
	return SetupResult(f, setupList(t.Args["filter"])), nil
}

// scaleTimeout gives the whole gathering three times gather_timeout:
// Ansible applies the timeout to each of several collectors.
func scaleTimeout(seconds int) time.Duration { return time.Duration(seconds) * 3 * time.Second }
