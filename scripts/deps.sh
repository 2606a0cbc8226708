#!/usr/bin/env bash
# Install what the workbench needs on a Debian 12 host.  Idempotent and quick
# when everything is present.
. "$(dirname "$0")/common.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev cpio busybox-static
      ccache qemu-system-x86 udev liburing-dev rsync iproute2 ethtool kmod
      python3 python3-docutils python3-ply python3-git gnuplot-nox groff-base perl git xz-utils)
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
