#!/bin/sh
# drip automate add|list|show|rm|lint: step automations spliced into a
# sequence file without touching a byte outside them, their schedules and
# actions in plain words, every refusal, and lint at the right places.
. "$(dirname "$0")/lib.sh"

new_ws ws

# A sequence written the way people write YAML by hand: comments
# everywhere, an indentless list, odd spacing, quoting, a block scalar, a
# flow-style step and an empty placeholder.
cat >odd.yaml <<\EOF
# Welcome series: odd formatting on purpose.
id: odd          # the id
name:   'Odd  one'    # single quotes, two spaces

steps:
# an indentless list, with comments between items
- id: hello    # no automations yet
  type: email
  template: "templates/nudge.eml"   # quoted

- id: tips
  type: email
  wait: 2d
  template: templates/nudge.eml
  automations:     # one already
  - id: old
    on: complete
    actions: [archive]   # flow actions
  # a comment after the list

-   id: later    # wider indentation
    type: email
    wait: {days: 3}
    template: templates/nudge.eml
    description: |
      A block scalar

- {id: flowy, type: email, wait: 1w, template: templates/nudge.eml}
- id: empty
  type: email
  wait: 1d
  template: templates/nudge.eml
  automations: []   # none yet
# the end
EOF

# What `add hello nudge` must make of it: eight new lines, nothing else.
cat >expect-hello.yaml <<\EOF
# Welcome series: odd formatting on purpose.
id: odd          # the id
name:   'Odd  one'    # single quotes, two spaces

steps:
# an indentless list, with comments between items
- id: hello    # no automations yet
  type: email
  template: "templates/nudge.eml"   # quoted
  automations:
  - id: nudge
    on: pending
    after: 3d
    repeat: {every: 3w, times: 4}
    actions:
    - notify: {template: templates/nudge.eml, still_interested: true, coordinator: true}
    - tag: {add: [cold]}

- id: tips
  type: email
  wait: 2d
  template: templates/nudge.eml
  automations:     # one already
  - id: old
    on: complete
    actions: [archive]   # flow actions
  # a comment after the list

-   id: later    # wider indentation
    type: email
    wait: {days: 3}
    template: templates/nudge.eml
    description: |
      A block scalar

- {id: flowy, type: email, wait: 1w, template: templates/nudge.eml}
- id: empty
  type: email
  wait: 1d
  template: templates/nudge.eml
  automations: []   # none yet
# the end
EOF

# The lines `add tips hi` must insert after the existing automation, and
# `add later soon` after the block scalar (before the blank line that
# separates the steps).
cat >expect-tips.txt <<\EOF
  - id: hi
    on: enter
    actions:
    - complete_step
EOF
cat >expect-later.txt <<\EOF
    automations:
    - id: soon
      on: enter
      after: 3d
      actions:
      - note: "Entered {{first_name}}"
EOF

# An automation written by hand, for --from: indented, commented, with
# a block scalar.
cat >call.yaml <<\EOF
# This comment is outside the mapping and stays behind.
  on: enter      # on entering
  after: 1d
  actions:
    - task:
        kind: call
        subject: "Call {{first_name}}"
        assignee: "{{owner}}"
    - note: |
        two lines
        of text
EOF

cp odd.yaml ws/sequences/odd.yaml
printf 'Subject: Still there, {{first_name}}?\n\nJust checking in.\n' >ws/templates/nudge.eml
git -C ws add -A && git -C ws commit -qm fixtures

# only_added BEFORE AFTER: AFTER is BEFORE with lines added in one place.
only_added() {
	if diff "$1" "$2" >d.out; then
		return 1
	fi
	test "$(grep -c -v '^>' d.out)" = 1 &&
		grep -q '^[0-9]*a[0-9]*,[0-9]*$' d.out
}

test_expect_success 'add to a step without automations: the key and the item, nothing else' '
	drip -C ws --now "$NOW" automate add odd hello nudge --on pending --after 3d \
		--repeat 3w --times 4 \
		--action notify:templates/nudge.eml,still_interested,coordinator \
		--action tag:+cold >out &&
	echo "added automation '"'"'nudge'"'"' to step '"'"'hello'"'"' of sequence '"'"'odd'"'"'" >expect &&
	test_cmp expect out &&
	test_cmp expect-hello.yaml ws/sequences/odd.yaml &&
	only_added odd.yaml ws/sequences/odd.yaml
