#!/bin/sh
# A command killed with SIGKILL at any point is finished or undone by the
# next command (SPEC §1, §9.3): strace kills each command at every rename,
# link, unlink and fsync it makes; the next command then runs (it never
# refuses with "uncommitted changes"), and the killed command's commit
# either landed whole or left no trace: the branch holds the uninterrupted
# run's commit or the old one, the tree is clean, no journal or temporary
# file is left, and the repository is sound.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	test_skip 'killing commands with strace' 'strace is missing or may not trace here'
	test_done
fi

T0=2026-11-24T10:00:00Z
T1=2026-11-24T10:05:00Z
T2=2026-11-24T10:20:00Z
T3=2026-11-24T11:00:00Z
T4=2026-11-24T11:10:00Z
# LeakSanitizer cannot work under ptrace: a sanitized drip (make asan)
# checks for leaks in the runs outside strace only.
STRACE="env ASAN_OPTIONS=detect_leaks=0 strace"

test_expect_success 'setup: contacts, a sequence, a task, a review queue' '
	drip init -q --now $T0 base &&
	sed -i -e "s/^# from: .*/from: \"Acme <hello@acme.example>\"/" \
		-e "s/^  # base_url:/  base_url:/" base/drip.yaml &&
	printf "id,email,first_name,owner,tags\n" >base/contacts.csv &&
	for c in ada bob cy; do
		echo "$c,$c@example.com,$c,alice@example.com," >>base/contacts.csv || return 1
	done &&
	cat >base/sequences/s1.yaml <<-\EOF &&
	id: s1
	name: First
	steps:
	  - id: ring
	    type: call
	    wait: 0
	    assignee: "{{owner}}"
	    subject: "Call {{first_name}}"
	  - id: hello
	    type: email
	    wait: 1d
	    template: templates/hello.eml
	EOF
	sed "s/^id: s1/id: s2/" base/sequences/s1.yaml >base/sequences/s2.yaml &&
	printf "Subject: Hello {{first_name}}\n\nWelcome.\n" >base/templates/hello.eml &&
	mkdir -p base/automations &&
	cat >base/automations/vip.yaml <<-\EOF &&
	id: vip
	review: true
	if: {event: tag_added, tag: vip}
	actions:
	  - note: "VIP {{first_name}}"
	EOF
	git -C base add -A && git -C base commit -qm setup &&
	drip -C base -q --now $T0 seq publish s1 &&
	drip -C base -q --now $T0 tick &&
	drip -C base -q --now $T1 enroll s1 ada bob &&
	drip -C base -q --now $T1 contact tag ada vip &&
	drip -C base -q --now $T2 tick &&
	# Work for the tick at T3, which commits only when it changes something.
	drip -C base -q --now $T2 event ada open &&
	awk -F, "\$5 == \"ada\" { print \$1 }" base/tasks.csv >task &&
	drip -C base automate review --format csv | awk -F, "NR > 1 { print \$1 }" >queue &&
	test_line_count 1 task && test_line_count 1 queue &&
	git -C base status --porcelain >st && test_line_count 0 st
'

printf 'id,email,first_name\ndan,dan@example.com,Dan\nada,ada@example.com,Adele\n' >import.csv
cat >cmds <<EOF
enroll enroll s1 cy
contact-import contact import $TRASH/import.csv
contact-set contact set ada first_name=Adele
seq-publish seq publish s2
task-done task done $(cat task 2>/dev/null)
automate-approve automate approve $(cat queue 2>/dev/null)
tick tick
event event ada reply
EOF

# next DIR: the command that follows the crash; a git lock the killed run
# left is younger than max_lag, so it is named with exit 75 (SPEC §12):
# removed as the message says, and the command run again.
next() {
	if "$DRIP" -C "$1" -q --now $T4 contact add zed email=zed@example.com 2>"$TRASH/.next-err"; then
		return 0
	else
		rc=$?
	fi
	lock=$(sed -n "s/^drip: '\(.*\.lock\)' exists.*/\1/p" "$TRASH/.next-err")
	if [ "$rc" != 75 ] || [ -z "$lock" ]; then
		echo "the next command failed with exit $rc:" >&2
		cat "$TRASH/.next-err" >&2
		return 1
	fi
	rm -f "$1/$lock"
	"$DRIP" -C "$1" -q --now $T4 contact add zed email=zed@example.com
}

