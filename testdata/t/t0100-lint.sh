#!/bin/sh
# drip seq lint: every check at its line and column, the output formats,
# exit codes, files outside a workspace, and hostile YAML.
. "$(dirname "$0")/lib.sh"

cp -R "$DATA_DIR/lint/ws" fx

test_expect_success 'a broken workspace: every finding at its place (golden file)' '
	test_expect_code 1 drip -C fx seq lint >out &&
	test_cmp "$DATA_DIR/lint/expect.txt" out
'

test_expect_success 'clean files pass silently with exit 0' '
	drip -C fx seq lint sequences/good.yaml automations/reengage.yaml >out 2>err &&
	test_line_count 0 out && test_line_count 0 err
'

test_expect_success 'lint changes nothing and takes no lock' '
	(cd fx && git init -q && git add -A && git -c user.name=x -c user.email=x@x commit -q -m fx) &&
	snapshot fx >before &&
	test_expect_code 1 drip -C fx seq lint >/dev/null &&
	test ! -e fx/.drip &&
	test_unchanged fx before
'

test_expect_success '--format github prints workflow annotations' '
	test_expect_code 1 drip -C fx seq lint --format github >out &&
	test_grep "^::error file=sequences/broken.yaml,line=13,col=11::\"wait\": unknown unit \"x\" in \"3x\"" out &&
	test_grep "^::warning file=sequences/broken.yaml,line=34,col=5::step \"island\" can never be reached" out &&
	! grep -v "^::" out
'

test_expect_success '--format json is one array of findings' '
	test_expect_code 1 drip -C fx seq lint --format json >out &&
	python3 -c "import json,sys; d=json.load(open(\"out\")); \
assert len(d) == $(wc -l <"$DATA_DIR/lint/expect.txt") - 1, len(d); \
f=[x for x in d if x[\"line\"]==15 and x[\"file\"]==\"sequences/broken.yaml\"][0]; \
assert f[\"col\"]==15 and f[\"severity\"]==\"error\" and \"missing.eml\" in f[\"message\"], f"
'

test_expect_success 'a clean run prints [] in json' '
	drip -C fx seq lint --format json sequences/good.yaml >out &&
	echo "[]" >expect && test_cmp expect out
'

test_expect_success 'a bad --format is a usage error (2)' '
	test_expect_code 2 drip -C fx seq lint --format xml 2>err &&
	test_grep "format must be text, json or github" err
'

test_expect_success 'no files outside a workspace is a usage error (2)' '
	mkdir empty && test_expect_code 2 drip -C empty seq lint 2>err &&
	test_grep "no files given and not in a drip workspace" err
'

test_expect_success 'files outside any workspace are linted (templates from here)' '
	mkdir -p ci/templates && cp fx/templates/welcome.eml ci/templates/ &&
	cp fx/sequences/good.yaml ci/good.yaml &&
	(cd ci && drip seq lint good.yaml) &&
	rm ci/templates/welcome.eml &&
	(cd ci && test_expect_code 1 drip seq lint good.yaml >out) &&
	test_grep "^good.yaml:15:15: error: template \"templates/welcome.eml\" does not exist" ci/out
'

test_expect_success 'a missing file is a finding, exit 1' '
	test_expect_code 1 drip seq lint nothere.yaml >out &&
	test_grep "^nothere.yaml: error: " out
'

lint_one() {
	# lint_one NAME YAML: lint sequences/NAME.yaml in the fixture workspace.
	printf "%s\n" "$2" >"fx/sequences/$1.yaml"
	drip -C fx seq lint "sequences/$1.yaml" >out
}

test_expect_success 'YAML syntax errors are located' '
	test_expect_code 1 lint_one syn "id: syn
steps:
  - id: a
   type: email" &&
	test_grep "^sequences/syn.yaml:4:[0-9]*: error: " out
'

test_expect_success 'duplicate keys are errors naming both lines' '
	test_expect_code 1 lint_one dup "id: dup
steps: []
steps: []" &&
	test_grep "^sequences/dup.yaml:3:1: error: duplicate key \"steps\" (first defined at line 2)" out
'

test_expect_success 'anchors and aliases are rejected' '
	test_expect_code 1 lint_one al "id: al
x: &a [1]
steps: *a" &&
	test_grep "^sequences/al.yaml:2:4: error: .*anchor" out
'

test_expect_success 'booleans are only true and false' '
	test_expect_code 1 lint_one bo "id: bo
contact_timezone: yes
steps:
  - {id: a, type: delay, wait: 1d}" &&
	test_grep "^sequences/bo.yaml:2:19: error: \"contact_timezone\" must be true or false, not \"yes\"" out
'

test_expect_success 'an unknown time zone is located' '
	test_expect_code 1 lint_one tzq "id: tzq
timezone: Europe/Berln
steps:
  - {id: a, type: delay, wait: 1d}" &&
	test_grep "^sequences/tzq.yaml:2:11: error: unknown time zone \"Europe/Berln\"" out
'

test_expect_success 'invalid ids are located' '
	test_expect_code 1 lint_one ids "id: ids
steps:
  - {id: Bad_Step, type: delay, wait: 1d}
  - {id: ../x, type: delay, wait: 1d}" &&
	test_grep "^sequences/ids.yaml:3:10: error: invalid step id \"Bad_Step\"" out &&
	test_grep "^sequences/ids.yaml:4:10: error: invalid step id \"../x\"" out
'

test_expect_success 'template paths may not leave the workspace' '
	test_expect_code 1 lint_one esc "id: esc
steps:
  - {id: a, type: email, template: ../../etc/passwd}" &&
	test_grep "^sequences/esc.yaml:3:36: error: .*must be relative to the workspace" out
'

test_expect_success 'expression syntax errors are located inside the expression' '
	test_expect_code 1 lint_one ex "id: ex
