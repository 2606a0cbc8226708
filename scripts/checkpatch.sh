#!/usr/bin/env bash
# Run checkpatch.pl --strict on every patch of the series.  Errors, warnings
# and checks fail, unless patches/checkpatch-allow lists them with a reason.
. "$(dirname "$0")/common.sh"

# Debian's python3 (with python3-ply for spdxcheck.py), not another one in PATH.
export PATH=/usr/bin:$PATH
allow=$TOP/patches/checkpatch-allow
bad=0
while read -r p; do
	out=$("$KSRC/scripts/checkpatch.pl" --root="$KSRC" --strict --terse \
		--show-types --no-summary "$TOP/patches/$p" 2>&1) || true
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		type=$(sed -n 's/.*: \(ERROR\|WARNING\|CHECK\):\([A-Z_0-9]*\):.*/\2/p' <<<"$line")
		if [ -n "$type" ] && [ -f "$allow" ] &&
		   awk -v p="$p" -v t="$type" '!/^#/ && NF >= 3 && p ~ $1 && $2 == t { f = 1 } END { exit !f }' "$allow"; then
			echo "  allowed: ${line#"$TOP"/}"
			continue
		fi
		echo "  ${line#"$TOP"/}"
		bad=1
	done <<<"$out"
done < <(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series")
[ $bad -eq 0 ] || die "checkpatch --strict found problems (see above)"
say "checkpatch --strict: $(grep -vc '^[[:space:]]*\(#\|$\)' "$TOP/patches/series") patches clean"
