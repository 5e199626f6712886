package modules

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ome/omeprov/connection"
)

// The apt_repository module (ansible.builtin.apt_repository, ansible-core
// 2.14): it reads every sources file on the host in one command, adds or
// removes the line in memory as the Python module's SourcesList does, and
// writes back only the files whose content changes.

func init() {
	Register("apt_repository", aptRepoSpec, pkgWithLines(runAptRepository))
}

var aptRepoSpec = Spec{
	Params: map[string]Param{
		"repo":                         {Type: "str", Required: true},
		"state":                        {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
		"mode":                         {Type: "raw"},
		"update_cache":                 {Type: "bool", Default: true, Aliases: []string{"update-cache"}},
		"update_cache_retries":         {Type: "int", Default: 5},
		"update_cache_retry_max_delay": {Type: "int", Default: 12},
		"filename":                     {Type: "str"},
		"install_python_apt":           {Type: "bool", Default: true},
		"validate_certs":               {Type: "bool", Default: true},
		"codename":                     {Type: "str"},
	},
	CheckMode: true,
}

// aptLaunchpadInfo fetches a PPA's description from Launchpad's API. It is
// a variable so that tests can answer without the network.
var aptLaunchpadInfo = func(ctx context.Context, owner, name string) (map[string]any, error) {
	url := fmt.Sprintf("https://launchpad.net/api/1.0/~%s/+archive/%s", owner, name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP Error %d: %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var info map[string]any
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return info, json.Unmarshal(b, &info)
}

// aptSourceLine is one line of a sources file.
type aptSourceLine struct {
	Valid, Enabled  bool
	Source, Comment string
}

// aptSources is SourcesList: every sources file, by path.
type aptSources struct {
	Files       map[string][]aptSourceLine
	Order       []string // file paths in the order read
	DefaultFile string
	PartsDir    string
	New         map[string]bool // files a new source went into
}

var aptValidSourceTypes = map[string]bool{"deb": true, "deb-src": true}

// aptParseSourceLine is SourcesList._parse.
func aptParseSourceLine(line string) aptSourceLine {
	l := aptSourceLine{Enabled: true}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "#") {
		l.Enabled = false
		line = line[1:]
	}
	if i := strings.IndexByte(line, '#'); i > 0 {
		l.Comment = strings.TrimSpace(line[i+1:])
		line = line[:i]
	}
	l.Source = strings.TrimSpace(line)
	if l.Source != "" {
		chunks := strings.Fields(l.Source)
		if aptValidSourceTypes[chunks[0]] {
			l.Valid = true
			l.Source = strings.Join(chunks, " ")
		}
	}
	return l
}

// load adds a file's content.
func (s *aptSources) load(file, content string) {
	var lines []aptSourceLine
	// Python iterates the file's lines: a last line without newline counts.
	for _, l := range strings.SplitAfter(content, "\n") {
		if l == "" {
			continue
		}
		lines = append(lines, aptParseSourceLine(l))
	}
	if _, ok := s.Files[file]; !ok {
		s.Order = append(s.Order, file)
	}
	s.Files[file] = lines
}

func (l aptSourceLine) String() string {
	var b strings.Builder
	if !l.Enabled {
		b.WriteString("# ")
	}
	b.WriteString(l.Source)
	if l.Comment != "" {
		b.WriteString(" # " + l.Comment)
	}
	b.WriteString("\n")
	return b.String()
}

// dump is SourcesList.dump: the content of every non-empty file.
func (s *aptSources) dump() map[string]string {
	out := map[string]string{}
	for f, lines := range s.Files {
		if len(lines) == 0 {
			continue
		}
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l.String())
		}
		out[f] = b.String()
	}
	return out
}

func (s *aptSources) expandPath(filename string) string {
	if strings.Contains(filename, "/") {
		return filename
	}
	return path.Clean(path.Join(s.PartsDir, filename))
}

