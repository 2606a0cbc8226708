#!/usr/bin/env bash
# Configure (when the fragment changed) and build the VM kernel out of tree
# with ccache.  Progress: one line per 100 objects.
. "$(dirname "$0")/common.sh"

[ -d "$KSRC/.git" ] || "$TOP/scripts/tree.sh"
mkdir -p "$KOUT"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
ccache -M 5G >/dev/null
MK=(make -C "$KSRC" O="$KOUT" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS"
    KBUILD_BUILD_TIMESTAMP="$BASE_UPSTREAM" KBUILD_BUILD_USER=zc KBUILD_BUILD_HOST=vm)

frags=("$TOP/kconfig/vm.config")
[ -z "$FLAVOR" ] || frags+=("$TOP/kconfig/$FLAVOR.config")
stamp=$KOUT/.zc-config-sha
want=$(cat "${frags[@]}" "$(command -v virtme-configkernel)" | sha256sum | cut -c1-16)
if [ ! -f "$KOUT/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "configuring: allnoconfig + virtme-ng + ${frags[*]#"$TOP"/}"
	"${MK[@]}" -s allnoconfig >/dev/null
	(cd "$KSRC" && virtme-configkernel --update O="$KOUT" CC="ccache gcc" >/dev/null 2>&1)
	cat "${frags[@]}" >> "$KOUT/.config"
	"${MK[@]}" -s olddefconfig >/dev/null 2>&1
	bad=0
	while IFS= read -r line; do
		case $line in ''|'#'*) continue;; esac
		opt=${line%%=*}; val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$opt=" "$KOUT/.config" && { warn "$opt is set"; bad=1; }
		else
			grep -qx "$line" "$KOUT/.config" || { warn "$line did not stick"; bad=1; }
		fi
	done < <(cat "${frags[@]}")
	[ $bad -eq 0 ] || die "${frags[*]#"$TOP"/} not satisfiable on this tree"
	echo "$want" > "$stamp"
fi

say "building bzImage (cold: ~12 min on 2 cores; incremental: seconds)"
start=$(date +%s)
log=$KOUT/build.log
set +e
"${MK[@]}" bzImage 2>&1 | tee "$log" | awk '
	/^  (CC|AS|LD|AR)/ { n++; if (n % 100 == 0) { printf "    ... %d objects\n", n; fflush() } }
	/error:|warning:/ { print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { tail -30 "$log"; die "kernel build failed (log: ${log#"$TOP"/})"; }
say "bzImage ready in $(( $(date +%s) - start )) s: ${KOUT#"$TOP"/}/arch/x86/boot/bzImage"
