#!/bin/sh
# drip respond as a CGI program behind a real web server (SPEC §8):
# lighttpd on 127.0.0.1 runs drip over a test workspace, driven by curl.
# GET shows a one-button page and changes nothing; POST records; RFC 8058
# one-click POSTs unsubscribe; statuses 200/410/400; then a tick applies
# what was recorded.
. "$(dirname "$0")/lib.sh"

LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
if ! test -x "$LIGHTTPD" || ! command -v curl >/dev/null; then
	# make check installs both (TEST_PKGS): their absence is a broken
	# test set-up, not a reason to pass.
	echo "not ok 1 - lighttpd and curl are installed (make test-deps)"
	echo "1..1"
	exit 1
fi

SERVER_PID=
stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
}
trap 'stop_server; rm -rf "$TRASH"' EXIT
trap 'exit 1' HUP INT TERM

WS=$TRASH/ws
new_ws ws
sed -i -e 's/^max_lag: 24h/max_lag: 60d/' \
	-e 's|^  # login_url: .*|  login_url: "https://acme.example/login?from=mail\&x=<y>"|' ws/drip.yaml
printf 'id,email,first_name,unsubscribed\nada,ada@example.com,Ada,false\nbob,bob@example.com,Bob,false\ncy,cy@example.com,Cy,false\ndee,dee@example.com,Dee,false\n' >ws/contacts.csv
printf 'Subject: Hi\n\nHello {{first_name}}. Stop: {{link.unsubscribe}}\n' >ws/templates/a.eml
cat >ws/sequences/s.yaml <<'EOT'
id: s
steps:
  - {id: one, type: email, wait: 0, template: templates/a.eml}
  - id: two
    type: delay
    wait: 5d
    automations:
      - id: ask
        on: enter
        after: 1d
        actions:
          - notify: {template: templates/a.eml, still_interested: true}
  - {id: three, type: email, wait: 0, template: templates/a.eml}
EOT
git -C ws add -A && git -C ws commit -qm setup
# dee's question goes out in October and has expired by November.
drip -C ws -q --now 2026-10-01T00:00:00Z seq publish s
drip -C ws -q --now 2026-10-01T09:00:00Z enroll s dee
drip -C ws -q --now 2026-10-03T00:00:00Z tick
drip -C ws -q --now 2026-11-02T09:00:00Z enroll s ada bob cy
drip -C ws -q --now 2026-11-04T00:00:00Z tick
NOW_CGI=2026-11-04T01:00:00Z

