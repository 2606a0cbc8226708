#!/usr/bin/env bash
# The man pages render without warnings; the series' documentation builds
# with docutils and its kernel-doc comments parse.
. "$(dirname "$0")/common.sh"

bad=0
for f in "$TOP"/man/man*/*; do
	w=$(groff -man -ww -z "$f" 2>&1; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "$f:"; echo "$w"; bad=1; }
done
[ -d "$KSRC/.git" ] || "$TOP/scripts/tree.sh"
/usr/bin/python3 - "$KSRC/Documentation/networking/msg_zerocopy.rst" <<'PY' || bad=1
import sys, docutils.core
docutils.core.publish_string(open(sys.argv[1]).read(), writer_name="null",
                             settings_overrides={"report_level": 2, "halt_level": 2})
PY
# kernel-doc of the functions the series adds
kd=$(cd "$KSRC" && scripts/kernel-doc -none -Wall net/core/skbuff.c net/socket.c fs/splice.c 2>&1 |
	grep -E "msg_zerocopy_splice|sock_splice_zc|splice_to_socket|do_splice_ubuf" || true)
[ -z "$kd" ] || { echo "$kd"; bad=1; }
[ $bad -eq 0 ] || die "documentation checks failed"
say "man pages, msg_zerocopy.rst and kernel-doc: clean"
