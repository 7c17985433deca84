#!/bin/sh
# The completion scripts name the commands they cover in their header; that
# list must be exactly the commands `drip help` lists, so it cannot drift.
#
# Every positional argument of every command is completed: the operands
# are read from each command's usage line (`drip help CMD SUB`), and each
# must have a row in the table below saying what drip offers there, in a
# small workspace; a command that gains an operand without a row fails.
# The positions the issue names also go through bash, zsh and fish.
. "$(dirname "$0")/lib.sh"

COMP=$DATA_DIR/../completions

drip help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort >commands
test_expect_success 'drip help lists commands' '
	test -s commands && grep -qx seq commands
'

for f in drip.bash _drip drip.fish; do
	test_expect_success "$f names exactly drip's commands" '
		sed -n "s/^# Commands covered: \(.*\)\.$/\1/p" "$COMP/'"$f"'" | tr " " "\n" | sort >covered &&
		test_cmp commands covered
	'
done

# ---- every positional ----

new_ws ws
cat >ws/contacts.csv <<'CSV'
id,email,first_name
ann,ann@example.com,Ann
ben,ben@example.com,Ben
CSV
mkdir -p ws/templates
printf 'Subject: Hi\n\nHi. {{link.unsubscribe}}\n' >ws/templates/hi.eml
cat >ws/sequences/intro.yaml <<'YAML'
id: intro
steps:
  - {id: hello, type: email, wait: 0, template: templates/hi.eml}
  - {id: ring, type: call, wait: 0, subject: "Call {{first_name}}"}
YAML
mkdir -p ws/automations
cat >ws/automations/cold.yaml <<'YAML'
id: cold
if: {event: tag_added, tag: cold}
actions:
  - tag: {add: [lead]}
YAML
{ git -C ws add -A && git -C ws commit -qm fixture &&
drip -C ws -q --now $NOW seq publish intro &&
drip -C ws -q --now $NOW enroll intro ann ben &&
drip -C ws -q --now 2026-11-24T11:00:00Z tick --no-deliver &&
drip -C ws -q --now 2026-11-24T11:00:00Z task done "$(grep ',ben,' ws/tasks.csv | cut -d, -f1)"; } >fixture.out 2>&1 ||
	{ cat fixture.out; echo "Bail out! the workspace"; exit 1; }
OPEN=$(grep ',ann,' ws/tasks.csv | cut -d, -f1)

