#!/bin/sh
# `contact list`, `task done` and tick's reading of tasks.csv stream their
# files (SPEC §13: every command on a million contacts with bounded
# memory): on 200,000 rows each stays under a bound a whole-file load passes
# by far, prints what the old whole-file code printed, and prints nothing of
# a file with an error.
. "$(dirname "$0")/lib.sh"

N=200000
# The bound: a whole-table load of these files takes about 90 MiB.
BOUND_KIB=40960

under_bound() {
	under_kib "$1" $BOUND_KIB
}

new_ws ws
# Out of order on purpose (every 1000th row moved to the end): list must
# still print in id order.
awk -v n=$N 'BEGIN {
	print "id,email,first_name,last_name,tags"
	for (i = 0; i < n; i++) if (i % 1000 != 7)
		printf "c%07d,c%07d@example.com,+First %d,Last,a;b\n", i, i, i
	for (i = 7; i < n; i += 1000)
		printf "c%07d,c%07d@example.com,+First %d,Last,a;b\n", i, i, i
}' >ws/contacts.csv
awk -v n=$N 'BEGIN {
	print "id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at"
	for (i = 0; i < n; i++)
		printf "t%07d,2026-11-01T09:00:00Z,2026-11-02T09:00:00Z,task,c%07d,s,call,ann,Call %d,open,\n", i, i, i
}' >ws/tasks.csv
git -C ws add -A && git -C ws commit -qm data

test_expect_success 'contact list (table) streams, in id order' '
	peak=$(peak_kib "$DRIP" -C ws contact list) && under_bound "$peak" &&
	test_line_count $((N + 1)) out.txt &&
	sed -n 1p out.txt >head && test_grep "^id  *email  *first_name  *last_name  *tags$" head &&
	sed 1d out.txt | cut -d" " -f1 >ids && LC_ALL=C sort -c ids &&
	sed -n 9p out.txt | test_grep "^c0000007  *c0000007@example.com  *+First 7 " -
'

test_expect_success 'contact list --format csv streams and neutralises; --raw round-trips' '
	peak=$(peak_kib "$DRIP" -C ws contact list --format csv) && under_bound "$peak" &&
	sed -n 2p out.txt >row && test_grep "^c0000000,c0000000@example.com,'"'"'+First 0,Last,a;b$" row &&
	peak=$(peak_kib "$DRIP" -C ws contact list --format csv --raw) && under_bound "$peak" &&
	{ sed -n 1p ws/contacts.csv && sed 1d ws/contacts.csv | LC_ALL=C sort; } >want &&
	test_cmp want out.txt
'

test_expect_success 'contact list --format json streams' '
	peak=$(peak_kib "$DRIP" -C ws contact list --format json) && under_bound "$peak" &&
	python3 -c "import json,sys; v=json.load(open(\"out.txt\")); assert len(v) == $N and v[7][\"id\"] == \"c0000007\" and v[0][\"first_name\"] == \"+First 0\", v[:2]"
'

test_expect_success 'contact list --where streams' '
	peak=$(peak_kib "$DRIP" -C ws contact list --where "first_name ~ \"*99\"" --format csv --raw) &&
	under_bound "$peak" &&
	test_line_count $((N / 100 + 1)) out.txt &&
	test_grep "^c0000099," out.txt
'

test_expect_success 'contact list prints nothing of a file with an error: a duplicate at its end' '
	cp ws/contacts.csv saved.csv &&
	echo "c0000005,dup@example.com,D,,"  >>ws/contacts.csv &&
	test_expect_code 65 "$DRIP" -C ws contact list >out.txt 2>err &&
	test_line_count 0 out.txt &&
	test_grep "contacts.csv:.*c0000005.* appears twice" err &&
	test_expect_code 2 "$DRIP" -C ws contact list --where "nosuch == 1" >out.txt 2>err &&
	test_line_count 0 out.txt &&
	test_grep "^drip: --where: 1:1: " err &&
	cp saved.csv ws/contacts.csv
'

test_expect_success 'task done streams tasks.csv and the log; only its rows change' '
	cp ws/tasks.csv before.csv &&
	peak=$(peak_kib "$DRIP" -C ws --now 2026-11-05T10:00:00Z task done t0000003 t0199999 t0000003) &&
	under_bound "$peak" &&
	printf "%s\n" "done: task t0000003 (contact c0000003)" "done: task t0199999 (contact c0199999)" >want &&
	test_cmp want out.txt &&
	diff before.csv ws/tasks.csv >d || true &&
	test_grep "^> t0000003,.*,Call 3,done,2026-11-05T10:00:00Z$" d &&
	test_grep "^> t0199999,.*,Call 199999,done,2026-11-05T10:00:00Z$" d &&
	test $(grep -c "^[<>]" d) = 4 &&
	test_grep "^2026-11-05T10:00:00Z,c0000003,s,call,,task,ok,t0000003,done$" ws/log/2026-11.csv &&
	git -C ws log -1 --format=%s >s && echo "task done: 2 tasks" >want && test_cmp want s &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'task done of an unknown id among known ones: 66, nothing changed' '
	snapshot ws >before &&
	test_expect_code 66 "$DRIP" -C ws task done t0000004 nosuch 2>err &&
	test_grep "^drip: unknown task .nosuch." err &&
	test_unchanged ws before &&
	"$DRIP" -C ws task done t0000003 2>err >out.txt &&
	test_grep "^drip: task .t0000003. is already done (at 2026-11-05T10:00:00Z)" err &&
	test_grep "^nothing changed" out.txt
'

test_expect_success 'tick keeps only the done tasks of tasks.csv, streamed' '
	{ peak=$(peak_kib "$DRIP" -C ws -q --now 2026-11-06T10:00:00Z tick --no-deliver) && rc=0 || rc=$?; } &&
	test $rc = 0 && under_bound "$peak"
'

test_done