'

test_expect_success 'add makes one commit of the sequence file, with its message' '
	git -C ws log -1 --format=%s >s && echo "automate add odd hello nudge" >expect &&
	test_cmp expect s &&
	git -C ws show --name-only --format= HEAD >files &&
	echo sequences/odd.yaml >expect && test_cmp expect files &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	test ! -e ws/.drip/automate-* &&
	drip -C ws seq lint
'

test_expect_success 'add to an existing list: after its last item, at its indentation' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws -q automate add odd tips hi --on enter --action complete_step &&
	only_added before.yaml ws/sequences/odd.yaml &&
	grep "^>" d.out | sed "s/^> //" >added &&
	test_cmp expect-tips.txt added &&
	grep -n "^  - id: hi$" ws/sequences/odd.yaml >at &&
	test_grep "^27:" at
'

test_expect_success 'add after a block scalar keeps the blank line between the steps' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws -q automate add odd later soon --on enter --after 3d \
		--action "note:Entered {{first_name}}" &&
	only_added before.yaml ws/sequences/odd.yaml &&
	grep "^>" d.out | sed "s/^> //" >added &&
	test_cmp expect-later.txt added &&
	grep -A1 "Entered" ws/sequences/odd.yaml >tail &&
	printf "      - note: \"Entered {{first_name}}\"\n\n" >expect &&
	test_cmp expect tail
'

test_expect_success 'rm restores the exact bytes, one commit each' '
	drip -C ws automate rm odd later soon >out &&
	test_grep "^removed automation .soon. from step .later. of sequence .odd.$" out &&
	drip -C ws -q automate rm odd tips hi &&
	drip -C ws -q automate rm odd/hello/nudge &&
	cmp odd.yaml ws/sequences/odd.yaml &&
	git -C ws log -3 --format=%s >s &&
	printf "%s\n" "automate rm odd hello nudge" "automate rm odd tips hi" \
		"automate rm odd later soon" >expect &&
	test_cmp expect s
'

test_expect_success 'removing the only automation takes the key with it' '
	drip -C ws -q automate rm odd tips old &&
	! grep "automations:     # one already" ws/sequences/odd.yaml &&
	! grep "id: old" ws/sequences/odd.yaml &&
	drip -C ws seq lint &&
	git -C ws checkout -q HEAD~1 -- sequences/odd.yaml &&
	git -C ws commit -qm "put old back" &&
	cmp odd.yaml ws/sequences/odd.yaml
'

test_expect_success 'a flow-style step gets the automation in flow style; rm gives it back' '
	drip -C ws -q automate add odd flowy fl --on complete --action unsubscribe &&
	test_grep "^- {id: flowy, type: email, wait: 1w, template: templates/nudge.eml, automations: \[{id: fl, on: complete, actions: \[unsubscribe\]}\]}$" ws/sequences/odd.yaml &&
	drip -C ws seq lint &&
	drip -C ws -q automate rm odd flowy fl &&
	cmp odd.yaml ws/sequences/odd.yaml
'

test_expect_success 'an empty placeholder becomes a block list; its comment stays' '
	drip -C ws -q automate add odd empty em --on pending --after 2w \
		--action "task:Call {{first_name}}" --action enroll:odd &&
	sed -n "/^- id: empty/,\$p" ws/sequences/odd.yaml >tail &&
	cat >expect <<-\EOF &&
	- id: empty
	  type: email
	  wait: 1d
	  template: templates/nudge.eml
	  automations:   # none yet
	  - id: em
	    on: pending
	    after: 2w
	    actions:
	    - task: {subject: "Call {{first_name}}"}
	    - enroll: odd
	# the end
	EOF
	test_cmp expect tail &&
	drip -C ws seq lint
'

test_expect_success 'add --from copies the mapping as written, re-indented, with its id' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws -q automate add odd hello call --from ../call.yaml &&
	only_added before.yaml ws/sequences/odd.yaml &&
	grep "^>" d.out | sed "s/^> //" >added &&
	cat >expect <<-\EOF &&
	  automations:
	  - id: call
	    on: enter      # on entering
	    after: 1d
	    actions:
	      - task:
	          kind: call
	          subject: "Call {{first_name}}"
	          assignee: "{{owner}}"
	      - note: |
	          two lines
	          of text
	EOF
	test_cmp expect added &&
	drip -C ws seq lint &&
	drip -C ws -q automate rm odd hello call &&
	cmp before.yaml ws/sequences/odd.yaml
