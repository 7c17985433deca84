#!/bin/sh
# drip tick: the contract of SPEC §9.2 - idempotence, composition of ticks,
# the catch-up guard, the lock, and silence under cron (§9.4).
. "$(dirname "$0")/lib.sh"
. "$DATA_DIR/contract/contract.sh"

# The composition runs use these seeds; DRIP_CONTRACT_SEED=N picks others.
SEED=${DRIP_CONTRACT_SEED:-7001}
echo "# composition seeds: $SEED..$((SEED + 4)) (DRIP_CONTRACT_SEED=$SEED repeats them)"

test_expect_success 'a Berlin workspace with three published sequences and 36 contacts' '
	make_contract_ws ws 36 &&
	test_grep "^onboard,active,1," ws/state/sequences.csv &&
	test_grep "^newsletter,active,1," ws/state/sequences.csv &&
	test_grep "^followup,active,1," ws/state/sequences.csv &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'idempotence: tick --now T twice; the second run changes nothing' '
	cp -R ws idem &&
	drip -C idem -q --now 2026-03-23T08:05:00Z enroll onboard c00000 c00001 c00004 c00010 \
		--at 2026-03-23T08:05:00Z &&
	drip -C idem -q --now 2026-03-23T08:05:00Z enroll newsletter c00002 c00003 \
		--at 2026-03-23T08:05:00Z &&
	drip -C idem --now 2026-03-27T09:10:00Z tick --no-deliver &&
	ls idem/outbox/new >msgs && test $(wc -l <msgs) -gt 5 &&
	git -C idem rev-parse HEAD >head1 &&
	snapshot idem >before &&
	drip -C idem --now 2026-03-27T09:10:00Z tick --no-deliver &&
	test_unchanged idem before &&
	drip -C idem --now 2026-03-27T09:19:59Z tick --no-deliver &&
	test_unchanged idem before &&
	drip -C idem --now 2026-03-27T09:00:00Z tick --no-deliver &&
	test_unchanged idem before &&
	git -C idem rev-parse HEAD >head2 && test_cmp head1 head2
'

test_expect_success 'idempotence holds for a first tick, too' '
	cp -R ws idem1 &&
	drip -C idem1 -q --now 2026-03-24T07:00:00Z enroll followup c00005 c00006 c00030 \
		--at 2026-03-24T07:00:00Z &&
	drip -C idem1 --now 2026-03-24T13:00:00Z tick --no-deliver &&
	snapshot idem1 >before &&
	drip -C idem1 --now 2026-03-24T13:00:00Z tick --no-deliver &&
	test_unchanged idem1 before
'

