#!/bin/sh
# Delivery through a real MTA: msmtp hands each message to a local SMTP
# server (aiosmtpd on 127.0.0.1), configured only through ~/.msmtprc, so
# the test also proves that HOME reaches the transport.  Then the server
# stops, and the ticks must say so: exit 1 and a line on stderr, retries
# only when due, and a give-up after give_up with outbox/failed/ and a log
# row.  Also the transport's environment, and drip.yaml's give_up: and env:.
. "$(dirname "$0")/lib.sh"

# The SMTP server runs in the background; whatever happens, it goes.
SERVER_PID=
stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
	return 0
}
trap 'stop_server; rm -rf "$TRASH"' EXIT
trap 'exit 1' HUP INT TERM

# A python3 that has aiosmtpd (Debian's python3-aiosmtpd is for
# /usr/bin/python3, which may not be the first python3 on PATH).
find_python() {
	for py in /usr/bin/python3 python3; do
		if "$py" -c 'import aiosmtpd, email.policy' 2>/dev/null; then
			echo "$py"
			return 0
		fi
	done
	return 1
}

MSMTP=$(command -v msmtp || true)
PY=$(find_python || true)
if [ -z "$MSMTP" ] || [ -z "$PY" ]; then
	sh "$DATA_DIR/deps.sh" msmtp python3-aiosmtpd >/dev/null 2>&1 || true
	MSMTP=$(command -v msmtp || true)
	PY=$(find_python || true)
fi
if [ -z "$MSMTP" ] || [ -z "$PY" ]; then
	test_skip 'delivery through msmtp to a local SMTP server' \
		'msmtp or python3-aiosmtpd cannot be installed (make test-deps)'
	test_done
fi

# The server: every message it accepts becomes N.eml (the DATA exactly as
# received, after SMTP's dot-unstuffing) and N.rcpt (the envelope
# recipients).  It binds to 127.0.0.1 only, on a port the kernel picked
# free, and writes that port to a file once it answers.
cat >smtp-sink.py <<-\EOF
import os, signal, socket, sys
from aiosmtpd.controller import Controller

out, portfile = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

class Sink:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.n += 1
        base = os.path.join(out, "%04d" % Sink.n)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
c = Controller(Sink(), hostname="127.0.0.1", port=port)
c.start()
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(portfile + ".tmp", portfile)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
c.stop()
EOF

# check-mail.py SENT_DIR RECEIVED_DIR: each queued message arrived once,
# byte-identical, and Python's email parser finds no defect in it.
cat >check-mail.py <<-\EOF
import email, email.policy, os, sys

sent_dir, got_dir = sys.argv[1], sys.argv[2]
received = {}
for n in sorted(os.listdir(got_dir)):
    if not n.endswith(".eml"):
        continue
    raw = open(os.path.join(got_dir, n), "rb").read()
    # SMTP carries lines as CRLF (msmtp turns each LF into CRLF), and
    # aiosmtpd hands over the data with CRLF as sent: only the line ends
    # are made LF again, the bytes otherwise compared as they are.
    raw = raw.replace(b"\r\n", b"\n")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = msg["Message-ID"]
    assert mid not in received, "received twice: %s" % mid
    rcpt = open(os.path.join(got_dir, n[:-4] + ".rcpt")).read().split()
    received[mid] = (raw, rcpt)
names = sorted(os.listdir(sent_dir))
assert len(names) == len(received), "%d sent, %d received" % (len(names), len(received))
for name in names:
    data = open(os.path.join(sent_dir, name), "rb").read()
    msg = email.message_from_bytes(data, policy=email.policy.default)
    mid = msg["Message-ID"]
    assert name.endswith("-" + mid[1:33]), "name %s, Message-ID %s" % (name, mid)
    assert mid in received, "not received: %s" % mid
    raw, rcpt = received[mid]
    assert raw == data, "%s differs:\n%r\n%r" % (name, raw, data)
    # The envelope recipients came after "--" from the To: field.
    assert rcpt == [a.addr_spec for a in msg["To"].addresses], (rcpt, str(msg["To"]))
    defects = list(msg.defects)
    for part in msg.walk():
        defects += part.defects
    for k, v in msg.items():
        defects += getattr(v, "defects", ())
    assert not defects, "%s: %r" % (name, defects)
    body = msg.get_body().get_content()
    assert msg["List-Unsubscribe"] is None or "https://" in msg["List-Unsubscribe"]
    print(name, msg["To"].addresses[0].addr_spec, msg["Subject"], body.splitlines()[0])
