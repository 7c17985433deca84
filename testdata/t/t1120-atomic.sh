#!/bin/sh
# Every command that changes the workspace lands its one commit or changes
# nothing (SPEC §1, §12): with git's index.lock present (fresh: 75; older
# than max_lag: removed, logged, and the command runs), a detached HEAD
# (78), a read-only object store and a full disk (1), every file stays as
# it was and the message is one line.
. "$(dirname "$0")/lib.sh"

T0=2026-11-24T10:00:00Z
T1=2026-11-24T10:05:00Z
T2=2026-11-24T10:20:00Z
# The commands run at T3; tick then processes two quiet slots.
T3=2026-11-24T11:00:00Z

test_expect_success 'setup: contacts, two sequences, a task, a review queue' '
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
	    automations:
	      - id: old
	        on: pending
	        after: 3d
	        actions:
	          - tag: {add: [slow]}
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
	drip -C base -q --now $T1 contact tag bob vip &&
	drip -C base -q --now $T2 tick &&
	# Work for the tick at T3, which commits only when it changes something.
	drip -C base -q --now $T2 event ada open &&
	drip -C base -q --now $T2 enroll --pause s1 bob &&
	awk -F, "\$5 == \"ada\" { print \$1 }" base/tasks.csv >task &&
	drip -C base automate review --format csv | awk -F, "NR > 1 { print \$1 }" >queue &&
	test_line_count 1 task && test_line_count 2 queue &&
	git -C base status --porcelain >st && test_line_count 0 st
'

TASK=$(cat task 2>/dev/null)
REV1=$(sed -n 1p queue 2>/dev/null)
REV2=$(sed -n 2p queue 2>/dev/null)
printf 'id,email,first_name\ndan,dan@example.com,Dan\nada,ada@example.com,Adele\n' >import.csv
printf 'id\ncy\n' >ids.csv

# Every command that commits: a name, then its arguments.
cat >cmds <<EOF
contact-import contact import $TRASH/import.csv
contact-add contact add dan email=dan@example.com
contact-set contact set ada first_name=Adele
contact-tag contact tag cy lead
contact-archive contact archive cy
seq-new seq new s3
seq-publish seq publish s2
enroll enroll s1 cy
enroll-where enroll s1 --where 'id == "cy"'
enroll-file enroll s1 --file $TRASH/ids.csv
enroll-remove enroll --remove s1 ada
enroll-pause enroll --pause s1 ada
enroll-resume enroll --resume s1 bob
task-done task done $TASK
automate-add automate add s1 hello nudge --on enter --action complete_step
automate-rm automate rm s1 ring old
automate-approve automate approve $REV1
automate-reject automate reject $REV2
tick tick
EOF

# run DIR ARGS: the command, at T3.
run() {
	dir=$1
	shift
	eval "\"\$DRIP\" -C \"\$dir\" -q --now $T3 $*"
}

# The same workspace, fresh: DIR.
fresh() {
	rm -rf "$1" && cp -a base "$1"
}

while read -r name args; do
	test_expect_success "$name: commits once on a sound workspace" '
		fresh w &&
		git -C w rev-parse HEAD >h0 &&
		run w "$args" >out 2>err &&
		test_line_count 0 err &&
		git -C w rev-parse HEAD~1 >h1 && test_cmp h0 h1 &&
		git -C w status --porcelain >st && test_line_count 0 st &&
		test ! -e w/.drip/txn/journal
	'
	test_expect_success "$name: a fresh index.lock: 75, the file named, nothing changed" '
		fresh w && touch w/.git/index.lock &&
		snapshot w >before &&
		test_expect_code 75 run w "$args" 2>err &&
		test_line_count 1 err &&
		test_grep "^drip: .\.git/index\.lock. exists; another git command is running, or one crashed: remove the file if none is running" err &&
		test_unchanged w before
	'
	test_expect_success "$name: an index.lock three days old is removed, logged, and the command runs" '
		fresh w && touch -d "3 days ago" w/.git/index.lock &&
		git -C w rev-parse HEAD >h0 &&
		run w "$args" >out 2>err &&
		test_line_count 0 err &&
		test ! -e w/.git/index.lock &&
		test_grep "^2026-11-24T11:00:00Z,,,,,unlock,ok,\.git/index\.lock,\"stale git lock removed: 3d old, more than max_lag 24h\"$" w/log/2026-11.csv &&
		git -C w log -2 --format=%s >subj &&
		test_grep "^remove the stale git lock \.git/index\.lock$" subj &&
		git -C w rev-parse HEAD~2 >h2 && test_cmp h0 h2 &&
		git -C w status --porcelain >st && test_line_count 0 st
	'
	test_expect_success "$name: a detached HEAD: 78, nothing changed" '
		fresh w && git -C w checkout -q --detach &&
		snapshot w >before &&
		test_expect_code 78 run w "$args" 2>err &&
		test_line_count 1 err &&
		test_grep "^drip: HEAD is detached; check out the workspace.s branch (.git switch BRANCH.), then run drip again$" err &&
		test_unchanged w before
	'
