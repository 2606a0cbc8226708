#!/usr/bin/env bash
# Write ready-to-mail copies of the two series:
#   out/series/     the kernel patches of patches/, To: netdev and fsdevel,
#                   Cc: get_maintainer.pl's people and lists, linux-api,
#                   io-uring, and the man-pages maintainer and list; the
#                   cover letter gets a Message-ID and the rendered
#                   sendfile2(2) page;
#   out/man-pages/  the man-pages patches of man-pages/, To: the man-pages
#                   maintainer, Cc: linux-man and every recipient of the
#                   kernel series, in reply to the kernel cover letter (as
#                   man-pages' CONTRIBUTING.d/patches/sendmail asks).
# The patches are written by the project's placeholder identity; here they
# get From: and Signed-off-by: from `git config user.name/user.email`, which
# must be set to a real identity.  Both series are checked with
# checkpatch.pl --strict (the kernel's rules, patches/checkpatch-allow; the
# man-pages project's own options) and with `git send-email --dry-run`.
# Send with:
#   git send-email out/series/*.patch; git send-email out/man-pages/*.patch
. "$(dirname "$0")/common.sh"

MANPAGES_TO="Alejandro Colomar <alx@kernel.org>"
MANPAGES_LIST="linux-man@vger.kernel.org"
# The identity the patches are stored with (patches/, man-pages/).
placeholder='^Seed [0-9a-f]+ maintainers$|@users\.noreply\.h-seed-[0-9a-f]+\.example$'

name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "set your identity first: git config user.name 'Your Name'; git config user.email you@example.org"
if grep -Eq "$placeholder" <<<"$name" || grep -Eq "$placeholder" <<<"$email"; then
	die "git config user.name/user.email is the repository's placeholder identity ($name <$email>): set your own, the patches are sent as from you"
fi
[[ $email == *@*.* ]] || die "user.email '$email' is not a mail address"
[ -x "$(git --exec-path)/git-send-email" ] ||
	die "git send-email is missing: make deps (Debian package git-email)"

out=$TOP/out/series mout=$TOP/out/man-pages
"$TOP/scripts/tree.sh" >/dev/null
"$TOP/scripts/status.sh" >/dev/null || die "build/linux has unexported work: 'make export' first"
"$TOP/scripts/doccheck.sh" >/dev/null || die "the man pages do not pass 'make man'"
rm -rf "$out" "$mout"; mkdir -p "$out" "$mout"
cp "$TOP"/patches/0*.patch "$out/"
cp "$TOP"/man-pages/0*.patch "$mout/"

series_files=$(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | sed "s|^|$TOP/patches/|")
gm=("$KSRC/scripts/get_maintainer.pl" --no-rolestats --no-git --no-git-fallback
    --no-tree --separator $'\n')
# shellcheck disable=SC2086
# (stderr: git's complaints about the Fixes: commits, absent from build/linux)
mapfile -t lists < <(cd "$KSRC" && "${gm[@]}" --no-m --no-r --l $series_files 2>/dev/null | sort -u)
# shellcheck disable=SC2086
mapfile -t people < <(cd "$KSRC" && "${gm[@]}" --m --r --no-l $series_files 2>/dev/null | sort -u |
	grep -viF -- "<$email>" || true)
lists+=("linux-api@vger.kernel.org" "io-uring@vger.kernel.org")
join() { sort -u | paste -sd, | sed 's/,/, /g'; }
to=$(printf '%s\n' "${lists[@]}" | grep -E 'netdev|fsdevel' | join)
cc=$( (printf '%s\n' "${people[@]}"; printf '%s\n' "${lists[@]}" | grep -vE 'netdev|fsdevel') | join)
[ -n "$to" ] || die "get_maintainer.pl found neither netdev nor linux-fsdevel"
kcc="$cc, $MANPAGES_TO, $MANPAGES_LIST"
mto=$MANPAGES_TO
mcc=$( (printf '%s\n' "$MANPAGES_LIST"; printf '%s\n' "$to, $cc" | sed 's/, /\n/g') |
	grep -vF -- "$MANPAGES_TO" | join)

