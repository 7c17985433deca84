#!/bin/sh
# Sequence automations (automations/ID.yaml, SPEC §3.6) run by tick: every
# kind of trigger, and:/or:, waits (across a DST change too), stop_when,
# reenter, review, inactive contacts, the run action, the determinism
# contract and bad input - each read back from the action log and the files
# the actions change.
. "$(dirname "$0")/lib.sh"

# mkws DIR [ZONE]: a workspace with three contacts and a template.
mkws() {
	new_ws "$1" &&
	sed -i -e 's/^max_lag: 24h/max_lag: 30d/' \
		-e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
		-e "s|^timezone: .*|timezone: ${2:-UTC}|" "$1/drip.yaml" &&
	cat >"$1/contacts.csv" <<-\EOF &&
	id,email,first_name,status,tags,stage,country,score,renew
	ada,ada@example.com,Ada,,lead,,US,50,2026-12-10
	bob,bob@example.com,Bob,,,,DE,5,
	cy,cy@example.com,Cy,,,,US,20,2026-12-20
	EOF
	printf 'Subject: Hi {{first_name}}\n\nHello.\n' >"$1/templates/hi.eml" &&
	git -C "$1" add -A && git -C "$1" commit -qm setup
}
# auto DIR ID TEXT: write and commit automations/ID.yaml.
auto() {
	printf '%s\n' "$3" >"$1/automations/$2.yaml" &&
	git -C "$1" add -A && git -C "$1" commit -qm "automation $2"
}
# publish DIR ID TEXT: write, commit and publish sequences/ID.yaml.
publish() {
	printf '%s\n' "$3" >"$1/sequences/$2.yaml" &&
	git -C "$1" add -A && git -C "$1" commit -qm "sequence $2" &&
	drip -C "$1" -q --now 2026-11-30T00:00:00Z seq publish "$2"
}
tick() { drip -C "$1" --now "$2" tick; }
# rows DIR: every log row, without the headers.
rows() { cat "$1"/log/*.csv | grep -v '^time,'; }
# runs DIR: state/runs.csv without its header.
runs() { sed 1d "$1/state/runs.csv"; }
RUNS_HEADER=contact,automation,sequence,status,started,next,due,cond

# ---- tags and fields, changed between ticks ----

test_expect_success 'tag_added between ticks: actions in the first slot, a wait counts from the action before it' '
	mkws w-tg &&
	auto w-tg cold "id: cold
if: {event: tag_added, tag: cold}
and: '"'"'country == \"US\"'"'"'
actions:
  - note: \"cold {{first_name}}\"
  - wait: 1d
  - tag: {add: [warm]}" &&
	tick w-tg 2026-12-01T10:00:00Z &&
	test_grep "^cold,2026-12-01T10:00:00Z$" w-tg/state/automations.csv &&
	drip -C w-tg -q --now 2026-12-01T10:05:00Z contact tag ada cold &&
	drip -C w-tg -q --now 2026-12-01T10:06:00Z contact tag bob cold &&
	drip -C w-tg -q --now 2026-12-01T10:07:00Z contact tag cy colder &&
	tick w-tg 2026-12-01T12:00:00Z &&
	echo "2026-12-01T10:20:00Z,ada,,,cold,note,ok,," >expect &&
	rows w-tg >actual && test_cmp expect actual &&
	echo "ada,cold,,running,2026-12-01T10:20:00Z,2,2026-12-02T10:20:00Z,0" >expect &&
	runs w-tg >actual && test_cmp expect actual &&
	test_grep "^$RUNS_HEADER$" w-tg/state/runs.csv &&
	test_grep "^2026-12-01T10:20:00Z,ada,,,cold,cold Ada$" w-tg/notes.csv &&
	tick w-tg 2026-12-03T10:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,cold,note,ok,,
	2026-12-02T10:20:00Z,ada,,,cold,tag,ok,,lead;cold;warm
	2026-12-02T10:20:00Z,ada,,,cold,done,ok,,
	EOF
	rows w-tg >actual && test_cmp expect actual &&
	echo "ada,cold,,done,2026-12-01T10:20:00Z,3,,0" >expect &&
	runs w-tg >actual && test_cmp expect actual &&
	test_grep "^ada,ada@example.com,Ada,,lead;cold;warm,,US,50,2026-12-10$" w-tg/contacts.csv &&
	test_cmp w-tg/contacts.csv w-tg/state/contacts.csv &&
	git -C w-tg status --porcelain >st && test_line_count 0 st
'

test_expect_success 'tag_added: and: that does not hold starts nothing' '
	test_grep "^bob,bob@example.com,Bob,,cold,,DE,5,$" w-tg/contacts.csv &&
	test_grep "^2026-12-02T10:20:00Z,ada,,,cold,done,ok,,$" w-tg/log/2026-12.csv &&
	! grep ",bob," w-tg/log/2026-12.csv &&
	! grep "^bob," w-tg/state/runs.csv &&
	! grep ",bob," w-tg/notes.csv
'

test_expect_success 'tag_added: another tag starts nothing' '
	test_grep "^cy,cy@example.com,Cy,,colder,,US,20,2026-12-20$" w-tg/contacts.csv &&
	test_grep "^2026-12-02T10:20:00Z,ada,,,cold,done,ok,,$" w-tg/log/2026-12.csv &&
	! grep ",cy," w-tg/log/2026-12.csv &&
	! grep "^cy," w-tg/state/runs.csv
'

test_expect_success 'tag_removed and field_changed from a committed hand edit of contacts.csv' '
	mkws w-he &&
	auto w-he unlead "id: unlead
if: {event: tag_removed, tag: lead}
actions: [{note: \"no longer a lead\"}]" &&
	auto w-he won "id: won
if: {event: field_changed, field: stage, to: Won}
actions: [{tag: {add: [customer]}}]" &&
	auto w-he anystage "id: anystage
if: {event: field_changed, field: stage}
actions: [{note: \"stage is {{stage}}\"}]" &&
	tick w-he 2026-12-01T10:00:00Z &&
	sed -i -e "s/^ada,ada@example.com,Ada,,lead,/ada,ada@example.com,Ada,,,/" \
		-e "s/^bob,bob@example.com,Bob,,,,/bob,bob@example.com,Bob,,,Won,/" \
		-e "s/^cy,cy@example.com,Cy,,,,/cy,cy@example.com,Cy,,,Lost,/" w-he/contacts.csv &&
	git -C w-he commit -qam "by hand" &&
	tick w-he 2026-12-01T11:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,unlead,note,ok,,
	2026-12-01T10:20:00Z,ada,,,unlead,done,ok,,
	2026-12-01T10:20:00Z,bob,,,anystage,note,ok,,
	2026-12-01T10:20:00Z,bob,,,anystage,done,ok,,
	2026-12-01T10:20:00Z,bob,,,won,tag,ok,,customer
	2026-12-01T10:20:00Z,bob,,,won,done,ok,,
	2026-12-01T10:20:00Z,cy,,,anystage,note,ok,,
	2026-12-01T10:20:00Z,cy,,,anystage,done,ok,,
	EOF
	rows w-he >actual && test_cmp expect actual &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,automation,text
	2026-12-01T10:20:00Z,ada,,,unlead,no longer a lead
	2026-12-01T10:20:00Z,bob,,,anystage,stage is Won
	2026-12-01T10:20:00Z,cy,,,anystage,stage is Lost
	EOF
	test_cmp expect w-he/notes.csv &&
	test_grep "^bob,bob@example.com,Bob,,customer,Won,DE,5,$" w-he/contacts.csv &&
	! grep "^cy,won," w-he/state/runs.csv
'

test_expect_success 'field_changed between ticks by drip contact set; to: must match; list and task actions' '
	mkws w-fc &&
	auto w-fc interested "id: interested
if: {event: field_changed, field: stage, to: Interested}
actions:
  - set: {score: \"99\"}
  - note: \"{{first_name}} is interested\"
  - add_to_list: interested
  - task: {kind: call, subject: \"Call {{first_name}}\", assignee: sales@acme.example, due: 2d}" &&
	auto w-fc scored "id: scored
if: {event: field_changed, field: score, to: \"99\"}
actions: [{tag: {add: [hot]}}]" &&
	tick w-fc 2026-12-01T10:00:00Z &&
	drip -C w-fc -q --now 2026-12-01T10:30:00Z contact set ada stage=Interested &&
	drip -C w-fc -q --now 2026-12-01T10:31:00Z contact set bob stage=Bored &&
	tick w-fc 2026-12-01T11:00:00Z &&
	rows w-fc | sed "s/,t-20261201T1020-[0-9a-f]\{8\},/,TASK,/" >actual &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,interested,set,ok,,score=99
	2026-12-01T10:20:00Z,ada,,,interested,note,ok,,
	2026-12-01T10:20:00Z,ada,,,interested,add_to_list,ok,interested,
	2026-12-01T10:20:00Z,ada,,,interested,task,ok,TASK,Call Ada
	2026-12-01T10:20:00Z,ada,,,interested,done,ok,,
	2026-12-01T10:20:00Z,ada,,,scored,tag,ok,,lead;hot
	2026-12-01T10:20:00Z,ada,,,scored,done,ok,,
	EOF
	test_cmp expect actual &&
	cat >expect <<-\EOF &&
	ada,interested,,done,2026-12-01T10:20:00Z,4,,0
	ada,scored,,done,2026-12-01T10:20:00Z,1,,0
	EOF
	runs w-fc >actual && test_cmp expect actual &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,id,email,first_name,status,tags,stage,country,score,renew,unsubscribed,bounced
	2026-12-01T10:20:00Z,ada,,,ada,ada@example.com,Ada,,lead,Interested,US,99,2026-12-10,,
	EOF
	test_cmp expect w-fc/lists/interested.csv &&
	sed 1d w-fc/tasks.csv | sed "s/^t-20261201T1020-[0-9a-f]\{8\},/TASK,/" >actual &&
	echo "TASK,2026-12-01T10:20:00Z,2026-12-03T10:20:00Z,call,ada,,,sales@acme.example,Call Ada,open," >expect &&
	test_cmp expect actual &&
	test_grep "^ada,ada@example.com,Ada,,lead;hot,Interested,US,99,2026-12-10$" w-fc/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob,,,Bored,DE,5,$" w-fc/contacts.csv &&
	! grep ",bob," w-fc/log/2026-12.csv
'

test_expect_success 'contact_created after drip contact add and import; a tag added by its action triggers with and:' '
	mkws w-cc &&
	auto w-cc hello "id: hello
if: {event: contact_created}
actions: [{note: \"hello {{first_name}}\"}, {tag: {add: [new]}}]" &&
	auto w-cc newfr "id: newfr
if: {event: tag_added, tag: new}
and: '"'"'country == \"FR\"'"'"'
actions: [{set: {stage: fresh}}]" &&
	tick w-cc 2026-12-01T10:00:00Z &&
	! test -e w-cc/log/2026-12.csv &&
	drip -C w-cc -q --now 2026-12-01T10:05:00Z contact add dee email=dee@example.com first_name=Dee country=FR &&
	printf "id,email,first_name,country\neve,eve@example.com,Eve,IT\nbob,bob@example.com,Bobby,DE\n" >imp.csv &&
	drip -C w-cc -q --now 2026-12-01T10:06:00Z contact import "$TRASH/imp.csv" &&
	tick w-cc 2026-12-01T11:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,dee,,,hello,note,ok,,
	2026-12-01T10:20:00Z,dee,,,hello,tag,ok,,new
	2026-12-01T10:20:00Z,dee,,,hello,done,ok,,
	2026-12-01T10:20:00Z,dee,,,newfr,set,ok,,stage=fresh
	2026-12-01T10:20:00Z,dee,,,newfr,done,ok,,
	2026-12-01T10:20:00Z,eve,,,hello,note,ok,,
	2026-12-01T10:20:00Z,eve,,,hello,tag,ok,,new
	2026-12-01T10:20:00Z,eve,,,hello,done,ok,,
	EOF
	rows w-cc >actual && test_cmp expect actual &&
	test_grep "^2026-12-01T10:20:00Z,dee,,,hello,hello Dee$" w-cc/notes.csv &&
	test_grep "^2026-12-01T10:20:00Z,eve,,,hello,hello Eve$" w-cc/notes.csv &&
	test_grep "^dee,dee@example.com,Dee,,new,fresh,FR,,$" w-cc/contacts.csv &&
	test_grep "^eve,eve@example.com,Eve,,new,,IT,,$" w-cc/contacts.csv &&
	cat >expect <<-\EOF &&
	dee,hello,,done,2026-12-01T10:20:00Z,2,,0
	dee,newfr,,done,2026-12-01T10:20:00Z,1,,0
	eve,hello,,done,2026-12-01T10:20:00Z,2,,0
	EOF
	runs w-cc >actual && test_cmp expect actual
'

test_expect_success 'a new contact brings its tags: tag_added for each, with contact_created' '
	auto w-cc coldtag "id: coldtag
if: {event: tag_added, tag: cold}
actions: [{note: \"cold {{first_name}}\"}]" &&
	tick w-cc 2026-12-01T12:00:00Z &&
	printf "id,email,first_name,country,tags\nfay,fay@example.com,Fay,FR,cold;vip\n" >imp2.csv &&
	drip -C w-cc -q --now 2026-12-01T12:05:00Z contact import "$TRASH/imp2.csv" &&
	tick w-cc 2026-12-01T12:20:00Z &&
	test_grep "^2026-12-01T12:20:00Z,fay,,,coldtag,note,ok,,$" w-cc/log/2026-12.csv &&
	test_grep "^2026-12-01T12:20:00Z,fay,,,hello,note,ok,,$" w-cc/log/2026-12.csv &&
	test_grep "^2026-12-01T12:20:00Z,fay,,,coldtag,cold Fay$" w-cc/notes.csv &&
	! grep ",coldtag," w-cc/log/2026-12.csv | grep -v ",fay,"
'

test_expect_success 'a change or a date before an automation existed does nothing (since)' '
	mkws w-sn &&
	auto w-sn first "id: first
if: {event: tag_added, tag: never-used}
actions: [{note: x}]" &&
	tick w-sn 2026-12-08T10:00:00Z &&
	auto w-sn hot "id: hot
if: {event: tag_added, tag: hot}
actions: [{note: hot}]" &&
	auto w-sn renew "id: renew
if: {date: renew, offset: -3d, at: \"09:00\"}
actions: [{note: renew}]" &&
	drip -C w-sn -q --now 2026-12-08T10:05:00Z contact tag ada hot &&
	tick w-sn 2026-12-08T11:00:00Z &&
	cat >expect <<-\EOF &&
	id,since
	first,2026-12-08T10:00:00Z
	hot,2026-12-08T10:20:00Z
	renew,2026-12-08T10:20:00Z
	EOF
	test_cmp expect w-sn/state/automations.csv &&
	! test -e w-sn/log/2026-12.csv &&
	! test -e w-sn/state/runs.csv &&
	drip -C w-sn -q --now 2026-12-08T11:05:00Z contact tag bob hot &&
	tick w-sn 2026-12-20T12:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-08T11:20:00Z,bob,,,hot,note,ok,,
	2026-12-08T11:20:00Z,bob,,,hot,done,ok,,
	2026-12-17T09:00:00Z,cy,,,renew,note,ok,,
	2026-12-17T09:00:00Z,cy,,,renew,done,ok,,
	EOF
	rows w-sn >actual && test_cmp expect actual
'

test_expect_success 'a change made while no automation watched contacts.csv is not replayed later' '
	mkws w-sw &&
	auto w-sw a "id: a
if: {event: tag_added, tag: cold}
actions: [{note: \"a {{first_name}}\"}]" &&
	tick w-sw 2026-12-01T10:00:00Z &&
	auto w-sw a "id: a
if: {date: renew, offset: 100d}
actions: [{note: \"a {{first_name}}\"}]" &&
	tick w-sw 2026-12-01T11:00:00Z &&
	drip -C w-sw -q --now 2026-12-01T11:05:00Z contact tag bob cold &&
	tick w-sw 2026-12-01T12:00:00Z &&
	test_cmp w-sw/contacts.csv w-sw/state/contacts.csv &&
	auto w-sw a "id: a
if: {event: tag_added, tag: cold}
actions: [{note: \"a {{first_name}}\"}]" &&
	tick w-sw 2026-12-01T13:00:00Z &&
	drip -C w-sw -q --now 2026-12-01T13:05:00Z contact tag cy cold &&
	tick w-sw 2026-12-01T14:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T13:20:00Z,cy,,,a,note,ok,,
	2026-12-01T13:20:00Z,cy,,,a,done,ok,,
	EOF
	rows w-sw >actual && test_cmp expect actual &&
	test_grep "^a,2026-12-01T10:00:00Z$" w-sw/state/automations.csv
'

# ---- triggers from the engine ----

test_expect_success 'enrolled, step_entered, step_completed, completed (from drip enroll between ticks)' '
	mkws w-en &&
	publish w-en s1 "id: s1
steps:
  - {id: one, type: delay, wait: 0}
  - {id: two, type: delay, wait: 1d}" &&
	publish w-en s2 "id: s2
steps:
  - {id: only, type: delay, wait: 5d}" &&
	auto w-en in-s1 "id: in-s1
if: {event: enrolled, sequence: s1}
actions: [{note: \"in s1\"}]" &&
	auto w-en at-one "id: at-one
if: {event: step_entered, sequence: s1, step: one}
actions: [{note: \"at one\"}]" &&
	auto w-en at-two "id: at-two
if: {event: step_entered, sequence: s1, step: two}
actions: [{tag: {add: [at-two]}}]" &&
	auto w-en did-one "id: did-one
if: {event: step_completed, sequence: s1, step: one}
actions: [{set: {stage: one-done}}]" &&
	auto w-en fin "id: fin
if: {event: completed, sequence: s1}
actions: [{note: \"finished s1\"}]" &&
	tick w-en 2026-12-01T10:00:00Z &&
	drip -C w-en -q --now 2026-12-01T10:30:00Z enroll s1 ada &&
	tick w-en 2026-12-03T10:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:30:00Z,ada,s1,,,enroll,ok,,
	2026-12-01T10:40:00Z,ada,s1,one,in-s1,note,ok,,
	2026-12-01T10:40:00Z,ada,s1,,in-s1,done,ok,,
	2026-12-01T10:40:00Z,ada,s1,one,at-one,note,ok,,
	2026-12-01T10:40:00Z,ada,s1,,at-one,done,ok,,
	2026-12-01T10:40:00Z,ada,s1,one,,delay,ok,,
	2026-12-01T10:40:00Z,ada,s1,two,did-one,set,ok,,stage=one-done
	2026-12-01T10:40:00Z,ada,s1,,did-one,done,ok,,
	2026-12-01T10:40:00Z,ada,s1,two,at-two,tag,ok,,lead;at-two
	2026-12-01T10:40:00Z,ada,s1,,at-two,done,ok,,
	2026-12-02T10:00:00Z,ada,s1,two,,delay,ok,,
	2026-12-02T10:00:00Z,ada,s1,,,done,ok,,
	2026-12-02T10:00:00Z,ada,s1,,fin,note,ok,,
	2026-12-02T10:00:00Z,ada,s1,,fin,done,ok,,
	EOF
	rows w-en >actual && test_cmp expect actual &&
	cat >expect <<-\EOF &&
	ada,at-one,s1,done,2026-12-01T10:40:00Z,1,,0
	ada,at-two,s1,done,2026-12-01T10:40:00Z,1,,0
	ada,did-one,s1,done,2026-12-01T10:40:00Z,1,,0
	ada,fin,s1,done,2026-12-02T10:00:00Z,1,,0
	ada,in-s1,s1,done,2026-12-01T10:40:00Z,1,,0
	EOF
	runs w-en >actual && test_cmp expect actual &&
	test_grep "^ada,ada@example.com,Ada,,lead;at-two,one-done,US,50,2026-12-10$" w-en/contacts.csv
'

test_expect_success 'enrolled for another sequence starts nothing' '
	drip -C w-en -q --now 2026-12-03T10:10:00Z enroll s2 bob &&
	tick w-en 2026-12-03T11:00:00Z &&
	rows w-en | grep ",bob," >actual &&
	echo "2026-12-03T10:10:00Z,bob,s2,,,enroll,ok,," >expect &&
	test_cmp expect actual &&
	cat w-en/state/enrollments/*.csv >enr &&
	test_grep "^bob,s2,1,active,only," enr &&
	! grep "^bob," w-en/state/runs.csv
'

test_expect_success 'an enrollment back-dated before the last tick: no enrolled, but its steps move on' '
	drip -C w-en -q --now 2026-12-03T11:10:00Z enroll s1 cy --at 2026-12-03T09:00:00Z &&
	cat w-en/state/enrollments/*.csv >enr &&
	grep "^cy,s1," enr >e &&
	test_grep ",active,one,2026-12-03T09:00:00Z," e &&
	tick w-en 2026-12-03T12:00:00Z &&
	grep ",cy," w-en/log/2026-12.csv >actual &&
	cat >expect <<-\EOF &&
	2026-12-03T11:10:00Z,cy,s1,,,enroll,ok,,at 2026-12-03T09:00:00Z
	2026-12-03T11:20:00Z,cy,s1,one,,delay,ok,,
	2026-12-03T11:20:00Z,cy,s1,two,did-one,set,ok,,stage=one-done
	2026-12-03T11:20:00Z,cy,s1,,did-one,done,ok,,
	2026-12-03T11:20:00Z,cy,s1,two,at-two,tag,ok,,at-two
	2026-12-03T11:20:00Z,cy,s1,,at-two,done,ok,,
	EOF
	test_cmp expect actual &&
	grep "^cy," w-en/state/runs.csv >actual &&
	cat >expect <<-\EOF &&
	cy,at-two,s1,done,2026-12-03T11:20:00Z,1,,0
	cy,did-one,s1,done,2026-12-03T11:20:00Z,1,,0
	EOF
	test_cmp expect actual &&
	test_grep "^cy,cy@example.com,Cy,,at-two,one-done,US,20,2026-12-20$" w-en/contacts.csv
'

test_expect_success 'enrolled from an enroll action and from enroll_when, step_entered of any sequence' '
	mkws w-ea &&
	publish w-ea s1 "id: s1
steps:
  - {id: one, type: delay, wait: 1d}" &&
	publish w-ea s3 "id: s3
enroll_when: '"'"'stage == \"Interested\"'"'"'
steps:
  - {id: first, type: delay, wait: 1d}" &&
	auto w-ea hot "id: hot
if: {event: tag_added, tag: hot}
actions: [{enroll: s1}]" &&
	auto w-ea in-s1 "id: in-s1
if: {event: enrolled, sequence: s1}
actions: [{note: \"in s1\"}]" &&
	auto w-ea in-s3 "id: in-s3
if: {event: enrolled, sequence: s3}
actions: [{note: \"in s3\"}]" &&
	auto w-ea entered "id: entered
if: {event: step_entered}
actions: [{note: \"entered\"}]" &&
	tick w-ea 2026-12-01T10:00:00Z &&
	drip -C w-ea -q --now 2026-12-01T10:05:00Z contact tag ada hot &&
	drip -C w-ea -q --now 2026-12-01T10:06:00Z contact set bob stage=Interested &&
	tick w-ea 2026-12-01T11:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,hot,enroll,ok,,s1
	2026-12-01T10:20:00Z,ada,,,hot,done,ok,,
	2026-12-01T10:20:00Z,ada,s1,one,in-s1,note,ok,,
	2026-12-01T10:20:00Z,ada,s1,,in-s1,done,ok,,
	2026-12-01T10:20:00Z,ada,s1,one,entered,note,ok,,
	2026-12-01T10:20:00Z,ada,s1,,entered,done,ok,,
	2026-12-01T10:20:00Z,bob,s3,,,enroll,ok,,enroll_when
	2026-12-01T10:20:00Z,bob,s3,first,in-s3,note,ok,,
	2026-12-01T10:20:00Z,bob,s3,,in-s3,done,ok,,
	2026-12-01T10:20:00Z,bob,s3,first,entered,note,ok,,
	2026-12-01T10:20:00Z,bob,s3,,entered,done,ok,,
	EOF
	rows w-ea >actual && test_cmp expect actual &&
	cat w-ea/state/enrollments/*.csv >enr &&
	test_grep "^ada,s1,1,active,one,2026-12-01T10:20:00Z," enr &&
	test_grep "^bob,s3,1,active,first,2026-12-01T10:20:00Z," enr
'

# ---- events ----

test_expect_success 'reply (with its sequence), a custom event, and removed by remove_on' '
	mkws w-ev &&
	publish w-ev s1 "id: s1
remove_on: [reply]
steps:
  - {id: one, type: delay, wait: 5d}" &&
	publish w-ev s2 "id: s2
steps:
  - {id: one, type: delay, wait: 5d}" &&
	auto w-ev replied "id: replied
if: {event: reply, sequence: s1}
actions: [{tag: {add: [replied]}}]" &&
	auto w-ev signed "id: signed
if: {event: signed}
actions: [{set: {stage: signed}}]" &&
	auto w-ev gone "id: gone
if: {event: removed, sequence: s1}
actions: [{note: \"left s1\"}]" &&
	drip -C w-ev -q --now 2026-12-01T09:30:00Z enroll s1 ada &&
	drip -C w-ev -q --now 2026-12-01T09:30:00Z enroll s2 bob &&
	tick w-ev 2026-12-01T10:00:00Z &&
	drip -C w-ev -q --now 2026-12-01T10:05:00Z event ada reply --sequence s1 &&
	drip -C w-ev -q --now 2026-12-01T10:05:00Z event bob signed --at 2026-12-01T10:30:00Z &&
	tick w-ev 2026-12-01T11:00:00Z &&
	rows w-ev | sed "s/,[0-9]\{8\}T[0-9]\{6\}Z-[0-9a-f]*,/,EV,/" >actual &&
	cat >expect <<-\EOF &&
	2026-12-01T09:30:00Z,ada,s1,,,enroll,ok,,
	2026-12-01T09:30:00Z,bob,s2,,,enroll,ok,,
	2026-12-01T10:20:00Z,ada,s1,,,event,ok,EV,reply
	2026-12-01T10:20:00Z,ada,s1,,,removed,ok,EV,on reply
	2026-12-01T10:20:00Z,ada,s1,,replied,tag,ok,,lead;replied
	2026-12-01T10:20:00Z,ada,s1,,replied,done,ok,,
	2026-12-01T10:20:00Z,ada,s1,,gone,note,ok,,
	2026-12-01T10:20:00Z,ada,s1,,gone,done,ok,,
	2026-12-01T10:40:00Z,bob,,,,event,ok,EV,signed
	2026-12-01T10:40:00Z,bob,,,signed,set,ok,,stage=signed
	2026-12-01T10:40:00Z,bob,,,signed,done,ok,,
	EOF
	test_cmp expect actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,s1,,gone,left s1$" w-ev/notes.csv &&
	test_grep "^ada,ada@example.com,Ada,,lead;replied,,US,50,2026-12-10$" w-ev/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob,,,signed,DE,5,$" w-ev/contacts.csv &&
	ls w-ev/inbox >inbox && test_line_count 0 inbox
'

test_expect_success 'an event for another sequence starts nothing' '
	drip -C w-ev -q --now 2026-12-01T11:05:00Z event bob reply --sequence s2 &&
	tick w-ev 2026-12-01T12:00:00Z &&
	rows w-ev | grep "^2026-12-01T11:20:00Z," >actual &&
	test_line_count 1 actual &&
	test_grep "^2026-12-01T11:20:00Z,bob,s2,,,event,ok,[0-9T]*Z-[0-9a-f]*,reply$" actual &&
	! grep "^bob,replied," w-ev/state/runs.csv &&
	test_grep "^bob,bob@example.com,Bob,,,signed,DE,5,$" w-ev/contacts.csv
'

test_expect_success 'drip enroll and enroll --remove between ticks: enrolled, then removed' '
	auto w-ev in-s1 "id: in-s1
if: {event: enrolled, sequence: s1}
actions: [{note: \"in s1\"}]" &&
	tick w-ev 2026-12-01T13:00:00Z &&
	drip -C w-ev -q --now 2026-12-01T13:05:00Z enroll s1 cy &&
	drip -C w-ev -q --now 2026-12-01T13:25:00Z enroll --remove s1 cy &&
	tick w-ev 2026-12-01T14:00:00Z &&
	grep ",cy," w-ev/log/2026-12.csv >actual &&
	cat >expect <<-\EOF &&
	2026-12-01T13:05:00Z,cy,s1,,,enroll,ok,,
	2026-12-01T13:25:00Z,cy,s1,,,removed,ok,,by drip enroll --remove
	2026-12-01T13:20:00Z,cy,s1,,in-s1,note,ok,,
	2026-12-01T13:20:00Z,cy,s1,,in-s1,done,ok,,
	2026-12-01T13:40:00Z,cy,s1,,gone,note,ok,,
	2026-12-01T13:40:00Z,cy,s1,,gone,done,ok,,
	EOF
	test_cmp expect actual &&
	grep "^cy," w-ev/state/runs.csv >actual &&
	cat >expect <<-\EOF &&
	cy,gone,s1,done,2026-12-01T13:40:00Z,1,,0
	cy,in-s1,s1,done,2026-12-01T13:20:00Z,1,,0
	EOF
	test_cmp expect actual
'

test_expect_success 'response answer no: removes from the sequence and triggers; yes does not' '
	mkws w-rs &&
	publish w-rs s1 "id: s1
steps:
  - {id: one, type: delay, wait: 5d}" &&
	auto w-rs said-no "id: said-no
if: {event: response, answer: no}
actions: [{note: \"{{first_name}} said no\"}]" &&
	drip -C w-rs -q --now 2026-12-01T09:30:00Z enroll s1 ada bob &&
	tick w-rs 2026-12-01T10:00:00Z &&
	drip -C w-rs -q --now 2026-12-01T10:05:00Z event ada response --sequence s1 --data answer=no &&
	drip -C w-rs -q --now 2026-12-01T10:05:00Z event bob response --sequence s1 --data answer=yes &&
	tick w-rs 2026-12-01T11:00:00Z &&
	rows w-rs | sed "s/,[0-9]\{8\}T[0-9]\{6\}Z-[0-9a-f]*,/,EV,/" >actual &&
	cat >expect <<-\EOF &&
	2026-12-01T09:30:00Z,ada,s1,,,enroll,ok,,
	2026-12-01T09:30:00Z,bob,s1,,,enroll,ok,,
	2026-12-01T10:20:00Z,ada,s1,,,event,ok,EV,response
	2026-12-01T10:20:00Z,ada,s1,,,removed,ok,EV,answered no
	2026-12-01T10:20:00Z,ada,s1,,said-no,note,ok,,
	2026-12-01T10:20:00Z,ada,s1,,said-no,done,ok,,
	2026-12-01T10:20:00Z,bob,s1,,,event,ok,EV,response
	EOF
	test_cmp expect actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,s1,,said-no,Ada said no$" w-rs/notes.csv &&
	cat w-rs/state/enrollments/*.csv >enr &&
	test_grep "^ada,s1,1,removed,," enr &&
	test_grep "^bob,s1,1,active,one," enr &&
	echo "ada,said-no,s1,done,2026-12-01T10:20:00Z,1,,0" >expect &&
	runs w-rs >actual && test_cmp expect actual
'

# ---- dates ----

test_expect_success 'date triggers: offset and at once; annually every year' '
	mkws w-dt &&
	auto w-dt renew "id: renew
if: {date: renew, offset: -3d, at: \"09:00\"}
actions: [{note: \"renews {{renew}}\"}]" &&
	auto w-dt yearly "id: yearly
if: {date: renew, offset: 0d, annually: true}
reenter: after_finish
actions: [{tag: {add: [renewal]}}]" &&
	tick w-dt 2026-12-01T10:00:00Z &&
	tick w-dt 2026-12-20T09:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-07T09:00:00Z,ada,,,renew,note,ok,,
	2026-12-07T09:00:00Z,ada,,,renew,done,ok,,
	2026-12-10T10:00:00Z,ada,,,yearly,tag,ok,,lead;renewal
	2026-12-10T10:00:00Z,ada,,,yearly,done,ok,,
	2026-12-17T09:00:00Z,cy,,,renew,note,ok,,
	2026-12-17T09:00:00Z,cy,,,renew,done,ok,,
	EOF
	rows w-dt >actual && test_cmp expect actual &&
	test_grep "^2026-12-07T09:00:00Z,ada,,,renew,renews 2026-12-10$" w-dt/notes.csv &&
	tick w-dt 2026-12-20T10:00:00Z &&
	test_grep "^2026-12-20T10:00:00Z,cy,,,yearly,tag,ok,,renewal$" w-dt/log/2026-12.csv &&
	drip -C w-dt --now 2027-12-21T00:00:00Z tick --catch-up &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,automation,action,result,ref,detail
	2027-12-10T10:00:00Z,ada,,,yearly,tag,ok,,lead;renewal
	2027-12-10T10:00:00Z,ada,,,yearly,done,ok,,
	2027-12-20T10:00:00Z,cy,,,yearly,tag,ok,,renewal
	2027-12-20T10:00:00Z,cy,,,yearly,done,ok,,
	EOF
	test_cmp expect w-dt/log/2027-12.csv &&
	cat >expect <<-\EOF &&
	ada,renew,,done,2026-12-07T09:00:00Z,1,,0
	ada,yearly,,done,2027-12-10T10:00:00Z,1,,0
	cy,renew,,done,2026-12-17T09:00:00Z,1,,0
	cy,yearly,,done,2027-12-20T10:00:00Z,1,,0
	EOF
	runs w-dt >actual && test_cmp expect actual
'

# ---- or:, reenter ----

test_expect_success 'or: starts a run when it becomes true, again only after it was false (after_finish)' '
	mkws w-or &&
	auto w-or low "id: low
if: {event: never-happens}
or: '"'"'score < 10'"'"'
reenter: after_finish
actions: [{note: \"low {{score}}\"}]" &&
	tick w-or 2026-12-01T10:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:00:00Z,bob,,,low,note,ok,,
	2026-12-01T10:00:00Z,bob,,,low,done,ok,,
	EOF
	rows w-or >actual && test_cmp expect actual &&
	echo "bob,low,,done,2026-12-01T10:00:00Z,1,,1" >expect &&
	runs w-or >actual && test_cmp expect actual &&
	tick w-or 2026-12-01T12:00:00Z &&
	rows w-or >actual && test_line_count 2 actual &&
	drip -C w-or -q --now 2026-12-01T12:10:00Z contact set bob score=20 &&
	tick w-or 2026-12-01T13:00:00Z &&
	echo "bob,low,,done,2026-12-01T10:00:00Z,1,,0" >expect &&
	runs w-or >actual && test_cmp expect actual &&
	drip -C w-or -q --now 2026-12-01T13:10:00Z contact set bob score=3 &&
	drip -C w-or -q --now 2026-12-01T13:10:00Z contact set ada score=9 &&
	tick w-or 2026-12-01T14:00:00Z &&
	tick w-or 2026-12-01T15:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:00:00Z,bob,,,low,note,ok,,
	2026-12-01T10:00:00Z,bob,,,low,done,ok,,
	2026-12-01T13:20:00Z,ada,,,low,note,ok,,
	2026-12-01T13:20:00Z,ada,,,low,done,ok,,
	2026-12-01T13:20:00Z,bob,,,low,note,ok,,
	2026-12-01T13:20:00Z,bob,,,low,done,ok,,
	EOF
	rows w-or >actual && test_cmp expect actual &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,automation,text
	2026-12-01T10:00:00Z,bob,,,low,low 5
	2026-12-01T13:20:00Z,ada,,,low,low 9
	2026-12-01T13:20:00Z,bob,,,low,low 3
	EOF
	test_cmp expect w-or/notes.csv
'

test_expect_success 'reenter: never runs once; after_finish again once done, never while in progress' '
	mkws w-re &&
	auto w-re once "id: once
if: {event: tag_added, tag: hot}
actions: [{note: once}]" &&
	auto w-re again "id: again
if: {event: tag_added, tag: hot}
reenter: after_finish
actions:
  - note: start
  - wait: 1d
  - note: end" &&
	tick w-re 2026-12-01T10:00:00Z &&
	drip -C w-re -q --now 2026-12-01T10:05:00Z contact tag ada hot &&
	tick w-re 2026-12-01T11:00:00Z &&
	drip -C w-re -q --now 2026-12-01T11:05:00Z contact tag ada --remove hot &&
	tick w-re 2026-12-01T12:00:00Z &&
	drip -C w-re -q --now 2026-12-01T12:05:00Z contact tag ada hot &&
	tick w-re 2026-12-01T13:00:00Z &&
	echo "ada,again,,running,2026-12-01T10:20:00Z,2,2026-12-02T10:20:00Z,0" >expect &&
	echo "ada,once,,done,2026-12-01T10:20:00Z,1,,0" >>expect &&
	runs w-re >actual && test_cmp expect actual &&
	tick w-re 2026-12-02T11:00:00Z &&
	drip -C w-re -q --now 2026-12-02T11:05:00Z contact tag ada --remove hot &&
	tick w-re 2026-12-02T12:00:00Z &&
	drip -C w-re -q --now 2026-12-02T12:05:00Z contact tag ada hot &&
	tick w-re 2026-12-02T13:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,again,note,ok,,
	2026-12-01T10:20:00Z,ada,,,once,note,ok,,
	2026-12-01T10:20:00Z,ada,,,once,done,ok,,
	2026-12-02T10:20:00Z,ada,,,again,note,ok,,
	2026-12-02T10:20:00Z,ada,,,again,done,ok,,
	2026-12-02T12:20:00Z,ada,,,again,note,ok,,
	EOF
	rows w-re >actual && test_cmp expect actual &&
	echo "ada,again,,running,2026-12-02T12:20:00Z,2,2026-12-03T12:20:00Z,0" >expect &&
	echo "ada,once,,done,2026-12-01T10:20:00Z,1,,0" >>expect &&
	runs w-re >actual && test_cmp expect actual
'

# ---- waits, stop_when, review ----

test_expect_success 'waits and date triggers are in the workspace zone, across the end of DST' '
	mkws w-dst Europe/Berlin &&
	auto w-dst day "id: day
if: {event: tag_added, tag: cold}
actions:
  - note: a
  - wait: 1d
  - note: b
  - wait: 1mo
  - note: c" &&
	auto w-dst hours "id: hours
if: {event: tag_added, tag: cold}
actions:
  - wait: 24h
  - note: h" &&
	auto w-dst nine "id: nine
if: {date: renew, offset: -47d, at: \"09:00\"}
actions: [{note: nine}]" &&
	auto w-dst dflt "id: dflt
if: {date: renew, offset: -47d}
actions: [{note: default}]" &&
	tick w-dst 2026-10-24T07:50:00Z &&
	drip -C w-dst -q --now 2026-10-24T07:55:00Z contact tag ada cold &&
	drip -C w-dst --now 2026-11-30T00:00:00Z tick --catch-up &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,automation,text
	2026-10-24T08:00:00Z,ada,,,day,a
	2026-10-24T08:00:00Z,ada,,,dflt,default
	2026-10-25T08:00:00Z,ada,,,hours,h
	2026-10-25T09:00:00Z,ada,,,day,b
	2026-11-03T08:00:00Z,cy,,,nine,nine
	2026-11-03T09:00:00Z,cy,,,dflt,default
	2026-11-25T09:00:00Z,ada,,,day,c
	EOF
	test_cmp expect w-dst/notes.csv &&
	cat >expect <<-\EOF &&
	2026-10-24T08:00:00Z,ada,,,day,note,ok,,
	2026-10-24T08:00:00Z,ada,,,dflt,note,ok,,
	2026-10-24T08:00:00Z,ada,,,dflt,done,ok,,
	2026-10-25T08:00:00Z,ada,,,hours,note,ok,,
	2026-10-25T08:00:00Z,ada,,,hours,done,ok,,
	2026-10-25T09:00:00Z,ada,,,day,note,ok,,
	2026-11-03T08:00:00Z,cy,,,nine,note,ok,,
	2026-11-03T08:00:00Z,cy,,,nine,done,ok,,
	2026-11-03T09:00:00Z,cy,,,dflt,note,ok,,
	2026-11-03T09:00:00Z,cy,,,dflt,done,ok,,
	2026-11-25T09:00:00Z,ada,,,day,note,ok,,
	2026-11-25T09:00:00Z,ada,,,day,done,ok,,
	EOF
	rows w-dst >actual && test_cmp expect actual &&
	! grep "^ada,nine," w-dst/state/runs.csv
'

test_expect_success 'stop_when is looked at before each action (the first too); stop_actions run' '
	mkws w-st &&
	auto w-st chase "id: chase
if: {event: tag_added, tag: cold}
stop_when: '"'"'tags has \"replied\"'"'"'
stop_actions:
  - tag: {remove: [cold]}
  - note: stopped chasing
actions:
  - notify: {template: templates/hi.eml}
  - wait: 2d
  - notify: {template: templates/hi.eml}
  - wait: 2d
  - note: hand over" &&
	tick w-st 2026-12-01T10:00:00Z &&
	drip -C w-st -q --now 2026-12-01T10:05:00Z contact tag ada cold &&
	drip -C w-st -q --now 2026-12-01T10:05:00Z contact tag bob cold &&
	drip -C w-st -q --now 2026-12-01T10:05:00Z contact tag cy replied cold &&
	tick w-st 2026-12-02T10:00:00Z &&
	drip -C w-st -q --now 2026-12-02T10:05:00Z contact tag ada replied &&
	tick w-st 2026-12-08T10:00:00Z &&
	rows w-st | sed "s/,<[0-9a-f]\{32\}@acme.example>,/,MID,/" >actual &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,chase,notify,ok,MID,templates/hi.eml
	2026-12-01T10:20:00Z,bob,,,chase,notify,ok,MID,templates/hi.eml
	2026-12-01T10:20:00Z,cy,,,chase,stopped,ok,,"stop_when: tags has ""replied"""
	2026-12-01T10:20:00Z,cy,,,chase,tag,ok,,replied
	2026-12-01T10:20:00Z,cy,,,chase,note,ok,,
	2026-12-03T10:20:00Z,ada,,,chase,stopped,ok,,"stop_when: tags has ""replied"""
	2026-12-03T10:20:00Z,ada,,,chase,tag,ok,,lead;replied
	2026-12-03T10:20:00Z,ada,,,chase,note,ok,,
	2026-12-03T10:20:00Z,bob,,,chase,notify,ok,MID,templates/hi.eml
	2026-12-05T10:20:00Z,bob,,,chase,note,ok,,
	2026-12-05T10:20:00Z,bob,,,chase,done,ok,,
	EOF
	test_cmp expect actual &&
	cat >expect <<-\EOF &&
	ada,chase,,stopped,2026-12-01T10:20:00Z,2,,0
	bob,chase,,done,2026-12-01T10:20:00Z,5,,0
	cy,chase,,stopped,2026-12-01T10:20:00Z,0,,0
	EOF
	runs w-st >actual && test_cmp expect actual &&
	cat >expect <<-\EOF &&
	time,contact,sequence,step,automation,text
	2026-12-01T10:20:00Z,cy,,,chase,stopped chasing
	2026-12-03T10:20:00Z,ada,,,chase,stopped chasing
	2026-12-05T10:20:00Z,bob,,,chase,hand over
	EOF
	test_cmp expect w-st/notes.csv &&
	test_grep "^ada,ada@example.com,Ada,,lead;replied,,US,50,2026-12-10$" w-st/contacts.csv &&
	test_grep "^cy,cy@example.com,Cy,,replied,,US,20,2026-12-20$" w-st/contacts.csv &&
	ls w-st/outbox/new >msgs && test_line_count 3 msgs &&
	grep -l "^To: ada@example.com" w-st/outbox/new/* >m && test_line_count 1 m &&
	grep -l "^To: bob@example.com" w-st/outbox/new/* >m && test_line_count 2 m
'

test_expect_success 'review: true puts the first action in review and runs nothing' '
	mkws w-rv &&
	auto w-rv vip "id: vip
review: true
if: {event: tag_added, tag: vip}
actions:
  - note: vip
  - tag: {add: [checked]}" &&
	auto w-rv later "id: later
review: true
if: {event: tag_added, tag: vip}
actions:
  - wait: 1d
  - note: later" &&
	tick w-rv 2026-12-01T10:00:00Z &&
	drip -C w-rv -q --now 2026-12-01T10:05:00Z contact tag ada vip &&
	tick w-rv 2026-12-01T11:00:00Z &&
	rows w-rv >actual && test_line_count 1 actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,,,vip,review,ok,[0-9a-f]\{10\},note$" actual &&
	cat >expect <<-\EOF &&
	ada,later,,running,2026-12-01T10:20:00Z,1,2026-12-02T10:20:00Z,0
	ada,vip,,review,2026-12-01T10:20:00Z,0,2026-12-01T10:20:00Z,0
	EOF
	runs w-rv >actual && test_cmp expect actual &&
	tick w-rv 2026-12-05T11:00:00Z &&
	rows w-rv >actual && test_line_count 2 actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,,,vip,review,ok,[0-9a-f]\{10\},note$" actual &&
	test_grep "^2026-12-02T10:20:00Z,ada,,,later,review,ok,[0-9a-f]\{10\},note$" actual &&
	cut -d, -f8 actual | sort -u >ids && test_line_count 2 ids &&
	cat >expect <<-\EOF &&
	ada,later,,review,2026-12-01T10:20:00Z,1,2026-12-02T10:20:00Z,0
	ada,vip,,review,2026-12-01T10:20:00Z,0,2026-12-01T10:20:00Z,0
	EOF
	runs w-rv >actual && test_cmp expect actual &&
	test_grep "^ada,ada@example.com,Ada,,lead;vip,,US,50,2026-12-10$" w-rv/contacts.csv &&
	! test -e w-rv/notes.csv
'

# ---- inactive contacts ----

test_expect_success 'inactive contacts: no triggers, no progress; set active, the run goes on' '
	mkws w-in &&
	auto w-in chase "id: chase
if: {event: tag_added, tag: cold}
actions:
  - note: one
  - wait: 1d
  - note: two" &&
	tick w-in 2026-12-01T10:00:00Z &&
	drip -C w-in -q --now 2026-12-01T10:05:00Z contact tag ada cold &&
	drip -C w-in -q --now 2026-12-01T10:05:00Z contact set bob status=inactive &&
	tick w-in 2026-12-01T11:00:00Z &&
	drip -C w-in -q --now 2026-12-01T11:05:00Z contact set ada status=inactive &&
	drip -C w-in -q --now 2026-12-01T11:05:00Z contact tag bob cold &&
	tick w-in 2026-12-03T10:00:00Z &&
	echo "2026-12-01T10:20:00Z,ada,,,chase,note,ok,," >expect &&
	rows w-in >actual && test_cmp expect actual &&
	echo "ada,chase,,running,2026-12-01T10:20:00Z,2,2026-12-02T10:20:00Z,0" >expect &&
	runs w-in >actual && test_cmp expect actual &&
	drip -C w-in -q --now 2026-12-03T10:05:00Z contact set ada status=active &&
	tick w-in 2026-12-03T11:00:00Z &&
	cat >expect <<-\EOF &&
	2026-12-01T10:20:00Z,ada,,,chase,note,ok,,
	2026-12-03T10:20:00Z,ada,,,chase,note,ok,,
	2026-12-03T10:20:00Z,ada,,,chase,done,ok,,
	EOF
	rows w-in >actual && test_cmp expect actual &&
	! grep "^bob," w-in/state/runs.csv
'

test_expect_success 'an archived contact triggers nothing' '
	drip -C w-in -q --now 2026-12-03T11:05:00Z contact archive cy &&
	tick w-in 2026-12-03T12:00:00Z &&
	drip -C w-in -q --now 2026-12-03T12:05:00Z contact tag cy cold &&
	tick w-in 2026-12-03T13:00:00Z &&
	test_grep "^cy,cy@example.com,Cy,archived,cold," w-in/contacts.csv &&
	rows w-in >actual && test_line_count 3 actual &&
	! grep "^cy," w-in/state/runs.csv
'

# ---- the run action ----

cat >record.sh <<EOF
#!/bin/sh
d="$TRASH/rec/\$DRIP_CONTACT"
mkdir -p "\$d"
for a in "\$@"; do printf '%s\n' "\$a"; done >"\$d/argv"
env >"\$d/env"
printf '%s' "\$DRIP_FIELD_FIRST_NAME" >"\$d/first_name"
printf '%s' "\$DRIP_FIELD_STAGE" >"\$d/stage"
printf '%s' "\$DRIP_FIELD_X_NOTE" >"\$d/x_note"
cat >"\$d/stdin"
EOF
chmod +x record.sh

test_expect_success 'run: fork+exec of the argv as written, contact data only in env and stdin' '
	mkws w-ru &&
	cat >w-ru/contacts.csv <<-\EOF &&
	id,email,first_name,status,tags,stage,x-note
	ada,ada@example.com,$(touch pwned),,lead,;rm -rf x,"a ""q"" b
	line2 é $HOME"
	EOF
	git -C w-ru commit -qam hostile &&
	auto w-ru hook "id: hook
if: {event: tag_added, tag: cold}
actions:
  - run: {command: [$TRASH/record.sh, --flag, two words]}" &&
	tick w-ru 2026-12-01T10:00:00Z &&
	drip -C w-ru -q --now 2026-12-01T10:05:00Z contact tag ada cold &&
	echo keep >x && cp x w-ru/x &&
	(cd w-ru && drip --now 2026-12-01T11:00:00Z tick) &&
	rows w-ru >actual && test_line_count 2 actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,,,hook,run,ok,<[0-9a-f]\{32\}@acme.example>,$TRASH/record.sh$" actual &&
	test_grep "^2026-12-01T10:20:00Z,ada,,,hook,done,ok,,$" actual &&
	ls w-ru/outbox/new >new && test_line_count 0 new &&
	ls w-ru/outbox/sent >sent && test_line_count 1 sent &&
	test_grep "^[0-9]*-run-[0-9a-f]\{32\}$" sent &&
	mid=$(sed -n "s/.*,run,ok,<\([0-9a-f]*\)@.*/\1/p" actual) &&
	test_grep "$mid" sent &&
	printf "%s\n" --flag "two words" >expect &&
	test_cmp expect rec/ada/argv &&
	grep "^DRIP_" rec/ada/env | sort >actual &&
	cat >expect <<-\EOF &&
	DRIP_AUTOMATION=hook
	DRIP_CONTACT=ada
	DRIP_FIELD_BOUNCED=
	DRIP_FIELD_EMAIL=ada@example.com
	DRIP_FIELD_FIRST_NAME=$(touch pwned)
	DRIP_FIELD_ID=ada
	DRIP_FIELD_STAGE=;rm -rf x
	DRIP_FIELD_STATUS=
	DRIP_FIELD_TAGS=lead;cold
	DRIP_FIELD_UNSUBSCRIBED=
	DRIP_FIELD_X_NOTE=a "q" b
	DRIP_SEQUENCE=
	EOF
	test_cmp expect actual &&
	printf "%s" "\$(touch pwned)" >expect && test_cmp expect rec/ada/first_name &&
	printf "%s" ";rm -rf x" >expect && test_cmp expect rec/ada/stage &&
	printf "%s\n%s" "a \"q\" b" "line2 é \$HOME" >expect && test_cmp expect rec/ada/x_note &&
	cat >expect <<-\EOF &&
	{"id":"ada","email":"ada@example.com","first_name":"$(touch pwned)","status":"","tags":"lead;cold","stage":";rm -rf x","x-note":"a \"q\" b\nline2 é $HOME","unsubscribed":"","bounced":""}
	EOF
	test_cmp expect rec/ada/stdin &&
	test "$(cat x)" = keep && test "$(cat w-ru/x)" = keep &&
	find "$TRASH" -name pwned >p && test_line_count 0 p &&
	rm w-ru/x
'

test_expect_success 'run inside a rule step of a sequence' '
	rm -rf rec &&
	publish w-ru r1 "id: r1
steps:
  - id: sort
    type: rule
    wait: 0
    if: '"'"'stage ~ \"*rm*\"'"'"'
    then: [{run: {command: [$TRASH/record.sh, rule]}}]" &&
	drip -C w-ru -q --now 2026-12-01T11:10:00Z enroll r1 ada &&
	tick w-ru 2026-12-01T12:00:00Z &&
	grep "^2026-12-01T11:20:00Z," w-ru/log/2026-12.csv >actual &&
	test_line_count 3 actual &&
	test_grep "^2026-12-01T11:20:00Z,ada,r1,sort,,rule,ok,,then$" actual &&
	test_grep "^2026-12-01T11:20:00Z,ada,r1,sort,,run,ok,<[0-9a-f]\{32\}@acme.example>,$TRASH/record.sh$" actual &&
	test_grep "^2026-12-01T11:20:00Z,ada,r1,,,done,ok,,$" actual &&
	echo rule >expect && test_cmp expect rec/ada/argv &&
	test_grep "^DRIP_SEQUENCE=r1$" rec/ada/env &&
	test_grep "^DRIP_AUTOMATION=$" rec/ada/env &&
	test_grep "^DRIP_FIELD_FIRST_NAME=\$(touch pwned)$" rec/ada/env &&
	test_grep "\"stage\":\";rm -rf x\"" rec/ada/stdin &&
	ls w-ru/outbox/sent >sent && test_line_count 2 sent &&
	find "$TRASH" -name pwned >p && test_line_count 0 p
'

test_expect_success 'run: --no-deliver only queues; a failing command stays queued with a deliver row' '
	rm -rf rec &&
	auto w-ru hook2 "id: hook2
if: {event: tag_added, tag: vip}
actions:
  - run: {command: [$TRASH/record.sh, again]}
  - run: {command: [/bin/false]}" &&
	tick w-ru 2026-12-01T13:00:00Z &&
	drip -C w-ru -q --now 2026-12-01T13:05:00Z contact tag ada vip &&
	drip -C w-ru --now 2026-12-01T14:00:00Z tick --no-deliver &&
	grep ",hook2," w-ru/log/2026-12.csv >actual &&
	test_line_count 3 actual &&
	test_grep "^2026-12-01T13:20:00Z,ada,,,hook2,run,ok,<[0-9a-f]\{32\}@acme.example>,$TRASH/record.sh$" actual &&
	test_grep "^2026-12-01T13:20:00Z,ada,,,hook2,run,ok,<[0-9a-f]\{32\}@acme.example>,/bin/false$" actual &&
	test_grep "^2026-12-01T13:20:00Z,ada,,,hook2,done,ok,,$" actual &&
	false_id=$(sed -n "s/.*,run,ok,<\([0-9a-f]*\)@.*,\/bin\/false$/\1/p" actual) &&
	ls w-ru/outbox/new >new && test_line_count 2 new &&
	! test -e rec &&
	test_expect_code 1 tick w-ru 2026-12-01T14:20:00Z 2>err &&
	echo "drip: 1 command not delivered, will retry: exit status 1 (log/2026-12.csv)" >expect &&
	test_cmp expect err &&
	echo again >expect && test_cmp expect rec/ada/argv &&
	ls w-ru/outbox/new >new && test_line_count 1 new &&
	test_grep "^[0-9]*-run-$false_id$" new &&
	ls w-ru/outbox/sent >sent && test_line_count 3 sent &&
	test_grep "^2026-12-01T14:20:00Z,ada,,,hook2,deliver,failed,<$false_id@acme.example>,exit status 1$" w-ru/log/2026-12.csv &&
	git -C w-ru status --porcelain >st && test_line_count 0 st
'

# ---- the determinism contract ----

test_expect_success 'idempotence: tick --now T twice changes nothing the second time' '
	head=$(git -C w-re rev-parse HEAD) &&
	snapshot w-re >before &&
	tick w-re 2026-12-02T13:00:00Z &&
	tick w-re 2026-12-02T13:15:00Z &&
	test_unchanged w-re before &&
	test "$(git -C w-re rev-parse HEAD)" = "$head" &&
	test_grep "^ada,again,,running,2026-12-02T12:20:00Z,2,2026-12-03T12:20:00Z,0$" w-re/state/runs.csv &&
	git -C w-re status --porcelain >s && test_line_count 0 s &&
	snapshot w-st >before &&
	tick w-st 2026-12-08T10:00:00Z &&
	test_unchanged w-st before
'

test_expect_success 'composition: T1 then T2 leaves what T2 alone leaves' '
	mkws w-co &&
	publish w-co s1 "id: s1
steps:
  - {id: one, type: delay, wait: 1d}
  - {id: two, type: delay, wait: 2d}" &&
	auto w-co cold "id: cold
if: {event: tag_added, tag: cold}
stop_when: '"'"'tags has \"signed\"'"'"'
stop_actions: [{note: stopped}]
actions:
  - note: \"cold {{first_name}}\"
  - wait: 1d
  - tag: {add: [warm]}
  - wait: 2d
  - set: {stage: chased}
  - enroll: s1" &&
	auto w-co warm "id: warm
if: {event: tag_added, tag: warm}
actions:
  - wait: 12h
  - note: warm" &&
	auto w-co step "id: step
if: {event: step_entered, sequence: s1, step: two}
actions:
  - tag: {remove: [cold]}" &&
	auto w-co uncold "id: uncold
if: {event: tag_removed, tag: cold}
reenter: after_finish
actions: [{note: uncold}]" &&
	auto w-co signed "id: signed
if: {event: signed}
actions:
  - wait: 1d
  - tag: {add: [signed]}" &&
	auto w-co renew "id: renew
if: {date: renew, offset: -1d, annually: true}
actions: [{tag: {add: [cold]}}]" &&
	tick w-co 2026-12-01T10:00:00Z &&
	drip -C w-co -q --now 2026-12-01T10:05:00Z contact tag bob cold &&
	drip -C w-co -q --now 2026-12-01T10:06:00Z event cy signed --at 2026-12-04T10:25:00Z &&
	rm -rf A B && cp -R w-co A && cp -R w-co B &&
	for t in 2026-12-02T03:00:00Z 2026-12-04T10:30:00Z 2026-12-05T10:10:00Z 2026-12-09T23:00:00Z 2026-12-12T00:00:00Z 2026-12-25T00:00:00Z; do
		tick A $t || exit 1
	done &&
	tick B 2026-12-25T00:00:00Z &&
	for f in state log contacts.csv notes.csv; do
		diff -r A/$f B/$f || exit 1
	done &&
	diff -r -x .git A B &&
	rows A >actual && test_line_count 37 actual &&
	test_grep "^2026-12-01T10:20:00Z,bob,,,cold,note,ok,,$" actual &&
	test_grep "^2026-12-02T10:20:00Z,bob,,,cold,tag,ok,,cold;warm$" actual &&
	test_grep "^2026-12-02T22:20:00Z,bob,,,warm,note,ok,,$" actual &&
	test_grep "^2026-12-04T10:20:00Z,bob,,,cold,enroll,ok,,s1$" actual &&
	test_grep "^2026-12-05T10:00:00Z,bob,s1,two,step,tag,ok,,warm$" actual &&
	test_grep "^2026-12-05T10:00:00Z,bob,,,uncold,note,ok,,$" actual &&
	test_grep "^2026-12-09T10:00:00Z,ada,,,renew,tag,ok,,lead;cold$" actual &&
	test_grep "^2026-12-13T10:00:00Z,ada,s1,two,step,tag,ok,,lead;warm$" actual &&
	test_grep "^2026-12-04T10:40:00Z,cy,,,,event,ok,[0-9T]*Z-[0-9a-f]*,signed$" actual &&
	test_grep "^2026-12-05T10:40:00Z,cy,,,signed,tag,ok,,signed$" actual &&
	test_grep "^2026-12-19T10:00:00Z,cy,,,renew,tag,ok,,signed;cold$" actual &&
	test_grep "^2026-12-19T10:00:00Z,cy,,,cold,stopped,ok,,\"stop_when: tags has \"\"signed\"\"\"$" actual &&
	test_grep "^2026-12-19T10:00:00Z,cy,,,cold,stopped$" A/notes.csv &&
	test_grep "^cy,cold,,stopped,2026-12-19T10:00:00Z,0,,0$" A/state/runs.csv
'

# ---- bad input ----

test_expect_success 'an automation with a lint error: exit 65, file:line:col, nothing changed' '
	auto w-tg bad "id: bad
if: {event: tag_added, tag: cold}
actions:
  - note: fine
  - notfy: {template: templates/hi.eml}" &&
	drip -C w-tg -q --now 2026-12-03T10:10:00Z contact tag cy cold &&
	snapshot w-tg >before &&
	test_expect_code 65 drip -C w-tg --now 2026-12-03T11:00:00Z tick 2>err &&
	echo "drip: automations/bad.yaml:5:5: unknown action \"notfy\" (did you mean \"notify\"?)" >expect &&
	test_cmp expect err &&
	test_unchanged w-tg before &&
	git -C w-tg rm -q automations/bad.yaml && git -C w-tg commit -qm "no bad"
'

test_expect_success 'a malformed state/runs.csv row: exit 65 naming the file and line, nothing changed' '
	rm -rf bad && cp -R w-tg bad &&
	cat >bad/state/runs.csv <<-\EOF &&
	contact,automation,sequence,status,started,next,due,cond
	ada,cold,,done,2026-12-01T10:20:00Z,3,,0
	cy,cold,,runing,2026-12-01T10:20:00Z,0,2026-12-01T10:20:00Z,0
	EOF
	git -C bad commit -qam "break runs" &&
	snapshot bad >before &&
	test_expect_code 65 drip -C bad --now 2026-12-03T11:00:00Z tick 2>err &&
	echo "drip: state/runs.csv:3: unknown status \"runing\"" >expect &&
	test_cmp expect err &&
	test_unchanged bad before &&
	printf "%s\n" "$RUNS_HEADER" "ada,cold,,done,2026-12-01T10:20:00Z,3" >bad/state/runs.csv &&
	git -C bad commit -qam "break runs again" &&
	snapshot bad >before &&
	test_expect_code 65 drip -C bad --now 2026-12-03T11:00:00Z tick 2>err &&
	echo "drip: state/runs.csv:2: row has 6 fields, the header has 8" >expect &&
	test_cmp expect err &&
	test_unchanged bad before
'

test_expect_success 'after the bad input, the tick runs and cy, tagged meanwhile, starts' '
	tick w-tg 2026-12-03T11:00:00Z &&
	test_grep "^2026-12-03T10:20:00Z,cy,,,cold,note,ok,,$" w-tg/log/2026-12.csv &&
	test_grep "^cy,cold,,running,2026-12-03T10:20:00Z,2,2026-12-04T10:20:00Z,0$" w-tg/state/runs.csv
'

test_done
