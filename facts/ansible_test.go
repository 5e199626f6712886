package facts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ome/omeprov/connection"
	"github.com/ome/omeprov/internal/testroot"
	"github.com/stretchr/testify/require"
)

// shRunner runs commands with the local /bin/sh, as Ansible's local
// connection does.
type shRunner struct{ env []string }

func (r shRunner) Exec(ctx context.Context, cmd string, opts *connection.ExecOptions) (*connection.Result, error) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.Env = r.env
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	res := &connection.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}

// needTool skips (or fails under CI) when a tool is missing.
func needTool(t *testing.T, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("comparison with Ansible is not run with -short")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not installed (apt-get install ansible-core)"
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// ansibleSetup runs `ansible -m setup` with the given arguments and
// returns ansible_facts (keys with the ansible_ prefix).
func ansibleSetup(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return ansibleSetupVia(t, nil, args...)
}

// ansibleSetupVia is ansibleSetup with ansible started through a wrapper
// command (wrapper... ansible args...).
func ansibleSetupVia(t *testing.T, wrapper []string, args ...string) map[string]any {
	t.Helper()
	argv := append(append(append([]string(nil), wrapper...), "ansible"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=0", "ANSIBLE_LOCALHOST_WARNING=0")
	out, err := cmd.Output()
	require.NoError(t, err, "ansible: %s", out)
	var res struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	require.NotEmpty(t, res.Plays)
	require.NotEmpty(t, res.Plays[0].Tasks)
	for _, h := range res.Plays[0].Tasks[0].Hosts {
		f, ok := h["ansible_facts"].(map[string]any)
		require.True(t, ok, "no ansible_facts in %v", h)
		return f
	}
	t.Fatal("no host in ansible's answer")
	return nil
}

// jsonNorm gives v as encoding/json would decode it, so that int and
// float64, []string and []any compare equal.
func jsonNorm(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// issueFacts are the facts issue 6 lists; each must agree with Ansible.
var issueFacts = []string{
	"os_family", "distribution", "distribution_major_version", "distribution_release", "distribution_version",
	"pkg_mgr", "service_mgr", "python_version", "selinux", "virtualization_type", "processor_count",
	"processor_cores", "processor_vcpus", "memtotal_mb", "fqdn", "hostname", "nodename", "default_ipv4",
	"all_ipv4_addresses", "architecture", "kernel", "system", "env", "user_id", "user_dir", "date_time", "lsb", "mounts",
}

// moreFacts are further facts omeprov gives that must agree too.
var moreFacts = []string{
	"distribution_file_path", "distribution_file_variety", "distribution_file_parsed", "distribution_minor_version",
	"kernel_version", "machine", "userspace_bits", "userspace_architecture", "domain", "machine_id",
	"user_uid", "user_gid", "user_gecos", "user_shell", "real_user_id", "effective_user_id", "real_group_id",
	"effective_group_id", "virtualization_role", "virtualization_tech_guest", "virtualization_tech_host",
	"processor", "processor_threads_per_core", "processor_nproc", "memfree_mb", "swaptotal_mb", "default_ipv6",
	"all_ipv6_addresses", "apparmor", "selinux_python_present", "python", "gather_subset", "module_setup",
}

// compareFacts checks every fact of names between Ansible (with prefix)
// and omeprov (without), with the allowances for values that move.
func compareFacts(t *testing.T, ans, ours map[string]any, names []string) {
	t.Helper()
	for _, name := range names {
		a, aok := ans["ansible_"+name]
		if name == "gather_subset" || name == "module_setup" {
			a, aok = ans[name]
		}
		o, ook := ours[name]
		if !aok {
			require.False(t, ook, "%s: Ansible has no such fact, omeprov gives %#v", name, o)
			continue
		}
		require.True(t, ook, "%s: missing; Ansible gives %#v", name, a)
		o = jsonNorm(t, o)
		switch name {
		case "env":
			compareEnv(t, a.(map[string]any), o.(map[string]any))
		case "date_time":
			compareDateTime(t, a.(map[string]any), o.(map[string]any))
		case "mounts":
			compareMounts(t, a.([]any), o.([]any))
		case "memfree_mb":
			// Free memory moves with whatever else runs on the machine.
			total, _ := ans["ansible_memtotal_mb"].(float64)
			requireNear(t, name, a, o, total/10)
		case "virtualization_tech_guest", "virtualization_tech_host", "all_ipv6_addresses":
			require.ElementsMatch(t, a, o, name)
		case "python":
			am, om := a.(map[string]any), o.(map[string]any)
			require.Equal(t, am["executable"], om["executable"], "python.executable")
			require.Equal(t, am["version"], om["version"], "python.version")
		default:
			require.Equal(t, a, o, "%s differs from Ansible's", name)
		}
	}
}

func requireNear(t *testing.T, name string, a, o any, tol float64) {
	t.Helper()
	af, ok1 := a.(float64)
	of, ok2 := o.(float64)
	require.True(t, ok1 && ok2, "%s: %#v vs %#v", name, a, o)
	require.InDelta(t, af, of, tol, name)
}

// volatileEnv changes between two processes of one run.
var volatileEnv = map[string]bool{"_": true, "SHLVL": true, "PWD": true, "OLDPWD": true}

func compareEnv(t *testing.T, a, o map[string]any) {
	t.Helper()
	common := 0
	for k, v := range a {
		if volatileEnv[k] {
			continue
		}
		if ov, ok := o[k]; ok {
			common++
			require.Equal(t, v, ov, "env %s", k)
		}
	}
	require.NotZero(t, common, "no environment variable in common")
}

func compareDateTime(t *testing.T, a, o map[string]any) {
	t.Helper()
	ae, _ := strconv.ParseInt(a["epoch"].(string), 10, 64)
	oe, _ := strconv.ParseInt(o["epoch"].(string), 10, 64)
	require.InDelta(t, ae, oe, 120, "date_time.epoch")
	for k := range a {
		_, ok := o[k]
		require.True(t, ok, "date_time.%s missing", k)
	}
	require.Len(t, o, len(a))
	// Compare the fields at omeprov's instant rendered Ansible's way:
	// recompute Ansible's fields from its own epoch would need its zone,
	// so check the instant-independent ones and the shape of the rest.
	for _, k := range []string{"tz", "tz_dst", "tz_offset"} {
		require.Equal(t, a[k], o[k], "date_time.%s", k)
	}
	if ae/3600 == oe/3600 {
		for _, k := range []string{"year", "month", "day", "hour", "date", "weekday", "weekday_number", "weeknumber"} {
			require.Equal(t, a[k], o[k], "date_time.%s", k)
		}
	}
	for k, v := range a {
		require.Len(t, o[k], len(v.(string)), "date_time.%s: %q vs %q", k, v, o[k])
	}
}

func compareMounts(t *testing.T, a, o []any) {
	t.Helper()
	key := func(m any) string {
		mm := m.(map[string]any)
		return fmt.Sprint(mm["mount"], " ", mm["device"])
	}
	om := map[string]map[string]any{}
	for _, m := range o {
		om[key(m)] = m.(map[string]any)
	}
	require.Len(t, o, len(a), "mounts: %v vs %v", a, o)
	for _, m := range a {
		am := m.(map[string]any)
		got, ok := om[key(m)]
		require.True(t, ok, "mount %s missing", key(m))
		for k, v := range am {
			switch k {
			case "size_available", "block_available", "block_used", "inode_available", "inode_used":
				requireNear(t, "mount "+key(m)+" "+k, v, got[k], math64(v)*0.01+1e6)
			default:
				require.Equal(t, v, got[k], "mount %s %s", key(m), k)
			}
		}
		require.Len(t, got, len(am), "mount %s keys", key(m))
	}
}

func math64(v any) float64 { f, _ := v.(float64); return f }

// TestAgainstAnsibleLocal gathers facts on this machine with Ansible's
// setup module (local connection) and with Gather over a local sh, and
// compares every fact of the issue and more.
func TestAgainstAnsibleLocal(t *testing.T) {
	needTool(t, "ansible")
	ans := ansibleSetup(t, "-i", "localhost,", "-c", "local", "-m", "setup", "localhost")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ours, err := Gather(ctx, shRunner{env: os.Environ()}, nil)
	require.NoError(t, err)
	compareFacts(t, ans, ours, issueFacts)
	compareFacts(t, ans, ours, moreFacts)
	for _, k := range []string{"ansible_interfaces"} {
		require.ElementsMatch(t, ans[k], jsonNorm(t, ours[strings.TrimPrefix(k, "ansible_")]), k)
	}
}

// TestAgainstAnsibleDebianRoot compares on a second host: a Debian
// bookworm root made with mmdebstrap (internal/testroot). Ansible reaches
// it through community.general's chroot connection (Debian's ansible
// package), omeprov through testroot.Chroot; both run with /proc, /dev and
// a /run tmpfs mounted in a private mount namespace.
func TestAgainstAnsibleDebianRoot(t *testing.T) {
	needTool(t, "ansible")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/ansible_collections/community/general/plugins/connection/chroot.py"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("community.general is not installed (apt-get install ansible)")
		}
		t.Skip("community.general is not installed (apt-get install ansible)")
	}
	root := testroot.New(t)
	setup := `r=$1; shift; mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/run"; mkdir -p "$r/run/lock"; exec "$@"`
	// The same environment as testroot.Chroot gives its commands.
	wrapper := []string{"env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
		"ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0",
		"unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup, "sh", root}
	ans := ansibleSetupVia(t, wrapper, "-i", root+",", "-c", "community.general.chroot", "-m", "setup", "all")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ours, err := Gather(ctx, &testroot.Chroot{Root: root}, nil)
	require.NoError(t, err)
	require.Equal(t, "Debian", ours["distribution"])
	compareFacts(t, ans, ours, issueFacts)
	compareFacts(t, ans, ours, moreFacts)
}

// distroFacts are the facts that depend on the release files.
var distroFacts = []string{
	"os_family", "distribution", "distribution_major_version", "distribution_release", "distribution_version",
	"distribution_file_path", "distribution_file_variety", "distribution_file_parsed", "distribution_minor_version",
	"pkg_mgr", "service_mgr", "python_version", "python", "lsb", "selinux",
}

// TestAgainstAnsibleRecordedReleases puts the recorded release files of
// Rocky 9, RHEL 9, Ubuntu 22.04 and Debian 12 (testdata/, see its README)
// into a Debian root in turn, and compares what Ansible and omeprov make
// of them. The root has dnf and apt-get, so pkg_mgr follows Ansible's
// choice by family and version.
func TestAgainstAnsibleRecordedReleases(t *testing.T) {
	needTool(t, "ansible")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/ansible_collections/community/general/plugins/connection/chroot.py"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("community.general is not installed (apt-get install ansible)")
		}
		t.Skip("community.general is not installed (apt-get install ansible)")
	}
	root := testroot.New(t)
	setup := `r=$1; shift; mount -t proc proc "$r/proc"; mount --rbind /dev "$r/dev"; mount -t tmpfs tmpfs "$r/run"; mkdir -p "$r/run/lock"; exec "$@"`
	wrapper := []string{"env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8",
		"ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0",
		"unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup, "sh", root}
	want := map[string][2]string{
		"rocky9":     {"Rocky", "9.3"},
		"rhel9":      {"RedHat", "9.2"},
		"ubuntu2204": {"Ubuntu", "22.04"},
		"debian12":   {"Debian", "12"},
	}
	for _, name := range []string{"rocky9", "rhel9", "ubuntu2204", "debian12"} {
		t.Run(name, func(t *testing.T) {
			etc := filepath.Join(root, "etc")
			for _, p := range []string{"usr/lib/os-release", "etc/os-release", "etc/debian_version", "etc/lsb-release"} {
				os.Remove(filepath.Join(root, p))
			}
			olds, _ := filepath.Glob(filepath.Join(etc, "*-release"))
			for _, p := range olds {
				os.Remove(p)
			}
			src := filepath.Join("testdata", name, "etc")
			ents, err := os.ReadDir(src)
			require.NoError(t, err)
			for _, e := range ents {
				b, err := os.ReadFile(filepath.Join(src, e.Name()))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(etc, e.Name()), b, 0o644))
			}
			ans := ansibleSetupVia(t, wrapper, "-i", root+",", "-c", "community.general.chroot", "-m", "setup", "all")
			ours, err := Gather(context.Background(), &testroot.Chroot{Root: root}, nil)
			require.NoError(t, err)
			require.Equal(t, want[name][0], ours["distribution"])
			require.Equal(t, want[name][1], ours["distribution_version"])
			compareFacts(t, ans, ours, distroFacts)
		})
	}
}

