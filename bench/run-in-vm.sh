#!/bin/bash
# Runs inside the VM: every mode over TCP and UDP across veth (receiver in
# another namespace, draining), UDP to a dummy device (no receiver, no
# local delivery, so nothing is copied), and, with NIC, TCP out of the VM's
# virtio-net NIC to a receiver on the host.  NIC is PATH:ADDR:PEER:PORT:
# "tap:ADDR:PEER:PORT" gives the NIC (MAC 52:54:00:4d:00:02) the address
# ADDR/24; "nic:-:PEER:PORT" uses the address DHCP gave.  CSV on stdout,
# progress on stderr.
# Usage: run-in-vm.sh ZC_BENCH REPS SECONDS [NIC]
set -euo pipefail
bin=$1 reps=$2 secs=$3 nic=${4:-}
modes="sendfile sendfile2_zc splice_zc read_send read_msgzc uring_sendzc uring_splice uring_splice_zc"

ip netns add zctx
ip netns add zcrx
ip link add veth0 netns zctx mtu 65535 type veth peer name veth1 netns zcrx mtu 65535
ip -n zctx addr add 192.0.2.1/24 dev veth0
ip -n zcrx addr add 192.0.2.2/24 dev veth1
ip -n zctx link add dummy0 type dummy
ip -n zctx addr add 198.51.100.1/24 dev dummy0
for l in "zctx veth0" "zcrx veth1" "zctx dummy0" "zctx lo" "zcrx lo"; do
	set -- $l; ip -n "$1" link set "$2" up
done
ip netns exec zcrx "$bin" recv 9000 &
rx=$!
sleep 1

echo "path,rep,mode,proto,size,bytes,seconds,cpu_s,syscalls,errq_reads,ids,copied,lag_p50_us,lag_p99_us,enobufs"
specs=("veth tcp 192.0.2.2 9000 zctx 4096 16384 65536 262144 1048576"
       "veth udp 192.0.2.2 9000 zctx 4096 16384 32768"
       "dummy udp 198.51.100.2 9000 zctx 4096 16384 32768")
if [ -n "$nic" ]; then
	IFS=: read -r npath naddr npeer nport <<< "$nic"
	if [ "$naddr" != - ]; then
		for d in /sys/class/net/*; do
			[ "$(cat "$d/address")" = 52:54:00:4d:00:02 ] || continue
			ip addr add "$naddr/24" dev "${d##*/}"
			ip link set "${d##*/}" up
			echo "NIC ${d##*/}: $(ethtool -k "${d##*/}" 2>/dev/null |
				grep -E '^(scatter-gather|tx-checksumming|tcp-segmentation-offload):' |
				tr -d '\t' | tr '\n' ' ')" >&2
		done
	fi
	# The NIC is in the initial namespace.
	if ip route get "$npeer" >/dev/null 2>&1; then
		specs+=("$npath tcp $npeer $nport - 4096 16384 65536 262144 1048576")
	else
		echo "no route to $npeer: the VM has no NIC, the $npath rows are left out" >&2
	fi
fi
runs=0
for spec in "${specs[@]}"; do set -- $spec; runs=$((runs + $# - 5)); done
runs=$((runs * reps))
n=0
for rep in $(seq 1 "$reps"); do
	for spec in "${specs[@]}"; do
		set -- $spec
		path=$1 proto=$2 addr=$3 port=$4 ns=$5; shift 5
		in_ns=(ip netns exec "$ns")
		[ "$ns" = - ] && in_ns=()
		for size in "$@"; do
			n=$((n + 1))
			echo "  [$n/$runs] rep $rep: $path $proto $size bytes per call, 8 modes" >&2
			"${in_ns[@]}" "$bin" send "$addr" "$port" "$proto" "$size" "$secs" $modes |
				sed "s/^/$path,$rep,/"
		done
	done
done
kill $rx
