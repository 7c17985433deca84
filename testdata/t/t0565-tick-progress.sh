#!/bin/sh
# tick's progress bars: on a terminal (script(1) gives one) a bar per
# phase on stderr once the phase has taken DRIP_PROGRESS_AFTER
# milliseconds; nothing when stderr is not a terminal, nothing with -q,
# and nothing for a quick tick at the default threshold.  stdout is the
# same either way.
. "$(dirname "$0")/lib.sh"

if ! command -v script >/dev/null 2>&1; then
	test_skip "progress on a terminal" "script(1) not installed"
	test_done
fi

new_ws ws
{
	echo id,email
	i=0
	while [ $i -lt 2000 ]; do
		printf 'c%05d,c%05d@example.com\n' $i $i
		i=$((i + 1))
	done
} >ws/contacts.csv
mkdir -p ws/templates
printf 'Subject: Hi\n\nHi. {{link.unsubscribe}}\n' >ws/templates/hi.eml
cat >ws/sequences/s.yaml <<'YAML'
id: s
steps:
  - {id: hi, type: email, wait: 1h, template: templates/hi.eml}
YAML
{ git -C ws add -A && git -C ws commit -qm fixture &&
  drip -C ws -q --now $NOW seq publish s &&
  drip -C ws -q --now $NOW enroll s --where "true"; } >fixture.out 2>&1 ||
	{ cat fixture.out; echo "Bail out! the workspace"; exit 1; }

T1=2026-11-24T12:00:00Z
T2=2026-11-24T14:00:00Z

# tty CMD: run CMD with stderr on a terminal, what the terminal showed
# into the file err; its stdout goes to the file out.
tty() {
	script -qec "$* >$TRASH/out" /dev/null >err
}

test_expect_success 'on a terminal: a bar for contacts, writing and committing' '
	cp -a ws w1 &&
	DRIP_PROGRESS_AFTER=0 tty "$DRIP" -C w1 --now $T1 tick --no-deliver &&
	tr "\r" "\n" <err >lines &&
	test_grep "^contacts   \[#*-*\] *[0-9]*%\$" lines &&
	test_grep "^contacts   \[#\{30\}\] 100%\$" lines &&
	test_grep "^writing    \[#\{30\}\] 100%\$" lines &&
	test_grep "^committing \[#\{30\}\] 100%\$" lines &&
	grep -c "100%" lines >n && echo 3 >expect && test_cmp expect n
'

test_expect_success 'delivering has its bar when messages go out' '
	cp -a ws w2 &&
	DRIP_PROGRESS_AFTER=0 tty "$DRIP" -C w2 --now $T1 tick &&
	tr "\r" "\n" <err >lines &&
	test_grep "^delivering \[#\{30\}\] 100%\$" lines
'

test_expect_success 'stderr not a terminal: no bar, nothing on stderr' '
	cp -a ws w3 &&
	DRIP_PROGRESS_AFTER=0 script -qec "$DRIP -C w3 --now $T1 tick --no-deliver 2>$TRASH/err3" /dev/null >/dev/null &&
	test -f err3 && test_line_count 0 err3 &&
	cp -a ws w4 &&
	DRIP_PROGRESS_AFTER=0 "$DRIP" -C w4 --now $T1 tick --no-deliver 2>err5 &&
	test_line_count 0 err5
'

test_expect_success 'with -q, or a quick tick at the default threshold: no bar' '
	cp -a ws w5 &&
	DRIP_PROGRESS_AFTER=0 tty "$DRIP" -C w5 -q --now $T1 tick --no-deliver &&
	test_line_count 0 err &&
	cp -a ws w6 &&
	DRIP_PROGRESS_AFTER=60000 tty "$DRIP" -C w6 --now $T1 tick --no-deliver &&
	test_line_count 0 err
'

test_expect_success 'the bars change nothing: same files as without them' '
	cp -a ws w7 &&
	"$DRIP" -C w7 -q --now $T1 tick --no-deliver &&
	for d in w1 w7; do
		(cd $d && cat state/*.csv state/enrollments/*.csv log/*.csv 2>/dev/null) >$d.files
	done &&
	test_cmp w1.files w7.files
'

test_done
