#!/bin/sh
# run.sh - the measurements of `make bench` (SPEC §13).  A measurement, not
# a test: it prints PASS or MISS for each target and exits 0 either way
# (non-zero only when something could not be run at all).
#
#   sh testdata/bench/run.sh        (after `make`, from the top directory)
#
# Environment:
#   BENCH_SIZE        contacts in the tick workspace (default 1000000)
#   BENCH_LINT_FILES  sequence files for the lint timing (default 1000)
#   BENCH_RUNS        timed runs of each, from fresh copies; the best wall
#                     time is reported (default 1)
#   BENCH_GROWTH_CONTACTS, BENCH_GROWTH_DAYS, BENCH_GROWTH_WARMUP
#                     the year-of-growth run (testdata/bench/growth.sh)
#   BENCH_DIR         where the workspaces go (default build/bench/work);
#                     emptied first, removed at the end unless BENCH_KEEP=1
#   DRIP, B           the drip binary and the build directory with
#                     libdrip.a (defaults: ./drip and build)
#   CC, BENCH_CFLAGS, BENCH_LIBS   how gen and floor are compiled (the
#                     Makefile passes its own)
#
# It builds gen and the floors, makes the workspace once, copies it twice
# for each run (all before the first, each with its index refreshed), then
# runs `drip tick --now NOW --no-deliver` on one copy and floor on the
# other, each under /usr/bin/time; it checks that both
# left the same state, log and messages, prints wall time, peak memory and
# CPU time side by side, and times `drip seq lint` on a workspace of
# BENCH_LINT_FILES sequences.  A quiet tick (the next slot, nothing due)
# on the ticked workspace is timed against the busy one.  Then, on copies
# of the workspace with a second sequence published, `drip enroll bench2
# --file IDS` of 95% of the contacts against floor_enroll (a libcsv pass over contacts, ids and
# state that writes the state and the log and commits), checking that both
# left the same files; and `drip contact import` of the whole contacts.csv
# into a new, empty workspace.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
SIZE=${BENCH_SIZE:-1000000}
LINT_FILES=${BENCH_LINT_FILES:-1000}
RUNS=${BENCH_RUNS:-1}
DRIP=${DRIP:-$TOP/drip}
B=${B:-build}
WORK=${BENCH_DIR:-$B/bench/work}
NOW=2026-03-02T10:00:00Z	# gen.c's BENCH_NOW
CC=${CC:-cc}
BENCH_CFLAGS=${BENCH_CFLAGS:-"-std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wno-missing-field-initializers -D_POSIX_C_SOURCE=200809L \
-D_DEFAULT_SOURCE -I. -Iformats -Icore $(pkg-config --cflags yaml-0.1 libgit2 libsodium) -O2 -g"}
BENCH_LIBS=${BENCH_LIBS:-"$(pkg-config --libs yaml-0.1 libgit2 libsodium) -lcsv"}

export LC_ALL=C TZ=UTC GIT_CONFIG_NOSYSTEM=1

die() { echo "bench: $*" >&2; exit 1; }

# /usr/bin/time (the Debian package "time"), not the shell's keyword.
sh testdata/deps.sh time
[ -x /usr/bin/time ] || die "/usr/bin/time is missing"
[ -x "$DRIP" ] && [ -f "$B/libdrip.a" ] || die "build drip first: make"

mkdir -p "$B/bench"
for p in gen floor floor_enroll; do
	# shellcheck disable=SC2086 # the flags are word lists
	$CC $BENCH_CFLAGS -o "$B/bench/$p" "testdata/bench/$p.c" "$B/libdrip.a" $BENCH_LIBS ||
		die "cannot build $p"
done

rm -rf "$WORK"
mkdir -p "$WORK/times"
WORK=$(cd "$WORK" && pwd)

# timed OUT CMD...: run CMD under /usr/bin/time; OUT gets
# "wall-seconds peak-KiB user-seconds sys-seconds", OUT.out and OUT.err
# its output.
timed() {
	out=$1
	shift
	sync
	/usr/bin/time -f '%e %M %U %S' -o "$out" "$@" >"$out.out" 2>"$out.err" || {
		cat "$out.err" >&2
		die "'$*' failed"
	}
}

# The names and bytes of a folder's files, in name order.
digest() { (cd "$1" && ls | xargs cat | cksum); }