# The operands of each command: "CMD SUB POSITION PLACEHOLDER" ("-" for no
# subcommand), from the first form of its usage line, option values aside.
operands() {
	for c in $(drip help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
		subs=$(drip help "$c" | sed -n '/^subcommands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
		if [ -z "$subs" ]; then
			printf '%s -\t%s\n' "$c" "$(drip help "$c" | sed -n "1s/^usage: drip $c//p")"
		fi
		for s in $subs; do
			printf '%s %s\t%s\n' "$c" "$s" "$(drip help "$c" "$s" | sed -n "1s/^usage: drip $c $s//p")"
		done
	done | python3 -c '
import re, sys
for line in sys.stdin:
    key, usage = line.rstrip("\n").split("\t")
    pos, skip = 0, False
    for w in usage.split():
        if w == "|":
            break
        t = w.strip("[]")
        if t.startswith("-"):
            skip = True
            continue
        if skip and re.fullmatch(r"[A-Z][A-Z_=.:]*(\.\.\.)?(\|--[a-z-]+)?", t):
            skip = "|--" in t
            continue
        skip = False
        if re.fullmatch(r"[a-z_]*=?[A-Z][A-Z_]*(=[A-Z]+)?(\|-)?(\.\.\.)?", t):
            print(key, pos, t)
            pos += 1
'
}

# CMD SUB POSITION PLACEHOLDER ; words before ; what drip offers there, on
# one line ("-": nothing, for a new id or free text).  Rows of commands
# this build lacks are passed over.
CMDS=$(echo $(drip help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'))
cat >table <<EOF
init - 0 DIR ; init ; :dir
seq new 0 ID ; seq new ; -
seq show 0 ID ; seq show ; intro
seq lint 0 FILE... ; seq lint ; :file
seq publish 0 ID ; seq publish ; intro
seq diff 0 ID ; seq diff ; intro
seq pause 0 ID ; seq pause ; intro
seq resume 0 ID ; seq resume ; intro
seq stop 0 ID ; seq stop ; intro
seq archive 0 ID ; seq archive ; intro
seq protect 0 ID ; seq protect ; intro
seq unprotect 0 ID ; seq unprotect ; intro
step add 0 SEQ ; step add ; intro
step add 1 ID ; step add intro ; -
step list 0 SEQ ; step list ; intro
step show 0 SEQ ; step show ; intro
step show 1 ID ; step show intro ; hello ring
step set 0 SEQ ; step set ; intro
step set 1 ID ; step set intro ; hello ring
step set 2 KEY=VALUE... ; step set intro ring ; -
step mv 0 SEQ ; step mv ; intro
step mv 1 ID ; step mv intro ; hello ring
step dup 0 SEQ ; step dup ; intro
step dup 1 ID ; step dup intro ; hello ring
step dup 2 NEW_ID ; step dup intro ring ; -
step rm 0 SEQ ; step rm ; intro
step rm 1 ID ; step rm intro ; hello ring
automate add 0 SEQ ; automate add ; intro
automate add 1 STEP ; automate add intro ; hello ring
automate add 2 ID ; automate add intro ring ; -
automate list 0 SEQ ; automate list ; intro
automate show 0 SEQ ; automate show ; intro
automate show 1 STEP ; automate show intro ; hello ring
automate show 2 ID ; automate show intro ring ; -
automate rm 0 SEQ ; automate rm ; intro
automate rm 1 STEP ; automate rm intro ; hello ring
automate rm 2 ID ; automate rm intro ring ; -
automate lint 0 FILE... ; automate lint ; :file
automate approve 0 ID... ; automate approve ; -
automate reject 0 ID... ; automate reject ; -
automate protect 0 ID ; automate protect ; cold
automate unprotect 0 ID ; automate unprotect ; cold
contact import 0 FILE|- ; contact import ; :file
contact add 0 ID ; contact add ; -
contact add 1 email=ADDRESS ; contact add cat ; email= first_name=
contact add 2 FIELD=VALUE... ; contact add cat email=c@x ; email= first_name=
contact set 0 ID ; contact set ; ann ben
contact set 1 FIELD=VALUE... ; contact set ann ; email= first_name=
contact tag 0 ID ; contact tag ; ann ben
contact tag 1 TAG... ; contact tag ann ; -
contact archive 0 ID... ; contact archive ; ann ben
contact show 0 ID ; contact show ; ann ben
enroll - 0 SEQ ; enroll ; intro
enroll - 1 CONTACT... ; enroll intro ; ann ben
event - 0 CONTACT ; event ; ann ben
event - 1 NAME ; event ann ; reply open click bounce unsubscribe response task_done
respond - 0 TOKEN ; respond ; -
task done 0 ID... ; task done ; $OPEN
report seq 0 ID ; report seq ; intro
report contact 0 ID ; report contact ; ann ben
help - 0 COMMAND ; help ; $CMDS
help - 1 SUBCOMMAND ; help task ; list done
EOF

operands | sort >have

test_expect_success 'every operand of every command has a row in the table' '
	test -s have && grep -qx "step show 1 ID" have && grep -qx "task done 0 ID..." have &&
	sed "s/ ; .*//" table | sort >rows &&
	comm -23 have rows >missing &&
	{ test_line_count 0 missing || { cat missing >&2; exit 1; }; }
'

test_expect_success 'each row: drip __complete offers exactly what it says' '
	n=0 &&
	while IFS=";" read -r key before want; do
		key=$(echo $key) &&
		grep -qxF "$key" have || continue
		(cd ws && "$DRIP" __complete $before "") | tr "\n" " " | sed "s/ \$//" >got &&
		want=$(echo $want) &&
		if [ "$want" = - ]; then want=; fi &&
		if [ "$want" != "$(cat got)" ]; then
			echo "$key: after \"$before\" want \"$want\", got \"$(cat got)\"" >&2
			exit 1
		fi
		n=$((n + 1))
	done <table &&
	test "$n" -eq "$(wc -l <have)"
'

test_expect_success 'a later operand keeps its kind; FIELD= goes on after a value' '
	(cd ws && "$DRIP" __complete enroll intro ann "") >out &&
	printf "ann\nben\n" >expect && test_cmp expect out &&
	(cd ws && "$DRIP" __complete contact set ann email=a@x f) >out &&
	echo first_name= >expect && test_cmp expect out
'

# The same positions through each shell's own machinery.
BIN=$TRASH/bin
mkdir -p "$BIN" && ln -s "$DRIP" "$BIN/drip"

bash_complete() {
	(cd ws && PATH=$BIN:$PATH bash --norc --noprofile -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_drip || exit 1
		if [ ${#COMPREPLY[@]} -gt 0 ]; then printf "%s\n" "${COMPREPLY[@]}"; fi
	' bash "$COMP/drip.bash" "$@")
}
zsh_complete() {
	(cd ws && PATH=$BIN:$PATH zsh -f -c '
		fpath=("$1" $fpath)
		shift
		autoload -Uz compinit && compinit -u -D || exit 1
		compadd() {
			local a seen=0
			for a; do
				if (( seen )); then print -r -- "$a"
				elif [[ $a == -- ]]; then seen=1; fi
			done
		}
		compset() { : }
		words=("$@")
		CURRENT=$#
		PREFIX=$words[CURRENT]
		SUFFIX=
		_drip
		exit 0
	' zsh "$COMP" "$@")
}
fish_complete() {
	(cd ws && PATH=$BIN:$PATH XDG_CONFIG_HOME=$TRASH/fish-config \
		XDG_DATA_HOME=$TRASH/fish-data fish --no-config -c '
		source $argv[1]; or exit 1
		complete -C $argv[2]
	' "$COMP/drip.fish" "$1" | cut -f1)
}

# shell_cases SHELL: the five positions of the issue, through SHELL.
shell_cases() {
	"$1_complete" drip enroll intro "" >out && printf "ann\nben\n" >expect &&
		test_cmp expect out &&
	"$1_complete" drip step show intro "" >out && printf "hello\nring\n" >expect &&
		test_cmp expect out &&
	"$1_complete" drip event ann re >out && printf "reply\nresponse\n" >expect &&
		test_cmp expect out &&
	"$1_complete" drip contact set ann fi >out && echo first_name= >expect &&
		test_cmp expect out &&
	"$1_complete" drip task done "" >out && echo "$OPEN" >expect && test_cmp expect out
}
fish_cases() {
	fish_complete "drip enroll intro " >out && printf "ann\nben\n" >expect &&
		test_cmp expect out &&
	fish_complete "drip step show intro " >out && printf "hello\nring\n" >expect &&
		test_cmp expect out &&
	fish_complete "drip event ann re" >out && printf "reply\nresponse\n" >expect &&
		test_cmp expect out &&
	fish_complete "drip contact set ann fi" >out && echo first_name= >expect &&
		test_cmp expect out &&
	fish_complete "drip task done " >out && echo "$OPEN" >expect && test_cmp expect out
}

for sh in bash zsh fish; do
	if command -v $sh >/dev/null 2>&1; then
		SH=$sh
		test_expect_success "$sh: contacts, steps, events, FIELD= and open tasks" '
			if [ $SH = fish ]; then fish_cases; else shell_cases $SH; fi
		'
	else
		test_skip "$sh: the issue's positions" "$sh not installed"
	fi
done

test_done
