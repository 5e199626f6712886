// Command fakebrew is a stand-in for Homebrew 4's brew, for tests on
// machines where Homebrew cannot run. It keeps real state under its prefix
// (the parent of the directory holding the binary, or HOMEBREW_PREFIX):
// a Cellar/<name>/<version>/ tree per installed formula, Caskroom/<token>/
// <version>/ per cask, Library/Taps/<user>/homebrew-<repo>/ per tap, and
// opt/ and bin/ links for linked kegs. What can be installed is read from
// Library/fakebrew/catalog.json (see README.md).
//
// It answers the subcommands omeprov's homebrew modules use, with
// Homebrew 4's words and exit codes, and refuses to run as root as brew
// does.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Version is what brew --version prints.
const Version = "Homebrew 4.2.0"

type formulaSpec struct {
	Version string   `json:"version"`
	Desc    string   `json:"desc"`
	Deps    []string `json:"deps"`
	Aliases []string `json:"aliases"`
	Head    bool     `json:"head"`
}

type caskSpec struct {
	Version string `json:"version"`
	Desc    string `json:"desc"`
	Name    string `json:"name"`
}

type catalog struct {
	Formulae map[string]formulaSpec `json:"formulae"` // by full name: "name" or "user/repo/name"
	Casks    map[string]caskSpec    `json:"casks"`
	Revision string                 `json:"revision"` // changes when "brew update" has news
}

type brew struct {
	prefix string
	cat    catalog
	stdout *strings.Builder
	stderr *strings.Builder
}

func main() {
	var out, errb strings.Builder
	code := run(os.Args[1:], &out, &errb)
	os.Stdout.WriteString(out.String())
	os.Stderr.WriteString(errb.String())
	os.Exit(code)
}

func run(args []string, stdout, stderr *strings.Builder) int {
	if os.Geteuid() == 0 {
		stderr.WriteString("Error: Running Homebrew as root is extremely dangerous and no longer supported.\n" +
			"As Homebrew does not drop privileges on installation you would be giving all\n" +
			"build scripts full access to your system.\n")
		return 1
	}
	prefix := os.Getenv("HOMEBREW_PREFIX")
	if prefix == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 1
		}
		prefix = filepath.Dir(filepath.Dir(exe))
	}
	b := &brew{prefix: prefix, stdout: stdout, stderr: stderr}
	data, err := os.ReadFile(filepath.Join(prefix, "Library/fakebrew/catalog.json"))
	if err == nil {
		if err := json.Unmarshal(data, &b.cat); err != nil {
			fmt.Fprintf(stderr, "Error: catalog: %v\n", err)
			return 1
		}
	}
	if len(args) == 0 {
		stderr.WriteString("Example usage:\n  brew search TEXT|/REGEX/\n  brew info [FORMULA|CASK...]\n")
		return 1
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "--version", "-v":
		stdout.WriteString(Version + "\n")
		return 0
	case "--prefix":
		stdout.WriteString(prefix + "\n")
		return 0
	case "list", "ls":
		return b.list(rest)
	case "info":
		return b.info(rest)
	case "install":
		return b.install(rest, false)
	case "reinstall":
		return b.install(rest, true)
	case "upgrade":
		return b.upgrade(rest)
	case "uninstall", "remove", "rm":
		return b.uninstall(rest)
	case "outdated":
		return b.outdated(rest)
	case "update":
		return b.update()
	case "tap":
		return b.tap(rest)
	case "untap":
		return b.untap(rest)
	case "link", "ln":
		return b.link(rest, true)
	case "unlink":
		return b.link(rest, false)
	}
	fmt.Fprintf(stderr, "Error: Unknown command: %s\n", cmd)
	return 1
}

// split separates flags from names.
func split(args []string) (flags map[string]bool, names []string) {
	flags = map[string]bool{}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags[a] = true
		} else {
			names = append(names, a)
		}
	}
	return flags, names
}

func (b *brew) tapped(tap string) bool {
	user, repo, ok := strings.Cut(strings.ToLower(tap), "/")
	if !ok {
		return false
	}
	fi, err := os.Stat(filepath.Join(b.prefix, "Library/Taps", user, "homebrew-"+strings.TrimPrefix(repo, "homebrew-")))
	return err == nil && fi.IsDir()
}

