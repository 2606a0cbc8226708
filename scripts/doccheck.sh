#!/usr/bin/env bash
# The man-pages series (man-pages/) and the series' kernel documentation:
# - the man-pages patches apply to the upstream pages in man-pages/base/ and
#   give exactly man-pages/pages/ (with ZC_MANPAGES_GIT=<a man-pages.git>,
#   base/ must also equal upstream at the cover letter's base-commit);
# - every page renders without warnings (groff -ww, man --warnings) and
#   mandoc -Tlint reports nothing but what upstream's lint ignores; .so link
#   pages point to an existing page;
# - the EXAMPLES program of sendfile(2) compiles with -Wall -Wextra -Werror;
# - checkpatch.pl --strict, with man-pages' own configuration, on the
#   patches and on that program;
# - msg_zerocopy.rst builds with docutils and the kernel-doc comments of the
#   functions the series adds parse.
. "$(dirname "$0")/common.sh"

mp=$TOP/man-pages
bad=0
fail() { echo "  $*"; bad=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -d "$KSRC/.git" ] || "$TOP/scripts/tree.sh"

# base/ is upstream: only checkable with a man-pages git tree at hand.
upstream=$(sed -n 's/^base-commit: //p' "$mp/0000-cover-letter.patch")
if [ -n "${ZC_MANPAGES_GIT:-}" ]; then
	git -C "$ZC_MANPAGES_GIT" cat-file -e "$upstream^{commit}" 2>/dev/null ||
		fail "ZC_MANPAGES_GIT=$ZC_MANPAGES_GIT lacks commit $upstream"
	while IFS= read -r f; do
		rel=${f#"$mp/base/"}
		git -C "$ZC_MANPAGES_GIT" show "$upstream:$rel" 2>/dev/null | cmp -s - "$f" ||
			fail "man-pages/base/$rel differs from man-pages.git $upstream:$rel"
	done < <(find "$mp/base" -type f | sort)
fi

# The patches reproduce pages/.
if "$mp/apply.sh" "$tmp/applied"; then
	diff -r "$tmp/applied" "$mp/pages" >/dev/null ||
		fail "man-pages/pages is not base/ + the patches: run man-pages/apply.sh man-pages/pages"
else
	bad=1
fi

# Lint the pages the way man-pages' 'make lint build' does: the page with
# the .TH date and version filled in, then mandoc -Tlint (with upstream's
# mandoc.ignore.grep) and troff with its flags, plus man(1)'s warnings.
ignore='STYLE: lower case character in document title:|WARNING: missing date, using "": TH'
while IFS= read -r f; do
	rel=${f#"$mp/pages/"}
	if so=$(sed -n '1s/^\.so //p' "$f") && [ -n "$so" ]; then
		[ "$(wc -l <"$f")" -eq 1 ] && [ -f "$mp/pages/man/$so" ] ||
			fail "$rel: .so link to $so, which man-pages/pages/man lacks"
		continue
	fi
	page=$tmp/lint/${f##*/}; mkdir -p "$tmp/lint"
	sed '/^\.TH/s/(date)/2026-11-22/; /^\.TH/s/(unreleased)/6.16-sendfile2/' "$f" >"$page"
	w=$( { mandoc -Tlint "$page" 2>&1 | grep -vE "$ignore" || true
	       troff -man -wbreak -rS12 -rU0 -Tutf8 -rLL=78n -ww -z "$page" 2>&1
	       groff -man -ww -z "$page" 2>&1
	       LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null; } |
	     sed "s|$page|$rel|")
	[ -z "$w" ] || { echo "  $rel:"; printf '%s\n' "$w" | sed 's/^/    /'; bad=1; }
done < <(find "$mp/pages" -type f | sort)

# The example program: extracted from the rendered page as upstream's
# 'make check' does, compiled against the series' uapi headers.
src=$tmp/sendfile2.c
python3 - "$mp/pages/man/man2/sendfile.2" sendfile2.c >"$src" <<'PY' || fail "no SRC BEGIN (sendfile2.c) in sendfile.2"
import subprocess, sys
lines = open(sys.argv[1]).read().split("\n")
start = lines.index('.\\" SRC BEGIN (%s)' % sys.argv[2])
end = lines.index('.\\" SRC END', start)
page = ".TH X 2\n.SH X\n" + "\n".join(lines[start:end]) + "\n"
out = subprocess.run(["groff", "-man", "-Tascii", "-rLL=2000n", "-P-cbou"], input=page,
                     capture_output=True, text=True, check=True).stdout.split("\n")
body = out[out.index("X") + 1:]
print("\n".join(l[7:] for l in body
                if l == "" or (l.startswith("       ") and l.split() != ["X(2)"])).strip("\n"))
PY
mkdir -p "$tmp/inc/linux"
cp "$KSRC/include/uapi/linux/sendfile.h" "$KSRC/include/uapi/linux/splice.h" "$tmp/inc/linux/"
printf '#include <sys/syscall.h>\n#ifndef SYS_sendfile2\n#define SYS_sendfile2 473\n#endif\n' >"$tmp/inc/nr.h"
gcc -std=gnu11 -Wall -Wextra -Werror -I"$tmp/inc" -include nr.h -o "$tmp/sendfile2" "$src" 2>&1 |
	sed 's/^/    /' | grep . && fail "the EXAMPLES program of sendfile.2 does not compile"
long=$(awk 'length > 72 { print FILENAME ":" FNR }' "$src")
[ -z "$long" ] || fail "EXAMPLES lines wider than 72 columns: $long"

# checkpatch with the options of man-pages (man-pages/checkpatch.conf).
read -r -a cpopts <<<"$(grep -v '^[[:space:]]*\(#\|$\)' "$mp/checkpatch.conf" | tr '\n' ' ')"
cpopts+=(--terse --no-summary)
cp=$(cd "$tmp" && PATH=/usr/bin:$PATH "$KSRC/scripts/checkpatch.pl" "${cpopts[@]}" \
	"$mp"/0*.patch 2>&1; PATH=/usr/bin:$PATH "$KSRC/scripts/checkpatch.pl" "${cpopts[@]}" -f sendfile2.c 2>&1) || true
[ -z "$cp" ] || { printf '%s\n' "$cp" | sed "s|$mp/||; s/^/  /"; bad=1; }

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
say "man-pages series ($(ls "$mp"/0*.patch | wc -l) files) applies, lint-clean, example compiles; msg_zerocopy.rst and kernel-doc: clean"
