#!/bin/sh
# drip step add|list|show|set|mv|dup|rm: steps spliced into a sequence file
# without touching a byte outside the step or key that changes (comments,
# quoting, flow and block style, CRLF, no final newline), every refusal
# with its message, exit code and nothing changed, and owners (exit 77).
. "$(dirname "$0")/lib.sh"

GOLD=$DATA_DIR/step
Q="'"

new_ws ws
cp "$GOLD/odd.yaml" ws/sequences/odd.yaml
printf 'Subject: Hi {{first_name}}\n\nHello.\n' >ws/templates/t.eml
git -C ws add -A && git -C ws commit -qm fixtures

# only_added BEFORE AFTER: AFTER is BEFORE with lines added in one place;
# the added lines go to d.added.
only_added() {
	if diff "$1" "$2" >d.out; then
		return 1
	fi
	test "$(grep -c -v '^>' d.out)" = 1 &&
		grep -q '^[0-9]*a[0-9]*\(,[0-9]*\)\{0,1\}$' d.out &&
		sed -n 's/^> //p' d.out >d.added
}

# ---- add, set: the golden file ----

test_expect_success 'add at the end: the new lines after the last step, before the final comment' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws --now "$NOW" step add odd last --type email --wait 1d \
		--template templates/t.eml >out &&
	echo "added step ${Q}last${Q} to sequence ${Q}odd${Q} (draft: ${Q}drip seq publish odd${Q} makes it live)" >expect &&
	test_cmp expect out &&
	only_added before.yaml ws/sequences/odd.yaml &&
	printf "%s\n" "- id: last" "  type: email" "  wait: 1d" "  template: templates/t.eml" >expect &&
	test_cmp expect d.added &&
	tail -n 1 ws/sequences/odd.yaml >tail && echo "# the end" >expect && test_cmp expect tail
'

test_expect_success 'add makes one commit of the sequence file, with its message; the draft only' '
	git -C ws log -1 --format=%s >s && echo "step add odd last" >expect && test_cmp expect s &&
	git -C ws show --name-only --format= HEAD >files &&
	echo sequences/odd.yaml >expect && test_cmp expect files &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	test ! -e ws/published &&
	test ! -e ws/.drip/automate-*
'

test_expect_success 'add --before, then set in block, flow and block-scalar places: the golden file' '
	drip -C ws -q step add odd first --type delay --wait 1h --before hello &&
	drip -C ws step set odd tips wait=3d "name=Tips & tricks" >out &&
	echo "set wait name of step ${Q}tips${Q} in sequence ${Q}odd${Q}" >expect &&
	test_cmp expect out &&
	drip -C ws -q step set odd later wait=1d description= &&
	drip -C ws -q step set odd flowy at=07:00 "when=email ~ \"*@x\"" &&
	test_cmp "$GOLD/odd-edited.yaml" ws/sequences/odd.yaml &&
	git -C ws log -4 --format=%s >s &&
	printf "%s\n" "step set odd flowy at when" "step set odd later wait description" \
		"step set odd tips wait name" "step add odd first" >expect &&
	test_cmp expect s &&
	drip -C ws seq lint
'

test_expect_success 'typed values: durations, times, booleans, lists, strings quoted as needed' '
	drip -C ws -q step add odd call --type call --after first --subject "Call {{first_name}}" \
		--set block=true --set due=2d --set "days=mon, tue" --name 0123 &&
	sed -n "/^- id: call/,/^- id: hello/p" ws/sequences/odd.yaml >got &&
	cat >expect <<-\EOF &&
	- id: call
	  type: call
	  subject: "Call {{first_name}}"
	  block: true
	  due: 2d
	  days: [mon, tue]
	  name: "0123"
	- id: hello    # first
	EOF
	test_cmp expect got &&
	drip -C ws -q step set odd call block=false "days=[wed]" due=0 &&
	sed -n "/^- id: call/,/^- id: hello/p" ws/sequences/odd.yaml >got &&
	test_grep "^  block: false\$" got && test_grep "^  days: \[wed\]\$" got &&
	test_grep "^  due: 0\$" got
