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
# TCP out of the VM's virtio-net NIC to a receiver on the host, the path
# where nothing is copied in the VM (veth delivers locally, which copies
# notified data).  The NIC is on a host tap device with vnet headers, so
# the guest has checksum and TSO offload and its skbs keep the file's pages.
# Without a tap (no CAP_NET_ADMIN or /dev/net/tun), QEMU user networking:
# no offloads there, so the guest copies the data (COPIED notifications).
port=${ZC_BENCH_PORT:-19000}
# Nothing is pinned: with the VM on one CPU and the host receiver on the
# other (bench/results/pinned/), TCG's two vCPUs share one CPU and the
# io_uring modes ran 4-6x slower; unpinned, the TCP rows are noisier.
"$KOUT/zc_bench" recv "$port" & rxpid=$!
tap=zctap$$
cleanup() { ip link del "$tap" 2>/dev/null || true; kill "$rxpid" 2>/dev/null || true; }
trap cleanup EXIT
if ip tuntap add dev "$tap" mode tap vnet_hdr 2>/dev/null &&
   ip addr add 198.18.77.1/24 dev "$tap" && ip link set "$tap" up; then
	nic="tap:198.18.77.2:198.18.77.1:$port"
	export ZC_VM_QEMU_OPTS="-netdev tap,id=zctap,ifname=$tap,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=zctap,mac=52:54:00:4d:00:02"
	nicdesc="virtio-net on a host tap device (vnet headers: checksum and TSO offload)"
else
	warn "cannot create a tap device: the NIC path uses QEMU user networking, where the guest copies"
	nic="nic:-:10.0.2.2:$port"
	export ZC_VM_NET=user
	nicdesc="virtio-net on QEMU user networking (no offloads: the guest copies)"
fi
sleep 0.5
kill -0 "$rxpid" 2>/dev/null || die "the host receiver did not start (port $port in use? ZC_BENCH_PORT=...)"
say "running the benchmark in the VM ($accel): $reps repetitions x 16 sizes x 8 modes x $secs s"
ZC_VM_RWDIR=$res "$TOP/scripts/vm-run.sh" "uname -r > '$res/.kernel'; '$TOP/bench/run-in-vm.sh' '$KOUT/zc_bench' $reps $secs $nic > '$res/raw.csv'"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "kernel: $(cat "$res/.kernel") ($(git -C "$KSRC" describe --always 2>/dev/null), series: $(grep -vc '^#' "$TOP/patches/series") patches)"
	echo "vm: $accel, ${ZC_VM_CPUS:-2} vCPUs, ${ZC_VM_MEM:-2G}"
	echo "host cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, nothing pinned"
	if grep -q "^${nic%%:*}," "$res/raw.csv"; then
		echo "nic: $nicdesc, receiver on the host"
	else
		echo "nic: none ($nicdesc was set up, but the VM did not reach the host through it)"
	fi
	echo "repetitions: $reps, $secs s per mode and size, notified calls outstanding: 4 MiB worth but at least 64 and at most 1024 calls, reaped down to half when full or on ENOBUFS"
} > "$res/env.txt"
rm -f "$res/.kernel"
python3 "$TOP/bench/report.py" "$res" "$accel"
say "results: bench/results/results.md, throughput.svg, env.txt, raw.csv"
