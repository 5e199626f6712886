package facts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// localFacts is LocalFactCollector over the "lf PATH" (file content) and
// "lfx PATH" (output of an executable fact) sections.
func localFacts(o *output) map[string]any {
	local := map[string]any{}
	var names []string
	for _, n := range o.order {
		if strings.HasPrefix(n, "lf ") || strings.HasPrefix(n, "cmd lfx ") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		var path, out string
		if p, ok := strings.CutPrefix(n, "cmd lfx "); ok {
			path = p
			text, rc, _ := o.cmd("lfx " + p)
			if rc != 0 {
				local[factBase(p)] = fmt.Sprintf("Failure executing fact script (%s), rc: %d, err: ", p, rc)
				continue
			}
			out = text
		} else {
			path = strings.TrimPrefix(n, "lf ")
			out = strings.TrimSpace(o.sections[n])
		}
		if !utf8.ValidString(out) {
			local[factBase(path)] = fmt.Sprintf(`error loading fact - output of running "%s" was not utf-8`, path)
			continue
		}
		local[factBase(path)] = parseLocalFact(out, path)
	}
	return local
}

func factBase(path string) string {
	b := path
	if i := strings.LastIndex(b, "/"); i >= 0 {
		b = b[i+1:]
	}
	return strings.ReplaceAll(b, ".fact", "")
}

// parseLocalFact reads a fact as JSON, else as an INI file
// (configparser: sections of lower-cased keys with string values).
func parseLocalFact(out, path string) any {
	var v any
	if err := json.Unmarshal([]byte(out), &v); err == nil {
		return v
	}
	ini, ok := parseINI(out)
	if !ok {
		return "error loading facts as JSON or ini - please check content: " + path
	}
	return ini
}

// parseINI is a small configparser: [section], key = value or key: value,
// # and ; comments, indented continuation lines. ok is false where
// configparser raises (a key before any section, a line without = or :).
func parseINI(s string) (map[string]any, bool) {
	out := map[string]any{}
	var cur map[string]any
	lastKey := ""
	for _, raw := range strings.Split(s, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		if (raw[0] == ' ' || raw[0] == '\t') && cur != nil && lastKey != "" {
			cur[lastKey] = cur[lastKey].(string) + "\n" + trimmed
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			name := trimmed[1 : len(trimmed)-1]
			if m, ok := out[name].(map[string]any); ok {
				cur = m
			} else {
				cur = map[string]any{}
				out[name] = cur
			}
			lastKey = ""
			continue
		}
		if cur == nil {
			return nil, false
		}
		i := strings.IndexAny(trimmed, "=:")
		if i <= 0 {
			return nil, false
		}
		lastKey = strings.ToLower(strings.TrimSpace(trimmed[:i]))
		cur[lastKey] = strings.TrimSpace(trimmed[i+1:])
	}
	return out, true
}
