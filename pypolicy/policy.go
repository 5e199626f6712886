// Package pypolicy enforces OME's Python rule: a Python module that the
// Linux distribution packages is installed from the distribution package
// (RPM on RHEL/Rocky, deb on Debian/Ubuntu); only a module that is on
// PyPI alone is installed with pip, and pip into an isolated virtualenv
// is always allowed.
//
// Policy is a playbook.TaskHook: before every pip task it asks the host's
// own repositories (dnf repoquery --whatprovides 'python3dist(NAME)', or
// apt-cache policy for the package Debian's mapping names) which
// requirements the distribution provides, and before every dnf, yum, apt
// or package task naming python3 packages whether the distribution has
// them. Lint does the same without a connection, from a catalog of the
// distributions' Python packages shipped in the binary (see catalog/).
package pypolicy

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/modules"
	"github.com/ome/omeprov/playbook"
)

// Mode says what the policy does with a violation.
type Mode string

// The modes.
const (
	Enforce Mode = "enforce" // the task fails before pip runs
	Warn    Mode = "warn"    // the task runs; the violation is printed and counted
	Fix     Mode = "fix"     // the distribution package is installed instead
	Off     Mode = "off"     // no checks
)

// ModeVar is the variable that sets the mode for a host or play.
const ModeVar = "omeprov_python_policy"

// ParseMode reads a mode name ("" is Enforce).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return Enforce, nil
	case Enforce, Warn, Fix, Off:
		return m, nil
	}
	return "", fmt.Errorf("python policy: unknown mode %q (want enforce, warn, fix or off)", s)
}

// Outcome is what became of one Python module of a task.
type Outcome string

// The outcomes shown in the report.
const (
	Allowed   Outcome = "ok"        // pip of a module the distribution does not package, or pip into a venv
	Blocked   Outcome = "BLOCKED"   // violation, task failed (enforce)
	Warned    Outcome = "VIOLATION" // violation, pip ran (warn)
	Fixed     Outcome = "fixed"     // installed from the distribution instead (fix)
	Missing   Outcome = "MISSING"   // a python3 package the distribution does not have
	Packaged  Outcome = "ok"        // a distribution package of a Python module
	Unchecked Outcome = "unchecked" // not a plain name, or no package system to ask
)

// Entry is one Python module of one task on one host, for the report.
type Entry struct {
	Host    string
	Pos     playbook.Pos
	Module  string // the requirement or package as written
	Dist    string // PEP 503 name, "" when unknown
	Via     string // "pip (system Python)", "pip (virtualenv /opt/x)", "dnf", "apt"
	From    string // "python3-requests 2.28.1-1 (dnf, repo appstream)", "pip", ...
	Outcome Outcome
	Failed  bool // the task failed for another reason
}

// Policy is the Python policy hook. Its zero value is not usable; use New.
type Policy struct {
	mode     Mode
	warnings io.Writer

	mu      sync.Mutex
	hosts   map[string]*hostState
	pending map[*modules.Task][]int // entries waiting for the task's result
	entries []Entry
	counts  map[string]*Counts
}

// Counts are one host's numbers in the report.
type Counts struct {
	Violations, Warned, Fixed, Missing int
}

// hostState is what the policy learnt about a host during a run.
type hostState struct {
	mu      sync.Mutex
	probed  bool
	kind    string // "rpm", "deb", ""
	pyXY    string
	distMap map[string]string // Debian: dist -> package (host's dh-python, else catalog)
	pkgDist map[string]string // Debian: package -> dist
	dists   map[string]*Provider
	pkgs    map[string]*Provider
}

// New returns a policy whose default mode is mode (a host's or play's
// omeprov_python_policy variable overrides it); warn-mode messages go to
// warnings (stderr when nil).
func New(mode Mode, warnings io.Writer) *Policy {
	if warnings == nil {
		warnings = os.Stderr
	}
	return &Policy{mode: mode, warnings: warnings, hosts: map[string]*hostState{},
		pending: map[*modules.Task][]int{}, counts: map[string]*Counts{}}
}

