package facts

import (
	"encoding/binary"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// This file mirrors network/linux.py and network/generic_bsd.py (used by
// macOS) of ansible-core 2.14.

// linuxDefaultRoute is LinuxNetwork.get_default_interfaces for one
// family: the first line of `ip -4 route get 8.8.8.8` (target is the
// address asked for).
func linuxDefaultRoute(out, target string) map[string]any {
	iface := map[string]any{}
	if out == "" {
		return iface
	}
	words := strings.Fields(strings.Split(out, "\n")[0])
	if len(words) == 0 || words[0] != target {
		return iface
	}
	for i := 0; i < len(words)-1; i++ {
		switch words[i] {
		case "dev":
			iface["interface"] = words[i+1]
		case "src":
			iface["address"] = words[i+1]
		case "via":
			if words[i+1] != target {
				iface["gateway"] = words[i+1]
			}
		}
	}
	return iface
}

// linuxIface is one /sys/class/net entry with its `ip addr` outputs.
type linuxIface struct {
	device    string
	attrs     map[string]string // address, mtu, operstate, type
	bridge    bool
	bonding   bool
	primary   string // ip addr show primary dev X (or show dev X)
	secondary string
}

// interfaceType is LinuxNetwork.INTERFACE_TYPE.
var interfaceType = map[string]string{"1": "ether", "32": "infiniband", "512": "ppp", "772": "loopback", "65534": "tunnel"}

func ipv4Net(address, prefix string) (netmask, network string, ok bool) {
	ip := net.ParseIP(address).To4()
	n, err := strconv.Atoi(prefix)
	if ip == nil || err != nil || n < 0 || n > 32 {
		return "", "", false
	}
	a := binary.BigEndian.Uint32(ip)
	mask := uint32(0)
	if n > 0 {
		mask = ^uint32(0) << (32 - n)
	}
	var mb, nb [4]byte
	binary.BigEndian.PutUint32(mb[:], mask)
	binary.BigEndian.PutUint32(nb[:], a&mask)
	return net.IP(mb[:]).String(), net.IP(nb[:]).String(), true
}

// linuxNetworkFacts is LinuxNetwork.populate: interfaces, the default
// IPv4/IPv6 interfaces and all addresses.
func linuxNetworkFacts(route4, route6 string, ifaces []linuxIface) map[string]any {
	def4 := linuxDefaultRoute(route4, "8.8.8.8")
	def6 := linuxDefaultRoute(route6, "2404:6800:400a:800::1012")
	interfaces := map[string]map[string]any{}
	var order []string
	all4, all6 := []any{}, []any{}
	for _, ifc := range ifaces {
		dev := ifc.device
		d := map[string]any{"device": dev}
		interfaces[dev] = d
		order = append(order, dev)
		mac := ""
		if v, ok := ifc.attrs["address"]; ok {
			mac = v
			if v != "" && v != "00:00:00:00:00:00" {
				d["macaddress"] = v
			}
		}
		if v, ok := ifc.attrs["mtu"]; ok {
			d["mtu"] = atoiOr(v, 0)
		}
		if v, ok := ifc.attrs["operstate"]; ok {
			d["active"] = v != "down"
		}
		if v, ok := ifc.attrs["type"]; ok {
			if t, ok := interfaceType[v]; ok {
				d["type"] = t
			} else {
				d["type"] = "unknown"
			}
		}
		if ifc.bridge {
			d["type"] = "bridge"
		}
		if ifc.bonding {
			d["type"] = "bonding"
		}
		parse := func(output string, secondary bool) {
			for _, line := range strings.Split(output, "\n") {
				words := strings.Fields(line)
				if len(words) < 2 {
					continue
				}
				switch words[0] {
				case "inet":
					address, plen := words[1], "32"
					broadcast := ""
					if a, p, ok := strings.Cut(words[1], "/"); ok {
						address, plen = a, p
						if len(words) > 3 && words[2] == "brd" {
							broadcast = words[3]
						}
					}
					netmask, network, ok := ipv4Net(address, plen)
					if !ok {
						continue
					}
					entry := func() map[string]any {
						return map[string]any{"address": address, "broadcast": broadcast, "netmask": netmask, "network": network, "prefix": plen}
					}
					ifname := words[len(words)-1]
					target, ok := interfaces[ifname]
					if ifname != dev || !ok {
						target = map[string]any{}
						interfaces[ifname] = target
						if ifname != dev {
							order = appendOnce(order, ifname)
						}
					}
					if _, has := target["ipv4"]; !secondary && !has {
						target["ipv4"] = entry()
					} else {
						sec, _ := target["ipv4_secondaries"].([]any)
						target["ipv4_secondaries"] = append(sec, entry())
					}
					if secondary {
						sec, _ := d["ipv4_secondaries"].([]any)
						if ifname != dev {
							sec = append(sec, entry())
						}
						d["ipv4_secondaries"] = sec
					}
					if a, ok := def4["address"]; ok && a == address {
						def4["broadcast"] = broadcast
						def4["netmask"] = netmask
						def4["network"] = network
						def4["prefix"] = plen
						def4["macaddress"] = mac
						def4["mtu"] = d["mtu"]
						if t, ok := d["type"]; ok {
							def4["type"] = t
						} else {
							def4["type"] = "unknown"
						}
						def4["alias"] = ifname
					}
					if !strings.HasPrefix(address, "127.") {
						all4 = append(all4, address)
					}
				case "inet6":
					var address, prefix, scope string
					if len(words) > 5 && words[2] == "peer" {
						address = words[1]
						_, prefix, _ = strings.Cut(words[3], "/")
						scope = words[5]
					} else if len(words) > 3 {
						address, prefix, _ = strings.Cut(words[1], "/")
						scope = words[3]
					} else {
						continue
					}
					v6, _ := d["ipv6"].([]any)
					d["ipv6"] = append(v6, map[string]any{"address": address, "prefix": prefix, "scope": scope})
					if a, ok := def6["address"]; ok && a == address {
						def6["prefix"] = prefix
						def6["scope"] = scope
						def6["macaddress"] = mac
						def6["mtu"] = d["mtu"]
						if t, ok := d["type"]; ok {
							def6["type"] = t
						} else {
							def6["type"] = "unknown"
						}
					}
					if address != "::1" {
						all6 = append(all6, address)
					}
				}
			}
		}
		parse(ifc.primary, false)
		parse(ifc.secondary, true)
	}
	f := map[string]any{}
	names := []any{}
	for _, n := range order {
		key := strings.ReplaceAll(n, ":", "_")
		names = append(names, key)
		f[key] = interfaces[n]
	}
	f["interfaces"] = names
	f["default_ipv4"] = def4
	f["default_ipv6"] = def6
	f["all_ipv4_addresses"] = all4
	f["all_ipv6_addresses"] = all6
	return f
}

func appendOnce(s []string, v string) []string {
	for _, e := range s {
		if e == v {
			return s
		}
	}
	return append(s, v)
}

// bsdDefaultRoute is GenericBsdIfconfigNetwork.get_default_interfaces for
// one family over `route -n get default` output.
func bsdDefaultRoute(out string) map[string]any {
	iface := map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		words := strings.Split(strings.TrimSpace(line), ": ")
		if len(words) < 2 {
			continue
		}
		switch words[0] {
		case "interface":
			iface["interface"] = words[1]
		case "gateway":
			iface["gateway"] = words[1]
		case "if address", "local addr":
			iface["address"] = words[1]
		}
	}
	return iface
}

