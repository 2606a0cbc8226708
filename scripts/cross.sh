#!/usr/bin/env bash
# Cross-compile what the series changes on the architectures whose system
# call tables differ from x86's, with Debian's cross compilers:
#   powerpc64 (ppc64_defconfig) and parisc64 (generic-64bit_defconfig),
#     CONFIG_COMPAT: 32-bit tasks go through compat_sys_sendfile2();
#   arm64 (defconfig): the generic table (scripts/syscall.tbl) and the
#     32-bit table, both with the native sys_sendfile2().
# For each, fs/read_write.o and the objects that hold the syscall tables are
# built with W=1 in build/cross-<arch> (out of tree, ccache); a warning in
# one of those files fails, and nm must show the entry points where they
# belong.  Prints one KTAP-style line per architecture ("ok N zc_cross: ..."),
# which summarize.py counts; exits non-zero if one failed.  An architecture
# whose compiler is missing is skipped ('make deps' installs them).
# Compilers: Debian's GCC cross compiler where it is installed; otherwise,
# for powerpc64 and arm64, clang-19 (LLVM=-19), because Debian 12's
# gcc-12-powerpc64-linux-gnu and gcc-12-aarch64-linux-gnu conflict with
# gcc-multilib, which the -m32 selftests need.  parisc needs GCC
# (gcc-hppa64-linux-gnu, no conflict).
# Usage: cross.sh [ARCH...]   (powerpc64 parisc64 arm64)
. "$(dirname "$0")/common.sh"

[ -d "$KSRC/.git" ] || "$TOP/scripts/tree.sh"
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
CJOBS=${JOBS:-2}

# arch: kernel ARCH, compiler prefix, defconfig, config symbols that must be
# set, objects, then "object:symbol" pairs nm must list (T defined, U used).
declare -A K_ARCH=([powerpc64]=powerpc [parisc64]=parisc64 [arm64]=arm64)
declare -A PREFIX=([powerpc64]=powerpc64-linux-gnu- [parisc64]=hppa64-linux-gnu-
		   [arm64]=aarch64-linux-gnu-)
declare -A DEFCONFIG=([powerpc64]=ppc64_defconfig [parisc64]=generic-64bit_defconfig
		      [arm64]=defconfig)
declare -A NEED=([powerpc64]="CONFIG_PPC64 CONFIG_COMPAT" [parisc64]="CONFIG_64BIT CONFIG_COMPAT"
		 [arm64]="CONFIG_COMPAT")
declare -A OBJS=([powerpc64]="fs/read_write.o arch/powerpc/kernel/systbl.o"
		 [parisc64]="fs/read_write.o arch/parisc/kernel/syscall.o"
		 [arm64]="fs/read_write.o arch/arm64/kernel/sys.o arch/arm64/kernel/sys32.o")
