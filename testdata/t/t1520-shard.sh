#!/bin/sh
# tick --shard K/N (drip-tick(1), SHARDS): four workers in four clones of
# one bare repository tick the same slots at once, each its own shard,
# and push; what the remote ends with is what one tick of the whole
# workspace makes.  Then --shard auto, bad shards and a remote that
# cannot be reached.
. "$(dirname "$0")/lib.sh"

# Under make asan: libgit2 has no frame pointers, so LeakSanitizer needs the
# slow unwinder to see where a leak inside it comes from (testdata/lsan.supp
# names libgit2's own leaks on push by function).  Ignored by a build
# without sanitizers.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
export ASAN_OPTIONS

T1=2026-11-24T08:25:00Z
T2=2026-11-24T09:45:00Z
T3=2026-11-24T10:45:00Z

# Forty contacts in a sequence that sends, branches, adds to a list and
# makes call tasks; a bounce and an open wait in the inbox; an automation
# watches for a tag added between ticks.
new_ws ws
{
	echo "id,email,first_name,plan,tags"
	for i in $(seq -w 1 40); do
		p=free
		[ $((1$i % 3)) = 0 ] && p=pro
		echo "c$i,c$i@example.com,C$i,$p,"
	done
} >ws/contacts.csv
mkdir -p ws/automations
cat >ws/automations/hot.yaml <<'Y'
id: hot
if: {event: tag_added, tag: hot}
actions:
  - add_to_list: hot
  - tag: {add: [warm]}
Y
printf 'Subject: Hi {{first_name}}\n\nHi.\n' >ws/templates/a.eml
cat >ws/sequences/s1.yaml <<'Y'
id: s1
name: First
steps:
  - {id: hello, type: email, wait: 0, template: templates/a.eml}
  - {id: pick, type: branch, wait: 0, if: plan == "pro", then: pro, else: ring}
  - {id: pro, type: fulfillment, wait: 0, list: gifts, fields: [first_name, plan]}
  - {id: ring, type: call, wait: 20m, subject: "Call {{first_name}}"}
  - {id: later, type: email, wait: 1h, template: templates/a.eml}
  - {id: last, type: email, wait: 1h, template: templates/a.eml}
Y
git -C ws add -A && git -C ws commit -qm setup
drip -C ws -q --now 2026-11-24T07:00:00Z seq publish s1 &&
drip -C ws -q --now 2026-11-24T08:05:00Z enroll s1 $(seq -f 'c%02g' 1 40)
git clone -q --bare ws remote.git
cp -a ws single

# clone DIR: a worker's clone of the remote, with the workspace's key.
clone() {
	git clone -q remote.git "$1" &&
	mkdir -p "$1/.drip" && cp ws/.drip/signing.key "$1/.drip/" &&
	chmod 600 "$1/.drip/signing.key"
}

# events DIR: the same two events, in the inbox of DIR.
events() {
	drip -C "$1" -q --now 2026-11-24T08:10:00Z event c05 bounce &&
	drip -C "$1" -q --now 2026-11-24T08:10:00Z event c07 open
}

