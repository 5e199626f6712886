package pypolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ome/omeprov/internal/yaml11"
	"github.com/ome/omeprov/playbook"
)

// Lint rules.
const (
	RuleYAML          = "yaml"                   // the YAML does not parse
	RuleModule        = "unknown-module"         // no such module
	RuleParameter     = "unknown-parameter"      // the module has no such parameter
	RuleRole          = "undefined-role"         // a role that is not found
	RuleLoad          = "load"                   // any other error that stops the playbook from loading
	RuleDistroPackage = "python-distro-packaged" // pip into the system Python of a module the distribution packages
	RuleNotPackaged   = "python-not-packaged"    // a python3 package the distribution does not have
)

// Finding is one problem found by Lint.
type Finding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// String renders f as "file:line: rule: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", DisplayPath(f.File), f.Line, f.Rule, f.Message)
}

// LintOptions tune Lint.
type LintOptions struct {
	RolesPath []string
	// Releases are the catalog releases checked (all with data when empty).
	Releases []string
}

// Lint loads a playbook (as apply does, without connecting anywhere) and
// checks it: YAML errors, unknown modules and parameters and undefined
// roles (the load stops at the first of these), then every pip task and
// every package task naming python3 packages against the catalog.
func Lint(path string, opts LintOptions) ([]Finding, error) {
	rels, err := lintReleases(opts.Releases)
	if err != nil {
		return nil, err
	}
	pb, err := playbook.Load(path, playbook.LoadOptions{RolesPath: opts.RolesPath})
	if err != nil {
		return []Finding{loadFinding(path, err)}, nil
	}
	l := &linter{rels: rels, seen: map[*playbook.Task]bool{}}
	for _, play := range pb.Plays {
		off := modeOff(play.Vars)
		for _, ref := range play.Roles {
			l.role(ref, off)
		}
		for _, list := range [][]*playbook.Task{play.PreTasks, play.Tasks, play.PostTasks, play.Handlers} {
			l.tasks(list, off)
		}
	}
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return l.out, nil
}

func lintReleases(names []string) ([]*Release, error) {
	c, err := Catalog()
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = ReleaseNames()
	}
	var out []*Release
	for _, n := range names {
		r, ok := c[n]
		if !ok {
			return nil, fmt.Errorf("lint: no catalog for %q (have %s)", n, strings.Join(sortedKeys(c), ", "))
		}
		if r.Empty() {
			return nil, fmt.Errorf("lint: the catalog for %s has no data: %s", n, strings.Join(r.Header, " "))
		}
		out = append(out, r)
	}
	return out, nil
}

// loadFinding turns a load error into a finding at its place.
func loadFinding(path string, err error) Finding {
	var ye *yaml11.Error
	if errors.As(err, &ye) {
		line, col := refineYAMLLine(ye)
		return Finding{File: ye.File, Line: line, Column: col, Rule: RuleYAML, Message: ye.Msg}
	}
	var pe *playbook.Error
	if errors.As(err, &pe) {
		rule := RuleLoad
		switch {
		case strings.HasPrefix(pe.Msg, "couldn't resolve module/action"):
			rule = RuleModule
		case strings.HasPrefix(pe.Msg, "Unsupported parameters"), strings.HasPrefix(pe.Msg, "Invalid options"):
			rule = RuleParameter
		case strings.Contains(pe.Msg, "the role '") && strings.Contains(pe.Msg, "was not found"):
			rule = RuleRole
		case strings.Contains(pe.Msg, "Syntax Error while loading YAML"):
			rule = RuleYAML
		}
		msg := strings.Join(strings.Fields(pe.Msg), " ")
		return Finding{File: pe.Pos.File, Line: pe.Pos.Line, Column: pe.Pos.Col, Rule: rule, Message: msg}
	}
	return Finding{File: path, Rule: RuleLoad, Message: strings.Join(strings.Fields(err.Error()), " ")}
}

type linter struct {
	rels []*Release
	seen map[*playbook.Task]bool
	out  []Finding
}

func modeOff(vars map[string]any) bool {
	v, ok := vars[ModeVar]
	return ok && strings.EqualFold(fmt.Sprint(v), string(Off))
}

func (l *linter) role(ref *playbook.RoleRef, off bool) {
	if ref == nil || ref.Role == nil {
		return
	}
	off = off || modeOff(ref.Params) || modeOff(ref.Role.Vars) || modeOff(ref.Role.Defaults)
	for _, d := range ref.Role.Deps {
		l.role(d, off)
	}
	l.tasks(ref.Role.Tasks, off)
	l.tasks(ref.Role.Handlers, off)
}

func (l *linter) tasks(list []*playbook.Task, off bool) {
	for _, t := range list {
		if t == nil || l.seen[t] {
			continue
		}
		l.seen[t] = true
		toff := off || modeOff(t.Vars)
		l.tasks(t.Block, toff)
		l.tasks(t.Rescue, toff)
		l.tasks(t.Always, toff)
		if t.IncludeRole != nil {
			l.role(t.IncludeRole, toff)
		}
		if toff {
			continue
		}
		switch t.Module {
		case "pip":
			l.pip(t)
		case "dnf", "yum", "apt", "package":
			l.packages(t)
		}
	}
}

