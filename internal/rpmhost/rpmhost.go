// Package rpmhost builds small RPM packages and a dnf repository on this
// machine, and turns a test root (internal/testroot) into an EL 9-like
// host: Rocky Linux's /etc/os-release, an rpm database at /var/lib/rpm, a
// release package providing system-release(releasever) = 9, and a local
// repository at file:///srv/rpmrepo. It also runs the real
// ansible-playbook inside such a root, so that tests can compare
// omeprov's results with Ansible's on the same kind of host. It is for
// tests only.
package rpmhost

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ome/omeprov/internal/testroot"
)

// Package describes one small noarch RPM.
type Package struct {
	Name     string
	Version  string
	Release  string // "1" when empty
	Epoch    int
	Requires []string
	Provides []string
	// Files maps absolute paths to contents; a package without files
	// gets /usr/share/NAME/version.
	Files map[string]string
}

// FileName is the RPM's file name, as rpmbuild writes it.
func (p Package) FileName() string {
	return fmt.Sprintf("%s-%s-%s.noarch.rpm", p.Name, p.Version, p.release())
}

func (p Package) release() string {
	if p.Release == "" {
		return "1"
	}
	return p.Release
}

// Available reports why RPMs cannot be built here ("" when they can).
func Available() string {
	for _, tool := range []string{"rpmbuild", "createrepo_c", "rpm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "rpmhost needs " + tool + " (apt-get install rpm createrepo-c)"
		}
	}
	return ""
}

// Need skips t when RPMs cannot be built here, or fails it when CI is set.
func Need(t testing.TB) {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
}

func (p Package) spec() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name: %s\nVersion: %s\nRelease: %s\n", p.Name, p.Version, p.release())
	if p.Epoch != 0 {
		fmt.Fprintf(&b, "Epoch: %d\n", p.Epoch)
	}
	b.WriteString("Summary: omeprov test package\nLicense: MIT\nBuildArch: noarch\n")
	for _, r := range p.Requires {
		fmt.Fprintf(&b, "Requires: %s\n", r)
	}
	for _, r := range p.Provides {
		fmt.Fprintf(&b, "Provides: %s\n", r)
	}
	files := p.Files
	if files == nil {
		files = map[string]string{"/usr/share/" + p.Name + "/version": p.Version + "\n"}
	}
	paths := make([]string, 0, len(files))
	for f := range files {
		paths = append(paths, f)
	}
	sort.Strings(paths)
	b.WriteString("%description\nomeprov test package\n%install\n")
	for _, f := range paths {
		fmt.Fprintf(&b, "mkdir -p %%{buildroot}%s\n", filepath.Dir(f))
		fmt.Fprintf(&b, "cat > %%{buildroot}%s <<'OMEPROV_EOF'\n%sOMEPROV_EOF\n", f, files[f])
	}
	b.WriteString("%files\n")
	for _, f := range paths {
		b.WriteString(f + "\n")
	}
	return b.String()
}

// Build builds pkgs with rpmbuild and returns the paths of the RPMs, in
// dir/RPMS/noarch.
func Build(dir string, pkgs ...Package) ([]string, error) {
	var out []string
	for _, p := range pkgs {
		specDir := filepath.Join(dir, "SPECS")
		if err := os.MkdirAll(specDir, 0o755); err != nil {
			return nil, fmt.Errorf("rpmhost: %w", err)
		}
		spec := filepath.Join(specDir, fmt.Sprintf("%s-%s-%s.spec", p.Name, p.Version, p.release()))
		if err := os.WriteFile(spec, []byte(p.spec()), 0o644); err != nil {
			return nil, fmt.Errorf("rpmhost: %w", err)
		}
		cmd := exec.Command("rpmbuild", "-bb", "--quiet", "--define", "_topdir "+dir,
			"--define", "_build_id_links none", "--define", "_dbpath "+filepath.Join(dir, "rpmdb"), spec)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("rpmhost: rpmbuild %s: %v: %s", p.Name, err, b)
		}
		out = append(out, filepath.Join(dir, "RPMS", "noarch", p.FileName()))
	}
	return out, nil
}

// MakeRepo copies rpms into dir and indexes it with createrepo_c.
func MakeRepo(dir string, rpms []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rpmhost: %w", err)
	}
	for _, r := range rpms {
		b, err := os.ReadFile(r)
		if err != nil {
			return fmt.Errorf("rpmhost: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(r)), b, 0o644); err != nil {
			return fmt.Errorf("rpmhost: %w", err)
		}
	}
	if b, err := exec.Command("createrepo_c", "-q", "--update", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("rpmhost: createrepo_c: %v: %s", err, b)
	}
	return nil
}

