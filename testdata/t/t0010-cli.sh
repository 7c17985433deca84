#!/bin/sh
# The command line: help, version, global options, usage errors.
. "$(dirname "$0")/lib.sh"

test_expect_success '--version prints the version' '
	drip --version >out && test_grep "^drip [0-9]" out
'

test_expect_success 'no command: usage on stderr, exit 2' '
	test_expect_code 2 drip 2>err && test_grep "^usage: drip" err
'

test_expect_success 'drip -h and drip help list the commands, outside a workspace' '
	drip -h >out && test_grep "^  seq " out && test_grep "^  contact " out &&
	drip help >out2 && test_grep "^  init " out2
'

test_expect_success 'help for a command and a subcommand, and -h anywhere' '
	drip help seq >out && test_grep "^  lint " out && test_grep "^usage: drip seq" out &&
	drip help seq lint >out && test_grep "^usage: drip seq lint" out &&
	drip seq lint -h >out2 && test_cmp out out2 &&
	drip -h seq lint >out3 && test_cmp out out3
'

test_expect_success 'an unknown command suggests the near one, exit 2' '
	test_expect_code 2 drip sqe 2>err &&
	test_grep "unknown command .sqe. (did you mean \"seq\"?)" err
'

test_expect_success 'an unknown subcommand suggests the near one, exit 2' '
	test_expect_code 2 drip seq lnit 2>err &&
	test_grep "unknown subcommand .drip seq lnit. (did you mean \"lint\"?)" err
'

test_expect_success 'a command that needs a workspace says so outside one (66)' '
	test_expect_code 66 drip seq list 2>err &&
	test_grep "not a drip workspace" err
'

test_expect_success 'global options work before and after the command' '
	new_ws ws &&
	drip -C ws seq list --format json >a &&
	drip seq list -C ws --format=json >b &&
	test_cmp a b && test_grep "^\[" a
'

test_expect_success 'a bad --now is a usage error naming the value' '
	test_expect_code 2 drip -C ws --now 2026-02-30 seq list 2>err &&
	test_grep "invalid --now .2026-02-30." err &&
	test_expect_code 2 drip -C ws --now yesterday seq list 2>err &&
	test_grep "invalid --now .yesterday." err
'

test_expect_success 'DRIP_NOW is the clock when --now is absent' '
	DRIP_NOW=2026-12-01T08:00:00Z drip -C ws seq new s1 -q &&
	git -C ws log -1 --format=%ad --date=iso-strict >d &&
	echo 2026-12-01T08:00:00+00:00 >expect && test_cmp expect d
'

test_expect_success 'local --now is read in the workspace time zone' '
	drip init -q --now "$NOW" --timezone Asia/Kolkata in &&
	drip -C in --now "2026-12-01 10:00" seq new s1 -q &&
	git -C in log -1 --format=%ad --date=iso-strict >d &&
	echo 2026-12-01T04:30:00+00:00 >expect && test_cmp expect d
'

test_expect_success 'a bad --format is a usage error' '
	test_expect_code 2 drip -C ws seq list --format yaml 2>err &&
	test_grep "format must be" err
'

test_expect_success 'a bad --wait is a usage error' '
	test_expect_code 2 drip -C ws --wait soon seq list 2>err &&
	test_grep "wait takes a number" err
'

test_expect_success 'a missing -C directory is exit 66' '
	test_expect_code 66 drip -C nowhere seq list 2>err &&
	test_grep "cannot change to .nowhere." err
'

test_expect_success 'a write error on stdout is reported, not hidden' '
	if test -w /dev/full; then
		test_expect_code 1 drip help >/dev/full 2>err &&
		test_grep "write error" err
	fi
'

test_done
