#!/bin/sh
# drip tick: crash safety (SPEC §9.3).  A tick killed with SIGKILL at many
# points, or failing a system call, and then run again must leave exactly
# the files of an uninterrupted run: every action logged once, every
# message queued once, a sound repository, a clean work tree, no temporary
# files.
. "$(dirname "$0")/lib.sh"
. "$DATA_DIR/contract/contract.sh"

SEED=${DRIP_CRASH_SEED:-7101}
echo "# kill delays from seed $SEED (DRIP_CRASH_SEED=$SEED repeats them)"
# The workspaces' clock stands at 07:40 and 2,000 enrollments begin at
# 08:00.  A tick at 08:00 processes one slot (the usual cron run); a tick
# at 11:00 processes ten slots at once (a catch-up after missed runs).
T_SLOT=2026-03-20T08:00:00Z
T_MANY=2026-03-20T11:00:00Z

# crash_ws DIR N: N contacts enrolled at 08:00 in a sequence whose steps
# (emails, a fulfillment, a call with its notification) all come due by T.
crash_ws() {
	"$DRIP" init -q --now 2026-03-19T12:00:00Z "$1" || return 1
	(
	cd "$1" || exit 1
	python3 "$CONTRACT/gen.py" contacts "$2" >contacts.csv || exit 1
	sed -i -e 's/^# from:.*/from: "Acme <hello@acme.example>"/' \
	       -e 's|^  # base_url: .*|  base_url: "https://acme.example/r"|' drip.yaml
	cat >sequences/burst.yaml <<-'EOF'
	id: burst
	name: Burst
	steps:
	  - id: one
	    type: email
	    wait: 0
	    template: templates/one.eml
	  - id: ship
	    type: fulfillment
	    wait: 0
	    list: ship
	    when: 'score > 50'
	    fields: [first_name, city]
	  - id: call
	    type: call
	    wait: 0
	    assignee: "{{owner}}"
	    subject: "Call {{first_name}}"
	    when: 'tags has "vip"'
	  - id: two
	    type: email
	    wait: 1h
	    when: 'tags has "lead"'
	    template: templates/one.eml
	EOF
	printf 'Subject: Hi {{first_name}}\n\nHello {{first_name}} {{last_name}} from {{city}}.\n' \
		>templates/one.eml
	# Sequence automations: runs, notes, contact edits, the snapshot.
	mkdir automations
	cat >automations/mark.yaml <<-'EOF'
	id: mark
	if: {event: step_completed, sequence: burst, step: one}
	and: 'score > 70'
	actions:
	  - tag: {add: [seen]}
	  - note: "seen {{first_name}}"
	  - wait: 1h
	  - tag: {add: [later]}
	EOF
	cat >automations/chain.yaml <<-'EOF'
	id: chain
	if: {event: tag_added, tag: seen}
	actions:
	  - set: {city: Paris}
	EOF
	git add -A && git commit -q -m "crash workspace" &&
	"$DRIP" -q --now 2026-03-19T12:00:00Z seq publish burst &&
	"$DRIP" --now 2026-03-20T07:40:00Z tick --no-deliver &&
	"$DRIP" -q --now 2026-03-20T08:00:00Z enroll burst --where 'id ~ "c*"' \
		--at 2026-03-20T08:00:00Z
	)
}