# A Message-ID for the kernel cover letter, for the man-pages thread to
# reply to; unique per run (date, series content, sender's domain).
sum=$(cat "$out"/0*.patch | sha1sum | cut -c1-12)
msgid="<$(date -u +%Y%m%d%H%M%S).sendfile2-zc-v1-0-$sum@${email##*@}>"

# The rendered man page for the kernel cover letter: sendfile(2) with the
# man-pages patches, which documents sendfile2().
page=$(mktemp); trap 'rm -f "$page"' EXIT
sed '/^\.TH/s/(date)/'"$(date -u +%F)"'/; /^\.TH/s/(unreleased)/man-pages (proposed)/' \
	"$TOP/man-pages/pages/man/man2/sendfile.2" |
	groff -man -Tascii -rLL=72n -rHY=0 -P-cbou 2>/dev/null | cat -s | sed 's/[[:space:]]*$//' >"$page"

python3 - "$name" "$email" "$placeholder" "$to" "$kcc" "$mto" "$mcc" "$msgid" "$page" \
	"$out" "$mout" <<'PY'
import email.utils, glob, os, re, sys
from email.header import Header
name, addr, placeholder, to, kcc, mto, mcc, msgid, page, out, mout = sys.argv[1:12]
ph = re.compile(placeholder)
me = f"{name} <{addr}>"

def from_header():
    try:
        name.encode("ascii")
        return email.utils.formataddr((name, addr))
    except UnicodeEncodeError:       # as git format-patch does
        return email.utils.formataddr((Header(name, "utf-8").encode(), addr))

def is_placeholder(n, a):
    return bool(ph.search(n) or ph.search(a))

def fix(path, to, cc, extra=(), cover_page=None):
    s = open(path, encoding="utf-8").read()
    hdr, body = s.split("\n\n", 1)
    lines = re.sub(r"\n[ \t]+", " ", hdr).split("\n")          # unfold
    out_hdr = []
    for l in lines:
        if l.startswith("From: "):
            n, a = email.utils.parseaddr(l[6:])
            if is_placeholder(n, a):
                l = "From: " + from_header()
        out_hdr.append(l)
    fold = lambda v: ",\n ".join(v.split(", "))     # one address a line
    out_hdr += [f"To: {fold(to)}", f"Cc: {fold(cc)}", *extra]
    # Signed-off-by (and the cover letter's shortlog) of the placeholder
    def sob(m):
        n, a = email.utils.parseaddr(m.group(2))
        return m.group(1) + (me if is_placeholder(n, a) else m.group(2))
    body = re.sub(r"^(Signed-off-by: )(.*)$", sob, body, flags=re.M)
    body = re.sub(r"^(\S.*) (\(\d+\):)$",
                  lambda m: (name if ph.search(m.group(1)) else m.group(1)) + " " + m.group(2),
                  body, flags=re.M)
    if cover_page:
        # base-commit: names the workbench's local commit of Debian's
        # linux-source tree, which no reader can fetch; the cover letter
        # names the upstream release instead.
        body = re.sub(r"^base-commit: [0-9a-f]{40}\n", "", body, flags=re.M)
        text = open(cover_page, encoding="utf-8").read().rstrip("\n")
        intro = ("The man-pages patches, sent in reply to this message, document\n"
                 "sendfile2() in sendfile(2), SPLICE_F_ZC in splice(2), and its\n"
                 "rejection in tee(2) and vmsplice(2).  sendfile(2) with them:\n\n")
        rendered = "\n".join(("  " + l) if l else "" for l in text.split("\n"))
        m = re.search(r"^\S.* \(\d+\):$", body, re.M)
        body = body[:m.start()] + intro + rendered + "\n\n" + body[m.start():]
    for l in body.split("\n"):
        if ph.search(l):
            sys.exit(f"{os.path.basename(path)}: placeholder identity left in: {l}")
    open(path, "w", encoding="utf-8").write("\n".join(out_hdr) + "\n\n" + body)

