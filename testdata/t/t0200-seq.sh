#!/bin/sh
# drip seq new|list|show|publish|diff: drafts, pinned versions, commits.
. "$(dirname "$0")/lib.sh"

new_ws ws
T1=2026-11-24T11:00:00Z
T2=2026-11-25T09:00:00Z

test_expect_success 'seq new writes a lint-clean draft and its template, one commit' '
	drip -C ws --now "$T1" seq new onboarding --name "Customer onboarding" >out &&
	test_grep "created sequences/onboarding.yaml and templates/onboarding-first.eml" out &&
	drip -C ws seq lint &&
	git -C ws log -1 --format=%s >s && echo "seq new onboarding" >expect && test_cmp expect s &&
	git -C ws show --name-only --format= HEAD | sort >files &&
	printf "%s\n" sequences/onboarding.yaml templates/onboarding-first.eml >expect &&
	test_cmp expect files
'

test_expect_success 'seq new --kind date makes a date sequence' '
	drip -C ws -q --now "$T1" seq new renewals --kind date &&
	test_grep "^kind: date$" ws/sequences/renewals.yaml
'

test_expect_success 'seq new refuses an existing id, a bad id, a bad kind; nothing changes' '
	snapshot ws >before &&
	test_expect_code 1 drip -C ws seq new onboarding 2>err &&
	test_grep "sequence .onboarding. already exists" err &&
	test_expect_code 2 drip -C ws seq new ../evil 2>err &&
	test_grep "invalid sequence id .../evil." err &&
	test_expect_code 2 drip -C ws seq new x --kind weekly 2>err &&
	test_grep "kind must be step or date" err &&
	test_expect_code 2 drip -C ws seq new 2>err &&
	test_grep "missing sequence id" err &&
	test_unchanged ws before
'

test_expect_success 'seq list shows drafts' '
	drip -C ws seq list >out &&
	test_grep "^onboarding  draft   -        1      -        Customer onboarding$" out
'

test_expect_success 'seq publish pins the sequence and its templates as version 1' '
	drip -C ws --now "$T1" seq publish onboarding >out &&
	test_grep "published .onboarding. version 1 (1 template)" out &&
	test_cmp ws/sequences/onboarding.yaml ws/state/published/onboarding/sequence.yaml &&
	test_cmp ws/templates/onboarding-first.eml \
		ws/state/published/onboarding/templates/onboarding-first.eml &&
	test_grep "^onboarding,active,1,2026-11-24T11:00:00Z,[0-9a-f]\{64\}$" ws/state/sequences.csv &&
	git -C ws log -1 --format=%s >s &&
	echo "seq publish onboarding: version 1 (1 template)" >expect && test_cmp expect s &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'publishing the same content again changes nothing' '
	snapshot ws >before &&
	drip -C ws --now "$T2" seq publish onboarding >out &&
	test_grep "version 1 is already this content; nothing to publish" out &&
	test_unchanged ws before
'

test_expect_success 'seq diff: nothing, then the draft edits against version 1' '
	drip -C ws seq diff onboarding >out &&
	test_grep "no changes since version 1" out &&
	sed -i "s/This is the first message/This is the very first message/" \
		ws/templates/onboarding-first.eml &&
	git -C ws commit -qam "edit template" &&
	drip -C ws seq diff onboarding >out &&
	test_grep "^--- published/templates/onboarding-first.eml$" out &&
	test_grep "^+++ draft/templates/onboarding-first.eml$" out &&
	test_grep "^-This is the first message" out &&
	test_grep "^+This is the very first message" out &&
	! grep "sequences/onboarding.yaml" out
'

test_expect_success 'seq list marks the changed draft' '
	drip -C ws seq list --format csv >out &&
	test_grep "^onboarding,active,1,1,yes,Customer onboarding$" out
'

test_expect_success 'publishing the edit makes version 2; the old pin is replaced' '
	drip -C ws --now "$T2" seq publish onboarding >out &&
	test_grep "version 2" out &&
	test_cmp ws/templates/onboarding-first.eml \
		ws/state/published/onboarding/templates/onboarding-first.eml &&
	test_grep "^onboarding,active,2,2026-11-25T09:00:00Z," ws/state/sequences.csv
'

test_expect_success 'a template the new version no longer uses leaves the pinned set' '
	cp ws/templates/onboarding-first.eml ws/templates/second.eml &&
	sed -i "s#templates/onboarding-first.eml#templates/second.eml#" ws/sequences/onboarding.yaml &&
	git -C ws add -A && git -C ws commit -qm "switch template" &&
	drip -C ws -q --now "$T2" seq publish onboarding &&
	test -f ws/state/published/onboarding/templates/second.eml &&
	test ! -e ws/state/published/onboarding/templates/onboarding-first.eml &&
	git -C ws show --stat --format= HEAD >stat &&
	test_grep "onboarding-first.eml" stat
