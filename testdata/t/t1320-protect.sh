#!/bin/sh
# drip seq|automate protect|unprotect (SPEC §3.6): the record and its
# commit; every way of giving the password (--password-file, DRIP_PASSWORD,
# a no-echo prompt on a terminal); a missing or wrong password is 77 with
# nothing changed, for every command that changes a protected sequence;
# a drip edit is signed again in its own commit; an edit made outside drip
# is a lint error and stops tick (65), each naming the file and line, with
# nothing changed; protecting again accepts such an edit; a record hashed
# with older limits is hashed again on its next use.
. "$(dirname "$0")/lib.sh"

DRIP_NOW=$NOW
export DRIP_NOW
# The cheapest argon2id limits, except where a test says otherwise: the
# tests check what is stored, not how slow it is to guess.
DRIP_PROTECT_LIMITS=min
export DRIP_PROTECT_LIMITS

new_ws ws
sed -i -e 's/^max_lag: .*/max_lag: 60d/' ws/drip.yaml
cat >ws/contacts.csv <<-\EOF
id,email,first_name
ada,ada@example.com,Ada
EOF
printf 'Subject: Hi\n\nHello.\n' >ws/templates/a.eml
cat >ws/sequences/s.yaml <<-\EOF
# The welcome sequence.
id: s
steps:
  - {id: one, type: email, wait: 0, template: templates/a.eml}
  - id: two
    type: email
    wait: 5d
    template: templates/a.eml
EOF
cat >ws/automations/later.yaml <<-\EOF
id: later
if: {event: enrolled, sequence: s}
actions:
  - wait: 3d
  - note: later
EOF
git -C ws add -A && git -C ws commit -qm setup
printf 'hunter2\n' >pw
printf 'wrong\n' >bad

commits() { git -C ws rev-list --count HEAD; }

test_expect_success 'seq protect with --password-file: the record, in one commit of its own' '
	drip -C ws --password-file "$TRASH/pw" seq protect s >out &&
	test_grep "^sequence .s. protected\$" out &&
	test -f ws/protect/seq-s.sig &&
	test_grep "^object: sequences/s.yaml\$" ws/protect/seq-s.sig &&
	test_grep "^hash: .argon2id.v=19.m=8,t=1,p=1." ws/protect/seq-s.sig &&
	test_grep "^kdf: argon2id13 [0-9]* [0-9]*\$" ws/protect/seq-s.sig &&
	test_grep "^public_key: " ws/protect/seq-s.sig &&
	test_grep "^signature: " ws/protect/seq-s.sig &&
	! grep hunter2 ws/protect/seq-s.sig &&
	git -C ws show --name-only --format=%s HEAD >c &&
	printf "seq protect s\n\nprotect/seq-s.sig\n" >want &&
	test_cmp want c &&
	test -z "$(git -C ws status --porcelain)" &&
	drip -C ws seq lint >lint.out && test_line_count 0 lint.out
'

test_expect_success 'protecting again with the same password and no edit changes nothing' '
	n=$(commits) &&
	DRIP_PASSWORD=hunter2 drip -C ws seq protect s >out &&
	test_grep "protected already" out &&
	test "$(commits)" = "$n"
'

snapshot ws >before
for cmd in "step add s three --type email --wait 1d --template templates/a.eml" \
	   "step set s two wait=6d" "step mv s two --before one" "step dup s two copy" \
	   "step rm s two" "automate add s two nag --on pending --after 2d --action note:nag" \
	   "seq publish s"; do
	C=$cmd
	test_expect_success "no password: '$C' exits 77, nothing changed" '
		test_expect_code 77 drip -C ws $C </dev/null 2>err &&
		test_grep "needs a password" err &&
		test_line_count 1 err &&
		test_unchanged ws "$TRASH/before"
	'
	test_expect_success "wrong password: '$C' exits 77, nothing changed" '
		test_expect_code 77 drip -C ws --password-file "$TRASH/bad" $C </dev/null 2>err &&
		test_grep "wrong password for protected sequence .s." err &&
		DRIP_PASSWORD=wrong test_expect_code 77 drip -C ws $C </dev/null 2>err &&
		test_grep "wrong password" err &&
		test_unchanged ws "$TRASH/before"
	'
