#!/usr/bin/env bash
# apply.sh DIR: write base/ with the patches of this directory applied to
# DIR (replacing it).  Fails if a patch does not apply exactly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$here/base/." "$tmp/"
for p in "$here"/0*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] && continue
	# Outside any git work tree, git apply patches plain files.
	(cd "$tmp" && GIT_CEILING_DIRECTORIES=$tmp/.. git apply --whitespace=error-all "$p") ||
		{ echo "${p##*/} does not apply to base/" >&2; exit 1; }
done
rm -rf "$1"; mkdir -p "$1"; cp -r "$tmp/." "$1/"
