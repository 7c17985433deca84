#!/bin/sh
# drip report: every report in every format against golden files, from the
# fixed workspace of testdata/report/fixture.sh at a fixed --now; the
# terminal's width, colour and control characters; --raw; bad input with
# its message and exit code; and that reading changes nothing.
#
# UPDATE_GOLDEN=1 rewrites the golden files from the current output (then
# read the diff before committing it).
. "$(dirname "$0")/lib.sh"

GOLD=$DATA_DIR/report
R="--now 2026-11-06T09:00:00Z"

. "$GOLD/fixture.sh" >fixture.out 2>&1 || { cat fixture.out; echo "Bail out! fixture"; exit 1; }
snapshot ws >before

# golden NAME CMD...: CMD's stdout is testdata/report/NAME.  Commit ids
# (12 hex digits) read <commit>: drip init's signing key is new each run,
# so the commits are too; the test below checks them against git.
golden() {
	name=$1
	shift
	"$@" >"$name.raw" || return 1
	sed -E 's/(^|[^0-9a-f])[0-9a-f]{12}([^0-9a-f]|$)/\1<commit>\2/g' "$name.raw" >"$name.out"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$name.out" "$GOLD/$name"
	fi
	test_cmp "$GOLD/$name" "$name.out"
}

for fmt in table csv json html; do
	F=$fmt
	test_expect_success "report (overview) --format $F" '
		golden overview.$F drip -C ws $R report --format $F
	'
	test_expect_success "report seq welcome --format $F" '
		golden seq.$F drip -C ws $R report seq welcome --format $F
	'
	test_expect_success "report contact ada --history --format $F" '
		golden contact.$F drip -C ws $R report contact ada --history --format $F
	'
	test_expect_success "report tasks --format $F" '
		golden tasks.$F drip -C ws $R report tasks --format $F
	'
	test_expect_success "report usage --format $F" '
		golden usage.$F drip -C ws $R report usage --format $F
	'
done

test_expect_success 'contact --history: each change names a commit of contacts.csv' '
	git -C ws log --format=%h --abbrev=12 -- contacts.csv | sort -u >commits &&
	cut -d, -f1 contact.csv.raw | grep -E "^[0-9a-f]{12}\$" | sort -u >named &&
	test_line_count 3 named &&
	comm -13 commits named >stray &&
	test_line_count 0 stray
'

test_expect_success 'report overview is report with no subcommand' '
	drip -C ws $R report overview >a && drip -C ws $R report >b && test_cmp a b
'

test_expect_success 'every JSON report parses, with the documented top-level members' '
	for f in overview seq contact tasks usage; do
		python3 -c "import json,sys; d=json.load(open(sys.argv[1]));
