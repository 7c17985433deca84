#!/bin/sh
# `drip seq publish ID --plan` and `drip seq diff ID --impact` (SPEC §3.5):
# what publishing would do to the contacts already enrolled and what would
# fire within the horizon, changing nothing - and the plan's predictions are
# what the publish and the ticks after it then do.
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^timezone: UTC$/timezone: Europe\/Berlin/' -e 's/^max_lag: 24h/max_lag: 30d/' ws/drip.yaml
{
	echo id,email,first_name,tags
	for k in 0 1 2 3 4 5 6 7; do echo "c$k,c$k@example.com,C$k,"; done
} >ws/contacts.csv
printf 'Subject: Hi {{first_name}}\n\nHello.\n' >ws/templates/hi.eml
cat >ws/sequences/journey.yaml <<'EOF'
id: journey
steps:
  - {id: welcome, type: email, wait: 0, template: templates/hi.eml}
  - id: wait1
    type: delay
    wait: 1d
    automations:
      - {id: poke, on: pending, after: 12h, actions: [{tag: {add: [poked]}}]}
  - {id: call, type: task, wait: 1d, subject: "Call {{first_name}}"}
  - {id: note, type: delay, wait: 1d}
  - {id: jump, type: goto, wait: 1d, to: last}
  - {id: last, type: email, wait: 1d, template: templates/hi.eml}
EOF
git -C ws add -A && git -C ws commit -qm setup

# One contact enrolled a day, ticked each morning: after the seventh day
# they stand on every step, two have finished, and c7 (enrolled after the
# last tick) waits for its welcome.
drip -C ws -q --now 2026-12-01T07:00:00Z seq publish journey
for k in 0 1 2 3 4 5 6; do
	day=$(printf '2026-12-%02d' $((k + 1)))
	drip -C ws -q --now "${day}T08:30:00Z" enroll journey "c$k" &&
	drip -C ws -q --now "${day}T09:00:00Z" tick || exit 1
done
drip -C ws -q --now 2026-12-07T11:00:00Z enroll journey c7

P=2026-12-07T12:00:00Z
U=2026-12-14T12:00:00Z

# v2: `call` deleted, `note` moved before `wait1`, wait1's automation
# removed, `extra` added after the old last step.
cat >ws/sequences/journey.yaml <<'EOF'
id: journey
steps:
  - {id: welcome, type: email, wait: 0, template: templates/hi.eml}
  - {id: note, type: delay, wait: 1d}
  - id: wait1
    type: delay
    wait: 1d
  - {id: jump, type: goto, wait: 1d, to: last}
  - {id: last, type: email, wait: 1d, template: templates/hi.eml}
  - {id: extra, type: email, wait: 1d, template: templates/hi.eml}
EOF
git -C ws commit -qam v2

