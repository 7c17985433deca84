# contract.sh - shell helpers for t0700-contract.sh and t0710-crash.sh,
# sourced after lib.sh.  CONTRACT is this directory.

CONTRACT=$DATA_DIR/contract

# tree_of DIR: the content hash of every file outside .git (the lock file
# aside), so two workspaces compare by name and content, never by mtime.
tree_of() {
	(cd "$1" && find . -path ./.git -prune -o -type f ! -path ./.drip/lock -print |
		LC_ALL=C sort | xargs sha256sum)
}

# same_tree A B: A and B hold the same files with the same contents; on a
# difference, say which files and show the first few differing lines.
same_tree() {
	tree_of "$1" >"$TRASH/.tree-a"
	tree_of "$2" >"$TRASH/.tree-b"
	if cmp -s "$TRASH/.tree-a" "$TRASH/.tree-b"; then
		return 0
	fi
	echo "same_tree: $1 and $2 differ:" >&2
	diff "$TRASH/.tree-a" "$TRASH/.tree-b" | sed -n 's/^[<>] [0-9a-f]*  //p' |
		LC_ALL=C sort -u >"$TRASH/.tree-files"
	sed 's/^/    /' "$TRASH/.tree-files" | head -20 >&2
	while read -r f; do
		if [ -f "$1/$f" ] && [ -f "$2/$f" ]; then
			diff -u "$1/$f" "$2/$f" | head -20
		fi
	done <"$TRASH/.tree-files" | head -60 >&2
	return 1
}

# make_contract_ws DIR NCONTACTS: a Europe/Berlin workspace with holidays,
# a send window, and three published sequences that use wait in days and
# hours, at, days, when, variants, branch, goto, call, fulfillment, exit
# and contact_timezone.
make_contract_ws() {
	"$DRIP" init -q --now 2026-03-19T12:00:00Z "$1" || return 1
	(
	cd "$1" || exit 1
	pk=$(grep "public_key:" drip.yaml) || exit 1
	cat >drip.yaml <<-'EOF'
	name: Contract
	timezone: Europe/Berlin
	default_time: "10:00"
	tick: 20m
	max_lag: 24h
	send_window:
	  days: [mon, tue, wed, thu, fri, sat]
	  from: "08:00"
	  to: "19:00"
	holidays: holidays.csv
	from: "Acme Team <hello@acme.example>"
	reply_to: "support@acme.example"
	transport:
	  email: {maildir: outbox}
	  sms: {maildir: outbox}
	links:
	  base_url: "https://acme.example/r"
	EOF
	printf '%s\n' "$pk" >>drip.yaml
	printf 'date,name\n2026-04-03,Karfreitag\n2026-04-06,Ostermontag\n' >holidays.csv
	python3 "$CONTRACT/gen.py" contacts "$2" >contacts.csv || exit 1
	cat >sequences/onboard.yaml <<-'EOF'
	id: onboard
	name: Onboarding
	reenroll: never
	remove_on: [reply]
	send_window: {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
	steps:
	  - id: welcome
	    type: email
	    wait: 0
	    template: templates/welcome.eml
	  - id: tips
	    type: email
	    wait: 1d
	    at: "07:30"
	    variants:
	      - {weight: 60, template: templates/tips-a.eml}
	      - {weight: 40, template: templates/tips-b.eml}
	  - id: vipcheck
	    type: branch
	    wait: 0
	    if: 'tags has "vip"'
	    then: call
	    else: nudge
	  - id: call
	    type: call
	    wait: 2d10h
	    assignee: "{{owner}}"
	    subject: "Call {{first_name}} {{last_name}} ({{city}})"
	  - id: gift
	    type: fulfillment
	    wait: 3h
	    list: gifts
	    fields: [first_name, last_name, city]
	  - id: vipdone
	    type: exit
	    wait: 0
	  - id: nudge
	    type: email
	    wait: 2d
	    days: [tue, thu]
	    when: 'country != "US"'
	    template: templates/nudge.eml
	  - id: last
	    type: email
	    wait: 3d
	    template: templates/last.eml
	EOF
	cat >sequences/newsletter.yaml <<-'EOF'
	id: newsletter
	name: Newsletter
	contact_timezone: true
	reenroll: after_exit
	steps:
	  - id: intro
	    type: email
	    wait: 0
	    at: "08:00"
	    template: templates/news-1.eml
	  - id: second
	    type: email
	    wait: 1d
	    when: 'not (tags has "quiet")'
	    template: templates/news-2.eml
	  - id: jump
	    type: goto
	    wait: 12h
	    to: last
	  - id: skipped
	    type: email
	    wait: 0
	    template: templates/news-2.eml
	  - id: last
	    type: email
	    wait: 1w
	    at: "02:30"
	    template: templates/news-3.eml
	EOF
	cat >sequences/followup.yaml <<-'EOF'
	id: followup
	name: Follow-up
	send_window: {days: [mon, tue, wed, thu, fri, sat], from: "08:00", to: "20:00"}
	steps:
	  - id: ping
	    type: email
	    wait: 5h
	    template: templates/ping.eml
	  - id: pong
	    type: email
	    wait: 1d6h
	    days: [mon, wed, fri]
	    template: templates/pong.eml
	  - id: ship
	    type: fulfillment
	    wait: 0
	    list: samples
	    when: 'city == "Berlin" or score > 80'
	  - id: wrapup
	    type: call
	    wait: 1w
	    subject: "Wrap up with {{first_name}}"
	  - id: out
	    type: exit
	    wait: 2h
	EOF
	for t in welcome tips-a tips-b nudge last news-1 news-2 news-3 ping pong; do
		printf 'Subject: %s for {{first_name | "there"}}\n\nHallo {{first_name}} {{last_name}} in {{city}},\n\nthis is %s ({{sequence.name}}, {{step.name}}).\n' \
			"$t" "$t" >templates/$t.eml
	done
	git add -A && git commit -q -m "contract workspace" || exit 1
	for s in followup newsletter onboard; do
		"$DRIP" -q --now 2026-03-19T12:00:00Z seq publish $s 2>/dev/null || exit 1
	done
	)
}

# run_schedule FILE A B: run the lines of `gen.py schedule` - enrollments
# in both workspaces, ticks in A or B, and comparisons after each segment.
run_schedule() {
	seg=0
	n=0
	while read -r kind a b rest; do
		n=$((n + 1))
		case $kind in
		enroll)
			for w in "$2" "$3"; do
				if ! "$DRIP" -C "$w" -q --now "$a" enroll "$b" $rest --at "$a" \
					2>"$TRASH/.enroll-err"; then
					echo "line $n: enroll failed in $w: $a $b $rest" >&2
					cat "$TRASH/.enroll-err" >&2
					return 1
				fi
			done ;;
		tick)
			if [ "$a" = A ]; then w=$2; else w=$3; fi
			if ! "$DRIP" -C "$w" --now "$b" tick --no-deliver $rest; then
				echo "line $n: tick failed in $w: --now $b $rest" >&2
				return 1
			fi ;;
		compare)
			seg=$((seg + 1))
			if ! same_tree "$2" "$3"; then
				echo "line $n: segment $seg: A (every tick) and B (the last tick only) differ" >&2
				return 1
			fi ;;
		esac
	done <"$1"
	echo "$seg"
}