assert sorted(k for k in d if k in (\"report\",\"title\",\"now\")) == [\"now\",\"report\",\"title\"], d.keys()
assert d[\"now\"] == \"2026-11-06T09:00:00Z\"" "$f.json.out" || exit 1
	done
'

test_expect_success 'usage --by day and --by month: the quota (per week) is left out' '
	drip -C ws $R report usage --by day >day &&
	test_grep "^2026-11-05  *4  *4  *8\$" day &&
	! grep quota day &&
	drip -C ws $R report usage --by month --format csv >month &&
	printf "period,fired,completed,actions\n2026-11,13,4,17\n" >expect &&
	test_cmp expect month
'

test_expect_success 'CSV: formulas neutralised, --raw prints cells as they are' '
	test_grep "^'"'"'=cmd,1,1,0," tasks.csv.out &&
	drip -C ws $R report tasks --format csv --raw >raw &&
	test_grep "^=cmd,1,1,0," raw
'

test_expect_success 'table: CJK, accents and emoji line up by display width' '
	drip -C ws $R report tasks >t &&
	grep "^t-20261105T1000-3cd3c4ea" t >rows &&
	grep "^t-20261105T1000-585eaded" t >>rows &&
	python3 -c "
import sys, unicodedata
def w(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in s)
rows = open(sys.argv[1], encoding=\"utf-8\").read().splitlines()
hdr = [l for l in open(sys.argv[2], encoding=\"utf-8\") if l.startswith(\"id \")][0]
col = hdr.index(\"subject\")
for r in rows:
    i = r.rindex(\"  \") + 2
    assert w(r[:i]) == col, (r, w(r[:i]), col)
" rows t
'

test_expect_success 'table: fits $COLUMNS, cutting text with an ellipsis' '
	COLUMNS=60 drip -C ws $R report contact ada >narrow &&
	python3 -c "
import sys, unicodedata
for l in open(sys.argv[1], encoding=\"utf-8\"):
    l = l.rstrip(\"\\n\")
    n = sum(2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in l)
    assert n <= 60, (n, l)
" narrow &&
	grep -q "…" narrow
'

test_expect_success 'table: no colour into a pipe; on a terminal only without NO_COLOR' '
	! grep -q "$(printf "\033")" overview.table.out &&
	if command -v script >/dev/null 2>&1; then
		TERM=dumb script -qec "$DRIP -C ws $R report" /dev/null >tty &&
		grep -q "$(printf "\033")\[1m" tty &&
		NO_COLOR=1 TERM=dumb script -qec "$DRIP -C ws $R report" /dev/null >tty2 &&
		! grep -q "$(printf "\033")" tty2
	fi
'

test_expect_success 'table: a newline or ESC in a value is shown escaped, not obeyed' '
	cp -a ws ws2 &&
	printf "%s\n" "2026-11-05T12:00:00Z,ada,,,,note,ok,,\"two" "lines $(printf "\033")[31m\"" \
		>>ws2/log/2026-11.csv &&
	drip -C ws2 $R report contact ada >esc &&
	test_grep "two\\\\nlines \\\\x1b\[31m\$" esc &&
	! grep -q "$(printf "\033")" esc
'

test_expect_success 'HTML is self-contained: no external reference, an SVG chart' '
	for f in overview seq contact tasks usage; do
		! grep -Eiq "(src|href)=|@import|url\(|<script" "$f.html.out" || exit 1
	done &&
	test_grep "<svg class=\"chart\"" seq.html.out &&
	test_grep "<svg class=\"chart\"" overview.html.out &&
	test_grep "name=\"viewport\"" seq.html.out
'

test_expect_success 'an unknown sequence is 66, naming it' '
	test_expect_code 66 drip -C ws $R report seq nope 2>err &&
	test_grep "^drip: unknown sequence '"'"'nope'"'"'" err &&
	test_expect_code 66 drip -C ws $R report seq ../x 2>err &&
	test_grep "unknown sequence" err
'

test_expect_success 'an unknown contact is 66, naming it' '
	test_expect_code 66 drip -C ws $R report contact zed 2>err &&
	test_grep "^drip: unknown contact '"'"'zed'"'"' (not in contacts.csv)\$" err
'

test_expect_success 'a bad --format or --by is 2 with the usage' '
	test_expect_code 2 drip -C ws $R report --format xml 2>err &&
	test_grep "^drip: --format must be table, csv, json or html, not '"'"'xml'"'"'\$" err &&
	test_grep "^usage: drip report overview" err &&
	test_expect_code 2 drip -C ws $R report seq welcome --format yaml 2>err &&
	test_grep "not '"'"'yaml'"'"'" err &&
	test_expect_code 2 drip -C ws $R report usage --by year 2>err &&
	test_grep "^drip: --by must be day, week or month, not '"'"'year'"'"'\$" err
'

test_expect_success 'missing or extra operands and unknown subcommands are 2' '
	test_expect_code 2 drip -C ws $R report seq 2>err &&
	test_grep "missing sequence id" err &&
	test_expect_code 2 drip -C ws $R report contact ada bo 2>err &&
	test_grep "one contact at a time" err &&
	test_expect_code 2 drip -C ws $R report tasks extra 2>err &&
	test_expect_code 2 drip -C ws $R report sequence 2>err &&
	test_grep "unknown subcommand '"'"'drip report sequence'"'"'" err
'

test_expect_success 'a bad quota in drip.yaml is 78 with its place' '
	cp -a ws ws3 &&
	sed -i "s/^  per: week/  per: fortnight/" ws3/drip.yaml &&
	test_expect_code 78 drip -C ws3 $R report usage 2>err &&
	test_grep "drip.yaml:[0-9]*:[0-9]*: .*fortnight" err
'

test_expect_success 'completion: subcommands, sequence ids, contact ids, --by values' '
	(cd ws && "$DRIP" __complete report "") >out &&
	printf "overview\nseq\ncontact\ntasks\nupcoming\nusage\n" >expect && test_cmp expect out &&
	(cd ws && "$DRIP" __complete report seq "") >out &&
	printf "later\nwelcome\n" >expect && test_cmp expect out &&
	(cd ws && "$DRIP" __complete report contact "") >out &&
	printf "ada\nbo\ncy\ndee\neve\nfin\n" >expect && test_cmp expect out &&
	(cd ws && "$DRIP" __complete report usage --by "") >out &&
	printf "day\nweek\nmonth\n" >expect && test_cmp expect out &&
	(cd ws && "$DRIP" __complete report contact --hi) >out && test_grep "^--history\$" out &&
	(cd ws && "$DRIP" __complete report upcoming --u) >out && test_grep "^--until\$" out &&
	(cd ws && "$DRIP" __complete report --fo) >out && test_grep "^--format\$" out &&
	(cd ws && "$DRIP" __complete --format "") >out && test_grep "^html\$" out
'

# report upcoming reads a copy of the fixture with a third sequence whose
# steps lie ahead: enrolled an hour before --now, its steps fire over the
# next days; the fixture itself has nothing left to do.
test_expect_success 'upcoming: a workspace with work ahead' '
	cp -a ws wsu &&
	cat >wsu/sequences/onboard.yaml <<-\YAML &&
	id: onboard
	steps:
	  - {id: hi, type: email, wait: 0, template: templates/hello.eml}
	  - {id: tip, type: email, wait: 1d, template: templates/a.eml}
	  - {id: ring, type: call, wait: 2d, subject: "Call {{first_name}}"}
	YAML
	git -C wsu add sequences/onboard.yaml &&
	git -C wsu commit -qm "onboard" &&
	drip -C wsu -q --now 2026-11-06T07:00:00Z seq publish onboard &&
	drip -C wsu -q --now 2026-11-06T08:00:00Z enroll onboard ada bo dee &&
	snapshot wsu >before-u
'

for fmt in table csv json html; do
	F=$fmt
	test_expect_success "report upcoming --format $F" '
		golden upcoming.$F drip -C wsu $R report upcoming --format $F
	'
done

test_expect_success 'upcoming: the default horizon is 7 days; --until moves it' '
	drip -C wsu $R report upcoming --until 2026-11-13T09:00:00Z --format csv >a &&
	test_cmp upcoming.csv.out a &&
	drip -C wsu $R report upcoming --until 2026-11-06T12:00:00Z --format csv >short &&
	grep -c ",onboard," short >n && echo 3 >expect && test_cmp expect n &&
	! grep -q ",tip," short
'

test_expect_success 'upcoming predicts exactly the rows that ticks up to --until log' '
	cp -a wsu wsv &&
	T=2026-11-10T12:00:00Z &&
	drip -C wsv $R report upcoming --until $T --format csv --raw >predicted &&
	sed -n "/^time,contact,/,\$p" predicted | sed 1d >pred-rows &&
	test -s pred-rows &&
	cat wsv/log/*.csv | sort >log-before &&
	for now in 2026-11-06T09:00:00Z 2026-11-07T10:00:00Z 2026-11-08T23:00:00Z $T; do
		drip -C wsv -q --now $now tick --no-deliver || exit 1
	done &&
	for f in wsv/log/*.csv; do sed 1d "$f"; done >log-all &&
	grep -vxFf log-before log-all >new-rows &&
	python3 -c "
import csv, sys
new = [r[:5] + r[5:7] + r[8:9] for r in csv.reader(open(sys.argv[1]))]
pred = list(csv.reader(open(sys.argv[2])))
assert new == pred, (new, pred)
assert len(pred) >= 6, pred
" new-rows pred-rows
'

test_expect_success 'upcoming: a bad or past --until is 2 with the usage, nothing changed' '
	test_expect_code 2 drip -C wsu $R report upcoming --until tomorrow 2>err &&
	test_grep "^drip: invalid --until '"'"'tomorrow'"'"': " err &&
	test_grep "^usage: drip report upcoming" err &&
	test_expect_code 2 drip -C wsu $R report upcoming --until 2026-11-05T00:00:00Z 2>err &&
	test_grep "^drip: --until 2026-11-05T00:00:00Z is before now" err &&
	test_expect_code 2 drip -C wsu $R report upcoming --until 2>err &&
	test_expect_code 2 drip -C wsu $R report upcoming extra 2>err &&
	test_unchanged wsu before-u
'

test_expect_success 'upcoming changes nothing, even with contacts.csv out of order' '
	test_unchanged wsu before-u &&
	cp -a wsu wsw &&
	{ head -1 wsw/contacts.csv && sed 1d wsw/contacts.csv | sort -r; } >c &&
	cp c wsw/contacts.csv && snapshot wsw >before-w &&
	drip -C wsw $R report upcoming --format csv >w &&
	test_cmp upcoming.csv.out w &&
	test_unchanged wsw before-w
'

test_expect_success 'reports change nothing in the workspace' '
	test_unchanged ws before
'

test_done
