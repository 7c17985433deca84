#!/bin/sh
# Large hostile files (SPEC §12): shapes that once crashed drip or took
# quadratic time load or fail with a located message, and nothing is
# written back broken.  Timing is measured by hand (see the commit), never
# here; these files are big enough that the old code crashed or took
# seconds.
. "$(dirname "$0")/lib.sh"

# steps SHAPE N: a sequence named SHAPE of N steps of that shape.
steps() {
	awk -v shape="$1" -v n="$2" 'BEGIN {
		print "id: " shape; print "name: Hostile"; print "steps:"
		for (i = 0; i < n; i++) {
			if (shape == "zerowait")
				printf "  - id: s%d\n    type: delay\n    wait: 0\n", i
			else if (shape == "zerocycle")
				printf "  - id: s%d\n    type: delay\n    wait: 0\n", i
			else if (shape == "badgoto")
				printf "  - id: s%d\n    type: goto\n    to: missing%d\n", i, i
			else if (shape == "dupid")
				printf "  - id: s%d\n    type: delay\n    wait: 1d\n", i % 2 ? 1 : i
		}
		if (shape == "zerocycle")
			print "  - id: back\n    type: goto\n    to: s0"
		print "  - id: end\n    type: exit"
	}'
}

new_ws ws
steps zerowait 12000 >ws/sequences/zerowait.yaml
steps zerocycle 12000 >ws/sequences/zerocycle.yaml
steps badgoto 10000 >ws/sequences/badgoto.yaml
steps dupid 12000 >ws/sequences/dupid.yaml
git -C ws add -A && git -C ws commit -qm hostile

test_expect_success '12,000 zero-wait steps in a row lint clean (no stack overflow)' '
	snapshot ws >before &&
	drip -C ws seq lint sequences/zerowait.yaml >out 2>err &&
	test_line_count 0 out && test_line_count 0 err &&
	test_unchanged ws before
'

test_expect_success 'a zero-wait cycle through 12,000 steps is found, named from its start' '
	test_expect_code 1 drip -C ws seq lint sequences/zerocycle.yaml >out &&
	test_grep "^sequences/zerocycle.yaml:36004:5: error: zero-wait cycle: s0 -> s1 -> s2 -> " out &&
	test_grep "^1 error, 1 warning$" out
'

test_expect_success '10,000 goto steps to missing targets: one error each, suggestions bounded' '
	snapshot ws >before &&
	{ peak=$(peak_kib "$DRIP" -C ws seq lint sequences/badgoto.yaml) && rc=0 || rc=$?; } &&
	test $rc = 1 && under_kib "$peak" 65536 && mv out.txt out &&
	test_grep "^sequences/badgoto.yaml:6:9: error: \"to\": no step \"missing0\" in this sequence$" out &&
	test_grep "^sequences/badgoto.yaml:30003:9: error: \"to\": no step \"missing9999\" in this sequence$" out &&
	test_grep "^10000 errors, 10000 warnings" out &&
	test_unchanged ws before
'

# Every shape of testdata/fuzz/shapes.py, each just under the 1 MiB limit
# on a YAML file: linted with bounded memory, refused where it must be.
# (Its time is a row of `make bench`.)
python3 "$DATA_DIR/fuzz/shapes.py" shapes >/dev/null
for shape in flat chain gotos autos keys flowmap deep deepflow longstr aliases; do
	test_expect_success "a 1 MiB file of shape $shape lints in under 64 MiB" '
		f=shapes/sequences/'$shape'.yaml &&
		{ peak=$(peak_kib "$DRIP" seq lint "$f") && rc=0 || rc=$?; } &&
		case '$shape' in
		flat|chain|autos|longstr) test $rc = 0 ;;
		*) test $rc = 1 ;;
		esac &&
		under_kib "$peak" 65536 &&
		case '$shape' in
		deep|deepflow) test_grep "nesting deeper than 64 levels" out.txt ;;
		aliases) test_grep "anchor \"&a0\" is not allowed" out.txt ;;
		gotos) test_grep "no step \"missing0\" in this sequence" out.txt ;;
		*) true ;;
		esac
	'
done

test_expect_success 'a near miss still gets its suggestion' '
	steps badgoto 3 | sed "s/missing1$/s2x/" >ws/sequences/near.yaml &&
	sed -i "s/^id: badgoto/id: near/" ws/sequences/near.yaml &&
	test_expect_code 1 drip -C ws seq lint sequences/near.yaml >out &&
	test_grep "no step \"s2x\" in this sequence (did you mean \"s2\"?)" out
'

test_expect_success '6,000 duplicate step ids: each named with the first line' '
	test_expect_code 1 drip -C ws seq lint sequences/dupid.yaml >out &&
	test_grep "^sequences/dupid.yaml:13:9: error: duplicate step id \"s1\" (first at line 7)$" out &&
	test_grep "^sequences/dupid.yaml:36001:9: error: duplicate step id \"s1\" (first at line 7)$" out &&
	test_grep "^5999 errors, 0 warnings" out
'

test_expect_success 'a BOM after a blank first line is a BOM, not part of the first column' '
	new_bare_ws bom &&
	{ printf "\n\357\273\277"; cat bom/contacts.csv; } >bom/x && mv bom/x bom/contacts.csv &&
	git -C bom commit -qam "bom after a blank line" &&
	drip -C bom contact add --now "$NOW" bob email=bob@x.example first_name=Bob &&
	head -c 3 bom/contacts.csv >head && printf "id," >expect && test_cmp expect head &&
	drip -C bom contact list >out &&
	test_grep "^bob  *bob@x.example  *Bob" out &&
	drip -C bom contact add --now "$NOW" amy email=amy@x.example &&
	drip -C bom tick --now "$NOW"
'

test_expect_success 'a header whose first column is only a BOM is refused (65), nothing changed' '
	new_bare_ws bom2 &&
	{ printf "\n\357\273\277,"; cat bom2/contacts.csv; } >bom2/x && mv bom2/x bom2/contacts.csv &&
	git -C bom2 commit -qam "empty first column" &&
	snapshot bom2 >before &&
	test_expect_code 65 drip -C bom2 contact add --now "$NOW" bob email=bob@x.example 2>err &&
	test_grep "^drip: contacts.csv:2: column 1 of the header has no name" err &&
	test_unchanged bom2 before
'

test_expect_success '--now past year 9999 in UTC is refused (2), nothing changed' '
	new_bare_ws late &&
	snapshot late >before &&
	test_expect_code 2 drip -C late tick --now 9999-12-31T23:59:59-23:59 2>err &&
	test_grep "^drip: invalid --now .9999-12-31T23:59:59-23:59.: invalid time \"9999-12-31T23:59:59-23:59\": outside the years 0000 to 9999 in UTC$" err &&
	test_expect_code 2 drip -C late tick --now 0000-01-01T00:00:00+00:01 2>err &&
	test_grep "outside the years 0000 to 9999 in UTC" err &&
	DRIP_NOW=9999-12-31T23:59:59-23:59 test_expect_code 2 drip -C late tick 2>err &&
	test_grep "outside the years 0000 to 9999 in UTC" err &&
	test_unchanged late before
'

test_expect_success 'the last minute of year 9999 ticks, and ticks again' '
	drip -C late tick --now 9999-12-31T23:59:59Z &&
	test_grep "^9999-12-31T23:40:00Z$" late/state/clock.csv &&
	drip -C late tick --now 9999-12-31T23:59:59Z
'

test_done
