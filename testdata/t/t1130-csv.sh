#!/bin/sh
# Bad data stopped at the door (invalid UTF-8, undeliverable addresses),
# contacts.csv in any row order, spreadsheet-safe CSV and exact round trips.
. "$(dirname "$0")/lib.sh"

HDR=id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags

setup_ws() {
	new_ws ws &&
	sed -i -e 's/^# from: .*/from: "Acme <hello@acme.example>"/' ws/drip.yaml &&
	printf "%s\n" "$HDR" \
		"ada,ada@example.com,Ada,Lovelace,,,,,," \
		"bob,bob@example.com,Bob,,,,,,," >ws/contacts.csv &&
	printf 'Subject: Hello {{first_name}}\n\nHi.\n' >ws/templates/a.eml &&
	printf "%s\n" "id: s1" "steps:" \
		"  - {id: hello, type: email, wait: 0, template: templates/a.eml}" >ws/sequences/s1.yaml &&
	git -C ws add -A && git -C ws commit -qm setup &&
	drip -C ws -q --now 2026-11-24T08:00:00Z seq publish s1
}

setup_ws

# ---- 7. invalid UTF-8 -------------------------------------------------

test_expect_success 'a Latin-1 import is refused with its line and column, nothing changed' '
	snapshot ws >before &&
	printf "id,email,first_name,last_name\ncy,cy@example.com,Cy,Smith\njose,jose@example.com,Jos\351,M\374ller\n" >latin1.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/latin1.csv" 2>err &&
	test_grep "^drip: .*latin1.csv:3: invalid UTF-8 in column \"first_name\"$" err &&
	test_unchanged ws before &&
	test_expect_code 65 drip -C ws contact import - <latin1.csv 2>err &&
	test_grep "^drip: stdin:3: invalid UTF-8 in column \"first_name\"$" err &&
	test_unchanged ws before
'

test_expect_success 'invalid UTF-8 in contacts.csv stops every reader with its line (65)' '
	cp ws/contacts.csv saved.csv &&
	printf "cy,cy@example.com,\"Multi\nline \351\",,,,,,,\n" >>ws/contacts.csv &&
	git -C ws commit -qam latin1 &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws contact list 2>err &&
	test_grep "^drip: contacts.csv:5: invalid UTF-8 in column \"first_name\"$" err &&
	test_expect_code 65 drip -C ws --now 2026-11-24T09:00:00Z enroll s1 ada 2>err &&
	test_grep "^drip: contacts.csv:5: invalid UTF-8" err &&
	test_expect_code 65 drip -C ws --now 2026-11-24T09:00:00Z tick 2>err &&
	test_grep "^drip: contacts.csv:5: invalid UTF-8" err &&
	test_expect_code 65 drip -C ws --now 2026-11-24T09:00:00Z contact set ada last_name=X 2>err &&
	test_unchanged ws before &&
	cp saved.csv ws/contacts.csv && git -C ws commit -qam "fixed"
'

test_expect_success 'invalid UTF-8 in tasks.csv, holidays and a sequence: 65 with the place' '
	snapshot ws >before &&
	printf "t1,2026-11-24T08:00:00Z,,task,ada,s1,x,al,Call Jos\351,open,\n" >>ws/tasks.csv &&
	test_expect_code 65 drip -C ws task list 2>err &&
	test_grep "^drip: tasks.csv:2: invalid UTF-8 in column \"subject\"$" err &&
	git -C ws checkout -q tasks.csv &&
	printf "name: Acme\n" >sequences.yaml &&
	printf "id: s2\nname: Caf\351\nsteps:\n  - {id: a, type: delay, wait: 1d}\n" >ws/sequences/s2.yaml &&
	test_expect_code 65 drip -C ws seq publish s2 2>err &&
	test_grep "^sequences/s2.yaml:2:10: error: invalid UTF-8 (byte #xE9)$" err &&
	rm ws/sequences/s2.yaml &&
	test_unchanged ws before
'