# like_ref DIR REF: DIR, after its rerun, is what the uninterrupted run left
# in REF.  Every check runs, so a failure lists all that is wrong.
like_ref() {
	bad=0
	# Every action in the log once, and as many rows as the reference.
	python3 "$CONTRACT/gen.py" logdups "$1" >"$TRASH/.dups"
	if [ -s "$TRASH/.dups" ]; then
		echo "log rows twice:" >&2
		head -5 "$TRASH/.dups" | sed 's/^/    /' >&2
		bad=1
	fi
	n1=$(cat "$1"/log/*.csv | wc -l)
	n2=$(cat "$2"/log/*.csv | wc -l)
	if [ "$n1" != "$n2" ]; then
		echo "the log has $n1 lines, the reference $n2" >&2
		bad=1
	fi
	# No Message-ID twice, none missing.
	cat "$1"/outbox/new/* | grep "^Message-ID: " | LC_ALL=C sort >"$TRASH/.ids1"
	cat "$2"/outbox/new/* | grep "^Message-ID: " | LC_ALL=C sort >"$TRASH/.ids2"
	if [ -n "$(uniq -d "$TRASH/.ids1")" ]; then
		echo "a Message-ID queued twice" >&2
		bad=1
	fi
	if ! cmp -s "$TRASH/.ids1" "$TRASH/.ids2"; then
		echo "the queued Message-IDs differ: $(wc -l <"$TRASH/.ids1") against $(wc -l <"$TRASH/.ids2")" >&2
		bad=1
	fi
	# No temporary file anywhere, no git lock left behind.
	(cd "$1" && find . -path ./.git -prune -o \( -name '*.tmp*' -o -name '.*tmp*' \) -print &&
		find outbox/tmp -type f && find .git -name '*.lock') >"$TRASH/.tmps"
	if [ -s "$TRASH/.tmps" ]; then
		echo "$(wc -l <"$TRASH/.tmps") temporary or lock files left:" >&2
		head -5 "$TRASH/.tmps" | sed 's/^/    /' >&2
		bad=1
	fi
	# The same files (state, log, tasks, lists, outbox names and contents),
	# the same commit, a clean tree, a sound repository.
	same_tree "$2" "$1" 2>"$TRASH/.tree-err" || {
		head -30 "$TRASH/.tree-err" >&2
		bad=1
	}
	if [ "$(git -C "$1" rev-parse HEAD)" != "$(git -C "$2" rev-parse HEAD)" ]; then
		echo "HEAD is not the reference's commit:" >&2
		git -C "$1" log --oneline -3 | sed 's/^/    /' >&2
		bad=1
	fi
	git -C "$1" status --porcelain >"$TRASH/.st"
	if [ -s "$TRASH/.st" ]; then
		echo "git status is not clean ($(wc -l <"$TRASH/.st") lines):" >&2
		head -5 "$TRASH/.st" | sed 's/^/    /' >&2
		bad=1
	fi
	if ! git -C "$1" fsck --strict --no-dangling >"$TRASH/.fsck" 2>&1; then
		echo "git fsck --strict failed:" >&2
		head -10 "$TRASH/.fsck" | sed 's/^/    /' >&2
		bad=1
	fi
	return $bad
}

# rerun DIR NOW: the plain tick that follows a crash.  A git lock file left
# by the killed run is reported with exit 75 and its name (SPEC §12: it is
# younger than max_lag, so drip may not remove it); the operator removes
# it, as the message says, and runs drip again.
rerun() {
	if "$DRIP" -C "$1" --now "$2" tick --no-deliver 2>"$TRASH/.rerun-err"; then
		return 0
	else
		rc=$?
	fi
	lock=$(sed -n "s/^drip: '\(.*\.lock\)' exists.*/\1/p" "$TRASH/.rerun-err")
	if [ "$rc" != 75 ] || [ -z "$lock" ]; then
		echo "the rerun failed with exit $rc:" >&2
		cat "$TRASH/.rerun-err" >&2
		return 1
	fi
	echo "$1: the rerun named $lock (exit 75); removed it" >>"$TRASH/notes"
	rm -f "$1/$lock"
	"$DRIP" -C "$1" --now "$2" tick --no-deliver
}

notes() {
	if [ -s "$TRASH/notes" ]; then
		sed 's/^/# /' "$TRASH/notes"
		: >"$TRASH/notes"
	fi
}

test_expect_success 'a workspace of 2,000 contacts with many messages due' '
	crash_ws base 2000 &&
	test_grep "enroll,ok" base/log/2026-03.csv &&
	test_grep "^2026-03-20T07:40:00Z$" base/state/clock.csv &&
	git -C base status --porcelain >st && test_line_count 0 st
'

# reference NAME NOW: the uninterrupted run, and how long it took.
reference() {
	test_expect_success "the uninterrupted reference run to $2" '
		cp -R base '$1' &&
		start=$(date +%s%N) &&
		drip -C '$1' --now '$2' tick --no-deliver &&
		end=$(date +%s%N) &&
		echo $(((end - start) / 1000000)) >'$1'.ms &&
		ls '$1'/outbox/new >msgs && test $(wc -l <msgs) -gt 1500 &&
		test_grep ",burst,ship,,fulfillment,ok," '$1'/log/2026-03.csv &&
		test_grep ",burst,call,,call,ok," '$1'/log/2026-03.csv &&
		test_grep ",burst,two,mark,note,ok," '$1'/log/2026-03.csv &&
		test_grep ",,,chain,set,ok,,city=Paris$" '$1'/log/2026-03.csv &&
		test -s '$1'/notes.csv && test -s '$1'/state/runs.csv &&
		cmp '$1'/contacts.csv '$1'/state/contacts.csv &&
		test -s '$1'/tasks.csv && test -s '$1'/lists/ship.csv &&
		git -C '$1' status --porcelain >st && test_line_count 0 st &&
		git -C '$1' fsck --strict --no-dangling
	'
	echo "# the reference tick to $2 took $(cat $1.ms 2>/dev/null) ms"
}
reference ref-slot $T_SLOT
reference ref-many $T_MANY

# Kills spread over each run, each at its own jittered delay: eight for
# the one-slot tick, eight for the catch-up.
python3 -c "
import random
r = random.Random($SEED)
for name, ms in (('slot', $(cat ref-slot.ms 2>/dev/null || echo 2000)),
                 ('many', $(cat ref-many.ms 2>/dev/null || echo 2000))):
    for k in range(8):
        print(name, '%.3f' % (ms / 1000.0 * (k + r.random()) / 7.5))
" >delays
# TODO (bug): the one-slot kills are not ok until fixed.  A one-slot tick
# streams its log rows into log/2026-03.csv during the pass, before the run
# marker exists; a kill then leaves the log changed and no marker, and the
# rerun exits 75: "'log/2026-03.csv' has uncommitted changes".
i=0
killed=0
phase=$(date +%s)
while read -r scen d; do
	i=$((i + 1))
	if [ $scen = slot ]; then now=$T_SLOT; else now=$T_MANY; fi
	test_expect_success "SIGKILL ${d}s into the tick to $now, then a plain rerun: the reference state" '
		cp -R base k'$i'
		"$DRIP" -C k'$i' --now '$now' tick --no-deliver >/dev/null 2>&1 &
		pid=$!
		sleep '$d'
		kill -9 $pid 2>/dev/null || :
		if wait $pid; then st=0; else st=$?; fi
		echo $st >k'$i'.status &&
		rerun k'$i' '$now' &&
		like_ref k'$i' ref-'$scen' &&
		rm -rf k'$i'
	'
	if [ "$(cat k$i.status 2>/dev/null)" = 137 ]; then
		killed=$((killed + 1))
	fi
	notes
done <delays
echo "# $killed of $i runs were killed before they finished ($(($(date +%s) - phase)) s)"

test_expect_success 'most of the runs were really killed' '
	test '$killed' -ge 10
'

# Fault injection at exact points: strace stops the tick at the K-th call
# of a system call, with SIGKILL or with an error.  The K of each point
# comes from a trace of an uninterrupted run of the one-slot tick, on a
# smaller workspace.
if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	test_skip 'fault injection with strace' 'strace is missing or may not trace here'
	test_done
fi

# LeakSanitizer cannot run under ptrace (make asan): it checks for leaks
# in the runs outside strace only.
STRACE="env ASAN_OPTIONS=detect_leaks=0 strace"

phase=$(date +%s)
test_expect_success 'a small workspace, and the trace of its uninterrupted run' '
	crash_ws small 150 &&
	cp -R small sref &&
	$STRACE -f -o trace -e trace=rename,renameat,unlink,fsync,syncfs \
		"$DRIP" -C sref --now "$T_SLOT" tick --no-deliver &&
	git -C sref status --porcelain >st && test_line_count 0 st &&
	grep -c "renameat(" trace >/dev/null && grep -c "fsync(" trace >/dev/null &&
	test "$(grep -c -E "^[0-9]+ +syncfs\(" trace)" = 1
'

# nth SYSCALL PATTERN: the number of the first call of SYSCALL in the trace
# whose line matches PATTERN (empty when none does).
nth() {
	grep -E "^[0-9]+ +$1\(" trace | grep -n -e "$2" | head -1 | cut -d: -f1
}
head_lock=".git/$(git -C sref symbolic-ref HEAD).lock"
K_PENDING=$(nth rename '/\.drip/\.tick\.pending\.tmp')
K_SHARD1=$(nth rename '/state/enrollments/[0-9][0-9]\.csv"')
K_SHARD=$(nth rename '/state/enrollments/3[0-9]\.csv"')
K_LIST=$(nth rename '/lists/ship\.csv"')
K_CLOCK=$(nth rename '/state/clock\.csv"')
K_REF=$(nth rename "$head_lock")
K_INDEX=$(nth rename '/\.git/index\.lock')
K_DONE=$(nth unlink '/\.drip/tick\.pending"')
N_MSG=$(grep -c -E "^[0-9]+ +renameat\(" trace)
N_FSYNC=$(grep -c -E "^[0-9]+ +fsync\(" trace)
echo "# rename calls: pending $K_PENDING, shards $K_SHARD1 and $K_SHARD, list $K_LIST, clock $K_CLOCK, branch $K_REF, index $K_INDEX; $N_MSG messages, $N_FSYNC fsyncs"

# inject NAME SPEC EXPECT: run the tick under strace -e inject=SPEC, expect
# its exit (fail: non-zero and a one-line message; killed: 137), then a
# plain rerun must reach the reference state.
inject() {
	test_expect_success "$1 ($2), then a plain rerun: the reference state" '
		test -n "$(echo "'"$2"'" | sed -n "s/.*when=\([0-9][0-9]*\).*/\1/p")" &&
		rm -rf f && cp -R small f &&
		if $STRACE -f -o /dev/null -e trace='"${2%%:*}"' -e inject='"$2"' \
			"$DRIP" -C f --now "$T_SLOT" tick --no-deliver >out 2>err; then st=0; else st=$?; fi
		echo "exit $st" &&
		case '"$3"' in
		killed) test $st = 137 ;;
		fail) test $st -ne 0 && test $st -lt 128 &&
			test_line_count 1 err && test_grep "^drip: " err ;;
		any) test $st -lt 128 ;;
		esac &&
		rerun f "$T_SLOT" &&
		like_ref f sref
	'
	notes
}

