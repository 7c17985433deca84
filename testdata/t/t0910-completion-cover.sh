#!/bin/sh
# The completion scripts name the commands they cover in their header; that
# list must be exactly the commands `drip help` lists, so it cannot drift.
. "$(dirname "$0")/lib.sh"

COMP=$DATA_DIR/../completions

drip help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort >commands
test_expect_success 'drip help lists commands' '
	test -s commands && grep -qx seq commands
'

for f in drip.bash _drip drip.fish; do
	test_expect_success "$f names exactly drip's commands" '
		sed -n "s/^# Commands covered: \(.*\)\.$/\1/p" "$COMP/'"$f"'" | tr " " "\n" | sort >covered &&
		test_cmp commands covered
	'
done

test_done
