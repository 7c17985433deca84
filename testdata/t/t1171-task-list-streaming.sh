#!/bin/sh
# `task list` streams tasks.csv (SPEC §13: bounded memory whatever the
# number of rows): on 200,000 tasks each format stays under a bound a
# whole-file load passes by far, prints in file order what the whole-file
# code printed, and prints nothing of a file with an error.
. "$(dirname "$0")/lib.sh"

N=200000
# The bound: a whole-table load of this file takes about 100 MiB.
BOUND_KIB=40960

new_ws ws
awk -v n=$N 'BEGIN {
	print "id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at"
	for (i = 0; i < n; i++)
		printf "t%07d,2026-11-01T09:00:00Z,2026-11-02T09:00:00Z,task,c%07d,s,call,%s,+Call %d,%s,\n",
			n - i, i, (i % 2 ? "ann" : "bob"), i, (i % 4 ? "open" : "done")
}' >ws/tasks.csv
git -C ws add -A && git -C ws commit -qm data

test_expect_success 'task list (table) streams, in file order, widths from every row' '
	peak=$(peak_kib "$DRIP" -C ws task list) && under_kib "$peak" $BOUND_KIB &&
	test_line_count $((N + 1)) out.txt &&
	sed -n 1p out.txt | test_grep "^id  *due  *kind  *contact  *assignee  *status  *subject$" - &&
	sed -n 2p out.txt | test_grep "^t0200000  2026-11-02 09:00 +00:00  task  c0000000  bob       done    +Call 0$" - &&
	tail -n 1 out.txt | test_grep "^t0000001  .*  open    +Call 199999$" - &&
	sed 1d out.txt | cut -d" " -f1 >ids && LC_ALL=C sort -r -c ids
'

test_expect_success 'task list --format csv streams and neutralises; --raw gives the file back' '
	peak=$(peak_kib "$DRIP" -C ws task list --format csv) && under_kib "$peak" $BOUND_KIB &&
	sed -n 2p out.txt | test_grep ",'"'"'+Call 0,done,$" - &&
	peak=$(peak_kib "$DRIP" -C ws task list --format csv --raw) && under_kib "$peak" $BOUND_KIB &&
	test_cmp ws/tasks.csv out.txt
'

test_expect_success 'task list --format json --open --assignee streams' '
	peak=$(peak_kib "$DRIP" -C ws task list --format json --open --assignee ann) &&
	under_kib "$peak" $BOUND_KIB &&
	python3 -c "import json; v=json.load(open(\"out.txt\")); assert len(v) == $N // 2 and v[0][\"id\"] == \"t0199999\" and all(t[\"assignee\"] == \"ann\" and t[\"status\"] == \"open\" for t in v), v[:2]"
'

test_expect_success 'task list prints nothing of a file with an error at its end' '
	cp ws/tasks.csv saved.csv &&
	echo "t9,a,b" >>ws/tasks.csv &&
	for f in table csv json; do
		test_expect_code 65 "$DRIP" -C ws task list --format $f >out.txt 2>err &&
		test_line_count 0 out.txt &&
		test_grep "^drip: tasks.csv:$((N + 2)): row has 3 fields, the header has 11$" err || return 1
	done &&
	cp saved.csv ws/tasks.csv
'

test_done