var _ playbook.TaskHook = (*Policy)(nil)

// ModeFor is the mode in force for a task: its omeprov_python_policy
// variable when defined, else the policy's default.
func (p *Policy) ModeFor(mt *modules.Task) (Mode, error) {
	if mt.Ctl != nil {
		v, ok, err := mt.Ctl.Var(ModeVar)
		if err != nil {
			return "", fmt.Errorf("python policy: %s: %w", ModeVar, err)
		}
		if ok && v != nil {
			return ParseMode(fmt.Sprint(v))
		}
	}
	return p.mode, nil
}

func (p *Policy) host(name string) *hostState {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, ok := p.hosts[name]
	if !ok {
		h = &hostState{dists: map[string]*Provider{}, pkgs: map[string]*Provider{}}
		p.hosts[name] = h
	}
	return h
}

func (p *Policy) record(e Entry, mt *modules.Task) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries = append(p.entries, e)
	c := p.counts[e.Host]
	if c == nil {
		c = &Counts{}
		p.counts[e.Host] = c
	}
	switch e.Outcome {
	case Blocked:
		c.Violations++
	case Warned:
		c.Violations++
		c.Warned++
	case Fixed:
		c.Fixed++
	case Missing:
		c.Missing++
	}
	if mt != nil {
		p.pending[mt] = append(p.pending[mt], len(p.entries)-1)
	}
}

// Entries returns what the policy saw, in order.
func (p *Policy) Entries() []Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Entry(nil), p.entries...)
}

// HostCounts returns a host's counts.
func (p *Policy) HostCounts(host string) Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.counts[host]; c != nil {
		return *c
	}
	return Counts{}
}

func (p *Policy) warn(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.warnings, "[WARNING]: "+format+"\n", a...)
}

// DisplayPath shows a file relative to the working directory when it is
// below it.
func DisplayPath(file string) string {
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return file
}

func where(pos playbook.Pos) string {
	if pos.File == "" {
		return "task"
	}
	return fmt.Sprintf("%s:%d", DisplayPath(pos.File), pos.Line)
}