# worker K NOW [ARGS]: worker K's tick of shard K/4 (or as ARGS say),
# pushing to the remote; its exit code in rc.K.
worker() {
	k=$1 now=$2
	shift 2
	[ $# -gt 0 ] || set -- --shard $k/4
	"$DRIP" -C w$k -q --now "$now" tick "$@" --push ../remote.git --no-deliver \
		>out.$k 2>&1
	echo $? >rc.$k
}

# workers NOW: the four workers at once, in the background, so that their
# pushes race; each must succeed.
workers() {
	for k in 0 1 2 3; do
		worker $k "$1" &
	done
	wait
	for k in 0 1 2 3; do
		test "$(cat rc.$k)" = 0 || { cat out.$k; return 1; }
	done
}

# same_as_single: the remote's branch, checked out, has exactly the files
# of the single workspace, and the workers' outboxes together its outbox.
same_as_single() {
	rm -rf res && git clone -q remote.git res &&
	(cd single && git ls-files | sort) >files.single &&
	(cd res && git ls-files | sort) >files.res &&
	test_cmp files.single files.res &&
	while read -r f; do
		cmp "single/$f" "res/$f" || { diff "single/$f" "res/$f" | head -20; return 1; }
	done <files.single &&
	(cd single/outbox/new && ls | sort) >out.single &&
	for k in 0 1 2 3; do (cd w$k/outbox/new && ls); done | sort >out.res &&
	test_cmp out.single out.res &&
	for k in 0 1 2 3; do
		(cd w$k/outbox/new && for m in *; do cmp "$m" "../../../single/outbox/new/$m" || exit 1; done)
	done
}

test_expect_success 'four workers over one remote make what one tick makes' '
	for k in 0 1 2 3; do clone w$k; done &&
	for d in single w0 w1 w2 w3; do events $d; done &&
	drip -C single -q --now $T1 tick --no-deliver &&
	workers $T1 &&
	same_as_single &&
	ls single/outbox/new >n && test $(wc -l <n) -gt 20
'

test_expect_success 'each worker keeps its clock, on the remote too; the log has no duplicate' '
	for k in 0 1 2 3; do
		git -C remote.git show refs/drip/clocks/$k-of-4:clock.csv >c.$k &&
		printf "last_slot,ref\n2026-11-24T08:20:00Z,refs/drip/clocks/$k-of-4\n" >expect &&
		test_cmp expect c.$k &&
		test -f w$k/state/clocks/$k-of-4.csv || return 1
	done &&
	sort res/log/2026-11.csv | uniq -d >dups && test_line_count 0 dups &&
	git -C res log --format=%B -1 >msg && test_grep "^Drip-Shard: [0-3]-of-4$" msg &&
	test_grep "^Drip-Slot: 2026-11-24T08:20:00Z$" msg &&
	git -C w0 status --porcelain >st && test_line_count 0 st
'

test_expect_success 'events of other shards stay in a worker'"'"'s inbox' '
	ls single/inbox >n && test_line_count 0 n &&
	ls w0/inbox w1/inbox w2/inbox w3/inbox | grep -c "\.csv$" >n &&
	echo 6 >expect && test_cmp expect n
'

test_expect_success 'a second round with --shard auto from Kubernetes and Slurm' '
	git clone -q remote.git ops &&
	for d in single ops; do
		for c in c01 c10 c20 c33 c38; do
			drip -C $d -q --now 2026-11-24T09:00:00Z contact tag $c hot || exit 1
		done
	done &&
	git -C ops push -q origin main &&
	drip -C single -q --now $T2 tick --no-deliver &&
	# Shard 0 first, alone: the others must still see the tags added
	# since their last tick, though shard 0 committed the snapshot.
	JOB_COMPLETION_INDEX=0 worker 0 $T2 --shard auto --shards 4 || exit 1
	(JOB_COMPLETION_INDEX=1 worker 1 $T2 --shard auto --shards 4) &
	(SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4 \
		worker 2 $T2 --shard auto) &
	(SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 worker 3 $T2 --shard auto) &
	wait &&
	cat rc.0 rc.1 rc.2 rc.3 >rcs && printf "0\n0\n0\n0\n" >expect && test_cmp expect rcs &&
	same_as_single &&
	git -C res ls-files tasks.csv >t && test_line_count 1 t &&
	cut -d, -f2 res/lists/hot.csv | sed 1d | sort >hot &&
	printf "c01\nc10\nc20\nc33\nc38\n" >expect && test_cmp expect hot &&
	test_grep "^c33,c33@example.com,C33,[a-z]*,hot;warm," res/contacts.csv &&
	test_cmp res/contacts.csv res/state/contacts.csv
'

test_expect_success 'bad shards are usage errors that change nothing' '
	snapshot w0 >before &&
	test_expect_code 2 drip -C w0 --now $T3 tick --shard 4/4 2>err &&
	test_grep "K counts from 0" err &&
	test_expect_code 2 drip -C w0 --now $T3 tick --shard 1/5 2>err &&
	test_grep "N must divide 64" err &&
	test_expect_code 2 drip -C w0 --now $T3 tick --shard 1 2>err &&
	test_grep "takes K/N" err &&
	test_expect_code 2 drip -C w0 --now $T3 tick --shard 1/4 --shards 8 2>err &&
	test_expect_code 2 drip -C w0 --now $T3 tick --shards 4 2>err &&
	test_expect_code 2 env -u JOB_COMPLETION_INDEX -u SLURM_ARRAY_TASK_ID \
		"$DRIP" -C w0 --now $T3 tick --shard auto 2>err &&
	test_grep "JOB_COMPLETION_INDEX" err && test_grep "SLURM_ARRAY_TASK_ID" err &&
	test_expect_code 2 env JOB_COMPLETION_INDEX=2 "$DRIP" -C w0 --now $T3 tick --shard auto 2>err &&
	test_grep "shards N" err &&
	test_expect_code 2 env JOB_COMPLETION_INDEX=x "$DRIP" -C w0 --now $T3 tick --shard auto \
		--shards 4 2>err &&
	test_grep "JOB_COMPLETION_INDEX is .x." err &&
	test_expect_code 2 env SLURM_ARRAY_TASK_ID=1 "$DRIP" -C w0 --now $T3 tick --shard auto 2>err &&
	test_grep "SLURM_ARRAY_TASK_COUNT" err &&
	test_expect_code 2 env JOB_COMPLETION_INDEX=4 "$DRIP" -C w0 --now $T3 tick --shard auto \
		--shards 4 2>err &&
	test_expect_code 2 drip -C w0 --now $T3 tick -n --shard 0/4 --push ../remote.git &&
	test_expect_code 2 drip -C w0 --now $T3 tick --push ../remote.git 2>err &&
	test_grep "push goes with --shard" err &&
	test_unchanged w0 before
'

test_expect_success 'a remote that cannot be reached: 75, and nothing changes' '
	snapshot w0 >before &&
	test_expect_code 75 drip -C w0 -q --now $T3 tick --shard 0/4 --push ../nowhere.git \
		--no-deliver 2>err &&
	test_grep "cannot fetch from .\.\./nowhere\.git." err &&
	test_unchanged w0 before
'

test_expect_success 'a push that fails keeps the commit; the next run rebuilds it on top and pushes' '
	drip -C single -q --now $T3 tick --no-deliver &&
	git -C remote.git rev-parse main >remote_before &&
	: >remote.git/refs/heads/main.lock &&
	worker 1 $T3 && test "$(cat rc.1)" = 75 &&
	git -C remote.git rev-parse main >remote_now && test_cmp remote_before remote_now &&
	git -C w1 log -1 --format=%s >s && test_grep "^tick 2026-11-24 10:40Z" s &&
	git -C w1 rev-parse HEAD >w1_commit &&
	rm remote.git/refs/heads/main.lock &&
	worker 3 $T3 && test "$(cat rc.3)" = 0 &&
	worker 1 $T3 && test "$(cat rc.1)" = 0 &&
	git -C remote.git log -2 --format=%s main >s &&
	test_grep "^tick 2026-11-24 10:40Z: 1[01] steps" s && test_line_count 2 s &&
	git -C remote.git rev-parse main^ >parent && git -C w3 rev-parse HEAD >w3_commit &&
	test_cmp w3_commit parent &&
	git -C w1 rev-parse HEAD >w1_now && ! test_cmp w1_commit w1_now 2>/dev/null &&
	git -C w1 status --porcelain >st && test_line_count 0 st
'

test_expect_success 'a fresh clone whose clock never reached the remote takes it from the commits' '
	git -C remote.git update-ref -d refs/drip/clocks/2-of-4 &&
	mv w2 w2.old && clone w2 && cp -a w2.old/outbox w2/ &&
	for k in 0 2; do worker $k $T3 & done && wait &&
	cat rc.0 rc.2 >rcs && printf "0\n0\n" >expect && test_cmp expect rcs &&
	same_as_single &&
	git -C remote.git show refs/drip/clocks/2-of-4:clock.csv >c &&
	test_grep "^2026-11-24T10:40:00Z," c

'

test_done