func bsdOptions(s string) []any {
	start := strings.Index(s, "<") + 1
	end := strings.LastIndex(s, ">")
	if start > 0 && end > 0 && end > start+1 {
		return stringsToAny(strings.Split(s[start:end], ","))
	}
	return []any{}
}

var hexMaskRE = regexp.MustCompile(`^([0-9a-f]){8}$`)

// darwinIfconfig is GenericBsdIfconfigNetwork.get_interfaces_info with
// DarwinNetwork's media line, over `ifconfig -a` output.
func darwinIfconfig(out string) (map[string]map[string]any, []any, []any) {
	interfaces := map[string]map[string]any{}
	var cur map[string]any
	all4, all6 := []any{}, []any{}
	startRE := regexp.MustCompile(`^\S`)
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		words := strings.Fields(line)
		if len(words) == 0 || words[0] == "pass" {
			continue
		}
		if startRE.MatchString(line) && len(words) > 3 {
			dev := strings.TrimSuffix(words[0], ":")
			if len(words[0]) > 0 {
				dev = words[0][:len(words[0])-1]
			}
			cur = map[string]any{"device": dev, "ipv4": []any{}, "ipv6": []any{}, "type": "unknown", "macaddress": "unknown"}
			flags := bsdOptions(words[1])
			cur["flags"] = flags
			for _, fl := range flags {
				if fl == "LOOPBACK" {
					cur["type"] = "loopback"
				}
			}
			if len(words) >= 5 {
				cur["metric"] = words[3]
				if len(words) > 5 {
					cur["mtu"] = words[5]
				}
			} else {
				cur["mtu"] = words[3]
			}
			interfaces[dev] = cur
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.HasPrefix(words[0], "options="):
			cur["options"] = bsdOptions(words[0])
		case words[0] == "nd6" && len(words) > 1:
			cur["options"] = bsdOptions(words[1])
		case words[0] == "ether" && len(words) > 1:
			cur["macaddress"] = words[1]
			cur["type"] = "ether"
		case words[0] == "media:" && len(words) > 1:
			cur["media"] = "Unknown"
			cur["media_select"] = words[1]
			if len(words) > 2 {
				if words[1] == "<unknown" && words[2] == "type>" {
					cur["media_select"] = "Unknown"
					cur["media_type"] = "unknown type"
				} else if len(words[2]) >= 2 {
					cur["media_type"] = words[2][1 : len(words[2])-1]
				}
			}
			if len(words) > 3 {
				cur["media_options"] = bsdOptions(words[3])
			}
		case words[0] == "status:" && len(words) > 1:
			cur["status"] = words[1]
		case words[0] == "lladdr" && len(words) > 1:
			cur["lladdr"] = words[1]
		case words[0] == "inet" && len(words) > 1:
			if a, ok := bsdInet(words); ok {
				if !strings.HasPrefix(a["address"].(string), "127.") {
					all4 = append(all4, a["address"])
				}
				cur["ipv4"] = append(cur["ipv4"].([]any), a)
			}
		case words[0] == "inet6" && len(words) > 1:
			a := map[string]any{"address": words[1]}
			if ip, p, ok := strings.Cut(words[1], "/"); ok {
				a["address"], a["prefix"] = ip, p
				if len(words) > 5 {
					a["scope"] = words[5]
				}
			} else {
				if len(words) >= 4 && words[2] == "prefixlen" {
					a["prefix"] = words[3]
				}
				if len(words) >= 6 && words[4] == "scopeid" {
					a["scope"] = words[5]
				}
			}
			switch a["address"] {
			case "::1", "::1/128", "fe80::1%lo0":
			default:
				all6 = append(all6, a["address"])
			}
			cur["ipv6"] = append(cur["ipv6"].([]any), a)
		case words[0] == "tunnel":
			cur["type"] = "tunnel"
		}
	}
	return interfaces, all4, all6
}

