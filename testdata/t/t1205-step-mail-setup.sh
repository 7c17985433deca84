#!/bin/sh
# `drip step add|set` of an email step in a fresh `drip init` workspace:
# drip.yaml names no sender (from:) and no links.base_url, so the edit is
# refused (65, nothing written) with one line saying what to add to
# drip.yaml and where.
. "$(dirname "$0")/lib.sh"

new_bare_ws ws
printf 'Subject: Hi\n\nHello.\n' >ws/templates/hi.eml
cat >ws/sequences/s.yaml <<'EOF'
id: s
steps:
  - {id: pause, type: delay, wait: 1d}
EOF
git -C ws add -A && git -C ws commit -qm setup

cp ws/drip.yaml init.yaml
FROM=$(grep -n '^# from:' ws/drip.yaml | cut -d: -f1)
BASE=$(grep -n '^  # base_url:' ws/drip.yaml | cut -d: -f1)

test_expect_success 'drip init leaves from: and base_url: commented out' '
	test -n "$FROM" && test -n "$BASE"
'

test_expect_success 'step add of an email step: 65, one line naming both places, nothing written' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step add s hi --type email --template templates/hi.eml 2>err &&
	test_line_count 1 err &&
	test_grep "^drip: sequences/s.yaml:[0-9]*:[0-9]*: cannot add step .hi.: email needs a From: address: .* (and 1 more error); add to drip.yaml from: \"Name <address>\" (drip.yaml:$FROM) and base_url: under links: (drip.yaml:$BASE)\$" err &&
	test_unchanged ws before
'

test_expect_success 'with from: set, only base_url: is asked for' '
	sed -i "s|^# from: .*|from: \"Acme <hello@acme.example>\"|" ws/drip.yaml &&
	git -C ws commit -qam from &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step add s hi --type email --template templates/hi.eml 2>err &&
	test_line_count 1 err &&
	test_grep "cannot add step .hi.: email needs .links.base_url. in drip.yaml: .*; add to drip.yaml base_url: under links: (drip.yaml:$BASE)\$" err &&
	test_unchanged ws before
'

test_expect_success 'with base_url: set and no from:, the sender is asked for' '
	git -C ws revert --no-edit HEAD >/dev/null &&
	sed -i "s|^  # base_url: .*|  base_url: \"https://acme.example/r\"|" ws/drip.yaml &&
	git -C ws commit -qam base_url &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step add s hi --type email --template templates/hi.eml 2>err &&
	test_grep "cannot add step .hi.: email needs a From: address: .*; add to drip.yaml from: \"Name <address>\" (drip.yaml:$FROM), or a From: header to the template\$" err &&
	test_unchanged ws before
'

test_expect_success 'step set turning a step into email says the same' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step set s pause type=email template=templates/hi.eml 2>err &&
	test_line_count 1 err &&
	test_grep "cannot set .* of step .pause.: email needs a From: address: .*; add to drip.yaml from: .* (drip.yaml:$FROM), or a From: header to the template\$" err &&
	test_unchanged ws before
'

test_expect_success 'a template with its own From: needs no from:, and the step is added' '
	printf "From: Acme <hello@acme.example>\nSubject: Hi\n\nHello.\n" >ws/templates/hi.eml &&
	git -C ws commit -qam from-header &&
	drip -C ws step add s hi --type email --template templates/hi.eml &&
	grep -q "id: hi" ws/sequences/s.yaml
'

test_expect_success 'other errors keep their own message' '
	test_expect_code 65 drip -C ws step add s bad --type email --template templates/none.eml 2>err &&
	test_grep "cannot add step .bad.: template .templates/none.eml. does not exist" err &&
	! grep -q "drip.yaml:" err
'

test_expect_success 'an email step already there: step set says what to add, and that it was there' '
	cp init.yaml ws/drip.yaml && git -C ws commit -qam "drip.yaml as drip init wrote it" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step set s hi wait=2d 2>err &&
	test_line_count 1 err &&
	test_grep "cannot set wait of step .hi.: .*; add to drip.yaml base_url: under links: (drip.yaml:$BASE); the sequence has it before this edit too: .drip seq lint. shows what to fix first\$" err &&
	test_unchanged ws before
'

test_done
