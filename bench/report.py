#!/usr/bin/env python3
"""Turn bench/results/raw.csv into results.md (tables, per-size ratios) and
throughput.svg (gnuplot).  Usage: report.py RESULTS_DIR ACCEL"""
import csv
import os
import statistics
import subprocess
import sys
from collections import defaultdict

res, accel = sys.argv[1], sys.argv[2]
MODES = ["sendfile", "sendfile2_zc", "splice_zc", "read_send", "read_msgzc",
         "uring_sendzc", "uring_splice", "uring_splice_zc"]
NOTIFIED = {"sendfile2_zc", "splice_zc", "read_msgzc", "uring_sendzc",
            "uring_splice_zc"}
ERRQ = {"sendfile2_zc", "splice_zc", "read_msgzc"}

runs = defaultdict(list)
with open(os.path.join(res, "raw.csv")) as f:
    for r in csv.DictReader(f):
        runs[(r["path"], r["proto"], int(r["size"]), r["mode"])].append(r)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def agg(rows):
    gbs, cpu, sc, eq, p50, p99, cop, nob = [], [], [], [], [], [], [], []
    for r in rows:
        gb = int(r["bytes"]) / 1e9
        if gb <= 0:
            continue
        gbs.append(gb / float(r["seconds"]))
        cpu.append(float(r["cpu_s"]) / gb)
        sc.append(int(r["syscalls"]) / gb)
        eq.append(int(r["errq_reads"]) / (int(r["bytes"]) / 2**20))
        nob.append(int(r.get("enobufs") or 0))
        if int(r["ids"]):
            p50.append(int(r["lag_p50_us"]))
            p99.append(int(r["lag_p99_us"]))
            cop.append(int(r["copied"]) / int(r["ids"]))
    m = med(gbs)
    spread = (max(gbs) - min(gbs)) / m * 100 if gbs and m else float("nan")
    return dict(gbs=m, spread=spread, cpu=med(cpu), sc=med(sc), eq=med(eq),
                p50=med(p50), p99=med(p99), cop=med(cop), nob=med(nob), n=len(gbs))


A = {k: agg(v) for k, v in runs.items()}
ORDER = {"veth": 0, "tap": 1, "nic": 2, "dummy": 3}
paths = sorted({(k[0], k[1]) for k in A}, key=lambda p: (ORDER.get(p[0], 9), p[1]))
WHERE = {
    "veth": "across veth, receiver draining in another namespace "
            "(local delivery copies notified data)",
    "tap": "out of the VM's virtio-net NIC (host tap device, checksum and "
           "TSO offload) to a receiver on the host: nothing copied in the VM",
    "nic": "out of the VM's virtio-net NIC (QEMU user networking) to a "
           "receiver on the host: no offloads, so the guest copies",
    "dummy": "to a dummy device: sent, never delivered locally",
}

out = []
out.append("# zc_bench results\n")
out.append(f"Environment: see env.txt. **VM under {accel}**: absolute numbers "
           "mean little, and copies cost far more, relative to the rest, under "
           "TCG than on hardware. Compare modes within this run only, copy-free "
           "with copy-free (sendfile, sendfile2_zc, splice_zc, uring_splice, "
           "uring_splice_zc) and "
           "one-copy with one-copy (read_send, read_msgzc, uring_sendzc).\n")
out.append("Medians of the repetitions; ± is the throughput spread "
           "(max - min) / median. Lag: call return to notification, microseconds. "
           "COPIED: fraction of notified IDs with SO_EE_CODE_ZEROCOPY_COPIED "
           "(io_uring: IORING_NOTIF_USAGE_ZC_COPIED). ENOBUFS: calls refused "
           "because option memory was full, after which the sender reads "
           "notifications.\n")

