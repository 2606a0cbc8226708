#!/usr/bin/env bash
# Mutation check: build the kernel with a deliberately broken change from
# mutants/ applied on top of the series, boot it, run the tests, and expect
# them to fail.  Shows what caught each mutant; build/linux is restored and
# the kernel rebuilt from it afterwards.
# Usage: mutant.sh [mutants/NAME.patch ...]   (default: every mutant)
# Exit status 0 when every mutant was caught, 1 when one survived.
# ZC_FLAVOR=debug runs them on the debug kernel; ZC_PARTS picks what runs in
# the VM (see scripts/in-vm.sh), e.g. ZC_PARTS=fuzz for a quick leak check.
. "$(dirname "$0")/common.sh"

mapfile -t muts < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else ls "$TOP"/mutants/*.patch; fi)
[ ${#muts[@]} -gt 0 ] || die "no mutants"
[ -d "$KSRC/.git" ] || "$TOP/scripts/tree.sh"
[ -z "$(git -C "$KSRC" status --porcelain --ignored)" ] ||
	die "build/linux has uncommitted edits: commit and export them first"
# The test programs of this checkout, against a configured kernel build.
[ -f "$KOUT/.config" ] || "$TOP/scripts/build.sh"
"$TOP/scripts/kselftest.sh" >/dev/null

restore() { git -C "$KSRC" checkout -q HEAD -- . ; }
trap 'restore; warn "interrupted: run make kernel before booting ${KOUT#"$TOP"/} again"; exit 130' INT TERM

results=$TOP/results; mkdir -p "$results"
survived=0
for m in "${muts[@]}"; do
	m=$(realpath "$m"); name=$(basename "$m" .patch)
	say "mutant $name: $(head -1 "$m")"
	git -C "$KSRC" apply "$m" || die "$name does not apply to build/linux"
	set +e
	"$TOP/scripts/build.sh"; brc=$?
	restore
	[ $brc -eq 0 ] || die "$name does not build"
	log=$results/mutant-$name${FLAVOR:+-$FLAVOR}.log
	"$TOP/scripts/vm-run.sh" "ZC_PARTS='${ZC_PARTS:-}' '$TOP/scripts/in-vm.sh' '$KOUT/kselftest'" > "$log" 2>&1
	summary=$("$TOP/scripts/summarize.py" "$log"); rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "CAUGHT $name: $(tail -1 <<<"$summary")"
		# what caught it (a case failing in several runs is listed once)
		grep '^FAILED' <<<"$summary" | sed 's/^FAILED: //' | sort | uniq -c |
			awk '{ n = $1; $1 = ""; sub(/^ +/, ""); printf "    %s%s\n", $0, (n > 1 ? " (" n " runs)" : "") }' || true
		grep -h -m3 '^# .*\(option memory charged\|optmem [0-9]* after\|unreferenced object\)' "$log" |
			sed 's/^/    /' || true
	else
		echo "SURVIVED $name: $(tail -1 <<<"$summary") (log: ${log#"$TOP"/})"
		survived=$((survived + 1))
	fi
done
trap - INT TERM
say "rebuilding the kernel from build/linux"
"$TOP/scripts/build.sh" >/dev/null
echo "${#muts[@]} mutants, $((${#muts[@]} - survived)) caught, $survived survived"
[ $survived -eq 0 ]