// OSRelease is the /etc/os-release of the EL-like host.
const OSRelease = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
HOME_URL="https://rockylinux.org/"
`

// RepoFile is /etc/yum.repos.d/local.repo in the host.
const RepoFile = `[local]
name=omeprov test repository
baseurl=file:///srv/rpmrepo
enabled=1
gpgcheck=0
`

// Release is the release package installed in every host.
var Release = Package{Name: "rocky-release", Version: "9.3", Release: "1.el9",
	Provides: []string{"system-release = 9.3", "system-release(releasever) = 9"},
	Files:    map[string]string{"/etc/rocky-release": "Rocky Linux release 9.3 (Blue Onyx)\n"}}

// Setup makes root (a testroot) an EL 9-like host whose repository
// /srv/rpmrepo (file:///srv/rpmrepo, repo id "local") holds pkgs. It
// returns the directory where the RPMs were built (outside the root).
func Setup(t testing.TB, root string, pkgs ...Package) string {
	t.Helper()
	Need(t)
	build := t.TempDir()
	rpms, err := Build(build, append([]Package{Release}, pkgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc/rpm", "etc/yum.repos.d", "srv/rpmrepo", "var/lib/rpm"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/rpm/macros.dbpath", "%_dbpath /var/lib/rpm\n")
	os.Remove(filepath.Join(root, "etc/os-release"))
	write("etc/os-release", OSRelease)
	write("etc/yum.repos.d/local.repo", RepoFile)
	// Debian's dnf-plugins-core enables the "local" plugin, whose
	// _dnf_local repository (gpgcheck on, no key) an EL host does not
	// have; it would break every transaction.
	if _, err := os.Stat(filepath.Join(root, "etc/dnf/plugins/local.conf")); err == nil {
		write("etc/dnf/plugins/local.conf", "[main]\nenabled = false\n")
	}
	if err := MakeRepo(filepath.Join(root, "srv/rpmrepo"), rpms[1:]); err != nil {
		t.Fatal(err)
	}
	rel, err := os.ReadFile(rpms[0])
	if err != nil {
		t.Fatal(err)
	}
	write("tmp/"+Release.FileName(), string(rel))
	c := &testroot.Chroot{Root: root}
	res, err := c.Exec(context.Background(), "rpm -i --nodeps /tmp/"+Release.FileName()+" 2>&1 | grep -v -e Alien -e 'you know what' ; rm -f /tmp/"+Release.FileName()+"; ln -sf dnf-3 /usr/bin/yum 2>/dev/null; rpm -q rocky-release", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("rpmhost: install release package: %s%s", res.Stdout, res.Stderr)
	}
	return build
}

// AddToRepo builds pkgs and adds them to the host's repository.
func AddToRepo(t testing.TB, root string, pkgs ...Package) {
	t.Helper()
	rpms, err := Build(t.TempDir(), pkgs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := MakeRepo(filepath.Join(root, "srv/rpmrepo"), rpms); err != nil {
		t.Fatal(err)
	}
}

// AddGroup adds a comps group to the host's repository, with pkgs as its
// mandatory packages, and indexes the repository again.
func AddGroup(t testing.TB, root, id, name string, pkgs ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
<comps>
`)
	fmt.Fprintf(&b, "  <group>\n    <id>%s</id>\n    <name>%s</name>\n    <description>omeprov test group</description>\n", id, name)
	b.WriteString("    <default>true</default>\n    <uservisible>true</uservisible>\n    <packagelist>\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "      <packagereq type=\"mandatory\">%s</packagereq>\n", p)
	}
	b.WriteString("    </packagelist>\n  </group>\n</comps>\n")
	comps := filepath.Join(t.TempDir(), "comps.xml")
	if err := os.WriteFile(comps, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("createrepo_c", "-q", "-g", comps, filepath.Join(root, "srv/rpmrepo")).CombinedOutput(); err != nil {
		t.Fatalf("rpmhost: createrepo_c -g: %v: %s", err, out)
	}
}

// Installed lists the NEVRAs installed in root (name-version-release.arch,
// epoch shown when not 0), sorted.
func Installed(t testing.TB, root string) []string {
	t.Helper()
	c := &testroot.Chroot{Root: root}
	res, err := c.Exec(context.Background(), `rpm -qa --qf '%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\n'`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// AnsibleAvailable reports why ansible-playbook cannot run in a root here
// ("" when it can): the machine's ansible-core is bind-mounted into the
// root, which is the same Debian release.
func AnsibleAvailable() string {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		return "ansible-playbook not installed (apt-get install ansible-core)"
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/ansible"); err != nil {
		return "ansible-core not in /usr/lib/python3/dist-packages"
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/dnf"); err != nil {
		return "python3-dnf not installed (apt-get install dnf)"
	}
	return ""
}

// NeedAnsible skips t without ansible-playbook, or fails it when CI is set.
func NeedAnsible(t testing.TB) {
	t.Helper()
	if why := AnsibleAvailable(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
}

// RunAnsible runs ansible-playbook -c local inside root on playbook (YAML
// text) with extra arguments, the machine's ansible-core bind-mounted
// read-only over the root's Python packages. It returns the combined
// output and the exit code.
func RunAnsible(ctx context.Context, root, playbook string, args ...string) (string, int, error) {
	if err := os.WriteFile(filepath.Join(root, "tmp/omeprov-play.yml"), []byte(playbook), 0o644); err != nil {
		return "", 0, fmt.Errorf("rpmhost: %w", err)
	}
	bin := filepath.Join(root, "usr/bin/ansible-playbook")
	if _, err := os.Stat(bin); err != nil {
		if err := os.WriteFile(bin, nil, 0o755); err != nil {
			return "", 0, fmt.Errorf("rpmhost: %w", err)
		}
	}
	cmdline := "cd /tmp && ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 " +
		"ansible-playbook -c local -i localhost, omeprov-play.yml"
	for _, a := range args {
		cmdline += " '" + strings.ReplaceAll(a, "'", `'"'"'`) + "'"
	}
	setup := `set -e; r="$1"; mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/run"; mkdir -p "$r/run/lock"; ` +
		`mount --bind -o ro /usr/lib/python3/dist-packages "$r/usr/lib/python3/dist-packages"; ` +
		`mount --bind /usr/bin/ansible-playbook "$r/usr/bin/ansible-playbook"; shift; exec chroot "$r" /bin/sh -c "$1"`
	ex := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup, "sh", root, cmdline)
	ex.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"}
	var out bytes.Buffer
	ex.Stdout, ex.Stderr = &out, &out
	err := ex.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return out.String(), 0, fmt.Errorf("rpmhost: ansible-playbook: %w", err)
	}
	return out.String(), 0, nil
}
