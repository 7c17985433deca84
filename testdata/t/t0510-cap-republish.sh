#!/bin/sh
# The frequency cap (SPEC §3.3) and what publishing a new version does to
# contacts already enrolled (SPEC §3.5).
. "$(dirname "$0")/lib.sh"

new_ws ws
sed -i -e 's/^timezone: UTC$/timezone: Europe\/Berlin/' -e 's/^max_lag: 24h/max_lag: 30d/' \
	-e 's/^# from: .*/from: "Acme <hello@acme.example>"/' ws/drip.yaml
printf 'id,email,first_name\nada,ada@example.com,Ada\nbob,bob@example.com,Bob\n' >ws/contacts.csv
printf 'Subject: Hi {{first_name}}\n\nHello.\n' >ws/templates/a.eml
git -C ws add -A && git -C ws commit -qm setup

publish() {
	printf "%s\n" "$2" >"ws/sequences/$1.yaml" &&
	git -C ws add -A && git -C ws commit -qm "$1" &&
	drip -C ws --now "$3" seq publish "$1"
}

test_expect_success 'the cap defers the (N+1)th message of the day to the next allowed moment' '
	publish capped "id: capped
send_window: {days: [mon, tue, wed, thu, fri], from: \"08:00\", to: \"18:00\"}
limits: {per_contact_per_day: 1}
steps:
  - {id: one, type: email, wait: 0, template: templates/a.eml}
  - {id: two, type: email, wait: 0, template: templates/a.eml}
  - {id: three, type: email, wait: 1h, template: templates/a.eml}" 2026-11-26T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-11-26T09:00:00Z enroll capped ada &&
	drip -C ws --now 2026-11-30T12:00:00Z tick &&
	test_grep "^2026-11-26T09:00:00Z,ada,capped,one,,email,ok," ws/log/2026-11.csv &&
	test_grep "^2026-11-26T09:00:00Z,ada,capped,two,,email,skipped,,frequency cap: 1 messages today; deferred to 2026-11-27T07:00:00Z$" ws/log/2026-11.csv &&
	test_grep "^2026-11-27T07:00:00Z,ada,capped,two,,email,ok," ws/log/2026-11.csv &&
	test_grep "^2026-11-27T08:00:00Z,ada,capped,three,,email,skipped,,frequency cap: 1 messages today; deferred to 2026-11-30T07:00:00Z$" ws/log/2026-11.csv &&
	test_grep "^2026-11-30T07:00:00Z,ada,capped,three,,email,ok," ws/log/2026-11.csv
'

test_expect_success 'the cap counts across sequences' '
	sed -i "s/^max_lag: 30d/max_lag: 30d\nlimits: {per_contact_per_day: 1}/" ws/drip.yaml &&
	git -C ws commit -qam "workspace cap" &&
	publish first "id: first
steps:
  - {id: a, type: email, wait: 0, template: templates/a.eml}" 2026-12-01T08:00:00Z >/dev/null &&
	publish second "id: second
steps:
  - {id: b, type: email, wait: 0, template: templates/a.eml}" 2026-12-01T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-01T09:00:00Z enroll first bob &&
	drip -C ws -q --now 2026-12-01T09:00:00Z enroll second bob &&
	drip -C ws --now 2026-12-02T12:00:00Z tick &&
	test_grep "^2026-12-01T09:00:00Z,bob,first,a,,email,ok," ws/log/2026-12.csv &&
	test_grep "^2026-12-01T09:00:00Z,bob,second,b,,email,skipped,,frequency cap" ws/log/2026-12.csv &&
	test_grep "^2026-12-01T23:00:00Z,bob,second,b,,email,ok," ws/log/2026-12.csv
'

test_expect_success 'a deleted step moves its contacts to what follows its predecessor' '
	publish flow "id: flow
steps:
  - {id: a, type: delay, wait: 0}
  - {id: b, type: delay, wait: 1w}
  - {id: c, type: delay, wait: 1w}
  - {id: d, type: delay, wait: 1w}" 2026-12-03T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-03T09:00:00Z enroll flow ada &&
	drip -C ws --now 2026-12-03T09:30:00Z tick &&
	grep -h "^ada,flow," ws/state/enrollments/*.csv >row && test_grep ",active,b," row &&
	publish flow "id: flow
steps:
  - {id: a, type: delay, wait: 0}
  - {id: c, type: delay, wait: 1d}
  - {id: d, type: delay, wait: 1w}" 2026-12-04T10:00:00Z >out &&
	test_grep "version 2 (0 templates); 1 enrollment moved" out &&
	grep -h "^ada,flow," ws/state/enrollments/*.csv >row &&
	test_grep "^ada,flow,1,active,c,2026-12-04T10:00:00Z,2026-12-04T10:00:00Z," row &&
	drip -C ws --now 2026-12-05T10:30:00Z tick &&
	test_grep "^2026-12-05T09:00:00Z,ada,flow,c,,delay,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'steps added after the last resume finished enrollments (time not yet past)' '
	publish grow "id: grow
steps:
  - {id: a, type: delay, wait: 0}" 2026-12-07T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-07T09:00:00Z enroll grow ada &&
	drip -C ws --now 2026-12-07T09:30:00Z tick &&
	grep -h "^ada,grow," ws/state/enrollments/*.csv >row && test_grep ",done,," row &&
	publish grow "id: grow
steps:
  - {id: a, type: delay, wait: 0}
  - {id: b, type: delay, wait: 2d}" 2026-12-08T10:00:00Z >out &&
	test_grep "1 enrollment moved" out &&
	grep -h "^ada,grow," ws/state/enrollments/*.csv >row &&
	test_grep "^ada,grow,1,active,b,2026-12-07T09:00:00Z,2026-12-07T09:00:00Z,.*,,,,$" row &&
	drip -C ws --now 2026-12-09T10:00:00Z tick &&
	test_grep "^2026-12-09T09:00:00Z,ada,grow,b,,delay,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'a resumed step whose time has passed fires at its next at after publishing' '
	publish late "id: late
steps:
  - {id: a, type: delay, wait: 0}" 2026-12-10T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-10T09:00:00Z enroll late ada bob &&
	drip -C ws --now 2026-12-10T09:30:00Z tick &&
	publish late "id: late
steps:
  - {id: a, type: delay, wait: 0}
  - {id: b, type: delay, wait: 1d, at: \"07:00\"}" 2026-12-14T10:00:00Z >/dev/null &&
	drip -C ws --now 2026-12-15T10:00:00Z tick &&
	test_grep "^2026-12-15T06:00:00Z,ada,late,b,,delay,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'without at, it fires at default_time the calendar day after publishing' '
	publish late2 "id: late2
steps:
  - {id: a, type: delay, wait: 0}" 2026-12-16T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-16T09:00:00Z enroll late2 ada &&
	drip -C ws --now 2026-12-16T09:30:00Z tick &&
	publish late2 "id: late2
steps:
  - {id: a, type: delay, wait: 0}
  - {id: b, type: delay, wait: 1h}" 2026-12-18T15:00:00Z >/dev/null &&
	drip -C ws --now 2026-12-20T10:00:00Z tick &&
	test_grep "^2026-12-19T09:00:00Z,ada,late2,b,,delay,ok,,$" ws/log/2026-12.csv
'

test_expect_success 'reordering steps keeps contacts on their step' '
	publish order "id: order
steps:
  - {id: x, type: delay, wait: 0}
  - {id: y, type: delay, wait: 1w}
  - {id: z, type: delay, wait: 1w}" 2026-12-21T08:00:00Z >/dev/null &&
	drip -C ws -q --now 2026-12-21T09:00:00Z enroll order ada &&
	drip -C ws --now 2026-12-21T09:30:00Z tick &&
	publish order "id: order
steps:
  - {id: x, type: delay, wait: 0}
  - {id: z, type: delay, wait: 1w}
  - {id: y, type: delay, wait: 1w}" 2026-12-22T08:00:00Z >out &&
	! grep moved out &&
	grep -h "^ada,order," ws/state/enrollments/*.csv >row && test_grep ",active,y," row
'

test_done
