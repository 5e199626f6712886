package playbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ome/omeprov/internal/udiff"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/template"
)

// Callback receives the events of a run, as Ansible's callback plugins do.
type Callback interface {
	PlayStart(name string)
	SkipNoHosts()
	NoMoreHosts()
	TaskStart(name string, handler bool)
	TaskResult(host string, t *Task, st taskStatus, res modules.Result, ignored bool, fr *frame)
	ItemResult(host string, t *Task, st taskStatus, res modules.Result, label any, ignored bool)
	Unreachable(host string, res modules.Result)
	Retry(host string, t *Task, attempt, left int, res modules.Result)
	// Included says a file was included for hosts; item is the loop
	// item's label, "" outside a loop.
	Included(file string, hosts []string, item string)
	Warning(msg string)
	Recap(stats map[string]Stats)
}

// DefaultCallback prints what ansible-playbook's default callback prints.
type DefaultCallback struct {
	mu        sync.Mutex
	out, err  io.Writer
	verbosity int
	check     bool
	diff      bool
	warned    map[string]bool
}

// NewDefaultCallback returns the default output.
func NewDefaultCallback(out, errw io.Writer, verbosity int, check, diff bool) *DefaultCallback {
	return &DefaultCallback{out: out, err: errw, verbosity: verbosity, check: check, diff: diff}
}

// banner prints "TITLE ****" to 80 columns, as Ansible does without a
// terminal.
func banner(title string) string {
	stars := 79 - len([]rune(title))
	if stars < 3 {
		stars = 3
	}
	return "\n" + title + " " + strings.Repeat("*", stars) + "\n"
}

func (c *DefaultCallback) printf(format string, a ...any) {
	fmt.Fprintf(c.out, format, a...)
}

// PlayStart prints the PLAY banner.
func (c *DefaultCallback) PlayStart(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	title := "PLAY [" + name + "]"
	c.printf("%s", banner(title))
}

// SkipNoHosts says a play matched no hosts.
func (c *DefaultCallback) SkipNoHosts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("skipping: no hosts matched\n")
}

// NoMoreHosts says every host failed.
func (c *DefaultCallback) NoMoreHosts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("%s", banner("NO MORE HOSTS LEFT"))
}

// TaskStart prints the TASK banner (Ansible prints it even when every
// host skips).
func (c *DefaultCallback) TaskStart(name string, handler bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prefix := "TASK"
	if handler {
		prefix = "RUNNING HANDLER"
	}
	title := prefix + " [" + name + "]"
	c.printf("%s", banner(title))
}

// Included prints "included: FILE for HOSTS".
func (c *DefaultCallback) Included(file string, hosts []string, item string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if item != "" {
		item = " => (item=" + item + ")"
	}
	c.printf("included: %s for %s%s\n", file, strings.Join(hosts, ", "), item)
}

// Warning prints a warning to stderr.
func (c *DefaultCallback) Warning(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned[msg] {
		return // Ansible says each warning once
	}
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	c.warned[msg] = true
	fmt.Fprintf(c.err, "[WARNING]: %s\n", msg)
}

func isDebug(t *Task) bool { return t != nil && t.Module == "debug" }

// verboseAlways reports a result Ansible prints even without -v: debug's,
// assert's, and any marked _ansible_verbose_always.
func verboseAlways(t *Task, res modules.Result) bool {
	if b, _ := res["_ansible_verbose_always"].(bool); b {
		return true
	}
	return t != nil && (t.Module == "debug" || t.Module == "assert")
}

// TaskResult prints one host's result.
func (c *DefaultCallback) TaskResult(host string, t *Task, st taskStatus, res modules.Result, ignored bool, fr *frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hasItems := t != nil && t.Loop != nil && res["results"] != nil
	c.printDiff(res)
	switch st {
	case statusFailed:
		if !hasItems {
			c.printf("fatal: [%s]: FAILED! => %s\n", host, dumpResult(res, false))
		}
		if ignored {
			c.printf("...ignoring\n")
		}
	case statusSkipped:
		if c.verbosity > 0 && !hasItems {
			c.printf("skipping: [%s] => %s\n", host, dumpResult(res, false))
		} else {
			c.printf("skipping: [%s]\n", host)
		}
	case statusOK, statusChanged:
		word := "ok"
		if st == statusChanged {
			word = "changed"
		}
		if hasItems {
			return // items were printed as they came
		}
		if verboseAlways(t, res) || c.verbosity > 0 {
			c.printf("%s: [%s] => %s\n", word, host, dumpFor(t, res, verboseAlways(t, res) || c.verbosity > 2))
		} else {
			c.printf("%s: [%s]\n", word, host)
		}
	}
}

// ItemResult prints one loop item's result.
func (c *DefaultCallback) ItemResult(host string, t *Task, st taskStatus, res modules.Result, label any, ignored bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printDiff(res)
	item := "(item=" + template.PyStr(label) + ")"
	switch st {
	case statusFailed:
		c.printf("failed: [%s] %s => %s\n", host, item, dumpResult(res, false))
	case statusSkipped:
		if c.verbosity > 0 {
			c.printf("skipping: [%s] => %s => %s\n", host, item, dumpResult(res, false))
		} else {
			c.printf("skipping: [%s] => %s \n", host, item)
		}
	case statusOK, statusChanged:
		word := "ok"
		if st == statusChanged {
			word = "changed"
		}
		if verboseAlways(t, res) || c.verbosity > 0 {
			c.printf("%s: [%s] => %s => %s\n", word, host, item, dumpFor(t, res, verboseAlways(t, res) || c.verbosity > 2))
		} else {
			c.printf("%s: [%s] => %s\n", word, host, item)
		}
	}
}

