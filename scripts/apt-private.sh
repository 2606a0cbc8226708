#!/usr/bin/env bash
# Private apt configuration for suites newer than the host's (trixie-backports,
# sid).  The system's apt configuration is never modified: the mirror URI is
# read from it and only the suite is changed.
# Usage: apt-private.sh SUITE apt-get|apt-cache ARGS...
# SUITE:src configures the suite's source packages (deb-src) instead, for
# `apt-get source` (its own directory, so binary suites fetch no Sources).
. "$(dirname "$0")/common.sh"

suite=$1; shift
tool=$1; shift
type=deb
case $suite in *:src) suite=${suite%:src}; type=deb-src;; esac
dir=$CACHE/apt/$suite${type#deb}

mirror_uri() {
	local f uri=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		# deb822: the stanza whose Suites include the plain release name.
		uri=$(awk '
			/^[[:space:]]*$/ { if (u && s ~ /(^| )[a-z]+( |$)/ && s !~ /security/) { print u; exit } u=""; s="" }
			/^URIs:/   { u=$2 }
			/^Suites:/ { $1=""; s=$0 }
			END { if (u && s !~ /security/) print u }' "$f" | head -n1)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -e /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror found in the system's apt configuration"
	printf '%s\n' "$uri"
}

mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc/preferences.d"
if [ ! -s "$dir/sources.list" ]; then
	printf '%s [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$type" "$(mirror_uri)" "$suite" > "$dir/sources.list"
fi
opts=(
	-o Dir::Etc::SourceList="$dir/sources.list"
	-o Dir::Etc::SourceParts=/nonexistent
	-o Dir::Etc::Preferences="$dir/etc/preferences"
	-o Dir::Etc::PreferencesParts="$dir/etc/preferences.d"
	-o Dir::State::Lists="$dir/lists"
	-o Dir::State::Status=/var/lib/dpkg/status
	-o Dir::Cache="$dir"
	-o Dir::Cache::Archives="$dir/archives"
	-o APT::Get::List-Cleanup=0
)
if [ "$tool" = update ]; then
	# Refresh at most once a day.
	if [ -z "$(find "$dir/lists" -maxdepth 1 \( -name '*Packages*' -o -name '*Sources*' \) -mtime -1 2>/dev/null | head -n1)" ]; then
		apt-get "${opts[@]}" -qq update >/dev/null
	fi
	exit 0
fi
exec "$tool" "${opts[@]}" "$@"