'

test_expect_success 'the pinned content does not follow later draft edits' '
	cp ws/state/published/onboarding/sequence.yaml pinned &&
	echo "# a later comment" >>ws/sequences/onboarding.yaml &&
	test_cmp pinned ws/state/published/onboarding/sequence.yaml &&
	git -C ws checkout -q sequences/onboarding.yaml
'

test_expect_success 'a draft with errors cannot be published: findings, 65, nothing changed' '
	sed -i "s/wait: 0/wait: 3x/" ws/sequences/onboarding.yaml &&
	git -C ws commit -qam "break it" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws seq publish onboarding 2>err &&
	test_grep "^sequences/onboarding.yaml:[0-9]*:[0-9]*: error: \"wait\": unknown unit" err &&
	test_grep "^drip: cannot publish .onboarding.: 1 error in the draft$" err &&
	test_unchanged ws before &&
	git -C ws revert --no-edit HEAD >/dev/null
'

test_expect_success 'publishing an unknown sequence is exit 66' '
	test_expect_code 66 drip -C ws seq publish nosuch 2>err &&
	test_grep "no sequence .nosuch. (sequences/nosuch.yaml does not exist)" err
'

test_expect_success 'a missing template stops publish and names it' '
	sed -i "s#templates/second.eml#templates/gone.eml#" ws/sequences/onboarding.yaml &&
	git -C ws commit -qam "gone" &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws seq publish onboarding 2>err &&
	test_grep "template \"templates/gone.eml\" does not exist" err &&
	test_unchanged ws before &&
	git -C ws revert --no-edit HEAD >/dev/null
'

test_expect_success 'someone else'"'"'s uncommitted change to a file publish rewrites: 75, nothing changed' '
	sed -i "s/Customer onboarding/Onboarding!/" ws/sequences/onboarding.yaml &&
	git -C ws commit -qam "rename" &&
	sed -i "s/,active,/,paused,/" ws/state/sequences.csv &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws seq publish onboarding 2>err &&
	test_grep "state/sequences.csv. has uncommitted changes" err &&
	test_unchanged ws before &&
	git -C ws checkout -q state/sequences.csv
'

test_expect_success 'a held lock makes a changing command wait, then exit 75' '
	(flock ws/.drip/lock sleep 3 &) && sleep 0.5 &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws --wait 1 seq publish onboarding 2>err &&
	test_grep "another drip command holds the lock" err &&
	test_unchanged ws before &&
	drip -C ws seq list >/dev/null
'

test_expect_success 'after the lock is free the command runs' '
	sleep 3 && drip -C ws -q --now "$T2" seq publish onboarding &&
	test_grep "^onboarding,active,4," ws/state/sequences.csv
'

test_expect_success 'seq show prints settings and steps; json too' '
	drip -C ws seq show onboarding >out &&
	test_grep "^status:   active$" out &&
	test_grep "^version:  4$" out &&
	test_grep "^first  email  0     -   0            First message$" out &&
	drip -C ws seq show onboarding --format json >j &&
	python3 -c "import json; d=json.load(open(\"j\")); assert d[\"version\"]==4 and d[\"steps\"][0][\"id\"]==\"first\", d"
'

test_expect_success 'the same commands with the same --now give the same commit ids' '
	for w in a b; do
		mkdir $w && cp -R ws/sequences ws/templates $w/ &&
		git init -q $w/repo && cp ws/drip.yaml ws/contacts.csv $w/repo/ &&
		(cd $w/repo && mkdir -p sequences templates state &&
		 cp ../sequences/onboarding.yaml sequences/ && cp ../templates/second.eml templates/ &&
		 printf "id,status,version,published_at,digest\n" >state/sequences.csv &&
		 git add -A && git -c user.name=x -c user.email=x@x commit -q --date="$NOW" -m base) || exit 1
	done &&
	GIT_COMMITTER_DATE="$NOW" git -C a/repo commit -q --amend --no-edit --date="$NOW" &&
	GIT_COMMITTER_DATE="$NOW" git -C b/repo commit -q --amend --no-edit --date="$NOW" &&
	test "$(git -C a/repo rev-parse HEAD)" = "$(git -C b/repo rev-parse HEAD)" &&
	drip -C a/repo -q --now "$T2" seq publish onboarding &&
	drip -C b/repo -q --now "$T2" seq publish onboarding &&
	test "$(git -C a/repo rev-parse HEAD)" = "$(git -C b/repo rev-parse HEAD)"
'

test_expect_success 'the repository stays sound' '
	git -C ws fsck --strict 2>err && ! test_grep "error" err 2>/dev/null
'

test_done
