#!/bin/sh
# drip contact import|add|set|tag|archive|show|list.
. "$(dirname "$0")/lib.sh"

new_ws ws

test_expect_success 'contact add writes a sorted row and commits it' '
	drip -C ws --now "$NOW" contact add zoe email=zoe@example.com first_name=Zoë >out &&
	test_grep "added contact .zoe." out &&
	drip -C ws -q --now "$NOW" contact add ada email=ada@example.com first_name=Ada owner=alice@example.com &&
	sed -n 2,3p ws/contacts.csv >rows &&
	printf "%s\n" "ada,ada@example.com,Ada,,,,,,,alice@example.com," "zoe,zoe@example.com,Zoë,,,,,,,," >expect &&
	test_cmp expect rows &&
	git -C ws log -1 --format=%s >s && echo "contact add ada" >expect && test_cmp expect s
'

test_expect_success 'contact add refuses duplicates, bad ids, bad values; nothing changes' '
	snapshot ws >before &&
	test_expect_code 1 drip -C ws contact add ada email=x@example.com 2>err &&
	test_grep "contact .ada. already exists" err &&
	test_expect_code 2 drip -C ws contact add -bad email=x@example.com 2>err &&
	test_expect_code 2 drip -C ws contact add "a b" email=x@example.com 2>err &&
	test_grep "invalid contact id .a b." err &&
	test_expect_code 2 drip -C ws contact add bob 2>err &&
	test_grep "needs email=ADDRESS" err &&
	test_expect_code 65 drip -C ws contact add bob email=nope 2>err &&
	test_grep "email=nope: not an email address" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com status=gone 2>err &&
	test_grep "status must be active, inactive or archived" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com bounced=yes 2>err &&
	test_grep "bounced must be true or false" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com unsubscribed=1 2>err &&
	test_grep "unsubscribed must be true or false" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com timezone=Mars/Base 2>err &&
	test_grep "unknown time zone" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com frist_name=Bob 2>err &&
	test_grep "unknown field .frist_name. (did you mean \"first_name\"?)" err &&
	test_expect_code 2 drip -C ws contact add bob email=b@example.com junk 2>err &&
	test_grep "expected FIELD=VALUE, not .junk." err &&
	test_unchanged ws before
'

test_expect_success 'header injection: CR/LF are refused in meaningful columns' '
	snapshot ws >before &&
	test_expect_code 2 drip -C ws contact set ada "first_name=Ada
Bcc: all@example.com" 2>err &&
	test_grep "control characters are not allowed" err &&
	test_unchanged ws before
'

test_expect_success 'contact set changes fields; --add-column adds one' '
	drip -C ws -q --now "$NOW" contact set ada last_name=Lovelace timezone=Europe/London &&
	test_grep "^ada,ada@example.com,Ada,Lovelace,,Europe/London," ws/contacts.csv &&
	test_expect_code 2 drip -C ws contact set ada country=UK 2>err &&
	test_grep "add-column" err &&
	drip -C ws -q --now "$NOW" contact set ada country=UK --add-column &&
	head -1 ws/contacts.csv >h &&
	echo "id,email,first_name,last_name,phone,timezone,status,unsubscribed,bounced,owner,tags,country" >expect &&
	test_cmp expect h
'

test_expect_success 'contact set with the same values commits nothing' '
	snapshot ws >before &&
	drip -C ws --now "$NOW" contact set ada country=UK >out &&
	test_grep "nothing changed" out &&
	test_unchanged ws before
'

test_expect_success 'contact set refuses the id column and unknown contacts' '
	test_expect_code 2 drip -C ws contact set ada id=bob 2>err &&
	test_grep "id cannot be changed" err &&
	test_expect_code 66 drip -C ws contact set nobody country=X 2>err &&
	test_grep "unknown contact .nobody." err
'

test_expect_success 'contact tag adds and removes, keeping order, without repeats' '
	drip -C ws -q --now "$NOW" contact tag ada vip cold &&
	drip -C ws -q --now "$NOW" contact tag ada vip customer --remove cold &&
	drip -C ws contact show ada --format json >j &&
	python3 -c "import json; d=json.load(open(\"j\")); assert d[\"tags\"]==\"vip;customer\", d" &&
	test_expect_code 2 drip -C ws contact tag ada "a;b" 2>err &&
	test_grep "invalid tag" err
'

