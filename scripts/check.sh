#!/usr/bin/env bash
# The full test (README's test command): apply the series to the base,
# checkpatch it, build the kernel and the selftests, boot, run the selftests
# through the kselftest runner, scan the kernel log, and print
# "N passed, N failed[, N skipped]".  Non-zero exit on any failure.
. "$(dirname "$0")/common.sh"

results=$TOP/results; mkdir -p "$results"
log=$results/check${FLAVOR:+-$FLAVOR}.log
t0=$(date +%s)
say "[1/6] host packages";            "$TOP/scripts/deps.sh"
say "[2/6] base + series";            "$TOP/scripts/tree.sh"
say "[3/6] checkpatch --strict, docs"; "$TOP/scripts/checkpatch.sh"; "$TOP/scripts/doccheck.sh"
say "[4/6] kernel";                   "$TOP/scripts/build.sh"
say "[5/6] selftests";                "$TOP/scripts/kselftest.sh"
say "[5/6] userspace: strace, LTP";   "$TOP/scripts/userspace.sh"
say "[6/6] booting the VM ($([ "${ZC_KVM:-0}" = 1 ] && echo KVM || echo TCG)) and running the selftests"
set +e
# Two virtio-net NICs on one qemu hub: the httpd part's NIC path
# (ZC_VM_NET= boots without them and that path is skipped).
export ZC_VM_NET=${ZC_VM_NET-loop}
# The debug kernel is for the kernel's paths: the tools around the syscall
# (strace, LTP) and the HTTP server run on the normal kernel only.
[ -z "$FLAVOR" ] || ZC_PARTS=${ZC_PARTS:-selftests compat32 stress fuzz}
"$TOP/scripts/vm-run.sh" "${ZC_PARTS:+ZC_PARTS='$ZC_PARTS' }'$TOP/scripts/in-vm.sh' '$KOUT/kselftest' ${ZC_TESTS:+$(printf -- "-t %s " $ZC_TESTS)}" 2>&1 |
	tee "$log"
vm_rc=${PIPESTATUS[0]}
set -e
[ -n "$FLAVOR" ] || { say "cross-compiling the compat paths: powerpc64, parisc64, arm64"; "$TOP/scripts/cross.sh" 2>&1 | tee -a "$log" || true; }
say "log: ${log#"$TOP"/}; $(( $(date +%s) - t0 )) s in all"
rc=0; summary=$("$TOP/scripts/summarize.py" "$log") || rc=$?
if [ "$vm_rc" -ne 0 ] && [ "$rc" -eq 0 ]; then
	echo "FAILED: the VM run exited with status $vm_rc"
	rc=1
fi
printf '%s\n' "$summary"
exit $rc