var (
	aptOptionsRe  = regexp.MustCompile(`\[[^\]]+\]`)
	aptProtocolRe = regexp.MustCompile(`\w+://`)
	aptNonAlnumRe = regexp.MustCompile(`[^a-zA-Z0-9]`)
)

// aptSuggestFilename is SourcesList._suggest_filename: the .list file
// name Ansible picks for a line (or filename when given).
func aptSuggestFilename(line, filename string) string {
	if filename != "" {
		return filename + ".list"
	}
	line = aptOptionsRe.ReplaceAllString(line, "")
	line = aptProtocolRe.ReplaceAllString(line, "")
	var parts []string
	for _, p := range strings.Fields(line) {
		if !aptValidSourceTypes[p] {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ".list"
	}
	first := parts[0]
	if i := strings.IndexByte(first, '@'); i >= 0 {
		first = first[i+1:]
	}
	return strings.Join(strings.Fields(aptNonAlnumRe.ReplaceAllString(first, " ")), "_") + ".list"
}

// aptExpandPPA is _expand_ppa: the deb line of a ppa: repo.
func aptExpandPPA(repo, codename string) (line, owner, name string) {
	ppa := repo
	if i := strings.IndexByte(ppa, ':'); i >= 0 {
		ppa = ppa[i+1:]
	}
	if j := strings.IndexByte(ppa, ':'); j >= 0 {
		ppa = ppa[:j]
	}
	owner, name, ok := strings.Cut(ppa, "/")
	if !ok {
		name = "ppa"
	} else if k := strings.IndexByte(name, '/'); k >= 0 {
		name = name[:k]
	}
	return fmt.Sprintf("deb http://ppa.launchpad.net/%s/%s/ubuntu %s main", owner, name, codename), owner, name
}

// reposURLs is UbuntuSourcesList.repos_urls: the enabled sources.
func (s *aptSources) reposURLs(codename string) map[string]bool {
	out := map[string]bool{}
	for _, lines := range s.Files {
		for _, l := range lines {
			if !l.Valid || !l.Enabled {
				continue
			}
			if strings.HasPrefix(l.Source, "ppa:") {
				src, _, _ := aptExpandPPA(l.Source, codename)
				out[src] = true
			} else {
				out[l.Source] = true
			}
		}
	}
	return out
}

// addValidSource is _add_valid_source: enable every line with the same
// source, or append it to file.
func (s *aptSources) addValidSource(source, comment, file string) {
	found := false
	for _, f := range s.Order {
		for i, l := range s.Files[f] {
			if l.Valid && l.Source == source {
				s.Files[f][i].Enabled = true
				found = true
			}
		}
	}
	if found {
		return
	}
	if file == "" {
		file = s.DefaultFile
	} else {
		file = s.expandPath(file)
	}
	if _, ok := s.Files[file]; !ok {
		s.Order = append(s.Order, file)
	}
	s.Files[file] = append(s.Files[file], aptSourceLine{Valid: true, Enabled: true, Source: source, Comment: comment})
	s.New[file] = true
}

// removeValidSource removes every enabled line with source.
func (s *aptSources) removeValidSource(source string) {
	for _, f := range s.Order {
		var kept []aptSourceLine
		for _, l := range s.Files[f] {
			if l.Valid && l.Enabled && l.Source == source {
				continue
			}
			kept = append(kept, l)
		}
		s.Files[f] = kept
	}
}

// aptRepoReadCmd prints apt's source locations, the codename and every
// sources file, base64-encoded.
const aptRepoReadCmd = `command -v apt-get >/dev/null 2>&1 || { echo 'apt-get not found' >&2; exit 127; }; ` +
	`SL=/etc/apt/sources.list; SP=/etc/apt/sources.list.d/; ` +
	`eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d 2>/dev/null)"; ` +
	`codename=; if [ -r /etc/os-release ]; then codename=$(. /etc/os-release; echo "${VERSION_CODENAME:-${UBUNTU_CODENAME:-}}"); fi; ` +
	`if [ -z "$codename" ] && command -v lsb_release >/dev/null 2>&1; then codename=$(lsb_release -cs 2>/dev/null); fi; ` +
	`echo "default $SL"; echo "parts $SP"; echo "codename $codename"; ` +
	`for k in apt-key gpg; do command -v $k >/dev/null 2>&1 && echo "tool $k"; done; ` +
	`for f in "$SL" "$SP"*.list; do [ -f "$f" ] || continue; printf 'file %s %s\n' "$(base64 -w0 < "$f")" "$f"; done`

// aptRepoHost is what aptRepoReadCmd found.
type aptRepoHost struct {
	Sources  *aptSources
	Raw      map[string]string
	Codename string
	Tools    map[string]bool
}

func aptParseRepoHost(out string) (*aptRepoHost, error) {
	h := &aptRepoHost{
		Sources: &aptSources{Files: map[string][]aptSourceLine{}, New: map[string]bool{}},
		Raw:     map[string]string{},
		Tools:   map[string]bool{},
	}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "default":
			h.Sources.DefaultFile = v
		case "parts":
			h.Sources.PartsDir = strings.TrimSuffix(v, "/")
		case "codename":
			h.Codename = v
		case "tool":
			h.Tools[v] = true
		case "file":
			enc, name, ok := strings.Cut(v, " ")
			if !ok {
				return nil, fmt.Errorf("bad sources listing line %q", line)
			}
			b, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				return nil, fmt.Errorf("sources listing of %s: %w", name, err)
			}
			h.Raw[name] = string(b)
			h.Sources.load(name, string(b))
		}
	}
	if h.Sources.DefaultFile == "" || h.Sources.PartsDir == "" {
		return nil, fmt.Errorf("no sources locations in %q", out)
	}
	return h, nil
}

