package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The recorded hosts below are what the gathering script prints on each
// release. The release files come from testdata/<release>/ (see
// testdata/README.md for their sources); command outputs and /proc files
// are in testdata/recorded/:
//
//   - rocky9-*: a Rocky Linux 9.3 KVM guest with two vCPUs (QEMU's
//     Cascadelake-Server model, one socket per vCPU as QEMU lays them out),
//     a VirtualBox-style NIC enp0s3 (10.0.2.15/24, gateway 10.0.2.2);
//   - ubuntu2204-*: an Ubuntu 22.04 laptop with an Intel Core i3-7100U
//     (2 cores, 4 threads), Wi-Fi wlp2s0 with a secondary address and an
//     idle docker0 bridge;
//   - macos14-*: sw_vers, sysctl, vm_stat, route and ifconfig of macOS 14.2.1
//     (build 23C71) on an Apple M1 and on an Intel Core i7-9750H MacBook Pro,
//     in the formats those commands print (sysctl "name: value", vm_stat
//     with its trailing dots, ifconfig with hexadecimal netmasks).
//
// Wherever ansible-core is installed the values are also checked against
// Ansible's own parsers (testdata/ansible_parsers.py) fed the same inputs.

type recCmd struct {
	out string
	rc  int
}

type recIface struct {
	name, attrs, primary, secondary string
}

type recorded struct {
	uname    [5]string
	files    map[string]string
	cmds     map[string]recCmd
	sections map[string]string
	ifaces   []recIface
}

func readRec(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name))
	require.NoError(t, err)
	return string(b)
}

func readRelease(t *testing.T, release string) map[string]string {
	t.Helper()
	files := map[string]string{}
	dir := filepath.Join("testdata", release, "etc")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		files["/etc/"+e.Name()] = string(b)
	}
	return files
}

// render prints r as the gathering script would.
func (r recorded) render() []byte {
	var b bytes.Buffer
	sec := func(name, content string) { fmt.Fprintf(&b, "\n%s %s\n%s", marker, name, content) }
	cmd := func(name string, c recCmd) {
		sec("cmd "+name, c.out)
		sec(fmt.Sprintf("rc %s %d", name, c.rc), "")
	}
	sec("uname", strings.Join(r.uname[:], "\n")+"\n")
	var names []string
	for n := range r.sections {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sec(n, r.sections[n])
	}
	names = names[:0]
	for n := range r.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sec("file "+n, r.files[n])
	}
	names = names[:0]
	for n := range r.cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cmd(n, r.cmds[n])
	}
	for _, i := range r.ifaces {
		sec("iface "+i.name, i.attrs)
		cmd("primary "+i.name, recCmd{i.primary, 0})
		cmd("secondary "+i.name, recCmd{i.secondary, 0})
	}
	sec("end", "")
	return b.Bytes()
}

func allCollectors(t *testing.T) map[string]bool {
	want, err := Collectors(nil)
	require.NoError(t, err)
	return want
}

const rockyExists = "/usr/bin/yum\n/usr/bin/dnf\n/usr/bin/rpm\n/run/systemd/system/\n/etc/init.d/\n/proc/1/comm\n/proc/cpuinfo\n/proc/meminfo\n/proc/modules\n/etc/os-release\n/usr/lib/os-release\n"

