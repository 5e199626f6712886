package modules

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

// The homebrew, homebrew_tap and homebrew_cask modules
// (community.general 6.6.2) drive brew on the host. brew refuses to run as
// root, so these modules run it as the connecting user (or a non-root
// become_user), never through become to root. State is read from
// `brew info --json=v2 --installed` once before acting and once after each
// change to confirm it; results, messages and check mode follow the
// Python modules, except that link and unlink report changed only when the
// keg's link state changes.

func init() {
	Register("homebrew", homebrewSpec, ModuleFunc(runHomebrew))
	Register("homebrew_tap", homebrewTapSpec, ModuleFunc(runHomebrewTap))
	Register("homebrew_cask", homebrewCaskSpec, ModuleFunc(runHomebrewCask))
}

const brewDefaultPath = "/usr/local/bin:/opt/homebrew/bin:/home/linuxbrew/.linuxbrew/bin"

var homebrewSpec = Spec{
	Params: map[string]Param{
		"name":            {Type: "list", Elements: "str", Aliases: []string{"pkg", "package", "formula"}},
		"path":            {Type: "path", Default: brewDefaultPath},
		"state":           {Type: "str", Default: "present", Choices: []string{"present", "installed", "latest", "upgraded", "head", "linked", "unlinked", "absent", "removed", "uninstalled"}},
		"update_homebrew": {Type: "bool", Default: false},
		"upgrade_all":     {Type: "bool", Default: false, Aliases: []string{"upgrade"}},
		"install_options": {Type: "list", Elements: "str", Aliases: []string{"options"}},
		"upgrade_options": {Type: "list", Elements: "str"},
	},
	CheckMode: true,
}

var homebrewTapSpec = Spec{
	Params: map[string]Param{
		"name":  {Type: "list", Elements: "str", Required: true, Aliases: []string{"tap"}},
		"url":   {Type: "str"},
		"state": {Type: "str", Default: "present", Choices: []string{"present", "absent"}},
		"path":  {Type: "path", Default: brewDefaultPath},
	},
	CheckMode: true,
}

var homebrewCaskSpec = Spec{
	Params: map[string]Param{
		"name":                 {Type: "list", Elements: "str", Aliases: []string{"pkg", "package", "cask"}},
		"path":                 {Type: "path", Default: "/usr/local/bin:/opt/homebrew/bin"},
		"state":                {Type: "str", Default: "present", Choices: []string{"present", "installed", "latest", "upgraded", "absent", "removed", "uninstalled"}},
		"sudo_password":        {Type: "str", NoLog: true},
		"update_homebrew":      {Type: "bool", Default: false},
		"install_options":      {Type: "list", Elements: "str", Aliases: []string{"options"}},
		"accept_external_apps": {Type: "bool", Default: false},
		"upgrade_all":          {Type: "bool", Default: false, Aliases: []string{"upgrade"}},
		"greedy":               {Type: "bool", Default: false},
	},
	CheckMode: true,
}

// brewValidPackage is the Python module's VALID_PACKAGE_CHARS.
var brewValidPackage = regexp.MustCompile(`^[\w./+\-:@]+$`)

// brewValidTap is homebrew_tap's a_valid_tap.
var brewValidTap = regexp.MustCompile(`^([\w-]+)/(homebrew-)?([\w-]+)$`)

// brewFormula is what the modules need of one installed formula or cask.
type brewFormula struct {
	Name      string
	Versions  []string
	LinkedKeg string
	Outdated  bool
}

// brewState maps every name a formula or cask answers to (name, full
// name, aliases, old names; token, full token) to its state.
type brewState struct {
	Formulae map[string]*brewFormula
	Casks    map[string]*brewFormula
}

