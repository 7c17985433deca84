#!/bin/sh
# drip gc (SPEC §13): loose objects go into one pack, history and work
# tree are untouched, git fsck stays clean, unreachable objects are left,
# a second gc replaces the first pack, and a gc killed at any link,
# unlink, rename or fsync loses nothing: the next gc finishes the job.
. "$(dirname "$0")/lib.sh"

T0=2026-11-24T10:00:00Z

# facts DIR: what gc must never change: every ref, the history and the
# tree of every commit, and the work tree.
facts() {
	(cd "$1" && git for-each-ref && git log --format='%H %T %P %s' --all &&
		git ls-tree -r HEAD && git status --porcelain)
}

# loose DIR: how many loose objects git counts.
loose() {
	git -C "$1" count-objects -v | sed -n 's/^count: //p'
}

test_expect_success 'setup: a workspace with some history' '
	new_ws ws &&
	cat >ws/sequences/s1.yaml <<-\EOF &&
	id: s1
	name: First
	steps:
	  - id: hello
	    type: email
	    wait: 0
	    template: templates/hello.eml
	  - id: later
	    type: email
	    wait: 1d
	    template: templates/hello.eml
	EOF
	printf "Subject: Hello {{first_name}}\n\nWelcome.\n" >ws/templates/hello.eml &&
	git -C ws add -A && git -C ws commit -qm s1 &&
	drip -C ws -q --now $T0 seq publish s1 &&
	for c in ada bob cy dan; do
		drip -C ws -q --now $T0 contact add $c email=$c@example.com first_name=$c || return 1
	done &&
	drip -C ws -q --now $T0 enroll s1 ada bob cy dan &&
	drip -C ws -q --now 2026-11-24T10:20:00Z tick --no-deliver &&
	drip -C ws -q --now 2026-11-25T10:20:00Z tick --no-deliver &&
	test $(loose ws) -gt 20 &&
	cp -a ws base
'

test_expect_success 'gc packs every loose object and reports sizes before and after' '
	facts ws >before &&
	n=$(loose ws) &&
	drip -C ws gc >out &&
	test_grep "^before: $n loose objects ([0-9.]* [KM]*i*B), 0 packs (0 B)$" out &&
	test_grep "^after:  0 loose objects (0 B), 1 pack ([0-9.]* [KM]*i*B)$" out &&
	test_line_count 2 out &&
	test $(loose ws) = 0 &&
	git -C ws count-objects -v | grep "^packs: 1$" &&
	facts ws >after && test_cmp before after &&
	git -C ws fsck --full --strict --no-dangling &&
	ls ws/.git/objects >dirs && printf "info\npack\n" >expect && test_cmp expect dirs
'

test_expect_success 'every object of the history is in the pack' '
	git -C ws rev-list --objects --all | cut -c1-40 | sort >reachable &&
	git verify-pack -v ws/.git/objects/pack/pack-*.idx |
		awk "\$2 ~ /^(commit|tree|blob|tag)\$/ { print \$1 }" | sort >packed &&
	test_cmp reachable packed
'

test_expect_success 'an unreachable loose object is left where it is' '
	id=$(echo "not in any commit" | git -C ws hash-object -w --stdin) &&
	drip -C ws -q gc &&
	git -C ws cat-file -e $id &&
	test $(loose ws) = 1
'

