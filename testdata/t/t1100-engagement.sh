#!/bin/sh
# Engagement acts on the contact, and status changes take effect at once:
# bounce and unsubscribe events mark the contact (contacts.csv, the log,
# field_changed), after which nothing is sent to it; mark_inactive,
# archive, unsubscribe and removals stop what would have fired later in
# the same slot; every message to a contact, notify included, can be
# unsubscribed from; date steps that never fire are logged as skipped.
# Each read back through the CLI: log rows, contacts.csv, the outbox.
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' \
	-e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
	-e 's|^  # base_url: .*|  base_url: "https://acme.example/r"|' ws/drip.yaml
# No bounced column: tick adds it when it first marks a contact.
cat >ws/contacts.csv <<'EOF'
id,email,first_name,owner,tags,status,unsubscribed,renew
ada,ada@example.com,Ada,olga@acme.example,,,,
bob,bob@example.com,Bob,olga@acme.example,,,,
cy,cy@example.com,Cy,,,,,
dee,dee@example.com,Dee,,,,,
eve,eve@example.com,Eve,,,,,
fay,fay@example.com,Fay,,,,,2026-12-20
gus,gus@example.com,Gus,,,,,not-a-date
hal,hal@example.com,Hal,,,,,
EOF
printf 'Subject: Hi {{first_name}}\n\nHello {{first_name}}. Stop: {{link.unsubscribe}}\n' \
	>ws/templates/hi.eml
printf 'Subject: Still there?\n\nJust checking in.\n' >ws/templates/nudge.eml
printf 'Subject: Still there?\n\nYes: {{link.yes}}\nNo: {{link.no}}\n' >ws/templates/ask.eml
printf 'Subject: About {{first_name}}\n\n{{first_name}} needs a call.\n' >ws/templates/owner.eml
git -C ws add -A && git -C ws commit -qm setup