// Unreachable prints an unreachable host.
func (c *DefaultCallback) Unreachable(host string, res modules.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := modules.Result{"changed": false, "msg": res["msg"], "unreachable": true}
	c.printf("fatal: [%s]: UNREACHABLE! => %s\n", host, dumpResult(r, false))
}

// Retry prints a retry of an until loop.
func (c *DefaultCallback) Retry(host string, t *Task, attempt, left int, res modules.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("FAILED - RETRYING: [%s]: %s (%d retries left).\n", host, t.DisplayName(), left)
}

// Recap prints the PLAY RECAP.
func (c *DefaultCallback) Recap(stats map[string]Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printf("%s", banner("PLAY RECAP"))
	for _, h := range sortedKeys(stats) {
		s := stats[h]
		c.printf("%-26s : %s %s %s %s %s %s %s\n", h,
			col("ok", s.Ok), col("changed", s.Changed), col("unreachable", s.Unreachable),
			col("failed", s.Failed), col("skipped", s.Skipped), col("rescued", s.Rescued), col("ignored", s.Ignored))
	}
	c.printf("\n")
}

func col(name string, n int) string { return fmt.Sprintf("%s=%-4d", name, n) }

func (c *DefaultCallback) printDiff(res modules.Result) {
	// Ansible's default callback shows the diffs of changed results only
	// (v2_on_file_diff), each unified diff followed by a blank line.
	if !c.diff || !res.Changed() {
		return
	}
	var diffs []modules.Diff
	switch d := res["diff"].(type) {
	case modules.Diff:
		diffs = []modules.Diff{d}
	case []modules.Diff:
		diffs = d
	case map[string]any:
		diffs = []modules.Diff{diffFromMap(d)}
	case []any:
		for _, x := range d {
			if m, ok := x.(map[string]any); ok {
				diffs = append(diffs, diffFromMap(m))
			} else if dd, ok := x.(modules.Diff); ok {
				diffs = append(diffs, dd)
			}
		}
	}
	for _, d := range diffs {
		if d.Prepared != "" {
			c.printf("%s\n", d.Prepared)
			continue
		}
		if d.Before == d.After {
			continue
		}
		bh, ah := d.BeforeHeader, d.AfterHeader
		if bh == "" {
			bh = "before"
		} else {
			bh = "before: " + bh
		}
		if ah == "" {
			ah = "after"
		} else {
			ah = "after: " + ah
		}
		if u := udiff.Unified(bh, ah, d.Before, d.After); u != "" {
			c.printf("%s\n", u)
		}
	}
}

func diffFromMap(m map[string]any) modules.Diff {
	s := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default:
			b, _ := json.MarshalIndent(v, "", "    ")
			return string(b) + "\n"
		}
	}
	return modules.Diff{Before: s("before"), After: s("after"), BeforeHeader: s("before_header"), AfterHeader: s("after_header"), Prepared: s("prepared")}
}

// dumpResult prints a result as Ansible's callback does: JSON with sorted
// keys, internal keys and the diff left out, indented for debug and -vvv.
func dumpResult(res modules.Result, indent bool) string {
	return dumpFor(nil, res, indent)
}

// debugAllowed are the keys a debug result with msg keeps (Ansible's
// _DEBUG_ALLOWED_KEYS); hiddenInDebug are dropped from a debug var result.
var (
	debugAllowed  = map[string]bool{"msg": true, "exception": true, "warnings": true, "deprecations": true}
	hiddenInDebug = map[string]bool{"changed": true, "failed": true, "skipped": true, "invocation": true, "skip_reason": true}
)

// dumpFor prints a task's result after Ansible's TaskResult.clean_copy
// (no failed/skipped keys) and the callback's _clean_results (debug shows
// only its message or variable).
func dumpFor(t *Task, res modules.Result, indent bool) string {
	clean := map[string]any{}
	_, hasMsg := res["msg"]
	for k, v := range res {
		if strings.HasPrefix(k, "_ansible") || k == "diff" || k == "invocation" || k == "failed" || k == "skipped" {
			continue
		}
		if isDebug(t) {
			if hasMsg && !debugAllowed[k] {
				continue
			}
			if !hasMsg && (hiddenInDebug[k] || k == "item" || k == "ansible_loop_var" || k == "ansible_index_var" || k == "ansible_loop") {
				continue
			}
		}
		clean[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(jsonSafe(clean)); err != nil {
		return fmt.Sprintf("%v", clean)
	}
	out := strings.TrimRight(buf.String(), "\n")
	if !indent {
		out = pySeparators(out)
	}
	return out
}

// pySeparators turns Go's compact JSON into Python's json.dumps spacing
// (", " and ": ") outside strings.
func pySeparators(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for _, r := range s {
		b.WriteRune(r)
		if inStr {
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == '"':
				inStr = false
			}
			continue
		}
		switch r {
		case '"':
			inStr = true
		case ',', ':':
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// jsonSafe converts values JSON cannot encode (Diff structs are fine;
// NaN is not).
func jsonSafe(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonSafe(x)
		}
		return out
	case modules.Result:
		return jsonSafe(map[string]any(v))
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonSafe(x)
		}
		return out
	case float64:
		if v != v {
			return "NaN"
		}
	}
	return v
}
