#!/usr/bin/env bash
# Write the commits base..HEAD of build/linux back to patches/, reproducibly:
# zero commit hashes, no version signature, and the cover letter's subject and
# text kept from the existing patches/0000-cover-letter.patch.
# Usage: export.sh [OUTDIR]   (default: patches/)
. "$(dirname "$0")/common.sh"

out=${1:-$TOP/patches}
[ -d "$KSRC/.git" ] || die "no build/linux: run 'make tree' first"
[ -z "$(git -C "$KSRC" status --porcelain --ignored)" ] ||
	die "build/linux has uncommitted edits: commit them first"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
git -C "$KSRC" -c core.abbrev=12 format-patch -q --zero-commit --no-signature \
	--cover-letter --base=base --subject-prefix="PATCH net-next" \
	-o "$tmp" base..HEAD
cover=$tmp/0000-cover-letter.patch
old=$TOP/patches/0000-cover-letter.patch
if [ -f "$old" ]; then
	python3 - "$old" "$cover" <<'PY'
import re, sys
old, new = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
def parts(t):
    subj = re.search(r"^Subject: (\[[^]]*\] )?(.*(?:\n .*)*)", t, re.M).group(2)
    body = t.split("\n\n", 1)[1]
    # blurb: everything before the shortlog (first line that starts "<name> (N):")
    m = re.search(r"^\S.*\(\d+\):$", body, re.M)
    return subj, body[:m.start()] if m else body, body[m.start():] if m else ""
osubj, oblurb, _ = parts(old)
nsubj, _, nrest = parts(new)
hdr, _ = new.split("\n\n", 1)
hdr = hdr.replace("*** SUBJECT HERE ***", osubj)
open(sys.argv[2], "w", encoding="utf-8").write(hdr + "\n\n" + oblurb + nrest)
PY
fi
# The Date of the cover letter follows the newest patch, not the clock.
last=$(git -C "$KSRC" log -1 --format=%aD)
sed -i "0,/^Date: /s/^Date: .*/Date: $last/" "$cover"

mkdir -p "$out"
rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$out"/
(cd "$out" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-') > "$out/series"
say "exported $(wc -l < "$out/series") patches + cover letter to ${out#"$TOP"/}"
