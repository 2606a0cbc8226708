#!/usr/bin/env bash
# The newcomer's demo: fetch and build what is missing, boot the patched
# kernel, and show what sendfile2(SENDFILE_ZC) changes.
. "$(dirname "$0")/common.sh"

t0=$(date +%s)
say "[1/4] host packages";   "$TOP/scripts/deps.sh"
say "[2/4] base + series";   "$TOP/scripts/tree.sh"
say "[3/4] kernel";          "$TOP/scripts/build.sh"
make -s -C "$KSRC" O="$KOUT" headers >/dev/null
mkdir -p "$KOUT/demo"
gcc -O2 -Wall -Werror -D_FILE_OFFSET_BITS=64 -I"$TOP/include" \
	-isystem "$KOUT/usr/include" -o "$KOUT/demo/zc_demo" "$TOP/demo/zc_demo.c"
say "[4/4] booting the patched kernel ($([ "${ZC_KVM:-0}" = 1 ] && echo KVM || echo TCG, ~15 s)) and running demo/zc_demo.c"
"$TOP/scripts/vm-run.sh" "'$KOUT/demo/zc_demo'"
rc=$?
say "done in $(( $(date +%s) - t0 )) s"
exit $rc
