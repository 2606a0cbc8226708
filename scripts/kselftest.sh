#!/usr/bin/env bash
# Build the selftests that `make check` runs against the built kernel's
# headers, and install them with the kselftest runner into $KOUT/kselftest.
# Usage: kselftest.sh [net:TEST.sh ...]   (default: the list in tests.list)
. "$(dirname "$0")/common.sh"

st=$KSRC/tools/testing/selftests
out=$KOUT/kselftest-build
inst=$KOUT/kselftest
mapfile -t tests < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else
	list=$TOP/tests${FLAVOR:+-$FLAVOR}.list; [ -f "$list" ] || list=$TOP/tests.list
	grep -v '^[[:space:]]*\(#\|$\)' "$list"; fi)

say "installing kernel headers"
make -s -C "$KSRC" O="$KOUT" headers >/dev/null

rm -rf "$inst"; mkdir -p "$inst/kselftest" "$out"
cp "$st/run_kselftest.sh" "$inst/"
cp "$st"/kselftest/{runner.sh,prefix.pl,ktap_helpers.sh} "$inst/kselftest/"
: > "$inst/kselftest-list.txt"
for t in "${tests[@]}"; do
	dir=${t%%:*}; prog=${t#*:}
	mkdir -p "$inst/$dir" "$out/$dir"
	# The programs a test script runs are the TEST_GEN_FILES named in it.
	gens=$(make -s -C "$st/$dir" -f - print-gen <<MK 2>/dev/null
include Makefile
print-gen: ; @echo \$(TEST_GEN_FILES) \$(TEST_GEN_PROGS)
MK
)
	need=()
	for g in $gens; do
		g=${g##*/}
		grep -qw -- "$g" "$st/$dir/$prog" && need+=("$out/$dir/$g")
	done
	say "building $t${need:+ (${need[*]##*/})}"
	# -B: the programs depend on the uapi headers, which lib.mk does not track
	[ ${#need[@]} -eq 0 ] || make -B -s -C "$st/$dir" OUTPUT="$out/$dir" \
		KHDR_INCLUDES="-isystem $KOUT/usr/include" "${need[@]}"
	cp "$st/$dir/$prog" "${need[@]}" "$inst/$dir/"
	for f in settings lib.sh; do
		[ -e "$st/$dir/$f" ] && cp "$st/$dir/$f" "$inst/$dir/"
	done
	[ -d "$st/$dir/lib/sh" ] && mkdir -p "$inst/$dir/lib" && cp -r "$st/$dir/lib/sh" "$inst/$dir/lib/"
	echo "$t" >> "$inst/kselftest-list.txt"
done
# Upstream's Makefile skips sendfile2_zc's io_uring cases without liburing;
# here they must run.
if [ -x "$inst/net/sendfile2_zc" ] &&
   ! nm -D "$inst/net/sendfile2_zc" | grep -qw io_uring_queue_init; then
	die "sendfile2_zc was built without liburing (make deps installs liburing-dev)"
fi
# sendfile2_zc as 32-bit x86 programs (no liburing for them here), run by
# in-vm.sh: -m32 through the kernel's IA32 emulation (the compat entry, the
# 64-bit offset that a 32-bit caller passes), -mx32 through the x32 ABI
# (the 64-bit entry with 32-bit pointers).  Needs gcc-multilib.
for abi in 32 x32; do
	[ -x "$inst/net/sendfile2_zc" ] || break
	echo 'int main(void){return 0;}' | gcc -m$abi -x c -o /dev/null - 2>/dev/null ||
		{ warn "gcc -m$abi cannot link here: sendfile2_zc_$abi not built"; continue; }
	# (the harness's ASSERT_NE(NULL, ptr) casts pointers to uintmax_t)
	gcc -m$abi -O2 -Wall -Werror -Wno-pointer-to-int-cast \
		-I"$st" -isystem "$KOUT/usr/include" \
		-o "$inst/net/sendfile2_zc_$abi" "$st/net/sendfile2_zc.c" -lpthread
done
# The stress and bad-input programs, run after the selftests by in-vm.sh.
mkdir -p "$inst/stress"
for p in zc_stress zc_fuzz; do
	gcc -O2 -Wall -Wextra -Wno-unused-parameter -Wno-unused-result -Werror \
		-D_FILE_OFFSET_BITS=64 -I"$TOP/include" -isystem "$KOUT/usr/include" \
		-o "$inst/stress/$p" "$TOP/stress/$p.c" -lpthread
done
# examples/zc_httpd.c, run by in-vm.sh's httpd part (examples/httpd-test.sh).
mkdir -p "$inst/httpd"
gcc -O2 -Wall -Wextra -Werror -D_FILE_OFFSET_BITS=64 -I"$TOP/include" \
	-isystem "$KOUT/usr/include" -o "$inst/httpd/zc_httpd" "$TOP/examples/zc_httpd.c"
say "selftests installed in ${inst#"$TOP"/}"
