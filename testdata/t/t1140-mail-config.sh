#!/bin/sh
# A workspace that sends email must be able to: a From: address and
# links.base_url (for the unsubscribe link every message carries).  lint
# and publish report what is missing at its place; tick refuses with 78.
. "$(dirname "$0")/lib.sh"

T=2026-11-24T10:20:00Z

test_expect_success 'setup: a workspace exactly as drip init makes it' '
	new_bare_ws ws &&
	printf "id,email,first_name\nada,ada@example.com,Ada\n" >ws/contacts.csv &&
	git -C ws commit -qam contacts &&
	drip -C ws -q --now $T seq new onboarding
'

test_expect_success 'lint names both missing settings at the email step' '
	test_expect_code 1 drip -C ws seq lint >out &&
	test_grep "^sequences/onboarding.yaml:16:15: error: email needs a From: address: template \"templates/onboarding-first.eml\" has none and drip.yaml sets no \"from:\"$" out &&
	test_grep "^sequences/onboarding.yaml:16:15: error: email needs \"links.base_url\" in drip.yaml" out &&
	test_grep "^2 errors, 0 warnings$" out
'

test_expect_success 'lint --format github annotates the same place' '
	test_expect_code 1 drip -C ws seq lint --format github sequences/onboarding.yaml >out &&
	test_grep "^::error file=.*onboarding.yaml,line=16,col=15::email needs a From: address" out
'

test_expect_success 'publish refuses with the findings and changes nothing' '
	git -C ws status --porcelain >st && test_line_count 0 st &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now $T seq publish onboarding >out 2>&1 &&
	test_grep "email needs a From: address" out &&
	test_grep "^drip: cannot publish .onboarding.: 2 errors in the draft" out &&
	test_unchanged ws before
'

test_expect_success 'a From: in the template is enough for the sender; base_url still missing' '
	sed -i "1i From: Ada <ada@acme.example>" ws/templates/onboarding-first.eml &&
	test_expect_code 1 drip -C ws seq lint >out &&
	! grep "From: address" out &&
	test_grep "error: email needs \"links.base_url\"" out &&
	git -C ws checkout -q templates/onboarding-first.eml
'

test_expect_success 'with from: and base_url set, lint is clean and publish works' '
	sed -i -e "s|^# from: .*|from: \"Acme <hello@acme.example>\"|" \
	       -e "s|^  # base_url: .*|  base_url: \"https://acme.example/r\"|" ws/drip.yaml &&
	git -C ws commit -qam "sender and links" &&
	drip -C ws seq lint >out &&
	test_line_count 0 out &&
	drip -C ws -q --now $T seq publish onboarding &&
	drip -C ws -q --now $T enroll onboarding ada
'

test_expect_success 'tick refuses with 78 and one line when from: goes missing, and changes nothing' '
	sed -i "s|^from: .*|# from: none|" ws/drip.yaml &&
	git -C ws commit -qam "no sender" &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-11-24T10:40:00Z tick >out 2>err &&
	test_line_count 0 out &&
	test_line_count 1 err &&
	test_grep "^drip: drip.yaml: sequence \"onboarding\" (sequences/onboarding.yaml:16): email needs a From: address" err &&
	test_unchanged ws before &&
	test_must_fail ls ws/outbox/new/* 2>/dev/null
'

test_expect_success 'tick refuses with 78 without links.base_url' '
	git -C ws revert --no-edit HEAD >/dev/null &&
	sed -i "s|^  base_url: .*|  # base_url: none|" ws/drip.yaml &&
	git -C ws commit -qam "no links" &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-11-24T10:40:00Z tick 2>err &&
	test_line_count 1 err &&
	test_grep "^drip: drip.yaml: sequence \"onboarding\" (sequences/onboarding.yaml:16): email needs \"links.base_url\"" err &&
	test_unchanged ws before
'

test_expect_success 'fixed, the same tick sends the welcome email' '
	git -C ws revert --no-edit HEAD >/dev/null &&
	drip -C ws --now 2026-11-24T10:40:00Z tick 2>err &&
	test_line_count 0 err &&
	f=$(ls ws/outbox/new/*) &&
	test_grep "^From: Acme <hello@acme.example>" $f &&
	test_grep "^List-Unsubscribe: <https://acme.example/r?t=" $f
'

test_expect_success 'an automation that notifies the contact needs them too' '
	new_bare_ws w2 &&
	printf "id,email\nada,ada@example.com\n" >w2/contacts.csv &&
	printf "Subject: Hi\n\nHi.\n" >w2/templates/hi.eml &&
	cat >w2/automations/hello.yaml <<-\EOT &&
	id: hello
	if: {event: contact_created}
	actions:
	  - notify: {template: templates/hi.eml}
	EOT
	git -C w2 add -A && git -C w2 commit -qm auto &&
	test_expect_code 1 drip -C w2 seq lint >out &&
	test_grep "^automations/hello.yaml:4:24: error: email needs a From: address" out &&
	snapshot w2 >before &&
	test_expect_code 78 drip -C w2 --now $T tick 2>err &&
	test_grep "^drip: drip.yaml: automation \"hello\" (automations/hello.yaml:4): email needs a From: address" err &&
	test_unchanged w2 before
'

test_expect_success 'a notice to a colleague without from: is a warning, not an error' '
	cat >w2/sequences/calls.yaml <<-\EOT &&
	id: calls
	steps:
	  - {id: c, type: call, wait: 0, assignee: bob@acme.example, subject: Call}
	EOT
	drip -C w2 seq lint sequences/calls.yaml >out &&
	test_grep "^sequences/calls.yaml:3:5: warning: drip.yaml sets no \"from:\", so the notices this sends to colleagues are not sent$" out
'

test_done