publish() {
	printf "%s\n" "$2" >"ws/sequences/$1.yaml" &&
	git -C ws add -A && git -C ws commit -qm "$1" &&
	drip -C ws -q --now 2026-11-01T00:00:00Z seq publish "$1"
}
autom() {
	printf "%s\n" "$2" >"ws/automations/$1.yaml" &&
	git -C ws add -A && git -C ws commit -qm "$1"
}
log() { cat ws/log/*.csv; }
# msgs_to ADDR: the outbox files addressed to ADDR.
msgs_to() { grep -l "^To: $1\$" ws/outbox/new/* 2>/dev/null || true; }

test_expect_success 'setup: sequences and an automation watching bounced' '
	mkdir -p ws/automations &&
	publish mail "id: mail
steps:
  - {id: one, type: email, wait: 0, template: templates/hi.eml}
  - {id: two, type: email, wait: 1d, template: templates/hi.eml}
  - {id: text, type: sms, wait: 0, text: \"Hi {{first_name}}\"}
  - id: three
    type: delay
    wait: 1d
    automations:
      - id: nudge
        on: enter
        actions: [{notify: {template: templates/nudge.eml}}]" &&
	autom onbounce "id: onbounce
if: {event: field_changed, field: bounced, to: \"true\"}
actions:
  - tag: {add: [bounced]}
  - notify: {template: templates/nudge.eml}"
'

test_expect_success 'a bounce marks the contact bounced: contacts.csv, log, field_changed' '
	drip -C ws -q --now 2026-11-02T09:00:00Z enroll mail ada &&
	drip -C ws --now 2026-11-02T10:00:00Z tick &&
	test_grep "^2026-11-02T09:00:00Z,ada,mail,one,,email,ok,<" ws/log/2026-11.csv &&
	test "$(msgs_to ada@example.com | wc -l)" = 1 &&
	drip -C ws --now 2026-11-02T11:00:00Z event ada bounce &&
	id=$(ls ws/inbox | sed "s/\.csv$//") &&
	drip -C ws --now 2026-11-02T12:00:00Z tick &&
	test_grep "^2026-11-02T11:00:00Z,ada,,,,event,ok,$id,bounce$" ws/log/2026-11.csv &&
	test_grep "^2026-11-02T11:00:00Z,ada,,,,set,ok,$id,bounced=true$" ws/log/2026-11.csv &&
	head -1 ws/contacts.csv >hdr &&
	echo "id,email,first_name,owner,tags,status,unsubscribed,renew,bounced" >expect &&
	test_cmp expect hdr &&
	test_grep "^ada,ada@example.com,Ada,olga@acme.example,bounced,,,,true$" ws/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob,olga@acme.example,,,,,$" ws/contacts.csv &&
	test_grep "^2026-11-02T11:00:00Z,ada,,,onbounce,tag,ok,,bounced$" ws/log/2026-11.csv &&
	test_grep "^2026-11-02T11:00:00Z,ada,,,onbounce,notify,skipped,,contact.s address bounced$" \
		ws/log/2026-11.csv &&
	git -C ws show --stat HEAD >stat && test_grep "contacts.csv" stat &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'a bounced contact is sent nothing more: email, sms, notify skipped, steps passed' '
	drip -C ws --now 2026-11-05T00:00:00Z tick &&
	test_grep "^2026-11-03T10:00:00Z,ada,mail,two,,email,skipped,,contact.s address bounced$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-03T10:00:00Z,ada,mail,text,,sms,skipped,,contact.s address bounced$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-03T10:00:00Z,ada,mail,three,nudge,notify,skipped,,contact.s address bounced$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-04T10:00:00Z,ada,mail,,,done,ok,,$" ws/log/2026-11.csv &&
	test "$(msgs_to ada@example.com | wc -l)" = 1 &&
	! ls ws/outbox/new | grep -q sms
'

test_expect_success 'a second bounce changes nothing and logs no second set row' '
	drip -C ws --now 2026-11-05T01:00:00Z event ada bounce &&
	drip -C ws --now 2026-11-05T02:00:00Z tick &&
	test "$(log | grep -c ",ada,,,,set,ok,.*,bounced=true$")" = 1 &&
	test "$(log | grep -c ",ada,,,,event,ok,.*,bounce$")" = 2
'

test_expect_success 'an unsubscribe event sets unsubscribed; messages stop from its slot on' '
	drip -C ws -q --now 2026-11-06T09:00:00Z enroll mail bob &&
	drip -C ws --now 2026-11-06T09:00:00Z event bob unsubscribe &&
	id=$(ls ws/inbox | sed "s/\.csv$//") &&
	drip -C ws --now 2026-11-08T00:00:00Z tick &&
	test_grep "^2026-11-06T09:00:00Z,bob,,,,set,ok,$id,unsubscribed=true$" ws/log/2026-11.csv &&
	test_grep "^bob,bob@example.com,Bob,olga@acme.example,,,true,,$" ws/contacts.csv &&
	test_grep "^2026-11-06T09:00:00Z,bob,mail,one,,email,skipped,,contact is unsubscribed$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-07T10:00:00Z,bob,mail,two,,email,skipped,,contact is unsubscribed$" \
		ws/log/2026-11.csv &&
	! log | grep -q ",bob,mail,[a-z]*,,email,ok," &&
	test "$(msgs_to bob@example.com | wc -l)" = 0 &&
	! log | grep -q ",bob,,,onbounce,"
'

test_expect_success 'a skipped message step is not counted as fired' '
	git -C ws log --format=%s >subjects &&
	test_grep "^tick 2026-11-08 00:00Z: 0 steps fired" subjects
'

# ---- status changes take effect at once ----

test_expect_success 'rule else: mark_inactive stops the wait-0 email after it, and everything else' '
	publish zz "id: zz
steps:
  - {id: z1, type: email, wait: 0, template: templates/hi.eml}" &&
	publish ri "id: ri
steps:
  - {id: sort, type: rule, wait: 0, if: '"'"'tags has \"vip\"'"'"', then: [{tag: {add: [ok]}}], else: [mark_inactive, {set: {owner: nobody}}, {notify: {template: templates/nudge.eml}}, {enroll: zz}]}
  - id: mail
    type: email
    wait: 0
    template: templates/hi.eml
    automations:
      - {id: hello, on: enter, actions: [{tag: {add: [entered]}}]}" &&
	drip -C ws -q --now 2026-11-10T09:00:00Z enroll ri cy &&
	drip -C ws -q --now 2026-11-10T09:00:00Z enroll zz cy &&
	drip -C ws --now 2026-11-10T10:00:00Z tick &&
	test_grep "^2026-11-10T09:00:00Z,cy,ri,sort,,rule,ok,,else$" ws/log/2026-11.csv &&
	test_grep "^2026-11-10T09:00:00Z,cy,ri,sort,,mark_inactive,ok,,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-10T09:00:00Z,cy,ri,sort,,set,ok,,owner=nobody$" ws/log/2026-11.csv &&
	test_grep "^2026-11-10T09:00:00Z,cy,ri,sort,,notify,skipped,,contact is inactive$" ws/log/2026-11.csv &&
	test_grep "^2026-11-10T09:00:00Z,cy,ri,sort,,enroll,skipped,,contact is inactive$" ws/log/2026-11.csv &&
	! grep -q ",cy,ri,mail," ws/log/2026-11.csv &&
	! grep -q ",cy,zz,z1," ws/log/2026-11.csv &&
	test "$(msgs_to cy@example.com | wc -l)" = 0 &&
	test_grep "^cy,cy@example.com,Cy,nobody,,inactive,,,$" ws/contacts.csv
'

test_expect_success 'set active again, the waiting steps fire at the next tick' '
	drip -C ws -q --now 2026-11-11T08:00:00Z contact set cy status=active &&
	drip -C ws --now 2026-11-11T09:00:00Z tick &&
	test_grep "^[^,]*,cy,ri,mail,,email,ok,<" ws/log/2026-11.csv &&
	test_grep "^[^,]*,cy,zz,z1,,email,ok,<" ws/log/2026-11.csv &&
	test "$(msgs_to cy@example.com | wc -l)" = 2
'

test_expect_success 'archive in a rule step: enrollments stopped, no later step in the slot' '
	publish ra "id: ra
steps:
  - {id: sort, type: rule, wait: 0, if: '"'"'tags has \"vip\"'"'"', then: [{tag: {add: [ok]}}], else: [archive]}
  - {id: mail, type: email, wait: 0, template: templates/hi.eml}" &&
	drip -C ws -q --now 2026-11-12T09:00:00Z enroll ra dee &&
	drip -C ws -q --now 2026-11-12T09:00:00Z enroll zz dee &&
	drip -C ws --now 2026-11-12T10:00:00Z tick &&
	test_grep "^2026-11-12T09:00:00Z,dee,ra,sort,,archive,ok,,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-12T09:00:00Z,dee,ra,,,stopped,ok,,contact archived$" ws/log/2026-11.csv &&
	test_grep "^2026-11-12T09:00:00Z,dee,zz,,,stopped,ok,,contact archived$" ws/log/2026-11.csv &&
	! grep -q ",dee,ra,mail," ws/log/2026-11.csv &&
	! grep -q ",dee,zz,z1," ws/log/2026-11.csv &&
	test "$(msgs_to dee@example.com | wc -l)" = 0
'

test_expect_success 'unsubscribe in a rule step: later messages skipped, other steps go on' '
	publish ru "id: ru
steps:
  - {id: sort, type: rule, wait: 0, if: '"'"'tags has \"vip\"'"'"', then: [{tag: {add: [ok]}}], else: [unsubscribe]}
  - {id: mail, type: email, wait: 0, template: templates/hi.eml}
  - {id: call, type: task, wait: 0, subject: \"Call {{first_name}}\"}" &&
	drip -C ws -q --now 2026-11-13T09:00:00Z enroll ru eve &&
	drip -C ws --now 2026-11-13T10:00:00Z tick &&
	test_grep "^2026-11-13T09:00:00Z,eve,ru,sort,,unsubscribe,ok,,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-13T09:00:00Z,eve,ru,mail,,email,skipped,,contact is unsubscribed$" ws/log/2026-11.csv &&
	test_grep "^2026-11-13T09:00:00Z,eve,ru,call,,task,ok,t-" ws/log/2026-11.csv &&
	test "$(msgs_to eve@example.com | wc -l)" = 0
'

test_expect_success 'remove_from_sequence and unenroll: nothing more for that enrollment in the slot' '
	publish rr "id: rr
steps:
  - {id: sort, type: rule, wait: 0, if: '"'"'tags has \"vip\"'"'"', then: [{tag: {add: [ok]}}], else: [remove_from_sequence, {unenroll: zz}]}
  - {id: mail, type: email, wait: 0, template: templates/hi.eml}" &&
	drip -C ws -q --now 2026-11-14T09:00:00Z enroll rr hal &&
	drip -C ws -q --now 2026-11-14T09:00:00Z enroll zz hal &&
	drip -C ws --now 2026-11-14T10:00:00Z tick &&
	test_grep "^2026-11-14T09:00:00Z,hal,rr,sort,,remove_from_sequence,ok,,rr$" ws/log/2026-11.csv &&
	test_grep "^2026-11-14T09:00:00Z,hal,rr,,,removed,ok,,by sort$" ws/log/2026-11.csv &&
	test_grep "^2026-11-14T09:00:00Z,hal,zz,,,removed,ok,,by sort$" ws/log/2026-11.csv &&
	! grep -q ",hal,rr,mail," ws/log/2026-11.csv &&
	! grep -q ",hal,zz,z1," ws/log/2026-11.csv &&
	test "$(msgs_to hal@example.com | wc -l)" = 0
'

test_expect_success 'remove_on: an event removes before the step due in its slot fires' '
	publish ro "id: ro
remove_on: [reply]
steps:
  - {id: wait, type: delay, wait: 1d}
  - {id: mail, type: email, wait: 0, template: templates/hi.eml}" &&
	drip -C ws -q --now 2026-11-15T09:00:00Z enroll ro hal &&
	drip -C ws --now 2026-11-16T10:00:00Z event hal reply &&
	drip -C ws --now 2026-11-17T00:00:00Z tick &&
	test_grep "^2026-11-16T10:00:00Z,hal,ro,,,removed,ok,.*,on reply$" ws/log/2026-11.csv &&
	! grep -q ",hal,ro,wait," ws/log/2026-11.csv &&
	! grep -q ",hal,ro,mail," ws/log/2026-11.csv
'

# ---- every message to a contact can be unsubscribed from ----

test_expect_success 'notify to the contact carries List-Unsubscribe; to a colleague and summaries do not' '
	publish nt "id: nt
coordinator: coach@acme.example
steps:
  - id: wait
    type: delay
    wait: 5d
    automations:
      - id: ping
        on: enter
        actions:
          - notify: {template: templates/nudge.eml, coordinator: true}
          - notify: {template: templates/owner.eml, to: owner}
          - notify: {template: templates/ask.eml, still_interested: true}
          - notify: {template: templates/nudge.eml, still_interested: true}" &&
	sed -i "s/^fay,fay@example.com,Fay,,/fay,fay@example.com,Fay,olga@acme.example,/" ws/contacts.csv &&
	git -C ws commit -qam "fay owner" &&
	drip -C ws -q --now 2026-11-18T09:00:00Z enroll nt fay &&
	drip -C ws --now 2026-11-18T10:00:00Z tick &&
	msgs_to fay@example.com >mine && test_line_count 3 mine &&
	for f in $(cat mine); do
		test_grep "^List-Unsubscribe: <https://acme.example/r?t=[A-Za-z0-9_-]\{40,\}>$" $f &&
		test_grep "^List-Unsubscribe-Post: List-Unsubscribe=One-Click$" $f || exit 1
	done &&
	msgs_to olga@acme.example >theirs && test_line_count 1 theirs &&
	! grep -q "^List-Unsubscribe" $(cat theirs) &&
	msgs_to coach@acme.example >sum && test_line_count 1 sum &&
	! grep -q "^List-Unsubscribe" $(cat sum)
'

test_expect_success 'still_interested: a template with its own yes/no links gets none added' '
	f=$(grep -l "^Yes: " $(cat mine)) &&
	sed "1,/^\$/d" "$f" >body &&
	test "$(grep -c "https://acme.example/r?t=" body)" = 2 &&
	! grep -q "still interested" "$f" &&
	g=$(grep -l "^Yes, I.m still interested: https://acme.example/r?t=" $(cat mine)) &&
	test_grep "^Not interested: https://acme.example/r?t=" "$g"
'

test_expect_success 'a sequence automation acting for no sequence: its notify has List-Unsubscribe' '
	autom tagged "id: tagged
if: {event: tag_added, tag: hello}
actions:
  - notify: {template: templates/hi.eml}" &&
	drip -C ws --now 2026-11-19T08:00:00Z tick &&
	drip -C ws -q --now 2026-11-19T09:00:00Z contact tag gus hello &&
	drip -C ws --now 2026-11-19T10:00:00Z tick &&
	f=$(msgs_to gus@example.com) && test -n "$f" &&
	u=$(sed -n "s/^List-Unsubscribe: <\(.*\)>$/\1/p" "$f") &&
	case "$u" in https://acme.example/r?t=*) ;; *) false ;; esac &&
	test_grep "^List-Unsubscribe-Post: List-Unsubscribe=One-Click$" "$f" &&
	grep -F "Stop: $u" "$f"
'

# ---- date sequences ----

test_expect_success 'date steps that will never fire get a skipped row with the reason at enrollment' '
	publish dt "id: dt
kind: date
steps:
  - {id: old, type: email, template: templates/hi.eml, on: 2026-01-05, at: \"09:00\"}
  - {id: renewal, type: email, template: templates/hi.eml, on: {field: renew, offset: -3d}}
  - {id: future, type: email, template: templates/hi.eml, on: 2026-12-24}" &&
	drip -C ws -q --now 2026-11-20T09:05:00Z enroll dt fay gus hal &&
	drip -C ws --now 2026-11-20T10:00:00Z tick &&
	test_grep "^2026-11-20T09:20:00Z,fay,dt,old,,email,skipped,,its date (2026-01-05 09:00) had passed at enrollment$" ws/log/2026-11.csv &&
	test_grep "^2026-11-20T09:20:00Z,gus,dt,renewal,,email,skipped,,\"renew: invalid date \"\"not-a-date\"\": " ws/log/2026-11.csv &&
	test_grep "^2026-11-20T09:20:00Z,hal,dt,renewal,,email,skipped,,renew is empty$" ws/log/2026-11.csv &&
	! grep -q ",fay,dt,renewal,,email,skipped" ws/log/2026-11.csv &&
	! grep -q ",dt,future,,email,skipped" ws/log/2026-11.csv &&
	test "$(grep -c ",dt,old,,email,skipped," ws/log/2026-11.csv)" = 3
'

test_expect_success 'the skipped rows are written once; the future steps fire later' '
	drip -C ws --now 2026-12-15T00:00:00Z tick &&
	drip -C ws --now 2026-12-25T00:00:00Z tick &&
	test "$(log | grep -c ",dt,old,,email,skipped,")" = 3 &&
	test_grep "^2026-12-17T10:00:00Z,fay,dt,renewal,,email,ok,<" ws/log/2026-12.csv &&
	test_grep "^2026-12-24T10:00:00Z,hal,dt,future,,email,ok,<" ws/log/2026-12.csv
'

test_expect_success 'a date enrollment with nothing left: skipped rows, then done' '
	publish dp "id: dp
kind: date
steps:
  - {id: gone, type: email, template: templates/hi.eml, on: 2026-01-05}" &&
	drip -C ws -q --now 2026-12-26T09:05:00Z enroll dp fay &&
	drip -C ws --now 2026-12-26T10:00:00Z tick &&
	test_grep "^2026-12-26T09:20:00Z,fay,dp,gone,,email,skipped,,its date (2026-01-05 10:00) had passed at enrollment$" ws/log/2026-12.csv &&
	test_grep "^2026-12-26T09:20:00Z,fay,dp,,,done,ok,,$" ws/log/2026-12.csv
'

# ---- determinism ----

test_expect_success 'composition: T1 then T2 leaves what T2 alone leaves (events, marks, skips)' '
	drip -C ws -q --now 2026-12-27T09:00:00Z enroll mail cy gus &&
	drip -C ws -q --now 2026-12-27T09:00:00Z enroll dp cy &&
	drip -C ws -q --now 2026-12-27T09:00:00Z enroll ri gus &&
	drip -C ws --now 2026-12-27T09:30:00Z event cy bounce &&
	drip -C ws --now 2026-12-27T09:00:00Z event gus unsubscribe &&
	rm -rf twin && cp -R ws twin &&
	drip -C ws --now 2026-12-27T09:40:00Z tick &&
	drip -C ws --now 2026-12-29T00:00:00Z tick &&
	drip -C twin --now 2026-12-29T00:00:00Z tick &&
	for f in contacts.csv log/2026-12.csv tasks.csv state; do
		diff -r "ws/$f" "twin/$f" || exit 1
	done &&
	(cd ws/outbox/new && ls) >a && (cd twin/outbox/new && ls) >b && test_cmp a b &&
	diff -r ws/outbox/new twin/outbox/new &&
	test_grep "^2026-12-27T09:40:00Z,cy,,,,set,ok,.*,bounced=true$" ws/log/2026-12.csv &&
	test_grep "^2026-12-27T09:00:00Z,gus,,,,set,ok,.*,unsubscribed=true$" ws/log/2026-12.csv &&
	test_grep "^2026-12-27T09:00:00Z,cy,dp,gone,,email,skipped,," ws/log/2026-12.csv &&
	test_grep "^2026-12-27T09:00:00Z,gus,ri,sort,,mark_inactive,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'idempotence: the same tick again changes nothing' '
	snapshot ws >before &&
	drip -C ws --now 2026-12-29T00:00:00Z tick &&
	snapshot ws >after &&
	test_cmp before after
'

test_expect_success 'an address edited by hand into one drip cannot deliver is skipped, not lost' '
	printf "%s\n" "id,email" "ivy,ivy@example.com" "jan,jan@example.com" \
		"kai,kai@example.com" >people.csv &&
	drip -C ws -q --now 2026-12-29T00:00:00Z contact import "$TRASH/people.csv" &&
	sed -i -e "s/^jan,jan@example.com/jan,jan at example.com/" \
	       -e "s/^kai,kai@example.com/kai,müller@bücher.example/" ws/contacts.csv &&
	git -C ws commit -qam "addresses edited by hand" &&
	drip -C ws -q --now 2026-12-29T00:00:00Z enroll mail ivy jan kai &&
	drip -C ws --now 2026-12-29T00:20:00Z tick &&
	test_grep "^2026-12-29T00:20:00Z,jan,mail,one,,email,skipped,,contact.s email address is malformed$" ws/log/2026-12.csv &&
	test_grep "^2026-12-29T00:20:00Z,kai,mail,one,,email,skipped,,contact.s email address is not ASCII" ws/log/2026-12.csv &&
	test_grep "^2026-12-29T00:20:00Z,ivy,mail,one,,email,ok," ws/log/2026-12.csv &&
	! grep -l "^To: .*jan\|^To: .*xn--\|^To: .*bücher" ws/outbox/new/*
'

test_done
