package pypolicy

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed catalog/*.tsv
var catalogFS embed.FS

// Package is a distribution package that ships a Python module.
type Package struct {
	Name    string // binary package name (python3-requests)
	Version string // version as the distribution gives it
}

// Release is the catalog of one distribution release: which Python
// distributions its repositories package, and its python3 packages.
type Release struct {
	Name   string   // "debian-12", "ubuntu-22.04", "rocky-9"
	Header []string // the file's comment lines: source, date, coverage
	byDist map[string]Package
	byPkg  map[string]Package
}

// Empty reports whether the release has no data (its metadata could not
// be fetched when the catalog was built).
func (r *Release) Empty() bool { return len(r.byPkg) == 0 }

// Lookup returns the package that ships the Python distribution name
// (any spelling; it is normalized).
func (r *Release) Lookup(dist string) (Package, bool) {
	p, ok := r.byDist[Normalize(dist)]
	return p, ok
}

// HasPackage reports whether the release has a binary package of that name.
func (r *Release) HasPackage(name string) (Package, bool) {
	p, ok := r.byPkg[name]
	return p, ok
}

// Family is "debian" or "redhat": which package manager the release uses.
func (r *Release) Family() string {
	if strings.HasPrefix(r.Name, "rocky") || strings.HasPrefix(r.Name, "rhel") {
		return "redhat"
	}
	return "debian"
}

// ParseRelease reads one catalog file: "#" comment lines, then lines of
// distribution TAB package TAB version ("-" as distribution for a
// python3 package that ships none known).
func ParseRelease(name, text string) (*Release, error) {
	r := &Release{Name: name, byDist: map[string]Package{}, byPkg: map[string]Package{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			r.Header = append(r.Header, strings.TrimSpace(strings.TrimPrefix(line, "#")))
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("catalog %s:%d: want 3 tab-separated fields", name, n)
		}
		p := Package{Name: f[1], Version: f[2]}
		if f[0] != "-" {
			if _, dup := r.byDist[f[0]]; !dup {
				r.byDist[f[0]] = p
			}
		}
		r.byPkg[p.Name] = p
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	return r, nil
}

var (
	catalogOnce sync.Once
	catalog     map[string]*Release
	catalogErr  error
)

// Catalog returns the releases shipped in the binary, by name.
func Catalog() (map[string]*Release, error) {
	catalogOnce.Do(func() {
		catalog = map[string]*Release{}
		files, err := fs.Glob(catalogFS, "catalog/*.tsv")
		if err != nil {
			catalogErr = err
			return
		}
		for _, f := range files {
			b, err := catalogFS.ReadFile(f)
			if err != nil {
				catalogErr = err
				return
			}
			name := strings.TrimSuffix(path.Base(f), ".tsv")
			r, err := ParseRelease(name, string(b))
			if err != nil {
				catalogErr = err
				return
			}
			catalog[name] = r
		}
	})
	return catalog, catalogErr
}

// ReleaseNames lists the catalog's releases that have data, sorted.
func ReleaseNames() []string {
	c, _ := Catalog()
	var out []string
	for n, r := range c {
		if !r.Empty() {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// CompareDebianVersions compares two Debian version strings as dpkg
// does (epoch, upstream version, revision): <0, 0 or >0.
func CompareDebianVersions(a, b string) int {
	ea, ua, ra := splitDebVersion(a)
	eb, ub, rb := splitDebVersion(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := debVerCmp(ua, ub); c != 0 {
		return c
	}
	return debVerCmp(ra, rb)
}

func splitDebVersion(v string) (epoch int, upstream, revision string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		for _, c := range v[:i] {
			if c < '0' || c > '9' {
				break
			}
			epoch = epoch*10 + int(c-'0')
			if epoch > 1<<20 {
				break
			}
		}
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func debOrder(c byte, ok bool) int {
	switch {
	case !ok:
		return 0
	case c == '~':
		return -1
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	}
	return int(c) + 256
}

// debVerCmp is dpkg's verrevcmp.
func debVerCmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		diff := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac := debOrder(at(a, i))
			bc := debOrder(at(b, j))
			if ac != bc {
				return ac - bc
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if diff == 0 {
				diff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if diff != 0 {
			return diff
		}
	}
	return 0
}

func at(s string, i int) (byte, bool) {
	if i < len(s) {
		return s[i], true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
