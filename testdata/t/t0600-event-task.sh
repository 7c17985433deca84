#!/bin/sh
# drip event and drip task list|done: events in inbox/, manual tasks, and
# a blocking step that goes on once its task is done.
. "$(dirname "$0")/lib.sh"

T1=2026-11-24T10:40:00Z
T2=2026-11-24T10:50:00Z
T3=2026-11-24T11:00:00Z
T4=2026-11-24T11:20:00Z
T5=2026-11-24T11:40:00Z
T6=2026-11-24T12:00:00Z

# task_of CONTACT: the id of the contact's task in ws/tasks.csv.
task_of() {
	awk -F, -v c="$1" '$5 == c { print $1 }' ws/tasks.csv
}

# enr_of CONTACT: the contact's enrollment in calls, as "status,step,task"
# (columns found by name: state/ is drip's to extend).
enr_of() {
	for f in ws/state/enrollments/*.csv; do
		awk -F, -v c="$1" '
			NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$1 == c && $2 == "calls" {
				print $col["status"] "," $col["step"] "," $col["task"]
			}' "$f"
	done
}

new_ws ws

test_expect_success 'setup: a published sequence with a blocking call, then an email' '
	sed -i "s/^# from: .*/from: \"Acme <hello@acme.example>\"/" ws/drip.yaml &&
	cat >ws/sequences/calls.yaml <<-\EOF &&
	id: calls
	name: Call first
	remove_on: [reply]
	steps:
	  - id: ring
	    type: call
	    wait: 0
	    assignee: "{{owner}}"
	    subject: "Call {{first_name}}"
	    block: true
	  - id: thanks
	    type: email
	    wait: 0
	    template: templates/thanks.eml
	EOF
	printf "Subject: Thanks, {{first_name}}\n\nThank you for the call.\n" \
		>ws/templates/thanks.eml &&
	git -C ws add -A && git -C ws commit -qm "calls sequence" &&
	drip -C ws -q --now "$NOW" contact add ada email=ada@example.com first_name=Ada \
		owner=alice@example.com &&
	drip -C ws -q --now "$NOW" contact add bob email=bob@example.com first_name=Bob \
		owner=bob@example.com &&
	drip -C ws -q --now "$NOW" contact add cy email=cy@example.com first_name=Cy \
		owner=alice@example.com &&
	drip -C ws -q --now "$NOW" contact add dan email=dan@example.com first_name=Dan &&
	drip -C ws -q --now "$NOW" seq publish calls &&
	drip -C ws --now "$NOW" enroll calls ada bob cy >out &&
	test_grep "enrolled 3 contacts in .calls." out
'

test_expect_success 'tick fires the call step: one open task row per contact' '
	drip -C ws --now "$NOW" tick &&
	test_line_count 4 ws/tasks.csv &&
	head -1 ws/tasks.csv >h &&
	echo "id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at" >expect &&
	test_cmp expect h &&
	grep ",ada," ws/tasks.csv >row &&
	test_grep "^t-20261124T1020-[0-9a-f]\{8\},2026-11-24T10:20:00Z,2026-11-24T10:20:00Z,call,ada,calls,ring,alice@example.com,Call Ada,open,$" row &&
	test_grep "^2026-11-24T10:20:00Z,ada,calls,ring,,call,ok,$(task_of ada),Call Ada$" \
		ws/log/2026-11.csv
'

test_expect_success 'the contact waits on its task' '
	enr_of ada >row &&
	echo "waiting,ring,$(task_of ada)" >expect &&
	test_cmp expect row &&
	grep -h "^ada,calls,1,waiting,ring,2026-11-24T10:20:00Z,2026-11-24T10:20:00Z,2026-11-24T10:20:00Z,," \
		ws/state/enrollments/*.csv >/dev/null
'

test_expect_success 'task list: a table of id, due, kind, contact, assignee, status, subject' '
	drip -C ws task list >out &&
	{
		echo "id                        due                      kind  contact  assignee           status  subject" &&
		echo "$(task_of ada)  2026-11-24 10:20 +00:00  call  ada      alice@example.com  open    Call Ada" &&
		echo "$(task_of bob)  2026-11-24 10:20 +00:00  call  bob      bob@example.com    open    Call Bob" &&
		echo "$(task_of cy)  2026-11-24 10:20 +00:00  call  cy       alice@example.com  open    Call Cy"
	} | sort >expect &&
	sort out >got &&
	test_cmp expect got &&
	head -1 out | grep "^id " >/dev/null
'

test_expect_success 'task list --format csv gives every column, as in tasks.csv' '
	drip -C ws task list --format csv >out &&
	test_cmp ws/tasks.csv out
'

test_expect_success 'task list --format json: one object per task with every column' '
	drip -C ws --format json task list >out &&
	python3 -c "
import json
d = json.load(open(\"out\"))
assert len(d) == 3, d
assert list(d[0].keys()) == \"id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at\".split(\",\"), d[0]
assert sorted(t[\"contact\"] for t in d) == [\"ada\", \"bob\", \"cy\"], d
assert all(t[\"status\"] == \"open\" and t[\"done_at\"] == \"\" for t in d), d
"
'

test_expect_success 'task list --assignee and --open filter' '
	drip -C ws task list --assignee alice@example.com --format csv >out &&
	test_line_count 3 out &&
	! grep ",bob," out &&
	drip -C ws task list --assignee nobody@example.com >out &&
	test_line_count 1 out &&
	drip -C ws task list --open --format csv >out &&
	test_line_count 4 out
'

test_expect_success 'task list refuses a bad format and operands' '
	test_expect_code 2 drip -C ws task list --format html 2>err &&
	test_grep "format must be table, csv or json, not .html." err &&
	test_expect_code 2 drip -C ws task list extra 2>err &&
	test_grep "too many arguments" err &&
	test_expect_code 2 drip -C ws task list --bogus 2>err &&
	test_grep "unknown option" err
'

test_expect_success 'a later tick leaves a waiting contact waiting' '
	drip -C ws --now "$T1" tick &&
	enr_of ada >row &&
	test_grep "^waiting,ring,t-" row &&
	! grep ",complete," ws/log/2026-11.csv
'

test_expect_success 'task done with an unknown id: 66, nothing changed, even beside a good id' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws --now "$T2" task done t-20261124T1020-00000000 2>err &&
	test_grep "^drip: unknown task .t-20261124T1020-00000000.$" err &&
	test_expect_code 66 drip -C ws --now "$T2" task done "$(task_of ada)" nope 2>err &&
	test_grep "unknown task .nope." err &&
	test_unchanged ws before
'

test_expect_success 'task done without an id is a usage error' '
	snapshot ws >before &&
	test_expect_code 2 drip -C ws --now "$T2" task done 2>err &&
	test_grep "missing task id" err &&
	test_grep "^usage: drip task done ID" err &&
	test_unchanged ws before
'

test_expect_success 'task done under someone else'"'"'s edit of tasks.csv: 75, nothing changed' '
	sed -i "s/Call Bob/Call Robert/" ws/tasks.csv &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws --now "$T2" task done "$(task_of ada)" 2>err &&
	test_grep "tasks.csv. has uncommitted changes" err &&
	test_unchanged ws before &&
	git -C ws checkout -q tasks.csv
'

test_expect_success 'task done waits for the lock, then gives up with 75' '
	snapshot ws >before &&
	test_expect_code 75 flock ws/.drip/lock "$DRIP" -C ws --wait 0 --now "$T2" \
		task done "$(task_of ada)" 2>err &&
	test_grep "another drip command holds the lock" err &&
	test_unchanged ws before
'

test_expect_success 'task done marks the task done at --now, logs it and commits' '
	id=$(task_of ada) &&
	cp ws/tasks.csv old &&
	drip -C ws --now "$T2" task done "$id" >out &&
	test_grep "^done: task $id (contact ada)$" out &&
	grep ",ada," ws/tasks.csv >row &&
	echo "$id,2026-11-24T10:20:00Z,2026-11-24T10:20:00Z,call,ada,calls,ring,alice@example.com,Call Ada,done,2026-11-24T10:50:00Z" >expect &&
	test_cmp expect row &&
	cut -d, -f1 old >ids-old && cut -d, -f1 ws/tasks.csv >ids-new &&
	test_cmp ids-old ids-new &&
	tail -1 ws/log/2026-11.csv >last &&
	echo "2026-11-24T10:50:00Z,ada,calls,ring,,task,ok,$id,done" >expect &&
	test_cmp expect last &&
	git -C ws log -1 --format=%s >s &&
	echo "task done $id (contact ada)" >expect && test_cmp expect s &&
	git -C ws log -1 --format=%B >msg &&
	test_grep "^Drip-Command: drip task done$" msg &&
	test_grep "^Drip-Now: 2026-11-24T10:50:00Z$" msg &&
	git -C ws show --name-only --format= HEAD | sort >files &&
	printf "%s\n" log/2026-11.csv tasks.csv >expect && test_cmp expect files &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'the task shows as done, and --open leaves it out' '
	drip -C ws task list >out &&
	test_grep "^$(task_of ada) .* done  *Call Ada$" out &&
	drip -C ws task list --open --format csv >out &&
	test_line_count 3 out &&
	! grep ",ada," out
'

test_expect_success 'a task already done: a message, exit 0, nothing changed' '
	snapshot ws >before &&
	drip -C ws --now "$T3" task done "$(task_of ada)" >out 2>err &&
	test_grep "task .$(task_of ada). is already done (at 2026-11-24T10:50:00Z)" err &&
	test_grep "^nothing changed$" out &&
	test_unchanged ws before
'

test_expect_success 'the next tick completes the blocking step and sends the email' '
	drip -C ws --now "$T3" tick &&
	test_grep "^2026-11-24T11:00:00Z,ada,calls,ring,,complete,ok,$(task_of ada),$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-24T11:00:00Z,ada,calls,thanks,,email,ok,<[0-9a-f]*@[^>]*>,templates/thanks.eml$" \
		ws/log/2026-11.csv &&
	grep -n ",ada,calls,ring,,complete," ws/log/2026-11.csv | cut -d: -f1 >a &&
	grep -n ",ada,calls,thanks,,email," ws/log/2026-11.csv | cut -d: -f1 >b &&
	test "$(cat a)" -lt "$(cat b)" &&
	enr_of ada >row &&
	echo "done,," >expect && test_cmp expect row &&
	grep -l "^To: .*ada@example.com" ws/outbox/*/* >msgs &&
	test_line_count 1 msgs &&
	enr_of bob >row && test_grep "^waiting,ring,t-" row
'

test_expect_success 'event writes one file in inbox/, with no commit' '
	git -C ws rev-parse HEAD >head-before &&
	drip -C ws --now "$T4" event bob reply >out &&
	ls ws/inbox >files &&
	test_line_count 1 files &&
	test_grep "^20261124T112000Z-[0-9a-f]\{16\}\.csv$" files &&
	echo "recorded event reply for bob (inbox/$(cat files))" >expect &&
	test_cmp expect out &&
	printf "%s\n" "time,contact,name,sequence,data" "2026-11-24T11:20:00Z,bob,reply,," >expect &&
	test_cmp expect "ws/inbox/$(cat files)" &&
	git -C ws rev-parse HEAD >head-after &&
	test_cmp head-before head-after &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'the same event recorded twice is one file' '
	ls ws/inbox >before &&
	drip -C ws --now "$T4" event bob reply >out &&
	test_grep "already recorded" out &&
	drip -C ws -q event bob reply --at "$T4" >out &&
	test_line_count 0 out &&
	ls ws/inbox >after &&
	test_cmp before after
'

test_expect_success 'the next tick applies the reply: event and removed rows, inbox emptied' '
	f=$(ls ws/inbox | sed "s/\.csv$//") &&
	drip -C ws --now "$T4" tick &&
	test_grep "^2026-11-24T11:20:00Z,bob,,,,event,ok,$f,reply$" ws/log/2026-11.csv &&
	test_grep "^2026-11-24T11:20:00Z,bob,calls,,,removed,ok,$f,on reply$" ws/log/2026-11.csv &&
	enr_of bob >row &&
	test_grep "^removed,," row &&
	ls ws/inbox >files && test_line_count 0 files &&
	! grep ",bob,calls,thanks," ws/log/2026-11.csv
'

test_expect_success 'a task_done event completes a waiting contact at the next tick' '
	drip -C ws -q --now "$T5" event cy task_done --sequence calls &&
	drip -C ws --now "$T5" tick &&
	test_grep "^2026-11-24T11:40:00Z,cy,calls,ring,,complete,ok,$(task_of cy),$" \
		ws/log/2026-11.csv &&
	test_grep "^2026-11-24T11:40:00Z,cy,calls,thanks,,email,ok," ws/log/2026-11.csv &&
	enr_of cy >row && echo "done,," >expect && test_cmp expect row
'

test_expect_success 'task done with several ids: one commit naming each' '
	b=$(task_of bob) && c=$(task_of cy) &&
	drip -C ws --now "$T5" task done "$b" "$c" "$b" >out &&
	test_line_count 2 out &&
	git -C ws log -1 --format=%s >s &&
	echo "task done: 2 tasks" >expect && test_cmp expect s &&
	git -C ws log -1 --format=%b >body &&
	test_grep "^$b (contact bob)$" body &&
	test_grep "^$c (contact cy)$" body &&
	grep -c ",task,ok,t-.*,done$" ws/log/2026-11.csv >n &&
	echo 3 >expect && test_cmp expect n &&
	drip -C ws task list --open >out &&
	test_line_count 1 out
'

test_expect_success 'event --data: pairs joined with &, special bytes %-encoded' '
	rm -rf ws/inbox &&
	drip -C ws -q --now "$T6" event dan webinar --data "title=Q&A = 100%" \
		--data "note=line one
line two" --data empty= &&
	f=$(ls ws/inbox) &&
	sed -n 2p "ws/inbox/$f" >row &&
	echo "2026-11-24T12:00:00Z,dan,webinar,,title=Q%26A %3D 100%25&note=line one%0Aline two&empty=" >expect &&
	test_cmp expect row
'

test_expect_success 'the event id is the time and BLAKE2b of the content' '
	f=$(ls ws/inbox) &&
	python3 -c "
import hashlib, sys
parts = [b\"dan\", b\"webinar\", b\"\", b\"2026-11-24T12:00:00Z\",
         b\"title=Q%26A %3D 100%25&note=line one%0Aline two&empty=\"]
h = hashlib.blake2b(b\"\\0\".join(parts), digest_size=8).hexdigest()
want = \"20261124T120000Z-\" + h + \".csv\"
sys.exit(0 if want == sys.argv[1] else \"%s != %s\" % (want, sys.argv[1]))
" "$f"
'

test_expect_success 'different data, sequence or time make different events' '
	drip -C ws -q --now "$T6" event dan webinar --data "title=Other" &&
	drip -C ws -q --now "$T6" event dan webinar --sequence calls \
		--data "title=Q&A = 100%" --data "note=line one
line two" --data empty= &&
	drip -C ws -q --now "$T6" event dan webinar --at "2026-11-24 11:55" &&
	ls ws/inbox >files &&
	test_line_count 4 files &&
	test_grep "^20261124T115500Z-" files &&
	grep -h "^2026-11-24T12:00:00Z,dan,webinar,calls," ws/inbox/*.csv >/dev/null
'

test_expect_success 'event takes no lock: it records while another command holds it' '
	rm -rf ws/inbox &&
	flock ws/.drip/lock "$DRIP" -C ws -q --now "$T6" event dan open &&
	ls ws/inbox >files && test_line_count 1 files
'

test_expect_success 'event for an unknown contact: 66 and no file' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws --now "$T6" event zed reply 2>err &&
	test_grep "^drip: unknown contact .zed.$" err &&
	test_unchanged ws before
'

test_expect_success 'event with an unknown or unpublished sequence: 66 and no file' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws --now "$T6" event dan reply --sequence nosuch 2>err &&
	test_grep "unknown sequence .nosuch." err &&
	cp ws/sequences/calls.yaml ws/sequences/draft.yaml &&
	sed -i "s/^id: calls/id: draft/" ws/sequences/draft.yaml &&
	snapshot ws >before &&
	test_expect_code 66 drip -C ws --now "$T6" event dan reply --sequence draft 2>err &&
	test_grep "sequence .draft. is not published" err &&
	test_unchanged ws before &&
	rm ws/sequences/draft.yaml
'

test_expect_success 'event refuses bad input with a message and exit 2; no file changes' '
	snapshot ws >before &&
	test_expect_code 2 drip -C ws --now "$T6" event dan Reply! 2>err &&
	test_grep "^drip: invalid event name .Reply!.: " err &&
	test_grep "^usage: drip event CONTACT NAME" err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply --at yesterday 2>err &&
	test_grep "^drip: invalid --at .yesterday.: " err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply --at 2026-02-30 2>err &&
	test_grep "invalid --at .2026-02-30." err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply --data novalue 2>err &&
	test_grep "^drip: --data takes KEY=VALUE, not .novalue.$" err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply --data =v 2>err &&
	test_grep "not .=v." err &&
	test_expect_code 2 drip -C ws --now "$T6" event "a b" reply 2>err &&
	test_grep "invalid contact id .a b." err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply --sequence ../x 2>err &&
	test_grep "invalid sequence id" err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan 2>err &&
	test_grep "missing event name" err &&
	test_expect_code 2 drip -C ws --now "$T6" event 2>err &&
	test_grep "missing contact id" err &&
	test_expect_code 2 drip -C ws --now "$T6" event dan reply extra 2>err &&
	test_grep "too many arguments" err &&
	test_unchanged ws before
'

test_expect_success 'a tick applies custom events and logs them' '
	f=$(ls ws/inbox | sed "s/\.csv$//") &&
	drip -C ws --now "$T6" tick &&
	test_grep "^2026-11-24T12:00:00Z,dan,,,,event,ok,$f,open$" ws/log/2026-11.csv &&
	ls ws/inbox >files && test_line_count 0 files
'

test_expect_success 'task list and done refuse a tasks.csv without its columns: 65' '
	new_ws ws2 &&
	echo "id,status" >ws2/tasks.csv && echo "t-1,open" >>ws2/tasks.csv &&
	git -C ws2 commit -qam "odd tasks" &&
	snapshot ws2 >before &&
	test_expect_code 65 drip -C ws2 task list 2>err &&
	test_grep "^drip: tasks.csv:1: missing required column \"created\"$" err &&
	test_expect_code 65 drip -C ws2 --now "$T6" task done t-1 2>err &&
	test_unchanged ws2 before
'

test_expect_success 'help lists event and task' '
	drip help >out &&
	test_grep "^  event " out &&
	test_grep "^  task " out &&
	drip task -h >out &&
	test_grep "^  done " out &&
	drip event -h >out &&
	test_grep "\-\-data KEY=VALUE" out
'

test_done
