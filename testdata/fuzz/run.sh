#!/bin/sh
# run.sh - run each libFuzzer target for FUZZ_SECONDS, seeded from the
# files in testdata/ of its kind and from testdata/fuzz/regress/; `make
# fuzz` builds the targets and calls this.  A crash stops the run with
# the input in build/fuzz/crash-TARGET-*: fix it, and keep the input in
# testdata/fuzz/regress/TARGET/ as ok-NAME or bad-NAME (accepted or
# refused), which t_fuzz runs in `make check`.
#
#   FZ=build/fuzz FUZZ_SECONDS=60 FUZZ_TARGETS="seq csv" sh testdata/fuzz/run.sh
set -eu
: "${FZ:=build/fuzz}" "${FUZZ_SECONDS:=60}" "${FUZZ_MAX_LEN:=65536}"
: "${FUZZ_TARGETS:=seq autom config csv expr tmpl dur time token mail state events roster import protect respond holidays tasks log}"
T=testdata

# seeds TARGET: the files of its kind in testdata/, one per line.
seeds() {
	case $1 in
	seq) find $T -path '*/sequences/*.yaml' ; find $T/step -name '*.yaml' ;;
	autom) find $T -path '*/automations/*.yaml' ;;
	config) find $T -name drip.yaml ;;
	csv) find $T -name '*.csv' ;;
	roster|import) find $T -name contacts.csv ; find $T/fuzz/regress/csv -type f ;;
	tasks) find $T/fuzz/regress/tasks -type f ;;
	tmpl) find $T -name '*.eml' ;;
	*) ;;
	esac
}

# Words for the one-line parsers, one seed file each.
words() {
	case $1 in
	expr) printf '%s\n' 'country == "US" and score >= 3' 'not (tags has "customer")' \
		'signup_date < now - 30d' 'name ~ "A*" or x != ""' ;;
	dur) printf '%s\n' 0 45m 2h 3d 2w 1mo 1d10h -3d 1mo2w3d4h5m 100000w100000d ;;
	time) printf '%s\n' 2026-11-24T10:20:00Z 2026-11-24T10:20:00+01:00 '2026-11-24 10:20' \
		2026-11-24 2026-03-08T02:30:00 9999-12-31T23:59:59Z ;;
	token) printf '%s\n' v1.abc.def 'AAAA.BBBB' ;;
	respond) printf '%s\n' 't=AQNhbm4' 'a=1&t=AQNhbm4%2B_-;b=%zz' 't=x&t=y' 't=a+b%20c' ;;
	mail) printf '%s\n' 'Ann <ann@example.com>' '"Doe, Jane" <j@x.example>, b@y.example' \
		'=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <g@x.example>' 'a=3Db=\n' ;;
	*) ;;
	esac
}

for t in $FUZZ_TARGETS; do
	corpus=$FZ/corpus/$t
	mkdir -p "$corpus"
	for f in $(seeds $t); do
		cp "$f" "$corpus/seed-$(echo "$f" | tr / _)"
	done
	i=0
	words $t | while IFS= read -r w; do
		i=$((i + 1))
		printf '%s' "$w" >"$corpus/word-$i"
	done
	if [ -d $T/fuzz/regress/$t ]; then
		cp $T/fuzz/regress/$t/* "$corpus/"
	fi
	echo "fuzz: $t for $FUZZ_SECONDS s"
	"$FZ/fz_$t" -max_total_time="$FUZZ_SECONDS" -max_len="$FUZZ_MAX_LEN" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$FZ/crash-$t-" "$corpus" 2>"$FZ/log-$t" || {
		tail -40 "$FZ/log-$t"
		echo "fuzz: $t found a crash: $(ls "$FZ"/crash-$t-* 2>/dev/null | head -1)"
		exit 1
	}
	grep -E '^stat::number_of_executed_units' "$FZ/log-$t" || true
done
