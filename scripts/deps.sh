#!/usr/bin/env bash
# Install what the workbench needs on a Debian 12 host.  Idempotent and quick
# when everything is present.
. "$(dirname "$0")/common.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev cpio busybox-static
      ccache qemu-system-x86 udev liburing-dev rsync iproute2 ethtool kmod
      python3 python3-docutils python3-ply python3-git gnuplot-nox groff-base perl git xz-utils
      nginx wrk curl)
# scripts/userspace.sh: Debian's strace source package, rebuilt with a patch.
PKGS+=(autoconf automake gawk dpkg-dev patch)
# -m32 selftest build (kselftest.sh)
PKGS+=(gcc-multilib)
# make series (git send-email --dry-run needs Mail::Address) and make man
PKGS+=(git-email libmailtools-perl mandoc)
# make cross: parisc64 with GCC; powerpc64 and arm64 with clang-19 (the
# kernel needs clang >= 17; Debian 12's gcc-12-powerpc64-linux-gnu and
# gcc-12-aarch64-linux-gnu conflict with gcc-multilib)
PKGS+=(gcc-hppa64-linux-gnu clang-19 lld-19 llvm-19)
VNG_SUITE=sid

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing host packages: ${missing[*]}"
	as_root apt-get -qq update >/dev/null || true
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq -y install --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

if ! command -v vng >/dev/null; then
	say "installing virtme-ng from Debian $VNG_SUITE (arch all; dependencies from the host's suite)"
	"$TOP/scripts/apt-private.sh" "$VNG_SUITE" update
	dl=$CACHE/debs; mkdir -p "$dl"
	(cd "$dl" && "$TOP/scripts/apt-private.sh" "$VNG_SUITE" apt-get -qq download virtme-ng >&2)
	deb=$(ls -t "$dl"/virtme-ng_*_all.deb | head -n1)
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq -y install --no-install-recommends "$deb" >/dev/null
fi
vng --version >/dev/null || die "virtme-ng is not usable"
