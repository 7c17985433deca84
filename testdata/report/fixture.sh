# fixture.sh - the workspace the report tests read: sourced by
# testdata/t/t1400-report.sh after lib.sh, it builds ./ws through drip
# itself at fixed times, so every report below has a known answer.
# Names in several scripts (accents, CJK, emoji) test the alignment; an
# owner starting with '=' tests CSV's formula guard.
GIT_AUTHOR_DATE=2026-11-01T00:00:00Z GIT_COMMITTER_DATE=2026-11-01T00:00:00Z
export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 30d/' ws/drip.yaml
printf 'quota:\n  actions: 12\n  per: week\n' >>ws/drip.yaml
cat >ws/contacts.csv <<'CSV'
id,email,first_name,owner,tags,unsubscribed
ada,ada@example.com,Ada,olga@acme.example,,
bo,bo@example.com,李雷,olga@acme.example,,
cy,cy@example.com,Zoë,,,
dee,dee@example.com,🎉 Dee,,,
eve,eve@example.com,Eve,,,true
fin,fin@example.com,Fin,=cmd,,
CSV
mkdir -p ws/templates
printf 'Subject: Hello {{first_name}}\n\nHi. Stop: {{link.unsubscribe}}\n' >ws/templates/hello.eml
printf 'Subject: Tips A\n\nA. Stop: {{link.unsubscribe}}\n' >ws/templates/a.eml
printf 'Subject: Tips B\n\nB. Stop: {{link.unsubscribe}}\n' >ws/templates/b.eml
cat >ws/sequences/welcome.yaml <<'YAML'
id: welcome
name: Welcome ✨
remove_on: [reply]
steps:
  - id: hello
    type: email
    wait: 0
    template: templates/hello.eml
  - id: tips
    type: email
    wait: 1d
    variants:
      - {weight: 1, template: templates/a.eml}
      - {weight: 1, template: templates/b.eml}
    automations:
      - id: nudge
        on: enter
        actions: [{tag: {add: [nudged]}}]
  - id: call
    type: call
    wait: 2d
    assignee: "{{owner}}"
    subject: "Call {{first_name}}"
YAML
cat >ws/sequences/later.yaml <<'YAML'
id: later
steps:
  - {id: one, type: email, wait: 0, template: templates/hello.eml}
YAML
git -C ws add -A && git -C ws commit -qm 'fixture: contacts and sequences'
drip -C ws -q --now 2026-11-01T00:00:00Z seq publish welcome
drip -C ws -q --now 2026-11-02T08:00:00Z enroll welcome ada bo cy dee eve fin
drip -C ws -q --now 2026-11-02T09:00:00Z tick --no-deliver
drip -C ws -q --now 2026-11-02T10:00:00Z event ada open --sequence welcome
drip -C ws -q --now 2026-11-02T10:00:00Z event bo click --sequence welcome
drip -C ws -q --now 2026-11-02T10:00:00Z event cy reply --sequence welcome
drip -C ws -q --now 2026-11-02T12:00:00Z tick --no-deliver
drip -C ws -q --now 2026-11-03T10:00:00Z tick --no-deliver
drip -C ws -q --now 2026-11-03T11:00:00Z event dee response --sequence welcome --data answer=no
drip -C ws -q --now 2026-11-03T11:00:00Z event ada response --sequence welcome --data answer=yes
drip -C ws -q --now 2026-11-03T11:00:00Z event ada open
drip -C ws -q --now 2026-11-03T12:00:00Z tick --no-deliver
drip -C ws -q --now 2026-11-04T09:00:00Z contact set ada first_name=Adélaïde
drip -C ws -q --now 2026-11-05T10:00:00Z tick --no-deliver
drip -C ws -q --now 2026-11-05T11:00:00Z task done "$(grep ',ada,' ws/tasks.csv | cut -d, -f1)"
