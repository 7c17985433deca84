#!/bin/sh
# drip respond TOKEN (SPEC §8) on the command line: the four answers and
# their exit codes, one event per token, what the next tick does with it,
# and forged, truncated, re-spelled, foreign and expired tokens that change
# nothing.
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' \
	-e 's|^  # login_url: .*|  login_url: "https://acme.example/login"|' ws/drip.yaml
printf 'id,email,first_name,unsubscribed\nada,ada@example.com,Ada,false\nbob,bob@example.com,Bob,false\ncy,cy@example.com,Cy,false\n' >ws/contacts.csv
printf 'Subject: Hi\n\nHello {{first_name}}. Stop: {{link.unsubscribe}}\n' >ws/templates/a.eml
cat >ws/sequences/s.yaml <<'EOT'
id: s
remove_on: [unsubscribe]
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
  - {id: three, type: email, wait: 0, template: templates/a.eml}
EOT
git -C ws add -A && git -C ws commit -qm setup
drip -C ws -q --now 2026-11-01T00:00:00Z seq publish s
drip -C ws -q --now 2026-11-02T09:00:00Z enroll s ada bob
drip -C ws -q --now 2026-11-02T10:00:00Z enroll s cy
drip -C ws -q --now 2026-11-04T00:00:00Z tick

