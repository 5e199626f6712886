package facts

import (
	"regexp"
	"strconv"
	"strings"
)

// This file mirrors hardware/linux.py and hardware/darwin.py of
// ansible-core 2.14 for the CPU, memory and mount facts.

// cpuFacts is LinuxHardware.get_cpu_facts over /proc/cpuinfo. xen is
// whether /proc/xen exists or /sys/hypervisor/type says xen; nproc is the
// number of CPUs the process may use (0: unknown).
func cpuFacts(cpuinfo, arch string, xen bool, nproc int) map[string]any {
	f := map[string]any{}
	i := 0
	vendorIDs, modelNames, processors := 0, 0, 0
	physid, coreid := "0", "0"
	type kv struct {
		k string
		v int
	}
	// Python dicts keep insertion order; Ansible takes the first value.
	var sockets, cores []kv
	set := func(m *[]kv, k string, v int, onlyNew bool) {
		for j := range *m {
			if (*m)[j].k == k {
				if !onlyNew {
					(*m)[j].v = v
				}
				return
			}
		}
		*m = append(*m, kv{k, v})
	}
	has := func(m []kv, k string) bool {
		for _, e := range m {
			if e.k == k {
				return true
			}
		}
		return false
	}
	xenParavirt := false
	processor := []any{}
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, _ := strings.Cut(line, ":")
		key, val := strings.TrimSpace(k), strings.TrimSpace(v)
		if xen && key == "flags" && !strings.Contains(val, "vme") {
			xenParavirt = true
		}
		switch key {
		case "model name", "Processor", "vendor_id", "cpu", "Vendor", "processor":
			processor = append(processor, val)
			switch key {
			case "vendor_id":
				vendorIDs++
			case "model name":
				modelNames++
			case "processor":
				processors++
			}
			i++
		case "physical id":
			physid = val
			set(&sockets, physid, 1, true)
		case "core id":
			coreid = val
			// Ansible tests sockets here, not cores; kept as it is.
			if !has(sockets, coreid) {
				set(&cores, coreid, 1, false)
			}
		case "cpu cores":
			set(&sockets, physid, atoiOr(val, 0), false)
		case "siblings":
			set(&cores, coreid, atoiOr(val, 0), false)
		case "# processors":
			f["processor_cores"] = atoiOr(val, 0)
		case "ncpus active":
			i = atoiOr(val, 0)
		}
	}
	f["processor"] = processor
	if vendorIDs > 0 && vendorIDs == modelNames {
		i = vendorIDs
	}
	if strings.HasPrefix(arch, "armv") || strings.HasPrefix(arch, "aarch") || strings.HasPrefix(arch, "ppc") {
		i = processors
	}
	if arch == "s390x" {
		return f
	}
	if xenParavirt {
		f["processor_count"] = i
		f["processor_cores"] = i
		f["processor_threads_per_core"] = 1
		f["processor_vcpus"] = i
		return f
	}
	if len(sockets) > 0 {
		f["processor_count"] = len(sockets)
	} else {
		f["processor_count"] = i
	}
	pc := 1
	if len(sockets) > 0 && sockets[0].v != 0 {
		pc = sockets[0].v
	}
	f["processor_cores"] = pc
	tpc := 1 / pc
	if len(cores) > 0 {
		tpc = cores[0].v / pc
	}
	f["processor_threads_per_core"] = tpc
	f["processor_vcpus"] = tpc * f["processor_count"].(int) * pc
	f["processor_nproc"] = processors
	if nproc > 0 {
		f["processor_nproc"] = nproc
	}
	return f
}

