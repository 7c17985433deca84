#!/bin/sh
# Step automations (SPEC §3.6), the actions (SPEC §5), rule and wait_until
# steps, on_remove: each read back from the action log and the files the
# action changes.
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' \
	-e 's/^# from: .*/from: "Acme <hello@acme.example>"/' ws/drip.yaml
printf 'id,email,first_name,owner,tags,status,unsubscribed,plan,stage\n' >ws/contacts.csv
printf 'ada,ada@example.com,Ada,olga@acme.example,lead,,,pro,\n' >>ws/contacts.csv
printf 'bob,bob@example.com,Bob,,,,,free,\n' >>ws/contacts.csv
printf 'Subject: Still there, {{first_name}}?\n\nJust checking in.\n' >ws/templates/nudge.eml
git -C ws add -A && git -C ws commit -qm setup

publish() {
	printf "%s\n" "$2" >"ws/sequences/$1.yaml" &&
	git -C ws add -A && git -C ws commit -qm "$1" &&
	drip -C ws -q --now 2026-11-01T00:00:00Z seq publish "$1"
}
log() { cat ws/log/*.csv; }

test_expect_success 'pending: after, then every, at most N more times, while still on the step' '
	publish p1 "id: p1
coordinator: coach@acme.example
steps:
  - id: wait
    type: delay
    wait: 30d
    automations:
      - id: nudge
        on: pending
        after: 3d
        repeat: {every: 1w, times: 2}
        actions:
          - notify: {template: templates/nudge.eml, coordinator: true}
  - {id: end, type: delay, wait: 0}" &&
	drip -C ws -q --now 2026-11-02T10:00:00Z enroll p1 ada &&
	drip -C ws --now 2026-11-30T00:00:00Z tick &&
	log | grep ",ada,p1,wait,nudge,notify,ok,<.*,templates/nudge.eml$" >rows &&
	test_grep "^2026-11-05T10:00:00Z," rows &&
	test_grep "^2026-11-12T10:00:00Z," rows &&
	test_grep "^2026-11-19T10:00:00Z," rows &&
	test_line_count 3 rows &&
	log | grep ",ada,p1,wait,nudge,notify,ok,.*,summary to coach@acme.example$" >sum &&
	test_line_count 3 sum &&
	grep -l "^To: coach@acme.example" ws/outbox/new/* >m && test_line_count 3 m &&
	! grep -l "Just checking in" $(cat m)
'

test_expect_success 'moving on voids what was pending on the old step' '
	drip -C ws --now 2026-12-05T00:00:00Z tick &&
	test "$(log | grep -c ",p1,wait,nudge,notify,ok,<[^,]*,templates")" = 3
'

test_expect_success 'enter (0 = the slot of entering, or after), complete' '
	publish e1 "id: e1
steps:
  - id: one
    type: delay
    wait: 1d
    automations:
      - {id: hello, on: enter, actions: [{tag: {add: [welcomed]}}]}
      - {id: later, on: enter, after: 2h, actions: [{note: \"{{first_name}} entered 2h ago\"}]}
      - {id: bye, on: complete, actions: [{set: {stage: \"one done\"}}]}" &&
	drip -C ws -q --now 2026-12-10T09:00:00Z enroll e1 bob &&
	drip -C ws --now 2026-12-12T00:00:00Z tick &&
	test_grep "^2026-12-10T09:00:00Z,bob,e1,one,hello,tag,ok,,welcomed$" ws/log/2026-12.csv &&
	test_grep "^2026-12-10T11:00:00Z,bob,e1,one,later,note,ok,,$" ws/log/2026-12.csv &&
	test_grep "^2026-12-11T10:00:00Z,bob,e1,one,bye,set,ok,,stage=one done$" ws/log/2026-12.csv &&
	test_grep "^2026-12-10T11:00:00Z,bob,e1,one,later,Bob entered 2h ago$" ws/notes.csv &&
	test_grep "^bob,bob@example.com,Bob,,welcomed,,,free,one done$" ws/contacts.csv &&
	git -C ws show --stat HEAD | grep -q "contacts.csv" &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'a rule step runs then or else actions' '
	publish r1 "id: r1
steps:
  - id: sort
    type: rule
    wait: 0
    if: '"'"'plan == \"pro\"'"'"'
    then: [{tag: {add: [vip]}}, {add_to_list: vips}]
    else: [unsubscribe]" &&
	drip -C ws -q --now 2026-12-13T09:00:00Z enroll r1 ada bob &&
	drip -C ws --now 2026-12-13T10:00:00Z tick &&
	test_grep "^2026-12-13T09:00:00Z,ada,r1,sort,,rule,ok,,then$" ws/log/2026-12.csv &&
	test_grep "^2026-12-13T09:00:00Z,ada,r1,sort,,tag,ok,,lead;vip$" ws/log/2026-12.csv &&
	test_grep "^2026-12-13T09:00:00Z,ada,r1,sort,,add_to_list,ok,vips,$" ws/log/2026-12.csv &&
	test_grep "^2026-12-13T09:00:00Z,bob,r1,sort,,unsubscribe,ok,,$" ws/log/2026-12.csv &&
	test_grep "^bob,.*,true,free," ws/contacts.csv &&
	test_grep "^2026-12-13T09:00:00Z,ada,r1,sort,ada,ada@example.com" ws/lists/vips.csv
'

test_expect_success 'wait_until: until holds, an event arrives, or the timeout leads on' '
	publish w1 "id: w1
steps:
  - {id: hold, type: wait_until, wait: 0, until: '"'"'stage == \"ready\"'"'"', timeout: 2d, on_timeout: late}
  - {id: go, type: delay, wait: 0}
  - {id: late, type: delay, wait: 0}
  - {id: ev, type: wait_until, wait: 0, event: signed, timeout: 1d}" &&
	drip -C ws -q --now 2026-12-14T09:00:00Z enroll w1 ada &&
	drip -C ws --now 2026-12-14T12:00:00Z tick &&
	! grep ",ada,w1,hold,,wait_until," ws/log/2026-12.csv &&
	drip -C ws -q --now 2026-12-14T12:05:00Z contact set ada stage=ready &&
	drip -C ws --now 2026-12-14T13:00:00Z tick &&
	test_grep "^2026-12-14T12:20:00Z,ada,w1,hold,,wait_until,ok,,\"until: stage == \"\"ready\"\" holds\"$" ws/log/2026-12.csv &&
	test_grep "^2026-12-14T12:20:00Z,ada,w1,go,,delay,ok,,$" ws/log/2026-12.csv &&
	mkdir -p ws/inbox &&
	printf "time,contact,name,sequence,data\n2026-12-14T14:00:00Z,ada,signed,,\n" >ws/inbox/s1.csv &&
	drip -C ws --now 2026-12-14T15:00:00Z tick &&
	test_grep "^2026-12-14T14:00:00Z,ada,w1,ev,,wait_until,ok,s1,event signed$" ws/log/2026-12.csv &&
	drip -C ws -q --now 2026-12-15T09:00:00Z enroll w1 bob 2>/dev/null || true
'

test_expect_success 'wait_until times out to on_timeout' '
	publish w2 "id: w2
steps:
  - {id: hold, type: wait_until, wait: 0, until: '"'"'stage == \"never\"'"'"', timeout: 1d, on_timeout: late}
  - {id: go, type: delay, wait: 0}
  - {id: late, type: delay, wait: 0}" &&
	drip -C ws -q --now 2026-12-16T09:00:00Z enroll w2 ada &&
	drip -C ws --now 2026-12-18T00:00:00Z tick &&
	test_grep "^2026-12-17T09:00:00Z,ada,w2,hold,,wait_until,ok,,timed out$" ws/log/2026-12.csv &&
	test_grep "^2026-12-17T09:00:00Z,ada,w2,late,,delay,ok,,$" ws/log/2026-12.csv &&
	! grep ",ada,w2,go," ws/log/2026-12.csv
'

test_expect_success 'on_remove actions and notify.ended_by_engagement run when a removal rule fires' '
	publish o1 "id: o1
coordinator: coach@acme.example
remove_on: [reply]
on_remove: [{set: {stage: Replied}}]
notify: {ended_by_engagement: true, recipient_field: owner}
steps:
  - {id: long, type: delay, wait: 30d}" &&
	drip -C ws -q --now 2026-12-19T09:00:00Z enroll o1 ada &&
	printf "time,contact,name,sequence,data\n2026-12-19T10:00:00Z,ada,reply,,\n" >ws/inbox/r1.csv &&
	drip -C ws --now 2026-12-19T11:00:00Z tick &&
	test_grep "^2026-12-19T10:00:00Z,ada,o1,,,removed,ok,r1,on reply$" ws/log/2026-12.csv &&
	test_grep "^2026-12-19T10:00:00Z,ada,o1,,,set,ok,,stage=Replied$" ws/log/2026-12.csv &&
	test_grep "^2026-12-19T10:00:00Z,ada,o1,,removed-on-reply,notify,ok,.*summary to olga@acme.example$" ws/log/2026-12.csv &&
	test_grep "^ada,.*,Replied$" ws/contacts.csv
'

test_expect_success 'enroll, unenroll, remove_from_sequence, complete_step, task, mark_inactive, archive' '
	publish t1 "id: t1
steps:
  - {id: a, type: delay, wait: 10d}" &&
	publish a1 "id: a1
coordinator: coach@acme.example
steps:
  - id: s1
    type: delay
    wait: 30d
    automations:
      - id: go
        on: enter
        after: 1h
        actions:
          - enroll: t1
          - task: {kind: call, subject: \"Call {{first_name}}\", due: 2d}
          - complete_step
  - id: s2
    type: delay
    wait: 30d
    automations:
      - {id: stop, on: enter, after: 1h, actions: [{unenroll: t1}, remove_from_sequence]}" &&
	drip -C ws -q --now 2026-12-20T09:00:00Z enroll a1 bob &&
	drip -C ws --now 2026-12-21T00:00:00Z tick &&
	test_grep "^2026-12-20T10:00:00Z,bob,a1,s1,go,enroll,ok,,t1$" ws/log/2026-12.csv &&
	test_grep "^2026-12-20T10:00:00Z,bob,a1,s1,go,task,ok,t-20261220T1000-[0-9a-f]*,Call Bob$" ws/log/2026-12.csv &&
	test_grep ",call,bob,a1,s1,coach@acme.example,Call Bob,open," ws/tasks.csv &&
	test_grep "^2026-12-20T10:00:00Z,bob,a1,s1,go,complete_step,ok,,$" ws/log/2026-12.csv &&
	test_grep "^2026-12-20T11:00:00Z,bob,a1,s2,stop,unenroll,ok,,t1$" ws/log/2026-12.csv &&
	test_grep "^2026-12-20T11:00:00Z,bob,t1,,,removed,ok,,by stop$" ws/log/2026-12.csv &&
	test_grep "^2026-12-20T11:00:00Z,bob,a1,,,removed,ok,,by stop$" ws/log/2026-12.csv
'

test_expect_success 'mark_inactive stops everything for the contact until set active' '
	publish i1 "id: i1
steps:
  - id: x
    type: delay
    wait: 2d
    automations:
      - {id: sleep, on: enter, actions: [mark_inactive]}
  - {id: y, type: delay, wait: 0}" &&
	drip -C ws -q --now 2026-12-22T09:00:00Z enroll i1 bob &&
	drip -C ws --now 2026-12-26T00:00:00Z tick &&
	test_grep "^2026-12-22T09:00:00Z,bob,i1,x,sleep,mark_inactive,ok,,$" ws/log/2026-12.csv &&
	! grep ",bob,i1,x,,delay," ws/log/2026-12.csv &&
	drip -C ws -q --now 2026-12-26T01:00:00Z contact set bob status=active &&
	drip -C ws --now 2026-12-26T02:00:00Z tick &&
	test_grep "^2026-12-26T00:20:00Z,bob,i1,x,,delay,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'automations never fire while the enrollment is paused; resume shifts them' '
	publish q1 "id: q1
steps:
  - id: x
    type: delay
    wait: 30d
    automations:
      - {id: ping, on: enter, after: 1d, actions: [{note: ping}]}" &&
	drip -C ws -q --now 2026-12-27T00:00:00Z enroll q1 ada &&
	drip -C ws -q --now 2026-12-27T12:00:00Z enroll q1 ada --pause &&
	drip -C ws --now 2026-12-29T00:00:00Z tick &&
	! grep ",ada,q1,x,ping," ws/log/2026-12.csv &&
	drip -C ws -q --now 2026-12-29T00:00:00Z enroll q1 ada --resume &&
	drip -C ws --now 2026-12-30T00:00:00Z tick &&
	test_grep "^2026-12-29T12:00:00Z,ada,q1,x,ping,note,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'composition holds with automations in play' '
	rm -rf A B && cp -R ws A && cp -R ws B &&
	printf "%s\n" "id: c1" "steps:" "  - id: x" "    type: delay" "    wait: 5d" \
		"    automations:" \
		"      - {id: n, on: pending, after: 1d, repeat: {every: 1d, times: 3}, actions: [{note: tick}, {tag: {add: [seen]}}]}" \
		"  - {id: y, type: rule, wait: 0, if: '"'"'tags has \"seen\"'"'"', then: [{set: {stage: done}}]}" \
		>A/sequences/c1.yaml &&
	cp A/sequences/c1.yaml B/sequences/c1.yaml &&
	for w in A B; do
		git -C $w add -A && git -C $w commit -qm c1 &&
		drip -C $w -q --now 2026-12-30T01:00:00Z seq publish c1 &&
		drip -C $w -q --now 2026-12-30T02:00:00Z enroll c1 bob || exit 1
	done &&
	for t in 2026-12-31T05:00:00Z 2027-01-01T03:10:00Z 2027-01-02T23:00:00Z 2027-01-04T02:00:00Z 2027-01-06T00:00:00Z; do
		drip -C A --now $t tick || exit 1
	done &&
	drip -C B --now 2027-01-06T00:00:00Z tick &&
	diff -r -x .git A B
'

test_done