// bsdInet is parse_inet_line.
func bsdInet(words []string) (map[string]any, bool) {
	w := append([]string(nil), words...)
	if len(w) > 1 && w[1] == "alias" {
		w = append(w[:1], w[2:]...)
	}
	if len(w) < 2 {
		return nil, false
	}
	a := map[string]any{"address": w[1]}
	address := w[1]
	var netmask string
	if ip, cidr, ok := strings.Cut(w[1], "/"); ok {
		address = ip
		a["address"] = ip
		nm, _, ok := ipv4Net(ip, cidr)
		if !ok {
			return nil, false
		}
		netmask = nm
		if len(w) > 5 {
			a["broadcast"] = w[3]
		}
	} else {
		idx := 3
		for i, x := range w {
			if x == "netmask" {
				idx = i + 1
				break
			}
		}
		if idx >= len(w) {
			return nil, false
		}
		nm := w[idx]
		if hexMaskRE.MatchString(nm) {
			nm = "0x" + nm
		}
		if strings.HasPrefix(nm, "0x") {
			v, err := strconv.ParseUint(nm[2:], 16, 32)
			if err != nil {
				return nil, false
			}
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(v))
			nm = net.IP(b[:]).String()
		}
		netmask = nm
	}
	a["netmask"] = netmask
	ip, mask := net.ParseIP(address).To4(), net.ParseIP(netmask).To4()
	if ip == nil || mask == nil {
		return nil, false
	}
	ab, mb := binary.BigEndian.Uint32(ip), binary.BigEndian.Uint32(mask)
	var nb, bb [4]byte
	binary.BigEndian.PutUint32(nb[:], ab&mb)
	a["network"] = net.IP(nb[:]).String()
	if _, ok := a["broadcast"]; !ok {
		bi := -1
		for i, x := range w {
			if x == "broadcast" {
				bi = i + 1
				break
			}
		}
		if bi > 0 && bi < len(w) {
			a["broadcast"] = w[bi]
		} else {
			binary.BigEndian.PutUint32(bb[:], ab|^mb)
			a["broadcast"] = net.IP(bb[:]).String()
		}
	}
	return a, true
}