test_expect_success 'invalid UTF-8 in drip.yaml is a bad configuration with its place (78)' '
	cp ws/drip.yaml saved.yaml &&
	printf "# caf\351\n" >>ws/drip.yaml &&
	git -C ws commit -qam bad &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-11-24T09:00:00Z tick 2>err &&
	test_grep "^drip: drip.yaml:[0-9]*:[0-9]*: invalid UTF-8" err &&
	test_unchanged ws before &&
	cp saved.yaml ws/drip.yaml && git -C ws commit -qam good
'

# ---- 7. addresses -----------------------------------------------------

test_expect_success 'an international address is refused at import with its line; advice given' '
	snapshot ws >before &&
	printf "id,email\ncy,cy@example.com\nmu,m\303\274ller@b\303\274cher.example\n" >idn.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/idn.csv" 2>err &&
	test_grep "idn.csv:3: email \"m.*ller@b.*cher.example\": not an email address drip can send to: it is not ASCII" err &&
	test_grep "punycode xn--" err &&
	test_unchanged ws before
'

test_expect_success 'undeliverable addresses at import: no @, spaces, empty parts, bad domain' '
	snapshot ws >before &&
	for a in nope "a b@c.org" "@c.org" "a@" "a@b..org" "a@-b.org" "a..b@c.org" "a@b@c.org"; do
		printf "id,email\ncy,\"%s\"\n" "$a" >bad.csv &&
		test_expect_code 65 drip -C ws contact import "$PWD/bad.csv" 2>err &&
		test_grep "bad.csv:2: email .*: not an email address drip can send to: it " err ||
		return 1
	done &&
	printf "id,email\ncy,\"a@b.org\r\nBcc: x@y.org\"\n" >crlf.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/crlf.csv" 2>err &&
	test_grep "crlf.csv:2: email \"a@b.org??Bcc: x@y.org\": .*control character" err &&
	test_unchanged ws before
'

test_expect_success 'contact add and set refuse an undeliverable address with the argument (65)' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws contact add mu "email=müller@bücher.example" 2>err &&
	test_grep "^drip: email=müller@bücher.example: not an email address drip can send to: it is not ASCII" err &&
	test_expect_code 65 drip -C ws contact set ada "email=ada@exa mple.com" 2>err &&
	test_grep "^drip: email=ada@exa mple.com: .*contains a space" err &&
	test_expect_code 65 drip -C ws contact set ada "email=ada@example.com
Bcc: all@example.com" 2>err &&
	test_grep "control character" err &&
	test_expect_code 65 drip -C ws contact set ada email=ada@ 2>err &&
	test_grep "nothing after" err &&
	test_unchanged ws before
'

test_expect_success 'the ASCII form of a domain is taken; SMS-only contacts need no email' '
	drip -C ws -q --now 2026-11-24T09:00:00Z contact add mu email=mueller@xn--bcher-kva.example &&
	test_grep "^mu,mueller@xn--bcher-kva.example," ws/contacts.csv &&
	drip -C ws -q --now 2026-11-24T09:00:00Z contact add sms "phone=+49 30 123" &&
	test_grep "^sms,,,,+49 30 123," ws/contacts.csv &&
	snapshot ws >before &&
	test_expect_code 2 drip -C ws contact add none first_name=X 2>err &&
	test_grep "needs email=ADDRESS (or phone=NUMBER" err &&
	printf "id,first_name\nnew1,X\n" >nomail.csv &&
	test_expect_code 65 drip -C ws contact import "$PWD/nomail.csv" 2>err &&
	test_grep "nomail.csv:2: new contact .new1. has no email or phone" err &&
	test_unchanged ws before
'

# ---- 8. contacts.csv in any order ------------------------------------

test_expect_success 'a row appended by hand: every command reads it; the next write sorts' '
	printf "%s\n" "aaron,aaron@example.com,Aaron,,,,,,," >>ws/contacts.csv &&
	git -C ws commit -qam "aaron, by hand" &&
	drip -C ws contact list --format csv --raw >list &&
	sed -n 2p list >first && echo "aaron,aaron@example.com,Aaron,,,,,,," >expect &&
	test_cmp expect first &&
	drip -C ws contact show aaron >/dev/null &&
	drip -C ws -q --now 2026-11-24T09:00:00Z enroll s1 aaron &&
	drip -C ws -q --now 2026-11-24T09:05:00Z contact set ada last_name=Byron &&
	cut -d, -f1 ws/contacts.csv >ids &&
	printf "%s\n" id aaron ada bob mu sms >expect &&
	test_cmp expect ids
