#!/usr/bin/env bash
# make httpd-bench: examples/zc_httpd.c (-m zc and -m plain) and nginx
# (sendfile on) side by side in the VM under wrk, over veth and over a pair
# of virtio-net NICs, alone and while a writer rewrites the objects in place
# (slow readers counting torn bodies).  Writes bench/results/httpd.md,
# httpd.csv and httpd-env.txt.  About 6 minutes under TCG.
# Environment: HTTPD_BENCH_SECS (10) per wrk run, HTTPD_SECS (12) per
# rewrite run; ZC_PREBUILT=1 uses the kernel in build/kout as it is.
. "$(dirname "$0")/common.sh"

res=$TOP/bench/results
if [ "${ZC_PREBUILT:-0}" != 1 ]; then
	"$TOP/scripts/deps.sh"
	"$TOP/scripts/tree.sh"
	"$TOP/scripts/build.sh"
	make -s -C "$KSRC" O="$KOUT" headers >/dev/null
fi
[ -f "$KOUT/usr/include/linux/sendfile.h" ] || die "no patched headers in ${KOUT#"$TOP"/}/usr/include"
mkdir -p "$KOUT/httpd" "$res"
gcc -O2 -Wall -Wextra -Werror -D_FILE_OFFSET_BITS=64 -I"$TOP/include" \
	-isystem "$KOUT/usr/include" -o "$KOUT/httpd/zc_httpd" "$TOP/examples/zc_httpd.c"
accel=$([ "${ZC_KVM:-0}" = 1 ] && echo KVM || echo "TCG (software emulation)")
say "zc_httpd, zc_httpd -m plain and nginx under wrk in the VM ($accel)"
export ZC_VM_NET=${ZC_VM_NET-loop} HTTPD_SECS=${HTTPD_SECS:-12} HTTPD_BENCH_SECS=${HTTPD_BENCH_SECS:-10}
ZC_VM_RWDIR=$res "$TOP/scripts/vm-run.sh" "uname -r > '$res/.kernel'; nginx -v 2> '$res/.nginx'; HTTPD_SECS=$HTTPD_SECS HTTPD_BENCH_SECS=$HTTPD_BENCH_SECS '$TOP/examples/httpd-test.sh' '$KOUT/httpd' bench > '$res/httpd.csv'"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "kernel: $(cat "$res/.kernel") ($(git -C "$KSRC" describe --always 2>/dev/null), series: $(grep -vc '^#' "$TOP/patches/series") patches)"
	echo "vm: $accel, ${ZC_VM_CPUS:-2} vCPUs, ${ZC_VM_MEM:-2G}, NICs: ${ZC_VM_NET:-none} (virtio-net pair on a qemu hub)"
	echo "host cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
	echo "servers: zc_httpd (examples/zc_httpd.c, one thread, epoll), $(sed 's/^nginx version: //' "$res/.nginx") (1 worker, sendfile on, tcp_nopush on)"
	echo "client: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), 2 threads, 16 connections, $HTTPD_BENCH_SECS s; rewrite runs: $HTTPD_SECS s, wrk -c2 + 4 slow checking readers + 1 writer"
	echo "objects: 8 per run, 16 KiB or 256 KiB, in /tmp (tmpfs) in the VM"
} > "$res/httpd-env.txt"
rm -f "$res/.kernel" "$res/.nginx"
python3 "$TOP/bench/httpd-report.py" "$res/httpd.csv" "$res/httpd-env.txt" > "$res/httpd.md"
cat "$res/httpd.md"
say "results: bench/results/httpd.md, httpd.csv, httpd-env.txt"
