#!/bin/sh
# tick packs the repository once its loose objects pass drip.yaml's
# gc.auto (SPEC §13), estimated as git does from .git/objects/17: the
# history, the refs and the files are what they would have been without
# it, a gc killed in the middle loses nothing, old unreachable objects go,
# and a bad gc.auto is refused like every drip.yaml error.
. "$(dirname "$0")/lib.sh"

T0=2026-11-24T10:00:00Z

facts() {
	(cd "$1" && git for-each-ref && git log --format='%H %T %P %s' --all &&
		git ls-tree -r HEAD && git status --porcelain && cat state/clock.csv)
}
loose() {
	git -C "$1" count-objects -v | sed -n 's/^count: //p'
}
packs() {
	git -C "$1" count-objects -v | sed -n 's/^packs: //p'
}

# A file whose blob's id starts with 17, so that the estimate (the objects
# in .git/objects/17, times 256) is 256 once it is committed.
# (And a second one, for a loose object there.)
python3 - <<-\EOF
	import hashlib
	i, found = 0, []
	while len(found) < 2:
	    body = b"note %d\n" % i
	    if hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest().startswith("17"):
	        found.append(body)
	    i += 1
	open("seventeen.txt", "wb").write(found[0])
	open("seventeen2.txt", "wb").write(found[1])
EOF

# ws DIR AUTO: a workspace with a contact enrolled in a sequence, gc.auto
# set to AUTO (none: the default), and the file above committed.
make_ws() {
	new_ws "$1" &&
	if [ -n "$2" ]; then printf "gc: {auto: %s}\n" "$2" >>"$1/drip.yaml"; fi &&
	cat >"$1/sequences/s1.yaml" <<-\EOF &&
	id: s1
	steps:
	  - {id: hello, type: email, wait: 0, template: templates/hello.eml}
	  - {id: later, type: email, wait: 1d, template: templates/hello.eml}
	EOF
	printf "Subject: Hello {{first_name}}\n\nWelcome.\n" >"$1/templates/hello.eml" &&
	cp "$TRASH/seventeen.txt" "$1/notes.txt" &&
	git -C "$1" add -A && git -C "$1" commit -qm setup &&
	drip -C "$1" -q --now $T0 seq publish s1 &&
	drip -C "$1" -q --now $T0 contact add ada email=ada@example.com first_name=Ada &&
	drip -C "$1" -q --now $T0 enroll s1 ada &&
	test -n "$(ls "$1/.git/objects/17")"
}