done

test_expect_success 'a missing password file is 66, an empty password 77; nothing changed' '
	test_expect_code 66 drip -C ws --password-file "$TRASH/nope" step rm s two \
		</dev/null 2>err &&
	test_grep "cannot open" err &&
	: >empty &&
	test_expect_code 77 drip -C ws --password-file "$TRASH/empty" step rm s two \
		</dev/null 2>err &&
	test_grep "empty" err &&
	test_unchanged ws "$TRASH/before"
'

test_expect_success 'with DRIP_PASSWORD a step edit is committed with the record signed again' '
	DRIP_PASSWORD=hunter2 drip -C ws -q step add s three --type email --wait 1d \
		--template templates/a.eml &&
	git -C ws show --name-only --format=%s HEAD >c &&
	printf "step add s three\n\nprotect/seq-s.sig\nsequences/s.yaml\n" >want &&
	test_cmp want c &&
	test_grep "^# The welcome sequence.\$" ws/sequences/s.yaml &&
	drip -C ws seq lint >lint.out && test_line_count 0 lint.out
'

test_expect_success 'with the password, publish signs the published copy; pause and resume keep the record' '
	! grep "^published: " ws/protect/seq-s.sig &&
	DRIP_PASSWORD=hunter2 drip -C ws -q seq publish s &&
	test_grep "^published: " ws/protect/seq-s.sig &&
	git -C ws show --name-only --format=%s HEAD >c &&
	test_grep "^protect/seq-s.sig\$" c &&
	test_grep "^state/published/s/sequence.yaml\$" c &&
	cp ws/protect/seq-s.sig sig.before &&
	test_expect_code 77 drip -C ws seq pause s </dev/null 2>err &&
	drip -C ws -q --password-file "$TRASH/pw" seq pause s &&
	drip -C ws -q --password-file "$TRASH/pw" seq resume s &&
	test_cmp sig.before ws/protect/seq-s.sig &&
	drip -C ws -q enroll s ada &&
	drip -C ws -q tick
'

test_expect_success 'the published copy edited outside drip: tick refuses (65) naming it, nothing changed' '
	cp ws/state/published/s/sequence.yaml pinned.good &&
	sed -i "s/wait: 5d/wait: 1m/" ws/state/published/s/sequence.yaml &&
	snapshot ws >pinned.before &&
	test_expect_code 65 drip -C ws tick --now 2026-11-25T10:20:00Z 2>err &&
	test_grep "^drip: state/published/s/sequence.yaml:1:1: the published copy of protected sequence .s. was changed outside drip" err &&
	test_expect_code 1 drip -C ws seq lint >lint.out &&
	test_grep "^state/published/s/sequence.yaml:1:1: error: the published copy" lint.out &&
	DRIP_PASSWORD=hunter2 test_expect_code 65 drip -C ws seq pause s 2>err &&
	test_grep "published copy" err &&
	test_unchanged ws pinned.before &&
	cp pinned.good ws/state/published/s/sequence.yaml &&
	drip -C ws -q tick --now 2026-11-25T10:20:00Z
'

test_expect_success 'an edit outside drip: lint names the file and first changed line' '
	sed -i "s/wait: 5d/wait: 6d/" ws/sequences/s.yaml &&
	test_expect_code 1 drip -C ws seq lint >lint.out &&
	test_grep "^sequences/s.yaml:7:1: error: protected sequence .s. was changed outside drip" lint.out &&
	test_grep "protect/seq-s.sig" lint.out &&
	test_expect_code 1 drip seq lint ws/sequences/s.yaml >lint.out &&
	test_grep "^ws/sequences/s.yaml:7:1: error: protected sequence" lint.out &&
	test_expect_code 1 drip -C ws seq lint --format github >lint.out &&
	test_grep "^::error file=sequences/s.yaml,line=7,col=1::" lint.out
