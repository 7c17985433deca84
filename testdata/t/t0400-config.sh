#!/bin/sh
# drip.yaml: every malformed setting is one line with its location, exit 78,
# and nothing changes.
. "$(dirname "$0")/lib.sh"

new_ws ws
git -C ws config user.name t && git -C ws config user.email t@example.com
cp ws/drip.yaml good.yaml

# bad_config TEXT EXPECTED: with drip.yaml = TEXT, a changing command exits 78
# with EXPECTED in its one line and leaves the workspace as it was.
bad_config() {
	printf "%s\n" "$1" >ws/drip.yaml &&
	git -C ws commit -qam "config" &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now "$NOW" seq new x 2>err &&
	test_line_count 1 err &&
	test_grep "$2" err &&
	test_unchanged ws before
}

test_expect_success 'the generated drip.yaml is valid' '
	drip -C ws seq list >/dev/null
'

test_expect_success 'unknown key, with a suggestion' '
	bad_config "name: x
sned_window: {}" "^drip: .*drip.yaml:2:1: unknown key \"sned_window\" (did you mean \"send_window\"?)$"
'

test_expect_success 'unknown time zone' '
	bad_config "timezone: Europe/Berln" "drip.yaml:1:11: unknown time zone \"Europe/Berln\""
'

test_expect_success 'bad default_time' '
	bad_config "default_time: \"10:60\"" "drip.yaml:1:15: \"default_time\": "
'

test_expect_success 'a tick that does not divide the hour or day' '
	bad_config "tick: 7m" "drip.yaml:1:7: \"tick\" must divide 60m or 24h"
'

test_expect_success 'a bad duration' '
	bad_config "max_lag: 1 day" "drip.yaml:1:10: \"max_lag\": "
'

test_expect_success 'a send window that ends before it starts' '
	bad_config "send_window: {from: \"18:00\", to: \"08:00\"}" "drip.yaml:1:14: send_window: from must be earlier than to"
'

test_expect_success 'an unknown weekday, with a suggestion' '
	bad_config "send_window: {days: [mon, tues]}" "drip.yaml:1:27: unknown day \"tues\".*(did you mean \"tue\"?)"
'

test_expect_success 'a transport command that is not an absolute argv' '
	bad_config "transport:
  email: {sendmail: sendmail -t}" "drip.yaml:2:21: \"sendmail\" must be a list"
'

test_expect_success 'a bad rate' '
	bad_config "transport:
  email: {maildir: outbox, rate: fast}" "drip.yaml:2:34: \"rate\" must look like 500/20m"
'

test_expect_success 'a string key given a list' '
	bad_config "links: {expire: 14d, base_url: [x]}" "^drip: drip.yaml:1:32: \"base_url\" must be a string, not a list$"
'

test_expect_success 'YAML syntax errors in drip.yaml are 78 with their place' '
	bad_config "name: [x" "drip.yaml:2:1: "
'

test_expect_success 'duplicate keys in drip.yaml' '
	bad_config "name: a
name: b" "drip.yaml:2:1: duplicate key \"name\" (first defined at line 1)"
'

test_expect_success 'an empty drip.yaml is an error' '
	bad_config "" "drip.yaml is empty"
'

test_expect_success 'a drip.yaml that is not a mapping' '
	bad_config "- a" "drip.yaml:1:1: drip.yaml must be a mapping, not a list"
'

test_expect_success 'reading commands report bad configuration too' '
	printf "tick: 0\n" >ws/drip.yaml &&
	test_expect_code 78 drip -C ws seq list 2>err &&
	test_grep "drip.yaml:1:7: \"tick\" must divide 60m or 24h" err
'

test_expect_success 'a full, valid drip.yaml from the spec is accepted' '
	cat >ws/drip.yaml <<-\EOT &&
	name: Acme
	timezone: Europe/Berlin
	default_time: "10:00"
	tick: 20m
	max_lag: 24h
	send_window:
	  days: [mon, tue, wed, thu, fri]
	  from: "08:00"
	  to: "18:00"
	holidays: holidays.csv
	from: "Acme <hello@acme.example>"
	reply_to: "support@acme.example"
	links:
	  base_url: "https://acme.example/cgi-bin/drip-respond"
	  login_url: "https://acme.example/login"
	  expire: 14d
	  public_key: "abc"
	transport:
	  email: {sendmail: ["/usr/sbin/sendmail", "-t", "-i"], rate: 500/20m}
	  sms: {command: ["/usr/local/bin/send-sms"]}
	admins: [ops@acme.example]
	limits: {per_contact_per_day: 2}
	EOT
	drip -C ws seq list >/dev/null
'

test_done
