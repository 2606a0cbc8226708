#!/usr/bin/env bash
# Host side of the userspace checks (userspace/, README "The userspace
# around the syscall"): builds, into $KOUT/userspace for in-vm.sh's
# "userspace" part,
#  - Debian 12's strace (source package, `apt-get source`) with our backport
#    userspace/strace/debian-6.1/*.patch: built once into the cache
#    ($CACHE/strace/<version>-<patch hash>), strace's own tests for the patch
#    (sendfile2, sendfile, splice) included;
#  - userspace/strace/zc_trace.c, the program the decoded trace is checked
#    on, and demo/zc_demo.c, traced too;
#  - the LTP tests of userspace/ltp/*.patch, against a small tst_test.h
#    stand-in (userspace/ltp/standalone/: LTP is not packaged by Debian).
# Needs the kernel's uapi headers (make headers), as run.sh does.
. "$(dirname "$0")/common.sh"

out=$KOUT/userspace
STRACE_DEB=6.1-0.1     # Debian 12's strace; the backport is made against it
SRC_SUITE=bookworm
strace_patches=("$TOP"/userspace/strace/debian-6.1/*.patch)
# No stack tracing, no mpers (m32/mx32 personalities): a 2-core build.
strace_conf=(--enable-mpers=no --enable-stacktrace=no)
key=$( (cat "${strace_patches[@]}"; echo "${strace_conf[*]}") | sha256sum | cut -c1-12)
sdir=$CACHE/strace/$STRACE_DEB-$key
make_jobs=$(( JOBS < 2 ? JOBS : 2 ))   # at most -j2: the cores are shared

[ -e "$KOUT/usr/include/linux/sendfile.h" ] ||
	make -s -C "$KSRC" O="$KOUT" headers >/dev/null
rm -rf "$out"; mkdir -p "$out"

# --- strace ---------------------------------------------------------------
if [ ! -e "$sdir/.done" ]; then
	say "building strace $STRACE_DEB with the sendfile2 backport (once; ~5 min on 2 cores)"
	t0=$(date +%s)
	dl=$CACHE/debs/strace-$STRACE_DEB; mkdir -p "$dl"
	if [ ! -e "$dl/strace_$STRACE_DEB.dsc" ]; then
		"$TOP/scripts/apt-private.sh" "$SRC_SUITE:src" update
		(cd "$dl" && "$TOP/scripts/apt-private.sh" "$SRC_SUITE:src" \
			apt-get -qq source --download-only "strace=$STRACE_DEB" >/dev/null 2>&1) ||
			die "apt-get source strace=$STRACE_DEB failed"
	fi
	rm -rf "$sdir" "$sdir.tmp"; mkdir -p "$sdir.tmp"
	dpkg-source --no-check -x "$dl/strace_$STRACE_DEB.dsc" "$sdir.tmp/tree" >/dev/null
	rm -f "$sdir.tmp"/*.tar.*
	for p in "${strace_patches[@]}"; do
		patch -s -p1 -d "$sdir.tmp/tree" < "$p" || die "${p#"$TOP"/} does not apply"
	done
	# (&&: set -e does not apply on the left of ||)
	(
		cd "$sdir.tmp/tree" &&
		autoreconf -fi &&
		./configure -q "${strace_conf[@]}" &&
		make -s -j"$make_jobs" &&
		make -s -j"$make_jobs" -C tests libtests.a sendfile2 sendfile splice
	) > "$sdir.tmp/build.log" 2>&1 || { tail -30 "$sdir.tmp/build.log"; die "strace build failed"; }
	echo "$(( $(date +%s) - t0 )) s" > "$sdir.tmp/build-time"
	mv "$sdir.tmp" "$sdir"; touch "$sdir/.done"
	# Builds of earlier versions of the patch.
	find "$CACHE/strace" -mindepth 1 -maxdepth 1 ! -path "$sdir" -exec rm -rf {} +
	say "strace built in $(cat "$sdir/build-time")"
fi
# What the VM needs: strace, and a copy of its test directory's pieces for
# the three tests (they run in a writable copy under /tmp).
st=$out/strace-tests; mkdir -p "$st/src" "$st/tests"
cp "$sdir/tree/src/strace" "$out/strace"; cp "$sdir/tree/src/strace" "$st/src/"
for f in init.sh run.sh sendfile2 sendfile splice sendfile2.gen.test sendfile.gen.test \
	 splice.gen.test; do
	cp "$sdir/tree/tests/$f" "$st/tests/"
done

cflags=(-O2 -Wall -Werror -D_FILE_OFFSET_BITS=64 -isystem "$KOUT/usr/include")
gcc "${cflags[@]}" -I"$TOP/include" -o "$out/zc_trace" "$TOP/userspace/strace/zc_trace.c"
cp "$TOP/userspace/strace/zc_trace.expected" "$out/"
gcc "${cflags[@]}" -I"$TOP/include" -o "$out/zc_demo" "$TOP/demo/zc_demo.c"

# --- LTP --------------------------------------------------------------------
# The new files of the LTP patch, as a maintainer would get them, built with
# the stand-in library.
lt=$out/ltp-src; mkdir -p "$lt"
(cd "$lt" && git init -q . && git apply --include='testcases/kernel/syscalls/sendfile2/*' \
	--include='include/lapi/sendfile2.h' "$TOP"/userspace/ltp/*.patch) ||
	die "cannot extract the LTP test from userspace/ltp/"
for t in "$lt"/testcases/kernel/syscalls/sendfile2/sendfile2_*.c; do
	gcc "${cflags[@]}" -D_GNU_SOURCE -I"$TOP/userspace/ltp/standalone" -I"$lt/include" \
		-o "$out/$(basename "$t" .c)" "$t"
done
# --- syzkaller ---------------------------------------------------------------
# syzkaller itself cannot be built here (Go 1.26): compare the constants its
# patch adds to sys/linux/*.const with the built headers, amd64 (and 386 for
# syscall numbers, from unistd_32.h).
syz=$out/syz-consts; mkdir -p "$syz"
awk '/^\+\+\+ / { c = ($2 ~ /\.const$/) }
     c && /^\+[A-Za-z_][A-Za-z0-9_]* = / { sub(/^\+/, ""); print }' \
	"$TOP"/userspace/syzkaller/*.patch | sort -u | awk -F' = ' '{
		n = split($2, v, ", "); amd64 = v[1]; i386 = v[1]
		for (i = 2; i <= n; i++) {
			k = split(v[i], a, ":")
			for (j = 1; j < k; j++) {
				if (a[j] == "amd64") amd64 = a[k]
				if (a[j] == "386") i386 = a[k]
			}
		}
		print $1, amd64, i386 }' > "$syz/want"
[ -s "$syz/want" ] || die "no constants found in userspace/syzkaller/*.patch"
{
	printf '#include <stdio.h>\n#include <asm/unistd.h>\n#include <linux/sendfile.h>\n'
	printf '#include <linux/splice.h>\nint main(void)\n{\n'
	while read -r name _ _; do
		printf '\tprintf("%%s %%lld\\n", "%s", (long long)(%s));\n' "$name" "$name"
	done < "$syz/want"
	printf '\treturn 0;\n}\n'
} > "$syz/consts.c"
gcc "${cflags[@]}" -o "$syz/consts" "$syz/consts.c" || die "syzkaller constants missing from the kernel headers"
"$syz/consts" > "$syz/amd64"
awk '{ print $1, $2 }' "$syz/want" | diff -u - "$syz/amd64" ||
	die "userspace/syzkaller: constants differ from the kernel headers (amd64)"
while read -r name _ i386; do
	case $name in __NR_*) ;; *) continue;; esac
	grep -qx "#define $name $i386" "$KOUT/usr/include/asm/unistd_32.h" ||
		die "userspace/syzkaller: $name is not $i386 in unistd_32.h"
done < "$syz/want"
say "syzkaller constants match the kernel headers: $(awk '{ printf "%s%s=%s", s, $1, $2; s = ", " }' "$syz/amd64")"

say "userspace checks built in ${out#"$TOP"/}"
