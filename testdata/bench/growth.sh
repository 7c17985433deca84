#!/bin/sh
# growth.sh - a year of ticks against the packed size of one snapshot
# (SPEC §13: a year of ticks on the bench workspace costs less than 100
# times the packed size of one snapshot).  Part of `make bench`.
#
#   sh testdata/bench/growth.sh GEN DRIP DIR
#
# Environment: BENCH_GROWTH_CONTACTS (default 20000), BENCH_GROWTH_DAYS
# (default 14), BENCH_GROWTH_WARMUP (default 7).
#
# A workspace of the bench's shape (gen) at a scaled size lives through
# the daily rhythm: every day new contacts (a half per cent) are imported
# and enrolled, some contacts open a message (events), and tick runs every
# 20 minutes, 72 times a day, with its automatic packing on (gc.auto's
# default).  gen enrolls every contact at once, a wave that has passed
# after BENCH_GROWTH_WARMUP days; the packed repository is measured then
# and after BENCH_GROWTH_DAYS more days.  The growth per day, times 365, is
# set against 100 times one snapshot: a repository holding only the last
# commit's tree, packed.  Both are also scaled, linearly, to the bench
# workspace's BENCH_SIZE contacts (default 1000000); the ratio is the same.
set -eu

GEN=$1
DRIP=$2
DIR=$3
N=${BENCH_GROWTH_CONTACTS:-20000}
DAYS=${BENCH_GROWTH_DAYS:-14}
WARMUP=${BENCH_GROWTH_WARMUP:-7}
export LC_ALL=C TZ=UTC

die() { echo "growth: $*" >&2; exit 1; }

# The packed size of the repository: everything reachable, in one pack.
packed() {
	"$DRIP" -C "$1" -q gc || die "gc failed"
	find "$1/.git/objects" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'
}

rm -rf "$DIR"
"$GEN" -d "$DRIP" "$DIR" "$N" >/dev/null || die "cannot generate"
start=$(date +%s)
# Day 0 is gen's BENCH_NOW's day: 2026-03-02.
next=$((N + 1))
new=$(((N + 199) / 200))
d=0
while [ "$d" -lt $((WARMUP + DAYS)) ]; do
	if [ "$d" -eq "$WARMUP" ]; then
		s0=$(packed "$DIR")
		commits0=$(git -C "$DIR" rev-list --count HEAD)
	fi
	day=$(date -u -d "@$((1772409600 + d * 86400))" +%Y-%m-%d)
	# New contacts at 08:00, enrolled at 08:05.
	{
		echo "id,email,first_name,last_name,phone,timezone,status,unsubscribed,bounced,owner,tags"
		i=0
		while [ "$i" -lt "$new" ]; do
			printf 'c%07d,c%07d@example.com,New,Contact,,,active,false,false,,lead\n' \
				$((next + i)) $((next + i))
			i=$((i + 1))
		done
	} >"$DIR/../new.csv"
	head -n 1 "$DIR/contacts.csv" | tr -d '\r' >"$DIR/../head"
	[ "$(cat "$DIR/../head")" = "$(head -n 1 "$DIR/../new.csv")" ] ||
		die "contacts.csv's header is not gen's: $(cat "$DIR/../head")"
	"$DRIP" -C "$DIR" -q --now "${day}T08:00:00Z" contact import "$DIR/../new.csv" ||
		die "import failed on $day"
	{ echo id; sed 1d "$DIR/../new.csv" | cut -d, -f1; } >"$DIR/../ids.csv"
	"$DRIP" -C "$DIR" -q --now "${day}T08:05:00Z" enroll bench --file "$DIR/../ids.csv" ||
		die "enroll failed on $day"
	next=$((next + new))
	# A few contacts open, click and reply in the afternoon.
	i=0
	while [ "$i" -lt 10 ]; do
		c=$(printf 'c%07d' $(((d * 977 + i * 131) % N + 1)))
		"$DRIP" -C "$DIR" -q --now "${day}T14:0${i}:00Z" event "$c" open >/dev/null ||
			die "event failed"
		i=$((i + 1))
	done
	# 72 ticks, one per slot.
	base=$(date -u -d "$day" +%s)
	s=0
	while [ "$s" -lt 72 ]; do
		t=$(date -u -d "@$((base + s * 1200))" +%Y-%m-%dT%H:%M:%SZ)
		"$DRIP" -C "$DIR" -q --now "$t" tick --no-deliver --catch-up >/dev/null 2>&1 ||
			[ $? -eq 1 ] || die "tick failed at $t"
		s=$((s + 1))
	done
	d=$((d + 1))
done
secs=$(($(date +%s) - start))
s1=$(packed "$DIR")
commits=$(($(git -C "$DIR" rev-list --count HEAD) - commits0))
git -C "$DIR" fsck --full --no-dangling >/dev/null 2>&1 || die "git fsck failed"
# One snapshot: the last commit alone, in a repository of its own.
rm -rf "$DIR.snap"
mkdir "$DIR.snap"
git -C "$DIR" archive HEAD | tar -x -C "$DIR.snap" || die "cannot copy the tree"
git -C "$DIR.snap" init -q && git -C "$DIR.snap" add -A &&
	git -C "$DIR.snap" -c user.name=bench -c user.email=bench@localhost commit -qm snapshot ||
	die "cannot commit the snapshot"
snap=$(packed "$DIR.snap")
rm -rf "$DIR.snap"
awk -v s0="$s0" -v s1="$s1" -v snap="$snap" -v days="$DAYS" -v n="$N" -v commits="$commits" \
    -v secs="$secs" -v size="${BENCH_SIZE:-1000000}" 'BEGIN {
	per = (s1 - s0) / days
	year = per * 365
	printf "%-26s %10s\n", "a year of ticks, " n " contacts", "KiB"
	printf "%-26s %10d\n", "packed, after the wave", s0
	printf "%-26s %10d\n", days " days later, packed", s1
	printf "%-26s %10.1f\n", "growth per day", per
	printf "%-26s %10.0f\n", "a year (x365)", year
	printf "%-26s %10d\n", "one snapshot, packed", snap
	printf "%-26s %10.1f\n", "a year / one snapshot", (snap > 0 ? year / snap : 0)
	printf "%-26s %10.0f\n", "a year, " size " (x" size / n ")", year * size / n
	printf "%-26s %10.0f\n", "one snapshot, " size, snap * size / n
	printf "%-26s %10d\n", "commits in " days " days", commits
	printf "%-26s %10d\n", "simulated in seconds", secs
	printf "%-44s %s\n", "a year < 100x one snapshot (" sprintf("%.0f", 100 * snap) " KiB)", (year < 100 * snap ? "PASS" : "MISS")
}'