'

test_expect_success '--from in flow style goes into a flow-style step; run in plain words' '
	cp ws/sequences/odd.yaml before.yaml &&
	echo "{on: enter, actions: [{run: {command: [/usr/bin/logger, -t, drip]}}]}" >run.yaml &&
	drip -C ws -q automate add odd flowy run --from ../run.yaml &&
	test_grep "^- {id: flowy, type: email, wait: 1w, template: templates/nudge.eml, automations: \[{id: run, on: enter, actions: \[{run: {command: \[/usr/bin/logger, -t, drip\]}}\]}\]}\$" ws/sequences/odd.yaml &&
	drip -C ws automate show odd/flowy/run >out &&
	test_grep "^  1\. run /usr/bin/logger -t drip\$" out &&
	drip -C ws -q automate rm odd flowy run &&
	cmp before.yaml ws/sequences/odd.yaml
'

test_expect_success 'add then rm is the identity on other layouts: CRLF, no final newline' '
	printf "id: cr\r\nsteps:\r\n  - id: a\r\n    type: email\r\n    template: templates/nudge.eml\r\n" \
		>ws/sequences/cr.yaml &&
	printf "id: nonl\nsteps:\n  - id: a\n    type: email\n    template: templates/nudge.eml  # end" \
		>ws/sequences/nonl.yaml &&
	git -C ws add -A && git -C ws commit -qm layouts &&
	cp ws/sequences/cr.yaml cr0 && cp ws/sequences/nonl.yaml nonl0 &&
	drip -C ws -q automate add cr a x --on enter --action archive &&
	test_grep "^      - id: x.$" ws/sequences/cr.yaml &&
	test "$(grep -c "$(printf "\r")\$" ws/sequences/cr.yaml)" = 10 &&
	drip -C ws -q automate add nonl a x --on enter --action archive &&
	tail -c 20 ws/sequences/nonl.yaml >last && printf "\n          - archive" >expect &&
	test_cmp expect last &&
	drip -C ws seq lint &&
	drip -C ws -q automate rm cr a x && drip -C ws -q automate rm nonl a x &&
	cmp cr0 ws/sequences/cr.yaml && test_cmp nonl0 ws/sequences/nonl.yaml
'

# Automations of every trigger shape, for show and list.
test_expect_success 'setup: one automation of each shape' '
	drip -C ws -q automate add odd hello nudge --on pending --after 3d --repeat 3w --times 4 \
		--action notify:templates/nudge.eml,still_interested,coordinator \
		--action tag:+cold,-warm &&
	drip -C ws -q automate add odd hello now --on enter --action mark_inactive &&
	drip -C ws -q automate add odd hello zero --on enter --after 0 --action archive &&
	drip -C ws -q automate add odd hello later --on enter --after 3d \
		--action "set:stage=Follow up" --action add_to_list:warm-leads &&
	drip -C ws -q automate add odd tips done --on complete \
		--action "note:Done with {{first_name}}" --action remove_from_sequence &&
	drip -C ws -q automate add odd tips wait --on pending --after 2w \
		--action notify:templates/nudge.eml,watchers,to=owner --action unenroll:odd
'

test_expect_success 'show: pending with repeat, every action in plain words' '
	drip -C ws automate show odd hello nudge >out &&
	cat >expect <<-\EOF &&
	automation: odd/hello/nudge
	file:       sequences/odd.yaml:11
	on:         pending
	schedule:   After 3 days pending, then repeats every 3 weeks, up to 4 times
	actions:
	  1. notify the contact with templates/nudge.eml, with Still interested links, and tell the coordinator
	  2. add the tag cold and remove the tag warm
	EOF
	test_cmp expect out
'

schedule_of() {
	drip -C ws automate show "$1" | sed -n "s/^schedule:   //p"
}

test_expect_success 'show: the schedule of each trigger shape, in the SPEC'"'"'s words' '
	test "$(schedule_of odd/hello/now)" = "On entering the step" &&
	test "$(schedule_of odd/hello/zero)" = "On entering the step" &&
	test "$(schedule_of odd/hello/later)" = "3 days after entering the step" &&
	test "$(schedule_of odd/tips/done)" = "When the step completes" &&
	test "$(schedule_of odd/tips/wait)" = "After 2 weeks pending" &&
	test "$(schedule_of odd/hello/nudge)" = \
		"After 3 days pending, then repeats every 3 weeks, up to 4 times"