# The same workspace (its key included) but for gc.auto, committed at the
# same moment: one (1), off (0) and dflt (the default).
test_expect_success 'setup: the same workspace with gc.auto 1, 0 and the default' '
	make_ws base "" &&
	for w in one:1 off:0 dflt:; do
		cp -a base ${w%%:*} &&
		if [ -n "${w#*:}" ]; then printf "gc: {auto: %s}\n" ${w#*:} >>${w%%:*}/drip.yaml; fi &&
		GIT_AUTHOR_DATE=$T0 GIT_COMMITTER_DATE=$T0 git -C ${w%%:*} commit -q --allow-empty \
			-am "gc setting" || return 1
	done &&
	test $(loose one) -gt 20
'

# What packing must not change, but for the gc.auto line of drip.yaml
# (and so the ids of the trees and commits that hold it): the history's
# subjects, dates and files, every ref's name, the work tree, the clock.
same() {
	for w in "$1" "$2"; do
		(cd "$w" && git for-each-ref --format="%(refname)" &&
			git log --format="%s %ad %cd" --all &&
			git ls-tree -r HEAD | grep -v "	drip.yaml$" &&
			git status --porcelain && cat state/clock.csv &&
			git cat-file blob refs/drip/clock) >"$w.facts" || return 1
	done &&
	test_cmp "$1.facts" "$2.facts" &&
	diff -r -x .git -x drip.yaml "$1" "$2" &&
	diff "$1/drip.yaml" "$2/drip.yaml" | grep "^[<>]" >d;
	test_line_count 2 d && test_grep "gc: {auto: " d
}

test_expect_success 'gc.auto 1: the tick packs every loose object; -v says so' '
	drip -C one -v --now 2026-11-24T10:20:00Z tick --no-deliver >out &&
	test_grep "^packed [0-9]* objects into pack-[0-9a-f]*; removed [0-9]* loose objects$" out &&
	test $(loose one) = 0 && test $(packs one) = 1 &&
	git -C one fsck --full --strict --no-dangling
'

test_expect_success 'gc.auto 0 and the default (2000) leave the objects loose' '
	drip -C off -q --now 2026-11-24T10:20:00Z tick --no-deliver &&
	drip -C dflt -q --now 2026-11-24T10:20:00Z tick --no-deliver &&
	test $(packs off) = 0 && test $(loose off) -gt 20 &&
	test $(packs dflt) = 0 && test $(loose dflt) -gt 20
'

test_expect_success 'packing changes no commit, ref, tree or file' '
	same one off &&
	for t in 2026-11-25T10:20:00Z 2026-11-26T10:20:00Z; do
		drip -C one -q --now $t tick --no-deliver &&
		drip -C off -q --now $t tick --no-deliver || return 1
	done &&
	same one off
'

# Every tick moves refs/drip/clock, so each pack holds an old clock no ref
# reaches any more; a gc that kept such a pack would keep a copy of the
# whole history per pack.
test_expect_success 'one pack after each gc: an old pack'"'"'s unreachable objects go loose first' '
	cp -a one moved &&
	drip -C moved -q gc && test $(packs moved) = 1 &&
	old=$(git -C moved rev-parse refs/drip/clock) &&
	cat moved/.git/objects/pack/pack-*.idx | git show-index | grep -q " $old" &&
	f=moved/.git/objects/$(echo $old | cut -c1-2)/$(echo $old | cut -c3-) &&
	test ! -f "$f" &&
	drip -C moved -q --now 2026-11-26T10:40:00Z tick --no-deliver &&
	test $(git -C moved rev-parse refs/drip/clock) != $old &&
	drip -C moved -q gc &&
	test $(packs moved) = 1 && test -f "$f" &&
	git -C moved cat-file blob $old >clock &&
	test_grep "^2026-11-26T10:20:00Z," clock &&
	git -C moved fsck --full --strict --no-dangling &&
	find moved/.git/objects/?? -type f -exec touch -d "15 days ago" {} + &&
	drip -C moved -q gc &&
	test_must_fail git -C moved cat-file -e $old 2>/dev/null &&
	test $(packs moved) = 1 && test $(loose moved) = 0 &&
	git -C moved fsck --full --strict --no-dangling
'

test_expect_success 'a pack older than two weeks goes with what no ref reaches' '
	x=$(echo "packed leftover" | git -C moved hash-object -w --stdin) &&
	name=$(echo $x | git -C moved pack-objects -q .git/objects/pack/pack) &&
	rm moved/.git/objects/$(echo $x | cut -c1-2)/$(echo $x | cut -c3-) &&
	touch -d "15 days ago" moved/.git/objects/pack/pack-$name.pack &&
	test $(packs moved) = 2 &&
	drip -C moved -q gc &&
	test_must_fail git -C moved cat-file -e $x 2>/dev/null &&
	test $(packs moved) = 1 && test $(loose moved) = 0 &&
	git -C moved fsck --full --strict --no-dangling
'

test_expect_success 'an unreachable object is kept two weeks, then gc removes it' '
	new=$(echo "fresh leftover" | git -C one hash-object -w --stdin) &&
	old=$(echo "old leftover" | git -C one hash-object -w --stdin) &&
	f=one/.git/objects/$(echo $old | cut -c1-2)/$(echo $old | cut -c3-) &&
	touch -d "15 days ago" "$f" &&
	drip -C one -q gc &&
	git -C one cat-file -e $new &&
	test_must_fail git -C one cat-file -e $old 2>/dev/null &&
	git -C one fsck --full --strict --no-dangling
'

test_expect_success 'a bad gc.auto is exit 78 at its place in drip.yaml, nothing changed' '
	for bad in "{auto: -1}" "{auto: lots}" "{every: 3}" "5"; do
		cp -a off bad && printf "gc: %s\n" "$bad" >>bad/drip.yaml &&
		git -C bad commit -qam "bad gc" && snapshot bad >before &&
		test_expect_code 78 drip -C bad --now 2026-11-27T10:20:00Z tick --no-deliver 2>err &&
		test_grep "^drip: drip.yaml:[0-9]*:[0-9]*: " err &&
		test_line_count 1 err &&
		test_unchanged bad before &&
		rm -rf bad || return 1
	done
'

test_expect_success 'a shallow clone: gc refuses it (1), a tick leaves it to git gc' '
	git clone -q --depth 1 "file://$TRASH/one" shallow &&
	mkdir -p shallow/.drip && cp one/.drip/signing.key shallow/.drip/ &&
	snapshot shallow >before &&
	test_expect_code 1 drip -C shallow gc 2>err &&
	test_grep "^drip: a shallow clone (.git/shallow): .*git gc" err &&
	test_unchanged shallow before &&
	git -C shallow hash-object -w "$TRASH/seventeen2.txt" >/dev/null &&
	test -n "$(ls shallow/.git/objects/17)" &&
	grep -q "^gc: {auto: 1}$" shallow/drip.yaml &&
	p=$(packs shallow) && l=$(loose shallow) &&
	drip -C shallow -q --now 2026-11-27T10:20:00Z tick --no-deliver &&
	test $(packs shallow) = $p && test $(loose shallow) -ge $l
'

if ! command -v strace >/dev/null 2>&1 || ! strace -f -o /dev/null true 2>/dev/null; then
	test_skip 'killing the automatic gc with strace' 'strace is missing or may not trace here'
	test_done
fi
STRACE="env ASAN_OPTIONS=detect_leaks=0 strace"

# The tick's own calls come first; the gc's are those on pack files and
# the removals of loose objects.  Kill at the pack's first move into place,
# at the first removal of a loose object and at the last.
test_expect_success 'the calls of an uninterrupted tick with its gc' '
	make_ws kbase 1 &&
	cp -a kbase kref &&
	$STRACE -f -o trace -e trace=rename,renameat,link,linkat,unlink,unlinkat "$DRIP" -C kref -q \
		--now 2026-11-24T10:20:00Z tick --no-deliver &&
	test $(loose kref) = 0 &&
	grep -E "^[0-9]+ +(rename|renameat|link|linkat|unlink|unlinkat)\(" trace >calls &&
	grep -n -E "objects/pack/pack-[0-9a-f]+\.pack" calls | head -n 1 | cut -d: -f1 >k-pack &&
	grep -n -E "unlink(at)?\(.*objects/[0-9a-f]{2}/[0-9a-f]{38}\"" calls | cut -d: -f1 >k-unlink &&
	test -s k-pack && test -s k-unlink
'

for which in pack first-unlink last-unlink; do
	test_expect_success "a tick killed in its gc ($which): nothing lost, the next gc finishes" '
		case '$which' in
		pack) n=$(cat k-pack) ;;
		first-unlink) n=$(head -n 1 k-unlink) ;;
		last-unlink) n=$(tail -n 1 k-unlink) ;;
		esac &&
		call=$(sed -n "${n}p" calls | sed -E "s/^[0-9]+ +([a-z]+)\(.*/\1/") &&
		k=$(head -n "$n" calls | grep -c -E "^[0-9]+ +$call\(") &&
		rm -rf k && cp -a kbase k &&
		test_expect_code 137 sh -c "exec $STRACE -f -o /dev/null \
			-e inject=$call:signal=KILL:when=$k \"\$DRIP\" -C k -q \
			--now 2026-11-24T10:20:00Z tick --no-deliver" ;
		git -C k fsck --full --strict --no-dangling &&
		facts k >got && facts kref >want && test_cmp want got &&
		drip -C k -q gc && test $(loose k) = 0 && test $(packs k) = 1 &&
		git -C k fsck --full --strict --no-dangling &&
		facts k >got && test_cmp want got
	'