EOF

# Started and stopped by the script itself, never inside a test body (a
# subshell), so that SERVER_PID is known to the trap.
start_server() {
	rm -f port
	"$PY" smtp-sink.py "$TRASH/received" "$TRASH/port" >"$TRASH/server.err" 2>&1 &
	SERVER_PID=$!
	n=0
	while ! test -s port && test $n -lt 100 && kill -0 "$SERVER_PID" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	test -s port
}

setup_ws() {
	new_ws ws &&
	sed -i -e 's/^# from: .*/from: "Acme <hello@acme.example>"/' \
	       -e 's|^  # base_url: .*|  base_url: "https://acme.example/r"|' \
	       -e "s|^  email: {maildir: outbox}|  email: {sendmail: [\"$MSMTP\", \"-i\"], give_up: 1h}|" \
	       ws/drip.yaml &&
	cat >ws/contacts.csv <<-\EOT &&
	id,email,first_name,last_name,phone,timezone,status,unsubscribed,owner,tags
	ada,ada@example.com,Ada,Lovelace,,,,,,
	bob,bob@example.org,Bob,Müller,,,,,,
	cy,cy@example.net,"José ""Cy""",,,,,,,
	EOT
	printf '%s\n' 'Subject: Welcome, {{first_name}} {{last_name}}' '' \
		'Hello {{first_name}},' '.a line with a leading dot' 'From here on, grüße.' \
		'.' 'Unsubscribe: {{link.unsubscribe}}' >ws/templates/welcome.eml &&
	printf '%s\n' 'Subject: Day two' '' 'Still there, {{first_name}}?' >ws/templates/two.eml &&
	cat >ws/sequences/s1.yaml <<-\EOT &&
	id: s1
	name: Onboarding
	steps:
	  - {id: welcome, type: email, wait: 0, template: templates/welcome.eml}
	  - {id: two, type: email, wait: 24h, template: templates/two.eml}
	EOT
	cat >ws/sequences/s2.yaml <<-\EOT &&
	id: s2
	steps:
	  - {id: hello, type: email, wait: 0, template: templates/two.eml}
	EOT
	git -C ws add -A && git -C ws commit -qm setup &&
	drip -C ws -q --now 2026-12-01T08:00:00Z seq publish s1 &&
	drip -C ws -q --now 2026-12-01T08:00:00Z seq publish s2 &&
	drip -C ws -q --now 2026-12-01T08:50:00Z enroll s1 ada bob cy
}

start_server
setup_ws

test_expect_success 'the SMTP server listens on 127.0.0.1' '
	test -s port &&
	kill -0 "$SERVER_PID"
'

