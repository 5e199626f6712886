#!/bin/sh
# Builds omeprov's Python catalog (pypolicy/catalog/*.tsv) from the
# distributions' own repository metadata. Run from the repository root:
#
#   sh pypolicy/catalog/build.sh [debian-12] [ubuntu-22.04] [rocky-9]
#
# debian-12     this machine's apt lists (a Debian 12 host after
#               `apt-get update`: main, bookworm-updates, bookworm-security)
#               and dh-python's cpython3_fallback (`apt-get download dh-python`).
# ubuntu-22.04  Packages.xz of jammy{,-updates,-security} main and universe
#               and jammy's dh-python .deb, from $UBUNTU_MIRROR.
# rocky-9       repodata/*-primary.xml.gz of BaseOS, AppStream and CRB from
#               $ROCKY_MIRROR (python3dist(NAME) provides).
#
# A release whose metadata cannot be fetched keeps its current file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
UBUNTU_MIRROR=${UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}
ROCKY_MIRROR=${ROCKY_MIRROR:-https://dl.rockylinux.org/pub/rocky/9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
today=$(date -u +%Y-%m-%d)
gen() { go run ./pypolicy/catalog/gen "$@"; }

debian12() {
	. /etc/os-release
	[ "${VERSION_CODENAME:-}" = bookworm ] || { echo "debian-12: needs a Debian 12 host" >&2; return 1; }
	files=
	for f in $(apt-get indextargets --format '$(FILENAME)' 'Created-By: Packages' 'Codename: bookworm' 'Component: main' 2>/dev/null) \
		$(apt-get indextargets --format '$(FILENAME)' 'Created-By: Packages' 'Component: main' 2>/dev/null | grep -e bookworm-updates -e bookworm-security); do
		out="$work/$(basename "$f")"
		[ -e "$out" ] && continue
		/usr/lib/apt/apt-helper cat-file "$f" >"$out" || continue
		files="$files${files:+,}$out"
	done
	[ -n "$files" ] || { echo "debian-12: no Packages lists; run apt-get update" >&2; return 1; }
	(cd "$work" && apt-get download dh-python >/dev/null 2>&1) || { echo "debian-12: cannot download dh-python" >&2; return 1; }
	dpkg-deb -x "$work"/dh-python_*.deb "$work/dh"
	dhv=$(dpkg-deb -f "$work"/dh-python_*.deb Version)
	src=$(printf '%s\n%s\n%s' \
		"release: Debian 12 (bookworm) main, bookworm-updates, bookworm-security, amd64 (real data)" \
		"source: $(grep -m1 '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | cut -d' ' -f2) Packages lists, and dh-python $dhv /usr/share/dh-python/dist/cpython3_fallback (Debian's map of PyPI names to packages)" \
		"built: $today by pypolicy/catalog/build.sh")
	gen -release debian-12 -source "$src" -fallback "$work/dh/usr/share/dh-python/dist/cpython3_fallback" -packages "$files" >"$work/debian-12.tsv"
	mv "$work/debian-12.tsv" "$here/debian-12.tsv"
}

ubuntu2204() {
	files=
	for s in jammy jammy-updates jammy-security; do
		for c in main universe; do
			out="$work/$s-$c-Packages"
			curl -fsSL "$UBUNTU_MIRROR/dists/$s/$c/binary-amd64/Packages.xz" | xz -d >"$out" || return 1
			files="$files${files:+,}$out"
		done
	done
	# dh-python is in universe on jammy; take the newest pocket that has it.
	deb=
	for f in "$work"/jammy-security-*-Packages "$work"/jammy-updates-*-Packages "$work"/jammy-main-Packages "$work"/jammy-universe-Packages; do
		deb=$(awk '/^Package: /{p=($2=="dh-python")} p&&/^Filename: /{print $2; exit}' "$f")
		[ -n "$deb" ] && break
	done
	[ -n "$deb" ] || { echo "ubuntu-22.04: no dh-python in the lists" >&2; return 1; }
	curl -fsSL -o "$work/dh-python.deb" "$UBUNTU_MIRROR/$deb" || return 1
	dpkg-deb -x "$work/dh-python.deb" "$work/udh"
	src=$(printf '%s\n%s\n%s' \
		"release: Ubuntu 22.04 (jammy) main, universe, -updates, -security, amd64 (real data)" \
		"source: $UBUNTU_MIRROR Packages.xz and $deb cpython3_fallback" \
		"built: $today by pypolicy/catalog/build.sh")
	gen -release ubuntu-22.04 -source "$src" -fallback "$work/udh/usr/share/dh-python/dist/cpython3_fallback" -packages "$files" >"$work/u.tsv"
	mv "$work/u.tsv" "$here/ubuntu-22.04.tsv"
}

rocky9() {
	files=
	for r in BaseOS AppStream CRB; do
		base="$ROCKY_MIRROR/$r/x86_64/os"
		p=$(curl -fsSL "$base/repodata/repomd.xml" | tr -d '\n' | sed 's/<data /\n<data /g' | grep 'type="primary"' | sed 's/.*<location href="\([^"]*\)".*/\1/') || return 1
		[ -n "$p" ] || return 1
		curl -fsSL -o "$work/$r-primary.xml.gz" "$base/$p" || return 1
		files="$files${files:+,}$work/$r-primary.xml.gz"
	done
	src=$(printf '%s\n%s\n%s' \
		"release: Rocky Linux 9 BaseOS, AppStream, CRB, x86_64 (real data)" \
		"source: $ROCKY_MIRROR repodata primary.xml.gz, python3dist() provides" \
		"built: $today by pypolicy/catalog/build.sh")
	gen -release rocky-9 -source "$src" -primary "$files" >"$work/r.tsv"
	mv "$work/r.tsv" "$here/rocky-9.tsv"
}

[ $# -gt 0 ] || set -- debian-12 ubuntu-22.04 rocky-9
status=0
for rel in "$@"; do
	case $rel in
	debian-12) debian12 || { echo "build.sh: debian-12 not rebuilt" >&2; status=1; } ;;
	ubuntu-22.04) ubuntu2204 || { echo "build.sh: ubuntu-22.04 not rebuilt (cannot fetch from $UBUNTU_MIRROR)" >&2; status=1; } ;;
	rocky-9) rocky9 || { echo "build.sh: rocky-9 not rebuilt (cannot fetch from $ROCKY_MIRROR)" >&2; status=1; } ;;
	*) echo "build.sh: unknown release $rel" >&2; status=2 ;;
	esac
done
exit $status