# token WHO yes|no|unsubscribe: the token of that link in WHO's question.
token() {
	f=$(grep -l "^To: $1@" ws/outbox/new/* | xargs grep -l "still interested") &&
	case $2 in
	yes) sed -n 's/^Yes, I.m still interested: .*?t=//p' "$f" ;;
	no) sed -n 's/^Not interested: .*?t=//p' "$f" ;;
	unsubscribe) sed -n 's/^List-Unsubscribe: <.*?t=\(.*\)>$/\1/p' "$f" ;;
	esac
}
N=2026-11-04T01:00:00Z

test_expect_success 'the links are there' '
	for w in ada bob cy; do for a in yes no unsubscribe; do
		t=$(token $w $a) && test -n "$t" || exit 1
	done; done
'

test_expect_success 'yes is accepted (exit 0) and recorded as a response event in inbox/' '
	t=$(token ada yes) &&
	drip -C ws --now $N respond "$t" >out &&
	test_grep "^accepted: \"yes\" from ada recorded in inbox/response-[0-9a-f]\{32\}.csv" out &&
	ls ws/inbox >files && test_line_count 1 files &&
	printf "time,contact,name,sequence,data\n2026-11-04T01:00:00Z,ada,response,s,answer=yes&step=two\n" >want &&
	test_cmp want ws/inbox/$(cat files)
'

test_expect_success 'the same token again: accepted, nothing new recorded' '
	t=$(token ada yes) &&
	cp -R ws/inbox inbox-copy &&
	drip -C ws --now 2026-11-04T01:05:00Z respond "$t" >out &&
	test_grep "^accepted: \"yes\" from ada was recorded before; nothing new$" out &&
	diff -r inbox-copy ws/inbox
'

test_expect_success 'respond needs neither the secret key nor write access to the git store' '
	mv ws/.drip/signing.key signing.key &&
	t=$(token bob no) &&
	drip -C ws --now $N respond "https://acme.example/r?t=$t" >out &&
	mv signing.key ws/.drip/signing.key &&
	test_grep "^accepted: \"no\" from bob recorded" out &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'with a row added by hand out of order and no .drip/ at all, respond writes only inbox/' '
	cp ws/contacts.csv saved.csv &&
	echo "aaron,aaron@example.com,Aaron,false" >>ws/contacts.csv &&
	mv ws/.drip drip-saved && : >ws/.drip &&
	ls ws/inbox >inbox-list-before &&
	drip -C ws --now $N respond "$(token cy yes)" >out &&
	rm ws/.drip && mv drip-saved ws/.drip &&
	test_grep "^accepted: \"yes\" from cy recorded" out &&
	ls ws/inbox >inbox-list-after &&
	test_line_count $(($(wc -l <inbox-list-before) + 1)) inbox-list-after &&
	rm ws/inbox/$(comm -13 inbox-list-before inbox-list-after) &&
	cp saved.csv ws/contacts.csv
'

test_expect_success 'an unsubscribe token is accepted and recorded' '
	t=$(token cy unsubscribe) &&
	drip -C ws --now $N respond "$t" >out &&
	test_grep "^accepted: \"unsubscribe\" from cy recorded" out &&
	ls ws/inbox >files && test_line_count 3 files
'

test_expect_success 'tick applies them: no removes bob, unsubscribe acts as the unsubscribe event, yes is logged' '
	drip -C ws --now 2026-11-04T02:00:00Z tick &&
	ls ws/inbox >files && test_line_count 0 files &&
	test_grep "^2026-11-04T01:00:00Z,ada,s,,,event,ok,response-[0-9a-f]*,response$" ws/log/2026-11.csv &&
	test_grep "^2026-11-04T01:00:00Z,bob,s,,,removed,ok,response-[0-9a-f]*,answered no$" ws/log/2026-11.csv &&
	test_grep "^2026-11-04T01:00:00Z,cy,,,,set,ok,response-[0-9a-f]*,unsubscribed=true$" ws/log/2026-11.csv &&
	test_grep "^2026-11-04T01:00:00Z,cy,s,,,removed,ok,response-[0-9a-f]*,on unsubscribe$" ws/log/2026-11.csv &&
	test_grep "^cy,cy@example.com,Cy,true$" ws/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob,false$" ws/contacts.csv &&
	! grep "^ada,.*removed" ws/log/2026-11.csv
'

test_expect_success 'after the tick the same tokens are still accepted and record nothing' '
	for a in "ada yes" "bob no" "cy unsubscribe"; do
		drip -C ws --now 2026-11-04T03:00:00Z respond "$(token $a)" >out &&
		test_grep "^accepted: .* was recorded before; nothing new$" out || exit 1
	done &&
	ls ws/inbox >files && test_line_count 0 files
'

test_expect_success 'bob, removed, answering yes has moved on (exit 0, nothing recorded)' '
	drip -C ws --now 2026-11-04T03:00:00Z respond "$(token bob yes)" >out &&
	test_grep "^moved-on: bob is no longer on step two of s; nothing was changed$" out &&
	ls ws/inbox >files && test_line_count 0 files
'

test_expect_success 'a yes after the contact moved to the next step is moved-on' '
	drip -C ws -q --now 2026-11-08T00:00:00Z tick &&
	grep "^2026-11-07.*,ada,s,three,,email,ok" ws/log/2026-11.csv &&
	drip -C ws --now 2026-11-08T00:00:00Z respond "$(token ada no)" >out &&
	test_grep "^moved-on: " out &&
	ls ws/inbox >files && test_line_count 0 files
'

test_expect_success 'expiry: a second before is answered, at and after the second it is expired (exit 1)' '
	t=$(token cy no) &&
	test_expect_code 0 drip -C ws --now 2026-11-17T09:59:59Z respond "$t" >out &&
	test_grep "^\(accepted\|moved-on\)" out &&
	rm -f ws/inbox/*.csv &&
	test_expect_code 1 drip -C ws --now 2026-11-17T10:00:00Z respond "$t" >out &&
	test_expect_code 1 drip -C ws --now 2026-11-17T10:00:01Z respond "$t" >out &&
	echo "expired: this link has expired; please log in to continue: https://acme.example/login" >want &&
	test_cmp want out &&
	ls ws/inbox >files && test_line_count 0 files
'

test_expect_success 'unsubscribe links never expire' '
	git -C ws show HEAD:contacts.csv >/dev/null &&
	sed -i "s/^cy,cy@example.com,Cy,true$/cy,cy@example.com,Cy,false/" ws/contacts.csv &&
	git -C ws commit -qam "cy subscribes again" &&
	drip -C ws --now 2036-01-01T00:00:00Z respond "$(token cy unsubscribe)" >out &&
	test_grep "^accepted: \"unsubscribe\" from cy recorded" out &&
	rm -f ws/inbox/*.csv
'

# The attacks: nothing of the workspace may change, the answer is
# "invalid: ..." on one line and the exit code 65.
snapshot ws >before

test_expect_success 'every single-bit flip of a real token is invalid' '
	t=$(token cy yes) &&
	python3 -c "
import base64, sys
t = sys.argv[1]
raw = base64.urlsafe_b64decode(t + \"=\" * (-len(t) % 4))
for i in range(len(raw)):
    for b in range(8):
        m = bytearray(raw); m[i] ^= 1 << b
        print(base64.urlsafe_b64encode(bytes(m)).decode().rstrip(\"=\"))
" "$t" >flips &&
	n=$(wc -l <flips) && test "$n" -gt 700 &&
	bad=0 &&
	while read -r f; do
		test_expect_code 65 drip -C ws --now $N respond "$f" >out 2>&1 || bad=$((bad + 1))
		grep -q "^invalid: " out || bad=$((bad + 1))
	done <flips &&
	test "$bad" -eq 0 &&
	test_unchanged ws before
'

test_expect_success 'truncations, padding, the standard alphabet and trailing bytes are invalid' '
	t=$(token cy yes) &&
	python3 -c "
import base64, sys
t = sys.argv[1]
raw = base64.urlsafe_b64decode(t + \"=\" * (-len(t) % 4))
for i in range(1, len(t)):
    print(t[:i])
print(t + \"=\"); print(t + \"==\"); print(t + \"A\"); print(t + \"AA\"); print(t + \"AAAA\")
print(base64.b64encode(raw).decode().rstrip(\"=\"))
print(base64.b64encode(raw).decode())
print(base64.urlsafe_b64encode(raw + b\"\\0\").decode().rstrip(\"=\"))
print(base64.urlsafe_b64encode(raw[:-1]).decode().rstrip(\"=\"))
last = \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_\"
i = last.index(t[-1]); print(t[:-1] + last[i ^ 1])
" "$t" >variants &&
	bad=0 &&
	while read -r v; do
		test_expect_code 65 drip -C ws --now $N respond "$v" >out 2>&1 || bad=$((bad + 1))
		grep -q "^invalid: " out || bad=$((bad + 1))
	done <variants &&
	test "$bad" -eq 0 &&
	test_unchanged ws before
'

test_expect_success 'a token signed by another workspace key is invalid' '
	new_ws other &&
	printf "id,email\ncy,cy@example.com\n" >other/contacts.csv &&
	cp ws/sequences/s.yaml other/sequences/ && cp ws/templates/a.eml other/templates/ &&
	sed -i -e "s/^max_lag: 24h/max_lag: 30d/" other/drip.yaml &&
	git -C other add -A && git -C other commit -qm s &&
	drip -C other -q --now 2026-11-01T00:00:00Z seq publish s &&
	drip -C other -q --now 2026-11-02T10:00:00Z enroll s cy &&
	drip -C other -q --now 2026-11-04T00:00:00Z tick &&
	f=$(grep -l "still interested" other/outbox/new/*) &&
	t=$(sed -n "s/^Yes, I.m still interested: .*?t=//p" "$f") &&
	test_expect_code 65 drip -C ws --now $N respond "$t" >out &&
	test_grep "^invalid: not a link of this workspace; nothing was recorded$" out &&
	test_unchanged ws before
'

test_expect_success 'another contact: a payload renamed or spliced onto another signature is invalid' '
	a=$(token ada yes) && b=$(token bob yes) && c=$(token cy yes) &&
	python3 -c "
import base64, sys
def dec(t): return base64.urlsafe_b64decode(t + \"=\" * (-len(t) % 4))
def enc(r): return base64.urlsafe_b64encode(r).decode().rstrip(\"=\")
a, b, c = (dec(t) for t in sys.argv[1:4])
assert a[:-64].count(b\"ada\") == 1 and b[:-64].count(b\"bob\") == 1
print(enc(a[:-64].replace(b\"ada\", b\"bob\") + a[-64:]))
print(enc(b[:-64].replace(b\"bob\", b\"ada\") + b[-64:]))
print(enc(a[:-64] + b[-64:]))
print(enc(b[:-64] + a[-64:]))
print(enc(a[:-64] + c[-64:]))
print(enc(c[:-64] + a[-64:]))
" "$a" "$b" "$c" >spliced &&
	test_line_count 6 spliced &&
	bad=0 &&
	while read -r v; do
		test_expect_code 65 drip -C ws --now $N respond "$v" >out 2>&1 || bad=$((bad + 1))
		grep -q "^invalid: " out || bad=$((bad + 1))
	done <spliced &&
	test "$bad" -eq 0 &&
	test_unchanged ws before
'

test_expect_success 'a token over 4 KiB, an empty one and a link without t= are invalid' '
	t=$(token cy yes) &&
	big=$(python3 -c "print(\"A\" * 4097)") &&
	test_expect_code 65 drip -C ws --now $N respond "$big$t" >out &&
	test_expect_code 65 drip -C ws --now $N respond "" >out &&
	test_expect_code 65 drip -C ws --now $N respond "https://acme.example/r?x=$t" >out &&
	test_expect_code 65 drip -C ws --now $N respond "https://acme.example/r?t=$t&t=$t" >out &&
	test_grep "^invalid: " out &&
	test_unchanged ws before
'

test_expect_success 'usage: one token' '
	test_expect_code 2 drip -C ws respond 2>err &&
	test_grep "missing token" err &&
	test_expect_code 2 drip -C ws respond a b 2>err &&
	test_unchanged ws before
'

test_expect_success 'without links.public_key respond cannot check anything (78)' '
	cp -R ws nokey &&
	sed -i "/^  public_key: /d" nokey/drip.yaml &&
	test_expect_code 78 drip -C nokey respond "$(token cy yes)" 2>err &&
	test_grep "public_key" err
'

test_done
