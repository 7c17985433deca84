#!/bin/sh
# demo.sh DRIP: a demo workspace in a temporary directory - sample contacts,
# two sequences with templates, linted and published - printing each step.
set -eu
DRIP=${1:?usage: demo.sh path/to/drip}
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/drip-demo.XXXXXX")
export GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
NOW=2026-11-23T09:00:00Z

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "drip $*"; "$DRIP" -C "$DEMO/acme" --now "$NOW" "$@"; }

say "drip init --name Acme --timezone Europe/Berlin $DEMO/acme"
"$DRIP" init --now "$NOW" --name Acme --timezone Europe/Berlin "$DEMO/acme"
cd "$DEMO/acme"
# A sender for the messages and an address for their signed links.
sed -i -e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
       -e 's|^  # base_url: .*|  base_url: "https://acme.example/cgi-bin/drip-respond"|' drip.yaml
git config user.name "Demo Operator"
git config user.email ops@acme.example

cat >"$DEMO/people.csv" <<'CSV'
id,email,first_name,last_name,timezone,owner,tags,country,signup_date
ada,ada@example.com,Ada,Lovelace,Europe/London,alice@acme.example,lead,UK,2026-11-02
grace,grace@example.com,Grace,Hopper,America/New_York,bob@acme.example,lead;vip,US,2026-10-15
alan,alan@example.com,Alan,Turing,Europe/London,alice@acme.example,customer,UK,2026-09-30
katherine,katherine@example.com,Katherine,Johnson,America/New_York,bob@acme.example,lead,US,2026-11-20
CSV
run contact import "$DEMO/people.csv"
run contact list

mkdir -p templates
cat >sequences/onboarding.yaml <<'YAML'
# Welcome new leads during their first two weeks.
id: onboarding
name: Lead onboarding
description: Welcome new leads, share tips, then have their owner call.
owners: [alice@acme.example]
send_window: {days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00"}
remove_on: [reply, unsubscribe]
steps:
  - id: welcome
    type: email
    wait: 0
    template: templates/welcome.eml
  - id: tips
    type: email
    wait: 2d
    at: "09:00"
    when: 'not (tags has "customer")'
    variants:
      - {weight: 50, template: templates/tips-a.eml}
      - {weight: 50, template: templates/tips-b.eml}
  - id: call
    type: call
    wait: 3d
    assignee: "{{owner}}"
    subject: "Call {{first_name}} about getting started"
YAML
cat >sequences/winback.yaml <<'YAML'
id: winback
name: Win back quiet customers
steps:
  - id: miss-you
    type: email
    wait: 0
    template: templates/miss-you.eml
  - id: offer
    type: email
    wait: 1w
    template: templates/offer.eml
YAML
printf 'Subject: Welcome to Acme, {{first_name | "friend"}}\n\nHello {{first_name | "there"}},\n\nthanks for signing up.\n' >templates/welcome.eml
printf 'Subject: Three tips for your first week\n\nHi {{first_name}}, here are three tips.\n' >templates/tips-a.eml
printf 'Subject: Getting the most out of Acme\n\nHi {{first_name}}, a short guide.\n' >templates/tips-b.eml
printf 'Subject: We miss you, {{first_name}}\n\nIt has been a while.\n' >templates/miss-you.eml
printf 'Subject: A month on us\n\n{{first_name}}, come back for a free month.\n' >templates/offer.eml
git add -A && git commit -qm "Write the onboarding and winback sequences"

run seq lint
echo "(no findings)"
run seq publish onboarding
run seq publish winback
run seq list
run seq show onboarding

run enroll onboarding --where 'tags has "lead"'
run enroll winback alan

say "a sequence automation: when a contact is tagged hot, a note, a reviewed email, a call"
mkdir -p automations
cat >automations/hot-lead.yaml <<'YAML'
id: hot-lead
title: Hot leads get a personal touch
if: {event: tag_added, tag: hot}
and: 'country == "US"'
actions:
  - note: "{{first_name}} is hot: reach out today"
  - wait: 1d
  - notify: {template: templates/personal.eml}
  - task: {kind: call, subject: "Call {{first_name}}, a hot lead", assignee: "{{owner}}"}
stop_when: 'tags has "customer"'
YAML
printf 'Subject: A personal note, {{first_name}}\n\nI saw you were looking around; can I help?\n' >templates/personal.eml
git add -A && git commit -qm "Hot leads get a personal touch"
run automate show hot-lead

say "a simulated week: drip tick every 20 minutes from Monday 09:00 to Sunday (Berlin)"
# One tick per cron run, twenty minutes apart, each one commit (the quiet
# ones move only the clock in state/clock.csv).
t=$(date -u -d "$NOW" +%s)
end=$((t + 7 * 86400))
while [ "$t" -le "$end" ]; do
	now=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
	if [ "$now" = 2026-11-24T14:00:00Z ]; then
		say "drip contact tag katherine hot   # Tuesday 15:00: the automation starts at the next tick"
		"$DRIP" contact tag katherine hot --now "$now"
	fi
	"$DRIP" tick --now "$now" --no-deliver
	t=$((t + 20 * 60))
done
say "what fired, from the action log (log/2026-11.csv)"
awk -F, 'NR > 1 && $6 != "enroll" { printf "%-22s %-10s %-11s %-9s %-9s %-7s %s\n", $1, $2, $3, $4, $5, $6, $7 }' log/2026-11.csv
say "ls outbox/new   # messages queued for delivery"
ls outbox/new | head -5
echo "... $(ls outbox/new | wc -l) messages"
say "drip task list"
"$DRIP" task list 2>/dev/null || cut -d, -f1,3,5,8,9,10 tasks.csv

say "a typo in a draft: lint points at it"
sed 's/wait: 3d/wait: 3dd/' sequences/onboarding.yaml >x && mv x sequences/onboarding.yaml
"$DRIP" seq lint || true
git checkout -q sequences/onboarding.yaml

say "git log --oneline | grep -v ': 0 steps'   # the audit trail, quiet ticks left out"
git log --oneline | grep -v ': 0 steps fired, 0 automations, 0 completed$'
echo "($(git rev-list --count HEAD) commits in all; 'git log -p' shows every change)"
echo
echo "The demo workspace is in $DEMO/acme"