steps:
  - {id: a, type: delay, wait: 1d, when: \"score > > 3\"}" &&
	test_grep "^sequences/ex.yaml:3:42: error: when: 1:9: " out
'

test_expect_success 'date sequences: on, offsets and date fields are checked' '
	test_expect_code 1 lint_one dt "id: dt
kind: date
steps:
  - {id: a, type: email, template: templates/welcome.eml, on: 2026-02-30}
  - {id: b, type: email, template: templates/welcome.eml, on: {field: renewl_date, offset: -3d}}
  - {id: c, type: email, template: templates/welcome.eml, wait: 1d, on: 2026-12-24}" &&
	test_grep "^sequences/dt.yaml:4:63: error: \"on\": " out &&
	test_grep "^sequences/dt.yaml:5:[0-9]*: error: unknown field \"renewl_date\"" out &&
	test_grep "^sequences/dt.yaml:6:[0-9]*: error: unknown key \"wait\"" out
'

test_expect_success 'a step of a type that does not take a key reports it' '
	test_expect_code 1 lint_one tk "id: tk
steps:
  - {id: a, type: delay, wait: 1d, template: templates/welcome.eml}" &&
	test_grep "^sequences/tk.yaml:3:36: error: unknown key \"template\"" out
'

test_expect_success 'wait_until needs until or event, and on_timeout a timeout' '
	test_expect_code 1 lint_one wu "id: wu
steps:
  - {id: a, type: wait_until, on_timeout: b}
  - {id: b, type: delay, wait: 1d}" &&
	test_grep "^sequences/wu.yaml:3:5: error: wait_until step \"a\" needs \"until\" or \"event\"" out &&
	test_grep "^sequences/wu.yaml:3:[0-9]*: error: \"on_timeout\" needs a \"timeout\"" out
'

test_expect_success 'hostile YAML: an alias bomb is rejected at once' '
	{
		echo "a: &a [x, x, x, x, x, x, x, x, x]"
		for i in b c d e f g h i j; do echo "$i: &$i [*a, *a, *a, *a, *a, *a, *a, *a, *a]"; done
	} >fx/sequences/bomb.yaml &&
	test_expect_code 1 timeout 5 "$DRIP" -C fx seq lint sequences/bomb.yaml >out &&
	test_grep "^sequences/bomb.yaml:1:4: error: " out
'

test_expect_success 'hostile YAML: 100,000 nested brackets are rejected at once' '
	python3 -c "print(\"id: x\\nsteps: \" + \"[\" * 100000)" >fx/sequences/deep.yaml &&
	test_expect_code 1 timeout 5 "$DRIP" -C fx seq lint sequences/deep.yaml >out &&
	test_grep "^sequences/deep.yaml:2:.*deeper than 64" out
'

test_expect_success 'hostile YAML: a 50 MB field is refused before parsing' '
	python3 -c "import sys; sys.stdout.write(\"id: x\\nname: \" + \"a\" * 50000000 + \"\\n\")" >fx/sequences/big.yaml &&
	test_expect_code 1 timeout 5 "$DRIP" -C fx seq lint sequences/big.yaml >out &&
	test_grep "^sequences/big.yaml: error: file too large (50000013 bytes; the limit is 1048576)" out &&
	rm fx/sequences/big.yaml
'

test_expect_success 'lint of 1,000 files reports them all' '
	mkdir -p many/sequences many/templates && cp fx/templates/welcome.eml many/templates/ &&
	cp fx/drip.yaml fx/contacts.csv many/ &&
	i=0; while [ $i -lt 1000 ]; do
		sed "s/^id: good$/id: s$i/" fx/sequences/good.yaml >many/sequences/s$i.yaml; i=$((i + 1))
	done &&
	drip -C many seq lint >out && test_line_count 0 out &&
	echo "steps: 3" >>many/sequences/s999.yaml &&
	test_expect_code 1 drip -C many seq lint >out &&
	test_grep "^sequences/s999.yaml:[0-9]*:1: error: duplicate key \"steps\"" out
'

test_expect_success 'an annual date trigger that can run only once is a warning' '
	printf "%s\n" "id: bday" "if: {date: signup_date, at: \"09:00\", annually: true}" \
		"actions: [{note: happy birthday}]" >fx/automations/bday.yaml &&
	drip -C fx seq lint automations/bday.yaml >out &&
	test_grep "^automations/bday.yaml:2:5: warning: \"annually\" with reenter: never runs once per contact" out &&
	printf "%s\n" "reenter: after_finish" >>fx/automations/bday.yaml &&
	drip -C fx seq lint automations/bday.yaml >out &&
	test_line_count 0 out &&
	rm fx/automations/bday.yaml
'

test_expect_success 'lint reads only the header of contacts.csv' '
	# A body that no CSV reader accepts (an unclosed quote): lint never
	# reaches it, and the fields are still checked against the header.
	cp -R fx hdr && rm -rf hdr/.git &&
	{ head -n 1 fx/contacts.csv && printf "%s\n" "c9,\"c9@example.com,Eve"; } >hdr/contacts.csv &&
	printf "%s\n" "id: hf" "kind: date" "steps:" \
		"  - {id: a, type: email, template: templates/welcome.eml, on: {field: renewl_date, offset: -3d}}" \
		"  - {id: b, type: email, template: templates/welcome.eml, on: {field: renewal_date, offset: -1d}}" \
		>hdr/sequences/hf.yaml &&
	test_expect_code 1 drip -C hdr seq lint sequences/hf.yaml >out &&
	test_grep "^sequences/hf.yaml:4:[0-9]*: error: unknown field \"renewl_date\"" out &&
	! grep "renewal_date" out &&
	rm -rf hdr
'

test_done