// resolve finds a formula by name, full name or alias; only formulae of
// taps that are tapped (or of homebrew/core) are available.
func (b *brew) resolve(name string) (full string, short string, spec formulaSpec, ok bool) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "homebrew/core/")
	for f, s := range b.cat.Formulae {
		short := f[strings.LastIndex(f, "/")+1:]
		if strings.Count(f, "/") == 2 && !b.tapped(f[:strings.LastIndex(f, "/")]) {
			continue
		}
		match := n == f || (n == short && strings.Count(n, "/") == 0)
		for _, a := range s.Aliases {
			match = match || n == a
		}
		if match {
			return f, short, s, true
		}
	}
	return "", "", formulaSpec{}, false
}

func (b *brew) cellar(short string) string { return filepath.Join(b.prefix, "Cellar", short) }

// installedVersions lists the versions in Cellar/<short>.
func (b *brew) installedVersions(short string) []string {
	ents, _ := os.ReadDir(b.cellar(short))
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func (b *brew) linkedKeg(short string) string {
	target, err := os.Readlink(filepath.Join(b.prefix, "var/homebrew/linked", short))
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

func (b *brew) installedFormulae() []string {
	ents, _ := os.ReadDir(filepath.Join(b.prefix, "Cellar"))
	var out []string
	for _, e := range ents {
		if len(b.installedVersions(e.Name())) > 0 {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func (b *brew) installedCasks() []string {
	ents, _ := os.ReadDir(filepath.Join(b.prefix, "Caskroom"))
	var out []string
	for _, e := range ents {
		if v := b.caskVersion(e.Name()); v != "" {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func (b *brew) caskVersion(token string) string {
	ents, _ := os.ReadDir(filepath.Join(b.prefix, "Caskroom", token))
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			return e.Name()
		}
	}
	return ""
}

// fullNameOf returns the catalogue's full name for an installed keg.
func (b *brew) fullNameOf(short string) (string, formulaSpec) {
	for f, s := range b.cat.Formulae {
		if f == short || strings.HasSuffix(f, "/"+short) {
			return f, s
		}
	}
	return short, formulaSpec{}
}

func (b *brew) list(args []string) int {
	flags, names := split(args)
	if flags["--cask"] || flags["--casks"] {
		if len(names) == 0 {
			names = b.installedCasks()
		}
		code := 0
		for _, n := range names {
			v := b.caskVersion(n)
			if v == "" {
				fmt.Fprintf(b.stderr, "Error: Cask '%s' is not installed.\n", n)
				code = 1
				continue
			}
			if flags["--versions"] {
				fmt.Fprintf(b.stdout, "%s %s\n", n, v)
			} else {
				fmt.Fprintf(b.stdout, "%s\n", n)
			}
		}
		return code
	}
	if len(names) == 0 {
		names = b.installedFormulae()
	}
	code := 0
	for _, n := range names {
		short := n[strings.LastIndex(n, "/")+1:]
		vs := b.installedVersions(short)
		if len(vs) == 0 {
			if flags["--versions"] {
				code = 1
				continue
			}
			fmt.Fprintf(b.stderr, "Error: No such keg: %s\n", b.cellar(short))
			code = 1
			continue
		}
		if flags["--versions"] {
			fmt.Fprintf(b.stdout, "%s %s\n", short, strings.Join(vs, " "))
		} else {
			fmt.Fprintf(b.stdout, "%s\n", short)
		}
	}
	return code
}

// formulaJSON is a formula as brew info --json=v2 shows it (the fields
// Homebrew 4 prints that matter here, in its order and spelling).
func (b *brew) formulaJSON(full string, spec formulaSpec) map[string]any {
	short := full[strings.LastIndex(full, "/")+1:]
	tap := "homebrew/core"
	if strings.Count(full, "/") == 2 {
		tap = full[:strings.LastIndex(full, "/")]
	}
	var installed []any
	vs := b.installedVersions(short)
	for _, v := range vs {
		receipt := map[string]any{}
		if data, err := os.ReadFile(filepath.Join(b.cellar(short), v, "INSTALL_RECEIPT.json")); err == nil {
			json.Unmarshal(data, &receipt)
		}
		installed = append(installed, map[string]any{
			"version": v, "used_options": []any{}, "built_as_bottle": true, "poured_from_bottle": true,
			"time": receipt["time"], "runtime_dependencies": []any{},
			"installed_as_dependency": receipt["installed_as_dependency"] == true,
			"installed_on_request":    receipt["installed_on_request"] == true,
		})
	}
	if installed == nil {
		installed = []any{}
	}
	var linked any
	if k := b.linkedKeg(short); k != "" {
		linked = k
	}
	deps := spec.Deps
	if deps == nil {
		deps = []string{}
	}
	aliases := spec.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	var head any
	if spec.Head {
		head = "HEAD"
	}
	outdated := len(vs) > 0 && spec.Version != "" && vs[len(vs)-1] != spec.Version && vs[len(vs)-1] != "HEAD"
	return map[string]any{
		"name": short, "full_name": full, "tap": tap, "oldnames": []any{}, "aliases": aliases,
		"versioned_formulae": []any{}, "desc": spec.Desc, "license": nil, "homepage": "https://example.invalid/" + short,
		"versions": map[string]any{"stable": spec.Version, "head": head, "bottle": true},
		"revision": 0, "version_scheme": 0, "keg_only": false, "bottle_disabled": false, "options": []any{},
		"build_dependencies": []any{}, "dependencies": deps, "test_dependencies": []any{},
		"recommended_dependencies": []any{}, "optional_dependencies": []any{},
		"requirements": []any{}, "conflicts_with": []any{}, "caveats": nil,
		"installed": installed, "linked_keg": linked, "pinned": false, "outdated": outdated,
		"deprecated": false, "disabled": false,
	}
}

func (b *brew) caskJSON(token string, spec caskSpec) map[string]any {
	var installed any
	if v := b.caskVersion(token); v != "" {
		installed = v
	}
	name := spec.Name
	if name == "" {
		name = token
	}
	return map[string]any{
		"token": token, "full_token": token, "old_tokens": []any{}, "tap": "homebrew/cask",
		"name": []any{name}, "desc": spec.Desc, "homepage": "https://example.invalid/" + token,
		"url": "https://example.invalid/" + token + "-" + spec.Version + ".dmg", "version": spec.Version,
		"installed": installed, "installed_time": nil, "outdated": installed != nil && installed != spec.Version,
		"auto_updates": nil, "deprecated": false, "disabled": false,
	}
}

func (b *brew) info(args []string) int {
	flags, names := split(args)
	if !flags["--json=v2"] {
		if flags["--json=v1"] || flags["--json"] {
			b.stderr.WriteString("Error: Invalid usage: fakebrew only answers --json=v2\n")
			return 1
		}
		// Plain text, as the older homebrew modules read it.
		code := 0
		for _, n := range names {
			full, short, spec, ok := b.resolve(n)
			if !ok {
				fmt.Fprintf(b.stderr, "Error: No available formula with the name \"%s\".\n", n)
				code = 1
				continue
			}
			fmt.Fprintf(b.stdout, "==> %s: stable %s (bottled)\n%s\n", full, spec.Version, spec.Desc)
			vs := b.installedVersions(short)
			if len(vs) == 0 {
				b.stdout.WriteString("Not installed\n")
			}
			for _, v := range vs {
				fmt.Fprintf(b.stdout, "%s/%s (1 file, 4KB)\n  Poured from bottle using the formulae.brew.sh API\n", b.cellar(short), v)
			}
		}
		return code
	}
	formulae, casks := []any{}, []any{}
	code := 0
	if flags["--installed"] {
		for _, short := range b.installedFormulae() {
			full, spec := b.fullNameOf(short)
			formulae = append(formulae, b.formulaJSON(full, spec))
		}
		for _, token := range b.installedCasks() {
			casks = append(casks, b.caskJSON(token, b.cat.Casks[token]))
		}
	} else {
		for _, n := range names {
			if full, _, spec, ok := b.resolve(n); ok && !flags["--cask"] {
				formulae = append(formulae, b.formulaJSON(full, spec))
				continue
			}
			if spec, ok := b.cat.Casks[n]; ok && !flags["--formula"] {
				casks = append(casks, b.caskJSON(n, spec))
				continue
			}
			fmt.Fprintf(b.stderr, "Error: No available formula or cask with the name \"%s\".\n", n)
			code = 1
		}
	}
	if code != 0 {
		return code
	}
	out, _ := json.MarshalIndent(map[string]any{"formulae": formulae, "casks": casks}, "", "  ")
	b.stdout.Write(out)
	b.stdout.WriteString("\n")
	return 0
}

func (b *brew) writeKeg(short, version string, onRequest bool) error {
	dir := filepath.Join(b.cellar(short), version)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return err
	}
	script := fmt.Sprintf("#!/bin/sh\necho '%s %s'\n", short, version)
	if err := os.WriteFile(filepath.Join(dir, "bin", short), []byte(script), 0o755); err != nil {
		return err
	}
	receipt, _ := json.Marshal(map[string]any{
		"homebrew_version": strings.TrimPrefix(Version, "Homebrew "), "installed_as_dependency": !onRequest,
		"installed_on_request": onRequest, "poured_from_bottle": true, "time": time.Now().Unix(),
	})
	return os.WriteFile(filepath.Join(dir, "INSTALL_RECEIPT.json"), receipt, 0o644)
}

// doLink links a keg's version into opt/, bin/ and var/homebrew/linked/.
func (b *brew) doLink(short, version string) error {
	for _, d := range []string{"opt", "bin", "var/homebrew/linked"} {
		if err := os.MkdirAll(filepath.Join(b.prefix, d), 0o755); err != nil {
			return err
		}
	}
	b.doUnlink(short)
	os.Remove(filepath.Join(b.prefix, "opt", short))
	keg := filepath.Join(b.cellar(short), version)
	for link, target := range map[string]string{
		filepath.Join(b.prefix, "opt", short):                 keg,
		filepath.Join(b.prefix, "var/homebrew/linked", short): keg,
		filepath.Join(b.prefix, "bin", short):                 filepath.Join(keg, "bin", short),
	} {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}

func (b *brew) doUnlink(short string) {
	os.Remove(filepath.Join(b.prefix, "var/homebrew/linked", short))
	os.Remove(filepath.Join(b.prefix, "bin", short))
}

func (b *brew) install(args []string, reinstall bool) int {
	flags, names := split(args)
	if len(names) == 0 {
		b.stderr.WriteString("Error: Invalid usage: This command requires at least 1 formula or cask argument.\n")
		return 1
	}
	if flags["--cask"] {
		return b.installCasks(names, reinstall || flags["--force"])
	}
	code := 0
	for _, n := range names {
		full, short, spec, ok := b.resolve(n)
		if !ok {
			if _, isCask := b.cat.Casks[n]; isCask {
				if c := b.installCasks([]string{n}, reinstall); c != 0 {
					code = c
				}
				continue
			}
			fmt.Fprintf(b.stderr, "Error: No available formula with the name \"%s\".\n", n)
			code = 1
			continue
		}
		version := spec.Version
		if flags["--HEAD"] {
			if !spec.Head {
				fmt.Fprintf(b.stderr, "Error: No head is defined for %s\n", full)
				code = 1
				continue
			}
			version = "HEAD"
		}
		vs := b.installedVersions(short)
		if len(vs) > 0 && !reinstall && !flags["--force"] {
			cur := vs[len(vs)-1]
			if cur == version {
				fmt.Fprintf(b.stderr, "Warning: %s %s is already installed and up-to-date.\nTo reinstall %s, run:\n  brew reinstall %s\n", short, cur, cur, short)
			} else {
				fmt.Fprintf(b.stderr, "Warning: %s %s is already installed\nTo upgrade to %s, run:\n  brew upgrade %s\n", short, cur, version, short)
			}
			continue
		}
		for _, d := range spec.Deps {
			_, dshort, dspec, ok := b.resolve(d)
			if !ok {
				fmt.Fprintf(b.stderr, "Error: No available formula with the name \"%s\" (dependency of %s).\n", d, full)
				return 1
			}
			if len(b.installedVersions(dshort)) == 0 {
				fmt.Fprintf(b.stdout, "==> Installing dependencies for %s: %s\n==> Pouring %s--%s.bottle.tar.gz\n", full, dshort, dshort, dspec.Version)
				if err := b.writeKeg(dshort, dspec.Version, false); err != nil {
					fmt.Fprintf(b.stderr, "Error: %v\n", err)
					return 1
				}
				if err := b.doLink(dshort, dspec.Version); err != nil {
					fmt.Fprintf(b.stderr, "Error: %v\n", err)
					return 1
				}
			}
		}
		if reinstall {
			os.RemoveAll(b.cellar(short))
		}
		fmt.Fprintf(b.stdout, "==> Fetching %s\n==> Pouring %s--%s.bottle.tar.gz\n", full, short, version)
		if err := b.writeKeg(short, version, true); err != nil {
			fmt.Fprintf(b.stderr, "Error: %v\n", err)
			return 1
		}
		if err := b.doLink(short, version); err != nil {
			fmt.Fprintf(b.stderr, "Error: %v\n", err)
			return 1
		}
		fmt.Fprintf(b.stdout, "🍺  %s/%s: 2 files, 8KB\n", b.cellar(short), version)
	}
	return code
}

func (b *brew) installCasks(names []string, force bool) int {
	code := 0
	for _, n := range names {
		spec, ok := b.cat.Casks[n]
		if !ok {
			fmt.Fprintf(b.stderr, "Error: Cask '%s' is unavailable: No Cask with this name exists.\n", n)
			code = 1
			continue
		}
		if v := b.caskVersion(n); v != "" && !force {
			fmt.Fprintf(b.stderr, "Warning: Not upgrading %s, the latest version is already installed\n", n)
			continue
		}
		os.RemoveAll(filepath.Join(b.prefix, "Caskroom", n))
		if err := os.MkdirAll(filepath.Join(b.prefix, "Caskroom", n, spec.Version), 0o755); err != nil {
			fmt.Fprintf(b.stderr, "Error: %v\n", err)
			return 1
		}
		fmt.Fprintf(b.stdout, "==> Installing Cask %s\n🍺  %s was successfully installed!\n", n, n)
	}
	return code
}

func (b *brew) upgrade(args []string) int {
	flags, names := split(args)
	if flags["--cask"] {
		if len(names) == 0 {
			names = b.installedCasks()
		}
		code := 0
		for _, n := range names {
			v := b.caskVersion(n)
			if v == "" {
				fmt.Fprintf(b.stderr, "Error: Cask '%s' is not installed.\n", n)
				code = 1
				continue
			}
			if spec := b.cat.Casks[n]; spec.Version != v {
				os.RemoveAll(filepath.Join(b.prefix, "Caskroom", n))
				os.MkdirAll(filepath.Join(b.prefix, "Caskroom", n, spec.Version), 0o755)
				fmt.Fprintf(b.stdout, "==> Upgrading %s\n%s %s -> %s\n", n, n, v, spec.Version)
			}
		}
		return code
	}
	all := len(names) == 0
	if all {
		names = b.installedFormulae()
	}
	code := 0
	var todo [][3]string
	for _, n := range names {
		_, short, spec, ok := b.resolve(n)
		if !ok {
			if all {
				continue
			}
			fmt.Fprintf(b.stderr, "Error: No available formula with the name \"%s\".\n", n)
			code = 1
			continue
		}
		vs := b.installedVersions(short)
		if len(vs) == 0 {
			fmt.Fprintf(b.stderr, "Error: %s not installed\n", short)
			code = 1
			continue
		}
		cur := vs[len(vs)-1]
		if cur == spec.Version || cur == "HEAD" {
			if !all {
				fmt.Fprintf(b.stderr, "Warning: %s %s already installed\n", short, cur)
			}
			continue
		}
		todo = append(todo, [3]string{short, cur, spec.Version})
	}
	if len(todo) > 0 {
		fmt.Fprintf(b.stdout, "==> Upgrading %d outdated package", len(todo))
		if len(todo) > 1 {
			b.stdout.WriteString("s")
		}
		b.stdout.WriteString(":\n")
		for _, u := range todo {
			fmt.Fprintf(b.stdout, "%s %s -> %s\n", u[0], u[1], u[2])
		}
	}
	for _, u := range todo {
		os.RemoveAll(b.cellar(u[0]))
		if err := b.writeKeg(u[0], u[2], true); err != nil {
			fmt.Fprintf(b.stderr, "Error: %v\n", err)
			return 1
		}
		if err := b.doLink(u[0], u[2]); err != nil {
			fmt.Fprintf(b.stderr, "Error: %v\n", err)
			return 1
		}
		fmt.Fprintf(b.stdout, "==> Pouring %s--%s.bottle.tar.gz\n", u[0], u[2])
	}
	return code
}

func (b *brew) uninstall(args []string) int {
	flags, names := split(args)
	if len(names) == 0 {
		b.stderr.WriteString("Error: Invalid usage: This command requires at least 1 installed formula or cask argument.\n")
		return 1
	}
	code := 0
	for _, n := range names {
		short := n[strings.LastIndex(n, "/")+1:]
		if flags["--cask"] || (len(b.installedVersions(short)) == 0 && b.caskVersion(n) != "") {
			v := b.caskVersion(n)
			if v == "" {
				fmt.Fprintf(b.stderr, "Error: Cask '%s' is not installed.\n", n)
				code = 1
				continue
			}
			os.RemoveAll(filepath.Join(b.prefix, "Caskroom", n))
			fmt.Fprintf(b.stdout, "==> Uninstalling Cask %s\n==> Purging files for version %s of Cask %s\n", n, v, n)
			continue
		}
		if _, s, _, ok := b.resolve(n); ok {
			short = s
		}
		vs := b.installedVersions(short)
		if len(vs) == 0 {
			fmt.Fprintf(b.stderr, "Error: No such keg: %s\n", b.cellar(short))
			code = 1
			continue
		}
		b.doUnlink(short)
		os.Remove(filepath.Join(b.prefix, "opt", short))
		os.RemoveAll(b.cellar(short))
		fmt.Fprintf(b.stdout, "Uninstalling %s/%s... (2 files, 8KB)\n", b.cellar(short), vs[len(vs)-1])
	}
	return code
}

func (b *brew) outdated(args []string) int {
	flags, names := split(args)
	type entry struct {
		Name              string   `json:"name"`
		InstalledVersions []string `json:"installed_versions"`
		CurrentVersion    string   `json:"current_version"`
		Pinned            bool     `json:"pinned"`
		PinnedVersion     *string  `json:"pinned_version"`
	}
	formulae, casks := []entry{}, []entry{}
	wantCasks := flags["--cask"] || !flags["--formula"]
	wantFormulae := !flags["--cask"]
	if wantFormulae {
		list := names
		if len(list) == 0 {
			list = b.installedFormulae()
		}
		for _, n := range list {
			_, short, spec, ok := b.resolve(n)
			if !ok {
				continue
			}
			vs := b.installedVersions(short)
			if len(vs) > 0 && vs[len(vs)-1] != spec.Version && vs[len(vs)-1] != "HEAD" {
				formulae = append(formulae, entry{Name: short, InstalledVersions: vs, CurrentVersion: spec.Version})
			}
		}
	}
	if wantCasks {
		list := names
		if len(list) == 0 {
			list = b.installedCasks()
		}
		for _, n := range list {
			spec, ok := b.cat.Casks[n]
			v := b.caskVersion(n)
			if ok && v != "" && v != spec.Version {
				casks = append(casks, entry{Name: n, InstalledVersions: []string{v}, CurrentVersion: spec.Version})
			}
		}
	}
	if flags["--json=v2"] {
		out, _ := json.MarshalIndent(map[string]any{"formulae": formulae, "casks": casks}, "", "  ")
		b.stdout.Write(out)
		b.stdout.WriteString("\n")
	} else {
		for _, e := range append(formulae, casks...) {
			fmt.Fprintf(b.stdout, "%s\n", e.Name)
		}
	}
	if len(names) > 0 && len(formulae)+len(casks) > 0 {
		return 1
	}
	return 0
}

func (b *brew) update() int {
	stamp := filepath.Join(b.prefix, "Library/fakebrew/updated-revision")
	old, _ := os.ReadFile(stamp)
	if string(old) == b.cat.Revision {
		b.stdout.WriteString("Already up-to-date.\n")
		return 0
	}
	os.MkdirAll(filepath.Dir(stamp), 0o755)
	if err := os.WriteFile(stamp, []byte(b.cat.Revision), 0o644); err != nil {
		fmt.Fprintf(b.stderr, "Error: %v\n", err)
		return 1
	}
	fmt.Fprintf(b.stdout, "Updated 1 tap (homebrew/core).\n==> New Formulae\n")
	return 0
}

func (b *brew) taps() []string {
	var out []string
	users, _ := os.ReadDir(filepath.Join(b.prefix, "Library/Taps"))
	for _, u := range users {
		repos, _ := os.ReadDir(filepath.Join(b.prefix, "Library/Taps", u.Name()))
		for _, r := range repos {
			out = append(out, u.Name()+"/"+strings.TrimPrefix(r.Name(), "homebrew-"))
		}
	}
	sort.Strings(out)
	return out
}

func (b *brew) tap(args []string) int {
	_, names := split(args)
	if len(names) == 0 {
		for _, t := range b.taps() {
			fmt.Fprintf(b.stdout, "%s\n", t)
		}
		return 0
	}
	tap := strings.ToLower(names[0])
	user, repo, ok := strings.Cut(tap, "/")
	if !ok || repo == "" || strings.Contains(repo, "/") {
		fmt.Fprintf(b.stderr, "Error: Invalid tap name: '%s'\n", names[0])
		return 1
	}
	repo = strings.TrimPrefix(repo, "homebrew-")
	if b.tapped(tap) {
		return 0
	}
	if len(names) > 1 && strings.Contains(names[1], "nonexistent") {
		fmt.Fprintf(b.stderr, "==> Tapping %s/%s\nCloning into '%s'...\nfatal: repository '%s' not found\nError: Failure while executing; `git clone %s` exited with 128.\n",
			user, repo, filepath.Join(b.prefix, "Library/Taps", user, "homebrew-"+repo), names[1], names[1])
		return 1
	}
	if err := os.MkdirAll(filepath.Join(b.prefix, "Library/Taps", user, "homebrew-"+repo), 0o755); err != nil {
		fmt.Fprintf(b.stderr, "Error: %v\n", err)
		return 1
	}
	fmt.Fprintf(b.stderr, "==> Tapping %s/%s\n", user, repo)
	fmt.Fprintf(b.stdout, "Tapped 0 formulae (12 files, 8KB).\n")
	return 0
}

func (b *brew) untap(args []string) int {
	_, names := split(args)
	if len(names) == 0 {
		b.stderr.WriteString("Error: Invalid usage: This command requires at least 1 tap argument.\n")
		return 1
	}
	for _, n := range names {
		if !b.tapped(n) {
			fmt.Fprintf(b.stderr, "Error: No available tap %s.\n", strings.ToLower(n))
			return 1
		}
		user, repo, _ := strings.Cut(strings.ToLower(n), "/")
		os.RemoveAll(filepath.Join(b.prefix, "Library/Taps", user, "homebrew-"+strings.TrimPrefix(repo, "homebrew-")))
		fmt.Fprintf(b.stdout, "Untapping %s...\nUntapped 0 formulae (12 files, 8KB).\n", strings.ToLower(n))
	}
	return 0
}

func (b *brew) link(args []string, link bool) int {
	_, names := split(args)
	if len(names) == 0 {
		b.stderr.WriteString("Error: Invalid usage: This command requires at least 1 installed formula argument.\n")
		return 1
	}
	for _, n := range names {
		short := n[strings.LastIndex(n, "/")+1:]
		if _, s, _, ok := b.resolve(n); ok {
			short = s
		}
		vs := b.installedVersions(short)
		if len(vs) == 0 {
			fmt.Fprintf(b.stderr, "Error: No such keg: %s\n", b.cellar(short))
			return 1
		}
		keg := filepath.Join(b.cellar(short), vs[len(vs)-1])
		if link {
			if b.linkedKeg(short) != "" {
				fmt.Fprintf(b.stderr, "Warning: Already linked: %s\nTo relink, run:\n  brew unlink %s && brew link %s\n", keg, short, short)
				continue
			}
			if err := b.doLink(short, vs[len(vs)-1]); err != nil {
				fmt.Fprintf(b.stderr, "Error: %v\n", err)
				return 1
			}
			fmt.Fprintf(b.stdout, "Linking %s... 1 symlinks created.\n", keg)
		} else {
			removed := 0
			if b.linkedKeg(short) != "" {
				removed = 1
			}
			b.doUnlink(short)
			fmt.Fprintf(b.stdout, "Unlinking %s... %d symlinks removed.\n", keg, removed)
		}
	}
	return 0
}
