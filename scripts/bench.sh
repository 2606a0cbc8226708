#!/usr/bin/env bash
# make bench: build the benchmark against the patched kernel's headers, run
# it in the VM, and write bench/results/{results.md,throughput.svg,env.txt,raw.csv}.
# Environment: ZC_BENCH_REPS (3), ZC_BENCH_SECONDS (1 per mode and size).
. "$(dirname "$0")/common.sh"

reps=${ZC_BENCH_REPS:-3} secs=${ZC_BENCH_SECONDS:-1}
res=$TOP/bench/results
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh"
"$TOP/scripts/build.sh"
make -s -C "$KSRC" O="$KOUT" headers >/dev/null
gcc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -D_FILE_OFFSET_BITS=64 \
	-I"$TOP/include" -isystem "$KOUT/usr/include" \
	-o "$KOUT/zc_bench" "$TOP/bench/zc_bench.c" -luring
mkdir -p "$res"
accel=$([ "${ZC_KVM:-0}" = 1 ] && echo KVM || echo "TCG (software emulation)")
# TCP out of the VM's NIC (QEMU user networking) to a receiver on the host:
# the copy-free TCP path (veth delivers locally, which copies notified data).
port=${ZC_BENCH_PORT:-19000}
"$KOUT/zc_bench" recv "$port" & rxpid=$!
trap 'kill $rxpid 2>/dev/null' EXIT
say "running the benchmark in the VM ($accel): $reps repetitions x 16 sizes x 8 modes x $secs s"
ZC_VM_NET=user ZC_VM_RWDIR=$res "$TOP/scripts/vm-run.sh" "uname -r > '$res/.kernel'; '$TOP/bench/run-in-vm.sh' '$KOUT/zc_bench' $reps $secs 10.0.2.2:$port > '$res/raw.csv'"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "kernel: $(cat "$res/.kernel") ($(git -C "$KSRC" describe --always 2>/dev/null), series: $(grep -vc '^#' "$TOP/patches/series") patches)"
	echo "vm: $accel, ${ZC_VM_CPUS:-2} vCPUs, ${ZC_VM_MEM:-2G}"
	echo "host cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
	echo "repetitions: $reps, $secs s per mode and size, at most 64 outstanding notified calls, reaped down to 32 when full"
} > "$res/env.txt"
rm -f "$res/.kernel"
python3 "$TOP/bench/report.py" "$res" "$accel"
say "results: bench/results/results.md, throughput.svg, env.txt, raw.csv"
