#!/usr/bin/env bash
# Runs inside the VM: the installed selftests through the kselftest runner,
# the stress and bad-input programs, then checks of the kernel log (and, on
# the debug kernel, kmemleak).  Each check prints a KTAP result line.
# Usage: in-vm.sh KSELFTEST_DIR [RUNNER ARGS]
# ZC_PARTS: what to run, default "selftests compat32 stress fuzz userspace httpd" (runner arguments
# alone imply "selftests"); the kernel log checks always run.
set -u
dir=$1; shift
parts=${ZC_PARTS:-selftests compat32 stress fuzz userspace httpd}
[ $# -gt 0 ] && parts=${ZC_PARTS:-selftests}
has() { case " $parts " in *" $1 "*) return 0;; esac; return 1; }
cd "$dir" || exit 2
mount -t debugfs none /sys/kernel/debug 2>/dev/null
dbg=/sys/kernel/debug
[ -e $dbg/kmemleak ] && echo clear > $dbg/kmemleak

result() { # NAME STATUS
	if [ "$2" -eq 0 ]; then echo "ok 1 $1"; else echo "not ok 1 $1"; fi
}
if has selftests; then
	# Also a case of its own: a runner that fails without running a
	# test (a wrong -t name) must not pass.
	./run_kselftest.sh "$@"
	result "kselftest runner: exit status 0" $?
fi
if has compat32; then
	# The 32-bit x86 builds of sendfile2_zc (kselftest.sh), on loopback
	# in a namespace of their own: sendfile2() through the IA32 entry,
	# with the 64-bit offset a 32-bit program passes, and through the x32
	# ABI (the 64-bit entry, 32-bit pointers).
	for abi in 32 x32; do
		[ -x net/sendfile2_zc_$abi ] || continue
		what="IA32 emulation"
		[ $abi = x32 ] && what="x32 ABI"
		echo "# sendfile2_zc, -m$abi build"
		unshare -n sh -c "ip link set lo up && cd net && ./sendfile2_zc_$abi" 2>&1 |
			sed 's/^/# /'
		result "zc_compat: sendfile2_zc -m$abi build ($what)" "${PIPESTATUS[0]}"
	done
fi
if has stress; then
	echo "# zc_stress"
	timeout 900 stress/zc_stress 12000 600 2>&1 | sed 's/^/# /'
	result "zc_stress: IDs, bytes and optmem under load" "${PIPESTATUS[0]}"
fi
if has fuzz; then
	echo "# zc_fuzz"
	timeout 600 stress/zc_fuzz 100000 2>&1 | sed 's/^/# /'
	result "zc_fuzz: bad input gets documented errnos" "${PIPESTATUS[0]}"
	if [ -d $dbg/failslab ]; then
		# Allocation failures aimed at the calls under test: zc_fuzz -F
		# sets make-it-fail around each sendfile2()/splice() only, and
		# 5% of the slab and page allocations in them fail, sleeping
		# (GFP_KERNEL) ones included.
		for f in failslab fail_page_alloc; do
			echo Y > $dbg/$f/task-filter
			echo N > $dbg/$f/ignore-gfp-wait
			echo 5 > $dbg/$f/probability
			echo 1 > $dbg/$f/interval
			echo -1 > $dbg/$f/times
			echo 0 > $dbg/$f/verbose
		done
		echo N > $dbg/fail_page_alloc/ignore-gfp-highmem
		echo 0 > $dbg/fail_page_alloc/min-order
		echo "# zc_fuzz -F: failslab and fail_page_alloc inside the calls"
		timeout 600 stress/zc_fuzz -F 100000 7 2>&1 | sed 's/^/# /'
		result "zc_fuzz: allocation failures lose nothing" "${PIPESTATUS[0]}"
		echo 0 > $dbg/failslab/probability
		echo 0 > $dbg/fail_page_alloc/probability
	fi
fi

