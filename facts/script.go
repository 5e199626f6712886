package facts

import (
	"strings"

	"github.com/ome/omeprov/connection"
)

// marker starts every section of the script's output. A section is
// "\n" + marker + " " + name + "\n" + content; the content of a section
// ends where the next marker begins, so file contents are kept exactly.
const marker = "@@omeprov-facts@@"

// scriptHelpers are the shell functions every part uses.
const scriptHelpers = `
m() { printf '\n` + marker + ` %s\n' "$1"; }
# run NAME CMD...: the output of CMD, then its exit status.
run() { n=$1; shift; m "cmd $n"; "$@" 2>/dev/null; r=$?; m "rc $n $r"; }
# f PATH...: the content of each readable file.
f() { for p in "$@"; do if [ -f "$p" ] && [ -r "$p" ]; then m "file $p"; cat "$p" 2>/dev/null; fi; done; }
`

// scriptCommon gathers what every platform needs. It is POSIX sh (dash,
// bash, macOS /bin/sh) and never fails: every probe is optional. $G_HW,
// $G_NET and $G_VIRT say whether the hardware, network and virtual
// sections are wanted.
const scriptCommon = `
if env -0 >/dev/null 2>&1; then m env0; env -0; else m env; env; fi
LC_ALL=C; export LC_ALL
PATH="${PATH:-/usr/bin:/bin}:/sbin:/usr/sbin:/usr/local/sbin"
m date; date '+%s %N %Z %z' 2>/dev/null
now=$(date +%s 2>/dev/null); y=$(( (365 * 24 + 6) * 3600 )); t1=$(( now / y * y )); t2=$(( t1 + y / 2 ))
m tzprobe
{ date -d "@$t1" '+%Z %z' || date -r "$t1" '+%Z %z'; } 2>/dev/null
{ date -d "@$t2" '+%Z %z' || date -r "$t2" '+%Z %z'; } 2>/dev/null
m uname; uname -s; uname -r; uname -v; uname -m; uname -n
m longbit; getconf LONG_BIT 2>/dev/null
m bins
for b in systemctl initctl lsblk findmnt udevadm ip dmidecode lsb_release dpkg getent nproc sw_vers xcode-select brew; do
	p=$(command -v "$b" 2>/dev/null) && printf '%s %s\n' "$b" "$p"
done
m exists
for p in /usr/bin/rpm-ostree /usr/bin/yum /usr/bin/dnf /usr/bin/apt-get /usr/bin/zypper /usr/sbin/urpmi \
	/usr/bin/pacman /bin/opkg /usr/pkg/bin/pkgin /opt/local/bin/pkgin /opt/tools/bin/pkgin /opt/local/bin/port \
	/usr/local/bin/brew /opt/homebrew/bin/brew /sbin/apk /usr/sbin/pkg /usr/sbin/swlist /usr/bin/emerge \
	/usr/sbin/pkgadd /usr/bin/pkg /usr/bin/xbps-install /usr/local/sbin/pkg /usr/bin/swupd /usr/sbin/sorcery \
	/usr/bin/installp /QOpenSys/pkgs/bin/yum /run/ostree-booted /usr/bin/rpm \
	/run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/ /proc/1/comm \
	/proc/xen /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /dev/kvm /rhev/ /proc/cpuinfo /proc/meminfo \
	/proc/modules /etc/mtab /sys/kernel/security/apparmor /etc/os-release /usr/lib/os-release; do
	[ -e "$p" ] && printf '%s\n' "$p"
done
m initlink; [ -h /sbin/init ] && readlink /sbin/init
u=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}
[ -n "$u" ] || u=$(id -un 2>/dev/null)
m ids; printf '%s\n' "$u"; id -u; id -g
m passwd
if [ "$(uname -s)" = Darwin ] && command -v dscl >/dev/null 2>&1; then
	dscl . -read "/Users/$u" UniqueID PrimaryGroupID RealName NFSHomeDirectory UserShell 2>/dev/null | awk -v u="$u" '
		/^[A-Za-z]+:/ { k = $1; sub(/:$/, "", k); v = $0; sub(/^[A-Za-z]+: ?/, "", v); a[k] = v; next }
		{ sub(/^ +/, ""); a[k] = (a[k] == "" ? $0 : a[k] " " $0) }
		END { printf "%s:*:%s:%s:%s:%s:%s\n", u, a["UniqueID"], a["PrimaryGroupID"], a["RealName"], a["NFSHomeDirectory"], a["UserShell"] }'
elif command -v getent >/dev/null 2>&1; then
	getent passwd "$u" 2>/dev/null || getent passwd "$(id -u)" 2>/dev/null
elif [ -r /etc/passwd ]; then
	grep "^$u:" /etc/passwd 2>/dev/null || awk -F: -v id="$(id -u)" '$3 == id { print; exit }' /etc/passwd
fi
m fqdn
h=$(uname -n)
if [ "$(uname -s)" != Darwin ] && command -v getent >/dev/null 2>&1; then
	a=$(getent ahosts "$h" 2>/dev/null | awk 'NR == 1 { print $1 }')
	[ -n "$a" ] && getent hosts "$a" 2>/dev/null | head -n 1
else
	hostname -f 2>/dev/null
fi
m pydistro
for p in /usr/lib/python3/dist-packages/distro-*-info /usr/lib/python3*/site-packages/distro-*-info /usr/lib/python3*/dist-packages/distro-*-info /usr/lib64/python3*/site-packages/distro-*-info; do
	[ -e "$p" ] && printf '%s\n' "${p##*/}"
done
m python
got=
for p in python3.11 python3.10 python3.9 python3.8 python3.7 python3.6 python3.5 /usr/bin/python3 /usr/libexec/platform-python python2.7 /usr/bin/python python; do
	c=$(command -v "$p" 2>/dev/null) || continue
	if [ "$c" = /usr/bin/python3 ] && [ "$(uname -s)" = Darwin ] && ! xcode-select -p >/dev/null 2>&1; then continue; fi
	v=
	case $got:$c in
	:*|*:/usr/bin/python3|*:/usr/libexec/platform-python|*:/usr/bin/python)
		v=$("$c" -V 2>&1 | head -n 1)
		case $v in "Python "*) got=1 ;; esac ;;
	esac
	printf '%s\t%s\t%s\n' "$p" "$c" "$v"
done
`