# Composition (SPEC §9.2): between two inputs (enrollments), workspace A
# runs several ticks and B only the last of them; afterwards both must hold
# exactly the same files.  The enrollments are the same commands at the
# same --now in both, each later than the tick before it.
for i in 0 1 2 3 4; do
	s=$((SEED + i))
	test_expect_success "composition, seed $s: many ticks leave what their last tick alone leaves" '
		python3 "$CONTRACT/gen.py" schedule '"$s"' >sched-'"$s"' &&
		rm -rf A B && cp -R ws A && cp -R ws B &&
		run_schedule sched-'"$s"' A B >segs &&
		echo "segments: $(cat segs), ticks in A: $(grep -c "^tick A" sched-'"$s"')" &&
		test $(cat segs) -ge 5 &&
		git -C A status --porcelain >st && test_line_count 0 st &&
		git -C B status --porcelain >st && test_line_count 0 st &&
		ls A/outbox/new >msgs && test $(wc -l <msgs) -gt 20 &&
		cat A/log/*.csv >log &&
		test_grep ",onboard,tips,,email,ok," log &&
		test_grep ",followup,ship,,fulfillment,ok," log &&
		test_grep ",onboard,call,,call,ok," log &&
		test_grep ",exited,ok," log &&
		test_grep ",newsletter,jump,,goto,ok," log &&
		test_grep ",newsletter,second,,email,skipped," log
	'
done

# Composition with sequence automations in play (SPEC §3.6, §9.2): waits,
# stop_when, reenter, a trigger chain through tags, step and enrollment
# triggers, an `or` condition, and actions that enroll and edit contacts.
# Both workspaces share a first tick, the one that arms the automations.
make_auto_ws() {
	cp -R ws "$1" &&
	sed -i "s/^max_lag: 24h/max_lag: 30d/" "$1/drip.yaml" &&
	mkdir -p "$1/automations" &&
	cat >"$1/automations/welcomer.yaml" <<-\EOF &&
	id: welcomer
	if: {event: enrolled, sequence: onboard}
	actions:
	  - tag: {add: [onb]}
	  - wait: 1d
	  - notify: {template: templates/ping.eml}
	  - wait: 2d5h
	  - set: {city: Bonn}
	stop_when: 'tags has "vip"'
	stop_actions:
	  - note: "stopped for {{first_name}}"
	reenter: after_finish
	EOF
	cat >"$1/automations/tagger.yaml" <<-\EOF &&
	id: tagger
	if: {event: tag_added, tag: onb}
	and: 'score > 30'
	actions:
	  - note: "tagged {{first_name}}"
	  - wait: 5h
	  - enroll: followup
	EOF
	cat >"$1/automations/stepper.yaml" <<-\EOF &&
	id: stepper
	if: {event: step_completed, sequence: newsletter, step: intro}
	actions:
	  - wait: 12h
	  - tag: {add: [read]}
	EOF
	cat >"$1/automations/reader.yaml" <<-\EOF &&
	id: reader
	if: {event: removed}
	or: 'tags has "read" and city != "Bonn"'
	actions:
	  - add_to_list: readers
	  - wait: 1w
	  - tag: {remove: [read]}
	reenter: after_finish
	EOF
	git -C "$1" add -A && git -C "$1" commit -q -m automations &&
	drip -C "$1" -q --now 2026-03-20T05:00:00Z tick --no-deliver
}

test_expect_success 'idempotence with sequence automations' '
	make_auto_ws aidem &&
	test_grep "^welcomer,2026-03-20T05:00:00Z$" aidem/state/automations.csv &&
	drip -C aidem -q --now 2026-03-23T08:05:00Z enroll onboard c00000 c00001 c00004 c00010 \
		--at 2026-03-23T08:05:00Z &&
	drip -C aidem --now 2026-03-27T09:10:00Z tick --no-deliver &&
	grep -c ",welcomer," aidem/log/2026-03.csv >n && test $(cat n) -ge 4 &&
	snapshot aidem >before &&
	drip -C aidem --now 2026-03-27T09:10:00Z tick --no-deliver &&
	test_unchanged aidem before
'

for i in 0 1 2; do
	s=$((SEED + 10 + i))
	test_expect_success "composition with sequence automations, seed $s" '
		python3 "$CONTRACT/gen.py" schedule '"$s"' >asched-'"$s"' &&
		rm -rf AA AB && make_auto_ws AA && cp -R AA AB &&
		run_schedule asched-'"$s"' AA AB >segs &&
		echo "segments: $(cat segs)" &&
		test $(cat segs) -ge 5 &&
		git -C AA status --porcelain >st && test_line_count 0 st &&
		cat AA/log/*.csv >log &&
		test_grep ",welcomer,tag,ok," log &&
		test_grep ",welcomer,notify,ok," log &&
		test_grep ",tagger,note,ok," log &&
		test_grep ",tagger,enroll," log &&
		test_grep ",stepper,tag,ok," log &&
		test_grep ",reader,add_to_list,ok," log &&
		test_grep ",running," AA/state/runs.csv
	'
done

# enroll_when on a workspace's first tick: the enrollment time must come
# from the files (the publish time), not from the --now of that tick.
test_expect_success 'composition: enroll_when on the first tick of a workspace' '
	cp -R ws ew &&
	cat >ew/sequences/auto.yaml <<-\EOF &&
	id: auto
	name: Auto
	enroll_when: '"'"'tags has "lead"'"'"'
	steps:
	  - id: hello
	    type: email
	    wait: 0
	    template: templates/ping.eml
	EOF
	git -C ew add -A && git -C ew commit -q -m auto &&
	drip -C ew -q --now 2026-03-19T12:00:00Z seq publish auto &&
	cp -R ew ewA && cp -R ew ewB &&
	drip -C ewA --now 2026-03-20T10:00:00Z tick --no-deliver &&
	drip -C ewA --now 2026-03-20T15:00:00Z tick --no-deliver &&
	drip -C ewB --now 2026-03-20T15:00:00Z tick --no-deliver &&
	same_tree ewA ewB
'

test_expect_success 'lag guard: the first tick of a workspace has no lag' '
	cp -R ws lag &&
	drip -C lag -q --now 2026-03-02T10:00:00Z enroll followup c00000 c00002 \
		--at 2026-03-02T10:00:00Z &&
	drip -C lag --now 2026-03-24T10:00:00Z tick --no-deliver 2>err &&
	test_line_count 0 err &&
	test_grep "^last_slot$" lag/state/clock.csv &&
	test_grep "^2026-03-24T10:00:00Z$" lag/state/clock.csv
'

test_expect_success 'lag guard: exactly max_lag after the last slot is still a normal tick' '
	drip -C lag --now 2026-03-25T10:00:00Z tick --no-deliver &&
	test_grep "^2026-03-25T10:00:00Z$" lag/state/clock.csv
'

test_expect_success 'lag guard: more than max_lag: exit 75, an explanation, nothing changed' '
	snapshot lag >before &&
	test_expect_code 75 drip -C lag --now 2026-03-26T10:20:00Z tick --no-deliver >out 2>err &&
	test_line_count 0 out &&
	test_grep "more than max_lag" err &&
	test_grep "drip tick --catch-up" err &&
	test_line_count 1 err &&
	test_unchanged lag before
'

test_expect_success 'lag guard: --catch-up processes the backlog' '
	cp -R lag lagref &&
	drip -C lag --now 2026-03-26T10:20:00Z tick --catch-up --no-deliver &&
	test_grep "^2026-03-26T10:20:00Z$" lag/state/clock.csv &&
	git -C lag cat-file blob refs/drip/clock >clock &&
	test_grep "^2026-03-26T10:20:00Z,refs/drip/clock$" clock &&
	git -C lag log -1 --format=%s >s &&
	test_grep "^tick 2026-03-24 10:00Z: " s &&
	git -C lag status --porcelain >st && test_line_count 0 st
'

# A transport that takes 2 seconds a message: delivery runs under the lock
# (cmd/tick.c delivers before it exits), so a second tick started then
# meets the held lock.
test_expect_success 'two ticks at once: one runs, the other exits 75 at once' '
	cp -R ws lk &&
	cat >slow-sendmail <<-EOF &&
	#!/bin/sh
	: >"$TRASH/slow-started"
	cat >>"$TRASH/slow-delivered"
	sleep 2
	EOF
	chmod +x slow-sendmail &&
	sed -i "s#email: {maildir: outbox}#email: {sendmail: [\"$TRASH/slow-sendmail\"]}#" lk/drip.yaml &&
	git -C lk commit -q -am "slow transport" &&
	drip -C lk -q --now 2026-03-24T09:00:00Z enroll onboard c00000 --at 2026-03-24T09:00:00Z &&
	rm -f slow-started slow-delivered
	# On a line of its own: "a && b &" would put a and b in the background too.
	{ if drip -C lk --now 2026-03-24T09:10:00Z tick >out1 2>err1; then echo 0; else echo $?; fi >rc1; } &
	first=$! &&
	n=0 && while ! test -f slow-started && test $n -lt 100; do sleep 0.1; n=$((n + 1)); done &&
	test -f slow-started &&
	test_expect_code 75 drip -C lk --now 2026-03-24T09:10:00Z tick >out2 2>err2 &&
	kill -0 $first &&
	test_grep "another drip command holds the lock" err2 &&
	test_line_count 0 out2 &&
	wait $first &&
	echo 0 >expect && test_cmp expect rc1 &&
	test_line_count 0 err1 &&
	ls lk/outbox/sent >sent && test_line_count 1 sent &&
	ls lk/outbox/new >new && test_line_count 0 new &&
	test_grep "^Message-ID: " slow-delivered &&
	grep -c "onboard,welcome,,email,ok" lk/log/2026-03.csv >n && echo 1 >expect && test_cmp expect n
'

test_expect_success 'a second tick with --wait waits for the first, then finds nothing to do' '
	drip -C lk -q --now 2026-03-24T09:20:00Z enroll onboard c00001 --at 2026-03-24T09:20:00Z &&
	rm -f slow-started
	{ if drip -C lk --now 2026-03-24T09:30:00Z tick; then echo 0; else echo $?; fi >rc1; } &
	first=$! &&
	n=0 && while ! test -f slow-started && test $n -lt 100; do sleep 0.1; n=$((n + 1)); done &&
	test -f slow-started &&
	drip -C lk --wait 20 --now 2026-03-24T09:30:00Z tick 2>err2 &&
	test_line_count 0 err2 &&
	wait $first && echo 0 >expect && test_cmp expect rc1 &&
	ls lk/outbox/sent >sent && test_line_count 2 sent &&
	grep -c "onboard,welcome,,email,ok" lk/log/2026-03.csv >n && echo 2 >expect && test_cmp expect n
'

test_expect_success 'under cron a tick prints nothing' '
	cp -R ws quiet &&
	drip -C quiet -q --now 2026-03-24T09:00:00Z enroll onboard c00000 c00002 c00004 \
		--at 2026-03-24T09:00:00Z &&
	cp -R quiet dry &&
	drip -C quiet --now 2026-03-24T09:10:00Z tick >out 2>err &&
	test_line_count 0 out && test_line_count 0 err &&
	git -C quiet log -1 --format=%s >s && test_grep "^tick 2026-03-24 09:00Z: " s &&
	drip -C quiet --now 2026-03-24T09:10:00Z tick >out 2>err &&
	test_line_count 0 out && test_line_count 0 err
'

test_expect_success '-v prints the summary line' '
	drip -C quiet -v --now 2026-03-25T08:50:00Z tick >out 2>err &&
	test_line_count 0 err && test_line_count 1 out &&
	test_grep "^tick 2026-03-25 08:40Z: [0-9][0-9]* steps\{0,1\} fired, [0-9][0-9]* automations, [0-9][0-9]* completed" out &&
	git -C quiet log -1 --format=%s >s && test_cmp s out
'

test_expect_success '--dry-run prints the rows a tick would log and changes nothing' '
	snapshot dry >before &&
	drip -C dry --now 2026-03-24T09:10:00Z tick --dry-run >out 2>err &&
	test_unchanged dry before &&
	test_line_count 0 err &&
	printf "time\tcontact\tsequence\tstep\taction\tresult\tdetail\n" >expect &&
	head -1 out >head && test_cmp expect head &&
	test_grep "^2026-03-24T09:00:00Z	c00000	onboard	welcome	email	ok	" out &&
	drip -C dry --now 2026-03-24T09:10:00Z tick --dry-run --format json >json &&
	test_unchanged dry before &&
	python3 -c "
import json, sys
rows = json.load(open(\"json\"))
assert isinstance(rows, list) and rows, rows
for r in rows:
    assert set(r) >= {\"time\", \"contact\", \"sequence\", \"step\", \"action\", \"result\"}, r
print(len(rows))
" >njson &&
	test "$(cat njson)" = "$(($(wc -l <out) - 1))" &&
	before_rows=$(cat dry/log/*.csv | wc -l) &&
	drip -C dry --now 2026-03-24T09:10:00Z tick --no-deliver &&
	after_rows=$(cat dry/log/*.csv | wc -l) &&
	test "$(cat njson)" = "$((after_rows - before_rows))"
'

test_done
