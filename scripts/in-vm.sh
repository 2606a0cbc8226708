#!/usr/bin/env bash
# Runs inside the VM: the installed selftests through the kselftest runner,
# then a scan of the kernel log.  Usage: in-vm.sh KSELFTEST_DIR [RUNNER ARGS]
set -u
dir=$1; shift
cd "$dir" || exit 2
./run_kselftest.sh "$@"
# Any splat fails the run, as a test case of its own.
pat='BUG:|WARNING:|Oops|KASAN|UBSAN|kmemleak:|refcount_t:|list_(add|del) corruption|general protection|Call Trace:|possible circular locking|inconsistent lock state|suspicious RCU'
if dmesg | grep -Eq "$pat"; then
	echo "# kernel log:"
	dmesg | grep -E -A20 "$pat" | head -80 | sed 's/^/# /'
	echo "not ok 1 kernel log has no splat"
else
	echo "ok 1 kernel log has no splat"
fi
