#!/bin/sh
# enroll --file and contact import over thousands of contacts, in any
# order: merged in id order whatever the order of the files, checked whole
# before anything changes, no temporary file left behind.
. "$(dirname "$0")/lib.sh"

N=3000
HDR=id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags

new_ws ws
test_expect_success 'setup: contacts.csv in reverse order, a published sequence' '
	awk -v h="$HDR" -v n=$N "BEGIN { print h; for (i = n; i > 0; i--)
		printf \"c%05d,c%d@example.com,N%d,,,,,,,\n\", i, i, i }" >ws/contacts.csv &&
	printf "Subject: Hi\n\nHello.\n" >ws/templates/a.eml &&
	printf "%s\n" "id: s1" "name: One" "steps:" \
		"  - {id: hello, type: email, wait: 0, template: templates/a.eml}" >ws/sequences/s1.yaml &&
	git -C ws add -A && git -C ws commit -qm setup &&
	drip -C ws -q --now 2026-11-23T07:00:00Z seq publish s1
'

test_expect_success 'enroll --file: ids shuffled and repeated, each contact enrolled once, shards in order' '
	{ echo id; awk -v n=$N "BEGIN { for (i = 1; i <= n; i += 2) printf \"c%05d\n\", (i * 7919) % n + 1 }";
	  echo c00042; echo c00042; } >ids.csv &&
	want=$(tail -n +2 ids.csv | sort -u | wc -l) &&
	drip -C ws --now 2026-11-23T08:00:00Z enroll s1 --file "$PWD/ids.csv" >out &&
	echo "enrolled $want contacts in '\''s1'\''" >expect && test_cmp expect out &&
	cat ws/state/enrollments/*.csv | grep -v "^contact," | cut -d, -f1 | sort >got &&
	tail -n +2 ids.csv | sort -u >expect && test_cmp expect got &&
	for f in ws/state/enrollments/*.csv; do
		tail -n +2 "$f" | cut -d, -f1,2 | LC_ALL=C sort -c || return 1
	done &&
	grep -c ",s1,,,enroll,ok,," ws/log/2026-11.csv >n && echo "$want" >expect && test_cmp expect n &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	ls -a ws/.drip ws ws/state/enrollments ws/log >files && ! grep "tmp-" files
'

test_expect_success 'enroll --file again: all skipped, nothing changed' '
	snapshot ws >before &&
	drip -C ws --now 2026-11-23T08:20:00Z enroll s1 --file "$PWD/ids.csv" >out 2>err &&
	echo "nothing changed" >expect && test_cmp expect out &&
	test_grep "^drip: .c00002. is already enrolled in .s1.$" err &&
	test_unchanged ws before
'

test_expect_success 'enroll --file with unknown ids: 66 naming the first by line, nothing changed' '
	printf "%s\n" id c00010 zz-late c00011 aa-early >bad.csv &&
	snapshot ws >before &&
	test_expect_code 66 drip -C ws --now 2026-11-23T08:40:00Z enroll s1 c00012 --file "$PWD/bad.csv" 2>err &&
	test_grep "bad.csv:3: unknown contact .zz-late.$" err &&
	test_unchanged ws before &&
	ls -a ws/.drip ws ws/state/enrollments >files && ! grep "tmp-" files
'

test_expect_success 'enroll --remove by --where: every enrolled contact matching, in one commit' '
	drip -C ws --now 2026-11-23T09:00:00Z enroll s1 --remove --where "first_name == \"N42\"" >out &&
	echo "removed 1 contact in '\''s1'\''" >expect && test_cmp expect out &&
	cat ws/state/enrollments/*.csv | grep "^c00042,s1,1,removed," >row &&
	test_line_count 1 row
'

test_expect_success 'contact import into the unsorted file: merged by id, written sorted' '
	tail -n +2 ws/contacts.csv | cut -d, -f1 >ids && ! LC_ALL=C sort -c ids 2>/dev/null &&
	{ echo "id,email,score"; echo "c00005,,9"; echo "new1,new1@example.com,1"; echo "c00001,c1@example.com,"; } >in.csv &&
	drip -C ws --now 2026-11-23T09:20:00Z contact import "$PWD/in.csv" >out &&
	echo "imported 3 contacts: 1 added, 1 updated, 1 unchanged" >expect && test_cmp expect out &&
	head -1 ws/contacts.csv >h && echo "$HDR,score" >expect && test_cmp expect h &&
	tail -n +2 ws/contacts.csv | cut -d, -f1 >ids && LC_ALL=C sort -c ids &&
	test_line_count $((N + 1)) ids &&
	grep "^c00005,c5@example.com,N5,,,,,,,,9$" ws/contacts.csv &&
	grep "^new1,new1@example.com,,,,,,,,,1$" ws/contacts.csv &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files
'

test_expect_success 'contact import of a file with an id twice: 65 naming both lines, nothing changed' '
	{ echo "id,email"; echo "x1,x1@example.com"; echo "c00007,"; echo "x1,other@example.com"; } >dup.csv &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-23T09:40:00Z contact import - <dup.csv 2>err &&
	test_grep "^drip: stdin:4: contact .x1. appears twice (first at line 2)$" err &&
	test_unchanged ws before &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files
'

test_expect_success 'contact import of only a header: nothing imported, nothing changed' '
	echo "id,email,score" >empty.csv &&
	snapshot ws >before &&
	drip -C ws --now 2026-11-23T09:50:00Z contact import - <empty.csv >out &&
	echo "imported 0 contacts: nothing changed" >expect && test_cmp expect out &&
	test_unchanged ws before &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files
'

test_done