test_expect_success 'a second gc after new commits leaves one pack holding everything' '
	drip -C ws -q --now 2026-11-26T10:20:00Z contact add eve email=eve@example.com &&
	old=$(ls ws/.git/objects/pack/*.pack) &&
	facts ws >before &&
	drip -C ws -v gc >out &&
	test_grep "removed [0-9]* loose objects and 1 old pack$" out &&
	ls ws/.git/objects/pack/*.pack >packs && test_line_count 1 packs &&
	! test -e "$old" &&
	test $(loose ws) = 1 &&
	facts ws >after && test_cmp before after &&
	git -C ws fsck --full --strict --no-dangling &&
	drip -C ws -q --now 2026-11-26T10:40:00Z contact add fay email=fay@example.com &&
	git -C ws fsck --full --strict --no-dangling
'

test_expect_success 'gc again with nothing loose keeps the same pack' '
	drip -C ws -q gc &&
	ls ws/.git/objects/pack >p1 &&
	drip -C ws -q gc &&
	ls ws/.git/objects/pack >p2 && test_cmp p1 p2 &&
	git -C ws fsck --full --strict --no-dangling
'

test_expect_success 'a pack with a .keep file is kept' '
	cp -a base keep && drip -C keep -q gc &&
	k=$(ls keep/.git/objects/pack/*.pack) && touch "${k%.pack}.keep" &&
	drip -C keep -q --now 2026-11-26T10:20:00Z contact add eve email=eve@example.com &&
	drip -C keep -q gc &&
	test -e "$k" && ls keep/.git/objects/pack/*.pack >packs && test_line_count 2 packs &&
	git -C keep fsck --full --strict --no-dangling
'

test_expect_success 'half a pack left by a killed write or removal goes once past the grace' '
	cp -a base orphan && drip -C orphan -q gc &&
	d=orphan/.git/objects/pack &&
	k=$(ls $d/*.pack) && cp "$k" $d/pack-1111111111111111111111111111111111111111.pack &&
	cp "${k%.pack}.idx" $d/pack-2222222222222222222222222222222222222222.idx &&
	cp "$k" $d/pack-3333333333333333333333333333333333333333.pack &&
	cp "$k" $d/pack-4444444444444444444444444444444444444444.pack &&
	touch $d/pack-4444444444444444444444444444444444444444.keep &&
	touch -d "30 days ago" $d/pack-1111111111111111111111111111111111111111.pack \
		$d/pack-2222222222222222222222222222222222222222.idx \
		$d/pack-4444444444444444444444444444444444444444.pack &&
	drip -C orphan -v gc >out &&
	test_grep "and 2 old packs" out &&
	! test -e $d/pack-1111111111111111111111111111111111111111.pack &&
	! test -e $d/pack-2222222222222222222222222222222222222222.idx &&
	test -e $d/pack-3333333333333333333333333333333333333333.pack &&
	test -e $d/pack-4444444444444444444444444444444444444444.pack &&
	test -e "$k" && test -e "${k%.pack}.idx" &&
	git -C orphan fsck --full --strict --no-dangling
'

test_expect_success 'gc waits for the workspace lock and gives up with 75' '
	cp -a base locked && snapshot locked >before &&
	test_expect_code 75 flock locked/.drip/lock "$DRIP" -C locked --wait 0 gc 2>err &&
	test_grep "lock" err &&
	test_unchanged locked before
'

test_expect_success 'gc takes no operands; -q prints nothing' '
	test_expect_code 2 drip -C ws gc extra 2>err &&
	test_grep "unexpected argument .extra." err &&
	drip -C ws -q gc >out && test_line_count 0 out
'

if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	test_skip 'killing gc with strace' 'strace is missing or may not trace here'
	test_done
fi
STRACE="env ASAN_OPTIONS=detect_leaks=0 strace"

test_expect_success 'killed gc: the calls of an uninterrupted run' '
	cp -a base ref && facts ref >ref-facts &&
	$STRACE -f -o trace -e trace=rename,renameat,link,linkat,unlink,unlinkat,fsync,fdatasync "$DRIP" -C ref -q gc &&
	grep -c -E "^[0-9]+ +unlink(at)?\(" trace >n-unlink && test $(cat n-unlink) -gt 10
'

# Each kind of call under both its names (libc may use either); libgit2
# moves the new index and pack into place with link (or rename) and unlink.
for sc in rename,renameat link,linkat unlink,unlinkat fsync,fdatasync; do
	n=$(grep -c -E "^[0-9]+ +($(echo $sc | tr , '|'))\(" trace 2>/dev/null)
	for k in $(awk -v n="${n:-0}" 'BEGIN {
		if (n <= 6) { for (i = 1; i <= n; i++) print i; exit }
		print 1; print 2; print int(n / 2); print n - 1; print n }'); do
		test_expect_success "gc killed at ${sc%%,*} $k of $n: the next gc finishes, nothing lost" '
			rm -rf k && cp -a base k &&
			test_expect_code 137 sh -c "exec $STRACE -f -o /dev/null \
				-e inject=$sc:signal=KILL:when='$k' \"\$DRIP\" -C k -q gc" ;
			git -C k fsck --full --strict --no-dangling &&
			facts k >got && test_cmp ref-facts got &&
			drip -C k -q gc &&
			test $(loose k) = 0 &&
			ls k/.git/objects/pack/*.pack >packs && test_line_count 1 packs &&
			git -C k fsck --full --strict --no-dangling &&
			facts k >got && test_cmp ref-facts got
		'
	done
done

test_done
