package inventory

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	patternWithSubscriptRe = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)
	patternWordRe          = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
)

// SplitPattern splits a host pattern into its parts, as Ansible's
// split_host_pattern: on commas if there are any, else on colons that are
// not part of an IPv6 address or a [x:y] range.
func SplitPattern(pattern string) []string {
	var parts []string
	if strings.Contains(pattern, ",") {
		parts = strings.Split(pattern, ",")
	} else if _, _, err := parseAddress(pattern, true); err == nil {
		parts = []string{pattern}
	} else {
		parts = patternWordRe.FindAllString(pattern, -1)
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// orderPatterns puts plain patterns first, then &intersections, then
// !exclusions; with no plain pattern it starts from all.
func orderPatterns(patterns []string) []string {
	var regular, inter, excl []string
	for _, p := range patterns {
		switch {
		case p == "":
		case p[0] == '!':
			excl = append(excl, p)
		case p[0] == '&':
			inter = append(inter, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	return append(append(regular, inter...), excl...)
}

// matcher evaluates patterns and collects warnings.
type matcher struct {
	inv      *Inventory
	warnings []string
}

// Match returns the names of the hosts a pattern selects, in Ansible's
// order, and warnings (e.g. "Could not match supplied host pattern,
// ignoring: x"). Used for both `hosts:` and --limit. The --limit given to
// Limit applies.
func (inv *Inventory) Match(pattern string) (hosts []string, warnings []string, err error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.match(pattern)
}

func (inv *Inventory) match(pattern string) (hosts []string, warnings []string, err error) {
	m := &matcher{inv: inv}
	hs, err := m.evaluate(SplitPattern(pattern))
	if err != nil {
		return nil, m.warnings, fmt.Errorf("inventory: %w", err)
	}
	if inv.subset != nil {
		sub, err := m.evaluate(inv.subset)
		if err != nil {
			return nil, m.warnings, fmt.Errorf("inventory: %w", err)
		}
		in := map[*host]bool{}
		for _, h := range sub {
			in[h] = true
		}
		kept := hs[:0]
		for _, h := range hs {
			if in[h] {
				kept = append(kept, h)
			}
		}
		hs = kept
	}
	seen := map[*host]bool{}
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			hosts = append(hosts, h.name)
		}
	}
	// Ansible caches each part's result, so a repeated part warns once.
	warnings = dedupe(m.warnings)
	for _, w := range warnings {
		inv.d.warn(w)
	}
	return hosts, warnings, nil
}

func dedupe(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Limit restricts every later Match to the hosts selected by a --limit
// pattern (or @file, a retry file of one pattern a line). An empty
// pattern removes the limit.
func (inv *Inventory) Limit(pattern string) (warnings []string, err error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if pattern == "" {
		inv.subset = nil
		return nil, nil
	}
	var results []string
	for _, x := range SplitPattern(pattern) {
		if x[0] != '@' {
			results = append(results, x)
			continue
		}
		file := x[1:]
		st, err := os.Stat(file)
		if err != nil {
			return nil, fmt.Errorf("inventory: Unable to find limit file %s", file)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("inventory: Limit starting with \"@\" must be a file, not a directory: %s", file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("inventory: limit file: %w", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			results = append(results, strings.TrimSpace(l))
		}
	}
	if results == nil {
		results = []string{}
	}
	m := &matcher{inv: inv}
	if _, err := m.evaluate(results); err != nil {
		return m.warnings, fmt.Errorf("inventory: %w", err)
	}
	inv.subset = results
	warnings = dedupe(m.warnings)
	for _, w := range warnings {
		inv.d.warn(w)
	}
	return warnings, nil
}

// evaluate is InventoryManager._evaluate_patterns.
func (m *matcher) evaluate(patterns []string) ([]*host, error) {
	var hosts []*host
	for _, p := range orderPatterns(patterns) {
		if h := m.inv.d.hosts[p]; h != nil {
			hosts = append(hosts, h)
			continue
		}
		that, err := m.matchOne(p)
		if err != nil {
			return nil, err
		}
		set := map[*host]bool{}
		for _, h := range that {
			set[h] = true
		}
		switch p[0] {
		case '!':
			kept := []*host{}
			for _, h := range hosts {
				if !set[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		case '&':
			kept := []*host{}
			for _, h := range hosts {
				if set[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		default:
			existing := map[string]bool{}
			for _, h := range hosts {
				existing[h.name] = true
			}
			for _, h := range that {
				if !existing[h.name] {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return hosts, nil
}

// matchOne is _match_one_pattern: one pattern without its & or !, with an
// optional [subscript].
func (m *matcher) matchOne(pattern string) ([]*host, error) {
	if pattern[0] == '&' || pattern[0] == '!' {
		pattern = pattern[1:]
	}
	if pattern == "" {
		// Python would fail on pattern[0]; treat it as matching nothing.
		return nil, fmt.Errorf("Invalid host list pattern: %s", pattern)
	}
	expr, start, end, hasSub := m.splitSubscript(pattern)
	hosts, err := m.enumerate(expr)
	if err != nil {
		return nil, err
	}
	if !hasSub || len(hosts) == 0 {
		return hosts, nil
	}
	n := len(hosts)
	if end == nil {
		i := start
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("No hosts matched the subscripted pattern '%s'", pattern)
		}
		return hosts[i : i+1], nil
	}
	e := *end
	if e == -1 {
		e = n - 1
	}
	// Python slicing hosts[start:e+1] clamps to the list.
	lo, hi := min(start, n), min(e+1, n)
	if hi < lo {
		return []*host{}, nil
	}
	return hosts[lo:hi], nil
}

func (m *matcher) splitSubscript(pattern string) (expr string, start int, end *int, ok bool) {
	if pattern[0] == '~' {
		return pattern, 0, nil, false
	}
	g := patternWithSubscriptRe.FindStringSubmatch(pattern)
	if g == nil {
		return pattern, 0, nil, false
	}
	if g[2] != "" {
		i, err := strconv.Atoi(g[2])
		if err != nil {
			return pattern, 0, nil, false
		}
		return g[1], i, nil, true
	}
	s, err := strconv.Atoi(g[3])
	if err != nil {
		return pattern, 0, nil, false
	}
	e := -1
	if g[5] != "" {
		if e, err = strconv.Atoi(g[5]); err != nil {
			return pattern, 0, nil, false
		}
	}
	if g[4] == "-" {
		m.warnings = append(m.warnings, "Use [x:y] inclusive subscripts instead of [x-y] which has been removed")
	}
	if e == 0 {
		// Python's "if end:" treats [x:0] as a single index x.
		return g[1], s, nil, true
	}
	return g[1], s, &e, true
}

// compilePattern is _match_list's pattern: ~regex (Python re, matched at
// the start) or a shell glob (fnmatch, the whole name).
func compilePattern(p string) (*regexp.Regexp, error) {
	var src string
	if p[0] == '~' {
		src = `^(?:` + p[1:] + `)`
	} else {
		src = `^(?s:` + globToRegexp(p) + `)$`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("Invalid host list pattern: %s", p)
	}
	return re, nil
}

// globToRegexp is Python's fnmatch.translate, without its anchors.
func globToRegexp(pat string) string {
	var b strings.Builder
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '*':
			for i+1 < len(rs) && rs[i+1] == '*' {
				i++
			}
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			stuff := string(rs[i+1 : j])
			i = j
			neg := strings.HasPrefix(stuff, "!")
			if neg {
				stuff = stuff[1:]
			}
			var cls strings.Builder
			for _, r := range stuff {
				if r == '\\' || r == ']' || r == '[' || r == '^' {
					cls.WriteRune('\\')
				}
				cls.WriteRune(r)
			}
			if neg {
				b.WriteString("[^" + cls.String() + "]")
			} else if cls.Len() == 0 {
				b.WriteString("[^\\x{0}-\\x{10FFFF}]") // never matches, as Python's (?!)
			} else {
				b.WriteString("[" + cls.String() + "]")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// enumerate is _enumerate_matches.
func (m *matcher) enumerate(pattern string) ([]*host, error) {
	re, err := compilePattern(pattern)
	if err != nil {
		return nil, err
	}
	var results []*host
	var matchingGroups []*group
	for _, g := range m.inv.d.groupOrder {
		if re.MatchString(g.name) {
			matchingGroups = append(matchingGroups, g)
		}
	}
	for _, g := range matchingGroups {
		results = append(results, g.allHosts()...)
	}
	if len(matchingGroups) == 0 || pattern[0] == '~' || strings.ContainsAny(pattern, ".?*[") {
		for _, h := range m.inv.d.hostOrder {
			if re.MatchString(h.name) {
				results = append(results, h)
			}
		}
	}
	if len(results) == 0 && isLocalhost(pattern) {
		if h := m.inv.lookupHost(pattern); h != nil {
			results = append(results, h)
		}
	}
	if len(results) == 0 && len(matchingGroups) == 0 && pattern != "all" {
		msg := "Could not match supplied host pattern, ignoring: " + pattern
		switch strings.ToLower(os.Getenv("ANSIBLE_HOST_PATTERN_MISMATCH")) {
		case "error":
			return nil, fmt.Errorf("%s", msg)
		case "ignore":
		default:
			m.warnings = append(m.warnings, msg)
		}
	}
	return results, nil
}
