#!/bin/sh
# The man pages and the shell completions.
#
# The pages must render without warnings and cover what the program offers:
# every command and subcommand that `drip help` lists, and every option that
# `drip COMMAND [SUBCOMMAND] -h` prints, is checked against the rendered
# text, so a new command or flag without documentation fails here.  The
# completion scripts for bash, zsh and fish are run the way each shell runs
# them, against the real `drip __complete`.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TEST_DIR/../.." && pwd)
MAN=$TOP/man
COMPL=$TOP/completions
PAGES="drip.1 drip-files.5 drip.7"

have() {
	command -v "$1" >/dev/null 2>&1
}

# The binary as `drip` on PATH, as the completion scripts expect it, and a
# directory to complete file names in.
BIN=$TRASH/bin
CWD=$TRASH/cwd
mkdir -p "$BIN" "$CWD/somedir" "$TRASH/r"
ln -s "$DRIP" "$BIN/drip"
: >"$CWD/somefile"

# Every page in man/, and the ones that must be there whatever the commands.
pages=$(cd "$MAN" && ls drip*.[1-9] 2>/dev/null)
for p in $PAGES; do
	case " $(echo $pages) " in
	*" $p "*) ;;
	*) pages="$pages $p" ;;
	esac
done

# render PAGE: the page as plain text, one paragraph per line where the
# formatter allows, so that words are never split across lines.
BS=$(printf '\b')
render() {
	if have mandoc; then
		mandoc -T ascii -O width=400 "$MAN/$1" | sed "s/.$BS//g"
	elif have man; then
		MAN_DISABLE_SECCOMP=1 MANWIDTH=250 MANPAGER=cat PAGER=cat man -l "$MAN/$1" 2>/dev/null
	else
		return 1
	fi
}
can_render=0
if have mandoc || have man; then
	can_render=1
	for p in $pages; do
		[ -f "$MAN/$p" ] && render "$p" >"$TRASH/r/$p" 2>/dev/null
	done
fi

# documents PAGE WORD: the rendered page has WORD (an option, "seq lint")
# standing on its own, not as part of a longer option or word.
documents() {
	if ! grep -E -e "(^|[^-[:alnum:]_])$2([^-[:alnum:]_]|\$)" "$TRASH/r/$1" >/dev/null; then
		echo "documents: '$2' is not in $1" >&2
		return 1
	fi
}

# section TITLE FILE: the lines of a help text's section ("options:"), up to
# the blank line that ends it.
section() {
	sed -n "/^$1\$/,/^\$/p" "$2" | sed '1d;/^$/d'
}

# The long (and short) options a help text lists in a section.
options_of() {
	section "$1" "$2" | sed -n 's/^ *\(-[[:alnum:]], \)\{0,1\}--\([[:alnum:]-]*\).*/\2/p'
}
short_of() {
	section "$1" "$2" | sed -n "s/^ *-\\([[:alnum:]]\\), --$3[ =].*/\\1/p;s/^ *-\\([[:alnum:]]\\), --$3\$/\\1/p"
}

# ---- the pages ----

