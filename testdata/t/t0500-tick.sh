#!/bin/sh
# drip enroll and drip tick: steps, messages, skips, delivery, bad input.
. "$(dirname "$0")/lib.sh"

# A Berlin workspace with a sender, four contacts and templates.
setup_ws() {
	new_ws ws &&
	sed -i -e 's/^timezone: UTC$/timezone: Europe\/Berlin/' \
	       -e 's/^max_lag: 24h/max_lag: 30d/' \
	       -e 's/^# from: .*/from: "Acme <hello@acme.example>"/' ws/drip.yaml &&
	cat >ws/contacts.csv <<-\EOT &&
	id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags,plan
	ada,ada@example.com,Ada,Lovelace,+441234,,,,alice@acme.example,vip,pro
	bob,bob@example.com,Bob,,,,,true,,,free
	cy,,Cy,,,,,,,,free
	dee,dee@example.com,Dee,,,,,,,customer,pro
	EOT
	printf 'Subject: Hello {{first_name}}\n\nHi {{first_name | "there"}}, step {{step.name}} of {{sequence.name}}.\n' >ws/templates/a.eml &&
	printf 'Subject: Variant B for {{first_name}}\n\nB.\n' >ws/templates/b.eml &&
	git -C ws add -A && git -C ws commit -qm setup
}

publish() {
	# publish NAME YAML
	printf "%s\n" "$2" >"ws/sequences/$1.yaml" &&
	git -C ws add -A && git -C ws commit -qm "$1" &&
	drip -C ws -q --now 2026-11-23T07:00:00Z seq publish "$1"
}