summary = []
for path, proto in paths:
    where = WHERE.get(path, path)
    out.append(f"\n## {proto.upper()} {where}\n")
    out.append("| size | mode | GB/s | CPU s/GB | syscalls/GB | errq reads/MiB | "
               "lag p50 | lag p99 | COPIED | ENOBUFS |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    sizes = sorted({k[2] for k in A if k[0] == path and k[1] == proto})
    for size in sizes:
        for m in MODES:
            a = A.get((path, proto, size, m))
            if not a or not a["n"]:
                continue
            notified = m in NOTIFIED
            out.append(
                f"| {size // 1024} KiB | {m} | {a['gbs']:.3f} ±{a['spread']:.0f}% | "
                f"{a['cpu']:.2f} | {a['sc']:.0f} | "
                f"{a['eq']:.2f} |" if m in ERRQ else
                f"| {size // 1024} KiB | {m} | {a['gbs']:.3f} ±{a['spread']:.0f}% | "
                f"{a['cpu']:.2f} | {a['sc']:.0f} | - |")
            out[-1] += (f" {a['p50']:.0f} | {a['p99']:.0f} | {a['cop']:.0%} | {a['nob']:.0f} |"
                        if notified else " - | - | - | - |")
        s, z, u = (A.get((path, proto, size, m)) for m in
                   ("sendfile", "sendfile2_zc", "uring_sendzc"))
        if s and z and u and s["gbs"] and u["gbs"]:
            summary.append(
                f"- {proto.upper()} {path}, {size // 1024} KiB per call: "
                f"sendfile2_zc runs at {z['gbs'] / s['gbs']:.2f}x sendfile's "
                f"throughput ({z['cpu'] / s['cpu']:.2f}x its CPU per GB) and "
                f"{z['gbs'] / u['gbs']:.2f}x the io_uring read + SEND_ZC "
                f"wrapper's ({z['cpu'] / u['cpu']:.2f}x its CPU per GB)")
        us, uz = (A.get((path, proto, size, m)) for m in
                  ("uring_splice", "uring_splice_zc"))
        if us and uz and u and us["gbs"] and u["gbs"]:
            summary.append(
                f"- {proto.upper()} {path}, {size // 1024} KiB per call: "
                f"io_uring splice + SPLICE_F_ZC runs at "
                f"{uz['gbs'] / us['gbs']:.2f}x io_uring splice's throughput "
                f"({uz['cpu'] / us['cpu']:.2f}x its CPU per GB) and "
                f"{uz['gbs'] / u['gbs']:.2f}x read + SEND_ZC's")

# The targets, on the paths where nothing is copied: sendfile2_zc against
# sendfile (throughput and sender CPU per GB) and against io_uring read +
# SEND_ZC, and error-queue reads per MiB at 64 KiB per call.
goals = []
for path, proto in (("tap", "tcp"), ("dummy", "udp")):
    for size in sorted({k[2] for k in A if k[0] == path and k[1] == proto}):
        s_, z, u = (A.get((path, proto, size, m)) for m in
                    ("sendfile", "sendfile2_zc", "uring_sendzc"))
        if not (s_ and z and s_["gbs"] and s_["cpu"]):
            continue
        thr, cpu = z["gbs"] / s_["gbs"], z["cpu"] / s_["cpu"]
        want = 0.95 if size >= 16384 else 0.85
        ok = thr >= want and (size < 16384 or cpu <= 1.05)
        vs_u = z["gbs"] / u["gbs"] if u and u["gbs"] else float("nan")
        row = (f"| {proto.upper()} {path} | {size // 1024} KiB | {thr:.2f}x "
               f"(goal >= {want:.2f}) | {cpu:.2f}x" +
               (" (goal <= 1.05)" if size >= 16384 else "") +
               f" | {vs_u:.2f}x" + (" (goal >= 1.3)" if size >= 65536 else "") +
               f" | {z['eq']:.2f}" + (" (goal <= 1)" if size == 65536 else "") +
               f" | {'met' if ok and (size < 65536 or vs_u >= 1.3) else 'NOT met'} |")
        goals.append(row)
if goals:
    out.append("\n## Targets on the copy-free paths\n")
    out.append("sendfile2_zc relative to sendfile (throughput, sender CPU per GB) "
               "and to io_uring read + SEND_ZC (throughput); error-queue reads "
               "per MiB sent. Same VM, same run; medians of the repetitions.\n")
    out.append("| path | size | throughput vs sendfile | CPU/GB vs sendfile | "
               "vs read+SEND_ZC | errq reads/MiB | |")
    out.append("|---|---:|---:|---:|---:|---:|---|")
    out.extend(goals)
    for g in goals:
        print(g)

out.append("\n## Per size\n")
out.extend(summary)
out.append("")
with open(os.path.join(res, "results.md"), "w") as f:
    f.write("\n".join(out))
for line in summary:
    print(line)

# throughput and CPU per GB against size, TCP over veth
dat = os.path.join(res, "tcp_veth.dat")
sizes = sorted({k[2] for k in A if k[0] == "veth" and k[1] == "tcp"})
with open(dat, "w") as f:
    f.write("size " + " ".join(f"{m}_gbs {m}_cpu" for m in MODES) + "\n")
    for size in sizes:
        row = [str(size // 1024)]
        for m in MODES:
            a = A.get(("veth", "tcp", size, m))
            row += [f"{a['gbs']:.4f}", f"{a['cpu']:.4f}"] if a else ["NaN", "NaN"]
        f.write(" ".join(row) + "\n")
plots_g = ", ".join(f"'{dat}' using 1:{2 + 2 * i} with linespoints title '{m}'"
                    for i, m in enumerate(MODES))
plots_c = ", ".join(f"'{dat}' using 1:{3 + 2 * i} with linespoints title '{m}'"
                    for i, m in enumerate(MODES))
gp = f"""
set terminal svg size 1100,460 dynamic noenhanced font 'sans,11'
set output '{os.path.join(res, "throughput.svg")}'
set multiplot layout 1,2 title 'TCP over veth, file in page cache ({accel}; compare within this run only)'
set logscale x 2
set xlabel 'bytes per call (KiB)'
set key top left font ',9'
set grid
set ylabel 'GB/s'
plot {plots_g}
set ylabel 'sender CPU s per GB'
set logscale y
plot {plots_c}
unset multiplot
"""
subprocess.run(["gnuplot"], input=gp, text=True, check=True)
os.remove(dat)