echo "bench: generating $SIZE contacts in $WORK/base"
start=$(date +%s)
"$B/bench/gen" -d "$DRIP" "$WORK/base" "$SIZE"
[ -z "$(git -C "$WORK/base" status --porcelain)" ] || die "the generated workspace is not clean"
echo "bench: generated in $(($(date +%s) - start)) s ($(du -sh "$WORK/base" | cut -f1))"

# Each run has fresh copies of its own, all made before the first run:
# removing a run's 50,000 messages just before the next run would make
# the file system's inode allocator step over every inode freed moments
# ago (ext4's recently_deleted), seconds of system time that are the
# bench's doing, not drip's or the floor's.  A copy gives every file a
# new inode and change time, so the index no longer vouches for any of
# them (git, and drip's check for uncommitted changes, would read them
# all); cron ticks where the last commit left the index matching the
# files, so the index of each copy is refreshed first, as `git status`
# would.  Odd runs time tick first, even runs the floor first, so neither
# always meets the other's disk write-back.
r=1
while [ "$r" -le "$RUNS" ]; do
	for d in tick floor; do
		rm -rf "$WORK/$d.$r"
		cp -a "$WORK/base" "$WORK/$d.$r"
		git -C "$WORK/$d.$r" update-index -q --refresh
	done
	r=$((r + 1))
done
r=1
while [ "$r" -le "$RUNS" ]; do
	if [ $((r % 2)) = 1 ]; then
		timed "$WORK/times/tick.$r" "$DRIP" -C "$WORK/tick.$r" -v --now "$NOW" tick --no-deliver
		timed "$WORK/times/floor.$r" "$B/bench/floor" "$WORK/floor.$r" "$NOW"
	else
		timed "$WORK/times/floor.$r" "$B/bench/floor" "$WORK/floor.$r" "$NOW"
		timed "$WORK/times/tick.$r" "$DRIP" -C "$WORK/tick.$r" -v --now "$NOW" tick --no-deliver
	fi
	echo "bench: run $r: tick $(cat "$WORK/times/tick.$r"), floor $(cat "$WORK/times/floor.$r")" \
		"(wall s, peak KiB, user s, sys s)"
	r=$((r + 1))
done
# The checks and the quiet tick below look at the last run's copies.
r=$RUNS
rm -rf "$WORK/tick" "$WORK/floor"
mv "$WORK/tick.$r" "$WORK/tick"
mv "$WORK/floor.$r" "$WORK/floor"
r=1
while [ "$r" -lt "$RUNS" ]; do
	rm -rf "$WORK/tick.$r" "$WORK/floor.$r"
	r=$((r + 1))
done