// TestAgainstAnsibleSubsets checks gather_subset: for each subset, every
// fact Ansible gives that omeprov implements is there, and omeprov gives
// nothing Ansible does not.
func TestAgainstAnsibleSubsets(t *testing.T) {
	needTool(t, "ansible")
	all, err := Gather(context.Background(), shRunner{env: os.Environ()}, nil)
	require.NoError(t, err)
	for _, subset := range [][]string{{"!all"}, {"!all", "!min"}, {"!all", "network"}, {"hardware"}, {"!hardware", "!network"},
		{"distribution_version"}, {"!all", "!min", "pkg_mgr"}, {"!all", "virtual", "!env"}} {
		t.Run(strings.Join(subset, ","), func(t *testing.T) {
			ans := ansibleSetup(t, "-i", "localhost,", "-c", "local", "-m", "setup", "-a", "gather_subset="+strings.Join(subset, ","), "localhost")
			ours, err := Gather(context.Background(), shRunner{env: os.Environ()}, subset)
			require.NoError(t, err)
			prefixed, allPrefixed := Prefixed(ours), Prefixed(all)
			for k := range prefixed {
				_, ok := ans[k]
				require.True(t, ok, "omeprov gives %s, Ansible does not", k)
			}
			for k := range ans {
				if _, implemented := allPrefixed[k]; !implemented {
					continue
				}
				_, ok := prefixed[k]
				require.True(t, ok, "Ansible gives %s, omeprov does not", k)
			}
			require.Equal(t, ans["gather_subset"], jsonNorm(t, ours["gather_subset"]))
		})
	}
}