positions() {
	grep -h ',journey,' ws/state/enrollments/*.csv | cut -d, -f1,4,5 | LC_ALL=C sort
}

test_expect_success 'before the publish, contacts stand on every step' '
	positions >pos &&
	for s in wait1 call note jump last welcome; do test_grep ",active,$s\$" pos || return 1; done &&
	test_grep "^c0,done," pos && test_grep "^c1,done," pos
'

# Every directory's modification time: a file created or removed anywhere,
# even a temporary one, changes its directory's (git status, which
# refreshes the index, is run before the first and after the second).
dir_times() {
	(cd "$1" && find . -type d -exec stat -c "%y %n" {} + | LC_ALL=C sort -k 4)
}

test_expect_success '--plan changes nothing: no file, no commit, no log row, no copy left' '
	snapshot ws >before &&
	git -C ws rev-parse HEAD >head-before &&
	git -C ws status --porcelain --ignored >status-before &&
	dir_times ws >dirs-before &&
	sleep 1 &&
	drip -C ws --now $P seq publish journey --plan >plan.txt &&
	drip -C ws --now $P seq publish journey --plan --format json >plan.json &&
	drip -C ws --now $P seq publish journey --plan --format github >plan.md &&
	dir_times ws >dirs-after &&
	test_unchanged ws before &&
	git -C ws rev-parse HEAD >head-after &&
	test_cmp head-before head-after &&
	git -C ws status --porcelain --ignored >status-after &&
	test_cmp status-before status-after &&
	test_cmp dirs-before dirs-after
'

test_expect_success 'seq diff --impact is the same plan' '
	drip -C ws --now $P seq diff journey --impact --format json >impact.json &&
	test_cmp plan.json impact.json
'

test_expect_success 'the plan names the versions, the moves, the resumes and the endings' '
	python3 - plan.json >facts <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = d["summary"][0]
	print("report", d["report"])
	for k in ("sequence", "version", "new_version", "enrollments", "in_progress", "moved",
	          "resumed", "staying", "automations_ending", "until"):
	    print(k, s[k])
	for m in d["moves"]:
	    print("move", m["contact"], m["from"], m["to"], m["why"])
	for n in d["next"]:
	    print("next", n["contact"], n["step"], n["next_was"], n["next_now"], n["why"])
	for e in d["ending"]:
	    print("end", e["contact"], e["step"], e["automation"], e["on"])
	print("next_changes", s["next_changes"])
	EOF
	cat >want <<-\EOF &&
	report plan
	sequence journey
	version 1
	new_version 2
	enrollments 8
	in_progress 6
	moved 1
	resumed 2
	staying 5
	automations_ending 1
	until 2026-12-14T12:00:00Z
	move c0 (done) extra steps added after the old last step
	move c1 (done) extra steps added after the old last step
	move c5 call jump its step is deleted
	next c2 last (done) extra a step is added after it
	next c4 note jump wait1 steps reordered
	next c6 wait1 call jump the step after it is deleted
	next c7 welcome wait1 note steps reordered
	end c6 wait1 poke pending
	next_changes 4
	EOF
	test_cmp want facts
'

test_expect_success 'the table and the GitHub summary show the same sections' '
	test_grep "^Publishing journey: .*version 1 would become 2" plan.txt &&
	test_grep "^Enrollments that move" plan.txt &&
	test_grep "^c5  *call  *jump  *its step is deleted" plan.txt &&
	test_grep "^Enrollments that stay but go on elsewhere" plan.txt &&
	test_grep "^c4  *note  *jump  *wait1  *steps reordered" plan.txt &&
	test_grep "^Automations that end" plan.txt &&
	test_grep "^What will happen, in order" plan.txt &&
	test_grep "^## Publishing journey" plan.md &&
	test_grep "^### Enrollments that move" plan.md &&
	test_grep "^| contact | from | to | why |$" plan.md &&
	test_grep "^| --- | --- | --- | --- |$" plan.md &&
	test_grep "^| c5 | call | jump | its step is deleted |$" plan.md &&
	test_grep "^| c6 | wait1 | poke | pending |$" plan.md &&
	test_grep "^### Enrollments that stay but go on elsewhere" plan.md &&
	test_grep "^| c7 | welcome | wait1 | note | steps reordered |$" plan.md &&
	test_grep "^### What will happen, in order" plan.md
'

test_expect_success 'publishing moves exactly the enrollments the plan named' '
	positions >before-pub &&
	drip -C ws --now $P seq publish journey >out &&
	test_grep "version 2 (1 template); 3 enrollments moved" out &&
	positions >after-pub &&
	python3 - plan.json before-pub after-pub <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	rows = lambda f: {l.split(",")[0]: l.strip().split(",")[1:] for l in open(f)}
	before, after = rows(sys.argv[2]), rows(sys.argv[3])
	moves = {m["contact"]: m for m in d["moves"]}
	for c in sorted(before):
	    if c in moves:
	        to = moves[c]["to"]
	        want = ["done", ""] if to == "(done)" else [after[c][0], to]
	        assert after[c] == want and after[c] != before[c], (c, before[c], after[c], want)
	    else:
	        assert after[c] == before[c], (c, before[c], after[c])
	EOF
'

test_expect_success 'the ticks after it write exactly the rows the plan foresaw' '
	n=$(wc -l <ws/log/2026-12.csv) &&
	for day in 08 09 10 11 12 13 14; do
		drip -C ws -q --now "2026-12-${day}T09:00:00Z" tick || return 1
	done &&
	drip -C ws -q --now $U tick &&
	{ head -n 1 ws/log/2026-12.csv && tail -n +$((n + 1)) ws/log/2026-12.csv; } >after.csv &&
	python3 - plan.json after.csv <<-\EOF
	import csv, json, sys
	d = json.load(open(sys.argv[1]))
	cols = ("time", "contact", "sequence", "step", "automation", "action", "result", "detail")
	want = sorted(tuple(r[k] for k in cols) for r in d["upcoming"])
	got = sorted(tuple(r[k] for k in cols) for r in csv.DictReader(open(sys.argv[2]))
	             if r["sequence"] == "journey")
	assert len(want) == d["summary"][0]["actions"], (len(want), d["summary"][0]["actions"])
	assert want == got, "\n".join(["plan only:"] + [str(r) for r in want if r not in got] +
	                              ["log only:"] + [str(r) for r in got if r not in want])
	steps = {(r[1], r[3], r[5]) for r in want}
	for fact in (("c0", "extra", "email"), ("c1", "extra", "email"), ("c7", "welcome", "email"),
	             ("c5", "jump", "goto")):
	    assert fact in steps, fact
	assert not [r for r in got if r[4] == "poke"], "poke fired after it was removed"
	# Each enrollment that stays goes on to the step the plan named.
	for n in d["next"]:
	    steps = [r[3] for r in sorted(got) if r[1] == n["contact"] and r[3] and not r[4]]
	    i = steps.index(n["step"])
	    assert steps[i + 1] == n["next_now"], (n, steps)
	EOF
'

test_expect_success 'a draft that is the published version: the plan says publishing changes nothing' '
	drip -C ws --now $U seq publish journey --plan >same.txt &&
	test_grep "publishing changes nothing" same.txt &&
	drip -C ws --now $U seq publish journey --plan --format json >same.json &&
	python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[\"summary\"][0]; assert s[\"version\"] == s[\"new_version\"] == 2 and s[\"moved\"] == 0, s" same.json
'

test_expect_success 'a first publish: the plan foresees enroll_when' '
	cat >ws/sequences/fresh.yaml <<-\EOF &&
	id: fresh
	enroll_when: "first_name == \"C3\""
	steps:
	  - {id: hello, type: email, wait: 0, template: templates/hi.eml}
	EOF
	git -C ws add -A && git -C ws commit -qm fresh &&
	drip -C ws --now $U seq publish fresh --plan --horizon 1h --format json >fresh.json &&
	python3 - fresh.json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = d["summary"][0]
	assert s["version"] is None and s["new_version"] == 1, s
	rows = {(r["contact"], r["action"]) for r in d["upcoming"]}
	assert ("c3", "enroll") in rows and ("c3", "email") in rows, rows
	EOF
'

test_expect_success 'completion: --plan, --impact, --horizon and the formats they take' '
	drip __complete -C ws seq publish journey --pl >out && echo --plan >expect &&
	test_cmp expect out &&
	drip __complete -C ws seq diff journey --i >out && echo --impact >expect &&
	test_cmp expect out &&
	drip __complete -C ws seq publish journey --plan --h >out &&
	printf -- "--horizon\n--help\n" >expect && test_cmp expect out &&
	drip __complete -C ws seq publish journey --plan --format "" >out &&
	printf "table\njson\ngithub\n" >expect && test_cmp expect out &&
	drip __complete -C ws seq diff journey --impact --format "" >out && test_cmp expect out &&
	drip __complete -C ws seq lint --format "" >out &&
	printf "text\njson\ngithub\n" >expect && test_cmp expect out &&
	drip __complete -C ws report upcoming --format "" >out &&
	printf "table\ncsv\njson\nhtml\n" >expect && test_cmp expect out
'

if command -v bash >/dev/null 2>&1; then
	test_expect_success 'completion through bash: the formats of --plan' '
		(cd ws && PATH=$(dirname "$DRIP"):$PATH bash --norc --noprofile -c "
			. \"\$1\" || exit 1
			shift
			COMP_WORDS=(\"\$@\")
			COMP_CWORD=\$((\$# - 1))
			COMP_LINE=\"\$*\"
			COMP_POINT=\${#COMP_LINE}
			_drip || exit 1
			printf \"%s\n\" \"\${COMPREPLY[@]}\"
		" bash "$DATA_DIR/../completions/drip.bash" drip seq publish journey --plan --format "") >out &&
		printf "table\njson\ngithub\n" >expect && test_cmp expect out
	'
else
	test_skip "completion through bash" "bash not installed"
fi

test_expect_success 'more than 10,000 rows: the first 10,000 kept, the title and the summary say how many' '
	new_ws big &&
	awk "BEGIN { print \"id,email,first_name\"; for (i = 0; i < 10005; i++) printf \"b%05d,b%05d@example.com,B\\n\", i, i }" >big/contacts.csv &&
	cat >big/sequences/long.yaml <<-\EOF &&
	id: long
	steps:
	  - {id: one, type: delay, wait: 1d}
	  - {id: two, type: delay, wait: 1d}
	EOF
	git -C big add -A && git -C big commit -qm setup &&
	drip -C big -q --now $P seq publish long &&
	drip -C big -q --now $P enroll long --where "true" &&
	sed -i "/id: one/d" big/sequences/long.yaml && git -C big commit -qam "one deleted" &&
	drip -C big --now $P seq publish long --plan --horizon 1d --format json >big.json &&
	drip -C big --now $P seq publish long --plan --horizon 1d >big.txt &&
	python3 - big.json <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = d["summary"][0]
	assert s["moved"] == 10005 and s["enrollments"] == 10005, s
	assert len(d["moves"]) == 10000, len(d["moves"])
	assert [m["contact"] for m in d["moves"]] == ["b%05d" % i for i in range(10000)]
	assert all(m["from"] == "one" and m["to"] == "two" for m in d["moves"])
	EOF
	test_grep "^Enrollments that move: the first 10000 of 10005\$" big.txt
'

test_expect_success 'bad input: one line, the exit code, nothing changed' '
	snapshot ws >before &&
	test_expect_code 2 drip -C ws --now $U seq publish journey --horizon 3d 2>err &&
	test_grep "^drip: --horizon goes with --plan" err &&
	test_expect_code 2 drip -C ws --now $U seq publish journey --plan --horizon soon 2>err &&
	test_grep "^drip: invalid --horizon .soon." err &&
	test_expect_code 2 drip -C ws --now $U seq publish journey --plan --format csv 2>err &&
	test_grep "^drip: --format must be table, json or github, not .csv." err &&
	test_expect_code 2 drip -C ws --now $U seq publish journey --format json 2>err &&
	test_grep "^drip: --format goes with --plan" err &&
	test_expect_code 2 drip -C ws --now $U seq diff journey --horizon 1d 2>err &&
	test_grep "^drip: --horizon goes with --impact" err &&
	test_expect_code 66 drip -C ws --now $U seq publish nosuch --plan 2>err &&
	test_grep "^drip: no sequence .nosuch." err &&
	test_unchanged ws before
'

test_expect_success 'a draft lint rejects is 65 with its findings, nothing changed' '
	printf "id: bad\nsteps:\n  - {id: a, type: delay, wiat: 0}\n" >ws/sequences/bad.yaml &&
	git -C ws add -A && git -C ws commit -qm bad &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws --now $U seq publish bad --plan >out 2>err &&
	test_grep "^sequences/bad.yaml:3:.*wiat" err &&
	test_grep "^drip: cannot publish .bad.: 1 error in the draft" err &&
	test_unchanged ws before
'

test_expect_success 'a stopped sequence cannot be planned either (exit 1), nothing changed' '
	drip -C ws -q --now $U seq stop journey &&
	snapshot ws >before &&
	test_expect_code 1 drip -C ws --now $U seq publish journey --plan 2>err &&
	test_grep "^drip: cannot publish .journey.: it is stopped" err &&
	test_unchanged ws before
'

test_done
