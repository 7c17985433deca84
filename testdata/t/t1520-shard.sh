#!/bin/sh
# tick --shard K/N (drip-tick(1), SHARDS): four workers in four clones of
# one bare repository tick the same slots at once, each its own shard,
# and push; what the remote ends with is what one tick of the whole
# workspace makes.  Then --shard auto, bad shards and a remote that
# cannot be reached.
. "$(dirname "$0")/lib.sh"

T1=2026-11-24T08:25:00Z
T2=2026-11-24T09:45:00Z

# Forty contacts in a sequence that sends, branches, adds to a list and
# makes call tasks; a bounce and an open wait in the inbox.
new_ws ws
{
	echo "id,email,first_name,plan"
	for i in $(seq -w 1 40); do
		p=free
		[ $((1$i % 3)) = 0 ] && p=pro
		echo "c$i,c$i@example.com,C$i,$p"
	done
} >ws/contacts.csv
printf 'Subject: Hi {{first_name}}\n\nHi.\n' >ws/templates/a.eml
cat >ws/sequences/s1.yaml <<'Y'
id: s1
name: First
steps:
  - {id: hello, type: email, wait: 0, template: templates/a.eml}
  - {id: pick, type: branch, wait: 0, if: plan == "pro", then: pro, else: ring}
  - {id: pro, type: fulfillment, wait: 0, list: gifts, fields: [first_name, plan]}
  - {id: ring, type: call, wait: 20m, subject: "Call {{first_name}}"}
  - {id: later, type: email, wait: 1h, template: templates/a.eml}
Y
git -C ws add -A && git -C ws commit -qm setup
drip -C ws -q --now 2026-11-24T07:00:00Z seq publish s1 &&
drip -C ws -q --now 2026-11-24T08:05:00Z enroll s1 $(seq -f 'c%02g' 1 40)
git clone -q --bare ws remote.git
cp -a ws single

# clone DIR: a worker's clone of the remote, with the workspace's key.
clone() {
	git clone -q remote.git "$1" &&
	mkdir -p "$1/.drip" && cp ws/.drip/signing.key "$1/.drip/" &&
	chmod 600 "$1/.drip/signing.key"
}

# events DIR: the same two events, in the inbox of DIR.
events() {
	drip -C "$1" -q --now 2026-11-24T08:10:00Z event c05 bounce &&
	drip -C "$1" -q --now 2026-11-24T08:10:00Z event c07 open
}

# workers NOW: the four workers at once, in the background, each
# pushing to the remote; their exit codes in rc.K.
workers() {
	for k in 0 1 2 3; do
		("$DRIP" -C w$k -q --now "$1" tick --shard $k/4 --push ../remote.git \
			--no-deliver >out.$k 2>&1; echo $? >rc.$k) &
	done
	wait
	for k in 0 1 2 3; do
		test "$(cat rc.$k)" = 0 || { cat out.$k; return 1; }
	done
}

# same_as_single: the remote's branch, checked out, has exactly the files
# of the single workspace, and the workers' outboxes together its outbox.
same_as_single() {
	rm -rf res && git clone -q remote.git res &&
	(cd single && git ls-files | sort) >files.single &&
	(cd res && git ls-files | sort) >files.res &&
	test_cmp files.single files.res &&
	while read -r f; do
		cmp "single/$f" "res/$f" || { diff "single/$f" "res/$f" | head -20; return 1; }
	done <files.single &&
	(cd single/outbox/new && ls | sort) >out.single &&
	for k in 0 1 2 3; do (cd w$k/outbox/new && ls); done | sort >out.res &&
	test_cmp out.single out.res &&
	test_line_count 0 /dev/null &&
	for k in 0 1 2 3; do
		(cd w$k/outbox/new && for m in *; do cmp "$m" "../../../single/outbox/new/$m" || exit 1; done)
	done
}

test_expect_success 'four workers over one remote make what one tick makes' '
	for k in 0 1 2 3; do clone w$k; done &&
	for d in single w0 w1 w2 w3; do events $d; done &&
	drip -C single -q --now $T1 tick --no-deliver &&
	workers $T1 &&
	same_as_single &&
	ls single/outbox/new >n && test $(wc -l <n) -gt 20
'

test_done