// scriptLinux gathers Linux sources.
const scriptLinux = `
f /etc/altlinux-release /etc/oracle-release /etc/slackware-version /etc/centos-release /etc/redhat-release \
	/etc/vmware-release /etc/openwrt_release /etc/os-release /etc/system-release /etc/alpine-release \
	/etc/arch-release /etc/SuSE-release /etc/gentoo-release /etc/lsb-release /etc/sourcemage-release \
	/usr/lib/os-release /etc/coreos/update.conf /etc/debian_version /proc/1/comm /run/systemd/container \
	/etc/selinux/config /var/lib/dbus/machine-id /etc/machine-id
m releasefiles
for p in /etc/*-release /etc/*_release /etc/*-version /etc/*_version; do
	[ -f "$p" ] && printf '%s\t%s\n' "${p##*/}" "$(head -n 1 "$p" 2>/dev/null)"
done
if command -v lsb_release >/dev/null 2>&1; then run lsb_release lsb_release -a; fi
if command -v dpkg >/dev/null 2>&1; then run tzdata sh -c "dpkg --status tzdata | grep Provides | cut -f2 -d'-'"; fi
if [ -x /usr/bin/rpm ] && [ -e /usr/bin/apt-get ]; then run rpmapt /usr/bin/rpm -q --whatprovides /usr/bin/apt-get; fi
[ -e /proc/1/comm ] || run ps1 sh -c 'ps -p 1 -o comm | tail -n 1'
m selinux
for p in /lib/libselinux.so.1 /lib64/libselinux.so.1 /usr/lib/libselinux.so.1 /usr/lib64/libselinux.so.1 /lib/*/libselinux.so.1 /usr/lib/*/libselinux.so.1; do
	[ -e "$p" ] && { echo "lib $p"; break; }
done
s=$(awk '$3 == "selinuxfs" { print $2; exit }' /proc/mounts 2>/dev/null)
if [ -n "$s" ]; then
	echo "mnt $s"
	[ -r "$s/enforce" ] && echo "enforce $(cat "$s/enforce")"
	[ -r "$s/policyvers" ] && echo "policyvers $(cat "$s/policyvers")"
fi
if [ "$G_VIRT" = 1 ]; then
	f /proc/1/cgroup /proc/1/environ /proc/xen/capabilities /sys/devices/virtual/dmi/id/product_name /sys/devices/virtual/dmi/id/sys_vendor \
		/sys/devices/virtual/dmi/id/product_family /sys/devices/virtual/dmi/id/bios_vendor /proc/modules
	m vxid; grep '^VxID' /proc/self/status 2>/dev/null
	if command -v dmidecode >/dev/null 2>&1; then run dmidecode dmidecode -s system-product-name; fi
fi
if [ "$G_HW" = 1 ] || [ "$G_VIRT" = 1 ]; then f /proc/cpuinfo /sys/hypervisor/type; fi
if [ "$G_HW" = 1 ]; then
	f /proc/meminfo
	if command -v nproc >/dev/null 2>&1; then run nproc nproc; fi
	if [ -e /etc/mtab ]; then mt=/etc/mtab; else mt=/proc/mounts; fi
	m mtab; cat "$mt" 2>/dev/null
	if command -v findmnt >/dev/null 2>&1; then run findmnt findmnt --list --noheadings --notruncate; fi
	if command -v lsblk >/dev/null 2>&1; then run lsblk lsblk --list --noheadings --paths --output NAME,UUID --exclude 2; fi
	m statvfs
	awk '($1 ~ /^[\/\\]/ || $1 ~ /:\//) && $3 != "none" { print $2 }' "$mt" 2>/dev/null | while IFS= read -r p; do
		d=$(printf '%s' "$p" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g')
		d=$(printf '%b' "$d")
		printf '%s %s\n' "$p" "$(stat -f -c '%s %S %b %a %c %d' "$d" 2>/dev/null)"
	done
	if command -v udevadm >/dev/null 2>&1; then
		m udevadm
		awk '($1 ~ /^[\/\\]/ || $1 ~ /:\//) && $3 != "none" { print $1 }' "$mt" 2>/dev/null | sort -u | while IFS= read -r d; do
			printf '%s %s\n' "$d" "$(udevadm info --query property --name "$d" 2>/dev/null | sed -n 's/^ID_FS_UUID=//p' | head -n 1)"
		done
	fi
fi
if [ "$G_NET" = 1 ] && command -v ip >/dev/null 2>&1; then
	run route4 ip -4 route get 8.8.8.8
	run route6 ip -6 route get 2404:6800:400a:800::1012
	for p in $(ls -f /sys/class/net 2>/dev/null); do
		case $p in .|..) continue ;; esac
		[ -d "/sys/class/net/$p" ] || continue
		m "iface $p"
		for a in address mtu operstate type; do
			[ -r "/sys/class/net/$p/$a" ] && printf '%s %s\n' "$a" "$(cat "/sys/class/net/$p/$a" 2>/dev/null)"
		done
		[ -e "/sys/class/net/$p/bridge" ] && echo "bridge"
		[ -e "/sys/class/net/$p/bonding" ] && echo "bonding"
		if ip addr show primary dev "$p" >/dev/null 2>&1; then run "primary $p" ip addr show primary dev "$p"; else run "primary $p" ip addr show dev "$p"; fi
		run "secondary $p" ip addr show secondary dev "$p"
	done
fi
`