'

test_expect_success 'tick sorts an unsorted contacts.csv in a commit of its own, then ticks' '
	{ head -1 ws/contacts.csv; tail -n +2 ws/contacts.csv | sort -r; } >unsorted &&
	cp ws/contacts.csv sorted && cp unsorted ws/contacts.csv &&
	git -C ws commit -qam "unsorted, by hand" &&
	snapshot ws >before &&
	drip -C ws --now 2026-11-24T09:20:00Z tick --dry-run >dry &&
	test_grep "aaron" dry &&
	test_unchanged ws before &&
	drip -C ws --now 2026-11-24T09:20:00Z tick &&
	test_cmp sorted ws/contacts.csv &&
	git -C ws log -2 --format=%s >subjects &&
	sed -n 2p subjects >s && echo "contacts.csv: sorted by id" >expect && test_cmp expect s &&
	git -C ws show --name-only --format= HEAD~1 >files &&
	echo contacts.csv >expect && test_cmp expect files &&
	test_grep "^2026-11-24T[0-9:]*Z,aaron,s1,hello,,email,ok," ws/log/2026-11.csv &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files
'

test_expect_success 'a contact named twice: 65 naming both lines, from tick and from contact' '
	printf "%s\n" "ada,ada2@example.com,Ada,,,,,,," >>ws/contacts.csv &&
	git -C ws commit -qam "ada twice" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-24T10:00:00Z tick 2>err &&
	test_grep "^drip: contacts.csv:7: contact \"ada\" appears twice (lines 3 and 7)$" err &&
	test_expect_code 65 drip -C ws --now 2026-11-24T10:00:00Z tick --dry-run 2>err &&
	test_grep "^drip: contacts.csv:7: contact \"ada\" appears twice (lines 3 and 7)$" err &&
	test_expect_code 65 drip -C ws contact list 2>err &&
	test_grep "^drip: contacts.csv:7: contact \"ada\" appears twice (lines 3 and 7)$" err &&
	test_expect_code 65 drip -C ws --now 2026-11-24T10:00:00Z enroll s1 bob 2>err &&
	test_grep "appears twice" err &&
	test_unchanged ws before &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files &&
	git -C ws revert --no-edit HEAD >/dev/null
'

test_expect_success 'an unsorted contacts.csv with uncommitted edits: tick refuses (75), nothing changed' '
	{ head -1 ws/contacts.csv; tail -n +2 ws/contacts.csv | sort -r; } >unsorted &&
	cp unsorted ws/contacts.csv &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws --now 2026-11-24T10:00:00Z tick 2>err &&
	test_grep "contacts.csv" err &&
	test_unchanged ws before &&
	git -C ws checkout -q contacts.csv
'