test_expect_success 'msmtp delivers every message byte-identical, found through ~/.msmtprc' '
	port=$(cat port) &&
	printf "defaults\nauth off\ntls off\nlogfile %s\naccount default\nhost 127.0.0.1\nport %s\nfrom hello@acme.example\n" \
		"$HOME/msmtp.log" "$port" >"$HOME/.msmtprc" &&
	chmod 600 "$HOME/.msmtprc" &&
	drip -C ws --now 2026-12-01T09:00:00Z tick >out 2>err &&
	test_line_count 0 out &&
	test_line_count 0 err &&
	ls ws/outbox/sent >sent && test_line_count 3 sent &&
	ls ws/outbox/new >new && test_line_count 0 new &&
	ls received/*.eml >got && test_line_count 3 got &&
	"$PY" check-mail.py ws/outbox/sent received >checked &&
	test_grep " ada@example.com Welcome, Ada Lovelace Hello Ada,$" checked &&
	test_grep " bob@example.org Welcome, Bob Müller Hello Bob,$" checked &&
	test_grep " cy@example.net Welcome, José \"Cy\" Hello José \"Cy\",$" checked &&
	test_grep "^2026-12-01T09:00:00Z,ada,s1,welcome,,email,ok,<" ws/log/2026-12.csv &&
	! grep ",deliver," ws/log/2026-12.csv &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'without ~/.msmtprc msmtp fails, loudly' '
	mv "$HOME/.msmtprc" "$HOME/msmtprc.away" &&
	drip -C ws -q --now 2026-12-01T09:05:00Z contact add dee email=dee@example.com first_name=Dee &&
	drip -C ws -q --now 2026-12-01T09:05:00Z enroll s2 dee &&
	test_expect_code 1 drip -C ws --now 2026-12-01T09:20:00Z tick >out 2>err &&
	test_line_count 0 out &&
	test_line_count 1 err &&
	test_grep "^drip: 1 email not delivered, will retry: exit status 78: msmtp: .* (log/2026-12.csv)$" err &&
	test_grep "^2026-12-01T09:20:00Z,dee,s2,hello,,deliver,failed,<[0-9a-f]\{32\}@acme.example>,exit status 78: " ws/log/2026-12.csv &&
	ls ws/outbox/new >new && test_line_count 1 new &&
	mv "$HOME/msmtprc.away" "$HOME/.msmtprc" &&
	drip -C ws --now 2026-12-01T09:40:00Z tick >out 2>err &&
	test_line_count 0 err &&
	ls ws/outbox/new >new && test_line_count 0 new &&
	ls ws/outbox/sent >sent && test_line_count 4 sent &&
	"$PY" check-mail.py ws/outbox/sent received >checked &&
	test_line_count 4 checked &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

# From here the server is down: msmtp cannot connect and exits 75.
pid=$SERVER_PID
stop_server

test_expect_success 'server down: exit 1, one line on stderr, messages stay queued' '
	! kill -0 "$pid" 2>/dev/null &&
	head=$(git -C ws rev-parse HEAD) &&
	test_expect_code 1 drip -C ws --now 2026-12-02T09:00:00Z tick >out 2>err &&
	test_line_count 0 out &&
	test_line_count 1 err &&
	test_grep "^drip: 3 emails not delivered, will retry: temporary failure (exit 75): msmtp: cannot connect to 127.0.0.1, port [0-9]*: Connection refused .* (log/2026-12.csv)$" err &&
	grep "^2026-12-02T09:00:00Z,[a-z]*,s1,two,,deliver,failed,<[0-9a-f]\{32\}@acme.example>,\"temporary failure (exit 75): msmtp: cannot connect to 127.0.0.1, port [0-9]*: Connection refused" ws/log/2026-12.csv >rows &&
	test_line_count 3 rows &&
	for c in ada bob cy; do
		id=$(sed -n "s/^2026-12-02T09:00:00Z,$c,s1,two,,email,ok,<\([0-9a-f]*\)@.*/\1/p" ws/log/2026-12.csv) &&
		test -n "$id" &&
		test_grep "^2026-12-02T09:00:00Z,$c,s1,two,,deliver,failed,<$id@acme.example>," rows &&
		test -f ws/outbox/new/001796202000-email-$id || exit 1
	done &&
	ls ws/outbox/new >new && test_line_count 3 new &&
	git -C ws log --format=%s $head.. >subjects &&
	test_grep "^deliver 2026-12-02 09:00Z: 3 failures$" subjects &&
	test_grep "^tick 2026-12-02 09:00Z: 3 steps fired" subjects &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'the retry bookkeeping follows --now: next attempt 20m later' '
	for f in ws/outbox/attempts/*; do
		echo "1 1796203200" >expect && test_cmp expect "$f" || exit 1
	done &&
	ls ws/outbox/attempts >a && test_line_count 3 a
'

test_expect_success 'a tick before the retry is due leaves the messages alone: exit 0, silent' '
	drip -C ws --now 2026-12-02T09:10:00Z tick >out 2>err &&
	test_line_count 0 out && test_line_count 0 err &&
	grep -c ",deliver," ws/log/2026-12.csv >n && echo 4 >expect && test_cmp expect n
'

test_expect_success 'due at 09:20: tried again, exit 1; the next is due at the give_up deadline' '
	test_expect_code 1 drip -C ws --now 2026-12-02T09:20:00Z tick >out 2>err &&
	test_line_count 1 err &&
	test_grep "^drip: 3 emails not delivered, will retry: temporary failure (exit 75): " err &&
	grep "^2026-12-02T09:20:00Z,[a-z]*,s1,two,,deliver,failed," ws/log/2026-12.csv >rows &&
	test_line_count 3 rows &&
	for f in ws/outbox/attempts/*; do
		echo "2 1796205600" >expect && test_cmp expect "$f" || exit 1
	done &&
	snapshot ws >before &&
	drip -C ws --now 2026-12-02T09:40:00Z tick >out 2>err &&
	test_line_count 0 err &&
	! grep "^2026-12-02T09:40:00Z,.*,deliver," ws/log/2026-12.csv &&
	ls ws/outbox/new >new && test_line_count 3 new &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'at give_up (1h after queueing): given up, outbox/failed/, a log row, exit 1' '
	test_expect_code 1 drip -C ws --now 2026-12-02T10:00:00Z tick >out 2>err &&
	test_line_count 1 err &&
	test_grep "^drip: 3 emails given up on, moved to outbox/failed/: gave up after 3 attempts: temporary failure (exit 75): msmtp: cannot connect .* (log/2026-12.csv)$" err &&
	grep "^2026-12-02T10:00:00Z,[a-z]*,s1,two,,deliver,failed,<[0-9a-f]*@acme.example>,\"gave up after 3 attempts: temporary failure (exit 75): msmtp: " ws/log/2026-12.csv >rows &&
	test_line_count 3 rows &&
	ls ws/outbox/new >new && test_line_count 0 new &&
	ls ws/outbox/failed >failed && test_line_count 3 failed &&
	ls ws/outbox/attempts >a && test_line_count 0 a &&
	git -C ws log -1 --format=%s >s && echo "deliver 2026-12-02 10:00Z: 3 failures" >expect &&
	test_cmp expect s &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	drip -C ws --now 2026-12-02T10:20:00Z tick >out 2>err &&
	test_line_count 0 err
'

test_expect_success 'on a terminal, the summary line counts what failed' '
	drip -C ws -q --now 2026-12-02T10:25:00Z contact add eve email=eve@example.com &&
	drip -C ws -q --now 2026-12-02T10:25:00Z enroll s2 eve &&
	test_expect_code 1 script -qec "\"$DRIP\" -C ws --now 2026-12-02T10:40:00Z tick" /dev/null >tty &&
	tr -d "\r" <tty >out &&
	test_grep "^tick 2026-12-02 10:40Z: 1 step fired, .*; 0 delivered, 1 to retry$" out &&
	test_grep "^drip: 1 email not delivered, will retry: " out
'

# ---- the transport's environment ----

test_expect_success 'the transport gets PATH, HOME, USER, LOGNAME, LC_ALL and the env: names only' '
	cat >rec-sendmail <<-EOF &&
	#!/bin/sh
	env | LC_ALL=C sort >"$TRASH/rec-env"
	printf "%s\n" "\$@" >"$TRASH/rec-argv"
	cat >/dev/null
	EOF
	chmod +x rec-sendmail &&
	sed -i "s|^  email: {sendmail: .*|  email: {sendmail: [\"$TRASH/rec-sendmail\", \"-oi\"], env: [DRIP_T_CONF, DRIP_T_UNSET]}|" ws/drip.yaml &&
	git -C ws commit -qam "record the environment" &&
	drip -C ws -q --now 2026-12-02T10:45:00Z contact add fay email=fay@example.com first_name=Fay &&
	drip -C ws -q --now 2026-12-02T10:45:00Z enroll s2 fay &&
	DRIP_T_CONF=/etc/t.conf DRIP_T_SECRET=hush USER=u1 LOGNAME=u2 \
		drip -C ws --now 2026-12-02T11:00:00Z tick &&
	grep -v -e "^PWD=" -e "^SHLVL=" -e "^_=" rec-env >env &&
	printf "DRIP_T_CONF=/etc/t.conf\nHOME=%s\nLC_ALL=C\nLOGNAME=u2\nPATH=/usr/bin:/bin\nUSER=u1\n" "$HOME" >expect &&
	test_cmp expect env &&
	printf "%s\n" -oi -- fay@example.com >expect &&
	test_cmp expect rec-argv
'

# ---- the log rows of a delivery are committed, or taken back ----

test_expect_success 'a delivery whose commit fails takes its rows back: nothing is left modified' '
	cat >lock-sendmail <<-EOF &&
	#!/bin/sh
	cat >/dev/null
	: >"$TRASH/ws/.git/index.lock"
	echo "refused" >&2
	exit 1
	EOF
	chmod +x lock-sendmail &&
	sed -i "s|^  email: {sendmail: .*|  email: {sendmail: [\"$TRASH/lock-sendmail\", \"-t\"]}|" ws/drip.yaml &&
	git -C ws commit -qam "a transport that locks the index" &&
	drip -C ws -q --now 2026-12-02T11:05:00Z contact add gus email=gus@example.com &&
	drip -C ws -q --now 2026-12-02T11:05:00Z enroll s2 gus &&
	cp ws/log/2026-12.csv log-before &&
	test_expect_code 75 drip -C ws --now 2026-12-02T11:20:00Z tick >out 2>err &&
	test_grep "^drip: 1 email not delivered, will retry: exit status 1: refused (log/2026-12.csv)$" err &&
	test_grep "index.lock" err &&
	rm ws/.git/index.lock &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	! grep "^2026-12-02T11:20:00Z,gus,s2,hello,,deliver," ws/log/2026-12.csv &&
	test ! -e ws/.drip/deliver.pending &&
	ls ws/outbox/new >new && test_line_count 1 new
'

test_expect_success 'delivery rows a killed run appended are committed by the next tick' '
	printf "#!/bin/sh\ncat >/dev/null\nexit 0\n" >lock-sendmail &&
	row="2026-12-02T11:20:00Z,gus,s2,hello,,deliver,failed,<0123@acme.example>,exit status 1: refused" &&
	echo "$row" >>ws/log/2026-12.csv &&
	echo log/2026-12.csv >ws/.drip/deliver.pending &&
	drip -C ws --now 2026-12-02T11:40:00Z tick >out 2>err &&
	test_line_count 0 err &&
	test ! -e ws/.drip/deliver.pending &&
	c=$(git -C ws log --format=%H --grep="^deliver: recovered$" -1) &&
	test -n "$c" &&
	git -C ws show "$c:log/2026-12.csv" >committed &&
	test_grep "^$row$" committed &&
	git -C ws diff --name-only "$c~1" "$c" >changed &&
	echo log/2026-12.csv >expect && test_cmp expect changed &&
	git -C ws status --porcelain >st && test_line_count 0 st &&
	ls ws/outbox/new >new && test_line_count 0 new
'

# ---- drip.yaml: give_up and env ----

bad_config() {
	# bad_config LINE COL MESSAGE: with the email transport's line made
	# LINE, tick exits 78 with "drip.yaml:N:COL: MESSAGE", nothing changed
	cp ws/drip.yaml drip.yaml.good &&
	sed -i "s|^  email: .*|$1|" ws/drip.yaml &&
	yl=$(grep -n "^  email: " ws/drip.yaml | cut -d: -f1) &&
	snapshot ws >before &&
	test_expect_code 78 drip -C ws --now 2026-12-02T12:00:00Z tick >out 2>err &&
	test_line_count 0 out &&
	echo "drip: drip.yaml:$yl:$2: $3" >expect && test_cmp expect err &&
	test_unchanged ws before &&
	cp drip.yaml.good ws/drip.yaml
}

test_expect_success 'give_up: and env: are checked, with their place' '
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], give_up: 0}" 56 \
		"\"give_up\" must be longer than 0, like 5d" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], give_up: 1mo}" 56 \
		"\"give_up\" must be in weeks, days, hours or minutes" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], give_up: soon}" 56 \
		"\"give_up\": missing number before \"soon\" in \"soon\"" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], env: MSMTPRC}" 52 \
		"\"env\" must be a list of variable names, like [MSMTPRC]" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], env: [OK, 1BAD]}" 57 \
		"\"env\": \"1BAD\" is not a variable name" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], env: [A, A]}" 56 \
		"\"env\": \"A\" is listed twice" &&
	bad_config "  email: {sendmail: [/usr/sbin/sendmail, -t], giveup: 2d}" 47 \
		"unknown key \"giveup\" (did you mean \"give_up\"?)"
'

test_expect_success 'the server ran without an error' '
	! grep -q "Traceback" server.err
'

test_done