// aptRepoMode reads the mode parameter (an octal string or a number); 0
// when it is not set.
func aptRepoMode(v any) (os.FileMode, error) {
	switch m := v.(type) {
	case nil:
		return 0, nil
	case int:
		return os.FileMode(m) & os.ModePerm, nil
	case int64:
		return os.FileMode(m) & os.ModePerm, nil
	case float64:
		return os.FileMode(int(m)) & os.ModePerm, nil
	case string:
		n, err := strconv.ParseUint(strings.TrimPrefix(m, "0o"), 8, 32)
		if err != nil || n > 0o7777 {
			return 0, fmt.Errorf("mode must be in octal or symbolic form")
		}
		return os.FileMode(n), nil
	}
	return 0, fmt.Errorf("mode must be in octal or symbolic form")
}

func runAptRepository(ctx context.Context, t *Task) (Result, error) {
	a := t.Args
	repo := pkgArgStr(a, "repo")
	state := pkgArgStr(a, "state")
	if state == "" {
		state = "present"
	}
	if repo == "" {
		return Failf("Please set argument 'repo' to a non-empty value"), nil
	}
	mode, err := aptRepoMode(a["mode"])
	if err != nil {
		return Failf("%s", err), nil
	}
	r := &aptRunner{t: t}
	out, err := r.exec(ctx, aptRepoReadCmd)
	if err != nil {
		return nil, fmt.Errorf("apt_repository: %w", err)
	}
	if out.RC != 0 {
		return Failf("Module apt_repository is not supported on target: %s", strings.TrimSpace(out.Stderr)), nil
	}
	host, err := aptParseRepoHost(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("apt_repository: %w", err)
	}
	codename := pkgArgStr(a, "codename")
	if codename == "" {
		codename = host.Codename
	}
	src := host.Sources
	before := src.dump()
	filename := pkgArgStr(a, "filename")

	var keyCmd string // a command that adds a PPA's key
	if state == "present" {
		if strings.HasPrefix(repo, "ppa:") {
			line, owner, name := aptExpandPPA(repo, codename)
			if !src.reposURLs(codename)[line] {
				if !host.Tools["apt-key"] && !host.Tools["gpg"] {
					return Failf("Either apt-key or gpg binary is required, but neither could be found"), nil
				}
				info, err := aptLaunchpadInfo(ctx, owner, name)
				if err != nil {
					return Failf("failed to fetch PPA information, error was: %s", err), nil
				}
				fp, _ := info["signing_key_fingerprint"].(string)
				if !regexp.MustCompile(`^[0-9A-Fa-f]{8,40}$`).MatchString(fp) {
					return Failf("failed to fetch PPA information, error was: no signing_key_fingerprint"), nil
				}
				keyCmd, err = aptPPAKeyCommand(ctx, r, host, fp, line, owner, name)
				if err != nil {
					return nil, fmt.Errorf("apt_repository: %w", err)
				}
				file := filename
				if file != "" {
					file += ".list"
				} else {
					file = aptSuggestFilename(repo+"_"+codename, "")
				}
				src.addValidSource(line, "", file)
			}
		} else {
			l := aptParseSourceLine(repo)
			if !l.Valid || !l.Enabled {
				return Failf("Invalid repository string: %s", aptInvalidSourceText(repo)), nil
			}
			src.addValidSource(l.Source, "", aptSuggestFilename(l.Source, filename))
		}
	} else {
		source := ""
		if strings.HasPrefix(repo, "ppa:") {
			source, _, _ = aptExpandPPA(repo, codename)
		} else {
			l := aptParseSourceLine(repo)
			if !l.Valid || !l.Enabled {
				return Failf("Invalid repository string: %s", aptInvalidSourceText(repo)), nil
			}
			source = l.Source
		}
		src.removeValidSource(source)
	}
	after := src.dump()
	changed := !aptMapsEqual(before, after)

	res := Result{"changed": changed, "repo": repo, "state": state}
	if changed && t.Diff {
		var diffs []Diff
		names := map[string]bool{}
		for f := range before {
			names[f] = true
		}
		for f := range after {
			names[f] = true
		}
		var sorted []string
		for f := range names {
			sorted = append(sorted, f)
		}
		sort.Strings(sorted)
		for _, f := range sorted {
			d := Diff{Before: before[f], After: after[f], BeforeHeader: f, AfterHeader: f}
			if _, ok := before[f]; !ok {
				d.BeforeHeader = "/dev/null"
			}
			if _, ok := after[f]; !ok {
				d.AfterHeader = "/dev/null"
			}
			diffs = append(diffs, d)
		}
		res["diff"] = diffs
	}
	if !changed || t.Check {
		return res, nil
	}

	if keyCmd != "" {
		ko, err := r.exec(ctx, keyCmd)
		if err != nil {
			return nil, fmt.Errorf("apt_repository: %w", err)
		}
		if ko.RC != 0 {
			return Result{"failed": true, "msg": fmt.Sprintf("Unable to add the PPA's signing key: %s", strings.TrimSpace(ko.Stderr)), "rc": ko.RC, "stdout": ko.Stdout, "stderr": ko.Stderr}, nil
		}
	}
	if fail := aptRepoSave(ctx, t, host, host.Raw, after, mode); fail != nil {
		return fail, nil
	}
	if pkgArgBool(a, "update_cache") || a["update_cache"] == nil {
		r.deadline = time.Now().Add(60 * time.Second)
		if fail, err := r.updateCache(ctx); err != nil || fail != nil {
			// Put the sources back as they were.
			written := map[string]string{}
			for f, c := range host.Raw {
				written[f] = c
			}
			for f, c := range after {
				written[f] = c
			}
			aptRepoSave(context.WithoutCancel(ctx), t, host, written, before, mode)
			if err != nil {
				if le, ok := err.(*aptLockError); ok {
					return Failf("%s", le.Error()), nil
				}
				return nil, fmt.Errorf("apt_repository: %w", err)
			}
			msg := strings.TrimPrefix(fail["msg"].(string), "Failed to update apt cache: ")
			return Failf("Failed to update apt cache: %s", msg), nil
		}
	}
	return res, nil
}