// BeforeTask checks pip, dnf, yum, apt and package tasks.
func (p *Policy) BeforeTask(ctx context.Context, info playbook.TaskInfo, mt *modules.Task) (modules.Result, error) {
	switch info.Module {
	case "pip", "dnf", "yum", "apt", "package":
	default:
		return nil, nil
	}
	mode, err := p.ModeFor(mt)
	if err != nil {
		return modules.Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	if mode == Off {
		return nil, nil
	}
	if info.Module == "pip" {
		return p.checkPip(ctx, info, mt, mode)
	}
	return p.checkPackages(ctx, info, mt, mode)
}

// AfterTask marks the task's entries with its result.
func (p *Policy) AfterTask(ctx context.Context, info playbook.TaskInfo, mt *modules.Task, res modules.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, i := range p.pending[mt] {
		if res == nil || res.Failed() {
			p.entries[i].Failed = true
		}
	}
	delete(p.pending, mt)
}

// probe learns the host's package system (facts) and, on Debian hosts,
// its map of Python distributions to packages.
func (p *Policy) probe(ctx context.Context, h *hostState, mt *modules.Task) error {
	if h.probed {
		return nil
	}
	var facts map[string]any
	if mt.Ctl != nil {
		f, err := mt.Ctl.Facts(ctx)
		if err != nil {
			return fmt.Errorf("python policy: facts: %w", err)
		}
		facts = f
	}
	h.kind = hostKind(facts)
	if v, ok := asString(facts["python_version"]); ok {
		if parts := strings.Split(v, "."); len(parts) >= 2 {
			h.pyXY = parts[0] + "." + parts[1]
		}
	} else if py, ok := facts["python"].(map[string]any); ok {
		if vi, ok := py["version"].(map[string]any); ok {
			h.pyXY = fmt.Sprintf("%v.%v", vi["major"], vi["minor"])
		}
	}
	if h.kind == "deb" {
		res, err := mt.Exec(ctx, "cat /usr/share/dh-python/dist/cpython3_fallback 2>/dev/null || true")
		if err != nil {
			return fmt.Errorf("python policy: read dh-python's map: %w", err)
		}
		h.distMap = parseFallback(string(res.Stdout))
		if len(h.distMap) == 0 {
			// the host has no dh-python: Debian's map from the catalog
			h.distMap = catalogMap(facts)
		}
		h.pkgDist = map[string]string{}
		for d, pkg := range h.distMap {
			h.pkgDist[pkg] = d
		}
	}
	h.probed = true
	return nil
}

// catalogMap is the shipped catalog's map for a Debian-family host.
func catalogMap(facts map[string]any) map[string]string {
	c, _ := Catalog()
	name := "debian-12"
	if d, _ := asString(facts["distribution"]); d == "Ubuntu" {
		name = "ubuntu-22.04"
	}
	m := map[string]string{}
	if r := c[name]; r != nil {
		for d, pkg := range r.byDist {
			m[d] = pkg.Name
		}
	}
	return m
}

// lookupDists finds which of names (normalized) the host's distribution
// provides, asking the host once for all names not cached yet.
func (p *Policy) lookupDists(ctx context.Context, h *hostState, mt *modules.Task, names []string) (map[string]Provider, error) {
	var ask []string
	for _, n := range names {
		if _, ok := h.dists[n]; !ok && !contains(ask, n) {
			ask = append(ask, n)
		}
	}
	if len(ask) > 0 {
		switch h.kind {
		case "rpm":
			res, err := mt.Exec(ctx, rpmDistQuery(ask, h.pyXY))
			if err != nil {
				return nil, fmt.Errorf("python policy: dnf repoquery: %w", err)
			}
			if res.ExitCode != 0 {
				return nil, fmt.Errorf("python policy: dnf repoquery failed (rc %d): %s", res.ExitCode, firstLines(res))
			}
			found := parseRPMDist(string(res.Stdout), ask)
			for _, n := range ask {
				if pr, ok := found[n]; ok {
					h.dists[n] = &pr
				} else {
					h.dists[n] = nil
				}
			}
		case "deb":
			cands := map[string][]string{}
			var pkgs []string
			for _, n := range ask {
				cands[n] = debCandidates(n, h.distMap, h.pkgDist)
				pkgs = append(pkgs, cands[n]...)
			}
			vers := map[string]string{}
			if len(pkgs) > 0 {
				res, err := mt.Exec(ctx, debPolicyQuery(pkgs))
				if err != nil {
					return nil, fmt.Errorf("python policy: apt-cache policy: %w", err)
				}
				if res.ExitCode != 0 {
					return nil, fmt.Errorf("python policy: apt-cache policy failed (rc %d): %s", res.ExitCode, firstLines(res))
				}
				vers = parseDebPolicy(string(res.Stdout))
			}
			for _, n := range ask {
				h.dists[n] = nil
				for _, c := range cands[n] {
					if v, ok := vers[c]; ok {
						h.dists[n] = &Provider{Dist: n, Package: c, Version: v, Manager: "apt"}
						break
					}
				}
			}
		default:
			for _, n := range ask {
				h.dists[n] = nil
			}
		}
	}
	out := map[string]Provider{}
	for _, n := range names {
		if pr := h.dists[n]; pr != nil {
			out[n] = *pr
		}
	}
	return out, nil
}

// lookupPackages finds which distribution packages (names or specs) the
// host's repositories have.
func (p *Policy) lookupPackages(ctx context.Context, h *hostState, mt *modules.Task, specs []string) (map[string]Provider, error) {
	var ask []string
	for _, s := range specs {
		if _, ok := h.pkgs[s]; !ok && !contains(ask, s) {
			ask = append(ask, s)
		}
	}
	if len(ask) > 0 {
		found := map[string]Provider{}
		switch h.kind {
		case "rpm":
			res, err := mt.Exec(ctx, rpmPkgQuery(ask))
			if err != nil {
				return nil, fmt.Errorf("python policy: dnf repoquery: %w", err)
			}
			if res.ExitCode != 0 {
				return nil, fmt.Errorf("python policy: dnf repoquery failed (rc %d): %s", res.ExitCode, firstLines(res))
			}
			found = parseRPMPkg(string(res.Stdout), ask)
		case "deb":
			names := map[string]string{}
			var q []string
			for _, s := range ask {
				n := debName(s)
				if debPkgRe.MatchString(n) {
					names[s] = n
					q = append(q, n)
				}
			}
			if len(q) > 0 {
				res, err := mt.Exec(ctx, debPolicyQuery(q))
				if err != nil {
					return nil, fmt.Errorf("python policy: apt-cache policy: %w", err)
				}
				vers := parseDebPolicy(string(res.Stdout))
				for s, n := range names {
					if v, ok := vers[n]; ok {
						found[s] = Provider{Package: n, Version: v, Manager: "apt"}
					}
				}
			}
		}
		for _, s := range ask {
			if pr, ok := found[s]; ok {
				h.pkgs[s] = &pr
			} else {
				h.pkgs[s] = nil
			}
		}
	}
	out := map[string]Provider{}
	for _, s := range specs {
		if pr := h.pkgs[s]; pr != nil {
			out[s] = *pr
		}
	}
	return out, nil
}

// debName is the package name of an apt spec (name=version, name:arch,
// name/release).
func debName(s string) string {
	if i := strings.IndexAny(s, "=:/><"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLines(r *connection.Result) string {
	s := strings.TrimSpace(string(r.Stderr) + "\n" + string(r.Stdout))
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// describe renders a provider for messages.
func (pr Provider) describe() string {
	s := pr.Package + " " + pr.Version
	if pr.Repo != "" {
		s += " (repo " + pr.Repo + ")"
	}
	return s
}

// isSystemPip reports whether a pip task installs into the system
// interpreter: no virtualenv, or one with system site packages, or an
// executable that is not inside a virtualenv.
func isSystemPip(ctx context.Context, mt *modules.Task) (system bool, where string, err error) {
	env := str(mt.Args["virtualenv"])
	if env != "" {
		if truthy(mt.Args["virtualenv_site_packages"]) {
			return true, "virtualenv " + env + " with system site packages", nil
		}
		return false, "virtualenv " + env, nil
	}
	exe := str(mt.Args["executable"])
	if exe != "" && strings.HasPrefix(exe, "/") {
		// a pip inside a venv: BIN/pip with BIN/../pyvenv.cfg
		venv := filepath.Dir(filepath.Dir(exe))
		res, err := mt.Exec(ctx, "test -f "+modules.QuotePath(venv+"/pyvenv.cfg"))
		if err != nil {
			return false, "", fmt.Errorf("python policy: look for %s/pyvenv.cfg: %w", venv, err)
		}
		if res.ExitCode == 0 {
			if sp, _ := mt.Exec(ctx, "grep -qi '^include-system-site-packages *= *true' "+modules.QuotePath(venv+"/pyvenv.cfg")); sp != nil && sp.ExitCode == 0 {
				return true, "virtualenv " + venv + " with system site packages", nil
			}
			return false, "virtualenv " + venv, nil
		}
	}
	return true, "system Python", nil
}

func truthy(v any) bool {
	if s, ok := asString(v); ok {
		switch strings.ToLower(s) {
		case "yes", "true", "on", "1", "y", "t":
			return true
		}
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case int:
		return x != 0
	}
	return false
}

// pipReqs are the requirements of a pip task: its names, or its
// requirements file read on the host.
func pipReqs(ctx context.Context, mt *modules.Task) ([]Requirement, string, error) {
	if file := str(mt.Args["requirements"]); file != "" {
		path := file
		if !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "~") {
			if chdir := str(mt.Args["chdir"]); chdir != "" {
				path = strings.TrimSuffix(chdir, "/") + "/" + path
			}
		}
		res, err := mt.Exec(ctx, "cat -- "+modules.QuotePath(path))
		if err != nil {
			return nil, file, fmt.Errorf("python policy: read %s: %w", path, err)
		}
		if res.ExitCode != 0 {
			return nil, file, nil // pip will say the file is missing
		}
		return RequirementsFile(string(res.Stdout)), file, nil
	}
	return PipRequirements(mt.Args), "", nil
}

func (p *Policy) checkPip(ctx context.Context, info playbook.TaskInfo, mt *modules.Task, mode Mode) (modules.Result, error) {
	state := str(mt.Args["state"])
	if state == "absent" {
		return nil, nil
	}
	reqs, reqFile, err := pipReqs(ctx, mt)
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	system, target, err := isSystemPip(ctx, mt)
	if err != nil {
		return nil, err
	}
	via := "pip (" + target + ")"
	if !system {
		for _, r := range reqs {
			p.record(Entry{Host: info.Host, Pos: info.Pos, Module: r.Raw, Dist: r.Name, Via: via, From: "pip into " + target, Outcome: Allowed}, mt)
		}
		return nil, nil
	}
	h := p.host(info.Host)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := p.probe(ctx, h, mt); err != nil {
		return nil, err
	}
	var names []string
	for _, r := range reqs {
		if r.Plain() {
			names = append(names, r.Name)
		}
	}
	found, err := p.lookupDists(ctx, h, mt, names)
	if err != nil {
		return nil, err
	}
	var bad []Requirement
	for _, r := range reqs {
		if _, ok := found[r.Name]; r.Plain() && ok {
			bad = append(bad, r)
		}
	}
	recordRest := func() {
		for _, r := range reqs {
			if _, ok := found[r.Name]; r.Plain() && ok {
				continue
			}
			e := Entry{Host: info.Host, Pos: info.Pos, Module: r.Raw, Dist: r.Name, Via: via, From: "pip (not packaged by the distribution)", Outcome: Allowed}
			if !r.Plain() {
				e.From, e.Outcome = "pip (not a plain requirement: not checked)", Unchecked
			} else if h.kind == "" {
				e.From, e.Outcome = "pip (no distribution package system to ask)", Unchecked
			}
			p.record(e, mt)
		}
	}
	if len(bad) == 0 {
		recordRest()
		return nil, nil
	}
	at := where(info.Pos)
	var msgs []string
	for _, r := range bad {
		pr := found[r.Name]
		m := fmt.Sprintf("%s: pip would install %s into the %s, but the distribution packages it: %s. Install %s with %s instead (or pip into a virtualenv).",
			at, r.Name, target, pr.describe(), pr.Package, pr.Manager)
		if !r.Satisfies(pr.Version) {
			m += fmt.Sprintf(" Note: %s %s does not meet %s%s.", pr.Package, pr.Version, r.Name, r.Spec)
		}
		msgs = append(msgs, m)
	}
	switch mode {
	case Enforce:
		for _, r := range bad {
			pr := found[r.Name]
			p.record(Entry{Host: info.Host, Pos: info.Pos, Module: r.Raw, Dist: r.Name, Via: via, From: "distribution: " + pr.describe() + " (" + pr.Manager + ")", Outcome: Blocked}, nil)
		}
		recordRest()
		return modules.Result{"failed": true, "changed": false, "python_policy": "enforce",
			"msg": "python policy: " + strings.Join(msgs, "\n")}, nil
	case Warn:
		for i, r := range bad {
			pr := found[r.Name]
			p.warn("python policy (warn): %s", msgs[i])
			p.record(Entry{Host: info.Host, Pos: info.Pos, Module: r.Raw, Dist: r.Name, Via: via, From: "pip, although the distribution has " + pr.describe() + " (" + pr.Manager + ")", Outcome: Warned}, mt)
		}
		recordRest()
		return nil, nil
	}
	// Fix: the distribution packages first, then pip for the rest.
	mgr := found[bad[0].Name].Manager
	var pkgs []any
	for _, r := range bad {
		pkgs = append(pkgs, found[r.Name].Package)
	}
	dres, err := runModule(ctx, mt, mgr, map[string]any{"name": pkgs, "state": "present"})
	if err != nil {
		return nil, err
	}
	var names2 []string
	for _, x := range pkgs {
		names2 = append(names2, x.(string))
	}
	did := fmt.Sprintf("python policy (fix): %s: installed %s with %s instead of pip", at, strings.Join(names2, ", "), mgr)
	for _, r := range bad {
		if pr := found[r.Name]; !r.Satisfies(pr.Version) {
			did += fmt.Sprintf(" (%s %s does not meet %s%s)", pr.Package, pr.Version, r.Name, r.Spec)
		}
	}
	if dres.Failed() {
		out := modules.Result{"failed": true, "changed": dres.Changed(), "python_policy": "fix",
			"msg": fmt.Sprintf("python policy (fix): %s: installing %s with %s failed: %v", at, strings.Join(names2, ", "), mgr, dres["msg"])}
		return out, nil
	}
	for _, r := range bad {
		pr := found[r.Name]
		p.record(Entry{Host: info.Host, Pos: info.Pos, Module: r.Raw, Dist: r.Name, Via: mgr, From: "distribution: " + pr.describe() + " (" + pr.Manager + ")", Outcome: Fixed}, nil)
	}
	p.warn("%s", did)
	if reqFile != "" {
		// pip still reads the file; what the distribution installed now satisfies it
		recordRest()
		return nil, nil
	}
	var rest []any
	for _, r := range reqs {
		if _, ok := found[r.Name]; r.Plain() && ok {
			continue
		}
		rest = append(rest, r.Raw)
	}
	if len(rest) == 0 {
		return modules.Result{"changed": dres.Changed(), "python_policy": "fix", "msg": did,
			"results": dres["results"]}, nil
	}
	recordRest()
	mt.Args["name"] = rest
	return nil, nil
}

// runModule runs another module (dnf or apt) for the task's host, with
// the task's connection, become and check mode.
func runModule(ctx context.Context, mt *modules.Task, name string, args map[string]any) (modules.Result, error) {
	e, ok := modules.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("python policy: no %s module", name)
	}
	clean, err := modules.Validate(name, e.Spec, args)
	if err != nil {
		return nil, fmt.Errorf("python policy: %s: %w", name, err)
	}
	t := &modules.Task{Name: mt.Name, Module: name, Args: clean, Conn: mt.Conn, Become: mt.Become, Env: mt.Env,
		Check: mt.Check, Diff: mt.Diff, Ctl: mt.Ctl, Host: mt.Host}
	res, err := e.Module.Run(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("python policy: %s: %w", name, err)
	}
	return res, nil
}

// checkPackages checks dnf, yum, apt and package tasks that name python3
// packages: the distribution must have them.
func (p *Policy) checkPackages(ctx context.Context, info playbook.TaskInfo, mt *modules.Task, mode Mode) (modules.Result, error) {
	switch str(mt.Args["state"]) {
	case "", "present", "installed", "latest", "fixed", "build-dep":
	default:
		return nil, nil
	}
	var specs []string
	dists := map[string]string{} // spec -> dist for python3dist(...) specs
	for _, n := range stringList(mt.Args["name"]) {
		n = strings.TrimSpace(n)
		d, ok := PythonPackage(n)
		if !ok {
			continue
		}
		if strings.Contains(n, "dist(") {
			dists[n] = d
		}
		specs = append(specs, n)
	}
	if len(specs) == 0 {
		return nil, nil
	}
	h := p.host(info.Host)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := p.probe(ctx, h, mt); err != nil {
		return nil, err
	}
	if h.kind == "" {
		return nil, nil
	}
	var plain []string
	var provides []string
	for _, s := range specs {
		if d, ok := dists[s]; ok {
			provides = append(provides, d)
		} else {
			plain = append(plain, s)
		}
	}
	found, err := p.lookupPackages(ctx, h, mt, plain)
	if err != nil {
		return nil, err
	}
	byDist, err := p.lookupDists(ctx, h, mt, provides)
	if err != nil {
		return nil, err
	}
	via := info.Module
	var missing []string
	for _, s := range specs {
		pr, ok := found[s]
		if d, isDist := dists[s]; isDist {
			pr, ok = byDist[d]
		}
		if ok {
			p.record(Entry{Host: info.Host, Pos: info.Pos, Module: s, Via: via, From: "distribution: " + pr.describe() + " (" + pr.Manager + ")", Outcome: Packaged}, mt)
			continue
		}
		missing = append(missing, s)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	at := where(info.Pos)
	var msgs []string
	for _, s := range missing {
		d, _ := PythonPackage(s)
		msgs = append(msgs, fmt.Sprintf("%s: %s is not packaged by this host's distribution (no match in its enabled repositories): if %s is a PyPI-only module, install it with pip, into a virtualenv.", at, s, d))
	}
	if mode == Warn {
		for i, s := range missing {
			p.warn("python policy (warn): %s", msgs[i])
			p.record(Entry{Host: info.Host, Pos: info.Pos, Module: s, Via: via, From: "not in the distribution's repositories", Outcome: Missing}, mt)
		}
		return nil, nil
	}
	for _, s := range missing {
		p.record(Entry{Host: info.Host, Pos: info.Pos, Module: s, Via: via, From: "not in the distribution's repositories", Outcome: Missing}, nil)
	}
	return modules.Result{"failed": true, "changed": false, "python_policy": string(mode),
		"msg": "python policy: " + strings.Join(msgs, "\n")}, nil
}

// Report prints the PYTHON POLICY section after the PLAY RECAP: per host,
// its counts, then each Python module the run installed or checked and
// where it came from. It then starts afresh, so that each playbook of a
// run reports its own tasks; what was learnt of the hosts is kept.
func (p *Policy) Report(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		p.entries, p.counts = nil, map[string]*Counts{}
	}()
	if len(p.entries) == 0 {
		return
	}
	title := "PYTHON POLICY"
	fmt.Fprintf(w, "%s %s\n", title, strings.Repeat("*", 79-len(title)))
	byHost := map[string][]Entry{}
	for _, e := range p.entries {
		byHost[e.Host] = append(byHost[e.Host], e)
	}
	for _, host := range sortedKeys(byHost) {
		c := p.counts[host]
		if c == nil {
			c = &Counts{}
		}
		fmt.Fprintf(w, "%-26s : violations=%-4d warned=%-4d fixed=%-4d missing=%-4d\n", host, c.Violations, c.Warned, c.Fixed, c.Missing)
		es := byHost[host]
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].Pos.File != es[j].Pos.File {
				return es[i].Pos.File < es[j].Pos.File
			}
			return es[i].Pos.Line < es[j].Pos.Line
		})
		for _, e := range es {
			out := string(e.Outcome)
			if e.Failed {
				out += " (task failed)"
			}
			fmt.Fprintf(w, "    %s: %s via %s: %s [%s]\n", where(e.Pos), e.Module, e.Via, e.From, out)
		}
	}
	fmt.Fprintln(w)
}