// brewParseInfo reads `brew info --json=v2 --installed`.
func brewParseInfo(out string) (*brewState, error) {
	var doc struct {
		Formulae []struct {
			Name      string   `json:"name"`
			FullName  string   `json:"full_name"`
			Aliases   []string `json:"aliases"`
			Oldnames  []string `json:"oldnames"`
			Oldname   *string  `json:"oldname"`
			Installed []struct {
				Version string `json:"version"`
			} `json:"installed"`
			LinkedKeg *string `json:"linked_keg"`
			Outdated  bool    `json:"outdated"`
		} `json:"formulae"`
		Casks []struct {
			Token     string   `json:"token"`
			FullToken string   `json:"full_token"`
			OldTokens []string `json:"old_tokens"`
			Installed *string  `json:"installed"`
			Outdated  bool     `json:"outdated"`
		} `json:"casks"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("brew info --json=v2: %w", err)
	}
	s := &brewState{Formulae: map[string]*brewFormula{}, Casks: map[string]*brewFormula{}}
	for _, f := range doc.Formulae {
		if len(f.Installed) == 0 {
			continue
		}
		bf := &brewFormula{Name: f.Name, Outdated: f.Outdated}
		for _, i := range f.Installed {
			bf.Versions = append(bf.Versions, i.Version)
		}
		if f.LinkedKeg != nil {
			bf.LinkedKeg = *f.LinkedKeg
		}
		names := append([]string{f.Name, f.FullName}, f.Aliases...)
		names = append(names, f.Oldnames...)
		if f.Oldname != nil {
			names = append(names, *f.Oldname)
		}
		for _, n := range names {
			if n != "" {
				s.Formulae[strings.ToLower(n)] = bf
			}
		}
	}
	for _, c := range doc.Casks {
		if c.Installed == nil {
			continue
		}
		bf := &brewFormula{Name: c.Token, Versions: []string{*c.Installed}, Outdated: c.Outdated}
		for _, n := range append([]string{c.Token, c.FullToken}, c.OldTokens...) {
			if n != "" {
				s.Casks[strings.ToLower(n)] = bf
			}
		}
	}
	return s, nil
}

func (s *brewState) formula(name string) *brewFormula {
	n := strings.ToLower(name)
	if f := s.Formulae[n]; f != nil {
		return f
	}
	return s.Formulae[strings.TrimPrefix(n, "homebrew/core/")]
}

func (s *brewState) cask(name string) *brewFormula {
	n := strings.ToLower(name)
	if c := s.Casks[n]; c != nil {
		return c
	}
	return s.Casks[strings.TrimPrefix(n, "homebrew/cask/")]
}

// brewRunner runs brew on the host for one task.
type brewRunner struct {
	t    *Task
	brew string // the path of brew on the host
	env  map[string]string
}

type brewOut struct {
	Stdout, Stderr string
	RC             int
}

// brewBecome is the task's become unless it would make brew run as root.
func brewBecome(b *connection.Become) *connection.Become {
	if b == nil || b.User == "" || b.User == "root" {
		return nil
	}
	return b
}

func (r *brewRunner) exec(ctx context.Context, cmd string) (brewOut, error) {
	res, err := r.t.Conn.Exec(ctx, cmd, &connection.ExecOptions{Become: brewBecome(r.t.Become), Env: r.env})
	if err != nil {
		return brewOut{}, err
	}
	return brewOut{Stdout: string(res.Stdout), Stderr: string(res.Stderr), RC: res.ExitCode}, nil
}

// brew runs brew with args, each quoted.
func (r *brewRunner) run(ctx context.Context, args ...string) (brewOut, error) {
	words := []string{connection.Quote(r.brew)}
	for _, a := range args {
		if a != "" {
			words = append(words, connection.Quote(a))
		}
	}
	return r.exec(ctx, strings.Join(words, " "))
}

// brewFindCmd finds brew in the path directories, then on PATH, as
// get_bin_path with opt_dirs does.
func brewFindCmd(path string) string {
	var b strings.Builder
	b.WriteString("for d in")
	for _, d := range strings.Split(path, ":") {
		if d != "" {
			b.WriteString(" " + connection.Quote(d))
		}
	}
	b.WriteString(`; do if [ -x "$d/brew" ] && [ ! -d "$d/brew" ]; then echo "$d/brew"; exit 0; fi; done; command -v brew || exit 127`)
	return b.String()
}

// newBrewRunner finds brew; a non-nil Result is the failure to report.
func newBrewRunner(ctx context.Context, t *Task, path string, env map[string]string) (*brewRunner, Result, error) {
	e := map[string]string{}
	for k, v := range t.Env {
		e[k] = v
	}
	for k, v := range env {
		e[k] = v
	}
	r := &brewRunner{t: t, env: e}
	out, err := r.exec(ctx, brewFindCmd(path))
	if err != nil {
		return nil, nil, err
	}
	brew := strings.TrimSpace(out.Stdout)
	if out.RC != 0 || brew == "" {
		dirs := strings.Split(path, ":")
		return nil, Failf("Failed to find required executable \"brew\" in paths: %s", strings.Join(dirs, ":")), nil
	}
	r.brew = brew
	return r, nil, nil
}

// state reads the installed formulae and casks.
func (r *brewRunner) state(ctx context.Context) (*brewState, *brewOut, error) {
	out, err := r.run(ctx, "info", "--json=v2", "--installed")
	if err != nil {
		return nil, nil, err
	}
	if out.RC != 0 {
		return nil, &out, nil
	}
	s, err := brewParseInfo(out.Stdout)
	if err != nil {
		return nil, &out, nil
	}
	return s, nil, nil
}

func brewStateFailure(out *brewOut) Result {
	msg := strings.TrimSpace(out.Stderr)
	if msg == "" {
		msg = "brew info --json=v2 --installed gave no valid JSON: " + strings.TrimSpace(out.Stdout)
	}
	return Failf("%s", msg)
}

// brewOptions prefixes each option with "--" as the Python modules do.
func brewOptions(opts []string) []string {
	out := make([]string, 0, len(opts))
	for _, o := range opts {
		out = append(out, "--"+o)
	}
	return out
}

// brewRun is one homebrew or homebrew_cask run: the counters and message
// of the Python classes.
type brewRun struct {
	changed        bool
	failed         bool
	stop           bool // the Python modules raise to stop at once
	msg            string
	changedCount   int
	unchangedCount int
	changedPkgs    []string
	unchangedPkgs  []string
}

func (b *brewRun) fail(msg string) { b.failed, b.stop, b.msg = true, true, msg }

func (b *brewRun) unchanged(pkg, msg string) {
	b.unchangedCount++
	b.unchangedPkgs = append(b.unchangedPkgs, pkg)
	b.msg = msg
}

func (b *brewRun) did(pkg, msg string) {
	b.changedCount++
	b.changedPkgs = append(b.changedPkgs, pkg)
	b.changed = true
	b.msg = msg
}

func (b *brewRun) would(msg string) { b.changed, b.stop, b.msg = true, true, msg }

func (b *brewRun) summary() {
	if !b.failed && b.changedCount+b.unchangedCount > 1 {
		b.msg = fmt.Sprintf("Changed: %d, Unchanged: %d", b.changedCount, b.unchangedCount)
	}
}

func brewEnv(update bool) map[string]string {
	env := map[string]string{"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C", "LC_CTYPE": "C"}
	if !update {
		env["HOMEBREW_NO_AUTO_UPDATE"] = "True"
	}
	return env
}

// brewUpdate is _update_homebrew.
func (r *brewRunner) update(ctx context.Context, b *brewRun) error {
	if r.t.Check {
		b.would("Homebrew would be updated.")
		return nil
	}
	out, err := r.run(ctx, "update")
	if err != nil {
		return err
	}
	if out.RC != 0 {
		b.fail(strings.TrimSpace(out.Stderr))
		return nil
	}
	if out.Stdout != "" {
		if regexp.MustCompile(`(?i)Already up-to-date.`).MatchString(out.Stdout) {
			b.msg = "Homebrew already up-to-date."
		} else {
			b.changed = true
			b.msg = "Homebrew updated successfully."
		}
	}
	return nil
}

func runHomebrew(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	path := pkgArgStr(a, "path")
	if path == "" {
		path = brewDefaultPath
	}
	update := pkgArgBool(a, "update_homebrew")
	r, fail, err := newBrewRunner(ctx, t, path, brewEnv(update))
	if err != nil {
		return nil, fmt.Errorf("homebrew: %w", err)
	}
	if fail != nil {
		return fail, nil
	}
	state := pkgArgStr(a, "state")
	switch state {
	case "", "present", "installed":
		state = "installed"
	case "latest", "upgraded":
		state = "upgraded"
	case "absent", "removed", "uninstalled":
		state = "absent"
	}
	b := &brewRun{}
	if err := r.homebrew(ctx, b, state, pkgArgList(a, "name"), update, pkgArgBool(a, "upgrade_all"),
		brewOptions(pkgArgList(a, "install_options")), brewOptions(pkgArgList(a, "upgrade_options"))); err != nil {
		return nil, fmt.Errorf("homebrew: %w", err)
	}
	b.summary()
	if b.failed {
		return Failf("%s", b.msg), nil
	}
	changedPkgs, unchangedPkgs := b.changedPkgs, b.unchangedPkgs
	if changedPkgs == nil {
		changedPkgs = []string{}
	}
	if unchangedPkgs == nil {
		unchangedPkgs = []string{}
	}
	return Result{"changed": b.changed, "msg": b.msg, "changed_pkgs": changedPkgs, "unchanged_pkgs": unchangedPkgs}, nil
}

func (r *brewRunner) homebrew(ctx context.Context, b *brewRun, state string, pkgs []string, update, upgradeAll bool, installOpts, upgradeOpts []string) error {
	if update {
		if err := r.update(ctx, b); err != nil || b.stop {
			return err
		}
	}
	if upgradeAll {
		if r.t.Check {
			b.would("Homebrew packages would be upgraded.")
			return nil
		}
		out, err := r.run(ctx, append([]string{"upgrade"}, upgradeOpts...)...)
		if err != nil {
			return err
		}
		if out.RC != 0 {
			b.fail(strings.TrimSpace(out.Stderr))
			return nil
		}
		if out.Stdout == "" {
			b.msg = "Homebrew packages already upgraded."
		} else {
			b.changed = true
			b.msg = "Homebrew upgraded."
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	st, bad, err := r.state(ctx)
	if err != nil {
		return err
	}
	if bad != nil {
		b.fail(brewStateFailure(bad)["msg"].(string))
		return nil
	}
	for _, p := range pkgs {
		if !brewValidPackage.MatchString(p) {
			b.fail(fmt.Sprintf("Invalid package: %s.", p))
			return nil
		}
		f := st.formula(p)
		// act runs brew and re-reads the state to confirm the change.
		act := func(args ...string) (brewOut, error) {
			out, err := r.run(ctx, args...)
			if err != nil {
				return out, err
			}
			ns, bad, err := r.state(ctx)
			if err != nil {
				return out, err
			}
			if bad != nil {
				return *bad, nil
			}
			st = ns
			return out, nil
		}
		switch state {
		case "installed", "head":
			if f != nil {
				b.unchanged(p, "Package already installed: "+p)
				continue
			}
			if r.t.Check {
				b.would("Package would be installed: " + p)
				return nil
			}
			head := ""
			if state == "head" {
				head = "--HEAD"
			}
			out, err := act(append(append([]string{"install"}, installOpts...), p, head)...)
			if err != nil {
				return err
			}
			if st.formula(p) == nil {
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
			b.did(p, "Package installed: "+p)
		case "upgraded":
			if f != nil && !f.Outdated {
				b.unchanged(p, "Package is already upgraded: "+p)
				continue
			}
			if r.t.Check {
				b.would("Package would be upgraded: " + p)
				return nil
			}
			command := "upgrade"
			if f == nil {
				command = "install"
			}
			out, err := act(append(append([]string{command}, installOpts...), p)...)
			if err != nil {
				return err
			}
			if nf := st.formula(p); nf == nil || nf.Outdated {
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
			b.did(p, "Package upgraded: "+p)
		case "absent":
			if f == nil {
				b.unchanged(p, "Package already uninstalled: "+p)
				continue
			}
			if r.t.Check {
				b.would("Package would be uninstalled: " + p)
				return nil
			}
			out, err := act(append(append([]string{"uninstall", "--force"}, installOpts...), p)...)
			if err != nil {
				return err
			}
			if st.formula(p) != nil {
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
			b.did(p, "Package uninstalled: "+p)
		case "linked", "unlinked":
			verb := strings.TrimSuffix(state, "ed")
			if f == nil {
				b.fail(fmt.Sprintf("Package not installed: %s.", p))
				return nil
			}
			if (f.LinkedKeg != "") == (state == "linked") {
				b.unchanged(p, fmt.Sprintf("Package already %s: %s", state, p))
				continue
			}
			if r.t.Check {
				b.would(fmt.Sprintf("Package would be %s: %s", state, p))
				return nil
			}
			out, err := act(append(append([]string{verb}, installOpts...), p)...)
			if err != nil {
				return err
			}
			nf := st.formula(p)
			if out.RC != 0 || nf == nil || (nf.LinkedKeg != "") != (state == "linked") {
				b.fail(fmt.Sprintf("Package could not be %s: %s.", state, p))
				return nil
			}
			b.did(p, fmt.Sprintf("Package %s: %s", state, p))
		}
	}
	return nil
}

func runHomebrewCask(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	path := pkgArgStr(a, "path")
	if path == "" {
		path = "/usr/local/bin:/opt/homebrew/bin"
	}
	update := pkgArgBool(a, "update_homebrew")
	r, fail, err := newBrewRunner(ctx, t, path, brewEnv(update))
	if err != nil {
		return nil, fmt.Errorf("homebrew_cask: %w", err)
	}
	if fail != nil {
		return fail, nil
	}
	if pw := pkgArgStr(a, "sudo_password"); pw != "" {
		// As the Python module does: brew's sudo asks an askpass helper
		// (mode 0700, removed afterwards) that prints the password; the
		// password is in the file, never on a command line.
		out, err := r.exec(ctx, "mktemp")
		if err != nil {
			return nil, fmt.Errorf("homebrew_cask: %w", err)
		}
		askpass := strings.TrimSpace(out.Stdout)
		if out.RC != 0 || askpass == "" {
			return Failf("could not make a temporary file on the host: %s", strings.TrimSpace(out.Stderr)), nil
		}
		defer r.exec(context.WithoutCancel(ctx), "rm -f "+connection.Quote(askpass))
		script := "#!/bin/sh\n\necho " + connection.Quote(pw) + "\n"
		if err := t.Conn.PutFile(ctx, askpass, strings.NewReader(script), &connection.FileOptions{Become: brewBecome(t.Become), Mode: 0o700}); err != nil {
			return nil, fmt.Errorf("homebrew_cask: %w", err)
		}
		r.env["SUDO_ASKPASS"] = askpass
	}
	state := pkgArgStr(a, "state")
	switch state {
	case "", "present", "installed":
		state = "installed"
	case "latest", "upgraded":
		state = "upgraded"
	case "absent", "removed", "uninstalled":
		state = "absent"
	}
	b := &brewRun{}
	if err := r.cask(ctx, b, state, pkgArgList(a, "name"), update, pkgArgBool(a, "upgrade_all"),
		pkgArgBool(a, "greedy"), pkgArgBool(a, "accept_external_apps"), brewOptions(pkgArgList(a, "install_options"))); err != nil {
		return nil, fmt.Errorf("homebrew_cask: %w", err)
	}
	b.summary()
	if b.failed {
		return Failf("%s", b.msg), nil
	}
	return Result{"changed": b.changed, "msg": b.msg}, nil
}

func (r *brewRunner) cask(ctx context.Context, b *brewRun, state string, casks []string, update, upgradeAll, greedy, acceptExternal bool, opts []string) error {
	if update {
		if err := r.update(ctx, b); err != nil || b.stop {
			return err
		}
	}
	greedyFlag := ""
	if greedy {
		greedyFlag = "--greedy"
	}
	if upgradeAll {
		if r.t.Check {
			b.would("Casks would be upgraded.")
			return nil
		}
		out, err := r.run(ctx, "upgrade", "--cask", greedyFlag)
		if err != nil {
			return err
		}
		if out.RC != 0 {
			b.fail(strings.TrimSpace(out.Stderr))
			return nil
		}
		if out.Stdout == "" {
			b.msg = "Homebrew casks already upgraded."
		} else {
			b.changed = true
			b.msg = "Homebrew casks upgraded."
		}
		return nil
	}
	if len(casks) == 0 {
		b.fail("You must select a cask to install.")
		return nil
	}
	st, bad, err := r.state(ctx)
	if err != nil {
		return err
	}
	if bad != nil {
		b.fail(brewStateFailure(bad)["msg"].(string))
		return nil
	}
	outdated := func(c string) (bool, error) {
		if !greedy {
			f := st.cask(c)
			return f != nil && f.Outdated, nil
		}
		out, err := r.run(ctx, "outdated", "--cask", "--greedy", c)
		return out.Stdout != "", err
	}
	force := false
	for _, o := range opts {
		force = force || o == "--force"
	}
	for _, c := range casks {
		if !brewValidPackage.MatchString(c) {
			b.fail(fmt.Sprintf("Invalid cask: %s.", c))
			return nil
		}
		act := func(args ...string) (brewOut, error) {
			out, err := r.run(ctx, args...)
			if err != nil {
				return out, err
			}
			ns, bad, err := r.state(ctx)
			if err != nil {
				return out, err
			}
			if bad != nil {
				return *bad, nil
			}
			st = ns
			return out, nil
		}
		switch state {
		case "installed":
			if !force && st.cask(c) != nil {
				b.unchanged(c, "Cask already installed: "+c)
				continue
			}
			if r.t.Check {
				b.would("Cask would be installed: " + c)
				return nil
			}
			out, err := act(append([]string{"install", "--cask", c}, opts...)...)
			if err != nil {
				return err
			}
			switch {
			case st.cask(c) != nil:
				b.did(c, "Cask installed: "+c)
			case acceptExternal && strings.Contains(out.Stderr, "Error: It seems there is already an App at"):
				b.unchanged(c, "Cask already installed: "+c)
			default:
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
		case "upgraded":
			isOutdated, err := outdated(c)
			if err != nil {
				return err
			}
			if st.cask(c) != nil && !isOutdated {
				b.unchanged(c, "Cask is already upgraded: "+c)
				continue
			}
			if r.t.Check {
				b.would("Cask would be upgraded: " + c)
				return nil
			}
			command := "upgrade"
			if st.cask(c) == nil {
				command = "install"
			}
			out, err := act(append(append([]string{command, "--cask"}, opts...), c)...)
			if err != nil {
				return err
			}
			still, err := outdated(c)
			if err != nil {
				return err
			}
			if st.cask(c) == nil || still {
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
			b.did(c, "Cask upgraded: "+c)
		case "absent":
			if st.cask(c) == nil {
				b.unchanged(c, "Cask already uninstalled: "+c)
				continue
			}
			if r.t.Check {
				b.would("Cask would be uninstalled: " + c)
				return nil
			}
			out, err := act(append([]string{"uninstall", "--cask", c}, opts...)...)
			if err != nil {
				return err
			}
			if st.cask(c) != nil {
				b.fail(strings.TrimSpace(out.Stderr))
				return nil
			}
			b.did(c, "Cask uninstalled: "+c)
		}
	}
	return nil
}

// brewParseTaps reads `brew tap`: one tap a line, lower-cased.
func brewParseTaps(out string) map[string]bool {
	taps := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			taps[l] = true
		}
	}
	return taps
}

func runHomebrewTap(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	path := pkgArgStr(a, "path")
	if path == "" {
		path = brewDefaultPath
	}
	r, fail, err := newBrewRunner(ctx, t, path, nil)
	if err != nil {
		return nil, fmt.Errorf("homebrew_tap: %w", err)
	}
	if fail != nil {
		return fail, nil
	}
	taps := pkgArgList(a, "name")
	url := pkgArgStr(a, "url")
	state := pkgArgStr(a, "state")
	if len(taps) == 0 {
		return Failf("missing required arguments: name"), nil
	}
	if state == "present" || state == "" {
		if url != "" && len(taps) > 1 {
			return Failf("List of multiple taps may not be provided with 'url' option."), nil
		}
	}
	tapped := func(tap string) (bool, error) {
		out, err := r.run(ctx, "tap")
		if err != nil {
			return false, err
		}
		return brewParseTaps(out.Stdout)[strings.ReplaceAll(strings.ToLower(tap), "homebrew-", "")], nil
	}
	done, unchanged := 0, 0
	verb, past := "added", "tapped"
	if state == "absent" {
		verb, past = "removed", "untapped"
	}
	for _, tap := range taps {
		if !brewValidTap.MatchString(tap) {
			return Failf("%s: %d, unchanged: %d, error: not a valid tap: %s", verb, done, unchanged, tap), nil
		}
		is, err := tapped(tap)
		if err != nil {
			return nil, fmt.Errorf("homebrew_tap: %w", err)
		}
		if is == (state == "absent") {
			if t.Check {
				return Result{"changed": true}, nil
			}
			var out brewOut
			if state == "absent" {
				out, err = r.run(ctx, "untap", tap)
			} else {
				out, err = r.run(ctx, "tap", tap, url)
			}
			if err != nil {
				return nil, fmt.Errorf("homebrew_tap: %w", err)
			}
			now, err := tapped(tap)
			if err != nil {
				return nil, fmt.Errorf("homebrew_tap: %w", err)
			}
			ok := out.RC == 0
			if state == "absent" {
				ok = !now
			}
			if !ok {
				word := "tap"
				if state == "absent" {
					word = "untap"
				}
				return Failf("%s: %d, unchanged: %d, error: failed to %s: %s due to %s", verb, done, unchanged, word, tap, out.Stderr), nil
			}
			done++
		} else {
			unchanged++
		}
	}
	if url != "" && len(taps) == 1 {
		// add_tap alone: its own message.
		if done == 1 {
			return Result{"changed": true, "msg": "successfully " + past + ": " + taps[0]}, nil
		}
		return Result{"changed": false, "msg": "already " + past + ": " + taps[0]}, nil
	}
	return Result{"changed": done > 0, "msg": fmt.Sprintf("%s: %d, unchanged: %d", verb, done, unchanged)}, nil
}
