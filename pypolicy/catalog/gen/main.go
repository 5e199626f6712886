// Command gen writes one release's Python catalog for omeprov's Python
// policy (see ../build.sh, which fetches its inputs):
//
//	gen -release debian-12 -source TEXT -fallback cpython3_fallback -packages Packages[,Packages...]
//	gen -release rocky-9 -source TEXT -primary primary.xml.gz[,primary.xml.gz...]
//
// Debian and Ubuntu: which Python distribution a python3-* package ships
// comes from dh-python's cpython3_fallback (Debian's own map of PyPI names
// to binary packages, generated from the archive), joined with the
// release's Packages files for the versions; entries whose package is not
// in the Packages files are dropped. RPM distributions: the
// python3dist(NAME) provides in the repositories' primary.xml. python3-*
// packages that ship no known distribution are listed with "-".
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/ome/omeprov/pypolicy"
)

func main() {
	release := flag.String("release", "", "release name (debian-12, ubuntu-22.04, rocky-9)")
	source := flag.String("source", "", "where the data came from and when (goes into the header)")
	fallback := flag.String("fallback", "", "dh-python's cpython3_fallback file")
	packages := flag.String("packages", "", "comma-separated Debian Packages files (uncompressed)")
	primary := flag.String("primary", "", "comma-separated RPM primary.xml(.gz) files")
	flag.Parse()
	if *release == "" || *source == "" || (*packages == "") == (*primary == "") {
		fmt.Fprintln(os.Stderr, "gen: need -release, -source and one of -packages (with -fallback) or -primary")
		os.Exit(2)
	}
	var rows []row
	var err error
	if *packages != "" {
		rows, err = debRows(*fallback, strings.Split(*packages, ","))
	} else {
		rows, err = rpmRows(strings.Split(*primary, ","))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "# omeprov Python catalog: %s\n", *release)
	for _, l := range strings.Split(*source, "\n") {
		fmt.Fprintf(w, "# %s\n", l)
	}
	fmt.Fprintf(w, "# columns: distribution (PEP 503 name, - for none known) TAB package TAB version\n")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.dist, r.pkg, r.version)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type row struct{ dist, pkg, version string }

func sortRows(rows []row) []row {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].dist != rows[j].dist {
			return rows[i].dist < rows[j].dist
		}
		return rows[i].pkg < rows[j].pkg
	})
	out := rows[:0]
	for i, r := range rows {
		if i > 0 && r == rows[i-1] {
			continue
		}
		out = append(out, r)
	}
	return out
}

func open(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(name, ".gz") {
		return f, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

// debRows joins the fallback map with the Packages files.
func debRows(fallback string, files []string) ([]row, error) {
	versions := map[string]string{}
	for _, f := range files {
		r, err := open(f)
		if err != nil {
			return nil, err
		}
		err = readStanzas(r, func(st map[string]string) {
			p, v := st["Package"], st["Version"]
			if p == "" || v == "" {
				return
			}
			if old, ok := versions[p]; !ok || pypolicy.CompareDebianVersions(v, old) > 0 {
				versions[p] = v
			}
		})
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("no packages in %v", files)
	}
	var rows []row
	mapped := map[string]bool{}
	if fallback != "" {
		b, err := os.ReadFile(fallback)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			v, ok := versions[f[1]]
			if !ok || !strings.HasPrefix(f[1], "python3-") {
				continue // not in this release, or not a python3 module package
			}
			rows = append(rows, row{pypolicy.Normalize(f[0]), f[1], v})
			mapped[f[1]] = true
		}
	}
	for p, v := range versions {
		if strings.HasPrefix(p, "python3-") && !mapped[p] && !strings.HasSuffix(p, "-dbg") && !strings.HasSuffix(p, "-doc") {
			rows = append(rows, row{"-", p, v})
		}
	}
	return sortRows(rows), nil
}

func readStanzas(r io.Reader, fn func(map[string]string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	st := map[string]string{}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(st) > 0 {
				fn(st)
			}
			st = map[string]string{}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			st[k] = strings.TrimSpace(v)
		}
	}
	if len(st) > 0 {
		fn(st)
	}
	return sc.Err()
}

var distProvideRe = regexp.MustCompile(`^python3(?:\.\d+)?dist\(([^)]+)\)$`)

type rpmPackage struct {
	Name    string `xml:"name"`
	Arch    string `xml:"arch"`
	Version struct {
		Epoch string `xml:"epoch,attr"`
		Ver   string `xml:"ver,attr"`
		Rel   string `xml:"rel,attr"`
	} `xml:"version"`
	Provides []struct {
		Name string `xml:"name,attr"`
	} `xml:"format>provides>entry"`
}

// rpmRows reads python3dist provides from primary.xml files.
func rpmRows(files []string) ([]row, error) {
	var rows []row
	for _, f := range files {
		r, err := open(f)
		if err != nil {
			return nil, err
		}
		dec := xml.NewDecoder(r)
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			se, ok := tok.(xml.StartElement)
			if !ok || se.Name.Local != "package" {
				continue
			}
			var p rpmPackage
			if err := dec.DecodeElement(&p, &se); err != nil {
				r.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if p.Arch == "src" {
				continue
			}
			evr := p.Version.Ver + "-" + p.Version.Rel
			if p.Version.Epoch != "" && p.Version.Epoch != "0" {
				evr = p.Version.Epoch + ":" + evr
			}
			found := false
			for _, pr := range p.Provides {
				if m := distProvideRe.FindStringSubmatch(pr.Name); m != nil {
					rows = append(rows, row{pypolicy.Normalize(m[1]), p.Name, evr})
					found = true
				}
			}
			if !found && strings.HasPrefix(p.Name, "python3-") {
				rows = append(rows, row{"-", p.Name, evr})
			}
		}
		r.Close()
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no python3 packages in %v", files)
	}
	return sortRows(rows), nil
}
