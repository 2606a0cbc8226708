#!/usr/bin/env bash
# Runs inside the VM: the installed selftests through the kselftest runner,
# the stress and bad-input programs, then checks of the kernel log (and, on
# the debug kernel, kmemleak).  Each check prints a KTAP result line.
# Usage: in-vm.sh KSELFTEST_DIR [RUNNER ARGS]
# ZC_PARTS: what to run, default "selftests stress fuzz" (runner arguments
# alone imply "selftests"); the kernel log checks always run.
set -u
dir=$1; shift
parts=${ZC_PARTS:-selftests stress fuzz}
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