func rocky9(t *testing.T, release string) recorded {
	files := readRelease(t, release)
	files["/proc/cpuinfo"] = readRec(t, "rocky9-cpuinfo")
	files["/proc/meminfo"] = readRec(t, "rocky9-meminfo")
	files["/proc/1/comm"] = "systemd\n"
	files["/etc/selinux/config"] = "# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n"
	files["/sys/devices/virtual/dmi/id/product_name"] = "KVM\n"
	files["/sys/devices/virtual/dmi/id/sys_vendor"] = "Red Hat\n"
	files["/etc/machine-id"] = "5f0c4d2a8b1e4c7d9a3b6e2f1c0d8e7a\n"
	var releases []string
	for p, c := range files {
		if strings.HasPrefix(p, "/etc/") && (strings.HasSuffix(p, "-release") || strings.HasSuffix(p, "_version")) {
			releases = append(releases, p[5:]+"\t"+strings.TrimRight(strings.SplitN(c, "\n", 2)[0], "\n"))
		}
	}
	return recorded{
		uname: [5]string{"Linux", "5.14.0-362.8.1.el9_3.x86_64", "#1 SMP PREEMPT_DYNAMIC Wed Nov 8 17:36:32 UTC 2023", "x86_64", "rocky9.example.org"},
		files: files,
		sections: map[string]string{
			"exists":       rockyExists,
			"bins":         "systemctl /usr/bin/systemctl\nip /usr/sbin/ip\nlsblk /usr/bin/lsblk\nfindmnt /usr/bin/findmnt\nnproc /usr/bin/nproc\ngetent /usr/bin/getent\n",
			"initlink":     "../lib/systemd/systemd\n",
			"ids":          "root\n0\n0\n",
			"passwd":       "root:x:0:0:root:/root:/bin/bash\n",
			"fqdn":         "10.0.2.15       rocky9.example.org rocky9\n",
			"longbit":      "64\n",
			"python":       "python3.9\t/usr/bin/python3.9\tPython 3.9.18\n/usr/bin/python3\t/usr/bin/python3\tPython 3.9.18\n",
			"releasefiles": strings.Join(releases, "\n") + "\n",
			"selinux":      "lib /lib64/libselinux.so.1\nmnt /sys/fs/selinux\nenforce 1\npolicyvers 33\n",
			"date":         "1705318496 123456789 CET +0100\n",
			"tzprobe":      "CET +0100\nCEST +0200\n",
			"env0":         "HOME=/root\x00LANG=en_US.UTF-8\x00PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\x00",
			"mtab":         "/dev/mapper/rl-root / xfs rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/vda1 /boot xfs rw,seclabel,relatime 0 0\n",
			"statvfs":      "/ 4096 4096 4452864 3865811 8912896 8870140\n/boot 4096 4096 247552 191421 524288 523938\n",
			"vxid":         "",
		},
		cmds: map[string]recCmd{
			"route4":  {readRec(t, "rocky9-route4"), 0},
			"route6":  {"", 2},
			"lsblk":   {"/dev/vda1  0c2f4d5e-6a7b-4c8d-9e0f-1a2b3c4d5e6f\n/dev/vda2  \n/dev/mapper/rl-root 9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a\n", 0},
			"findmnt": {"/       /dev/mapper/rl-root xfs  rw,relatime\n/boot   /dev/vda1           xfs  rw,relatime\n", 0},
			"nproc":   {"2\n", 0},
			"rpmapt":  {"", 1},
		},
		ifaces: []recIface{
			{"lo", "address 00:00:00:00:00:00\nmtu 65536\noperstate unknown\ntype 772\n", readRec(t, "ip-lo"), ""},
			{"enp0s3", "address 08:00:27:8a:5e:1c\nmtu 1500\noperstate up\ntype 1\n", readRec(t, "rocky9-ip-enp0s3"), ""},
		},
	}
}

