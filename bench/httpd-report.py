#!/usr/bin/env python3
"""Turn examples/httpd-test.sh's bench CSV into bench/results/httpd.md.
Usage: httpd-report.py HTTPD_CSV ENV_TXT"""
import csv
import sys

NAMES = {"zc": "zc_httpd (ZC)", "plain": "zc_httpd (plain)", "nginx": "nginx"}
rows = list(csv.DictReader(line for line in open(sys.argv[1]) if not line.startswith("#")))
env = open(sys.argv[2]).read().strip()


def size(s):
    return f"{int(s) >> 10} KiB"


print("# zc_httpd (ZC), zc_httpd (plain) and nginx under wrk\n")
print("Written by `make httpd-bench` (scripts/httpd-bench.sh, examples/httpd-test.sh).")
print("Under TCG absolute numbers mean little: compare the servers within one")
print("run. \"veth\": client in another namespace over a veth pair; \"nic\": the")
print("data leaves through a virtio-net NIC to a second NIC on the same qemu hub.\n")
print("```\n" + env + "\n```\n")
print("## Serving only\n")
print("| path | object | server | req/s | MiB/s | latency avg | p50 | p90 | p99 | wrk errors |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["load"] != "wrk":
        continue
    print(f"| {r['path']} | {size(r['size'])} | {NAMES[r['server']]} | {r['rps']} | {r['mbps']} "
          f"| {r['avg_ms']} ms | {r['p50_ms']} ms | {r['p90_ms']} ms | {r['p99_ms']} ms | {r['wrk_errors']} |")
print("\n## While the objects are rewritten in place\n")
print("A writer rewrites the 8 objects (256 KiB) in a loop: zc_httpd gets each")
print("new version by PUT (ZC: into a free slot, the old slot reused only after")
print("its notifications; plain: a slot is reused once no response is sending")
print("from it); nginx's files are overwritten with pwrite().  Four slow")
print("readers (4 KiB receive buffer, a pause between reads) check every body;")
print("wrk -c2 adds load.  A torn body mixes bytes of two versions or objects.\n")
print("| path | server | bodies checked | torn | rewrites | rewrites that waited for a slot | wrk req/s | p50 | p99 |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["load"] != "wrk+rewrites":
        continue
    print(f"| {r['path']} | {NAMES[r['server']]} | {r['bodies']} | {r['torn']} | {r['rewrites']} "
          f"| {r['waited'] or 'n/a'} | {r['rps']} | {r['p50_ms']} ms | {r['p99_ms']} ms |")