'

test_expect_success 'show: the other actions in plain words' '
	for a in odd/hello/now odd/hello/zero odd/hello/later odd/tips/done odd/tips/wait; do
		drip -C ws automate show $a | sed -n "s/^  [0-9]*\. //p" || exit 1
	done >out &&
	cat >expect <<-\EOF &&
	mark the contact inactive
	archive the contact
	set stage to "Follow up"
	add the contact to the list warm-leads
	add the note "Done with {{first_name}}"
	remove the contact from this sequence
	notify owner with templates/nudge.eml, and tell the watchers
	unenroll the contact from sequence odd
	EOF
	test_cmp expect out
'

test_expect_success 'show: SEQ/STEP/ID is SEQ STEP ID; --format json' '
	drip -C ws automate show odd tips done >a &&
	drip -C ws automate show odd/tips/done >b && test_cmp a b &&
	drip -C ws --format json automate show odd/hello/nudge >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert d[\"sequence\"]==\"odd\" and d[\"step\"]==\"hello\" and d[\"id\"]==\"nudge\", d; \
assert d[\"on\"]==\"pending\" and d[\"after\"]==\"3d\" and d[\"line\"]==11, d; \
assert d[\"repeat\"]=={\"every\": \"3w\", \"times\": 4}, d; \
assert d[\"schedule\"]==\"After 3 days pending, then repeats every 3 weeks, up to 4 times\"; \
assert [a[\"action\"] for a in d[\"actions\"]]==[\"notify\", \"tag\"], d; \
assert d[\"actions\"][1][\"words\"]==\"add the tag cold and remove the tag warm\"" &&
	drip -C ws --format json automate show odd/tips/done >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert d[\"after\"] is None and d[\"repeat\"] is None, d"
'

test_expect_success 'list: one row per automation, in file order (table)' '
	drip -C ws automate list >out &&
	cat >expect <<-\EOF &&
	sequence  step   id     on        schedule                                                         actions
	odd       hello  nudge  pending   After 3 days pending, then repeats every 3 weeks, up to 4 times  2
	odd       hello  now    enter     On entering the step                                             1
	odd       hello  zero   enter     On entering the step                                             1
	odd       hello  later  enter     3 days after entering the step                                   2
	odd       tips   old    complete  When the step completes                                          1
	odd       tips   done   complete  When the step completes                                          2
	odd       tips   wait   pending   After 2 weeks pending                                            2
	odd       empty  em     pending   After 2 weeks pending                                            2
	EOF
	test_cmp expect out
'

test_expect_success 'list --format csv and json; list SEQ' '
	drip -C ws automate list --format csv odd >out &&
	test_line_count 9 out &&
	test_grep "^sequence,step,id,on,schedule,actions$" out &&
	test_grep "^odd,hello,nudge,pending,\"After 3 days pending, then repeats every 3 weeks, up to 4 times\",2$" out &&
	drip -C ws automate list --format json >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert len(d)==8 and d[0]=={\"sequence\": \"odd\", \"step\": \"hello\", \"id\": \"nudge\", \
\"on\": \"pending\", \"schedule\": \"After 3 days pending, then repeats every 3 weeks, up to 4 times\", \
\"actions\": 2}, d[0]" &&
	drip -C ws automate list cr >out &&
	test_line_count 1 out && test_grep "^sequence" out
'

test_expect_success 'list and show of what does not exist: 66 or 2' '
	test_expect_code 66 drip -C ws automate list nosuch 2>err &&
	test_grep "^drip: no sequence .nosuch. (sequences/nosuch.yaml does not exist)$" err &&
	test_expect_code 66 drip -C ws automate show odd/hello/nudg 2>err &&
	test_grep "^drip: no automation .nudg. in step .hello. of sequence .odd. (did you mean \"nudge\"?)$" err &&
	test_expect_code 66 drip -C ws automate show odd helo nudge 2>err &&
	test_grep "^drip: no step .helo. in sequence .odd. (did you mean \"hello\"?)$" err &&
	test_expect_code 2 drip -C ws automate show odd/hello 2>err &&
	test_grep "expected SEQ/STEP/ID" err &&
	test_expect_code 2 drip -C ws automate list --format xml 2>err &&
	test_grep "format must be table, csv or json" err
'

# ---- refusals: message, exit code, nothing changed ----

test_expect_success 'unknown sequence or step: 66, nothing changed' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws automate add nosuch a x --on enter --action archive 2>err &&
	test_grep "^drip: no sequence .nosuch. (sequences/nosuch.yaml does not exist)$" err &&
	test_expect_code 66 drip -C ws automate add odd tip x --on enter --action archive 2>err &&
	test_grep "^drip: no step .tip. in sequence .odd. (did you mean \"tips\"?)$" err &&
	test_expect_code 66 drip -C ws automate rm odd tips nosuch 2>err &&
	test_grep "^drip: no automation .nosuch. in step .tips. of sequence .odd.$" err &&
	test_unchanged ws before
'

test_expect_success 'a duplicate id in the step: 65 at the existing one, nothing changed' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws automate add odd hello nudge --on enter --action archive 2>err &&
	echo "drip: sequences/odd.yaml:11:9: step '"'"'hello'"'"' already has an automation '"'"'nudge'"'"'" >expect &&
	test_cmp expect err &&
	test_unchanged ws before
'

test_expect_success 'invalid ids and bad options: 2 with the usage line, nothing changed' '
	snapshot ws >before &&
	test_expect_code 2 drip -C ws automate add odd hello Nudge --on enter --action archive 2>err &&
	test_grep "^drip: invalid automation id .Nudge.: use 1 to 64 of" err &&
	test_grep "^usage: drip automate add SEQ STEP ID --on" err &&
	test_expect_code 2 drip -C ws automate add odd ../x y --on enter --action archive 2>err &&
	test_grep "^drip: invalid step id .../x." err &&
	test_expect_code 2 drip -C ws automate add odd hello x --action archive 2>err &&
	test_grep "^drip: missing --on enter|complete|pending (or --from FILE)$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on entr --action archive 2>err &&
	test_grep "^drip: --on must be enter, complete or pending, not .entr. (did you mean \"enter\"?)$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on complete --after 1d --action archive 2>err &&
	test_grep "^drip: --after does not apply to --on complete" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on pending --action archive 2>err &&
	test_grep "^drip: --on pending needs --after" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on pending --after 3x --action archive 2>err &&
	test_grep "^drip: --after: unknown unit \"x\" in \"3x\"" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on pending --after 3d --repeat 1w --action archive 2>err &&
	test_grep "^drip: --repeat and --times go together" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on enter --repeat 1w --times 2 --action archive 2>err &&
	test_grep "^drip: --repeat and --times apply only to --on pending$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on pending --after 3d --repeat 0 --times 2 --action archive 2>err &&
	test_grep "^drip: --repeat must be longer than 0$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on pending --after 3d --repeat 1w --times 1001 --action archive 2>err &&
	test_grep "^drip: --times takes a number from 1 to 1000, not .1001.$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --on enter 2>err &&
	test_grep "^drip: missing --action (one or more), or --from FILE$" err &&
	test_expect_code 2 drip -C ws automate add odd hello x --from ../call.yaml --on enter 2>err &&
	test_grep "^drip: --from takes the whole automation from its file" err &&
	test_expect_code 2 drip -C ws automate add odd hello --on enter --action archive 2>err &&
	test_grep "^drip: missing argument: expected SEQ STEP ID$" err &&
	test_unchanged ws before
'

test_expect_success 'actions outside the grammar: 2, naming what is wrong, nothing changed' '
	snapshot ws >before &&
	bad() {
		test_expect_code 2 drip -C ws automate add odd hello x --on enter --action "$1" 2>err &&
		test_grep "$2" err
	}
	bad archiv "^drip: invalid --action .archiv.: unknown action .archiv. (did you mean \"archive\"?)$" &&
	bad tag:cold "^drip: invalid --action .tag:cold.: each item needs + (add) or - (remove), as in tag:+cold,-warm$" &&
	bad tag:+ "invalid item .+." &&
	bad notify: "^drip: invalid --action .notify:.: .notify. needs an argument, as in notify:templates/x.eml$" &&
	bad notify:t.eml,loud "unknown or repeated option .loud.; notify takes still_interested" &&
	bad archive:now "^drip: invalid --action .archive:now.: .archive. takes no argument$" &&
	bad enroll:Bad "^drip: invalid --action .enroll:Bad.: invalid sequence id .Bad.$" &&
	bad add_to_list:../x "invalid list name .../x." &&
	bad set:stage "expected set:FIELD=VALUE" &&
	bad run:/bin/true "^drip: invalid --action .run:/bin/true.: .run. has no compact form; write the automation in a file and use --from$" &&
	bad "$(printf "note:a\nb")" "one line of text" &&
	test_unchanged ws before
'

test_expect_success 'a result that would not lint is refused at its place: 65, nothing changed' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws automate add odd tips x --on enter \
		--action notify:templates/missing.eml 2>err &&
	test_grep "^drip: sequences/odd.yaml:[0-9]*:[0-9]*: cannot add automation .x.: template \"templates/missing.eml\" does not exist$" err &&
	test_expect_code 65 drip -C ws automate add odd tips x --on enter --action enroll:nosuch 2>err &&
	test_grep "^drip: sequences/odd.yaml:[0-9]*:[0-9]*: cannot add automation .x.: unknown sequence \"nosuch\"" err &&
	test_line_count 1 err &&
	test ! -e ws/.drip/automate-* &&
	test_unchanged ws before
'

test_expect_success '--from: a wrong id, a list, a missing file, a block into a flow step' '
	snapshot ws >before &&
	printf "id: other\non: enter\nactions: [archive]\n" >other.yaml &&
	test_expect_code 65 drip -C ws automate add odd hello x --from ../other.yaml 2>err &&
	test_grep "^drip: ../other.yaml:1:5: --from: the automation.s id \"other\" is not \"x\", the ID given$" err &&
	printf -- "- id: x\n" >list.yaml &&
	test_expect_code 65 drip -C ws automate add odd hello x --from ../list.yaml 2>err &&
	test_grep "the file must hold one automation (a mapping), not a list" err &&
	test_expect_code 66 drip -C ws automate add odd hello x --from ../none.yaml 2>err &&
	test_grep "none.yaml" err &&
	test_expect_code 65 drip -C ws automate add odd flowy x --from ../call.yaml 2>err &&
	test_grep "^drip: sequences/odd.yaml:[0-9]*:3: step .flowy. is written in flow style ({...}): --from needs a file whose automation is in flow style too" err &&
	test_unchanged ws before
'

test_expect_success 'uncommitted edits to the sequence: 75, nothing changed' '
	echo "# mine" >>ws/sequences/odd.yaml &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws automate add odd hello x --on enter --action archive 2>err &&
	test_grep "sequences/odd.yaml. has uncommitted changes" err &&
	test_expect_code 75 drip -C ws automate rm odd hello now 2>err &&
	test_unchanged ws before &&
	git -C ws checkout -q sequences/odd.yaml
'

# ---- lint ----

mkdir -p lt/sequences lt/automations
cat >lt/sequences/bad.yaml <<\EOF
id: bad
steps:
  - id: one
    type: email
    template: t.eml
    when: 'country == '
    automations:
      - id: a
        on: leave
        actions: [archive]
      - id: b
        on: enter
        actions:
          - archiv
      - id: c
        on: pending
        after: 3d
        repeat: {times: 4}
        actions: [archive]
EOF
cat >lt/automations/re.yaml <<\EOF
id: re
if: {event: tag_added, tag: cold}
and: 'score >'
actions:
  - archive
EOF
printf 'Subject: Hi\n\nHello.\n' >lt/t.eml

test_expect_success 'lint: a bad trigger, an unknown action, bad expressions, repeat without every' '
	(cd lt && test_expect_code 1 drip automate lint sequences/bad.yaml automations/re.yaml) >out &&
	cat >expect <<-\EOF &&
	automations/re.yaml:3:6: error: and: 1:8: expected a value after ">"
	sequences/bad.yaml:6:11: error: when: 1:12: expected a value after "=="
	sequences/bad.yaml:9:13: error: "on" must be one of enter, complete, pending, not "leave"
	sequences/bad.yaml:14:13: error: unknown action "archiv" (did you mean "archive"?)
	sequences/bad.yaml:18:17: error: "repeat" needs "every" (how often to repeat)
	5 errors, 0 warnings
	EOF
	test_cmp expect out
'

test_expect_success 'lint: --format github and json; the same as seq lint' '
	(cd lt && test_expect_code 1 drip --format github automate lint sequences/bad.yaml) >out &&
	test_grep "^::error file=sequences/bad.yaml,line=9,col=13::\"on\" must be one of enter" out &&
	test_line_count 4 out &&
	(cd lt && test_expect_code 1 drip --format json automate lint sequences/bad.yaml) >a &&
	(cd lt && test_expect_code 1 drip --format json seq lint sequences/bad.yaml) >b &&
	test_cmp a b &&
	test_expect_code 2 drip -C lt --format xml automate lint sequences/bad.yaml 2>err &&
	test_grep "format must be text, json or github" err
'

test_expect_success 'lint of the workspace: clean after all those edits, exit 0' '
	drip -C ws automate lint >out && test_line_count 0 out
'

test_expect_success 'help lists every subcommand' '
	drip automate -h >out &&
	sed -n "/^subcommands:/,/^\$/p" out | awk "NR > 1 && NF { print \$1 }" >subs &&
	printf "%s\n" add list show rm lint review approve reject protect unprotect >expect &&
	test_cmp expect subs
'

# The review queue, end to end: a sequence automation with review: true.
new_ws rq
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' -e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
	rq/drip.yaml
printf 'id,email,first_name,tags\nada,ada@example.com,Ada,\nbob,bob@example.com,Bob,\ncy,cy@example.com,Cy,\n' \
	>rq/contacts.csv
printf 'Subject: Hello {{first_name}}\n\nWelcome.\n' >rq/templates/vip.eml
mkdir -p rq/automations
cat >rq/automations/vip.yaml <<\EOF
id: vip
title: Welcome VIPs
review: true
if: {event: tag_added, tag: vip}
actions:
  - notify: {template: templates/vip.eml}
  - wait: 1d
  - note: "VIP {{first_name}} greeted"
EOF
git -C rq add -A && git -C rq commit -qm setup

test_expect_success 'list and show know sequence automations' '
	drip -C rq automate list --format csv >out &&
	test_grep "^,,vip,tag_added,When the tag vip is added,3$" out &&
	drip -C rq automate show vip >out &&
	test_grep "^automation: vip - Welcome VIPs$" out &&
	test_grep "^trigger:    When the tag vip is added$" out &&
	test_grep "^review:     yes" out &&
	test_grep "^  2. wait 1 day$" out &&
	drip -C rq automate show vip --format json >out &&
	test_grep "\"review\": true" out &&
	test_expect_code 66 drip -C rq automate show nope 2>err &&
	test_grep "no automation .nope." err
'

test_expect_success 'review: a due action waits in the queue; nothing runs' '
	drip -C rq -q --now 2026-11-24T10:00:00Z tick &&
	drip -C rq -q --now 2026-11-24T10:05:00Z contact tag ada vip &&
	drip -C rq -q --now 2026-11-24T10:05:00Z contact tag bob vip &&
	drip -C rq -q --now 2026-11-24T10:05:00Z contact tag cy vip &&
	drip -C rq --now 2026-11-24T10:20:00Z tick &&
	grep ",vip,review,ok," rq/log/2026-11.csv >rows &&
	test_line_count 3 rows &&
	test_grep "^2026-11-24T10:20:00Z,ada,,,vip,review,ok,[0-9a-f]\{10\},notify$" rows &&
	test_grep "^ada,vip,,review,2026-11-24T10:20:00Z,0,2026-11-24T10:20:00Z,0$" rq/state/runs.csv &&
	! grep ",vip,notify," rq/log/2026-11.csv &&
	! ls rq/outbox/new/* 2>/dev/null &&
	drip -C rq automate review --format csv >q &&
	test_line_count 4 q &&
	test_grep "^id,contact,automation,sequence,queued,action,does$" q &&
	test_grep "^[0-9a-f]\{10\},ada,vip,,2026-11-24T10:20:00Z,notify,notify the contact with templates/vip.eml$" q &&
	cut -d, -f8 rows | sort >logged && tail -n +2 q | cut -d, -f1 | sort >listed &&
	test_cmp logged listed
'

test_expect_success 'approve and reject: usage errors and unknown ids change nothing' '
	snapshot rq >before &&
	test_expect_code 2 drip -C rq automate approve 2>err &&
	test_grep "give review ids" err &&
	id=$(grep "^[0-9a-f]*,ada," q | cut -d, -f1) &&
	test_expect_code 2 drip -C rq automate approve "$id" --all 2>err &&
	test_expect_code 66 drip -C rq automate approve "$id" 0123456789 2>err &&
	test_grep "^drip: no action .0123456789. in the review queue$" err &&
	test_expect_code 66 drip -C rq automate reject ffffffffff 2>err &&
	test_unchanged rq before
'

test_expect_success 'approve one, reject one: logged and committed; the next tick runs or drops them' '
	ada=$(grep "^[0-9a-f]*,ada," q | cut -d, -f1) &&
	bob=$(grep "^[0-9a-f]*,bob," q | cut -d, -f1) &&
	drip -C rq --now 2026-11-24T10:30:00Z automate approve "$ada" >out &&
	test_grep "^approved 1 action; they run at the next tick$" out &&
	drip -C rq --now 2026-11-24T10:31:00Z automate reject "$bob" >out &&
	test_grep "^rejected 1 action" out &&
	test_grep "^2026-11-24T10:30:00Z,ada,,,vip,approve,ok,$ada,notify$" rq/log/2026-11.csv &&
	test_grep "^2026-11-24T10:31:00Z,bob,,,vip,reject,ok,$bob,notify$" rq/log/2026-11.csv &&
	test_grep "^ada,vip,,approved," rq/state/runs.csv &&
	test_grep "^bob,vip,,rejected," rq/state/runs.csv &&
	git -C rq log -2 --format=%s >subj &&
	test_grep "^automate reject: 1 action$" subj &&
	test_grep "^automate approve: 1 action$" subj &&
	git -C rq status --porcelain >st && test_line_count 0 st &&
	drip -C rq automate review --format csv >q2 && test_line_count 2 q2 &&
	drip -C rq --now 2026-11-24T10:40:00Z tick &&
	test_grep "^2026-11-24T10:40:00Z,ada,,,vip,notify,ok,<[0-9a-f]*@acme.example>,templates/vip.eml$" \
		rq/log/2026-11.csv &&
	! grep ",bob,,,vip,notify," rq/log/2026-11.csv &&
	ls rq/outbox/new >msgs && test_line_count 1 msgs &&
	grep -l "^To: ada@example.com" rq/outbox/new/* &&
	test_grep "^ada,vip,,running,2026-11-24T10:20:00Z,2,2026-11-25T10:40:00Z,0$" rq/state/runs.csv &&
	test_grep "^bob,vip,,running,2026-11-24T10:20:00Z,2,2026-11-25T10:40:00Z,0$" rq/state/runs.csv
'

test_expect_success 'after the wait the next action queues again; reject drops them' '
	drip -C rq --now 2026-11-25T10:40:00Z tick &&
	grep "^2026-11-25T10:40:00Z,[a-z]*,,,vip,review,ok,.*,note$" rq/log/2026-11.csv >rows &&
	test_line_count 2 rows &&
	drip -C rq --now 2026-11-25T11:00:00Z automate reject $(cut -d, -f8 rows) >out &&
	test_grep "^rejected 2 actions" out &&
	grep ",vip,reject,ok,.*,note$" rq/log/2026-11.csv >rej && test_line_count 2 rej &&
	drip -C rq --now 2026-11-25T11:00:00Z tick &&
	test_grep "^2026-11-25T11:00:00Z,ada,,,vip,done,ok,,$" rq/log/2026-11.csv &&
	test_grep "^2026-11-25T11:00:00Z,bob,,,vip,done,ok,,$" rq/log/2026-11.csv &&
	! grep -q "VIP" rq/notes.csv 2>/dev/null &&
	test_grep "^cy,vip,,review," rq/state/runs.csv &&
	drip -C rq automate review --format csv >q3 && test_line_count 2 q3
'

test_expect_success 'approve --all runs what is left at the next tick; then the queue is empty' '
	drip -C rq -q --now 2026-11-25T12:00:00Z automate approve --all &&
	drip -C rq --now 2026-11-25T12:00:00Z tick &&
	test_grep "^2026-11-25T12:00:00Z,cy,,,vip,notify,ok," rq/log/2026-11.csv &&
	drip -C rq automate review >out &&
	test_grep "^the review queue is empty$" out &&
	drip -C rq automate approve --all >out &&
	test_grep "^the review queue is empty$" out
'

test_done
