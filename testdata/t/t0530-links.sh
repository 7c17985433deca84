#!/bin/sh
# Signed links in messages (SPEC §6, §8): List-Unsubscribe on every message,
# still_interested answers, and the checks tick makes of the key.
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' \
	-e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
	-e 's|^  # base_url: .*|  base_url: "https://acme.example/r"|' ws/drip.yaml
printf 'id,email,first_name\nada,ada@example.com,Ada\n' >ws/contacts.csv
printf 'Subject: Hi\n\nHello {{first_name}}. Stop: {{link.unsubscribe}}\n' >ws/templates/a.eml
cat >ws/sequences/s.yaml <<'EOT'
id: s
steps:
  - {id: one, type: email, wait: 0, template: templates/a.eml}
  - id: two
    type: delay
    wait: 5d
    automations:
      - id: ask
        on: enter
        after: 1d
        actions:
          - notify: {template: templates/a.eml, still_interested: true}
EOT
git -C ws add -A && git -C ws commit -qm setup
drip -C ws -q --now 2026-11-01T00:00:00Z seq publish s

test_expect_success 'every message carries a signed one-click List-Unsubscribe' '
	drip -C ws -q --now 2026-11-02T09:00:00Z enroll s ada &&
	cp -R ws twin &&
	drip -C ws --now 2026-11-04T00:00:00Z tick &&
	f=$(grep -l "^X-Drip-Step: one" ws/outbox/new/*) &&
	test_grep "^List-Unsubscribe: <https://acme.example/r?t=[A-Za-z0-9_-]\{40,\}>$" "$f" &&
	test_grep "^List-Unsubscribe-Post: List-Unsubscribe=One-Click$" "$f" &&
	u=$(sed -n "s/^List-Unsubscribe: <\(.*\)>$/\1/p" "$f") &&
	grep -F "Stop: $u" "$f"
'

test_expect_success 'still_interested adds distinct yes and no links' '
	f=$(grep -l "Yes, I.m still interested" ws/outbox/new/*) &&
	yes=$(sed -n "s/^Yes, I.m still interested: //p" "$f") &&
	no=$(sed -n "s/^Not interested: //p" "$f") &&
	case "$yes" in https://acme.example/r?t=*) ;; *) false ;; esac &&
	case "$no" in https://acme.example/r?t=*) ;; *) false ;; esac &&
	test "$yes" != "$no" &&
	test_grep "^2026-11-03T09:00:00Z,ada,s,two,ask,notify,ok,<" ws/log/2026-11.csv
'

test_expect_success 'the same run gives the same messages, links included (Ed25519 is deterministic)' '
	drip -C twin --now 2026-11-04T00:00:00Z tick &&
	diff -r ws/outbox/new twin/outbox/new
'

test_expect_success 'a public key that does not match the secret stops tick (78)' '
	cp ws/drip.yaml saved.yaml &&
	sed -i "s|^  public_key: .*|  public_key: \"AAAAC3NzaC1lZDI1NTE5AAAAIOr8mT0V0yQ7Xj0f0ZqU7v2Q2GZ1c1yq6H4s7dM5m2Xk\"|" ws/drip.yaml &&
	git -C ws commit -qam "wrong key" &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-11-05T00:00:00Z tick 2>err &&
	test_grep "public" err &&
	test_unchanged ws before &&
	cp saved.yaml ws/drip.yaml && git -C ws commit -qam "right key"
'

test_expect_success 'without links.base_url, publish and tick refuse: no email without an unsubscribe link' '
	sed -i "s|^  base_url: .*|  # base_url: none|" ws/drip.yaml &&
	git -C ws commit -qam "no links" &&
	printf "Subject: Plain\n\nNo links here.\n" >ws/templates/b.eml &&
	printf "%s\n" "id: p" "steps:" "  - {id: x, type: email, wait: 0, template: templates/b.eml}" >ws/sequences/p.yaml &&
	git -C ws add -A && git -C ws commit -qm p &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now 2026-11-05T00:00:00Z seq publish p >out 2>&1 &&
	test_grep "^sequences/p.yaml:3:45: error: email needs \"links.base_url\" in drip.yaml" out &&
	test_grep "^drip: cannot publish .p.: 1 error in the draft" out &&
	test_unchanged ws before &&
	test_expect_code 78 drip -C ws --now 2026-11-05T01:00:00Z tick >out 2>err &&
	test_grep "^drip: drip.yaml: sequence \"s\" (sequences/s.yaml:[0-9]*): email needs \"links.base_url\"" err &&
	test_line_count 1 err &&
	test_unchanged ws before
'

test_done
