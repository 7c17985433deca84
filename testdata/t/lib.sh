# lib.sh - the end-to-end test library, after git's t/test-lib.sh.
#
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'what it checks' '
#       drip init ws && test -f ws/drip.yaml
#   '
#   test_done
#
# Each script runs in a fresh temporary directory with a pinned clock, time
# zone, locale and git identity, and prints TAP for prove.  $DRIP is the
# binary under test (make check sets it).

set -u
LC_ALL=C
TZ=UTC
export LC_ALL TZ
unset DRIP_NOW DRIP_PASSWORD GIT_DIR GIT_WORK_TREE

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
DATA_DIR=$(cd "$TEST_DIR/.." && pwd)
: "${DRIP:=$(cd "$TEST_DIR/../.." && pwd)/drip}"
export DRIP

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/drip-test.XXXXXX") || exit 1
trap 'rm -rf "$TRASH"' EXIT
HOME=$TRASH/home
XDG_CONFIG_HOME=$HOME/.config
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL=author@example.com
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL=committer@example.com
export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
mkdir -p "$HOME"
cd "$TRASH" || exit 1

test_count=0
test_failed=0
NOW=2026-11-24T10:20:00Z

drip() {
	"$DRIP" "$@"
}

# test_expect_success DESCRIPTION BODY: run BODY in a subshell with set -e.
# The subshell must not stand in an if or && list: there, shells ignore
# set -e and only the body's last command would count.
test_expect_success() {
	test_count=$((test_count + 1))
	(eval "set -e
$2") >"$TRASH/.out" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

# test_skip DESCRIPTION REASON
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $1: $2"
}

# test_must_fail CMD...: CMD exits non-zero (and was not killed by a signal).
test_must_fail() {
	if "$@"; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	fi
}

# test_expect_code CODE CMD...: CMD exits with exactly CODE.
test_expect_code() {
	want=$1
	shift
	if "$@"; then
		got=0
	else
		got=$?
	fi
	if [ "$got" != "$want" ]; then
		echo "test_expect_code: exit $got, wanted $want: $*" >&2
		return 1
	fi
}

# test_cmp EXPECTED ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# test_grep PATTERN FILE: like grep, but shows the file when it fails.
test_grep() {
	if ! grep -e "$1" "$2" >/dev/null; then
		echo "test_grep: no '$1' in $2:" >&2
		sed 's/^/    /' "$2" >&2
		return 1
	fi
}

# test_line_count N FILE
test_line_count() {
	n=$(wc -l <"$2" | tr -d ' ')
	if [ "$n" != "$1" ]; then
		echo "test_line_count: $2 has $n lines, wanted $1:" >&2
		sed 's/^/    /' "$2" >&2
		return 1
	fi
}

# snapshot DIR: every file's content hash (the .git directory included, so
# a new commit or object shows) and git's view of the work tree.
snapshot() {
	(cd "$1" && find . -type f ! -name index ! -path './.drip/lock' -print |
		LC_ALL=C sort | xargs sha256sum && git status --porcelain --ignored)
}

# test_unchanged DIR BEFORE: DIR is exactly as the snapshot BEFORE took it.
test_unchanged() {
	snapshot "$1" >"$TRASH/.snap-now"
	if ! diff -u "$2" "$TRASH/.snap-now" >&2; then
		echo "test_unchanged: files in $1 changed" >&2
		return 1
	fi
}

# last_slot DIR: the last slot tick processed in the workspace DIR, as
# clock.csv writes it: the later of state/clock.csv (committed with ticks
# that changed something) and refs/drip/clock (moved by quiet ticks).
last_slot() {
	{
		sed 1d "$1/state/clock.csv" 2>/dev/null
		git -C "$1" cat-file blob refs/drip/clock 2>/dev/null | sed 1d | cut -d, -f1
	} | LC_ALL=C sort | tail -n 1
}

# new_ws DIR: a fresh workspace at a fixed --now, with the sender and the
# links' base URL set, as every workspace that sends email needs
# (new_bare_ws: exactly what drip init writes).
new_bare_ws() {
	"$DRIP" init -q --now "$NOW" "$1"
}
new_ws() {
	new_bare_ws "$1" &&
	sed -i -e 's|^# from: .*|from: "Acme <hello@acme.example>"|' \
	       -e 's|^  # base_url: .*|  base_url: "https://acme.example/r"|' "$1/drip.yaml" &&
	git -C "$1" commit -qm 'sender and links' drip.yaml
}

# peak_kib CMD...: run CMD, its standard output into out.txt, print its
# peak resident memory in KiB, and exit as it did.
peak_kib() {
	python3 -c '
import resource, subprocess, sys
with open("out.txt", "wb") as out:
    rc = subprocess.run(sys.argv[1:], stdout=out).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)
' "$@"
}

# under_kib PEAK BOUND: PEAK (from peak_kib) is below BOUND KiB.  A
# sanitized build (make asan: the binary is under build/asan/) keeps
# shadow memory and quarantine, so its peaks say nothing of drip's: only
# the exit is checked there.
under_kib() {
	case $1 in
	*[!0-9]*|"") echo "failed: $1" >&2; return 1 ;;
	esac
	case $DRIP in
	*/asan/*) return 0 ;;
	esac
	if [ "$1" -ge "$2" ]; then
		echo "peak $1 KiB, bound $2 KiB" >&2
		return 1
	fi
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -ne 0 ]; then
		echo "# failed $test_failed of $test_count"
		exit 1
	fi
	exit 0
}