test_expect_success 'contact list --where filters with an expression' '
	drip -C ws contact list --where "tags has \"vip\"" --format csv >out &&
	test_line_count 2 out && test_grep "^ada," out &&
	drip -C ws contact list --where "country == \"UK\" or first_name ~ \"Z*\"" >out &&
	test_line_count 3 out
'

test_expect_success 'a bad --where names the field and suggests' '
	test_expect_code 2 drip -C ws contact list --where "contry == \"UK\"" 2>err &&
	test_grep "where: 1:1: unknown field \"contry\" (did you mean \"country\"?)" err
'

test_expect_success 'csv output neutralises formula cells' '
	drip -C ws -q --now "$NOW" contact set zoe first_name="=HYPERLINK(1)" &&
	drip -C ws contact list --format csv >out &&
	test_grep "^zoe,zoe@example.com,'"'"'=HYPERLINK(1)," out
'

test_expect_success 'contact archive sets status; unknown ids change nothing' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws contact archive ada nobody 2>err &&
	test_unchanged ws before &&
	drip -C ws -q --now "$NOW" contact archive ada &&
	drip -C ws contact show ada >out && test_grep "^status  *archived$" out
'

test_expect_success 'contact import merges by id: adds, updates, never deletes' '
	printf "id,email,first_name,plan\nbob,bob@example.com,Bob,pro\nzoe,,Zoe,free\n" >in.csv &&
	drip -C ws --now "$NOW" contact import "$PWD/in.csv" >out &&
	test_grep "imported 2 contacts: 1 added, 1 updated, 0 unchanged" out &&
	test_grep "^ada," ws/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob," ws/contacts.csv &&
	test_grep "^zoe,zoe@example.com,Zoe,.*,free$" ws/contacts.csv &&
	git -C ws log -1 --format=%s >s &&
	echo "contact import: 1 added, 1 updated" >expect && test_cmp expect s
'

test_expect_success 'quotes, commas and newlines in user columns round-trip exactly' '
	printf "id,email,note\nbob,,\"said \"\"hi\"\", then, left\nfor good\"\n" >q.csv &&
	drip -C ws -q --now "$NOW" contact import "$PWD/q.csv" &&
	drip -C ws contact show bob --format json >j &&
	python3 -c "import json; d=json.load(open(\"j\")); assert d[\"note\"]==\"said \\\"hi\\\", then, left\\nfor good\", d" &&
	test_grep "^bob,bob@example.com,Bob,.*,\"said \"\"hi\"\", then, left$" ws/contacts.csv
'

test_expect_success 'a bad import row stops everything: file:line, 65, nothing changed' '
	snapshot ws >before &&
	printf "id,email\ncat,cat@example.com\ndog,not-an-address\n" >bad.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/bad.csv" 2>err &&
	test_grep "bad.csv:3: email \"not-an-address\": not an email address" err &&
	printf "id,email\ncat,cat@example.com\ncat,cat2@example.com\n" >dup.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/dup.csv" 2>err &&
	test_grep "dup.csv:3: contact .cat. appears twice (first at line 2)" err &&
	printf "id,email\nnew1,\n" >noemail.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/noemail.csv" 2>err &&
	test_grep "noemail.csv:2: new contact .new1. has no email" err &&
	printf "id,email\n\"broken,x@example.com\n" >malformed.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/malformed.csv" 2>err &&
	test_grep "malformed.csv:2: " err &&
	printf "email\nx@example.com\n" >noid.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/noid.csv" 2>err &&
	test_grep "noid.csv:1: missing required column \"id\"" err &&
	test_expect_code 66 drip -C ws contact import "$PWD/none.csv" 2>err &&
	test_unchanged ws before
'

test_expect_success 'a malformed contacts.csv is reported with its line (65)' '
	cp ws/contacts.csv saved.csv &&
	printf "x,\"unterminated\n" >>ws/contacts.csv &&
	git -C ws commit -qam "break contacts" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws contact list 2>err &&
	test_grep "^drip: contacts.csv:[0-9]*: " err &&
	test_expect_code 65 drip -C ws contact set ada country=FR 2>err &&
	test_unchanged ws before
'

test_expect_success 'contacts.csv with a BOM and CRLF is read' '
	printf "\357\273\277id,email\r\nq1,q1@example.com\r\n" >ws/contacts.csv &&
	git -C ws commit -qam "bom" &&
	drip -C ws contact list --format csv >out &&
	test_grep "^q1,q1@example.com$" out
'

test_done
