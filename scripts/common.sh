# Shared settings for the workbench scripts. Sourced, not run.
# shellcheck shell=bash
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads and the extracted base live outside the checkout and are reused.
CACHE=${ZC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sendfile2-zc}
BUILD=${ZC_BUILD:-$TOP/build}
KSRC=$BUILD/linux          # git tree: base commit + one commit per patch
# Kernel flavour: "" (the test VM) or "debug" (kconfig/debug.config on top).
FLAVOR=${ZC_FLAVOR:-}
KOUT=$BUILD/kout${FLAVOR:+-$FLAVOR}   # out-of-tree kernel build (O=)
JOBS=${JOBS:-$(nproc)}
# Variables given to the workbench's make (MUTANT=, ZC_PARTS=) reach the
# scripts through the environment; keep them out of the kernel's make.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

# shellcheck source=../patches/BASE
. "$TOP/patches/BASE"

say()  { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[1;33mWARNING: %s\033[0m\n' "$*" >&2; }
die()  { printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# Run as root or through sudo.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
