#!/bin/sh
# mkrepo.sh ROOT: builds the small .deb packages the apt integration tests
# install, indexes them as a flat repository in ROOT/srv/debrepo, and makes
# it the root's only apt source (deb [trusted=yes] file:/srv/debrepo ./), so
# that the tests never reach a network mirror.
#
# Packages: omeprov-dep 1.0; omeprov-hello 1.0 and 2.0 (Depends: omeprov-dep);
# omeprov-extra 1.0; omeprov-impl 1.0 (Provides: omeprov-virtual);
# omeprov-conf 1.0 (a conffile, for purge).
# Needs dpkg-deb and dpkg-scanpackages (package dpkg-dev).
set -eu
root=$1
repo=$root/srv/debrepo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$repo"

mk() { # name version [extra control lines...]
	name=$1 version=$2
	shift 2
	d=$work/$name-$version
	mkdir -p "$d/DEBIAN" "$d/usr/share/doc/$name"
	{
		echo "Package: $name"
		echo "Version: $version"
		echo "Architecture: all"
		echo "Maintainer: omeprov tests <tests@example.invalid>"
		echo "Section: misc"
		echo "Priority: optional"
		for l in "$@"; do echo "$l"; done
		echo "Description: omeprov test package $name"
		echo " Built by modules/testdata/apt/mkrepo.sh."
	} >"$d/DEBIAN/control"
	echo "$name $version" >"$d/usr/share/doc/$name/VERSION"
	if [ "$name" = omeprov-conf ]; then
		mkdir -p "$d/etc"
		echo "setting=1" >"$d/etc/omeprov-conf.conf"
		echo /etc/omeprov-conf.conf >"$d/DEBIAN/conffiles"
	fi
	dpkg-deb --root-owner-group --build "$d" "$repo/${name}_${version}_all.deb" >/dev/null
}

mk omeprov-dep 1.0
mk omeprov-hello 1.0 "Depends: omeprov-dep"
mk omeprov-hello 2.0 "Depends: omeprov-dep (>= 1.0)"
mk omeprov-extra 1.0
mk omeprov-impl 1.0 "Provides: omeprov-virtual"
mk omeprov-conf 1.0
(cd "$repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null)

rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/debrepo ./' >"$root/etc/apt/sources.list.d/omeprov-test.list"
