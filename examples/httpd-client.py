#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Clients for the zc_httpd test: self-identifying object versions, a slow
checking reader, and two writers.

Every version of an object is made of 64-byte blocks, each naming the
object, the version and the block's index, so a body that mixes versions
(or objects) is recognised without knowing which versions exist:

    "obj3             v0000000042 b0000000007 ......................\\n"

  gen     write version 0 of objects obj0..objN-1 to a directory
  check   N slow keep-alive readers (small SO_RCVBUF, a pause between reads)
          fetch objects, some with Range, and check that each body is one
          whole version of the object it was asked for
  put     the zc_httpd writer: PUT new versions over HTTP (keep-alive)
  pwrite  the in-place writer for servers that serve plain files (nginx):
          pwrite() each new version over the file

check, put and pwrite print one line of KEY=VALUE counters on stdout
(check also prints up to 8 examples of torn bodies and errors on stderr).
"""
import argparse
import functools
import os
import random
import socket
import sys
import threading
import time

BLOCK = 64


@functools.lru_cache(maxsize=256)
def version_bytes(name, version, size):
    out = []
    for i in range((size + BLOCK - 1) // BLOCK):
        head = f"{name:<16.16} v{version:010d} b{i:010d} "
        out.append(head + "." * (BLOCK - 1 - len(head)) + "\n")
    return "".join(out).encode()[:size]


def parse_block(b):
    """(name, version, index) of one 64-byte block, or None."""
    try:
        s = b.decode()
        return s[:16].rstrip(), int(s[18:28]), int(s[30:40])
    except (UnicodeDecodeError, ValueError):
        return None


def classify(name, size, start, body):
    """'intact', or 'torn' with a description, for @body = bytes
    [start, start + len) of some version of @name."""
    first = (-start) % BLOCK
    if len(body) < first + BLOCK:
        return "short", "range too small to check"
    blk = parse_block(body[first:first + BLOCK])
    if not blk or blk[0] != name:
        return "torn", f"first block is {blk}"
    want = version_bytes(name, blk[1], size)[start:start + len(body)]
    if body == want:
        return "intact", blk[1]
    seen = set()
    for off in range(first, len(body) - BLOCK + 1, BLOCK):
        seen.add(parse_block(body[off:off + BLOCK])[:2]
                 if parse_block(body[off:off + BLOCK]) else "garbage")
    return "torn", sorted(map(str, seen))[:6]


def cmd_gen(a):
    os.makedirs(a.dir, exist_ok=True)
    for i in range(a.objects):
        with open(os.path.join(a.dir, f"obj{i}"), "wb") as f:
            f.write(version_bytes(f"obj{i}", a.version, a.size))


class Conn:
    def __init__(self, a):
        self.a = a
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if getattr(a, "rcvbuf", 0):
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        self.s.settimeout(a.timeout)
        self.s.connect((a.host, a.port))
        self.buf = b""

    def close(self):
        self.s.close()

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed before the response head")
            self.buf += d
        h, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = h.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs

    def body(self, n, chunk=65536, delay=0.0):
        out = [self.buf[:n]]
        got = len(out[0])
        self.buf = self.buf[n:]
        while got < n:
            if delay:
                time.sleep(delay)
            d = self.s.recv(min(chunk, n - got))
            if not d:
                raise ConnectionError(f"closed after {got} of {n} body bytes")
            out.append(d)
            got += len(d)
        return b"".join(out)


def checker(a, stats, lock, deadline, seed):
    rnd = random.Random(seed)
    c = None
    local = {"bodies": 0, "intact": 0, "torn": 0, "bad": 0, "errors": 0,
             "ranges": 0, "short": 0}
    versions = set()
    examples = []
    while time.monotonic() < deadline:
        try:
            if c is None:
                c = Conn(a)
            i = rnd.randrange(a.objects)
            name = f"obj{i}"
            req = f"GET /{name} HTTP/1.1\r\nHost: {a.host}\r\n"
            start = 0
            if rnd.random() < a.range_frac:
                start = rnd.randrange(a.size - 256)
                end = min(a.size - 1, start + rnd.randrange(256, a.size))
                req += f"Range: bytes={start}-{end}\r\n"
                local["ranges"] += 1
            c.s.sendall((req + "\r\n").encode())
            status, h = c.head()
            n = int(h.get("content-length", -1))
            if status == 206:
                cr = h.get("content-range", "")
                if not cr.startswith(f"bytes {start}-"):
                    local["bad"] += 1
            elif status != 200 or start:
                local["bad"] += 1
                examples.append(f"{name}: status {status} for start {start}")
            body = c.body(n, a.chunk, a.delay_ms / 1000.0)
            local["bodies"] += 1
            kind, what = classify(name, a.size, start, body)
            local[kind] += 1
            if kind == "intact":
                versions.add((name, what))
            elif kind == "torn" and len(examples) < 5:
                examples.append(f"{name} bytes {start}+{n}: {what}")
            if h.get("connection", "").lower() == "close":
                c.close()
                c = None
        except (OSError, ConnectionError, ValueError) as e:
            local["errors"] += 1
            if len(examples) < 5:
                examples.append(f"error: {e!r}")
            if c:
                c.close()
            c = None
            time.sleep(0.05)
    if c:
        c.close()
    with lock:
        for k, v in local.items():
            stats[k] = stats.get(k, 0) + v
        stats.setdefault("_versions", set()).update(versions)
        stats.setdefault("examples", []).extend(examples[:5])


def cmd_check(a):
    stats, lock = {}, threading.Lock()
    deadline = time.monotonic() + a.seconds
    th = [threading.Thread(target=checker, args=(a, stats, lock, deadline, a.seed + k))
          for k in range(a.conns)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    stats["versions_seen"] = len(stats.pop("_versions", ()))
    for e in stats.pop("examples", [])[:8]:
        print(f"  {e}", file=sys.stderr)
    report(stats)
    return 0


def report(d):
    print(" ".join(f"{k}={v}" for k, v in sorted(d.items())), flush=True)


def cmd_put(a):
    deadline = time.monotonic() + a.seconds
    ver = [a.start_version] * a.objects
    puts = errors = 0
    lat = []
    c = None
    i = 0
    while time.monotonic() < deadline:
        name = f"obj{i % a.objects}"
        v = ver[i % a.objects]
        try:
            if c is None:
                c = Conn(a)
            t0 = time.monotonic()
            c.s.sendall(f"PUT /{name} HTTP/1.1\r\nHost: {a.host}\r\n"
                        f"Content-Length: {a.size}\r\n\r\n".encode()
                        + version_bytes(name, v, a.size))
            status, h = c.head()
            c.body(int(h.get("content-length", 0)))
            if status not in (201, 204):
                raise ConnectionError(f"PUT {name}: status {status}")
            lat.append(time.monotonic() - t0)
            puts += 1
            ver[i % a.objects] += 1
            i += 1
        except (OSError, ConnectionError, ValueError) as e:
            errors += 1
            print(f"put: {e!r}", file=sys.stderr)
            if c:
                c.close()
            c = None
            time.sleep(0.1)
        if a.pause_ms:
            time.sleep(a.pause_ms / 1000.0)
    if c:
        c.close()
    lat.sort()
    report({"puts": puts, "errors": errors,
            "put_ms_p50": round(1000 * lat[len(lat) // 2], 1) if lat else 0,
            "put_ms_max": round(1000 * lat[-1], 1) if lat else 0})
    return 0


def cmd_pwrite(a):
    deadline = time.monotonic() + a.seconds
    fds = [os.open(os.path.join(a.dir, f"obj{i}"), os.O_WRONLY) for i in range(a.objects)]
    ver = [a.start_version] * a.objects
    n = i = 0
    while time.monotonic() < deadline:
        k = i % a.objects
        os.pwrite(fds[k], version_bytes(f"obj{k}", ver[k], a.size), 0)
        ver[k] += 1
        n += 1
        i += 1
        if a.pause_ms:
            time.sleep(a.pause_ms / 1000.0)
    for fd in fds:
        os.close(fd)
    report({"rewrites": n})
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, net=True):
        sp.add_argument("--objects", type=int, default=8)
        sp.add_argument("--size", type=int, default=256 << 10)
        sp.add_argument("--seconds", type=float, default=10)
        if net:
            sp.add_argument("--host", default="127.0.0.1")
            sp.add_argument("--port", type=int, default=8080)
            sp.add_argument("--timeout", type=float, default=30)

    g = sub.add_parser("gen")
    g.add_argument("--dir", required=True)
    g.add_argument("--objects", type=int, default=8)
    g.add_argument("--size", type=int, default=256 << 10)
    g.add_argument("--version", type=int, default=0)
    c = sub.add_parser("check")
    common(c)
    c.add_argument("--conns", type=int, default=4)
    c.add_argument("--rcvbuf", type=int, default=4096,
                   help="SO_RCVBUF before connect: a small window keeps the body in the server")
    c.add_argument("--chunk", type=int, default=4096)
    c.add_argument("--delay-ms", type=float, default=2)
    c.add_argument("--range-frac", type=float, default=0.3)
    c.add_argument("--seed", type=int, default=1)
    w = sub.add_parser("put")
    common(w)
    w.add_argument("--start-version", type=int, default=1)
    w.add_argument("--pause-ms", type=float, default=0)
    pw = sub.add_parser("pwrite")
    common(pw, net=False)
    pw.add_argument("--dir", required=True)
    pw.add_argument("--start-version", type=int, default=1)
    pw.add_argument("--pause-ms", type=float, default=0)
    a = p.parse_args()
    return {"gen": cmd_gen, "check": cmd_check, "put": cmd_put,
            "pwrite": cmd_pwrite}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