// aptInvalidSourceText is the text InvalidSource carries: the line without
// a leading '#'.
func aptInvalidSourceText(repo string) string {
	l := strings.TrimPrefix(strings.TrimSpace(repo), "#")
	if i := strings.IndexByte(l, '#'); i > 0 {
		l = l[:i]
	}
	return l
}

func aptMapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// aptRepoSave writes want to the host, where the files now hold have:
// files whose content differs are written, files no longer wanted are
// removed. It returns a failed result on error.
func aptRepoSave(ctx context.Context, t *Task, host *aptRepoHost, have, want map[string]string, mode os.FileMode) Result {
	var names []string
	for f := range want {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		content := want[f]
		old, existed := have[f]
		if existed && old == content {
			continue
		}
		dir := path.Dir(f)
		out, err := t.Conn.Exec(ctx, "mkdir -p "+connection.Quote(dir), &connection.ExecOptions{Become: t.Become})
		if err != nil {
			return Failf("Failed to create directory %s: %s", dir, err)
		}
		if out.ExitCode != 0 {
			return Failf("Failed to create directory %s: %s", dir, strings.TrimSpace(string(out.Stderr)))
		}
		// A new file gets mode (0644 by default); an existing one keeps
		// its mode unless mode was given and the new source went into it.
		var fm os.FileMode
		if !existed {
			fm = 0o644
		}
		if mode != 0 && host.Sources.New[f] {
			fm = mode
		}
		if err := t.Conn.PutFile(ctx, f, strings.NewReader(content), &connection.FileOptions{Become: t.Become, Mode: fm}); err != nil {
			return Failf("%s", err)
		}
	}
	for f := range have {
		if _, ok := want[f]; ok {
			continue
		}
		out, err := t.Conn.Exec(ctx, "rm -f "+connection.Quote(f), &connection.ExecOptions{Become: t.Become})
		if err != nil {
			return Failf("%s", err)
		}
		if out.ExitCode != 0 {
			return Failf("%s", strings.TrimSpace(string(out.Stderr)))
		}
	}
	return nil
}

