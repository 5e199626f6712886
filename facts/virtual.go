package facts

import (
	"regexp"
	"sort"
	"strings"
)

// virtualInput is what LinuxVirtual.get_virtual_facts reads.
type virtualInput struct {
	files   map[string]string // readable files by path
	exists  map[string]bool
	vxid    string // "VxID:" lines of /proc/self/status
	dmiProd string // dmidecode -s system-product-name ("" when absent or failed)
	dmiOK   bool
}

// linuxVirtualFacts is LinuxVirtual.get_virtual_facts of ansible-core 2.14
// (the /rhev/ vdsm probe and s390 lscpu are left out).
func linuxVirtualFacts(in virtualInput) map[string]any {
	f := map[string]any{}
	found := false
	guest, host := map[string]bool{}, map[string]bool{}
	setGuest := func(t string) {
		if !found {
			f["virtualization_type"] = t
			f["virtualization_role"] = "guest"
			found = true
		}
	}
	content := func(p string) (string, bool) {
		c, ok := in.files[p]
		return strings.TrimSpace(c), ok
	}
	if c, ok := in.files["/proc/1/cgroup"]; ok {
		for _, line := range strings.Split(c, "\n") {
			if regexp.MustCompile(`/docker(/|-[0-9a-f]+\.scope)`).MatchString(line) {
				guest["docker"] = true
				setGuest("docker")
			}
			if strings.Contains(line, "/lxc/") || strings.Contains(line, "/machine.slice/machine-lxc") {
				guest["lxc"] = true
				setGuest("lxc")
			}
			if strings.Contains(line, "/system.slice/containerd.service") {
				guest["containerd"] = true
				setGuest("containerd")
			}
		}
	}
	if c, ok := in.files["/proc/1/environ"]; ok {
		for _, line := range strings.Split(strings.TrimSpace(c), "\x00") {
			if strings.Contains(line, "container=lxc") {
				guest["lxc"] = true
				setGuest("lxc")
			}
			if strings.Contains(line, "container=podman") {
				guest["podman"] = true
				setGuest("podman")
			}
			if regexp.MustCompile(`^container=.`).MatchString(line) {
				guest["container"] = true
				setGuest("container")
			}
		}
	}
	if in.exists["/proc/vz"] && !in.exists["/proc/lve"] {
		f["virtualization_type"] = "openvz"
		if in.exists["/proc/bc"] {
			host["openvz"] = true
			if !found {
				f["virtualization_role"] = "host"
			}
		} else {
			guest["openvz"] = true
			if !found {
				f["virtualization_role"] = "guest"
			}
		}
		found = true
	}
	sc, _ := content("/run/systemd/container")
	if sc != "" {
		guest[sc] = true
		setGuest(sc)
	}
	if in.exists["/.dockerenv"] || in.exists["/.dockerinit"] {
		guest["docker"] = true
		setGuest("docker")
	}
	if guest["docker"] || guest["lxc"] || guest["podman"] || guest["openvz"] || guest["containerd"] || sc != "" {
		guest["container"] = true
	}
	if in.exists["/proc/xen"] {
		caps, _ := in.files["/proc/xen/capabilities"]
		if strings.Contains(caps, "control_d") {
			host["xen"] = true
			if !found {
				f["virtualization_type"] = "xen"
				f["virtualization_role"] = "host"
			}
		} else if !found {
			f["virtualization_type"] = "xen"
			f["virtualization_role"] = "guest"
		}
		found = true
	}
	if !found {
		f["virtualization_role"] = "guest"
	}
	set := func(t string) {
		if !found {
			f["virtualization_type"] = t
			found = true
		}
	}
	product, _ := content("/sys/devices/virtual/dmi/id/product_name")
	vendor, _ := content("/sys/devices/virtual/dmi/id/sys_vendor")
	family, _ := content("/sys/devices/virtual/dmi/id/product_family")
	switch product {
	case "KVM", "KVM Server", "Bochs", "AHV":
		guest["kvm"] = true
		set("kvm")
	}
	if vendor == "oVirt" {
		guest["oVirt"] = true
		set("oVirt")
	}
	if vendor == "Red Hat" {
		if family == "RHV" {
			guest["RHV"] = true
			set("RHV")
		} else if product == "RHEV Hypervisor" {
			guest["RHEV"] = true
			set("RHEV")
		}
	}
	if product == "VMware Virtual Platform" || product == "VMware7,1" {
		guest["VMware"] = true
		set("VMware")
	}
	if product == "OpenStack Compute" || product == "OpenStack Nova" {
		guest["openstack"] = true
		set("openstack")
	}
	bios, _ := content("/sys/devices/virtual/dmi/id/bios_vendor")
	if bios == "Xen" {
		guest["xen"] = true
		set("xen")
	}
	if bios == "innotek GmbH" {
		guest["virtualbox"] = true
		set("virtualbox")
	}
	if bios == "Amazon EC2" || bios == "DigitalOcean" || bios == "Hetzner" {
		guest["kvm"] = true
		set("kvm")
	}
	switch vendor {
	case "QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix":
		guest["kvm"] = true
		set("kvm")
	case "KubeVirt":
		guest["KubeVirt"] = true
		set("KubeVirt")
	case "Microsoft Corporation":
		guest["VirtualPC"] = true
		set("VirtualPC")
	case "Parallels Software International Inc.":
		guest["parallels"] = true
		set("parallels")
	case "OpenStack Foundation":
		guest["openstack"] = true
		set("openstack")
	}
	if !found {
		delete(f, "virtualization_role")
	}
	for _, line := range strings.Split(in.vxid, "\n") {
		if regexp.MustCompile(`^VxID:\s+\d+`).MatchString(line) {
			if !found {
				f["virtualization_type"] = "linux_vserver"
			}
			if regexp.MustCompile(`^VxID:\s+0`).MatchString(line) {
				host["linux_vserver"] = true
				if !found {
					f["virtualization_role"] = "host"
				}
			} else {
				guest["linux_vserver"] = true
				if !found {
					f["virtualization_role"] = "guest"
				}
			}
			found = true
		}
	}
	if ci, ok := in.files["/proc/cpuinfo"]; ok {
		for _, line := range strings.Split(ci, "\n") {
			var t string
			switch {
			case regexp.MustCompile(`^model name.*QEMU Virtual CPU`).MatchString(line):
				t = "kvm"
			case regexp.MustCompile(`^vendor_id.*User Mode Linux`).MatchString(line),
				regexp.MustCompile(`^model name.*UML`).MatchString(line):
				t = "uml"
			case regexp.MustCompile(`^machine.*CHRP IBM pSeries .emulated by qemu.`).MatchString(line):
				t = "kvm"
			case regexp.MustCompile(`^vendor_id.*PowerVM Lx86`).MatchString(line):
				t = "powervm_lx86"
			case regexp.MustCompile(`^vendor_id.*IBM/S390`).MatchString(line):
				t = "PR/SM"
			default:
				continue
			}
			guest[t] = true
			if !found {
				f["virtualization_type"] = t
				if t == "PR/SM" {
					f["virtualization_role"] = "LPAR"
				} else {
					f["virtualization_role"] = "guest"
				}
				found = true
			}
		}
	}
	if mods, ok := in.files["/proc/modules"]; ok {
		loaded := map[string]bool{}
		for _, line := range strings.Split(mods, "\n") {
			name, _, _ := strings.Cut(line, " ")
			loaded[name] = true
		}
		if loaded["kvm"] {
			host["kvm"] = true
			if !found {
				f["virtualization_type"] = "kvm"
				f["virtualization_role"] = "host"
			}
			found = true
		}
		if loaded["vboxdrv"] {
			host["virtualbox"] = true
			if !found {
				f["virtualization_type"] = "virtualbox"
				f["virtualization_role"] = "host"
				found = true
			}
		}
		if loaded["virtio"] {
			host["kvm"] = true
			if !found {
				f["virtualization_type"] = "kvm"
				f["virtualization_role"] = "guest"
				found = true
			}
		}
	}
	if in.dmiOK {
		var b strings.Builder
		for _, line := range strings.Split(in.dmiProd, "\n") {
			if !strings.HasPrefix(line, "#") {
				b.WriteString(strings.TrimSpace(line))
			}
		}
		if strings.HasPrefix(b.String(), "VMware") {
			guest["VMware"] = true
			setGuest("VMware")
		}
		if strings.Contains(in.dmiProd, "BHYVE") {
			guest["bhyve"] = true
			setGuest("bhyve")
		}
	}
	if in.exists["/dev/kvm"] {
		host["kvm"] = true
		if !found {
			f["virtualization_type"] = "kvm"
			f["virtualization_role"] = "host"
			found = true
		}
	}
	if !found {
		f["virtualization_type"] = "NA"
		f["virtualization_role"] = "NA"
	}
	f["virtualization_tech_guest"] = setList(guest)
	f["virtualization_tech_host"] = setList(host)
	return f
}

func setList(m map[string]bool) []any {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sortStrings(s)
	return stringsToAny(s)
}

func sortStrings(s []string) { sort.Strings(s) }

// virtualFacts runs the virtual collector over the script's output.
func virtualFacts(h *host) map[string]any {
	if h.uname.System != "Linux" {
		// ansible-core 2.14 has no Darwin virtual collector: the generic
		// one gives empty values.
		return map[string]any{"virtualization_type": "", "virtualization_role": "",
			"virtualization_tech_guest": []any{}, "virtualization_tech_host": []any{}}
	}
	in := virtualInput{files: map[string]string{}, exists: h.exists}
	for _, n := range h.out.order {
		if p, ok := strings.CutPrefix(n, "file "); ok {
			in.files[p] = h.out.sections[n]
		}
	}
	in.vxid, _ = h.out.section("vxid")
	if out, rc, ok := h.out.cmd("dmidecode"); ok && rc == 0 {
		in.dmiProd, in.dmiOK = out, true
	}
	return linuxVirtualFacts(in)
}
