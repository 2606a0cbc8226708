#!/usr/bin/env bash
# Download the pinned Debian linux-source package and extract the kernel
# tarball into the cache.  Prints the path of the extracted tree.
. "$(dirname "$0")/common.sh"

src=$CACHE/src/linux-$BASE_VERSION
if [ -f "$src/.complete" ]; then
	printf '%s\n' "$src"; exit 0
fi

dl=$CACHE/debs; mkdir -p "$dl"
deb=$dl/${BASE_PKG}_${BASE_VERSION//:/%3a}_all.deb
if [ ! -s "$deb" ]; then
	"$TOP/scripts/apt-private.sh" "$BASE_SUITE" update
	say "downloading $BASE_PKG $BASE_VERSION from Debian $BASE_SUITE (~170 MB)"
	if ! (cd "$dl" && "$TOP/scripts/apt-private.sh" "$BASE_SUITE" apt-get -qq download \
			"$BASE_PKG=$BASE_VERSION" >&2); then
		newest=$("$TOP/scripts/apt-private.sh" "$BASE_SUITE" apt-cache policy "$BASE_PKG" |
			awk '/Candidate:/ { print $2 }')
		[ -n "$newest" ] && [ "$newest" != "(none)" ] || die "$BASE_PKG is not in $BASE_SUITE"
		warn "**************************************************************"
		warn "$BASE_PKG $BASE_VERSION is gone from $BASE_SUITE;"
		warn "FALLING BACK to $newest. The series may not apply as tested."
		warn "**************************************************************"
		(cd "$dl" && "$TOP/scripts/apt-private.sh" "$BASE_SUITE" apt-get -qq download \
			"$BASE_PKG=$newest" >&2)
		deb=$(ls -t "$dl"/"${BASE_PKG}"_*_all.deb | head -n1)
		src=$CACHE/src/linux-$newest
	fi
fi

say "extracting $(basename "$deb")"
tmp=$(mktemp -d "$CACHE/src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/*.tar.*'
tarball=$(ls "$tmp"/usr/src/"$BASE_PKG".tar.*)
mkdir -p "$tmp/tree"
tar -x -C "$tmp/tree" --strip-components=1 -f "$tarball"
rm -rf "$src"; mkdir -p "$(dirname "$src")"
mv "$tmp/tree" "$src"
touch "$src/.complete"
printf '%s\n' "$src"
