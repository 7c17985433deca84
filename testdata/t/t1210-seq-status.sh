#!/bin/sh
# drip seq pause|resume|stop [--soft]|archive (SPEC §3.5): a pause freezes
# steps and automations and the resume moves every pending time by its
# length; a soft stop takes no one new and lets the enrolled finish; a stop
# ends every enrollment; archive hides; the composition law holds across a
# pause; every refusal with its message, exit code and nothing changed.
. "$(dirname "$0")/lib.sh"

Q="'"

# mkws DIR: two contacts, a sequence s (an email, then one 5 days later
# with a step automation pending 2 days on it), a sequence automation
# started by enrolling in s that waits 3 days, and a sequence e that
# enrolls by enroll_when; s enrolls ada and bob on 2026-11-02.
mkws() {
	new_ws "$1" &&
	sed -i -e 's/^max_lag: .*/max_lag: 60d/' "$1/drip.yaml" &&
	cat >"$1/contacts.csv" <<-\EOF &&
	id,email,first_name,stage
	ada,ada@example.com,Ada,
	bob,bob@example.com,Bob,
	EOF
	printf 'Subject: Hi\n\nHello.\n' >"$1/templates/a.eml" &&
	cat >"$1/sequences/s.yaml" <<-\EOF &&
	id: s
	steps:
	  - {id: one, type: email, wait: 0, template: templates/a.eml}
	  - id: two
	    type: email
	    wait: 5d
	    template: templates/a.eml
	    automations:
	      - {id: nag, on: pending, after: 2d, actions: [{note: nag}]}
	EOF
	cat >"$1/sequences/e.yaml" <<-\EOF &&
	id: e
	enroll_when: 'stage == "hot"'
	steps:
	  - {id: first, type: delay, wait: 1d}
	EOF
	cat >"$1/automations/later.yaml" <<-\EOF &&
	id: later
	if: {event: enrolled, sequence: s}
	actions:
	  - wait: 3d
	  - note: later
	EOF
	git -C "$1" add -A && git -C "$1" commit -qm setup &&
	drip -C "$1" -q --now 2026-11-01T00:00:00Z tick &&
	drip -C "$1" -q --now 2026-11-02T08:00:00Z seq publish s &&
	drip -C "$1" -q --now 2026-11-02T08:00:00Z seq publish e &&
	drip -C "$1" -q --now 2026-11-02T09:00:00Z enroll s ada bob &&
	drip -C "$1" -q --now 2026-11-02T09:05:00Z tick
}
rows() { cat "$1"/log/*.csv | grep -v '^time,'; }
# fired DIR: the rows of s that tick wrote for ada, as "time action step/automation".
fired() { rows "$1" | awk -F, '$2 == "ada" && $6 != "enroll" { print $1, $6, $4 $5 }'; }
# same A B: the files a tick writes are the same in both workspaces.
same() {
	for d in state log outbox; do
		diff -r "$1/$d" "$2/$d" || return 1
	done &&
	diff "$1/contacts.csv" "$2/contacts.csv" && diff "$1/tasks.csv" "$2/tasks.csv"
}

mkws base
mkws ws

test_expect_success 'unpaused, for reference: two at +5d, nag at +2d, later at +3d' '
	drip -C base -q --now 2026-11-20T00:00:00Z tick &&
	fired base >got &&
	cat >expect <<-\EOF &&
	2026-11-02T09:00:00Z email one
	2026-11-04T09:00:00Z note twonag
	2026-11-05T09:00:00Z note twolater
	2026-11-05T09:00:00Z done later
	2026-11-07T10:00:00Z email two
	2026-11-07T10:00:00Z done 
	EOF
	test_cmp expect got
'

test_expect_success 'pause: status, one commit with state/sequences.csv and a set row' '
	drip -C ws --now 2026-11-03T09:00:00Z seq pause s >out &&
	echo "paused ${Q}s${Q} at 2026-11-03 09:00 +00:00" >expect && test_cmp expect out &&
	test_grep "^s,paused,1,2026-11-02T08:00:00Z,[0-9a-f]*,2026-11-03T09:00:00Z,$" \
		ws/state/sequences.csv &&
	head -n 1 ws/state/sequences.csv >h &&
	echo id,status,version,published_at,digest,paused_at,resumed_at >expect && test_cmp expect h &&
	tail -n 1 ws/log/2026-11.csv >r &&
	echo "2026-11-03T09:00:00Z,,s,,,set,ok,,status=paused" >expect && test_cmp expect r &&
	git -C ws log -1 --format=%s >s && echo "seq pause s: active -> paused" >expect &&
	test_cmp expect s &&
	git -C ws show --name-only --format= HEAD | sort >files &&
	printf "%s\n" log/2026-11.csv state/sequences.csv >expect && test_cmp expect files &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	drip -C ws seq list >l && test_grep "^s  *paused  *1 " l &&
	drip -C ws seq show s >sh && test_grep "^status:   paused$" sh &&
	test_grep "^paused:   since 2026-11-03T09:00:00Z$" sh
'

test_expect_success 'ticks during the pause fire nothing: no step, no step or sequence automation' '
	rows ws >before &&
	drip -C ws --now 2026-11-04T12:00:00Z tick &&
	drip -C ws --now 2026-11-06T08:00:00Z tick &&
	rows ws >after &&
	test_cmp before after &&
	test_grep "^last_slot" ws/state/clock.csv && test_grep "2026-11-06T08:00:00Z" ws/state/clock.csv
'

test_expect_success 'refused while paused: enroll (65), enroll --pause (1), pause again, soft stop, archive (1)' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-06T08:10:00Z enroll s ada 2>err &&
	echo "drip: sequence ${Q}s${Q} is paused and takes no new enrollments" >expect &&
	test_cmp expect err &&
	test_expect_code 1 drip -C ws --now 2026-11-06T08:10:00Z enroll --pause s ada 2>err &&
	echo "drip: sequence ${Q}s${Q} is paused: its contacts${Q} clocks are frozen with it; ${Q}drip seq resume s${Q} first" >expect &&
	test_cmp expect err &&
	test_expect_code 1 drip -C ws seq pause s 2>err &&
	echo "drip: cannot pause ${Q}s${Q}: it is paused already" >expect && test_cmp expect err &&
	test_expect_code 1 drip -C ws seq stop --soft s 2>err &&
	echo "drip: cannot stop --soft ${Q}s${Q}: it is paused; resume it first, or stop it" >expect &&
	test_cmp expect err &&
	test_expect_code 1 drip -C ws seq archive s 2>err &&
	echo "drip: cannot archive ${Q}s${Q}: it is paused; ${Q}drip seq stop s${Q} first" >expect &&
	test_cmp expect err &&
	test_unchanged ws before
'

test_expect_success 'resume after 3 days: every pending time 3 days later, automations too' '
	cp -R ws ws-copy &&
	drip -C ws --now 2026-11-06T09:00:00Z seq resume s >out &&
	echo "resumed ${Q}s${Q} at 2026-11-06 09:00 +00:00" >expect && test_cmp expect out &&
	test_grep "^s,active,1,.*,2026-11-03T09:00:00Z,2026-11-06T09:00:00Z$" ws/state/sequences.csv &&
	tail -n 1 ws/log/2026-11.csv >r &&
	echo "2026-11-06T09:00:00Z,,s,,,set,ok,,status=active" >expect && test_cmp expect r &&
	git -C ws log -1 --format=%s >s && echo "seq resume s: paused -> active" >expect &&
	test_cmp expect s &&
	drip -C ws seq show s >sh &&
	test_grep "^paused:   2026-11-03T09:00:00Z to 2026-11-06T09:00:00Z$" sh &&
	drip -C ws -q --now 2026-11-20T00:00:00Z tick &&
	fired ws >got &&
	cat >expect <<-\EOF &&
	2026-11-02T09:00:00Z email one
	2026-11-07T09:00:00Z note twonag
	2026-11-08T09:00:00Z note twolater
	2026-11-08T09:00:00Z done later
	2026-11-10T10:00:00Z email two
	2026-11-10T10:00:00Z done 
	EOF
	test_cmp expect got
'

test_expect_success 'composition across the pause: tick T1 then T2 == tick T2, for T1 before, in and after it' '
	drip -C ws-copy -q --now 2026-11-06T09:00:00Z seq resume s &&
	for t1 in 2026-11-06T09:10:00Z 2026-11-06T09:20:00Z 2026-11-07T09:00:00Z 2026-11-09T00:00:00Z; do
		rm -rf a b && cp -R ws-copy a && cp -R ws-copy b &&
		drip -C a -q --now "$t1" tick && drip -C a -q --now 2026-11-20T00:00:00Z tick &&
		drip -C b -q --now 2026-11-20T00:00:00Z tick &&
		same a b || { echo "differs with T1=$t1" >&2; exit 1; }
	done &&
	same ws b
'

test_expect_success 'composition with no tick during the pause: what was due before it still fires at its time' '
	rm -rf c d && mkws c &&
	drip -C c -q --now 2026-11-04T12:00:00Z seq pause s &&
	drip -C c -q --now 2026-11-07T12:00:00Z seq resume s &&
	cp -R c d &&
	drip -C c -q --now 2026-11-05T00:00:00Z tick &&
	drip -C c -q --now 2026-11-08T00:00:00Z tick &&
	drip -C c -q --now 2026-11-20T00:00:00Z tick &&
	drip -C d -q --now 2026-11-20T00:00:00Z tick &&
	same c d &&
	fired d >got &&
	cat >expect <<-\EOF &&
	2026-11-02T09:00:00Z email one
	2026-11-04T09:00:00Z note twonag
	2026-11-08T09:00:00Z note twolater
	2026-11-08T09:00:00Z done later
	2026-11-10T10:00:00Z email two
	2026-11-10T10:00:00Z done 
	EOF
	test_cmp expect got
'

test_expect_success 'pausing again before a tick has thawed the last pause: 75, nothing changed' '
	rm -rf p && mkws p &&
	drip -C p -q --now 2026-11-03T09:00:00Z seq pause s &&
	drip -C p -q --now 2026-11-04T09:00:00Z seq resume s &&
	snapshot p >before &&
	test_expect_code 75 drip -C p --now 2026-11-04T09:05:00Z seq pause s 2>err &&
	echo "drip: cannot pause ${Q}s${Q}: it was resumed at 2026-11-04T09:00:00Z and no tick has run since; run ${Q}drip tick${Q} first" >expect &&
	test_cmp expect err &&
	test_expect_code 75 drip -C p --now 2026-11-04T09:05:00Z enroll --resume s ada 2>err &&
	test_grep "no tick has run since" err &&
	test_unchanged p before &&
	drip -C p -q --now 2026-11-04T09:30:00Z tick &&
	drip -C p -q --now 2026-11-04T09:35:00Z seq pause s
'

test_expect_success 'quiet ticks across a pause: the same as ticks that read every shard' '
	mkws q &&
	rm q/sequences/e.yaml && git -C q commit -qam "no enroll_when" &&
	drip -C q -q --now 2026-11-02T09:00:00Z seq publish s 2>/dev/null || true &&
	drip -C q -q --now 2026-11-03T10:00:00Z seq pause s &&
	drip -C q -q --now 2026-11-03T12:00:00Z tick &&
	drip -C q -q --now 2026-11-06T10:00:00Z seq resume s &&
	rm -rf nq && cp -R q nq &&
	for t in 2026-11-06T09:50:00Z 2026-11-07T00:00:00Z 2026-11-12T00:00:00Z; do
		drip -C q -q --now $t tick &&
		rm -f nq/.git/drip-due &&
		drip -C nq -q --now $t tick || exit 1
	done &&
	test -f q/.git/drip-due &&
	same q nq &&
	fired q >got && test_grep "two" got
'

test_expect_success 'refusals: resume of an active sequence, a draft, an unknown one, usage' '
	snapshot ws >before &&
	test_expect_code 1 drip -C ws seq resume s 2>err &&
	echo "drip: cannot resume ${Q}s${Q}: it is active, not paused" >expect && test_cmp expect err &&
	test_expect_code 1 drip -C ws seq archive s 2>err &&
	echo "drip: cannot archive ${Q}s${Q}: it is active; ${Q}drip seq stop s${Q} first" >expect &&
	test_cmp expect err &&
	drip -C ws -q seq new draft &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws seq pause draft 2>err &&
	echo "drip: sequence ${Q}draft${Q} is not published; ${Q}drip seq publish draft${Q} starts it" >expect &&
	test_cmp expect err &&
	test_expect_code 66 drip -C ws seq stop nosuch 2>err &&
	echo "drip: unknown sequence ${Q}nosuch${Q}" >expect && test_cmp expect err &&
	test_expect_code 2 drip -C ws seq pause 2>err && test_grep "missing sequence id" err &&
	test_expect_code 2 drip -C ws seq stop s t 2>err && test_grep "too many arguments" err &&
	test_expect_code 2 drip -C ws seq resume --soft s 2>err &&
	test_expect_code 2 drip -C ws seq archive "Bad!" 2>err && test_grep "invalid sequence id" err &&
	test_unchanged ws before
'

test_expect_success 'soft stop: stopping; enroll and enroll_when refused, the enrolled finish' '
	rm -rf w2 w2c && mkws w2 &&
	cp -R w2 w2c &&
	drip -C w2c -q --now 2026-11-03T09:10:00Z contact set ada stage=hot &&
	drip -C w2c -q --now 2026-11-20T00:00:00Z tick &&
	rows w2c | grep -q "^2026-11-02T09:20:00Z,ada,e,,,enroll,ok,,enroll_when$" &&
	drip -C w2 --now 2026-11-03T09:00:00Z seq stop --soft e >out &&
	echo "soft-stopped ${Q}e${Q}" >expect && test_cmp expect out &&
	drip -C w2 -q --now 2026-11-03T09:00:00Z seq stop --soft s &&
	test_grep "^s,stopping,1," w2/state/sequences.csv &&
	tail -n 1 w2/log/2026-11.csv >r &&
	echo "2026-11-03T09:00:00Z,,s,,,set,ok,,status=stopping" >expect && test_cmp expect r &&
	git -C w2 log -1 --format=%s >s && echo "seq stop --soft s: active -> stopping" >expect &&
	test_cmp expect s &&
	snapshot w2 >before &&
	test_expect_code 65 drip -C w2 --now 2026-11-03T09:10:00Z enroll e ada 2>err &&
	echo "drip: sequence ${Q}e${Q} is stopping and takes no new enrollments" >expect &&
	test_cmp expect err &&
	test_unchanged w2 before &&
	test_expect_code 1 drip -C w2 seq stop --soft s 2>err &&
	echo "drip: cannot stop --soft ${Q}s${Q}: it is stopping already" >expect && test_cmp expect err &&
	drip -C w2 -q --now 2026-11-03T09:10:00Z contact set ada stage=hot &&
	drip -C w2 -q --now 2026-11-20T00:00:00Z tick &&
	! rows w2 | grep ",e,,,enroll," &&
	! grep -q "^ada,e," w2/state/enrollments/*.csv &&
	fired w2 >got && fired base >expect && test_cmp expect got &&
	drip -C w2 seq list >l && test_grep "^s  *stopping " l
'

test_expect_success 'stop: every enrollment ends stopped, a row each, one commit; nothing runs after' '
	rm -rf w3 && mkws w3 &&
	drip -C w3 -q --now 2026-11-03T09:00:00Z seq pause s &&
	drip -C w3 --now 2026-11-04T09:00:00Z seq stop s >out &&
	echo "stopped ${Q}s${Q}: 2 enrollments ended" >expect && test_cmp expect out &&
	test_grep "^s,stopped,1," w3/state/sequences.csv &&
	tail -n 3 w3/log/2026-11.csv >r &&
	cat >expect <<-\EOF &&
	2026-11-04T09:00:00Z,,s,,,set,ok,,status=stopped
	2026-11-04T09:00:00Z,ada,s,two,,stopped,ok,,sequence stopped
	2026-11-04T09:00:00Z,bob,s,two,,stopped,ok,,sequence stopped
	EOF
	test_cmp expect r &&
	cat w3/state/enrollments/*.csv | grep -v ^contact | sort >st &&
	cat >expect <<-\EOF &&
	ada,s,1,stopped,,2026-11-04T09:00:00Z,2026-11-04T09:00:00Z,2026-11-02T09:00:00Z,,,,2026-11-02,1
	bob,s,1,stopped,,2026-11-04T09:00:00Z,2026-11-04T09:00:00Z,2026-11-02T09:00:00Z,,,,2026-11-02,1
	EOF
	test_cmp expect st &&
	git -C w3 log -1 --format=%s >s &&
	echo "seq stop s: paused -> stopped (2 enrollments ended)" >expect && test_cmp expect s &&
	git -C w3 status --porcelain >st && test_line_count 0 st &&
	rows w3 >before &&
	drip -C w3 -q --now 2026-11-20T00:00:00Z tick &&
	rows w3 >after &&
	# A sequence automation is a workflow of its own: only it goes on.
	diff before after | sed -n "s/^> //p" | grep -v ",,later," >new || true &&
	test_line_count 0 new &&
	snapshot w3 >before &&
	test_expect_code 65 drip -C w3 --now 2026-11-20T00:10:00Z enroll s ada 2>err &&
	echo "drip: sequence ${Q}s${Q} is stopped and takes no new enrollments" >expect &&
	test_cmp expect err &&
	test_expect_code 1 drip -C w3 seq stop s 2>err &&
	echo "drip: cannot stop ${Q}s${Q}: it is stopped already" >expect && test_cmp expect err &&
	test_expect_code 1 drip -C w3 seq resume s 2>err &&
	echo "drip: cannot resume ${Q}s${Q}: it is stopped, not paused" >expect && test_cmp expect err &&
	test_unchanged w3 before
'

test_expect_success 'archive: only a stopped sequence; hidden from seq list unless --all' '
	drip -C w3 --now 2026-11-21T00:00:00Z seq archive s >out &&
	echo "archived ${Q}s${Q}" >expect && test_cmp expect out &&
	test_grep "^s,archived,1," w3/state/sequences.csv &&
	tail -n 1 w3/log/2026-11.csv >r &&
	echo "2026-11-21T00:00:00Z,,s,,,set,ok,,status=archived" >expect && test_cmp expect r &&
	drip -C w3 seq list --format csv >l &&
	printf "%s\n" id,status,version,steps,changed,name e,active,1,1,no, >expect &&
	test_cmp expect l &&
	drip -C w3 seq list --all --format csv >l &&
	printf "%s\n" id,status,version,steps,changed,name e,active,1,1,no, s,archived,1,2,no, >expect &&
	test_cmp expect l &&
	snapshot w3 >before &&
	test_expect_code 1 drip -C w3 seq archive s 2>err &&
	echo "drip: cannot archive ${Q}s${Q}: it is archived already" >expect && test_cmp expect err &&
	test_expect_code 1 drip -C w3 seq publish s 2>err &&
	test_unchanged w3 before
'

test_expect_success 'owners: someone else may not change the status (77), nothing changed' '
	sed -i "s/^id: e$/&\nowners: [alice@example.com]/" w3/sequences/e.yaml &&
	git -C w3 commit -qam owners &&
	snapshot w3 >before &&
	for args in "seq pause e" "seq stop --soft e" "seq stop e"; do
		test_expect_code 77 env DRIP_USER=eve@example.com "$DRIP" -C w3 $args 2>err ||
			{ echo "not refused: $args" >&2; exit 1; }
		test_grep "may not change sequence ${Q}e${Q}" err || exit 1
	done &&
	test_unchanged w3 before &&
	env DRIP_USER=alice@example.com "$DRIP" -C w3 -q seq pause e
'

test_expect_success 'completion: the subcommands, --soft and --all' '
	drip __complete seq "" >cpl &&
	for w in pause resume stop archive; do grep -qx "$w" cpl || exit 1; done &&
	drip __complete seq stop --s >cpl && echo --soft >expect && test_cmp expect cpl &&
	drip __complete seq list --a >cpl && echo --all >expect && test_cmp expect cpl &&
	drip seq stop --help >h && test_grep "^usage: drip seq stop ID \[--soft\]$" h
'

test_done
