#!/usr/bin/env python3
"""Count the test cases of a kselftest run log and print the summary line.

A kselftest whose output holds KTAP results of its own (a kselftest_harness
program) counts each of those; one that does not counts as one case.  The
kernel log check counts as one case.  Exit status 1 if any case failed or
nothing ran.
"""
import re
import sys

top = re.compile(r"^(not )?ok \d+ (selftests: \S+: \S+|kernel log has no splat|kmemleak reports no leak|kselftest runner: [^#]*?|zc_\w+: [^#]*?|userspace: [^#]*?)( # .*)?$")
nested = re.compile(r"^# (not )?ok \d+ (\S+)(.*)$")

passed = failed = skipped = 0
pend = []          # nested results since the last top-level result
failures = []
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n").replace("\r", "")
    m = nested.match(line)
    if m:
        pend.append((m.group(1) is None, "# SKIP" in m.group(3), m.group(2)))
        continue
    m = top.match(line)
    if not m:
        continue
    ok, skip, name = m.group(1) is None, "# SKIP" in (m.group(3) or ""), m.group(2)
    if pend:
        for cok, cskip, cname in pend:
            if cskip:
                skipped += 1
            elif cok:
                passed += 1
            else:
                failed += 1
                failures.append(f"{name}: {cname}")
        if not ok and all(c[0] for c in pend):
            failed += 1           # the script failed outside its cases
            failures.append(name)
    elif skip:
        skipped += 1
    elif ok:
        passed += 1
    else:
        failed += 1
        failures.append(name)
    pend = []

for f in failures:
    print(f"FAILED: {f}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
