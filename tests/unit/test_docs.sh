#!/bin/bash
# The man page and the bash completion that the build writes from the
# verbs' option tables (compiler/cmd/options.h) say what `livec --help` and
# `livec VERB --help` say:
#   - livec.1 has every section, every verb's subsection, and in it every
#     option that verb's --help lists (the common ones under COMMON OPTIONS);
#   - the completion script parses, and completing livec bu<TAB>,
#     livec build --f<TAB>, format values, file names and every option of
#     every verb gives the right words.
# usage: test_docs.sh LIVEC LIVEC.1 COMPLETION
set -u
livec=$1 man=$2 completion=$3
failed=0 checks=0

fail() { echo "not ok: $*"; failed=$((failed + 1)); }
check() { checks=$((checks + 1)); }

# The option names in the rows of an option list (lines that start with
# "  -" or "      --"): -j and --jobs of "  -j, --jobs N  ...".
options_of() {
	sed -n 's/^\(  \|      \)\(-[^ ,]*\(, --[^ ]*\)\{0,1\}\).*/\2/p' | tr ',' '\n' |
		sed 's/^ *//; s/\[=.*//' | grep -v '^$' | sort -u
}

# The man page's lines from the heading that matches $1 to the next heading
# of the same level or above.
man_part() {
	awk -v start="$1" '
		$0 == start { on = 1; next }
		on && (/^\.SH/ || (start ~ /^\.SS/ && /^\.SS/)) { exit }
		on { print }' "$man"
}

# roff for an option name as man.c writes it: \fB\-\-jobs\fR
roff_opt() { printf '\\fB%s\\fR' "$(printf '%s' "$1" | sed 's/-/\\-/g')"; }

# --- the man page
for section in NAME SYNOPSIS DESCRIPTION "COMMON OPTIONS" VERBS "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
	check
	grep -qx ".SH $section" "$man" || fail "livec.1 has no section $section"
done
for word in SOURCE_DATE_EPOCH LIVEC_MIRROR XDG_CACHE_HOME; do
	check
	man_part ".SH ENVIRONMENT" | grep -qx "\.B $word" || fail "livec.1: ENVIRONMENT does not name $word"
done
for code in 0 1 2 3; do
	check
	man_part ".SH EXIT STATUS" | grep -qx "\.B $code" || fail "livec.1: EXIT STATUS does not explain $code"
done

verbs=$("$livec" --help | sed -n '/^verbs:$/,/^$/s/^  \([a-z-]*\) .*/\1/p')
[ "$(echo "$verbs" | wc -w)" -ge 8 ] || fail "livec --help lists only: $verbs"

common=$("$livec" --help | sed -n '/^options (before or after the verb):$/,/^$/p' | options_of)
[ -n "$common" ] || fail "livec --help lists no common option"
for opt in $common; do
	check
	man_part ".SH COMMON OPTIONS" | grep -qF "$(roff_opt "$opt")" ||
		fail "livec.1: COMMON OPTIONS misses $opt"
done

for verb in $verbs; do
	check
	part=$(man_part ".SS \"livec $verb\"")
	[ -n "$part" ] || fail "livec.1 has no subsection for '$verb'"
	opts=$("$livec" "$verb" --help | options_of)
	[ -n "$opts" ] || fail "livec $verb --help lists no option"
	for opt in $opts; do
		check
		printf '%s\n' "$part" | grep -qF "$(roff_opt "$opt")" || fail "livec.1: '$verb' misses $opt"
	done
done

if command -v groff >/dev/null; then
	check
	warnings=$(groff -man -ww -z "$man" 2>&1)
	[ -z "$warnings" ] || fail "groff warns about livec.1: $warnings"
fi

# --- the bash completion
check
bash -n "$completion" || fail "bash -n refuses the completion script"
# shellcheck disable=SC1090
. "$completion"
check
complete -p livec | grep -q -- "-F _livec" || fail "the script does not complete livec with _livec"

# complete WORD...: what completing the last word gives, sorted, one line
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_livec 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() { # expect "WORDS" livec ...
	local want=$1 got
	shift
	check
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}

expect "build" livec bu
expect "--format" livec build --f
expect "dir iso tar tar.gz tar.zst" livec build --format ""
expect "tar tar.gz tar.zst" livec build -f ta
expect "tar tar.gz tar.zst" livec build --format = ta
expect "iso tar tar.gz tar.zst" livec verify --format ""
expect "spdx" livec audit-licenses --format s
expect "lock" livec --cache /tmp lo
expect "cloop" livec -v --lockfile=x.lock cl
expect "--verbose --version" livec --ver
expect "--keep" livec --cache /tmp build --ke

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/out" && touch "$dir/console.yaml"
here=$PWD
cd "$dir" || exit 1
expect "console.yaml" livec build con
expect "out" livec build --workdir o
expect "console.yaml out" livec lock ""
cd "$here" || exit 1

for verb in $verbs; do
	got=" $(complete_words livec "$verb" --) "
	for opt in $("$livec" "$verb" --help | options_of | grep '^--') $(echo "$common" | grep '^--'); do
		check
		case $got in *" $opt "*) ;; *) fail "completing 'livec $verb --' misses $opt" ;; esac
	done
done

echo "$checks checks, $failed failed"
[ "$failed" = 0 ]