for f in sorted(glob.glob(f"{out}/0*.patch")):
    cover = f.endswith("0000-cover-letter.patch")
    fix(f, to, kcc, [f"Message-ID: {msgid}"] if cover else [], page if cover else None)
for f in sorted(glob.glob(f"{mout}/0*.patch")):
    cover = f.endswith("0000-cover-letter.patch")
    fix(f, mto, mcc, [f"In-Reply-To: {msgid}", f"References: {msgid}"] if cover else [])
PY

# checkpatch --strict on what is mailed: the kernel series with the
# workbench's rules and allow list (checkpatch.sh on a copy of patches/
# holding out/series), the man-pages series with the project's options.
ck=$(mktemp -d); trap 'rm -rf "$ck" "$page"' EXIT
ln -s "$TOP/scripts" "$ck/scripts"; mkdir "$ck/patches"
cp "$out"/0*.patch "$TOP"/patches/{series,BASE,checkpatch-allow} "$ck/patches/" 2>/dev/null ||
	cp "$out"/0*.patch "$TOP"/patches/{series,BASE} "$ck/patches/"
ZC_BUILD=$BUILD "$ck/scripts/checkpatch.sh" >"$ck/log" 2>&1 ||
	{ grep -v '^fatal\|^Use\|^.git <command>' "$ck/log"; die "checkpatch on out/series failed"; }
read -r -a cpopts <<<"$(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/man-pages/checkpatch.conf" | tr '\n' ' ')"
cp=$(PATH=/usr/bin:$PATH "$KSRC/scripts/checkpatch.pl" "${cpopts[@]}" --terse --no-summary \
	"$mout"/0*.patch 2>&1) || true
[ -z "$cp" ] || { printf '%s\n' "$cp"; die "checkpatch on out/man-pages failed"; }

# git send-email --dry-run: parses every file as it would send it, To/Cc
# from the headers, threading from Message-ID/In-Reply-To; no mail leaves.
dry() {
	local log=$1; shift
	git -C "$TOP" -c sendemail.smtpServer=/bin/true send-email --dry-run --confirm=never \
		--from="$name <$email>" --no-suppress-from --suppress-cc=self --thread \
		--no-chain-reply-to "$@" </dev/null >"$log" 2>&1
}
dry "$TOP/out/send-email-series.log" "$out"/0*.patch ||
	{ tail -20 "$TOP/out/send-email-series.log"; die "git send-email --dry-run rejected out/series"; }
dry "$TOP/out/send-email-man-pages.log" "$mout"/0*.patch ||
	{ tail -20 "$TOP/out/send-email-man-pages.log"; die "git send-email --dry-run rejected out/man-pages"; }
for s in series man-pages; do
	n=$(grep -c '^Result: OK' "$TOP/out/send-email-$s.log" || true)
	[ "$n" -eq "$(ls "$TOP/out/$s"/0*.patch | wc -l)" ] ||
		die "git send-email --dry-run sent $n of out/$s (log: out/send-email-$s.log)"
done

say "mailable: ${out#"$TOP"/} ($(ls "$out" | wc -l) files) and ${mout#"$TOP"/} ($(ls "$mout" | wc -l) files), from $name <$email>"
echo "kernel series:    To: $to"
echo "                  Cc: $kcc"
echo "man-pages series: To: $mto"
echo "                  Cc: $mcc"
echo "                  In-Reply-To: $msgid"
echo "git send-email --dry-run: out/send-email-series.log, out/send-email-man-pages.log"
echo "send: git send-email out/series/*.patch && git send-email out/man-pages/*.patch"