func ubuntu2204(t *testing.T) recorded {
	files := readRelease(t, "ubuntu2204")
	files["/proc/cpuinfo"] = readRec(t, "ubuntu2204-cpuinfo")
	files["/proc/meminfo"] = readRec(t, "ubuntu2204-meminfo")
	files["/proc/1/comm"] = "systemd\n"
	return recorded{
		uname: [5]string{"Linux", "6.5.0-14-generic", "#14~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Mon Nov 20 18:15:30 UTC 2", "x86_64", "laptop"},
		files: files,
		sections: map[string]string{
			"exists":       "/usr/bin/apt-get\n/run/systemd/system/\n/etc/init.d/\n/proc/1/comm\n/proc/cpuinfo\n/proc/meminfo\n/sys/kernel/security/apparmor\n/etc/os-release\n/usr/lib/os-release\n",
			"bins":         "systemctl /usr/bin/systemctl\nip /usr/sbin/ip\nlsb_release /usr/bin/lsb_release\ndpkg /usr/bin/dpkg\nnproc /usr/bin/nproc\ngetent /usr/bin/getent\n",
			"ids":          "alice\n1000\n1000\n",
			"passwd":       "alice:x:1000:1000:Alice Example,,,:/home/alice:/bin/bash\n",
			"fqdn":         "127.0.1.1       laptop\n",
			"longbit":      "64\n",
			"python":       "python3.10\t/usr/bin/python3.10\tPython 3.10.12\n/usr/bin/python3\t/usr/bin/python3\tPython 3.10.12\n",
			"pydistro":     "distro-1.7.0.egg-info\n",
			"releasefiles": "",
			"selinux":      "lib /lib/x86_64-linux-gnu/libselinux.so.1\n",
			"date":         "1705318496 5000 UTC +0000\n",
			"tzprobe":      "UTC +0000\nUTC +0000\n",
			"env":          "HOME=/home/alice\nLANG=en_US.UTF-8\nMULTI=line one\nline two\nUSER=alice\n",
			"mtab":         "/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0\n/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0\n/dev/nvme0n1p3 /mnt/my\\040disk ext4 rw,relatime 0 0\n",
			"statvfs":      "/ 4096 4096 60901249 39872061 15597568 14322112\n/boot/efi 4096 4096 130812 129353 0 0\n/mnt/my\\040disk 4096 4096 1000 900 64 50\n",
		},
		cmds: map[string]recCmd{
			"lsb_release": {"Distributor ID:\tUbuntu\nDescription:\tUbuntu 22.04.3 LTS\nRelease:\t22.04\nCodename:\tjammy\n", 0},
			"tzdata":      {"tzdata-2023c\n", 0},
			"route4":      {readRec(t, "ubuntu2204-route4"), 0},
			"route6":      {readRec(t, "ubuntu2204-route6"), 0},
			"nproc":       {"4\n", 0},
			"findmnt":     {"/ /dev/nvme0n1p2 ext4 rw,relatime\n/boot/efi /dev/nvme0n1p1[/efi] vfat rw,relatime\n/mnt/my\\x20disk /dev/nvme0n1p3[/data] ext4 rw,relatime\n", 0},
		},
		ifaces: []recIface{
			{"lo", "address 00:00:00:00:00:00\nmtu 65536\noperstate unknown\ntype 772\n", readRec(t, "ip-lo"), ""},
			{"wlp2s0", "address 9c:b6:d0:1a:2b:3c\nmtu 1500\noperstate up\ntype 1\n", readRec(t, "ubuntu2204-ip-wlp2s0"), readRec(t, "ubuntu2204-ip-wlp2s0-secondary")},
			{"docker0", "address 02:42:5c:8e:11:07\nmtu 1500\noperstate down\ntype 1\nbridge\n", readRec(t, "ubuntu2204-ip-docker0"), ""},
		},
	}
}

func macos14(t *testing.T, arch string) recorded {
	brew := "/opt/homebrew/bin/brew"
	kernel := "Darwin Kernel Version 23.2.0: Wed Nov 15 21:53:18 PST 2023; root:xnu-10002.61.3~2/RELEASE_ARM64_T6000"
	if arch == "x86_64" {
		brew = "/usr/local/bin/brew"
		kernel = "Darwin Kernel Version 23.2.0: Wed Nov 15 21:54:10 PST 2023; root:xnu-10002.61.3~2/RELEASE_X86_64"
	}
	return recorded{
		uname: [5]string{"Darwin", "23.2.0", kernel, arch, "Alices-MacBook-Pro.local"},
		files: map[string]string{},
		sections: map[string]string{
			"exists":  brew + "\n",
			"bins":    "getent\n",
			"ids":     "alice\n501\n20\n",
			"passwd":  "alice:*:501:20:Alice Example:/Users/alice:/bin/zsh\n",
			"fqdn":    "Alices-MacBook-Pro.local\n",
			"longbit": "64\n",
			"python":  "/usr/bin/python3\t/usr/bin/python3\tPython 3.9.6\n",
			"date":    "1705318496 N CET +0100\n",
			"tzprobe": "CET +0100\nCEST +0200\n",
			"env":     "HOME=/Users/alice\nPATH=/usr/bin:/bin:/usr/sbin:/sbin\nUSER=alice\n",
		},
		cmds: map[string]recCmd{
			"sw_vers":  {readRec(t, "macos14-sw_vers"), 0},
			"ps1":      {"/sbin/launchd\n", 0},
			"sysctl":   {readRec(t, "macos14-"+arch+"-sysctl"), 0},
			"hwmodel":  {"hw.model: MacBookPro18,3\n", 0},
			"vm_stat":  {readRec(t, "macos14-vm_stat"), 0},
			"droute4":  {readRec(t, "macos14-route4"), 0},
			"droute6":  {"route: writing to routing socket: not in table\n", 0},
			"ifconfig": {readRec(t, "macos14-ifconfig"), 0},
		},
	}
}