log_rows() {
	# the log without its header
	cat ws/log/*.csv | grep -v '^time,' || true
}

setup_ws

test_expect_success 'enroll writes the state row and an enroll log row, one commit' '
	publish s1 "id: s1
name: First
steps:
  - {id: hello, type: email, wait: 0, template: templates/a.eml}
  - {id: later, type: email, wait: 1d, template: templates/a.eml}" &&
	drip -C ws --now 2026-11-23T08:05:00Z enroll s1 ada dee >out &&
	test_grep "enrolled 2 contacts in .s1." out &&
	cat ws/state/enrollments/*.csv | grep -v ^contact | sort >rows &&
	test_grep "^ada,s1,1,active,hello,2026-11-23T08:05:00Z,2026-11-23T08:05:00Z,2026-11-23T08:05:00Z,,,,,$" rows &&
	test_grep "^2026-11-23T08:05:00Z,ada,s1,,,enroll,ok,," ws/log/2026-11.csv &&
	git -C ws log -1 --format=%s >s && echo "enroll s1: 2 contacts" >expect && test_cmp expect s
'

test_expect_success 'the first tick fires wait-0 steps in the first slot at or after enrollment' '
	drip -C ws --now 2026-11-23T08:10:00Z tick &&
	test ! -e ws/log/2026-11.csv.x &&
	! grep ",email," ws/log/2026-11.csv &&
	drip -C ws --now 2026-11-23T08:25:00Z tick &&
	log_rows | grep ",email," >em &&
	test_line_count 2 em &&
	test_grep "^2026-11-23T08:20:00Z,ada,s1,hello,,email,ok,<[0-9a-f]\{32\}@acme.example>,templates/a.eml$" em &&
	ls ws/outbox/new >names && test_line_count 2 names
'

test_expect_success 'the message is rendered: headers, fields, fallbacks, Message-ID as logged' '
	f=$(grep -l "^To: ada@example.com" ws/outbox/new/*) &&
	test_grep "^Subject: Hello Ada$" "$f" &&
	test_grep "^From: Acme <hello@acme.example>$" "$f" &&
	test_grep "^Hi Ada, step hello of First.$" "$f" &&
	id=$(sed -n "s/^Message-ID: //p" "$f") &&
	grep -F ",ada,s1,hello,,email,ok,$id," ws/log/2026-11.csv &&
	case "$f" in *-email-*) ;; *) false ;; esac
'

test_expect_success 'tick is silent under cron and idempotent' '
	snapshot ws >before &&
	drip -C ws --now 2026-11-23T08:25:00Z tick >out 2>err &&
	test_line_count 0 out && test_line_count 0 err &&
	test_unchanged ws before
'

test_expect_success 'the next step fires one calendar day later at default_time' '
	drip -C ws --now 2026-11-24T09:30:00Z tick &&
	test_grep "^2026-11-24T09:00:00Z,ada,s1,later,,email,ok," ws/log/2026-11.csv &&
	test_grep "^2026-11-24T09:00:00Z,ada,s1,,,done,ok,," ws/log/2026-11.csv &&
	grep -h "^ada,s1" ws/state/enrollments/*.csv >row &&
	test_grep "^ada,s1,1,done,," row
'

test_expect_success 'unsubscribed and address-less contacts are skipped with the reason' '
	drip -C ws -q --now 2026-11-24T10:00:00Z enroll s1 bob cy &&
	drip -C ws --now 2026-11-24T10:00:00Z tick &&
	test_grep "^2026-11-24T10:00:00Z,bob,s1,hello,,email,skipped,,contact is unsubscribed$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T10:00:00Z,cy,s1,hello,,email,skipped,,contact has no email address$" ws/log/2026-11.csv &&
	! ls ws/outbox/new | xargs -I{} grep -l "bob@example.com" ws/outbox/new/{}
'

test_expect_success 'reenroll never: enrolling again is refused with a note; exit 0, no change' '
	snapshot ws >before &&
	drip -C ws --now 2026-11-24T11:00:00Z enroll s1 ada 2>err &&
	test_grep "reenroll: never" err &&
	test_unchanged ws before
'

test_expect_success 'enroll errors name the contact or sequence and change nothing' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws enroll s1 nobody 2>err &&
	test_grep "unknown contact .nobody." err &&
	test_expect_code 66 drip -C ws enroll nosuch ada 2>err &&
	test_grep "unknown sequence .nosuch." err &&
	drip -C ws -q seq new draft1 &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws enroll draft1 ada 2>err &&
	test_grep "sequence .draft1. is not published" err &&
	test_expect_code 2 drip -C ws enroll s1 ada --at tomorrow 2>err &&
	test_grep "invalid --at" err &&
	test_expect_code 2 drip -C ws enroll s1 --where "plan ==" 2>err &&
	test_grep "where: 1:" err &&
	test_expect_code 2 drip -C ws enroll s1 2>err &&
	test_expect_code 2 drip -C ws enroll s1 ada --remove --pause 2>err &&
	test_unchanged ws before
'

test_expect_success 'when: false passes the step as skipped; variants are stable per contact' '
	publish s2 "id: s2
steps:
  - id: vip-only
    type: email
    wait: 0
    when: '"'"'tags has \"vip\"'"'"'
    template: templates/a.eml
  - id: split
    type: email
    wait: 0
    variants:
      - {weight: 1, template: templates/a.eml}
      - {weight: 1, template: templates/b.eml}" &&
	drip -C ws -q --now 2026-11-24T12:00:00Z enroll s2 ada dee &&
	drip -C ws --now 2026-11-24T12:00:00Z tick &&
	test_grep "^2026-11-24T12:00:00Z,ada,s2,vip-only,,email,ok," ws/log/2026-11.csv &&
	grep -F "2026-11-24T12:00:00Z,dee,s2,vip-only,,email,skipped,,\"when: tags has \"\"vip\"\" does not hold\"" ws/log/2026-11.csv &&
	grep ",s2,split,,email,ok," ws/log/2026-11.csv | sed "s/.*,//" >variants &&
	test_line_count 2 variants
'

test_expect_success 'branch, goto, delay, exit and lists: the flow as written' '
	publish s3 "id: s3
steps:
  - {id: pick, type: branch, wait: 0, if: plan == \"pro\", then: pro, else: free}
  - {id: free, type: delay, wait: 0}
  - {id: out, type: exit, wait: 0}
  - {id: pro, type: fulfillment, wait: 0, list: gifts, fields: [first_name, plan]}
  - {id: back, type: goto, wait: 1h, to: out}" &&
	drip -C ws -q --now 2026-11-24T13:00:00Z enroll s3 ada cy &&
	drip -C ws --now 2026-11-24T14:10:00Z tick &&
	test_grep "^2026-11-24T13:00:00Z,ada,s3,pick,,branch,ok,,then: pro$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T13:00:00Z,ada,s3,pro,,fulfillment,ok,gifts,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T14:00:00Z,ada,s3,back,,goto,ok,,out$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T14:00:00Z,ada,s3,,,exited,ok,,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T13:00:00Z,cy,s3,pick,,branch,ok,,else: free$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T13:00:00Z,cy,s3,free,,delay,ok,,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T13:00:00Z,cy,s3,,,exited,ok,,$" ws/log/2026-11.csv &&
	printf "time,contact,sequence,step,first_name,plan\n2026-11-24T13:00:00Z,ada,s3,pro,Ada,pro\n" >expect &&
	test_cmp expect ws/lists/gifts.csv
'

test_expect_success 'a call step makes a task, notifies its assignee, and blocks until done' '
	publish s4 "id: s4
steps:
  - {id: call, type: call, wait: 0, assignee: \"{{owner}}\", subject: \"Call {{first_name}}\", block: true}
  - {id: after, type: email, wait: 0, template: templates/a.eml}" &&
	drip -C ws -q --now 2026-11-24T15:00:00Z enroll s4 ada &&
	drip -C ws --now 2026-11-24T15:00:00Z tick &&
	test_grep "^t-20261124T1500-[0-9a-f]\{8\},2026-11-24T15:00:00Z,2026-11-24T15:00:00Z,call,ada,s4,call,alice@acme.example,Call Ada,open,$" ws/tasks.csv &&
	test_grep ",ada,s4,call,,notify,ok,<" ws/log/2026-11.csv &&
	grep -l "^To: alice@acme.example" ws/outbox/new/* >n && test_line_count 1 n &&
	grep -h "^ada,s4" ws/state/enrollments/*.csv >row && test_grep ",waiting,call," row &&
	drip -C ws --now 2026-11-24T16:00:00Z tick &&
	! grep ",ada,s4,after," ws/log/2026-11.csv
'

test_expect_success 'done on the task lets the contact continue at the next tick' '
	id=$(grep ",ada,s4," ws/tasks.csv | cut -d, -f1) &&
	sed -i "s/^\($id,.*\),open,$/\1,done,2026-11-24T16:05:00Z/" ws/tasks.csv &&
	git -C ws commit -qam "task done by hand" &&
	drip -C ws --now 2026-11-24T16:20:00Z tick &&
	test_grep "^2026-11-24T16:20:00Z,ada,s4,call,,complete,ok,$id,$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T16:20:00Z,ada,s4,after,,email,ok," ws/log/2026-11.csv
'

test_expect_success 'pause freezes the clock; resume shifts it by the pause' '
	publish s5 "id: s5
steps:
  - {id: one, type: delay, wait: 0}
  - {id: two, type: delay, wait: 2h}" &&
	drip -C ws -q --now 2026-11-24T17:00:00Z enroll s5 dee &&
	drip -C ws --now 2026-11-24T17:00:00Z tick &&
	drip -C ws -q --now 2026-11-24T18:00:00Z enroll s5 dee --pause &&
	drip -C ws --now 2026-11-24T20:00:00Z tick &&
	! grep ",dee,s5,two," ws/log/2026-11.csv &&
	drip -C ws -q --now 2026-11-24T21:00:00Z enroll s5 dee --resume &&
	grep -h "^dee,s5" ws/state/enrollments/*.csv >row &&
	test_grep "^dee,s5,1,active,two,2026-11-24T20:00:00Z,2026-11-24T20:00:00Z," row &&
	drip -C ws --now 2026-11-24T22:00:00Z tick &&
	test_grep "^2026-11-24T22:00:00Z,dee,s5,two,,delay,ok,,$" ws/log/2026-11.csv
'

test_expect_success 'enroll --remove ends an enrollment; nothing fires after' '
	publish s11 "id: s11
steps:
  - {id: one, type: delay, wait: 1h}" &&
	drip -C ws -q --now 2026-11-24T22:30:00Z enroll s11 dee &&
	drip -C ws -q --now 2026-11-24T22:31:00Z enroll s11 dee --remove &&
	test_grep "^2026-11-24T22:31:00Z,dee,s11,,,removed,ok,,by drip enroll --remove$" ws/log/2026-11.csv &&
	drip -C ws --now 2026-11-25T01:00:00Z tick &&
	! grep ",dee,s11,one," ws/log/2026-11.csv &&
	test_expect_code 0 drip -C ws enroll s11 dee --remove 2>err &&
	test_grep "not enrolled" err
'

test_expect_success 'enroll --where and --file pick contacts' '
	publish s6 "id: s6
steps:
  - {id: one, type: delay, wait: 1d}" &&
	drip -C ws --now 2026-11-25T08:00:00Z enroll s6 --where "plan == \"free\"" >out &&
	test_grep "enrolled 2 contacts" out &&
	printf "id\nada\n" >ids.csv &&
	drip -C ws --now 2026-11-25T08:00:00Z enroll s6 --file "$PWD/ids.csv" >out &&
	test_grep "enrolled 1 contact in" out
'

test_expect_success 'a removal rule ends the enrollment when its event arrives' '
	publish s7 "id: s7
remove_on: [reply]
steps:
  - {id: one, type: delay, wait: 2d}" &&
	drip -C ws -q --now 2026-11-25T09:00:00Z enroll s7 ada &&
	mkdir -p ws/inbox &&
	printf "time,contact,name,sequence,data\n2026-11-25T09:30:00Z,ada,reply,,\n" >ws/inbox/e1.csv &&
	drip -C ws --now 2026-11-25T10:00:00Z tick &&
	test_grep "^2026-11-25T09:40:00Z,ada,,,,event,ok,e1,reply$" ws/log/2026-11.csv &&
	test_grep "^2026-11-25T09:40:00Z,ada,s7,,,removed,ok,e1,on reply$" ws/log/2026-11.csv &&
	test ! -e ws/inbox/e1.csv
'

test_expect_success 'an event whose slot has not come stays in the inbox for a later tick' '
	printf "time,contact,name,sequence,data\n2026-11-25T10:05:00Z,dee,open,,\n" >ws/inbox/e2.csv &&
	drip -C ws --now 2026-11-25T10:10:00Z tick &&
	test -e ws/inbox/e2.csv &&
	! grep ",e2," ws/log/2026-11.csv &&
	drip -C ws --now 2026-11-25T10:25:00Z tick &&
	test ! -e ws/inbox/e2.csv &&
	test_grep "^2026-11-25T10:20:00Z,dee,,,,event,ok,e2,open$" ws/log/2026-11.csv
'

test_expect_success 'dry-run prints what would fire, as a table or JSON, and changes nothing' '
	drip -C ws -q --now 2026-11-25T10:00:00Z enroll s1 dee 2>/dev/null || true &&
	snapshot ws >before &&
	drip -C ws --now 2026-11-26T10:00:00Z tick --dry-run --catch-up >out &&
	test_grep "^time	contact	sequence	step	action	result	detail$" out &&
	drip -C ws --now 2026-11-26T10:00:00Z tick --dry-run --format json >j &&
	python3 -c "import json; d=json.load(open(\"j\")); assert isinstance(d, list)" &&
	test_unchanged ws before
'

test_expect_success 'a template this contact breaks is logged failed; the others go on' '
	printf "Subject: {{missing_field}}\n\nx\n" >ws/templates/empty-subject.eml &&
	echo "missing_field" >/dev/null &&
	sed -i "1s/\$/,missing_field/; s/^ada,.*\$/&,Fine/; s/^dee,.*\$/&,/; s/^bob,.*\$/&,/; s/^cy,.*\$/&,/" ws/contacts.csv &&
	git -C ws commit -qam "add a column" &&
	publish s8 "id: s8
steps:
  - {id: one, type: email, wait: 0, template: templates/empty-subject.eml}" &&
	drip -C ws -q --now 2026-11-25T11:00:00Z enroll s8 ada dee &&
	test_expect_code 1 drip -C ws --now 2026-11-25T11:00:00Z tick >out 2>err &&
	test_grep "^2026-11-25T11:00:00Z,ada,s8,one,,email,ok," ws/log/2026-11.csv &&
	test_grep "^2026-11-25T11:00:00Z,dee,s8,one,,email,failed,,.*" ws/log/2026-11.csv &&
	echo "drip: 1 email failed: Subject: is empty after expanding placeholders (log/2026-11.csv)" >expect &&
	test_cmp expect err &&
	test_line_count 0 out &&
	git -C ws log -1 --format=%s >subject &&
	test_grep "^tick 2026-11-25 11:00Z: .*, 1 failed$" subject &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'delivery: a real sendmail-style program gets each message on stdin' '
	cat >"$TRASH/sendmail" <<-EOT &&
	#!/bin/sh
	echo "argv: \$*" >>"$TRASH/sent.log"
	cat >>"$TRASH/sent.log"
	EOT
	chmod +x "$TRASH/sendmail" &&
	sed -i "s#^  email: {maildir: outbox}#  email: {sendmail: [\"$TRASH/sendmail\", \"-t\", \"-i\"]}#" ws/drip.yaml &&
	git -C ws commit -qam "deliver through sendmail" &&
	queued=$(ls ws/outbox/new | grep -c email) &&
	drip -C ws --now 2026-11-25T12:00:00Z tick &&
	test "$(grep -c "^argv: -t -i$" "$TRASH/sent.log")" = "$queued" &&
	test "$(ls ws/outbox/sent | wc -l)" = "$queued" &&
	test "$(ls ws/outbox/new | grep -c email || true)" = 0
'

test_expect_success 'delivery failures are logged and committed; the message stays queued' '
	printf "#!/bin/sh\ncat >/dev/null\necho nope >&2\nexit 1\n" >"$TRASH/sendmail" &&
	drip -C ws -q --now 2026-11-25T12:05:00Z enroll s1 dee 2>/dev/null || true &&
	drip -C ws -q --now 2026-11-25T12:10:00Z enroll s6 dee 2>/dev/null || true &&
	publish s9 "id: s9
steps:
  - {id: one, type: email, wait: 0, template: templates/a.eml}" &&
	drip -C ws -q --now 2026-11-25T12:10:00Z enroll s9 dee &&
	test_expect_code 1 drip -C ws --now 2026-11-25T12:20:00Z tick >out 2>err &&
	id=$(sed -n "s/^2026-11-25T12:20:00Z,dee,s9,one,,email,ok,<\([0-9a-f]*\)@.*/\1/p" ws/log/2026-11.csv) &&
	test -n "$id" &&
	test_grep "^2026-11-25T12:20:00Z,dee,s9,one,,deliver,failed,<$id@[a-z.]*>,exit status 1: nope$" ws/log/2026-11.csv &&
	echo "drip: 1 email not delivered, will retry: exit status 1: nope (log/2026-11.csv)" >expect &&
	test_cmp expect err &&
	test_line_count 0 out &&
	ls ws/outbox/new >new && test_grep "^[0-9]*-email-$id$" new &&
	git -C ws log -1 --format=%s >subject &&
	test_grep "^deliver 2026-11-25 12:20Z: 1 failure$" subject &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'bad input stops tick before it changes anything' '
	git -C ws checkout -q drip.yaml &&
	snapshot ws >before &&
	printf "time,contact,name,sequence,data\nyesterday,ada,reply,,\n" >ws/inbox/bad.csv &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-25T13:00:00Z tick 2>err &&
	test_grep "^drip: inbox/bad.csv:2: bad event" err &&
	test_unchanged ws before &&
	rm ws/inbox/bad.csv &&
	f=$(ls ws/state/enrollments/*.csv | head -1) && cp "$f" saved &&
	echo "zed,s1,x,active,one,,,,," >>"$f" && git -C ws commit -qam "bad state" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-25T13:00:00Z tick 2>err &&
	test_grep "^drip: state/enrollments/[0-9]*.csv:[0-9]*: " err &&
	test_unchanged ws before &&
	cp saved "$f" && git -C ws commit -qam "fix state" &&
	sed -i "s/^tick: 20m/tick: 7m/" ws/drip.yaml && git -C ws commit -qam "bad tick" &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-11-25T13:00:00Z tick 2>err &&
	test_grep "^drip: drip.yaml:[0-9]*:[0-9]*: \"tick\" must divide" err &&
	test_unchanged ws before &&
	git -C ws revert --no-edit HEAD >/dev/null
'

test_expect_success 'a malformed pinned template stops tick with its place (65)' '
	f=ws/state/published/s1/templates/a.eml && cp "$f" saved.eml &&
	printf "Subject: Hello {{first_name\n\nbroken\n" >"$f" &&
	git -C ws commit -qam "break a pinned template" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-25T13:00:00Z tick 2>err &&
	test_grep "^drip: state/published/s1/templates/a.eml:1:[0-9]*: " err &&
	test_unchanged ws before &&
	cp saved.eml "$f" && git -C ws commit -qam "fix it"
'

test_expect_success 'an unsorted contacts.csv is sorted in a commit of its own, then ticked' '
	cp ws/contacts.csv saved.csv &&
	{ head -1 saved.csv; tail -n +2 saved.csv | sort -r; } >ws/contacts.csv &&
	git -C ws commit -qam unsorted &&
	snapshot ws >before &&
	drip -C ws --now 2026-11-25T13:00:00Z tick --dry-run >dry &&
	test_unchanged ws before &&
	drip -C ws --now 2026-11-25T13:00:00Z tick --no-deliver &&
	test_cmp saved.csv ws/contacts.csv &&
	h=$(git -C ws log -1 --format=%H --grep="^contacts.csv: sorted by id$") &&
	test -n "$h" &&
	git -C ws show --name-only --format= "$h" >files &&
	echo contacts.csv >expect && test_cmp expect files &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'a world-readable secret key stops tick (78)' '
	chmod 644 ws/.drip/signing.key &&
	test_expect_code 78 drip -C ws --now 2026-11-25T13:00:00Z tick 2>err &&
	test_grep "readable by others" err &&
	chmod 600 ws/.drip/signing.key
'

test_expect_success 'a sequence with a run action publishes (tick runs them)' '
	printf "%s\n" "id: s10" "steps:" "  - id: r" "    type: rule" "    wait: 0" \
		"    if: plan == \"pro\"" "    then:" "      - run: {command: [/bin/true]}" >ws/sequences/s10.yaml &&
	git -C ws add -A && git -C ws commit -qm s10 &&
	drip -C ws seq publish s10 >out &&
	test_grep "s10" out &&
	grep "^s10,active,1," ws/state/sequences.csv
'

test_expect_success 'the repository is sound after all that' '
	git -C ws fsck --strict 2>&1 | { ! grep -i error; } &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_done
