#!/usr/bin/env bash
# Write the man-pages patches of this directory from a git tree of the
# man-pages project whose commits after BASE-REV are the series, e.g.
#
#   man-pages/export.sh ~/src/man-pages 73ec1f03be50
#
# format-patch runs with the settings the project asks for (man(7) hunk
# headers, CONTRIBUTING.d/git), zero commit hashes and no signature.  The
# cover letter keeps the subject, date and text of the current
# 0000-cover-letter.patch and gets a fresh shortlog and diffstat.  Then
# pages/ is regenerated: base/ with the patches applied.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: $0 MAN-PAGES-GIT-TREE BASE-REV" >&2; exit 2; }
tree=$1 base=$2
upstream=$(sed -n 's/^base-commit: //p' "$here/0000-cover-letter.patch")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo '*.[0-9]* diff=man' >"$tmp/attributes"
git -C "$tree" -c core.attributesFile="$tmp/attributes" \
	-c diff.man.xfuncname='^\.S[SHsh] .*$' -c format.signOff=false \
	format-patch -q --cover-letter --subject-prefix='PATCH v1' --zero-commit \
	--no-signature --no-thread -o "$tmp/out" "$base..HEAD"
python3 - "$here/0000-cover-letter.patch" "$tmp/out/0000-cover-letter.patch" "$upstream" <<'PY'
import re, sys
old, new, upstream = sys.argv[1:4]
o = open(old, encoding="utf-8").read()
n = open(new, encoding="utf-8").read()
ohdr, obody = o.split("\n\n", 1)
nhdr, nbody = n.split("\n\n", 1)
shortlog = re.compile(r"\n(?=\S.* \(\d+\):\n)")
text = shortlog.split(obody, 1)[0]
stat = re.sub(r"\n*base-commit: .*", "", shortlog.split(nbody, 1)[1]).rstrip("\n")
for field in ("Date", "Subject"):
    m = re.search(rf"^{field}: .*(\n .*)*", ohdr, re.M)
    nhdr = re.sub(rf"^{field}: .*(\n .*)*", lambda _: m.group(0), nhdr, flags=re.M)
open(new, "w", encoding="utf-8").write(
    f"{nhdr}\n\n{text}\n{stat}\n\nbase-commit: {upstream}\n")
PY
rm -f "$here"/0*.patch
cp "$tmp"/out/0*.patch "$here/"
"$here/apply.sh" "$here/pages"
echo "wrote $(ls "$here"/0*.patch | wc -l) patches and pages/"