// darwinNetworkFacts is DarwinNetwork.populate.
func darwinNetworkFacts(route4, route6, ifconfig string) map[string]any {
	def4, def6 := bsdDefaultRoute(route4), bsdDefaultRoute(route6)
	interfaces, all4, all6 := darwinIfconfig(ifconfig)
	for _, ifc := range interfaces {
		if m, ok := ifc["media"].(string); ok && strings.Contains(strings.ToLower(m), "ether") {
			ifc["type"] = "ether"
		}
	}
	merge := func(def map[string]any, kind string) {
		name, ok := def["interface"].(string)
		if !ok {
			return
		}
		ifc, ok := interfaces[name]
		if !ok {
			return
		}
		for k, v := range ifc {
			if k != "ipv4" && k != "ipv6" {
				def[k] = v
			}
		}
		ips, _ := ifc[kind].([]any)
		var pick []any
		if addr, ok := def["address"]; ok {
			for _, x := range ips {
				if x.(map[string]any)["address"] == addr {
					pick = append(pick, x)
				}
			}
		}
		if len(pick) == 0 {
			pick = ips
		}
		if len(pick) > 0 {
			for k, v := range pick[0].(map[string]any) {
				def[k] = v
			}
		}
	}
	merge(def4, "ipv4")
	merge(def6, "ipv6")
	f := map[string]any{}
	var names []string
	for n := range interfaces {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		f[n] = interfaces[n]
	}
	f["interfaces"] = stringsToAny(names)
	f["default_ipv4"] = def4
	f["default_ipv6"] = def6
	f["all_ipv4_addresses"] = all4
	f["all_ipv6_addresses"] = all6
	return f
}

// networkFacts runs the network collector over the script's output.
func networkFacts(h *host) map[string]any {
	switch h.uname.System {
	case "Darwin":
		r4, _, _ := h.out.cmd("droute4")
		r6, _, _ := h.out.cmd("droute6")
		ifc, _, _ := h.out.cmd("ifconfig")
		return darwinNetworkFacts(r4, r6, ifc)
	case "Linux":
		if h.bins["ip"] == "" {
			return map[string]any{}
		}
		r4, _, _ := h.out.cmd("route4")
		r6, _, _ := h.out.cmd("route6")
		var ifaces []linuxIface
		for _, n := range h.out.order {
			dev, ok := strings.CutPrefix(n, "iface ")
			if !ok {
				continue
			}
			ifc := linuxIface{device: dev, attrs: map[string]string{}}
			for _, l := range h.out.lines(n) {
				switch l {
				case "bridge":
					ifc.bridge = true
				case "bonding":
					ifc.bonding = true
				default:
					if k, v, ok := strings.Cut(l, " "); ok {
						ifc.attrs[k] = v
					}
				}
			}
			if out, rc, ok := h.out.cmd("primary " + dev); ok && rc == 0 {
				ifc.primary = out
			}
			if out, rc, ok := h.out.cmd("secondary " + dev); ok && rc == 0 {
				ifc.secondary = out
			}
			ifaces = append(ifaces, ifc)
		}
		return linuxNetworkFacts(r4, r6, ifaces)
	}
	return map[string]any{}
}
