#!/bin/sh
# A value with a newline (or a tab, or ESC) never breaks a table: every
# command that prints an aligned table or tab-separated rows shows such a
# value escaped (\n, \t, \x1b), one row per line, columns aligned.
. "$(dirname "$0")/lib.sh"

new_ws ws
ESC=$(printf '\033')
TAB=$(printf '\t')
printf 'id,email,first_name\nann,ann@example.com,"two\nlines"\nben,ben@example.com,"tab%sand %s[31mred"\n' \
	"$TAB" "$ESC" >ws/contacts.csv
mkdir -p ws/templates
printf 'Subject: Hi\n\nHi. {{link.unsubscribe}}\n' >ws/templates/hi.eml
cat >ws/sequences/s.yaml <<'YAML'
id: s
steps:
  - {id: ring, type: call, wait: 0, subject: "Call {{first_name}}"}
YAML
{ git -C ws add -A && git -C ws commit -qm fixture &&
  drip -C ws -q --now $NOW seq publish s &&
  drip -C ws -q --now $NOW enroll s ann ben; } >fixture.out 2>&1 ||
	{ cat fixture.out; echo "Bail out! the workspace"; exit 1; }

# aligned FILE ROWS: FILE has ROWS lines, no raw ESC, and the column after
# the first starts at the same display column on every line.
aligned() {
	test_line_count "$2" "$1" &&
	! grep -q "$ESC" "$1" &&
	python3 -c "
import sys, re
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
starts = {re.search(r'  +\S', l).end() - 1 for l in lines}
assert len(starts) == 1, lines
" "$1"
}

test_expect_success 'tick --dry-run: one row per action, the value escaped' '
	drip -C ws --now 2026-11-24T11:00:00Z tick --dry-run >dry &&
	test_line_count 5 dry &&
	test_grep "Call two\\\\nlines\$" dry &&
	test_grep "Call tab\\\\tand \\\\x1b\[31mred\$" dry &&
	! grep -q "$ESC" dry &&
	awk -F "\t" "NF != 7 { exit 1 }" dry
'

test_expect_success 'contact list: the table keeps one line per contact, aligned' '
	drip -C ws contact list >list &&
	aligned list 3 &&
	test_grep "two\\\\nlines" list &&
	test_grep "tab\\\\tand \\\\x1b\[31mred" list
'

test_expect_success 'task list: a subject with a newline stays on its row' '
	drip -C ws -q --now 2026-11-24T11:00:00Z tick --no-deliver &&
	drip -C ws task list >tasks &&
	aligned tasks 3 &&
	test_grep "Call two\\\\nlines" tasks
'

test_expect_success 'CSV and JSON keep the value as it is' '
	drip -C ws contact list --format csv --raw >csv &&
	python3 -c "
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline=\"\")))
assert rows[1][2] == \"two\nlines\", rows
" csv
'

test_done
