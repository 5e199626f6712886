package rpmhost

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuildAndRepo(t *testing.T) {
	Need(t)
	dir := t.TempDir()
	rpms, err := Build(dir,
		Package{Name: "omeone", Version: "1.2", Epoch: 3, Requires: []string{"omeother >= 1"}, Provides: []string{"python3dist(omeone) = 1.2"}},
		Package{Name: "omeother", Version: "1.0", Release: "2.el9", Files: map[string]string{"/etc/omeother.conf": "a = 'quoted' $HOME\n"}},
	)
	require.NoError(t, err)
	require.Len(t, rpms, 2)
	require.Equal(t, "omeother-1.0-2.el9.noarch.rpm", filepath.Base(rpms[1]))

	q := func(args ...string) string {
		out, err := exec.Command("rpm", append([]string{"-qp", "--nosignature"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	require.Equal(t, "omeone-3:1.2-1.noarch", q("--qf", "%{NAME}-%{EPOCH}:%{VERSION}-%{RELEASE}.%{ARCH}", rpms[0]))
	require.Contains(t, q("--provides", rpms[0]), "python3dist(omeone) = 1.2")
	require.Contains(t, q("--requires", rpms[0]), "omeother >= 1")
	require.Equal(t, "/usr/share/omeone/version", q("-l", rpms[0]))
	require.Equal(t, "/etc/omeother.conf", q("-l", rpms[1]))

	repo := filepath.Join(dir, "repo")
	require.NoError(t, MakeRepo(repo, rpms))
	_, err = os.Stat(filepath.Join(repo, "repodata", "repomd.xml"))
	require.NoError(t, err)

	// a bad package fails with rpmbuild's message
	_, err = Build(dir, Package{Name: "bad name", Version: "1"})
	require.Error(t, err)
	require.Error(t, MakeRepo(repo, []string{filepath.Join(dir, "missing.rpm")}))
}

func TestSpecQuotesContent(t *testing.T) {
	s := Package{Name: "x", Version: "1", Files: map[string]string{"/a": "OMEPROV\n"}}.spec()
	require.Contains(t, s, "cat > %{buildroot}/a <<'OMEPROV_EOF'\nOMEPROV\nOMEPROV_EOF\n")
	require.Contains(t, s, "BuildArch: noarch\n")
}