# TODO (bugs): these are not ok until fixed.
#  - Any failure or kill before the run marker is written ("writing the
#    run marker", "an fsync in the middle", and the one-slot kills above):
#    the log rows are already appended to log/YYYY-MM.csv, there is no
#    .drip/tick.pending, so the rerun exits 75 with "'log/2026-03.csv' has
#    uncommitted changes" for ever.  A kill there also leaves
#    .drip/.tick.pending.tmp-PID.
#  - "fail: a message in the middle": outbox_stage_commit (core/outbox.c)
#    frees the names it moved but keeps st->n when a renameat fails, so
#    outbox_stage_free frees them again: "free(): double free", SIGABRT.
#  - "writing the index after the branch moved" (fail and killed): the
#    commit is made but .git/index keeps the old entries.  The rerun finds
#    the branch moved, only cleans up, and exits 0; git status shows every
#    changed file as modified, and every later tick exits 75 with "'state/
#    enrollments/00.csv' has uncommitted changes" (see the test after the
#    loop).  A killed run also leaves .git/index.lock behind.
for how in fail killed; do
	if [ $how = fail ]; then act=error=EIO; else act=signal=KILL; fi
	inject "$how: writing the run marker" "rename:$act:when=$K_PENDING" $how
	inject "$how: the first queued message" "renameat:$act:when=1" $how
	inject "$how: a message in the middle" "renameat:$act:when=$((N_MSG / 2))" $how
	inject "$how: an fsync in the middle" "fsync:$act:when=$((N_FSYNC / 2))" $how
	inject "$how: the one sync of the staged messages" "syncfs:$act:when=1" $how
	inject "$how: replacing the first state shard" "rename:$act:when=$K_SHARD1" $how
	inject "$how: replacing a later state shard" "rename:$act:when=$K_SHARD" $how
	inject "$how: writing lists/ship.csv" "rename:$act:when=$K_LIST" $how
	inject "$how: writing state/clock.csv" "rename:$act:when=$K_CLOCK" $how
	inject "$how: moving the branch" "rename:$act:when=$K_REF" $how
	inject "$how: writing the index after the branch moved" "rename:$act:when=$K_INDEX" $how
done
inject "fail: removing the run marker after the commit" "unlink:error=EIO:when=$K_DONE" any
inject "killed: removing the run marker after the commit" "unlink:signal=KILL:when=$K_DONE" killed
# TODO (bug): not ok until fixed; see the first TODO above.
test_expect_success 'after a failed index write and a rerun, the next tick runs' '
	rm -rf f && cp -R small f &&
	test_must_fail $STRACE -f -o /dev/null -e trace=rename -e inject=rename:error=EIO:when=$K_INDEX \
		"$DRIP" -C f --now "$T_SLOT" tick --no-deliver 2>err &&
	test_grep "cannot write the index" err &&
	drip -C f --now "$T_SLOT" tick --no-deliver &&
	drip -C f --now 2026-03-20T08:20:00Z tick --no-deliver 2>err ||
	{ cat err >&2; false; }
'

echo "# fault injection took $(($(date +%s) - phase)) s"

test_done