'

# ---- list, show ----

test_expect_success 'list: one row per step, in order (table, csv, json)' '
	drip -C ws step list odd | sed "s/ *\$//" >out &&
	cat >expect <<-\EOF &&
	#  step   type   wait  at     automations  name
	1  first  delay  1h           0
	2  call   call   0            0            0123
	3  hello  email  0            0
	4  tips   email  3d           1            Tips & tricks
	5  later  email  1d           0
	6  flowy  email  1w    07:00  0
	7  jump   goto   0            0
	8  last   email  1d           0
	EOF
	test_cmp expect out &&
	drip -C ws --format csv step list odd >out &&
	test_line_count 9 out && test_grep "^#,step,type,wait,at,automations,name\$" out &&
	test_grep "^4,tips,email,3d,,1,Tips & tricks\$" out &&
	drip -C ws --format json step list odd >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert len(d)==8, d; \
assert d[3]=={\"position\": 4, \"id\": \"tips\", \"type\": \"email\", \"wait\": \"3d\", \
\"at\": None, \"name\": \"Tips & tricks\", \"automations\": 1}, d[3]; \
assert d[5][\"at\"]==\"07:00\", d[5]"
'

test_expect_success 'list --format csv neutralises formulas unless --raw' '
	drip -C ws -q step set odd last "name=-1+1" &&
	drip -C ws --format csv step list odd >out &&
	test_grep "^8,last,email,1d,,0,${Q}-1+1\$" out &&
	drip -C ws --format csv step list --raw odd >out &&
	test_grep "^8,last,email,1d,,0,-1+1\$" out
'

test_expect_success 'show: the keys as written and the automations in plain words' '
	drip -C ws step show odd tips >out &&
	line=$(grep -n "^- id: tips" ws/sequences/odd.yaml | cut -d: -f1) &&
	test "$line" = 21 &&
	cat >expect <<-\EOF &&
	step:        odd/tips
	file:        sequences/odd.yaml:21
	position:    4 of 8
	type:        email
	wait:        3d
	template:    templates/t.eml
	name:        Tips & tricks
	automations:
	  old: When the step completes
	EOF
	test_cmp expect out &&
	drip -C ws --format json step show odd flowy >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert d[\"sequence\"]==\"odd\" and d[\"id\"]==\"flowy\" and d[\"position\"]==6, d; \
assert d[\"keys\"][\"at\"]==\"07:00\" and d[\"keys\"][\"when\"]==\"email ~ \\\"*@x\\\"\", d; \
assert d[\"automations\"]==[], d" &&
	drip -C ws --format json step show odd tips >out &&
	python3 -c "import json; d=json.load(open(\"out\")); \
assert d[\"automations\"]==[{\"id\": \"old\", \"on\": \"complete\", \
\"schedule\": \"When the step completes\", \"actions\": 1}], d"
'

# ---- dup, mv, rm ----

test_expect_success 'dup copies the step as written after it, its automations renamed; rm gives the bytes back' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws step dup odd tips tips2 >out &&
	echo "copied step ${Q}tips${Q} as ${Q}tips2${Q} in sequence ${Q}odd${Q}" >expect &&
	test_cmp expect out &&
	only_added before.yaml ws/sequences/odd.yaml &&
	cat >expect <<-\EOF &&
	- id: tips2
	  type: email
	  wait: 3d     # two days
	  template: templates/t.eml
	  name: "Tips & tricks"
	  automations:     # one
	  - id: tips2-old
	    on: complete
	    actions: [archive]   # flow

	EOF
	test_cmp expect d.added &&
	drip -C ws automate show odd tips2 tips2-old >/dev/null &&
	drip -C ws -q step rm odd tips2 &&
	cmp before.yaml ws/sequences/odd.yaml &&
	git -C ws log -2 --format=%s >s &&
	printf "%s\n" "step rm odd tips2" "step dup odd tips tips2" >expect && test_cmp expect s
'

test_expect_success 'dup of a flow-style step stays one line' '
	cp ws/sequences/odd.yaml before.yaml &&
	drip -C ws -q step dup odd flowy flowy2 &&
	only_added before.yaml ws/sequences/odd.yaml &&
	echo >expect &&
	echo "- {id: flowy2, type: email, wait: 1w, template: templates/t.eml, at: \"07:00\", when: ${Q}email ~ \"*@x\"${Q}}" >>expect &&
	test_cmp expect d.added &&
	drip -C ws -q step rm odd flowy2 && cmp before.yaml ws/sequences/odd.yaml
'

test_expect_success 'mv moves the whole step, its automations, comments and the blank line before it' '
	cp ws/sequences/odd.yaml before-mv.yaml &&
	drip -C ws step mv odd tips --after later >out &&
	echo "moved step ${Q}tips${Q} after ${Q}later${Q} in sequence ${Q}odd${Q}" >expect &&
	test_cmp expect out &&
	drip -C ws step list odd | awk "NR > 1 { print \$2 }" >order &&
	printf "%s\n" first call hello later tips flowy jump last >expect && test_cmp expect order &&
	sed -n "/^- id: tips/,/^- {id: flowy/p" ws/sequences/odd.yaml >got &&
	cat >expect <<-\EOF &&
	- id: tips
	  type: email
	  wait: 3d     # two days
	  template: templates/t.eml
	  name: "Tips & tricks"
	  automations:     # one
	  - id: old
	    on: complete
	    actions: [archive]   # flow

	- {id: flowy, type: email, wait: 1w, template: templates/t.eml, at: "07:00", when: ${Q}email ~ "*@x"${Q}}
	EOF
	sed "s/\${Q}/$Q/g" expect >expect2 && test_cmp expect2 got &&
	drip -C ws automate show odd tips old >/dev/null &&
	git -C ws log -1 --format=%s >s && echo "step mv odd tips --after later" >expect &&
	test_cmp expect s &&
	drip -C ws -q step mv odd tips --before later &&
	drip -C ws step list odd | awk "NR > 1 { print \$2 }" >order &&
	printf "%s\n" first call hello tips later flowy jump last >expect && test_cmp expect order &&
	cmp before-mv.yaml ws/sequences/odd.yaml &&
	drip -C ws seq lint
'

test_expect_success 'mv to where it already is changes nothing (exit 0, no commit)' '
	snapshot ws >before &&
	drip -C ws step mv odd tips --after hello >out &&
	echo "step ${Q}tips${Q} is already after ${Q}hello${Q}; nothing to change" >expect &&
	test_cmp expect out &&
	test_unchanged ws before
'

test_expect_success 'rm of a step another step goes to: 65 naming the referrer, nothing changed' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step rm odd tips 2>err &&
	grep -n "^  to: tips   # back" ws/sequences/odd.yaml >at && test_grep "^39:" at &&
	echo "drip: sequences/odd.yaml:39:7: cannot remove step ${Q}tips${Q}: step ${Q}jump${Q} goes to it (to: tips); change that first" >expect &&
	test_cmp expect err &&
	test_unchanged ws before
'

test_expect_success 'rm of a branch and a wait_until target: each referrer named' '
	drip -C ws -q step add odd br --type branch --if "email ~ \"*@x\"" --then later --else flowy \
		--before jump &&
	drip -C ws -q step add odd wt --type wait_until --event reply --timeout 3d --on-timeout hello \
		--before jump &&
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step rm odd later 2>err &&
	test_grep "step ${Q}br${Q} goes to it (then: later)" err &&
	test_expect_code 65 drip -C ws step rm odd flowy 2>err &&
	test_grep "step ${Q}br${Q} goes to it (else: flowy)" err &&
	test_expect_code 65 drip -C ws step rm odd hello 2>err &&
	test_grep "step ${Q}wt${Q} goes to it (on_timeout: hello)" err &&
	test_unchanged ws before &&
	drip -C ws -q step rm odd br && drip -C ws -q step rm odd wt &&
	drip -C ws seq lint
'

test_expect_success 'a rule step takes actions in the compact form' '
	drip -C ws -q step add odd r --type rule --if "email ~ \"*@x\"" --then tag:+vip \
		--then set:status=vip --else archive --before jump &&
	sed -n "/^- id: r\$/,/^- id: jump/p" ws/sequences/odd.yaml >got &&
	cat >expect <<-\EOF &&
	- id: r
	  type: rule
	  if: ${Q}email ~ "*@x"${Q}
	  then: [{tag: {add: [vip]}}, {set: {status: vip}}]
	  else: [archive]
	- id: jump
	EOF
	sed "s/\${Q}/$Q/g" expect >expect2 && test_cmp expect2 got &&
	drip -C ws step show odd r >out &&
	test_grep "^then: *add the tag vip; set status to \"vip\"\$" out &&
	drip -C ws -q step rm odd r
'

# ---- other layouts: CRLF, no final newline, a flow list ----

test_expect_success 'CRLF: add, set, dup and rm keep every line ending; add then rm is the identity' '
	printf "id: cr\r\n# steps\r\nsteps:\r\n  - id: a   # one\r\n    type: email\r\n    template: templates/t.eml\r\n" \
		>ws/sequences/cr.yaml &&
	git -C ws add -A && git -C ws commit -qm crlf &&
	cp ws/sequences/cr.yaml cr0 &&
	drip -C ws -q step add cr b --type email --wait 1d --template templates/t.eml &&
	drip -C ws -q step set cr a wait=2d &&
	drip -C ws -q step dup cr a c &&
	test "$(grep -c "$(printf "\r")\$" ws/sequences/cr.yaml)" = "$(wc -l <ws/sequences/cr.yaml)" &&
	printf "id: cr\r\n# steps\r\nsteps:\r\n  - id: a   # one\r\n    type: email\r\n    template: templates/t.eml\r\n    wait: 2d\r\n  - id: c   # one\r\n    type: email\r\n    template: templates/t.eml\r\n    wait: 2d\r\n  - id: b\r\n    type: email\r\n    wait: 1d\r\n    template: templates/t.eml\r\n" >expect &&
	cmp expect ws/sequences/cr.yaml &&
	drip -C ws -q step rm cr c && drip -C ws -q step rm cr b &&
	drip -C ws -q step set cr a wait= &&
	cmp cr0 ws/sequences/cr.yaml
'

test_expect_success 'no final newline: add at the end and rm give back the same bytes' '
	printf "id: nonl\nsteps:\n  - id: a\n    type: email\n    template: templates/t.eml  # end" \
		>ws/sequences/nonl.yaml &&
	git -C ws add -A && git -C ws commit -qm nonl &&
	cp ws/sequences/nonl.yaml nonl0 &&
	drip -C ws -q step add nonl b --type delay --wait 1d &&
	printf "id: nonl\nsteps:\n  - id: a\n    type: email\n    template: templates/t.eml  # end\n  - id: b\n    type: delay\n    wait: 1d" >expect &&
	cmp expect ws/sequences/nonl.yaml &&
	drip -C ws -q step mv nonl b --before a &&
	printf "id: nonl\nsteps:\n  - id: b\n    type: delay\n    wait: 1d\n  - id: a\n    type: email\n    template: templates/t.eml  # end" >expect &&
	cmp expect ws/sequences/nonl.yaml &&
	drip -C ws -q step mv nonl b --after a &&
	drip -C ws -q step rm nonl b &&
	cmp nonl0 ws/sequences/nonl.yaml
'

test_expect_success 'a flow-style list of steps gets flow-style steps' '
	printf "id: fl\nsteps: [{id: a, type: delay, wait: 1d}]   # flow\n" >ws/sequences/fl.yaml &&
	git -C ws add -A && git -C ws commit -qm flow &&
	drip -C ws -q step add fl b --type delay --wait 2d &&
	drip -C ws -q step mv fl b --before a &&
	drip -C ws -q step set fl a wait=3d &&
	printf "id: fl\nsteps: [{id: b, type: delay, wait: 2d}, {id: a, type: delay, wait: 3d}]   # flow\n" >expect &&
	test_cmp expect ws/sequences/fl.yaml
'

# ---- refusals: message, exit code, nothing changed ----

test_expect_success 'unknown sequence or step: 66 with a suggestion, nothing changed' '
	snapshot ws >before &&
	test_expect_code 66 drip -C ws step add nosuch x --type delay 2>err &&
	echo "drip: no sequence ${Q}nosuch${Q} (sequences/nosuch.yaml does not exist)" >expect &&
	test_cmp expect err &&
	test_expect_code 66 drip -C ws step set odd tip wait=1d 2>err &&
	echo "drip: no step ${Q}tip${Q} in sequence ${Q}odd${Q} (did you mean \"tips\"?)" >expect &&
	test_cmp expect err &&
	test_expect_code 66 drip -C ws step rm odd tip 2>err && test_cmp expect err &&
	test_expect_code 66 drip -C ws step dup odd tip x 2>err && test_cmp expect err &&
	test_expect_code 66 drip -C ws step mv odd tips --after tip 2>err && test_cmp expect err &&
	test_expect_code 66 drip -C ws step add odd x --type delay --after tip 2>err &&
	test_cmp expect err &&
	test_expect_code 66 drip -C ws step show odd tip 2>err && test_cmp expect err &&
	test_expect_code 66 drip -C ws step list nosuch 2>err &&
	test_grep "no sequence .nosuch." err &&
	test_unchanged ws before
'

test_expect_success 'bad values and unknown keys: 2 with the usage line, nothing changed' '
	snapshot ws >before &&
	bad() {
		test_expect_code 2 drip -C ws step "$@" 2>err
	}
	bad set odd tips wiat=3d &&
	test_grep "^drip: unknown key \"wiat\" for an email step (did you mean \"wait\"?)\$" err &&
	test_grep "^usage: drip step set SEQ ID KEY=VALUE" err &&
	bad set odd tips wait=3x && test_grep "^drip: wait: unknown unit \"x\" in \"3x\"" err &&
	bad set odd tips at=25:00 && test_grep "^drip: at: invalid time of day \"25:00\"" err &&
	bad set odd call block=yes &&
	test_grep "^drip: block: takes true or false, not ${Q}yes${Q}\$" err &&
	bad set odd jump to=../x && test_grep "^drip: to: ${Q}../x${Q} is not a step id\$" err &&
	bad set odd tips type=emial &&
	test_grep "^drip: unknown step type \"emial\" (did you mean \"email\"?)\$" err &&
	bad set odd tips subject=x && test_grep "unknown key \"subject\" for an email step" err &&
	bad set odd tips id=x && test_grep "^drip: id cannot be set this way" err &&
	bad set odd tips automations=x && test_grep "drip automate add|rm" err &&
	bad set odd tips wait && test_grep "^drip: expected KEY=VALUE, not ${Q}wait${Q}\$" err &&
	bad set odd tips wait=1d wait=2d && test_grep "^drip: wait given twice\$" err &&
	bad set odd hello at= && test_grep "has no \"at\" to remove" err &&
	bad set odd tips && test_grep "missing argument" err &&
	bad add odd x && test_grep "^drip: missing --type" err &&
	bad add odd x --type emial && test_grep "did you mean \"email\"" err &&
	bad add odd x --type delay --after a --before b && test_grep "not both" err &&
	bad add odd x --type delay --set foo && test_grep "^drip: --set takes KEY=VALUE" err &&
	bad add odd x --type delay --subject s && test_grep "unknown key \"subject\" for a delay step" err &&
	bad add odd X --type delay && test_grep "^drip: invalid step id ${Q}X${Q}" err &&
	bad mv odd tips && test_grep "give --before STEP or --after STEP" err &&
	bad mv odd tips --after hello --before later && test_grep "not both" err &&
	bad mv odd tips --after tips && test_grep "before or after itself" err &&
	bad dup odd tips && test_grep "missing argument" err &&
	bad dup odd tips a-very-long-step-name-that-leaves-no-room-for-the-automations-id &&
	test_grep "not a valid id" err &&
	test_unchanged ws before
'

test_expect_success 'a taken id, a result that would not lint: 65, nothing changed' '
	snapshot ws >before &&
	test_expect_code 65 drip -C ws step add odd tips --type delay 2>err &&
	test_grep "^drip: sequences/odd.yaml:21:7: sequence ${Q}odd${Q} already has a step ${Q}tips${Q}\$" err &&
	test_expect_code 65 drip -C ws step dup odd hello tips 2>err &&
	test_grep "already has a step ${Q}tips${Q}" err &&
	test_expect_code 65 drip -C ws step add odd x --type email 2>err &&
	test_grep "^drip: sequences/odd.yaml:[0-9]*:[0-9]*: cannot add step ${Q}x${Q}: email step \"x\" needs a template (or variants)\$" err &&
	test_expect_code 65 drip -C ws step set odd tips template=templates/none.eml 2>err &&
	test_grep "^drip: sequences/odd.yaml:[0-9]*:[0-9]*: cannot set template of step ${Q}tips${Q}: template \"templates/none.eml\" does not exist\$" err &&
	test_expect_code 65 drip -C ws step set odd jump to=nosuch 2>err &&
	test_grep "nosuch" err &&
	test ! -e ws/.drip/automate-* &&
	test_unchanged ws before
'

test_expect_success 'uncommitted edits to the sequence: 75, nothing changed' '
	echo "# mine" >>ws/sequences/odd.yaml &&
	snapshot ws >before &&
	test_expect_code 75 drip -C ws step set odd tips wait=1d 2>err &&
	test_grep "sequences/odd.yaml. has uncommitted changes" err &&
	test_unchanged ws before &&
	git -C ws checkout -q sequences/odd.yaml
'

# ---- owners (SPEC §10) ----

test_expect_success 'nobody is refused while neither owners nor admins is set' '
	env DRIP_USER=eve@example.com "$DRIP" -C ws -q step set odd tips wait=4d
'

test_expect_success 'owners and admins set: anyone else gets 77 from every edit, nothing changed' '
	sed -i "s/^id: odd .*/&\nowners: [Alice@Example.com, bob@example.com]/" ws/sequences/odd.yaml &&
	echo "admins: [ops@example.com]" >>ws/drip.yaml &&
	git -C ws commit -qam owners &&
	snapshot ws >before &&
	msg="drip: ${Q}eve@example.com${Q} may not change sequence ${Q}odd${Q}: only its owners (Alice@Example.com and bob@example.com) and the admins (ops@example.com) may (who you are comes from DRIP_USER, else git config user.email)" &&
	echo "$msg" >expect &&
	for args in "step add odd x --type delay" "step set odd tips wait=1d" \
		"step mv odd tips --after later" "step dup odd tips x" "step rm odd last" \
		"automate add odd tips x --on enter --action archive" "automate rm odd tips old" \
		"seq publish odd"; do
		test_expect_code 77 env DRIP_USER=eve@example.com "$DRIP" -C ws $args 2>err ||
			{ echo "not refused: $args" >&2; exit 1; }
		test_cmp expect err || exit 1
	done &&
	test_unchanged ws before
'

test_expect_success 'an owner (any case), an admin, and git config user.email may' '
	env DRIP_USER=alice@example.com "$DRIP" -C ws -q step set odd tips wait=1d &&
	env DRIP_USER=ops@example.com "$DRIP" -C ws -q step set odd tips wait=2d &&
	git -C ws config user.email bob@example.com &&
	drip -C ws -q step set odd tips wait=3d &&
	git -C ws config user.email eve@example.com &&
	test_expect_code 77 drip -C ws step set odd tips wait=4d 2>err &&
	test_grep "^drip: .eve@example.com. may not change" err &&
	git -C ws config --unset user.email &&
	test_expect_code 77 drip -C ws step set odd tips wait=4d 2>err &&
	test_grep "^drip: an unknown user may not change" err
'

test_expect_success 'admins alone: a sequence without owners is the admins'"'"'' '
	test_expect_code 77 env DRIP_USER=bob@example.com "$DRIP" -C ws -q step set cr a wait=1d 2>err &&
	test_grep "only the admins (ops@example.com) may" err &&
	env DRIP_USER=ops@example.com "$DRIP" -C ws -q step set cr a wait=1d
'

test_expect_success 'seq owners --codeowners: sequences, their templates, drip.yaml' '
	drip -C ws seq owners --codeowners >out &&
	cat >expect <<-\EOF &&
	# Written by '"'"'drip seq owners --codeowners'"'"': each sequence'"'"'s owners: and
	# drip.yaml'"'"'s admins: may change it and the templates it uses.
	/drip.yaml ops@example.com
	/automations/ ops@example.com
	/sequences/cr.yaml ops@example.com
	/sequences/fl.yaml ops@example.com
	/sequences/nonl.yaml ops@example.com
	/sequences/odd.yaml Alice@Example.com bob@example.com ops@example.com
	/templates/t.eml Alice@Example.com bob@example.com ops@example.com
	EOF
	test_cmp expect out &&
	drip -C ws --format csv seq owners >out &&
	test_grep "^path,owners\$" out &&
	test_grep "^/sequences/odd.yaml,Alice@Example.com bob@example.com ops@example.com\$" out
'

# ---- completion ----

test_expect_success '__complete: step ids after a sequence id, and for --after' '
	(cd ws && drip __complete step show odd "") >out &&
	test_grep "^tips\$" out && test_grep "^jump\$" out && ! grep "^odd\$" out &&
	(cd ws && drip __complete step show "") >out && test_grep "^odd\$" out &&
	(cd ws && drip __complete step mv odd tips --after l) >out &&
	printf "%s\n" later last >expect && test_cmp expect out &&
	(cd ws && drip __complete step add odd x --type del) >out &&
	echo delay >expect && test_cmp expect out
'

test_expect_success 'help lists every subcommand' '
	drip step -h >out &&
	sed -n "/^subcommands:/,/^\$/p" out | awk "NR > 1 && NF { print \$1 }" >subs &&
	printf "%s\n" add list show set mv dup rm >expect &&
	test_cmp expect subs
'

test_expect_success 'an edit refused for an error the sequence had before says so; a new error does not' '
	new_bare_ws fresh &&
	drip -C fresh -q --now $NOW seq new hello &&
	snapshot fresh >before &&
	test_expect_code 65 drip -C fresh step set hello first wait=2d 2>err &&
	test_line_count 1 err &&
	test_grep "^drip: sequences/hello.yaml:[0-9]*:[0-9]*: cannot set wait of step .first.: email needs a From: address.*; the sequence has it before this edit too: .drip seq lint. shows what to fix first$" err &&
	test_unchanged fresh before &&
	sed -i -e "s|^# from: .*|from: \"Acme <hello@acme.example>\"|" \
	       -e "s|^  # base_url: .*|  base_url: \"https://acme.example/r\"|" fresh/drip.yaml &&
	git -C fresh commit -qam mail &&
	snapshot fresh >before &&
	test_expect_code 65 drip -C fresh step set hello first template=templates/nope.eml 2>err &&
	test_grep "cannot set template of step .first." err &&
	! grep "before this edit" err &&
	test_unchanged fresh before
'

test_done
