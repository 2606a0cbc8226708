#!/usr/bin/env bash
# Exit non-zero if build/linux holds work that patches/ does not.
. "$(dirname "$0")/common.sh"

[ -d "$KSRC/.git" ] || { echo "no build/linux: nothing to export"; exit 0; }
rc=0
# Debian's tree ignores everything at the top level: show ignored files too
# (the build is out of tree, so the source tree holds no build products).
dirty=$(git -C "$KSRC" status --porcelain --ignored)
if [ -n "$dirty" ]; then
	echo "build/linux has uncommitted edits (commit them, then 'make export'):"
	printf '%s\n' "$dirty" | head -20 | sed 's/^/  /'
	rc=1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$TOP/scripts/export.sh" "$tmp" 2>/dev/null || { echo "export failed"; exit 1; }
if ! diff -q <(cat "$tmp/series") <(grep -v '^#' "$TOP/patches/series" 2>/dev/null) >/dev/null ||
   ! diff -r -q -x series -x BASE -x checkpatch-allow -x 0000-cover-letter.patch "$tmp" "$TOP/patches" \
	>/dev/null 2>&1; then
	echo "build/linux has commits that patches/ lacks or differs from ('make export'):"
	diff -r -u -x BASE -x checkpatch-allow -x 0000-cover-letter.patch "$TOP/patches" "$tmp" |
		grep '^[-+]Subject:\|^Only in\|^diff' | head -20 | sed 's/^/  /'
	rc=1
fi
[ $rc -eq 0 ] && echo "build/linux and patches/ agree ($(wc -l < "$tmp/series") patches)"
exit $rc