# settled DIR REF: after the next command, DIR's branch is the next
# command's commit on top of either base's HEAD or the uninterrupted run's
# (REF), and nothing of the killed run is left over.  (drip event commits
# nothing: its inbox/ file is there whole, or not at all.)
settled() {
	prev=$(git -C "$1" rev-parse HEAD~1) &&
	if [ "$prev" = "$(git -C "$2" rev-parse HEAD)" ]; then
		echo landed >>outcomes
	elif [ "$prev" = "$(git -C base rev-parse HEAD)" ]; then
		echo undone >>outcomes
	else
		echo "HEAD~1 is neither the old commit nor the uninterrupted run's:" >&2
		git -C "$1" log --oneline -4 >&2
		return 1
	fi &&
	git -C "$1" status --porcelain >st && test_line_count 0 st &&
	test ! -e "$1/.drip/txn/journal" && test ! -e "$1/.drip/tick.pending" &&
	(cd "$1" && find . -path ./.git -prune -o -name '.*.tmp-*' -print &&
		find .drip/txn .drip/txn-tick -type f 2>/dev/null && find .git -name '*.lock') >left &&
	test_line_count 0 left &&
	{ ls "$1"/inbox/*.csv 2>/dev/null || :; } >ev &&
	{ ls base/inbox/*.csv 2>/dev/null || :; } >ev0 &&
	test $(wc -l <ev) -le $(($(wc -l <ev0) + 1)) &&
	git -C "$1" fsck --strict --no-dangling >fsck 2>&1
}

# Commands run at T3; under strace with the kill at the K-th call of S.
# (libgit2 writes loose objects with link and unlink, moves the branch
# and the index with rename; drip's own writes are renames too.)
while read -r name args; do
	test_expect_success "$name: the uninterrupted run and its calls" '
		rm -rf ref-'$name' && cp -a base ref-'$name' &&
		eval "$STRACE -f -o trace-'$name' -e trace=rename,link,unlink,fsync \
			\"\$DRIP\" -C ref-'$name' -q --now $T3 $args" &&
		git -C ref-'$name' status --porcelain >st && test_line_count 0 st
	'
	for sc in rename link unlink fsync; do
		n=$(grep -c -E "^[0-9]+ +$sc\(" trace-$name 2>/dev/null)
		# Every call when there are few; else the first, the last and
		# three between, so the script stays fast.
		for k in $(awk -v n="${n:-0}" 'BEGIN {
			if (n <= 8) { for (i = 1; i <= n; i++) print i; exit }
			split(1 " " int(n / 4) " " int(n / 2) " " int(3 * n / 4) " " n, v, " ")
			for (i = 1; i <= 5; i++) print v[i] }'); do
			test_expect_success "$name: killed at $sc call $k of $n, then the next command" '
				rm -rf w && cp -a base w && : >outcomes &&
				if eval "$STRACE -f -o /dev/null -e trace='$sc' \
					-e inject='$sc':signal=KILL:when='$k' \
					\"\$DRIP\" -C w -q --now $T3 $args" >out 2>&1
				then st=0; else st=$?; fi
				test $st = 137 &&
				next w &&
				settled w ref-'$name'
			'
			cat outcomes >>"all-$name" 2>/dev/null
		done
	done
	test_expect_success "$name: kills were undone and finished both" '
		sort all-'$name' | uniq -c &&
		case '$name' in
		event) grep -q landed all-'$name' ;;
		*) grep -q undone all-'$name' && grep -q landed all-'$name' ;;
		esac
	'
done <cmds

test_done