// TestBadSubsetAsAnsible checks the message for an unknown subset name.
func TestBadSubsetAsAnsible(t *testing.T) {
	needTool(t, "ansible")
	cmd := exec.Command("ansible", "-i", "localhost,", "-c", "local", "-m", "setup", "-a", "gather_subset=bogus", "localhost")
	cmd.Env = append(os.Environ(), "ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_LOCALHOST_WARNING=0")
	out, _ := cmd.Output()
	var res struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	msg := res.Plays[0].Tasks[0].Hosts["localhost"]["msg"]
	_, err := Collectors([]string{"bogus"})
	require.Error(t, err)
	require.Equal(t, msg, err.Error())
}

// TestAgainstAnsibleLocalFacts compares local facts (fact_path): JSON,
// INI, an executable, a broken file and a failing script.
func TestAgainstAnsibleLocalFacts(t *testing.T) {
	needTool(t, "ansible")
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), mode))
	}
	write("json.fact", `{"omero": {"version": "5.6.9", "ports": [4063, 4064]}, "flag": true}`, 0o644)
	write("ini.fact", "[server]\nName = omero\nPort: 4064\n# comment\n[empty]\n", 0o644)
	write("exec.fact", "#!/bin/sh\necho '{\"from\": \"script\"}'\n", 0o755)
	write("broken.fact", "this is neither\n", 0o644)
	write("empty.fact", "", 0o644)
	ans := ansibleSetup(t, "-i", "localhost,", "-c", "local", "-m", "setup", "-a", "gather_subset=!all,!min,local fact_path="+dir, "localhost")
	ours, err := GatherWith(context.Background(), shRunner{env: os.Environ()}, []string{"!all", "!min", "local"}, &Options{FactPath: dir})
	require.NoError(t, err)
	require.NotEmpty(t, ans["ansible_local"])
	require.Equal(t, ans["ansible_local"], jsonNorm(t, ours["ansible_local"]))
}