test_expect_success 'a kill during the sort leaves contacts.csv old or new, and the next tick goes on' '
	awk -v h="$HDR" "BEGIN { print h; for (i = 150000; i > 0; i--)
		printf \"c%06d,c%d@example.com,N%d,,,,,,,\n\", i, i, i }" >ws/contacts.csv &&
	git -C ws commit -qam "150000 contacts, reversed" &&
	old=$(sha256sum <ws/contacts.csv) &&
	{ head -1 ws/contacts.csv; tail -n +2 ws/contacts.csv | LC_ALL=C sort; } | sha256sum >new &&
	base=$(git -C ws rev-parse HEAD) &&
	cp ws/state/clock.csv clock0 &&
	for d in 0.05 0.1 0.2 0.3 0.5 0.8; do
		{ "$DRIP" -C ws --now 2026-11-24T10:00:00Z tick --no-deliver 2>/dev/null & } &&
		pid=$! && sleep $d && { kill -9 $pid 2>/dev/null || :; } && { wait $pid 2>/dev/null || :; } &&
		now=$(sha256sum <ws/contacts.csv) &&
		{ test "$now" = "$old" || test "$now" = "$(cat new)"; } || return 1
		git -C ws reset -q --hard "$base" || return 1
		# The clock is not in the history (drip-files(5)): rewind it too.
		cp clock0 ws/state/clock.csv && git -C ws update-ref -d refs/drip/clock || return 1
	done &&
	{ "$DRIP" -C ws --now 2026-11-24T10:00:00Z tick --no-deliver 2>/dev/null & } &&
	pid=$! && sleep 0.3 && { kill -9 $pid 2>/dev/null || :; } && { wait $pid 2>/dev/null || :; } &&
	drip -C ws --now 2026-11-24T10:00:00Z tick --no-deliver &&
	sha256sum <ws/contacts.csv >now && test_cmp new now &&
	git -C ws log --format=%s >subjects && test_grep "^contacts.csv: sorted by id$" subjects &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	ls -a ws/.drip ws >files && ! grep "tmp-" files &&
	git -C ws reset -q --hard "$base~1" &&
	cp clock0 ws/state/clock.csv && git -C ws update-ref -d refs/drip/clock
'

# ---- 9. spreadsheet-safe CSV and exact round trips --------------------

test_expect_success 'CSV output neutralises = + - @ TAB CR, --raw prints cells as they are' '
	cr=$(printf "\r") &&
	printf "%s\n" "id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags,note" \
		"ann,ann@example.com,=SUM(A1),-x,+49 30 123,,,,@boss,,\"	tab\"" \
		"cr,cr@example.com,\"${cr}cr\",,,,,,,,plain" >ws/contacts.csv &&
	git -C ws commit -qam formulas &&
	drip -C ws contact list --format csv >safe &&
	printf "%s\n" "id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags,note" \
		"ann,ann@example.com,'\''=SUM(A1),'\''-x,'\''+49 30 123,,,,'\''@boss,,'\''	tab" \
		"cr,cr@example.com,\"'\''${cr}cr\",,,,,,,,plain" >expect &&
	test_cmp expect safe &&
	drip -C ws contact list --format csv --raw >raw &&
	test_cmp ws/contacts.csv raw
'

test_expect_success 'contact list --format csv --raw | contact import - changes nothing' '
	printf "%s\n" "id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags,note" \
		"ann,ann@example.com,\"Ann \"\"the\"\" first\",Lee,+49 30 123,,,,,vip;x,\"two" \
		"lines, and a comma\"" \
		"emo,emo@example.com,Zoë 😀,,=1+1,,,,,,-3" >ws/contacts.csv &&
	git -C ws commit -qam "hard values" &&
	snapshot ws >before &&
	drip -C ws contact list --format csv --raw | drip -C ws --now 2026-11-24T11:00:00Z contact import - >out &&
	test_grep "imported 2 contacts: nothing changed" out &&
	test_unchanged ws before &&
	{ printf "\357\273\277"; drip -C ws contact list --format csv --raw; } >bom.csv &&
	drip -C ws --now 2026-11-24T11:00:00Z contact import - <bom.csv >out &&
	test_grep "nothing changed" out &&
	test_unchanged ws before &&
	drip -C ws contact list --format csv | drip -C ws --now 2026-11-24T11:00:00Z contact import - >out &&
	test_grep "2 updated" out &&
	test_grep "^emo,.*,'\''=1+1,.*,'\''-3$" ws/contacts.csv
'

test_expect_success '--raw is in the help, usage and completion of every CSV-printing command' '
	for cmd in "contact list" "seq list" "task list" "automate list" "automate review"; do
		drip $cmd --help >help && test_grep "^usage: drip $cmd.*\[--raw\]" help &&
		test_grep "^      --raw " help &&
		drip -C ws $cmd --format csv --raw >/dev/null &&
		"$DRIP" __complete -C ws $cmd --r >c && test_grep "^--raw" c || return 1
	done
'

test_done
