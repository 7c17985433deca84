#!/bin/sh
# drip init: the workspace it creates, its first commit, and its refusals.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates a workspace with every file' '
	drip init --now "$NOW" ws >out &&
	test_grep "initialised drip workspace" out &&
	for f in drip.yaml .gitignore contacts.csv tasks.csv state/sequences.csv \
		sequences/.gitkeep automations/.gitkeep templates/.gitkeep .drip/signing.key; do
		test -f "ws/$f" || { echo "missing $f"; exit 1; }
	done &&
	test_grep "^id,email," ws/contacts.csv &&
	test_grep "^id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at$" ws/tasks.csv
'

test_expect_success 'the first commit holds exactly the workspace files' '
	git -C ws log --format=%s >log &&
	echo "init: new drip workspace \"ws\"" >expect &&
	test_cmp expect log &&
	git -C ws show --name-only --format= HEAD | sort >files &&
	printf "%s\n" .gitignore automations/.gitkeep contacts.csv drip.yaml \
		sequences/.gitkeep state/sequences.csv tasks.csv templates/.gitkeep >expect &&
	test_cmp expect files &&
	git -C ws status --porcelain >status &&
	test_line_count 0 status
'

test_expect_success 'the commit carries the trailers and the --now time' '
	git -C ws log -1 --format="%ad|%cd|%(trailers:key=Drip-Command,valueonly)%(trailers:key=Drip-Now,valueonly)" \
		--date=iso-strict >trail &&
	test_grep "^2026-11-24T10:20:00+00:00|2026-11-24T10:20:00+00:00|drip init" trail &&
	test_grep "^2026-11-24T10:20:00Z" trail
'

test_expect_success 'author comes from git config, else drip <drip@localhost>' '
	git -C ws log -1 --format="%an <%ae>" >who &&
	echo "drip <drip@localhost>" >expect &&
	test_cmp expect who &&
	git init -q cfg && git -C cfg config user.name "Ada Lovelace" &&
	git -C cfg config user.email ada@example.com &&
	drip init -q --now "$NOW" cfg &&
	git -C cfg log -1 --format="%an <%ae>" >who &&
	echo "Ada Lovelace <ada@example.com>" >expect &&
	test_cmp expect who
'

test_expect_success 'the secret key is private, ignored, and pairs with drip.yaml public_key' '
	test "$(stat -c %a ws/.drip/signing.key)" = 600 &&
	test "$(stat -c %a ws/.drip)" = 700 &&
	git -C ws check-ignore -q .drip/signing.key &&
	git -C ws check-ignore -q outbox/x &&
	git -C ws check-ignore -q inbox/x &&
	pk=$(sed -n "s/^  public_key: \"\(.*\)\"$/\1/p" ws/drip.yaml) &&
	test -n "$pk" &&
	sk=$(cat ws/.drip/signing.key) &&
	# An Ed25519 secret key ends with its public key (libsodium layout).
	skpub=$(printf %s "$sk" | base64 -d | tail -c 32 | base64) &&
	test "$skpub" = "$pk"
'

test_expect_success 'two workspaces get different key pairs' '
	drip init -q --now "$NOW" ws2 &&
	! cmp -s ws/.drip/signing.key ws2/.drip/signing.key
'

test_expect_success 'init --name and --timezone are written to drip.yaml' '
	drip init -q --now "$NOW" --name "Acme \"Ltd\"" --timezone Europe/Berlin acme &&
	test_grep "^name: \"Acme \\\\\"Ltd\\\\\"\"$" acme/drip.yaml &&
	test_grep "^timezone: Europe/Berlin$" acme/drip.yaml &&
	drip -C acme seq list >/dev/null
'

test_expect_success 'init refuses an existing workspace and changes nothing' '
	snapshot ws >before &&
	test_expect_code 1 drip init --now "$NOW" ws 2>err &&
	test_grep "^drip: .*ws. is already a drip workspace$" err &&
	test_unchanged ws before
'

test_expect_success 'init refuses an unknown time zone (exit 2) and creates nothing' '
	test_expect_code 2 drip init --timezone Mars/Olympus bad 2>err &&
	test_grep "unknown time zone \"Mars/Olympus\"" err &&
	test ! -e bad
'

test_expect_success 'init with a bad option is a usage error' '
	test_expect_code 2 drip init --bogus x 2>err &&
	test_grep "unknown option" err &&
	test_grep "^usage: drip init" err &&
	test ! -e x
'

test_expect_success 'init in an existing git repository commits on top of its history' '
	git init -q repo && echo hi >repo/README && git -C repo add README &&
	git -C repo -c user.name=x -c user.email=x@x commit -q -m first &&
	drip init -q --now "$NOW" repo &&
	test "$(git -C repo rev-list --count HEAD)" = 2 &&
	git -C repo show HEAD:README >/dev/null
'

test_done