// scriptDarwin gathers macOS sources.
const scriptDarwin = `
run sw_vers sw_vers
run ps1 sh -c 'ps -p 1 -o comm | tail -n 1'
run sysctl sysctl hw.memsize hw.logicalcpu hw.ncpu hw.physicalcpu machdep.cpu.brand_string machdep.cpu.core_count kern.osversion kern.osrevision
if [ "$G_HW" = 1 ]; then
	run hwmodel sysctl hw.model
	run vm_stat vm_stat
fi
if [ "$G_NET" = 1 ]; then
	run droute4 route -n get default
	run droute6 route -n get -inet6 default
	run ifconfig ifconfig -a
fi
`

// scriptLocal reads local facts (*.fact in $FP): executable ones are run.
const scriptLocal = `
if [ -n "$FP" ] && [ -e "$FP" ]; then
	m localfacts
	for fn in "$FP"/*.fact; do
		[ -e "$fn" ] || continue
		if [ -x "$fn" ]; then run "lfx $fn" "$fn"; else m "lf $fn"; cat "$fn" 2>/dev/null; fi
	done
fi
`

// buildScript returns the gathering script for the wanted collectors;
// factPath is where local facts are read from ("" for none).
func buildScript(want map[string]bool, factPath string) string {
	var b strings.Builder
	b.WriteString("FP=" + connection.Quote(factPath) + "\n")
	flag := func(name string, on bool) {
		b.WriteString(name)
		if on {
			b.WriteString("=1\n")
		} else {
			b.WriteString("=0\n")
		}
	}
	flag("G_HW", want["hardware"])
	flag("G_NET", want["network"])
	flag("G_VIRT", want["virtual"])
	b.WriteString(scriptHelpers)
	b.WriteString(scriptCommon)
	b.WriteString("case $(uname -s) in\nDarwin)\n")
	b.WriteString(scriptDarwin)
	b.WriteString(";;\n*)\n")
	b.WriteString(scriptLinux)
	b.WriteString(";;\nesac\n")
	if want["local"] {
		b.WriteString(scriptLocal)
	}
	b.WriteString("m end\n")
	return b.String()
}