if has userspace; then
	# userspace/: strace with the sendfile2 decoder, strace's own tests for
	# it, and the LTP tests, as built by scripts/userspace.sh.
	us=$(cd .. && pwd)/userspace
	if [ ! -x "$us/strace" ]; then
		echo "ok 1 userspace: strace, LTP # SKIP not built (scripts/userspace.sh)"
	else
		echo "# userspace: strace -a1 -e trace=sendfile2,splice zc_trace"
		(cd /tmp && "$us/strace" -a1 -o /tmp/zc_trace.strace -e trace=sendfile2,splice "$us/zc_trace")
		rc=$?
		grep -v '^#' "$us/zc_trace.expected" | diff -u - /tmp/zc_trace.strace | sed 's/^/# /'
		d=${PIPESTATUS[1]}
		result "userspace: strace decodes sendfile2 and SPLICE_F_ZC" $((rc || d))

		echo "# userspace: strace -a1 -e trace=sendfile2 zc_demo"
		(cd /tmp && "$us/strace" -a1 -o /tmp/zc_demo.strace -e trace=sendfile2 "$us/zc_demo" >/dev/null)
		rc=$?
		sed -E 's/^sendfile2\([0-9]+, [0-9]+, /sendfile2(FD, FD, /' /tmp/zc_demo.strace |
			diff -u - <(printf '%s\n' \
			'sendfile2(FD, FD, [0] => [131072], 131072, SENDFILE_ZC) = 131072' \
			'sendfile2(FD, FD, [0] => [4096], 4096, SENDFILE_ZC) = 4096' \
			'sendfile2(FD, FD, [0] => [4096], 4096, SENDFILE_ZC) = 4096' \
			'sendfile2(FD, FD, [0] => [4096], 4096, SENDFILE_ZC) = 4096' \
			'+++ exited with 0 +++') | sed 's/^/# /'
		d=${PIPESTATUS[1]}
		result "userspace: strace decodes the demo's sendfile2 calls" $((rc || d))

		# strace's own tests, in a writable copy of their directory, run
		# the way its `make check` runs them (77, skipped, fails here).
		rm -rf /tmp/strace-tests && cp -a "$us/strace-tests" /tmp/strace-tests
		for t in sendfile2 sendfile splice; do
			(cd /tmp/strace-tests/tests && srcdir=. env STRACE_ARCH="$(uname -m)" \
				STRACE_NATIVE_ARCH="$(uname -m)" SIZEOF_KERNEL_LONG_T=8 \
				SIZEOF_LONG=8 MIPS_ABI= ./run.sh ./$t.gen.test) 2>&1 | sed 's/^/# /'
			result "userspace: strace's test $t.gen.test" "${PIPESTATUS[0]}"
		done

		# LTP's exit status: 0 when all passed, else the OR of 1 (TFAIL),
		# 2 (TBROK), 4 (TWARN), or 32 when all was TCONF: on this kernel
		# anything but 0 fails.
		for t in sendfile2_01 sendfile2_02; do
			(cd /tmp && "$us/$t") 2>&1 | sed 's/^/# /'
			result "userspace: LTP $t" "${PIPESTATUS[0]}"
		done
	fi
fi

if has httpd; then
	# examples/zc_httpd.c under curl, wrk and beside nginx, objects
	# rewritten in place (about 2.5 minutes under TCG); the script prints
	# its cases and one "zc_httpd: ..." result.
	echo "# zc_httpd: examples/httpd-test.sh"
	if [ ! -x httpd/zc_httpd ]; then
		echo "not ok 1 zc_httpd: not built (scripts/kselftest.sh)"
	else
		timeout 600 "$(dirname "$0")/../examples/httpd-test.sh" "$PWD/httpd" check
		[ $? -eq 124 ] && echo "not ok 1 zc_httpd: timed out"
	fi
fi

if [ -e $dbg/kmemleak ]; then
	# Two scans: an object must stay unreferenced across both to be reported.
	sleep 5; echo scan > $dbg/kmemleak; sleep 5; echo scan > $dbg/kmemleak
	leaks=$(cat $dbg/kmemleak)
	[ -z "$leaks" ] || printf '%s\n' "$leaks" | head -60 | sed 's/^/# /'
	result "kmemleak reports no leak" "$([ -z "$leaks" ]; echo $?)"
fi

# Any splat fails the run, as a test case of its own.
pat='BUG:|WARNING:|Oops|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|general protection|Call Trace:|possible circular locking|inconsistent lock state|suspicious RCU|ODEBUG'
if dmesg | grep -Eq "$pat"; then
	echo "# kernel log:"
	dmesg | grep -E -A20 "$pat" | head -80 | sed 's/^/# /'
	echo "not ok 1 kernel log has no splat"
else
	echo "ok 1 kernel log has no splat"
fi