'

snapshot ws >tampered
test_expect_success 'an edit outside drip: tick refuses with 65, naming file and line; nothing changed' '
	test_expect_code 65 drip -C ws tick --now 2026-11-30T10:20:00Z 2>err &&
	test_grep "^drip: sequences/s.yaml:7:1: protected sequence .s. was changed outside drip" err &&
	test_line_count 1 err &&
	test_expect_code 65 drip -C ws tick --dry-run --now 2026-11-30T10:20:00Z 2>err &&
	test_unchanged ws "$TRASH/tampered"
'

test_expect_success 'an edit outside drip: a drip edit with the password refuses (65), nothing changed' '
	DRIP_PASSWORD=hunter2 test_expect_code 65 drip -C ws step rm s three 2>err &&
	test_grep "sequences/s.yaml:7:1: protected sequence .s. was changed outside drip; restore it" err &&
	DRIP_PASSWORD=hunter2 test_expect_code 65 drip -C ws seq publish s 2>err &&
	test_grep "sequences/s.yaml:7:1: " err &&
	test_unchanged ws "$TRASH/tampered"
'

test_expect_success 'protecting again with the password signs the edit: lint and tick run again' '
	git -C ws commit -qm "by hand" sequences/s.yaml &&
	test_expect_code 77 drip -C ws --password-file "$TRASH/bad" seq protect s 2>err &&
	drip -C ws --password-file "$TRASH/pw" seq protect s >out &&
	test_grep "signed again" out &&
	drip -C ws seq lint >lint.out && test_line_count 0 lint.out &&
	drip -C ws -q tick --now 2026-11-30T10:20:00Z
'

test_expect_success 'rehash: a record made with other limits is hashed again on its next use' '
	test_grep "^hash: .argon2id.v=19.m=8,t=1," ws/protect/seq-s.sig &&
	DRIP_PROTECT_LIMITS= DRIP_PASSWORD=hunter2 drip -C ws -q step set s three wait=2d &&
	test_grep "^hash: .argon2id.v=19.m=65536,t=2," ws/protect/seq-s.sig &&
	test_grep "^kdf: argon2id13 2 67108864\$" ws/protect/seq-s.sig &&
	git -C ws show --name-only --format=%s HEAD >c &&
	printf "step set s three wait\n\nprotect/seq-s.sig\nsequences/s.yaml\n" >want &&
	test_cmp want c &&
	drip -C ws seq lint >lint.out && test_line_count 0 lint.out &&
	DRIP_PROTECT_LIMITS= DRIP_PASSWORD=hunter2 drip -C ws -q step set s three wait=3d &&
	git -C ws show --name-only --format=%s HEAD >c &&
	test_grep "^protect/seq-s.sig\$" c &&
	test_grep "^hash: .argon2id.v=19.m=65536,t=2," ws/protect/seq-s.sig &&
	test_expect_code 77 drip -C ws --password-file "$TRASH/bad" step set s three wait=4d \
		</dev/null 2>err
'

test_expect_success 'a damaged record is a lint error and stops tick, naming its line' '
	cp ws/protect/seq-s.sig sig.good &&
	sed -i "s/^salt: .*/salt: notbase64!/" ws/protect/seq-s.sig &&
	test_expect_code 1 drip -C ws seq lint >lint.out &&
	test_grep "^protect/seq-s.sig:5:1: error: damaged protection record: salt" lint.out &&
	test_expect_code 65 drip -C ws tick --now 2026-11-30T11:00:00Z 2>err &&
	test_grep "^drip: protect/seq-s.sig:5:1: damaged protection record" err &&
	cp sig.good ws/protect/seq-s.sig
'

test_expect_success 'unprotect with the wrong password is 77 and keeps the record' '
	DRIP_PASSWORD=other test_expect_code 77 drip -C ws seq unprotect s </dev/null 2>err &&
	test_grep "wrong password" err &&
	test -f ws/protect/seq-s.sig
