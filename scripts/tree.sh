#!/usr/bin/env bash
# Make $KSRC a git tree: the pristine base as one commit, then one commit per
# patch of patches/series (git am: no fuzz).  If $KSRC already holds exactly
# that content, it is left alone so that the incremental build stays valid.
. "$(dirname "$0")/common.sh"

ID_NAME="Debian linux-source"
ID_MAIL="linux-source@packages.invalid"
base_repo=$CACHE/base-$BASE_VERSION.git

make_base_repo() {
	[ -f "$base_repo/.complete" ] && return 0
	local src; src=$("$TOP/scripts/fetch-base.sh")
	say "committing the base tree (once, ~30 s)"
	rm -rf "$base_repo"
	git init -q --bare "$base_repo"
	GIT_DIR=$base_repo git config core.autocrlf false
	(cd "$src" && GIT_DIR=$base_repo GIT_WORK_TREE=$src git add -A -f . \
		':(exclude).complete')
	GIT_DIR=$base_repo GIT_WORK_TREE=$src \
	GIT_AUTHOR_NAME=$ID_NAME GIT_AUTHOR_EMAIL=$ID_MAIL GIT_COMMITTER_NAME=$ID_NAME \
	GIT_COMMITTER_EMAIL=$ID_MAIL GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
	GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git commit -q -m "Linux $BASE_UPSTREAM (Debian $BASE_PKG $BASE_VERSION)"
	GIT_DIR=$base_repo git tag -f base >/dev/null
	touch "$base_repo/.complete"
}

series() { grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" || true; }

# The tree that base + series gives, computed in a scratch index.
expected_tree() {
	local idx; idx=$(mktemp); rm -f "$idx"
	GIT_INDEX_FILE=$idx git -C "$base_repo" read-tree base
	local p
	while read -r p; do
		GIT_INDEX_FILE=$idx git -C "$base_repo" apply --cached \
			"$TOP/patches/$p" || { rm -f "$idx"; die "patches/$p does not apply"; }
	done < <(series)
	GIT_INDEX_FILE=$idx git -C "$base_repo" write-tree
	rm -f "$idx"
}

make_base_repo
if [ -d "$KSRC/.git" ] && [ "${1:-}" != --force ]; then
	want=$(expected_tree)
	have=$(git -C "$KSRC" rev-parse 'HEAD^{tree}')
	if [ "$want" = "$have" ] && [ -z "$(git -C "$KSRC" status --porcelain --ignored)" ]; then
		say "build/linux already is base + series"
		exit 0
	fi
	if ! "$TOP/scripts/status.sh" >/dev/null 2>&1; then
		"$TOP/scripts/status.sh" || true
		die "build/linux has work that patches/ lacks: 'make export' it, or 'make tree FORCE=1' to discard it"
	fi
fi

say "creating build/linux from the base ($BASE_PKG $BASE_VERSION)"
rm -rf "$KSRC"
mkdir -p "$BUILD"
git clone -q "$base_repo" "$KSRC"
git -C "$KSRC" config user.name "$(git -C "$TOP" config user.name)"
git -C "$KSRC" config user.email "$(git -C "$TOP" config user.email)"
git -C "$KSRC" checkout -q -b series
n=0
while read -r p; do
	git -C "$KSRC" am -q --keep-cr "$TOP/patches/$p" ||
		{ git -C "$KSRC" am --abort; die "patches/$p does not apply cleanly"; }
	n=$((n + 1))
done < <(series)
say "applied $n patches"