// memoryFacts is LinuxHardware.get_memory_facts over /proc/meminfo.
func memoryFacts(meminfo string) map[string]any {
	f := map[string]any{}
	stats := map[string]int{}
	original := map[string]bool{"MemTotal": true, "SwapTotal": true, "MemFree": true, "SwapFree": true}
	all := map[string]bool{"MemTotal": true, "SwapTotal": true, "MemFree": true, "SwapFree": true, "Buffers": true, "Cached": true, "SwapCached": true}
	for _, line := range strings.Split(meminfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !all[k] {
			continue
		}
		n, err := strconv.Atoi(strings.Split(strings.TrimSpace(v), " ")[0])
		if err != nil {
			continue
		}
		if original[k] {
			f[strings.ToLower(k)+"_mb"] = n / 1024
		}
		stats[strings.ToLower(k)] = n / 1024
	}
	get := func(k string) any {
		if v, ok := stats[k]; ok {
			return v
		}
		return nil
	}
	have := func(ks ...string) bool {
		for _, k := range ks {
			if _, ok := stats[k]; !ok {
				return false
			}
		}
		return true
	}
	var realUsed, nocacheFree, nocacheUsed, swapUsed any
	if have("memtotal", "memfree") {
		realUsed = stats["memtotal"] - stats["memfree"]
	}
	if have("cached", "memfree", "buffers") {
		nocacheFree = stats["cached"] + stats["memfree"] + stats["buffers"]
		if have("memtotal") {
			nocacheUsed = stats["memtotal"] - nocacheFree.(int)
		}
	}
	if have("swaptotal", "swapfree") {
		swapUsed = stats["swaptotal"] - stats["swapfree"]
	}
	f["memory_mb"] = map[string]any{
		"real":    map[string]any{"total": get("memtotal"), "used": realUsed, "free": get("memfree")},
		"nocache": map[string]any{"free": nocacheFree, "used": nocacheUsed},
		"swap":    map[string]any{"total": get("swaptotal"), "free": get("swapfree"), "used": swapUsed, "cached": get("swapcached")},
	}
	return f
}

var octalEscapeRE = regexp.MustCompile(`\\[0-9]{3}`)

func replaceOctalEscapes(s string) string {
	return octalEscapeRE.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.ParseInt(m[1:], 8, 32)
		if err != nil {
			return m
		}
		return string(rune(n))
	})
}

// mountInput is what get_mount_facts reads.
type mountInput struct {
	mtab    string             // /etc/mtab or /proc/mounts
	findmnt string             // findmnt --list --noheadings --notruncate ("" when absent or failed)
	lsblk   string             // lsblk --list --noheadings --paths --output NAME,UUID
	statvfs map[string][]int64 // escaped mount point -> bsize frsize blocks bavail files ffree
	udevadm map[string]string  // device -> ID_FS_UUID
}

// mountFacts is LinuxHardware.get_mount_facts.
func mountFacts(in mountInput) []any {
	bind := map[string]bool{}
	for _, line := range strings.Split(in.findmnt, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && strings.Contains(fields[1], "]") {
			bind[fields[0]] = true
		}
	}
	uuids := map[string]string{}
	for _, line := range strings.Split(in.lsblk, "\n") {
		line = strings.TrimSpace(line)
		i := strings.LastIndexAny(line, " \t")
		if line == "" || i < 0 {
			continue
		}
		dev, uuid := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		if _, ok := uuids[dev]; !ok {
			uuids[dev] = uuid
		}
	}
	mounts := []any{}
	for _, line := range strings.Split(in.mtab, "\n") {
		raw := strings.Fields(line)
		if len(raw) < 4 {
			continue
		}
		fields := make([]string, len(raw))
		for i, r := range raw {
			fields[i] = replaceOctalEscapes(r)
		}
		device, mount, fstype, options := fields[0], fields[1], fields[2], fields[3]
		if (!strings.HasPrefix(device, "/") && !strings.HasPrefix(device, `\`) && !strings.Contains(device, ":/")) || fstype == "none" {
			continue
		}
		if bind[mount] && !regexp.MustCompile(`^.*bind.*"`).MatchString(options) {
			options += ",bind"
		}
		m := map[string]any{"mount": mount, "device": device, "fstype": fstype, "options": options}
		if st, ok := in.statvfs[raw[1]]; ok && len(st) == 6 {
			bsize, frsize, blocks, bavail, files, favail := st[0], st[1], st[2], st[3], st[4], st[5]
			m["size_total"] = frsize * blocks
			m["size_available"] = frsize * bavail
			m["block_size"] = bsize
			m["block_total"] = blocks
			m["block_available"] = bavail
			m["block_used"] = blocks - bavail
			m["inode_total"] = files
			m["inode_available"] = favail
			m["inode_used"] = files - favail
		}
		uuid, ok := uuids[device]
		if !ok {
			uuid = in.udevadm[device]
		}
		if uuid == "" {
			uuid = "N/A"
		}
		m["uuid"] = uuid
		mounts = append(mounts, m)
	}
	return mounts
}

// parseSysctl is facts/sysctl.py get_sysctl over `sysctl NAME...` output.
func parseSysctl(out string) map[string]string {
	m := map[string]string{}
	key, value := "", ""
	sep := regexp.MustCompile(`\s?=\s?|: `)
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, " ") {
			value += "\n" + line
			continue
		}
		if key != "" {
			m[key] = strings.TrimSpace(value)
		}
		if loc := sep.FindStringIndex(line); loc != nil {
			key, value = line[:loc[0]], line[loc[1]:]
		} else {
			key, value = "", ""
		}
	}
	if key != "" {
		m[key] = strings.TrimSpace(value)
	}
	return m
}