declare -A SYMS=(
	[powerpc64]="fs/read_write.o:T:compat_sys_sendfile2 fs/read_write.o:T:sys_sendfile2
		     arch/powerpc/kernel/systbl.o:U:compat_sys_sendfile2 arch/powerpc/kernel/systbl.o:U:sys_sendfile2"
	[parisc64]="fs/read_write.o:T:compat_sys_sendfile2 fs/read_write.o:T:sys_sendfile2
		    arch/parisc/kernel/syscall.o:U:compat_sys_sendfile2 arch/parisc/kernel/syscall.o:U:sys_sendfile2"
	[arm64]="fs/read_write.o:T:sys_sendfile2 arch/arm64/kernel/sys.o:U:sys_sendfile2
		 arch/arm64/kernel/sys32.o:U:sys_sendfile2")
# Files whose W=1 warnings fail the build: the series' changes in them.
touched='fs/read_write\.c|include/linux/(compat|syscalls)\.h|include/uapi/linux/sendfile\.h|arch/[a-z0-9]+/kernel/(systbl\.c|syscall\.S|sys\.c|sys32\.c)|syscall_table'

archs=("$@"); [ ${#archs[@]} -gt 0 ] || archs=(powerpc64 parisc64 arm64)
n=0 bad=0 t_all=$(date +%s)
for a in "${archs[@]}"; do
	n=$((n + 1))
	[ -n "${K_ARCH[$a]:-}" ] || die "unknown architecture $a"
	cc=${PREFIX[$a]}gcc nm=${PREFIX[$a]}nm tc=()
	if command -v "$cc" >/dev/null; then
		tc=(CC="ccache $cc")
	elif [ "$a" != parisc64 ] && command -v clang-19 >/dev/null && command -v ld.lld-19 >/dev/null; then
		# CROSS_COMPILE only names clang's --target (big-endian ppc64).
		cc=clang-19 nm=llvm-nm-19 tc=(LLVM=-19 CC="ccache clang-19")
	else
		echo "ok $n zc_cross: $a # SKIP neither $cc nor clang-19 installed ('make deps')"
		continue
	fi
	t0=$(date +%s)
	out=$BUILD/cross-$a; mkdir -p "$out"
	log=$out/build.log
	MK=(make -C "$KSRC" O="$out" ARCH="${K_ARCH[$a]}" CROSS_COMPILE="${PREFIX[$a]}"
	    "${tc[@]}" HOSTCC="ccache gcc" -j"$CJOBS"
	    KBUILD_BUILD_TIMESTAMP="$BASE_UPSTREAM" KBUILD_BUILD_USER=zc KBUILD_BUILD_HOST=cross)
	why=
	stamp="${DEFCONFIG[$a]} $cc"
	if [ ! -f "$out/.config" ] || [ "$(cat "$out/.zc-defconfig" 2>/dev/null)" != "$stamp" ]; then
		"${MK[@]}" -s "${DEFCONFIG[$a]}" >"$log" 2>&1 || why="${DEFCONFIG[$a]} failed"
		echo "$stamp" >"$out/.zc-defconfig"
	fi
	for c in ${NEED[$a]}; do
		[ -n "$why" ] || grep -qx "$c=y" "$out/.config" || why="$c is not set by ${DEFCONFIG[$a]}"
	done
	objdir=$out
	if [ -z "$why" ] && [ "$a" = parisc64 ] && ! command -v hppa-linux-gnu-gcc >/dev/null; then
		# COMPAT builds the 32-bit vDSO in 'prepare', with the 32-bit
		# hppa-linux-gnu-gcc, which conflicts with gcc-multilib in Debian
		# 12.  Everything else 'prepare' makes is there when only the
		# vDSO fails: build the objects as external-module single targets
		# (M=, MO=: no prepare, output outside the source tree).
		"${MK[@]}" W=1 prepare >"$log" 2>&1 ||
			{ grep -q 'vdso32.*Error' "$log" && [ -f "$out/include/generated/asm-offsets.h" ] &&
			  [ -f "$out/arch/parisc/include/generated/asm/syscall_table_64.h" ]; } ||
			why="make prepare failed"
		objdir=$out/ext
		for o in ${OBJS[$a]}; do
			[ -n "$why" ] || "${MK[@]}" W=1 M="$KSRC/${o%/*}" MO="$objdir/${o%/*}" "${o##*/}" \
				>>"$log" 2>&1 || why="build failed"
		done
	else
		# shellcheck disable=SC2086
		[ -n "$why" ] || "${MK[@]}" W=1 ${OBJS[$a]} >"$log" 2>&1 || why="build failed"
	fi
	warns=$(grep -E "^($KSRC/)?($touched)[^ ]*:[0-9]+:[0-9]+: (warning|error):" "$log" || true)
	[ -n "$why" ] || [ -z "$warns" ] || why="W=1 warnings in the series' files"
	if [ -z "$why" ]; then
		for s in ${SYMS[$a]}; do
			obj=${s%%:*} rest=${s#*:}; kind=${rest%%:*} sym=${rest#*:}
			# The entry points keep their names or get an arch prefix
			# (__powerpc_, __arm64_, ...) with syscall wrappers.
			syms=$("$nm" "$objdir/$obj" 2>/dev/null || true)
			grep -Eq "^[0-9a-f ]+ $kind (__[a-z0-9]+_)?$sym$" <<<"$syms" ||
				{ why="nm: $obj lacks $kind $sym"; break; }
		done
	fi
	secs=$(( $(date +%s) - t0 ))
	if [ -z "$why" ]; then
		echo "ok $n zc_cross: $a ($cc): ${OBJS[$a]} W=1 clean, sendfile2 entry points in place (${secs} s)"
	else
		echo "not ok $n zc_cross: $a: $why (${secs} s, log: ${log#"$TOP"/})"
		[ -z "$warns" ] || printf '%s\n' "$warns" | head -20 | sed 's/^/# /'
		grep -E 'error:|Error [0-9]' "$log" | head -10 | sed 's/^/# /'
		bad=1
	fi
done
say "cross builds: $(( $(date +%s) - t_all )) s"
exit $bad