done

# A gc whose older pack holds the clock before the last tick's: killed
# at the removal of that pack's index, after the clock is written loose.
test_expect_success 'a gc killed as it removes an older pack: nothing lost, the next gc finishes' '
	rm -rf kp0 && cp -a one kp0 && drip -C kp0 -q gc &&
	old=$(git -C kp0 rev-parse refs/drip/clock) &&
	drip -C kp0 -q --now 2026-11-26T10:40:00Z tick --no-deliver &&
	cp -a kp0 kpref &&
	$STRACE -f -o trace -e trace=unlink,unlinkat "$DRIP" -C kpref -q gc &&
	grep -E "^[0-9]+ +unlink(at)?\(" trace >calls &&
	n=$(grep -n -E "objects/pack/pack-[0-9a-f]+\.idx\"" calls | head -n 1 | cut -d: -f1) &&
	test -n "$n" &&
	call=$(sed -n "${n}p" calls | sed -E "s/^[0-9]+ +([a-z]+)\(.*/\1/") &&
	k=$(head -n "$n" calls | grep -c -E "^[0-9]+ +$call\(") &&
	cp -a kp0 kp &&
	test_expect_code 137 sh -c "exec $STRACE -f -o /dev/null \
		-e inject=$call:signal=KILL:when=$k \"\$DRIP\" -C kp -q gc" ;
	git -C kp cat-file -e $old &&
	git -C kp fsck --full --strict --no-dangling &&
	facts kp >got && facts kpref >want && test_cmp want got &&
	drip -C kp -q gc && test $(packs kp) = 1 && git -C kp cat-file -e $old &&
	git -C kp fsck --full --strict --no-dangling &&
	facts kp >got && test_cmp want got
'

test_done