func templated(v any) bool { return strings.Contains(fmt.Sprint(v), "{{") }

func (l *linter) add(t *playbook.Task, rule, format string, a ...any) {
	l.out = append(l.out, Finding{File: t.Pos.File, Line: t.Pos.Line, Column: t.Pos.Col, Rule: rule, Message: fmt.Sprintf(format, a...)})
}

func (l *linter) pip(t *playbook.Task) {
	args := t.Args
	if s := str(args["state"]); s == "absent" || templated(args["state"]) {
		return
	}
	if str(args["virtualenv"]) != "" && !truthy(args["virtualenv_site_packages"]) {
		return // an isolated virtualenv
	}
	if templated(args["virtualenv_site_packages"]) || str(args["executable"]) != "" {
		return // known only when run
	}
	target := "system Python"
	if str(args["virtualenv"]) != "" {
		target = "virtualenv " + str(args["virtualenv"]) + " with system site packages"
	}
	for _, r := range PipRequirements(args) {
		if !r.Plain() || templated(r.Raw) {
			continue
		}
		// Each release with its own package and version: they differ
		// from one release to the next.
		var where []string
		var pkg Package
		var rel *Release
		for _, re := range l.rels {
			if p, ok := re.Lookup(r.Name); ok {
				if rel == nil {
					pkg, rel = p, re
				}
				where = append(where, p.Name+" "+p.Version+" in "+re.Name)
			}
		}
		if rel == nil {
			continue
		}
		mgr := "apt"
		if rel.Family() == "redhat" {
			mgr = "dnf"
		}
		l.add(t, RuleDistroPackage, "pip installs %s into the %s, but the distribution packages it (%s): install %s with %s instead, or pip into a virtualenv",
			r.Name, target, strings.Join(where, ", "), pkg.Name, mgr)
	}
}

func (l *linter) packages(t *playbook.Task) {
	switch s := str(t.Args["state"]); s {
	case "", "present", "installed", "latest", "fixed":
	default:
		return
	}
	var rels []*Release
	for _, r := range l.rels {
		switch t.Module {
		case "apt":
			if r.Family() == "debian" {
				rels = append(rels, r)
			}
		case "dnf", "yum":
			if r.Family() == "redhat" {
				rels = append(rels, r)
			}
		default:
			rels = append(rels, r)
		}
	}
	if len(rels) == 0 {
		return
	}
	for _, n := range stringList(t.Args["name"]) {
		n = strings.TrimSpace(n)
		if templated(n) {
			continue
		}
		dist, ok := PythonPackage(n)
		if !ok {
			continue
		}
		var missing []string
		for _, r := range rels {
			var found bool
			if strings.Contains(n, "dist(") {
				_, found = r.Lookup(dist)
			} else {
				_, found = r.HasPackage(debName(n))
				if !found && r.Family() == "redhat" {
					_, found = r.HasPackage(n)
				}
			}
			if !found {
				missing = append(missing, r.Name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		l.add(t, RuleNotPackaged, "%s is not packaged by %s: if %s is a PyPI-only module, install it with pip into a virtualenv",
			n, strings.Join(missing, ", "), dist)
	}
}

// WriteFindings prints findings one a line ("file:line: rule: message"),
// or as a JSON array when format is "json".
func WriteFindings(w io.Writer, findings []Finding, format string) error {
	switch format {
	case "", "text":
		for _, f := range findings {
			if _, err := fmt.Fprintln(w, f.String()); err != nil {
				return err
			}
		}
		return nil
	case "json":
		out := make([]Finding, len(findings))
		for i, f := range findings {
			f.File = DisplayPath(f.File)
			out[i] = f
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return fmt.Errorf("lint: unknown format %q (want text or json)", format)
}

// refineYAMLLine finds the line of a YAML syntax error as Ansible names
// it. The YAML parser often reports where the enclosing block starts;
// the line of the problem is the end of the shortest prefix of the file
// that fails with the same message. Its column is the line's first
// non-blank character, as PyYAML reports it.
func refineYAMLLine(ye *yaml11.Error) (int, int) {
	b, err := os.ReadFile(ye.File)
	if err != nil {
		return ye.Line, ye.Column
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > 5000 {
		return ye.Line, ye.Column
	}
	for k := max(ye.Line, 1); k <= len(lines); k++ {
		_, perr := yaml11.Parse([]byte(strings.Join(lines[:k], "")), ye.File)
		var pe *yaml11.Error
		if errors.As(perr, &pe) && pe.Msg == ye.Msg {
			l := lines[k-1]
			return k, len(l) - len(strings.TrimLeft(l, " \t")) + 1
		}
	}
	return ye.Line, ye.Column
}