'

test_expect_success 'automate protect guards automations/ID.yaml: lint and tick see an edit' '
	DRIP_PASSWORD=hunter2 drip -C ws automate protect later >out &&
	test_grep "^automation .later. protected\$" out &&
	test -f ws/protect/auto-later.sig &&
	drip -C ws seq lint >lint.out && test_line_count 0 lint.out &&
	sed -i "s/wait: 3d/wait: 1h/" ws/automations/later.yaml &&
	snapshot ws >auto.before &&
	test_expect_code 1 drip -C ws automate lint >lint.out &&
	test_grep "^automations/later.yaml:4:1: error: protected automation .later. was changed" lint.out &&
	test_expect_code 65 drip -C ws tick --now 2026-11-30T12:00:00Z 2>err &&
	test_grep "^drip: automations/later.yaml:4:1: " err &&
	test_unchanged ws "$TRASH/auto.before" &&
	git -C ws checkout -q automations/later.yaml &&
	drip -C ws -q tick --now 2026-11-30T12:00:00Z
'

test_expect_success 'a deleted protected file stops tick until it is restored' '
	rm ws/automations/later.yaml &&
	test_expect_code 65 drip -C ws tick --now 2026-11-30T12:20:00Z 2>err &&
	test_grep "protect/auto-later.sig:1:1: protects .automations/later.yaml., which is gone" err &&
	git -C ws checkout -q automations/later.yaml
'

if command -v script >/dev/null 2>&1; then
	# script(1) gives drip a terminal; the answers are typed only once the
	# prompt is up, as a person would, so the terminal's echo is drip's
	# to switch off.
	test_expect_success 'a terminal: a no-echo prompt, twice for a new password; a wrong one is refused' '
		(sleep 1; printf "s3cret\n") |
			script -qec "\"$DRIP\" -C ws seq unprotect s" /dev/null >tty.out 2>&1 ||
			true &&
		test_grep "password for protected sequence .s.: " tty.out &&
		test_grep "wrong password" tty.out &&
		! grep s3cret tty.out &&
		test -f ws/protect/seq-s.sig &&
		(sleep 1; printf "hunter2\n") |
			script -qec "\"$DRIP\" -C ws seq unprotect s" /dev/null >tty.out 2>&1 &&
		! grep hunter2 tty.out &&
		test_grep "no longer protected" tty.out &&
		test ! -f ws/protect/seq-s.sig &&
		(sleep 1; printf "one\n"; sleep 0.5; printf "two\n") |
			script -qec "\"$DRIP\" -C ws seq protect s" /dev/null >tty.out 2>&1 ||
			true &&
		test_grep "the passwords differ" tty.out &&
		test ! -f ws/protect/seq-s.sig &&
		(sleep 1; printf "n3w\n"; sleep 0.5; printf "n3w\n") |
			script -qec "\"$DRIP\" -C ws seq protect s" /dev/null >tty.out 2>&1 &&
		test_grep "the same password again: " tty.out &&
		! grep n3w tty.out &&
		DRIP_PASSWORD=n3w drip -C ws -q step set s three wait=5d
	'
else
	test_skip "a terminal: the no-echo prompt" "script(1) is not installed"
fi

test_expect_success 'unprotect: not protected is 66; with the password the record goes' '
	test_expect_code 66 drip -C ws --password-file "$TRASH/pw" automate unprotect nosuch 2>err &&
	test_grep "is not protected" err &&
	test_expect_code 77 drip -C ws automate unprotect later </dev/null 2>err &&
	DRIP_PASSWORD=hunter2 drip -C ws automate unprotect later >out &&
	test_grep "no longer protected" out &&
	test ! -f ws/protect/auto-later.sig &&
	git -C ws show --name-status --format=%s HEAD >c &&
	printf "automate unprotect later\n\nD\tprotect/auto-later.sig\n" >want &&
	test_cmp want c
'

test_done