// darwinHardwareFacts is DarwinHardware's CPU, memory and model facts:
// sysctl values (strings, as Ansible gives them), hw.model and vm_stat.
func darwinHardwareFacts(sysctl map[string]string, hwModel, vmStat string, vmStatOK bool) map[string]any {
	f := map[string]any{}
	if fields := strings.Fields(lastLine(hwModel)); len(fields) >= 2 {
		f["model"] = fields[1]
		f["product_name"] = fields[1]
	}
	f["osversion"] = sysctl["kern.osversion"]
	f["osrevision"] = sysctl["kern.osrevision"]
	if b, ok := sysctl["machdep.cpu.brand_string"]; ok {
		f["processor"] = b
		f["processor_cores"] = sysctl["machdep.cpu.core_count"]
	} else {
		f["processor_cores"] = sysctl["hw.physicalcpu"]
	}
	vcpus := sysctl["hw.logicalcpu"]
	if vcpus == "" {
		vcpus = sysctl["hw.ncpu"]
	}
	f["processor_vcpus"] = vcpus
	memsize, _ := strconv.ParseInt(sysctl["hw.memsize"], 10, 64)
	total := memsize / 1024 / 1024
	f["memtotal_mb"] = total
	f["memfree_mb"] = int64(0)
	if vmStatOK {
		var used int64
		stats := map[string]int64{}
		for _, line := range strings.Split(vmStat, "\n") {
			k, v, ok := strings.Cut(strings.TrimRight(line, "."), ":")
			if !ok {
				continue
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				stats[k] = n
			}
		}
		for _, k := range []string{"Pages wired down", "Pages active", "Pages inactive"} {
			used += stats[k] * 4096
		}
		f["memfree_mb"] = total - used/1024/1024
	}
	return f
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// hardwareFacts runs the hardware collector over the script's output.
func hardwareFacts(h *host, ctx map[string]any) map[string]any {
	f := map[string]any{}
	if h.uname.System == "Darwin" {
		sc, _, _ := h.out.cmd("sysctl")
		model, _, _ := h.out.cmd("hwmodel")
		vm, rc, ok := h.out.cmd("vm_stat")
		return darwinHardwareFacts(parseSysctl(sc), model, vm, ok && rc == 0)
	}
	if h.uname.System != "Linux" {
		return f
	}
	arch, _ := ctx["architecture"].(string)
	if ci, ok := h.out.file("/proc/cpuinfo"); ok {
		xen := h.exists["/proc/xen"]
		if t, ok := h.out.file("/sys/hypervisor/type"); ok && !xen {
			xen = strings.TrimSpace(firstLine(t)) == "xen"
		}
		nproc := 0
		if out, rc, ok := h.out.cmd("nproc"); ok && rc == 0 {
			nproc = atoiOr(out, 0)
		}
		for k, v := range cpuFacts(ci, arch, xen, nproc) {
			f[k] = v
		}
	}
	if mi, ok := h.out.file("/proc/meminfo"); ok {
		for k, v := range memoryFacts(mi) {
			f[k] = v
		}
	}
	in := mountInput{statvfs: map[string][]int64{}, udevadm: map[string]string{}}
	in.mtab, _ = h.out.section("mtab")
	if out, rc, ok := h.out.cmd("findmnt"); ok && rc == 0 {
		in.findmnt = out
	}
	if out, rc, ok := h.out.cmd("lsblk"); ok && rc == 0 {
		in.lsblk = out
	}
	for _, l := range h.out.lines("statvfs") {
		fields := strings.Fields(l)
		if len(fields) != 7 {
			continue
		}
		var nums []int64
		for _, s := range fields[1:] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				break
			}
			nums = append(nums, n)
		}
		if len(nums) == 6 {
			in.statvfs[fields[0]] = nums
		}
	}
	for _, l := range h.out.lines("udevadm") {
		if dev, uuid, ok := strings.Cut(l, " "); ok && uuid != "" {
			in.udevadm[dev] = uuid
		}
	}
	f["mounts"] = mountFacts(in)
	return f
}
