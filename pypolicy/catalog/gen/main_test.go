package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ome/omeprov/internal/rpmhost"
)

func TestDebRows(t *testing.T) {
	dir := t.TempDir()
	pk := filepath.Join(dir, "Packages")
	require.NoError(t, os.WriteFile(pk, []byte("Package: python3-yaml\nVersion: 6.0-3\nDescription: x\n continued\n\n"+
		"Package: python3-yaml\nVersion: 6.0-3+b2\n\nPackage: python3-venv\nVersion: 3.11.2-1+b1\n\n"+
		"Package: python3-yaml-dbg\nVersion: 6.0-3\n\nPackage: curl\nVersion: 7.88\n"), 0o644))
	fb := filepath.Join(dir, "fallback")
	require.NoError(t, os.WriteFile(fb, []byte("PyYAML python3-yaml\nzope.interface python3-zope.interface\nargparse python3 (>= 3.2)\n"), 0o644))
	rows, err := debRows(fb, []string{pk})
	require.NoError(t, err)
	// the highest version; fallback entries not in the lists dropped
	require.Equal(t, []row{{"-", "python3-venv", "3.11.2-1+b1"}, {"pyyaml", "python3-yaml", "6.0-3+b2"}}, rows)
	_, err = debRows(fb, []string{filepath.Join(dir, "nosuch")})
	require.Error(t, err)
}

// TestRPMRows reads primary.xml.gz as createrepo_c writes it.
func TestRPMRows(t *testing.T) {
	rpmhost.Need(t)
	dir := t.TempDir()
	rpms, err := rpmhost.Build(filepath.Join(dir, "build"),
		rpmhost.Package{Name: "python3-Zope-Interface", Version: "5.4.0", Release: "5.el9", Epoch: 1,
			Provides: []string{"python3dist(zope-interface) = 5.4", "python3.9dist(zope.interface) = 5.4"}},
		rpmhost.Package{Name: "python3-libs-thing", Version: "1.0"},
		rpmhost.Package{Name: "curl", Version: "7.76"})
	require.NoError(t, err)
	repo := filepath.Join(dir, "repo")
	require.NoError(t, rpmhost.MakeRepo(repo, rpms))
	prim, err := filepath.Glob(filepath.Join(repo, "repodata", "*-primary.xml.gz"))
	require.NoError(t, err)
	require.Len(t, prim, 1)
	rows, err := rpmRows(prim)
	require.NoError(t, err)
	require.Equal(t, []row{{"-", "python3-libs-thing", "1.0-1"}, {"zope-interface", "python3-Zope-Interface", "1:5.4.0-5.el9"}}, rows)
}