func gatherRecorded(t *testing.T, r recorded) map[string]any {
	t.Helper()
	return jsonNorm(t, build(parseSections(r.render()), allCollectors(t))).(map[string]any)
}

func requireFacts(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		require.Equal(t, jsonNorm(t, v), got[k], "%s", k)
	}
}

func TestRecordedRocky9(t *testing.T) {
	f := gatherRecorded(t, rocky9(t, "rocky9"))
	requireFacts(t, f, map[string]any{
		"os_family": "RedHat", "distribution": "Rocky", "distribution_version": "9.3",
		"distribution_major_version": "9", "distribution_release": "Blue Onyx",
		"distribution_file_path": "/etc/redhat-release", "distribution_file_variety": "RedHat",
		"pkg_mgr": "dnf", "service_mgr": "systemd", "python_version": "3.9.18",
		"selinux":             map[string]any{"status": "enabled", "mode": "enforcing", "config_mode": "enforcing", "type": "targeted", "policyvers": 33},
		"virtualization_type": "kvm", "virtualization_role": "guest",
		"processor_count": 2, "processor_cores": 1, "processor_threads_per_core": 1, "processor_vcpus": 2, "processor_nproc": 2,
		"memtotal_mb": 3771, "memfree_mb": 2803, "swaptotal_mb": 2047,
		"fqdn": "rocky9.example.org", "hostname": "rocky9", "nodename": "rocky9.example.org", "domain": "example.org",
		"default_ipv4": map[string]any{"address": "10.0.2.15", "alias": "enp0s3", "broadcast": "10.0.2.255", "gateway": "10.0.2.2",
			"interface": "enp0s3", "macaddress": "08:00:27:8a:5e:1c", "mtu": 1500, "netmask": "255.255.255.0",
			"network": "10.0.2.0", "prefix": "24", "type": "ether"},
		"default_ipv6":       map[string]any{},
		"all_ipv4_addresses": []any{"10.0.2.15"},
		"architecture":       "x86_64", "kernel": "5.14.0-362.8.1.el9_3.x86_64", "system": "Linux",
		"user_id": "root", "user_dir": "/root", "user_uid": 0, "user_shell": "/bin/bash",
		"lsb":        map[string]any{},
		"machine_id": "5f0c4d2a8b1e4c7d9a3b6e2f1c0d8e7a",
		"mounts": []any{
			map[string]any{"mount": "/", "device": "/dev/mapper/rl-root", "fstype": "xfs",
				"options":    "rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota",
				"size_total": 4096 * 4452864, "size_available": 4096 * 3865811, "block_size": 4096, "block_total": 4452864,
				"block_available": 3865811, "block_used": 4452864 - 3865811, "inode_total": 8912896, "inode_available": 8870140,
				"inode_used": 8912896 - 8870140, "uuid": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"},
			map[string]any{"mount": "/boot", "device": "/dev/vda1", "fstype": "xfs", "options": "rw,seclabel,relatime",
				"size_total": 4096 * 247552, "size_available": 4096 * 191421, "block_size": 4096, "block_total": 247552,
				"block_available": 191421, "block_used": 247552 - 191421, "inode_total": 524288, "inode_available": 523938,
				"inode_used": 524288 - 523938, "uuid": "0c2f4d5e-6a7b-4c8d-9e0f-1a2b3c4d5e6f"},
		},
		"date_time": map[string]any{"year": "2024", "month": "01", "day": "15", "hour": "12", "minute": "34", "second": "56",
			"weekday": "Monday", "weekday_number": "1", "weeknumber": "03", "epoch": "1705318496", "epoch_int": "1705318496",
			"date": "2024-01-15", "time": "12:34:56", "iso8601": "2024-01-15T11:34:56Z", "iso8601_micro": "2024-01-15T11:34:56.123456Z",
			"iso8601_basic": "20240115T123456123456", "iso8601_basic_short": "20240115T123456", "tz": "CET", "tz_dst": "CEST", "tz_offset": "+0100"},
		"env": map[string]any{"HOME": "/root", "LANG": "en_US.UTF-8", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"},
	})
}

func TestRecordedRHEL9(t *testing.T) {
	f := gatherRecorded(t, rocky9(t, "rhel9"))
	requireFacts(t, f, map[string]any{
		"os_family": "RedHat", "distribution": "RedHat", "distribution_version": "9.2",
		"distribution_major_version": "9", "distribution_release": "Plow",
		"distribution_file_path": "/etc/redhat-release", "distribution_file_variety": "RedHat",
		"distribution_file_search_string": "Red Hat",
		"pkg_mgr":                         "dnf", "service_mgr": "systemd", "python_version": "3.9.18",
		"python": map[string]any{"executable": "/usr/bin/python3", "type": "cpython", "has_sslcontext": true,
			"version":      map[string]any{"major": 3, "minor": 9, "micro": 18, "releaselevel": "final", "serial": 0},
			"version_info": []any{3, 9, 18, "final", 0}},
	})
}

func TestRecordedUbuntu2204(t *testing.T) {
	f := gatherRecorded(t, ubuntu2204(t))
	requireFacts(t, f, map[string]any{
		"os_family": "Debian", "distribution": "Ubuntu", "distribution_version": "22.04",
		"distribution_major_version": "22", "distribution_release": "jammy",
		"distribution_file_path": "/etc/os-release", "distribution_file_variety": "Debian",
		"pkg_mgr": "apt", "service_mgr": "systemd", "python_version": "3.10.12",
		"selinux":  map[string]any{"status": "disabled"},
		"apparmor": map[string]any{"status": "enabled"},
		"lsb": map[string]any{"id": "Ubuntu", "description": "Ubuntu 22.04.3 LTS", "release": "22.04", "codename": "jammy",
			"major_release": "22"},
		"processor_count": 1, "processor_cores": 2, "processor_threads_per_core": 2, "processor_vcpus": 4, "processor_nproc": 4,
		"memtotal_mb": 7850,
		"fqdn":        "laptop", "domain": "",
		"default_ipv4": map[string]any{"address": "192.168.1.34", "alias": "wlp2s0", "broadcast": "192.168.1.255",
			"gateway": "192.168.1.1", "interface": "wlp2s0", "macaddress": "9c:b6:d0:1a:2b:3c", "mtu": 1500,
			"netmask": "255.255.255.0", "network": "192.168.1.0", "prefix": "24", "type": "ether"},
		"default_ipv6": map[string]any{"address": "2a02:8071:5e1:1c00:8d1e:4b2a:61f0:3c9d", "gateway": "fe80::1",
			"interface": "wlp2s0", "macaddress": "9c:b6:d0:1a:2b:3c", "mtu": 1500, "prefix": "64", "scope": "global", "type": "ether"},
		"all_ipv4_addresses": []any{"192.168.1.34", "192.168.1.50", "172.17.0.1"},
		"user_id":            "alice", "user_dir": "/home/alice", "user_uid": 1000, "user_gid": 1000, "user_gecos": "Alice Example,,,",
		"env": map[string]any{"HOME": "/home/alice", "LANG": "en_US.UTF-8", "MULTI": "line one\nline two", "USER": "alice"},
	})
	mounts := f["mounts"].([]any)
	require.Len(t, mounts, 3)
	require.Equal(t, "rw,relatime,fmask=0077,dmask=0077,bind", mounts[1].(map[string]any)["options"], "findmnt shows a bind mount")
	m := mounts[2].(map[string]any)
	require.Equal(t, "/mnt/my disk", m["mount"])
	// findmnt escapes the space as \x20 and mtab as \040: Ansible then
	// misses the bind mount, and so does omeprov.
	require.Equal(t, "rw,relatime", m["options"])
	require.Equal(t, "N/A", m["uuid"])
	require.Equal(t, float64(4096*1000), m["size_total"])
	require.Equal(t, "1705318496", f["date_time"].(map[string]any)["epoch"])
	require.Equal(t, "2024-01-15T11:34:56.000005Z", f["date_time"].(map[string]any)["iso8601_micro"])
}

func TestRecordedDebian12(t *testing.T) {
	r := ubuntu2204(t)
	r.files = readRelease(t, "debian12")
	r.files["/proc/1/comm"] = "systemd\n"
	r.cmds["lsb_release"] = recCmd{"", 127}
	delete(r.sections, "pydistro")
	f := gatherRecorded(t, r)
	requireFacts(t, f, map[string]any{
		"os_family": "Debian", "distribution": "Debian", "distribution_version": "12",
		"distribution_major_version": "12", "distribution_release": "bookworm", "distribution_minor_version": "4",
		"pkg_mgr": "apt", "lsb": map[string]any{},
	})
	// With python3-distro >= 1.7 on the host Ansible reads /etc/debian_version.
	r.sections["pydistro"] = "distro-1.8.0.dist-info\n"
	f = gatherRecorded(t, r)
	require.Equal(t, "12.4", f["distribution_version"])
	// Without any Python, the precise version is given.
	delete(r.sections, "pydistro")
	r.sections["python"] = ""
	f = gatherRecorded(t, r)
	require.Equal(t, "12.4", f["distribution_version"])
	_, has := f["python_version"]
	require.False(t, has, "no python_version without Python on the host")
}

func TestRecordedMacOS14AppleSilicon(t *testing.T) {
	f := gatherRecorded(t, macos14(t, "arm64"))
	requireFacts(t, f, map[string]any{
		"os_family": "Darwin", "distribution": "MacOSX", "distribution_version": "14.2.1",
		"distribution_major_version": "14", "distribution_release": "23.2.0",
		"pkg_mgr": "homebrew", "service_mgr": "launchd", "architecture": "arm64", "machine": "arm64",
		"system": "Darwin", "kernel": "23.2.0", "python_version": "3.9.6",
		"processor": "Apple M1", "processor_cores": "8", "processor_vcpus": "8",
		"memtotal_mb": 16384, "memfree_mb": 16384 - (112539+180742+178094)*4096/1024/1024,
		"model": "MacBookPro18,3", "osversion": "23C71", "osrevision": "199506",
		"selinux":  map[string]any{"status": "Missing selinux Python library"},
		"hostname": "Alices-MacBook-Pro", "nodename": "Alices-MacBook-Pro.local", "fqdn": "Alices-MacBook-Pro.local",
		"domain":  "local",
		"user_id": "alice", "user_dir": "/Users/alice", "user_uid": 501, "user_gid": 20, "user_shell": "/bin/zsh",
		"all_ipv4_addresses":  []any{"192.168.1.23"},
		"virtualization_type": "", "virtualization_role": "",
	})
	def := f["default_ipv4"].(map[string]any)
	require.Equal(t, "192.168.1.23", def["address"])
	require.Equal(t, "192.168.1.1", def["gateway"])
	require.Equal(t, "en0", def["interface"])
	require.Equal(t, "255.255.255.0", def["netmask"])
	require.Equal(t, "192.168.1.255", def["broadcast"])
	require.Equal(t, "3c:22:fb:12:34:56", def["macaddress"])
	require.Equal(t, "1500", def["mtu"], "BSD ifconfig facts keep the MTU as a string")
	require.Equal(t, "ether", def["type"])
	require.Equal(t, "2024-01-15T11:34:56.000000Z", f["date_time"].(map[string]any)["iso8601_micro"], "no microseconds from macOS date")
}

func TestRecordedMacOS14Intel(t *testing.T) {
	f := gatherRecorded(t, macos14(t, "x86_64"))
	requireFacts(t, f, map[string]any{
		"os_family": "Darwin", "distribution": "MacOSX", "distribution_version": "14.2.1",
		"pkg_mgr": "homebrew", "architecture": "x86_64", "userspace_architecture": "x86_64",
		"processor": "Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz", "processor_cores": "6", "processor_vcpus": "12",
		"memtotal_mb": 16384,
	})
}

// runAnsibleParser runs testdata/ansible_parsers.py (Ansible's own parsing
// code on the recorded inputs); it skips where ansible-core is missing.
func runAnsibleParser(t *testing.T, req map[string]any) map[string]any {
	t.Helper()
	if testing.Short() {
		t.Skip("comparison with Ansible's parsers is not run with -short")
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/ansible/module_utils/facts"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ansible-core is not installed")
		}
		t.Skip("ansible-core is not installed")
	}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	cmd := exec.Command("/usr/bin/python3", "testdata/ansible_parsers.py")
	cmd.Stdin = bytes.NewReader(b)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	return res
}