# token WHO yes|no|unsubscribe: the token of that link in WHO's question.
token() {
	f=$(grep -l "^To: $1@" ws/outbox/new/* | xargs grep -l "still interested") &&
	case $2 in
	yes) sed -n 's/^Yes, I.m still interested: .*?t=//p' "$f" ;;
	no) sed -n 's/^Not interested: .*?t=//p' "$f" ;;
	unsubscribe) sed -n 's/^List-Unsubscribe: <.*?t=\(.*\)>$/\1/p' "$f" ;;
	esac
}

# The CGI directory: drip itself under the link's name (DRIP_DIR from the
# server's configuration), and a wrapper script that names the workspace
# with -C, the two set-ups drip-respond(1) shows.
mkdir -p www/cgi-bin logs
ln -s "$DRIP" www/cgi-bin/drip-respond
cat >www/cgi-bin/wrapped <<EOT
#!/bin/sh
DRIP_NOW=$NOW_CGI
export DRIP_NOW
exec "$DRIP" -C "$WS" respond
EOT
chmod 755 www/cgi-bin/wrapped

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
	PORT=$(free_port) || return 1
	cat >lighttpd.conf <<EOT
server.document-root = "$TRASH/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.modules = ("mod_cgi", "mod_setenv")
server.errorlog = "$TRASH/logs/error.log"
server.pid-file = "$TRASH/logs/lighttpd.pid"
server.upload-dirs = ("$TRASH/logs")
\$HTTP["url"] =~ "^/cgi-bin/" {
	cgi.assign = ("" => "")
	setenv.add-environment = ("DRIP_DIR" => "$WS", "DRIP_NOW" => "$NOW_CGI")
}
EOT
	"$LIGHTTPD" -tt -f lighttpd.conf || return 1
	"$LIGHTTPD" -D -f lighttpd.conf >logs/stdout 2>&1 &
	SERVER_PID=$!
	i=0
	while [ $i -lt 50 ]; do
		if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	stop_server
	return 1
}

# A port found free may be taken before lighttpd binds it: try again.
started=0
for try in 1 2 3; do
	if start_server; then
		started=1
		break
	fi
done

# req METHOD URL-PATH-AND-QUERY [CURL ARGS]: the response's status into
# status, its headers into headers and its body into page.
req() {
	m=$1 u=$2
	shift 2
	curl -s -X "$m" -D headers -o page -w '%{http_code}' "$@" "http://127.0.0.1:$PORT$u" >status
}
url() {
	echo "/cgi-bin/drip-respond?t=$1"
}
inbox_files() {
	ls "$WS/inbox" 2>/dev/null | grep -v '^\.' >files || :
}

test_expect_success 'lighttpd serves drip as its CGI program on 127.0.0.1' '
	test "$started" = 1 &&
	req GET "$(url x)" && test "$(cat status)" = 400
'

test_expect_success 'GET of a yes link: 200, a page with one button posting back, nothing recorded' '
	t=$(token ada yes) &&
	req GET "$(url "$t")" &&
	test "$(cat status)" = 200 &&
	test_grep "^Content-Type: text/html; charset=utf-8" headers &&
	test_grep "^Cache-Control: no-store" headers &&
	test_grep "^Referrer-Policy: no-referrer" headers &&
	test_grep "<meta name=\"drip-result\" content=\"accepted\">" page &&
	test_grep "<html lang=\"en\">" page &&
	test_grep "<h1>Still interested?</h1>" page &&
	test_grep "<form method=\"post\" action=\"?t=$t\">" page &&
	test_grep "<button type=\"submit\">Yes, I&#39;m still interested</button>" page &&
	test "$(grep -c "<button" page)" = 1 &&
	req HEAD "$(url "$t")" --head && test "$(cat status)" = 200 &&
	inbox_files && test_line_count 0 files
'

test_expect_success 'POST of the form records the answer once' '
	t=$(token ada yes) &&
	req POST "$(url "$t")" --data "" &&
	test "$(cat status)" = 200 &&
	test_grep "<h1>Thank you</h1>" page &&
	test_grep "yes, you are still interested, is recorded" page &&
	! grep -q "<form" page &&
	inbox_files && test_line_count 1 files &&
	printf "time,contact,name,sequence,data\n$NOW_CGI,ada,response,s,answer=yes&step=two\n" >want &&
	test_cmp want "$WS/inbox/$(cat files)" &&
	req POST "$(url "$t")" --data "" &&
	test "$(cat status)" = 200 &&
	inbox_files && test_line_count 1 files &&
	req GET "$(url "$t")" &&
	test "$(cat status)" = 200 && test_grep "<h1>Thank you</h1>" page
'

test_expect_success 'no: GET asks, POST records' '
	t=$(token bob no) &&
	req GET "$(url "$t")" &&
	test "$(cat status)" = 200 &&
	test_grep "<button type=\"submit\">Not interested</button>" page &&
	inbox_files && test_line_count 1 files &&
	req POST "$(url "$t")" --data "confirm=1" &&
	test "$(cat status)" = 200 &&
	test_grep "not interested, is recorded" page &&
	inbox_files && test_line_count 2 files &&
	grep -h ",bob,response,s,answer=no&step=two$" "$WS"/inbox/*.csv
'

test_expect_success 'expired: 410 on GET and POST, a log-in link with the address escaped' '
	t=$(token dee yes) &&
	req GET "$(url "$t")" &&
	test "$(cat status)" = 410 &&
	test_grep "<meta name=\"drip-result\" content=\"expired\">" page &&
	req POST "$(url "$t")" --data "" &&
	test "$(cat status)" = 410 &&
	test_grep "<meta name=\"drip-result\" content=\"expired\">" page &&
	test_grep "This link has expired; please log in to continue." page &&
	test_grep "<a href=\"https://acme.example/login?from=mail&amp;x=&lt;y&gt;\">Log in</a>" page &&
	! grep -q "<y>" page &&
	inbox_files && test_line_count 2 files
'

test_expect_success 'tampered, missing, doubled and oversized tokens: 400 on GET and POST' '
	t=$(token cy yes) &&
	last=$(printf %s "$t" | tail -c 1) &&
	case $last in A) r=B ;; *) r=A ;; esac &&
	bad=$(printf %s "$t" | sed "s/.\$/$r/") &&
	mid=$(printf %s "$t" | sed "s/^\(.\{20\}\)./\1_/") &&
	test "$mid" != "$t" || mid=$(printf %s "$t" | sed "s/^\(.\{20\}\)./\1-/") &&
	big=$(python3 -c "print(\"A\" * 5000)") &&
	for q in "t=$bad" "t=$mid" "t=$t=" "t=$t%3D" "x=$t" "t=$t&t=$t" "t=$big$t" "" "t=<script>"; do
		for m in GET POST; do
			if [ $m = POST ]; then a="--data x"; else a=""; fi
			req $m "/cgi-bin/drip-respond?$q" $a &&
			test "$(cat status)" = 400 &&
			grep -q "<meta name=\"drip-result\" content=\"invalid\">" page || {
				echo "$m ?$q: $(cat status)"; exit 1; }
			! grep -q "<script>" page || exit 1
		done
	done &&
	inbox_files && test_line_count 2 files
'

test_expect_success 'unsubscribe: GET asks, an RFC 8058 one-click POST records' '
	t=$(token cy unsubscribe) &&
	req GET "$(url "$t")" &&
	test "$(cat status)" = 200 &&
	test_grep "<button type=\"submit\">Unsubscribe</button>" page &&
	inbox_files && test_line_count 2 files &&
	req POST "$(url "$t")" -H "Content-Type: application/x-www-form-urlencoded" \
		--data "List-Unsubscribe=One-Click" &&
	test "$(cat status)" = 200 &&
	test_grep "You are unsubscribed" page &&
	inbox_files && test_line_count 3 files &&
	grep -h ",cy,response,s,answer=unsubscribe&step=two$" "$WS"/inbox/*.csv
'

test_expect_success 'one-click as multipart/form-data (RFC 8058 allows both), through the wrapper script' '
	t=$(token ada unsubscribe) &&
	req POST "/cgi-bin/wrapped?t=$t" -F "List-Unsubscribe=One-Click" &&
	test "$(cat status)" = 200 &&
	test_grep "You are unsubscribed" page &&
	inbox_files && test_line_count 4 files &&
	grep -h ",ada,response,s,answer=unsubscribe&step=two$" "$WS"/inbox/*.csv
'

test_expect_success 'other methods: 405 with Allow' '
	req PUT "$(url "$(token ada yes)")" --data x &&
	test "$(cat status)" = 405 &&
	test_grep "^Allow: GET, HEAD, POST" headers &&
	inbox_files && test_line_count 4 files
'

test_expect_success 'the next tick applies them: bob removed, cy and ada unsubscribed, all logged' '
	drip -C ws --now 2026-11-04T02:00:00Z tick &&
	inbox_files && test_line_count 0 files &&
	log=ws/log/2026-11.csv &&
	test_grep "^$NOW_CGI,ada,s,,,event,ok,response-[0-9a-f]*,response$" $log &&
	test_grep "^$NOW_CGI,bob,s,,,removed,ok,response-[0-9a-f]*,answered no$" $log &&
	test_grep "^$NOW_CGI,cy,,,,set,ok,response-[0-9a-f]*,unsubscribed=true$" $log &&
	test_grep "^$NOW_CGI,ada,,,,set,ok,response-[0-9a-f]*,unsubscribed=true$" $log &&
	test_grep "^ada,ada@example.com,Ada,true$" ws/contacts.csv &&
	test_grep "^bob,bob@example.com,Bob,false$" ws/contacts.csv &&
	test_grep "^cy,cy@example.com,Cy,true$" ws/contacts.csv &&
	git -C ws show HEAD:contacts.csv | grep "^cy,cy@example.com,Cy,true$" &&
	git -C ws status --porcelain >st && test_line_count 0 st
'

test_expect_success 'after the tick: moved-on for bob, replays accepted and recording nothing' '
	req GET "$(url "$(token bob yes)")" &&
	test "$(cat status)" = 200 &&
	test_grep "<meta name=\"drip-result\" content=\"moved-on\">" page &&
	test_grep "Your progress has already advanced; nothing was changed." page &&
	! grep -q "<form" page &&
	req POST "$(url "$(token bob yes)")" --data "" &&
	test "$(cat status)" = 200 &&
	test_grep "content=\"moved-on\"" page &&
	for a in "ada yes" "bob no" "cy unsubscribe"; do
		req POST "$(url "$(token $a)")" --data "" &&
		test "$(cat status)" = 200 &&
		grep -q "<h1>Thank you</h1>" page || exit 1
	done &&
	inbox_files && test_line_count 0 files &&
	drip -C ws --now 2026-11-04T02:20:00Z tick &&
	! grep -q "^2026-11-04T02:20:00Z,.*,event," ws/log/2026-11.csv
'

# Workspaces drip cannot load: a drip.yaml with an unknown key, and a
# directory that is not there.  The server must get a 500 page from drip,
# not an empty answer it would have to make sense of.
mkdir broken && cp -R ws/. broken/ && echo "nme: x" >>broken/drip.yaml
for w in broken gone; do
	cat >www/cgi-bin/$w <<EOT
#!/bin/sh
exec "$DRIP" -C "$TRASH/$w" respond
EOT
	chmod 755 www/cgi-bin/$w
done

test_expect_success 'a workspace that cannot be loaded: 500 with a small page, nothing recorded' '
	t=$(token ada yes) &&
	for w in broken gone; do
		for m in GET POST; do
			if [ $m = POST ]; then
				req POST "/cgi-bin/$w?t=$t" --data "confirm=1"
			else
				req GET "/cgi-bin/$w?t=$t"
			fi &&
			test "$(cat status)" = 500 &&
			test_grep "^Status: 500\|^HTTP/1.1 500" headers &&
			test_grep "^Content-Type: text/html; charset=utf-8" headers &&
			test_grep "<meta name=\"drip-result\" content=\"error\">" page &&
			test_grep "<h1>Something went wrong</h1>" page &&
			test_grep "</html>" page || exit 1
		done
	done &&
	test_grep "unknown key \"nme\"" logs/error.log &&
	test_grep "cannot change to .$TRASH/gone." logs/error.log &&
	ls broken/inbox 2>/dev/null | grep -v "^\." >files || : &&
	test_line_count 0 files
'

pid=$SERVER_PID
stop_server
test_expect_success 'the server is stopped' '
	test -n "$pid" && ! kill -0 "$pid" 2>/dev/null &&
	! curl -s -o /dev/null "http://127.0.0.1:$PORT/"
'

test_done