// aptPPAKeyCommand checks whether the PPA's key is known to apt and, when
// not, returns the command that fetches it from the Ubuntu keyserver.
func aptPPAKeyCommand(ctx context.Context, r *aptRunner, host *aptRepoHost, fp, line, owner, name string) (string, error) {
	q := connection.Quote(fp)
	if host.Tools["apt-key"] {
		out, err := r.exec(ctx, "apt-key export "+q)
		if err != nil {
			return "", err
		}
		if out.Stderr == "" {
			return "", nil
		}
		return "apt-key adv --recv-keys --no-tty --keyserver hkp://keyserver.ubuntu.com:80 " + q, nil
	}
	check := `for f in /etc/apt/trusted.gpg /etc/apt/keyrings/* /etc/apt/trusted.gpg.d/* /usr/share/keyrings/*; do ` +
		`[ -f "$f" ] && gpg --list-packets "$f" 2>/dev/null | grep -q -- ` + q + ` && exit 0; done; exit 1`
	out, err := r.exec(ctx, check)
	if err != nil {
		return "", err
	}
	if out.RC == 0 {
		return "", nil
	}
	keyfile := fmt.Sprintf("%s-%s-%s.gpg", strings.ReplaceAll(path.Base(line), " ", "-"), owner, name)
	return `set -e; d=; for k in /etc/apt/keyrings /etc/apt/trusted.gpg.d /usr/share/keyrings; do if [ -d "$k" ]; then d=$k; break; fi; done; ` +
		`[ -n "$d" ] || { echo 'Unable to find any existing apt gpgp repo directories' >&2; exit 1; }; ` +
		`h=$(mktemp -d); trap 'rm -rf "$h"' EXIT; ` +
		`gpg --homedir "$h" --no-tty --keyserver hkp://keyserver.ubuntu.com:80 --recv-keys ` + q + `; ` +
		`gpg --homedir "$h" --no-tty --export ` + q + ` > "$d"/` + connection.Quote(keyfile), nil
}