func TestRecordedAgainstAnsibleParsers(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    recorded
	}{{"rocky9", rocky9(t, "rocky9")}, {"ubuntu2204", ubuntu2204(t)}} {
		t.Run(tc.name+"/hardware", func(t *testing.T) {
			ans := runAnsibleParser(t, map[string]any{"kind": "linux_hardware", "arch": "x86_64", "nproc": 0,
				"files": map[string]string{"/proc/cpuinfo": tc.r.files["/proc/cpuinfo"], "/proc/meminfo": tc.r.files["/proc/meminfo"]}})
			ours := jsonNorm(t, build(parseSections(tc.r.render()), map[string]bool{"hardware": true, "platform": true})).(map[string]any)
			delete(ans, "processor_nproc")
			require.Contains(t, ans, "processor_vcpus")
			require.Contains(t, ans, "memtotal_mb")
			for k, v := range ans {
				require.Equal(t, v, ours[k], "%s", k)
			}
		})
		t.Run(tc.name+"/network", func(t *testing.T) {
			files := map[string]string{}
			var names []string
			commands := map[string][2]any{
				"/usr/sbin/ip -4 route get 8.8.8.8":                  {tc.r.cmds["route4"].rc, tc.r.cmds["route4"].out},
				"/usr/sbin/ip -6 route get 2404:6800:400a:800::1012": {tc.r.cmds["route6"].rc, tc.r.cmds["route6"].out},
			}
			for _, i := range tc.r.ifaces {
				names = append(names, i.name)
				for _, l := range strings.Split(strings.TrimSpace(i.attrs), "\n") {
					if k, v, ok := strings.Cut(l, " "); ok {
						files["/sys/class/net/"+i.name+"/"+k] = v
					} else if l == "bridge" {
						files["/sys/class/net/"+i.name+"/bridge"] = ""
					}
				}
				commands["/usr/sbin/ip addr show primary dev "+i.name] = [2]any{0, i.primary}
				commands["/usr/sbin/ip addr show secondary dev "+i.name] = [2]any{0, i.secondary}
			}
			ans := runAnsibleParser(t, map[string]any{"kind": "linux_network", "ifaces": names, "files": files,
				"commands": commands, "bins": map[string]string{"ip": "/usr/sbin/ip"}})
			ours := jsonNorm(t, build(parseSections(tc.r.render()), map[string]bool{"network": true})).(map[string]any)
			require.NotEmpty(t, ans["default_ipv4"])
			for _, k := range []string{"default_ipv4", "default_ipv6", "all_ipv4_addresses", "all_ipv6_addresses", "interfaces"} {
				require.Equal(t, ans[k], ours[k], "%s", k)
			}
			for _, n := range names {
				a, o := ans[n].(map[string]any), ours[n].(map[string]any)
				for _, k := range []string{"device", "macaddress", "mtu", "active", "type", "ipv4", "ipv4_secondaries", "ipv6"} {
					require.Equal(t, a[k], o[k], "%s.%s", n, k)
				}
			}
		})
	}
	for _, arch := range []string{"arm64", "x86_64"} {
		r := macos14(t, arch)
		t.Run("macos14-"+arch, func(t *testing.T) {
			ans := runAnsibleParser(t, map[string]any{"kind": "darwin_hardware",
				"bins": map[string]string{"sysctl": "/usr/sbin/sysctl", "vm_stat": "/usr/bin/vm_stat"},
				"commands": map[string][2]any{
					"/usr/sbin/sysctl hw machdep kern": {0, r.cmds["sysctl"].out},
					"sysctl hw.model":                  {0, r.cmds["hwmodel"].out},
					"/usr/bin/vm_stat":                 {0, r.cmds["vm_stat"].out},
				}})
			ours := jsonNorm(t, build(parseSections(r.render()), map[string]bool{"hardware": true})).(map[string]any)
			require.Contains(t, ans, "processor_cores")
			require.Contains(t, ans, "memfree_mb")
			for k, v := range ans {
				require.Equal(t, v, ours[k], "%s", k)
			}
			ansNet := runAnsibleParser(t, map[string]any{"kind": "darwin_network",
				"bins": map[string]string{"route": "/sbin/route", "ifconfig": "/sbin/ifconfig"},
				"commands": map[string][2]any{
					"/sbin/route -n get default":        {0, r.cmds["droute4"].out},
					"/sbin/route -n get -inet6 default": {0, r.cmds["droute6"].out},
					"/sbin/ifconfig -a":                 {0, r.cmds["ifconfig"].out},
				}})
			oursNet := jsonNorm(t, build(parseSections(r.render()), map[string]bool{"network": true})).(map[string]any)
			require.NotEmpty(t, ansNet["default_ipv4"])
			for k, v := range ansNet {
				require.Equal(t, v, oursNet[k], "%s", k)
			}
		})
	}
}