for p in $pages; do
	P=$p
	if have mandoc; then
		test_expect_success "man/$P: mandoc -T lint -W warning is clean" '
			test -f "$MAN/$P" &&
			mandoc -T lint -W warning "$MAN/$P" >lint.out 2>&1 &&
			test_line_count 0 lint.out
		'
	else
		test_skip "man/$P: mandoc -T lint" "mandoc not installed"
	fi
	if have man; then
		test_expect_success "man/$P: man -l renders it without warnings, with its NAME" '
			name=${P%.*} sec=${P##*.} &&
			MAN_DISABLE_SECCOMP=1 MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$MAN/$P" >page.txt 2>page.err &&
			test_line_count 0 page.err &&
			test -s page.txt &&
			test_grep "^NAME" page.txt &&
			test_grep "^ *$name -" page.txt &&
			test_grep "^\.Dt $(echo "$name" | tr a-z A-Z) $sec\$" "$MAN/$P"
		'
	else
		test_skip "man/$P: man -l" "man not installed"
	fi
done

test_expect_success 'every drip page a page refers to (.Xr) is in man/' '
	sed -n "s/^\.Xr \(drip[-a-z]*\) \([1-9]\).*/\1.\2/p" "$MAN"/drip*.[1-9] |
		sort -u >xr &&
	test -s xr &&
	while read -r x; do
		test -f "$MAN/$x" || { echo "no man/$x" >&2; exit 1; }
	done <xr
'

# ---- the pages against the command tables ----

"$DRIP" help >help.txt 2>&1 || echo "# drip help failed"
cmds=$(section 'commands:' help.txt | awk '{ print $1 }')

test_expect_success 'drip help lists commands' '
	test -n "$cmds"
'

test_expect_success 'drip --help and drip help say the same; drip alone says it on stderr' '
	"$DRIP" --help >h1 && "$DRIP" help >h2 && test_cmp h1 h2 &&
	test_grep "^global options:" h1 &&
	test_expect_code 2 "$DRIP" >h3 2>h4 && test_line_count 0 h3 && test_cmp h1 h4
'

test_expect_success 'tick -h shows tick'"'"'s own defaults, not only the global ones' '
	"$DRIP" tick -h >t &&
	section "defaults:" t >d &&
	test_grep "^  --wait  *0: " d &&
	test_grep "max_lag (24h unless set)" d &&
	test_grep "tick (20m unless set)" d &&
	"$DRIP" help tick >t2 && test_cmp t t2
'

if [ "$can_render" = 1 ]; then
	for cmd in $cmds; do
		C=$cmd
		test_expect_success "drip.1 shows 'drip $C', and man/drip-$C.1 exists" '
			documents drip.1 "drip $C" &&
			test -f "$MAN/drip-$C.1"
		'
		"$DRIP" help "$cmd" >"help-$cmd.txt" 2>&1
		subs=$(section 'subcommands:' "help-$cmd.txt" | awk '{ print $1 }')
		for sub in $subs; do
			S=$sub
			test_expect_success "drip.1 and drip-$C.1 show 'drip $C $S'" '
				documents drip.1 "drip $C $S" &&
				documents "drip-$C.1" "drip $C $S"
			'
			"$DRIP" "$cmd" "$sub" -h >"help-$cmd-$sub.txt" 2>&1
			for opt in $(options_of 'options:' "help-$cmd-$sub.txt"); do
				O=$opt
				F=help-$cmd-$sub.txt
				test_expect_success "drip-$C.1 documents --$O of 'drip $C $S'" '
					documents "drip-$C.1" "--$O" &&
					for s in $(short_of options: "$F" "$O"); do
						documents "drip-$C.1" "-$s" || exit 1
					done
				'
			done
		done
		if [ -z "$subs" ]; then
			"$DRIP" "$cmd" -h >"help-$cmd.txt" 2>&1
			for opt in $(options_of 'options:' "help-$cmd.txt"); do
				O=$opt
				F=help-$cmd.txt
				test_expect_success "drip-$C.1 documents --$O of 'drip $C'" '
					documents "drip-$C.1" "--$O" &&
					for s in $(short_of options: "$F" "$O"); do
						documents "drip-$C.1" "-$s" || exit 1
					done
				'
			done
		fi
	done
	# drip(1)'s SYNOPSIS itself names every command and subcommand.
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$TRASH/r/drip.1" >synopsis
	for cmd in $cmds; do
		"$DRIP" help "$cmd" >"help-$cmd.txt" 2>&1
		subs=$(section 'subcommands:' "help-$cmd.txt" | awk '{ print $1 }')
		C=$cmd
		SUBS=$subs
		test_expect_success "drip.1's SYNOPSIS lists 'drip $C' (each subcommand)" '
			test -s synopsis &&
			if [ -z "$SUBS" ]; then
				grep -Eq "^ *drip $C( |\$)" synopsis
			else
				for s in $SUBS; do
					grep -Eq "^ *drip $C $s( |\$)" synopsis ||
						{ echo "no drip $C $s" >&2; exit 1; }
				done
			fi
		'
	done
	for opt in $(options_of 'global options:' help.txt); do
		O=$opt
		test_expect_success "drip.1 documents the global option --$O" '
			documents drip.1 "--$O" &&
			for s in $(short_of "global options:" help.txt "$O"); do
				documents drip.1 "-$s" || exit 1
			done
		'
	done
else
	test_skip "the pages against drip help" "neither mandoc nor man installed"
fi

# ---- the completion protocol ----

complete_words() {
	(cd "$CWD" && "$DRIP" __complete "$@")
}

test_expect_success '__complete: drip se -> seq' '
	complete_words se >out && test_grep "^seq\$" out && test_line_count 1 out
'

test_expect_success '__complete: drip seq l -> lint, list' '
	complete_words seq l >out && test_grep "^lint\$" out && test_grep "^list\$" out &&
	test_line_count 2 out
'

test_expect_success '__complete: drip seq lint --f -> --format' '
	complete_words seq lint --f >out && test_grep "^--format\$" out
'

test_expect_success '__complete: drip --format <TAB> offers json' '
	complete_words --format "" >out && test_grep "^json\$" out
'

test_expect_success '__complete: directives :file for lint, :dir for init' '
	complete_words seq lint "" >out && test_grep "^:file\$" out &&
	complete_words init "" >out && test_grep "^:dir\$" out
'

test_expect_success '__complete: protect and unprotect, for sequences and automations' '
	complete_words seq pro >out && test_grep "^protect\$" out && test_line_count 1 out &&
	complete_words seq unp >out && test_grep "^unprotect\$" out &&
	complete_words automate pro >out && test_grep "^protect\$" out &&
	complete_words automate unp >out && test_grep "^unprotect\$" out
'

test_expect_success '__complete: --password-file, a file; automate protect, automation ids' '
	complete_words seq protect --pass >out && test_grep "^--password-file\$" out &&
	complete_words --password-file "" >out && test_grep "^:file\$" out &&
	rm -rf pws && "$DRIP" init -q --now 2026-11-24T10:20:00Z pws &&
	printf "id: later\nif: {event: contact_created}\nactions: [{note: hi}]\n" \
		>pws/automations/later.yaml &&
	(cd pws && "$DRIP" __complete automate protect "" >../out) &&
	test_grep "^later\$" out &&
	(cd pws && "$DRIP" __complete automate unprotect l >../out) &&
	test_grep "^later\$" out && test_line_count 1 out
'

test_expect_success '__complete: tick --push offers the repository'"'"'s remotes' '
	rm -rf rws && "$DRIP" init -q --now 2026-11-24T10:20:00Z rws &&
	git -C rws remote add origin ../central.git &&
	git -C rws remote add backup ssh://git.example/crm.git &&
	(cd rws && "$DRIP" __complete tick --push "" >../out) &&
	printf "backup\norigin\n" >expect && test_cmp expect out &&
	(cd rws && "$DRIP" __complete tick --push o >../out) &&
	echo origin >expect && test_cmp expect out &&
	complete_words tick --shard "" >out && echo auto >expect && test_cmp expect out
'

# ---- bash ----

# bash_complete WORD...: what _drip puts in COMPREPLY for this command line,
# the last WORD being the one completed (the cursor at its end).
bash_complete() {
	(cd "$CWD" && PATH=$BIN:$PATH bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_drip || exit 1
		if [ ${#COMPREPLY[@]} -gt 0 ]; then printf "%s\n" "${COMPREPLY[@]}"; fi
		complete -p drip >/dev/null || exit 1
	' bash "$COMPL/drip.bash" "$@")
}

if have bash; then
	test_expect_success 'bash: drip se<TAB> gives seq' '
		bash_complete drip se >out && test_grep "^seq\$" out && test_line_count 1 out
	'
	test_expect_success 'bash: drip seq l<TAB> gives lint and list' '
		bash_complete drip seq l >out && test_grep "^lint\$" out &&
		test_grep "^list\$" out && test_line_count 2 out
	'
	test_expect_success 'bash: drip seq lint --f<TAB> gives --format' '
		bash_complete drip seq lint --f >out && test_grep "^--format\$" out
	'
	test_expect_success 'bash: drip --format <TAB> includes json' '
		bash_complete drip --format "" >out && test_grep "^json\$" out
	'
	test_expect_success 'bash: drip init so<TAB> completes directories only' '
		bash_complete drip init so >out && test_grep "^somedir\$" out &&
		! grep "^somefile\$" out
	'
	test_expect_success 'bash: drip seq lint some<TAB> completes files' '
		bash_complete drip seq lint some >out && test_grep "^somefile\$" out
	'
	test_expect_success 'bash: drip tick --push b<TAB> gives the remote backup' '
		CWD=$PWD/rws bash_complete drip tick --push b >out &&
		echo backup >expect && test_cmp expect out
	'
else
	for t in 1 2 3 4 5 6 7; do
		test_skip "bash completion" "bash not installed"
	done
fi

# ---- zsh ----

# zsh_complete WORD...: run _drip under `zsh -f` after compinit, with
# compadd, _files and _directories replaced by stubs that print what they
# are given (":FILES", ":DIRS" for the latter two).
zsh_complete() {
	(cd "$CWD" && PATH=$BIN:$PATH zsh -f -c '
		fpath=("$1" $fpath)
		shift
		autoload -Uz compinit && compinit -u -D || exit 1
		[[ $_comps[drip] == _drip ]] || exit 1
		compadd() {
			local a seen=0
			for a; do
				if (( seen )); then print -r -- "$a"
				elif [[ $a == -- ]]; then seen=1; fi
			done
		}
		_files() { print -r -- ":FILES" }
		_directories() { print -r -- ":DIRS" }
		compset() { : }
		words=("$@")
		CURRENT=$#
		PREFIX=$words[CURRENT]
		SUFFIX=
		_drip
		exit 0
	' zsh "$COMPL" "$@")
}

if have zsh; then
	test_expect_success 'zsh: compinit binds _drip to drip (#compdef)' '
		PATH=$BIN:$PATH zsh -f -c "fpath=(\"\$1\" \$fpath); autoload -Uz compinit &&
			compinit -u -D && print -r -- \$_comps[drip]" zsh "$COMPL" >out &&
		test_grep "^_drip\$" out
	'
	test_expect_success 'zsh: drip se<TAB> gives seq' '
		zsh_complete drip se >out && test_grep "^seq\$" out && test_line_count 1 out
	'
	test_expect_success 'zsh: drip seq l<TAB> gives lint and list' '
		zsh_complete drip seq l >out && test_grep "^lint\$" out &&
		test_grep "^list\$" out && test_line_count 2 out
	'
	test_expect_success 'zsh: drip seq lint --f<TAB> gives --format' '
		zsh_complete drip seq lint --f >out && test_grep "^--format\$" out
	'
	test_expect_success 'zsh: drip --format <TAB> includes json' '
		zsh_complete drip --format "" >out && test_grep "^json\$" out
	'
	test_expect_success 'zsh: drip init <TAB> uses _directories' '
		zsh_complete drip init "" >out && test_grep "^:DIRS\$" out &&
		! grep "^:FILES\$" out
	'
	test_expect_success 'zsh: drip seq lint <TAB> uses _files' '
		zsh_complete drip seq lint "" >out && test_grep "^:FILES\$" out
	'
else
	for t in 1 2 3 4 5 6 7; do
		test_skip "zsh completion" "zsh not installed"
	done
fi

# ---- fish ----

FISH_FLAGS=
if have fish && fish --no-config -c true >/dev/null 2>&1; then
	FISH_FLAGS=--no-config
fi

# fish_complete LINE: `complete -C LINE` after sourcing drip.fish.
fish_complete() {
	(cd "$CWD" && PATH=$BIN:$PATH XDG_CONFIG_HOME=$TRASH/fish-config \
		XDG_DATA_HOME=$TRASH/fish-data fish $FISH_FLAGS -c '
		source $argv[1]; or exit 1
		complete -C $argv[2]
	' "$COMPL/drip.fish" "$1")
}

if have fish; then
	test_expect_success 'fish: drip seq l<TAB> gives lint and list' '
		fish_complete "drip seq l" >out && test_grep "^lint\$" out &&
		test_grep "^list\$" out && test_line_count 2 out
	'
	test_expect_success 'fish: drip se<TAB> gives seq' '
		fish_complete "drip se" >out && test_grep "^seq\$" out
	'
	test_expect_success 'fish: drip seq lint --f<TAB> gives --format' '
		fish_complete "drip seq lint --f" >out && test_grep "^--format\$" out
	'
	test_expect_success 'fish: drip --format <TAB> includes json' '
		fish_complete "drip --format " >out && test_grep "^json\$" out
	'
	test_expect_success 'fish: drip init so<TAB> completes directories' '
		fish_complete "drip init so" >out && test_grep "^somedir/" out &&
		! grep "^somefile" out
	'
else
	for t in 1 2 3 4 5; do
		test_skip "fish completion" "fish not installed"
	done
fi

test_done
