#!/usr/bin/env bash
# Write a ready-to-mail copy of the series to out/series/: the patches of
# patches/ with To: and Cc: from get_maintainer.pl (plus linux-api for the
# new system call and io-uring for the completion discussion), checked once
# more with checkpatch.  Send with: git send-email out/series/*.patch
. "$(dirname "$0")/common.sh"

out=$TOP/out/series
"$TOP/scripts/tree.sh" >/dev/null
"$TOP/scripts/status.sh" >/dev/null || die "build/linux has unexported work: 'make export' first"
rm -rf "$out"; mkdir -p "$out"
cp "$TOP"/patches/0*.patch "$out/"

gm=("$KSRC/scripts/get_maintainer.pl" --no-rolestats --no-git --no-git-fallback
    --no-tree --separator $'\n')
mapfile -t lists < <(cd "$KSRC" && "${gm[@]}" --no-m --no-r --l \
	$(grep -v '^#' "$TOP/patches/series" | sed "s|^|$TOP/patches/|") | sort -u)
mapfile -t people < <(cd "$KSRC" && "${gm[@]}" --m --r --no-l \
	$(grep -v '^#' "$TOP/patches/series" | sed "s|^|$TOP/patches/|") | sort -u |
	grep -v "$(git -C "$TOP" config user.email)")
lists+=("linux-api@vger.kernel.org" "io-uring@vger.kernel.org")
to=$(printf '%s\n' "${lists[@]}" | grep -E 'netdev|fsdevel' | paste -sd, | sed 's/,/, /g')
cc=$( (printf '%s\n' "${people[@]}"; printf '%s\n' "${lists[@]}" | grep -vE 'netdev|fsdevel') |
	sort -u | paste -sd, | sed 's/,/, /g')
for f in "$out"/*.patch; do
	python3 - "$f" "$to" "$cc" <<'PY'
import sys
f, to, cc = sys.argv[1:4]
s = open(f, encoding="utf-8").read()
hdr, body = s.split("\n\n", 1)
open(f, "w", encoding="utf-8").write(f"{hdr}\nTo: {to}\nCc: {cc}\n\n{body}")
PY
done
"$TOP/scripts/checkpatch.sh" >/dev/null
say "mailable series in ${out#"$TOP"/}: $(ls "$out" | wc -l) files"
echo "To: $to"
echo "Cc: $cc"