done <cmds

test_expect_success 'a fresh lock on the branch ref is named too' '
	fresh w && touch w/.git/refs/heads/main.lock &&
	snapshot w >before &&
	test_expect_code 75 run w contact set ada first_name=Adele 2>err &&
	test_grep "^drip: .\.git/refs/heads/main\.lock. exists" err &&
	test_unchanged w before
'

test_expect_success 'drip event commits nothing: git locks and a detached HEAD do not matter' '
	fresh w && git -C w checkout -q --detach && touch w/.git/index.lock &&
	ls w/inbox/*.csv >ev0 &&
	drip -C w -q --now $T3 event ada reply &&
	ls w/inbox/*.csv >ev && test $(wc -l <ev) = $(($(wc -l <ev0) + 1))
'

# Mounts never outlive the script, however it ends.
trap 'umount "$TRASH/w/.git/objects" "$TRASH/mnt" 2>/dev/null; rm -rf "$TRASH"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# A read-only object store: a read-only bind mount of .git/objects (the
# tests run as root, for whom file modes do not stop a write).
ro_ok=
mkdir -p probe/objects &&
	mount --bind probe/objects probe/objects 2>/dev/null &&
	mount -o remount,ro,bind probe/objects 2>/dev/null &&
	! touch probe/objects/x 2>/dev/null && ro_ok=1
umount probe/objects 2>/dev/null
if [ -z "$ro_ok" ]; then
	test_skip 'a read-only .git/objects' 'no read-only bind mount here (needs root and mount)'
else
	while read -r name args; do
		test_expect_success "$name: a read-only .git/objects: 1, nothing changed" '
			fresh w &&
			mount --bind w/.git/objects w/.git/objects &&
			mount -o remount,ro,bind w/.git/objects &&
			snapshot w >before &&
			if run w "$args" 2>err; then st=0; else st=$?; fi
			umount w/.git/objects &&
			test $st = 1 &&
			test_line_count 1 err &&
			test_grep "^drip: cannot store .*Read-only file system$" err &&
			test_unchanged w before
		'
	done <cmds
fi

# A full disk: the workspace on a small tmpfs, filled up but for FREE
# KiB.  At each level the command either succeeds (one commit, a clean
# tree) or fails with one line and every file as it was - but for objects
# git wrote before the disk filled: unreachable, as git itself leaves
# them, and removed by git gc.
wsnap() {
	snapshot "$1" | grep -v " \./\.git/objects/"
}
disk_ok=
mkdir -p mnt && mount -t tmpfs -o size=3m tmpfs mnt 2>/dev/null && disk_ok=1
if [ -z "$disk_ok" ]; then
	test_skip 'a full disk' 'cannot mount a tmpfs here (needs root)'
	test_done
fi

while read -r name args; do
	test_expect_success "$name: a full disk at many levels: a commit, or nothing changed" '
		fails=0 && wins=0 &&
		for free in 0 4 8 12 16 24 32 48 64 96 128 192 256 512; do
			rm -rf mnt/w mnt/fill && cp -a base mnt/w &&
			wsnap mnt/w >before &&
			git -C mnt/w rev-parse HEAD >h0 &&
			{ dd if=/dev/zero of=mnt/fill bs=4k 2>/dev/null || :; } &&
			truncate -s -${free}K mnt/fill &&
			if run mnt/w "$args" >out 2>err; then st=0; else st=$?; fi
			rm -f mnt/fill
			if [ $st = 0 ]; then
				wins=$((wins + 1)) &&
				git -C mnt/w rev-parse HEAD~1 >h1 && test_cmp h0 h1 &&
				git -C mnt/w status --porcelain >st && test_line_count 0 st
			else
				fails=$((fails + 1)) &&
				echo "free ${free}K: exit $st: $(cat err)" &&
				test $st = 1 && test_line_count 1 err &&
				test_grep "^drip: .*\\(No space left on device\\|is the disk full?\\)$" err &&
				wsnap mnt/w >after && test_cmp before after &&
				git -C mnt/w fsck --no-dangling 2>fsck
			fi || return 1
		done &&
		echo "$fails failed, $wins committed" &&
		test $fails -gt 0 && test $wins -gt 0
	'
done <cmds

test_expect_success 'drip event on a full disk: 1, and no new file in inbox/' '
	rm -rf mnt/w mnt/fill && cp -a base mnt/w &&
	ls -A mnt/w/inbox >inbox_before &&
	{ dd if=/dev/zero of=mnt/fill bs=4k 2>/dev/null || :; } &&
	test_expect_code 1 drip -C mnt/w -q --now $T3 event ada reply 2>err &&
	rm -f mnt/fill &&
	test_line_count 1 err && test_grep "^drip: cannot write" err &&
	ls -A mnt/w/inbox >inbox_after && test_cmp inbox_before inbox_after
'

umount mnt
test_done