# The floor must have done drip's work, not less: the same state, clock,
# log and message files (names and bytes).
due=$(((SIZE + 19) / 20))
same=yes
for f in state/clock.csv log/2026-03.csv $(cd "$WORK/tick" && ls state/enrollments/*.csv); do
	cmp -s "$WORK/tick/$f" "$WORK/floor/$f" || { same=no; echo "bench: $f differs" >&2; }
done
[ "$(digest "$WORK/tick/outbox/new")" = "$(digest "$WORK/floor/outbox/new")" ] ||
	{ same=no; echo "bench: the messages differ" >&2; }
msgs=$(ls "$WORK/tick/outbox/new" | wc -l)
[ "$msgs" -eq "$due" ] || { same=no; echo "bench: tick queued $msgs messages, not $due" >&2; }
size() { find "$1" -type f -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%.0f", n ? s / n : 0 }'; }
[ -z "$(git -C "$WORK/tick" status --porcelain)" ] || { same=no; echo "bench: tick left the tree unclean" >&2; }

# A quiet tick: the next slot on the ticked workspace itself, where nothing
# is due (the others are due a day or two later); it must cost what is due,
# not what is stored.  In place, as cron runs it: a copy (cp -a) gives
# every file a new inode and ctime, and the quiet-tick cache (core/due.h)
# rightly trusts no file it did not see written.
QUIET=2026-03-02T10:20:00Z
timed "$WORK/times/quiet" "$DRIP" -C "$WORK/tick" --now "$QUIET" tick --no-deliver
qmsgs=$(ls "$WORK/tick/outbox/new" | wc -l)
[ "$qmsgs" -eq "$msgs" ] || echo "bench: the quiet tick queued $((qmsgs - msgs)) messages" >&2

# enroll --file: a second sequence, published, and 95% of the contacts
# (all but one in twenty) in a file of ids, in id order.
echo "bench: enroll and import of $SIZE contacts"
cp -a "$WORK/base" "$WORK/enr0"
sed 's/^id: bench$/id: bench2/' "$WORK/enr0/sequences/bench.yaml" >"$WORK/enr0/sequences/bench2.yaml"
git -C "$WORK/enr0" add sequences/bench2.yaml
git -C "$WORK/enr0" -c user.name="drip bench" -c user.email=bench@localhost commit -q \
	-m "bench: a second sequence"
"$DRIP" -C "$WORK/enr0" -q --now "$NOW" seq publish bench2 || die "cannot publish bench2"
awk -F, 'NR == 1 { print "id"; next } (NR - 1) % 20 != 0 { print $1 }' \
	"$WORK/base/contacts.csv" >"$WORK/ids.csv"
ids=$(($(wc -l <"$WORK/ids.csv") - 1))
rm -rf "$WORK/enr" "$WORK/enrfloor"
cp -a "$WORK/enr0" "$WORK/enr"
cp -a "$WORK/enr0" "$WORK/enrfloor"
git -C "$WORK/enr" update-index -q --refresh
git -C "$WORK/enrfloor" update-index -q --refresh
rm -rf "$WORK/enr0"
timed "$WORK/times/enroll" "$DRIP" -C "$WORK/enr" --now "$NOW" enroll bench2 --file "$WORK/ids.csv"
timed "$WORK/times/enrfloor" "$B/bench/floor_enroll" "$WORK/enrfloor" bench2 "$NOW" "$WORK/ids.csv"
esame=yes
for f in log/2026-03.csv $(cd "$WORK/enr" && ls state/enrollments/*.csv); do
	cmp -s "$WORK/enr/$f" "$WORK/enrfloor/$f" || { esame=no; echo "bench: enroll: $f differs" >&2; }
done
[ -z "$(git -C "$WORK/enr" status --porcelain)" ] || { esame=no; echo "bench: enroll left the tree unclean" >&2; }
rm -rf "$WORK/enr" "$WORK/enrfloor"

# contact import of the whole file into a new workspace.
rm -rf "$WORK/imp"
"$DRIP" -q --now "$NOW" init --name Import "$WORK/imp" >/dev/null || die "cannot init"
timed "$WORK/times/import" "$DRIP" -C "$WORK/imp" --now "$NOW" contact import "$WORK/base/contacts.csv"
isame=yes
cmp -s "$WORK/imp/contacts.csv" "$WORK/base/contacts.csv" || { isame=no; echo "bench: import: contacts.csv differs" >&2; }
rm -rf "$WORK/imp"

# contact list of every contact, as a script reads it.
timed "$WORK/times/list" "$DRIP" -C "$WORK/base" contact list --format csv --raw
lsame=yes
cmp -s "$WORK/times/list.out" "$WORK/base/contacts.csv" || { lsame=no; echo "bench: contact list differs from contacts.csv" >&2; }
rm -f "$WORK/times/list.out"

echo "bench: lint workspace of $LINT_FILES sequences in $WORK/lint"
"$B/bench/gen" -d "$DRIP" -l "$WORK/lint" "$LINT_FILES"
sync
/usr/bin/time -f '%e %M %U %S' -o "$WORK/lint.time" "$DRIP" -C "$WORK/lint" seq lint \
	>"$WORK/lint.out" 2>&1 && lintrc=0 || lintrc=$?

# Each hostile shape of a sequence file, just under the 1 MiB limit
# (testdata/fuzz/shapes.py): lint in linear time and bounded memory.
python3 testdata/fuzz/shapes.py "$WORK/shapes" >"$WORK/shapes.list" || die "cannot make the shapes"
for shape in $(cat "$WORK/shapes.list"); do
	sync
	/usr/bin/time -f '%e %M' -o "$WORK/times/shape-$shape" "$DRIP" seq lint \
		"$WORK/shapes/sequences/$shape.yaml" >/dev/null 2>&1 || true
done

# The run with the least wall time of each (/usr/bin/time puts "Command
# exited with non-zero status N" first when a command fails: the figures
# are on the last line).
best() { for f in "$@"; do tail -n 1 "$f"; done | sort -n | head -n 1; }
figures() { tail -n 1 "$1"; }
read -r tw tk tu ts <<END
$(best "$WORK"/times/tick.*[0-9])
END
read -r fw fk fu fs <<END
$(best "$WORK"/times/floor.*[0-9])
END
read -r lw lk _ _ <<END
$(figures "$WORK/lint.time")
END
read -r ew ek _ _ <<END
$(figures "$WORK/times/enroll")
END
read -r efw efk _ _ <<END
$(figures "$WORK/times/enrfloor")
END
read -r iw ik _ _ <<END
$(figures "$WORK/times/import")
END
read -r qw qk _ _ <<END
$(figures "$WORK/times/quiet")
END
read -r cw ck _ _ <<END
$(figures "$WORK/times/list")
END
echo
echo "drip tick: $(head -n 1 "$WORK/times/tick.1.out")"
cat "$WORK/times/floor.1.out"
echo "messages: $msgs (mean $(size "$WORK/tick/outbox/new") bytes from tick," \
	"$(size "$WORK/floor/outbox/new") from floor); same output: $same"
echo
awk -v n="$SIZE" -v tw="$tw" -v tk="$tk" -v fw="$fw" -v fk="$fk" \
    -v tc0="$tu" -v tc1="$ts" -v fc0="$fu" -v fc1="$fs" \
    -v lw="$lw" -v lk="$lk" -v runs="$RUNS" -v lf="$LINT_FILES" -v lrc="$lintrc" \
    -v ew="$ew" -v ek="$ek" -v efw="$efw" -v efk="$efk" -v iw="$iw" -v ik="$ik" -v ids="$ids" \
    -v qw="$qw" -v qk="$qk" -v isame="$isame" -v cw="$cw" -v ck="$ck" -v lsame="$lsame" 'BEGIN {
	tm = tk / 1024; fm = fk / 1024; tc = tc0 + tc1; fc = fc0 + fc1
	printf "%-26s %10s %10s %8s\n", "contacts: " n " (best of " runs ")", "drip tick", "floor", "ratio"
	printf "%-26s %10.2f %10.2f %8.2f\n", "wall seconds", tw, fw, (fw > 0 ? tw / fw : 0)
	printf "%-26s %10.1f %10.1f %8.2f\n", "peak MiB", tm, fm, (fm > 0 ? tm / fm : 0)
	printf "%-26s %10.2f %10.2f %8.2f\n", "CPU seconds (user+sys)", tc, fc, (fc > 0 ? tc / fc : 0)
	printf "\n"
	qm = qk / 1024
	printf "%-26s %10s %10s %8s\n", "quiet tick (next slot)", "quiet", "busy", "ratio"
	printf "%-26s %10.2f %10.2f %8.2f\n", "wall seconds", qw, tw, (tw > 0 ? qw / tw : 0)
	printf "%-26s %10.1f %10.1f %8.2f\n", "peak MiB", qm, tm, (tm > 0 ? qm / tm : 0)
	printf "\n"
	em = ek / 1024; efm = efk / 1024; im = ik / 1024
	printf "%-26s %10s %10s %8s\n", "enroll --file of " ids, "drip", "floor", "ratio"
	printf "%-26s %10.2f %10.2f %8.2f\n", "wall seconds", ew, efw, (efw > 0 ? ew / efw : 0)
	printf "%-26s %10.1f %10.1f %8.2f\n", "peak MiB", em, efm, (efm > 0 ? em / efm : 0)
	printf "\n"
	printf "%-26s %10s\n", "contact import of " n, "drip"
	printf "%-26s %10.2f\n", "wall seconds", iw
	printf "%-26s %10.1f\n", "peak MiB", im
	printf "%-26s %10s\n", "same contacts.csv", isame
	printf "\n"
	cm = ck / 1024
	printf "%-26s %10s\n", "contact list of " n, "drip"
	printf "%-26s %10.2f\n", "wall seconds", cw
	printf "%-26s %10.1f\n", "peak MiB", cm
	printf "%-26s %10s\n", "same as contacts.csv", lsame
	printf "\n"
	printf "%-44s %s\n", "tick wall <= 1.3x floor (" sprintf("%.2f", 1.3 * fw) " s)", (tw <= 1.3 * fw ? "PASS" : "MISS")
	printf "%-44s %s\n", "tick peak <= 64 MiB", (tm <= 64 ? "PASS" : "MISS")
	printf "%-44s %s\n", "quiet tick wall <= 5% of busy (" sprintf("%.2f", 0.05 * tw) " s)", (qw <= 0.05 * tw ? "PASS" : "MISS")
	printf "%-44s %s\n", "quiet tick peak < 64 MiB", (qm < 64 ? "PASS" : "MISS")
	printf "%-44s %s\n", "enroll wall <= 2x floor (" sprintf("%.2f", 2 * efw) " s)", (ew <= 2 * efw ? "PASS" : "MISS")
	printf "%-44s %s\n", "enroll peak < 64 MiB", (em < 64 ? "PASS" : "MISS")
	printf "%-44s %s\n", "import peak < 64 MiB", (im < 64 ? "PASS" : "MISS")
	printf "%-44s %s\n", "contact list peak < 64 MiB", (cm < 64 ? "PASS" : "MISS")
	printf "%-44s %s\n", "seq lint of " lf " files < 1 s (" lw " s, " sprintf("%.1f", lk / 1024) " MiB)", (lw < 1 && lrc == 0 ? "PASS" : "MISS")
}'
echo
printf '%-26s %10s %10s\n' "seq lint of 1 MiB shapes" "seconds" "peak MiB"
for shape in $(cat "$WORK/shapes.list"); do
	tail -n 1 "$WORK/times/shape-$shape" | awk -v s="$shape" '{
		printf "%-26s %10.2f %10.1f  %s\n", s, $1, $2 / 1024, ($1 < 1 && $2 < 65536 ? "PASS" : "MISS") }'
done
[ "$lintrc" -eq 0 ] || { echo "bench: seq lint exited $lintrc:" >&2; head -n 5 "$WORK/lint.out" >&2; }
[ "$same" = yes ] || echo "bench: tick and floor did not produce the same files; see above" >&2
[ "$esame" = yes ] || echo "bench: enroll and its floor did not produce the same files; see above" >&2
[ "$isame" = yes ] || echo "bench: import did not give contacts.csv back; see above" >&2
# ---- drip report seq ----
# On the ticked workspace after a week of ticks: the busy tick's log rows,
# repeated for each of the six days before it, and its 1,000,000 (SIZE)
# enrollments.  report streams the log and the shards, so it must stay
# under 2 s and 64 MiB whatever SIZE is.
rm -rf "$WORK/report"
cp -a "$WORK/tick" "$WORK/report"
rlog=$WORK/report/log
head -n 1 "$rlog/2026-03.csv" >"$rlog/2026-02.csv"
for d in 24 25 26 27 28; do
	awk -v d="$d" 'NR > 1 && /^2026-03-02T/ { print "2026-02-" d substr($0, 11) }' \
		"$rlog/2026-03.csv"
done >>"$rlog/2026-02.csv"
{
	head -n 1 "$rlog/2026-03.csv"
	awk 'NR > 1 && /^2026-03-02T/ { print "2026-03-01" substr($0, 11) }' "$rlog/2026-03.csv"
	tail -n +2 "$rlog/2026-03.csv"
} >"$rlog/week.tmp" && mv "$rlog/week.tmp" "$rlog/2026-03.csv"
rrows=$(($(cat "$rlog"/*.csv | wc -l) - 2))
timed "$WORK/times/report" "$DRIP" -C "$WORK/report" --now "$NOW" report seq bench
read -r rw rk _ _ <<END
$(figures "$WORK/times/report")
END
echo
awk -v rw="$rw" -v rk="$rk" -v rows="$rrows" -v n="$SIZE" 'BEGIN {
	rm = rk / 1024
	printf "%-26s %10s\n", "report seq, " rows " log rows", "drip"
	printf "%-26s %10.2f\n", "wall seconds", rw
	printf "%-26s %10.1f\n", "peak MiB", rm
	printf "%-44s %s\n", "report seq < 2 s (" n " contacts)", (rw < 2 ? "PASS" : "MISS")
	printf "%-44s %s\n", "report seq peak < 64 MiB", (rm < 64 ? "PASS" : "MISS")
}'
rm -rf "$WORK/report"

# ---- a year of growth (testdata/bench/growth.sh) ----
echo
sh testdata/bench/growth.sh "$B/bench/gen" "$DRIP" "$WORK/growth/ws" ||
	echo "bench: the growth run failed" >&2
rm -rf "$WORK/growth"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	echo "bench: workspaces kept in $WORK"
else
	rm -rf "$WORK"
fi
exit 0
