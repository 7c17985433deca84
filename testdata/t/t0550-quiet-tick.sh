#!/bin/sh
# Quiet ticks (due.h): a shard with nothing due is neither read nor
# rewritten, and contacts.csv is not read when no shard has work; what
# the ticks leave is exactly what ticks that read everything leave.
. "$(dirname "$0")/lib.sh"

STRACE="env ASAN_OPTIONS=detect_leaks=0 strace"
have_strace=1
if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	have_strace=0
fi

# Twelve contacts, six enrolled in a sequence whose second step is a week
# after the first, spread over several shards.
new_ws ws
{
	echo "id,email,first_name"
	for i in 01 02 03 04 05 06 07 08 09 10 11 12; do echo "c$i,c$i@example.com,C$i"; done
} >ws/contacts.csv
printf 'Subject: Hi\n\nHi.\n' >ws/templates/a.eml
printf 'id: s1\nname: First\nsteps:\n  - {id: hello, type: email, wait: 0, template: templates/a.eml}\n  - {id: later, type: email, wait: 7d, template: templates/a.eml}\n' >ws/sequences/s1.yaml
git -C ws add -A && git -C ws commit -qm setup
drip -C ws -q --now 2026-11-24T07:00:00Z seq publish s1 &&
drip -C ws -q --now 2026-11-24T08:05:00Z enroll s1 c01 c02 c03 c04 c05 c06 &&
drip -C ws -q --now 2026-11-24T08:25:00Z tick --no-deliver
# The same workspace, for ticks that never use the cache.
cp -a ws full

# Each shard file's identity (inode, mtime, size) and content.
shards() {
	(cd "$1/state/enrollments" && stat -c '%n %i %y %s' *.csv && sha256sum *.csv)
}

# tick WS NOW [TRACE]: a tick, under strace into TRACE when given; for
# the workspace "full", with the cache removed first.
tick() {
	if [ "$1" = full ]; then
		rm -f full/.git/drip-due
	fi
	if [ $# -eq 3 ] && [ $have_strace = 1 ]; then
		$STRACE -f -e trace=open,openat -o "$3" "$DRIP" -C "$1" -q --now "$2" tick --catch-up --no-deliver
	else
		drip -C "$1" -q --now "$2" tick --catch-up --no-deliver
	fi
}

# opened TRACE PATTERN: lines of TRACE that open a file matching PATTERN.
opened() {
	grep -E "open(at)?\(.*\"[^\"]*$2\"" "$1" || true
}

test_expect_success 'a tick with nothing due reads no shard and not contacts.csv' '
	test -f ws/.git/drip-due &&
	ls ws/state/enrollments/*.csv >files && test $(wc -l <files) -gt 2 &&
	shards ws >before &&
	git -C ws rev-parse HEAD >head_before &&
	tick ws 2026-11-24T10:00:00Z trace &&
	shards ws >after &&
	test_cmp before after &&
	if [ $have_strace = 1 ]; then
		opened trace "state/enrollments/[0-9]+\.csv" >o &&
		test_line_count 0 o &&
		opened trace "/contacts\.csv" >o &&
		test_line_count 0 o
	fi &&
	git -C ws rev-parse HEAD >head_after &&
	test_cmp head_before head_after &&
	git -C ws cat-file blob refs/drip/clock >clock &&
	printf "last_slot,ref\n2026-11-24T10:00:00Z,refs/drip/clock\n" >expect && test_cmp expect clock &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'an event wakes its shard alone; the quiet shards stay byte-identical' '
	tick full 2026-11-24T10:00:00Z &&
	drip -C ws -q --now 2026-11-24T10:30:00Z event c03 open &&
	drip -C full -q --now 2026-11-24T10:30:00Z event c03 open &&
	shard=$(grep -l "^c03," ws/state/enrollments/*.csv) &&
	shards ws | grep -v "^$(basename $shard) " | grep -v " $(basename $shard)\$" >before &&
	tick ws 2026-11-24T10:45:00Z trace &&
	shards ws | grep -v "^$(basename $shard) " | grep -v " $(basename $shard)\$" >after &&
	test_cmp before after &&
	if [ $have_strace = 1 ]; then
		opened trace "state/enrollments/[0-9]+\.csv" | sed "s/.*\"\(.*\)\".*/\1/" |
			sort -u >o &&
		test_line_count 1 o &&
		test_grep "/$(basename $shard)\$" o &&
		opened trace "/contacts\.csv" >o &&
		test $(wc -l <o) -ge 1
	fi &&
	test_grep ",c03,,,,event,ok," ws/log/2026-11.csv &&
	tick full 2026-11-24T10:45:00Z
'

test_expect_success 'a contact enrolled between ticks is seen; edits to a shard make it read' '
	drip -C ws -q --now 2026-11-24T11:00:00Z enroll s1 c07 &&
	drip -C full -q --now 2026-11-24T11:00:00Z enroll s1 c07 &&
	tick ws 2026-11-24T11:30:00Z &&
	tick full 2026-11-24T11:30:00Z &&
	grep -h "^c07,s1,1,active,later," ws/state/enrollments/*.csv &&
	grep ",c07,s1,hello,,email,ok," ws/log/2026-11.csv
'

test_expect_success 'a week later the due step fires for all seven, as without the cache' '
	tick ws 2026-11-28T11:30:00Z &&
	tick full 2026-11-28T11:30:00Z &&
	tick ws 2026-12-01T09:00:00Z trace &&
	if [ $have_strace = 1 ]; then
		opened trace "/contacts\.csv" >o && test_line_count 0 o
	fi &&
	tick full 2026-12-01T09:00:00Z &&
	tick ws 2026-12-01T11:00:00Z &&
	tick full 2026-12-01T11:00:00Z &&
	grep -c ",s1,later,,email,ok," ws/log/2026-12.csv >n &&
	echo 7 >expect && test_cmp expect n &&
	diff -r -x .git ws full &&
	git -C ws log --format=%s >a && git -C full log --format=%s >b && test_cmp a b
'

test_expect_success 'a cache from a later clock, or for other files, is not used' '
	cp ws/.git/drip-due saved &&
	sed -i "2s/.*/9999999999/" ws/.git/drip-due &&
	tick ws 2026-12-01T11:20:00Z trace &&
	if [ $have_strace = 1 ]; then
		opened trace "/contacts\.csv" >o && test $(wc -l <o) -ge 1
	fi &&
	printf "c13,c13@example.com,C13\n" >>ws/contacts.csv &&
	git -C ws commit -qam "one more" &&
	tick ws 2026-12-01T11:40:00Z trace &&
	if [ $have_strace = 1 ]; then
		opened trace "/contacts\.csv" >o && test $(wc -l <o) -ge 1
	fi &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_done
