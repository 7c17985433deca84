#!/bin/sh
# The README's quick start, followed literally on a fresh workspace: its
# commands are read from README.md and run as written (an editor script
# stands in for $EDITOR), and the welcome email it sends is read by
# Python's email parser without defects.
. "$(dirname "$0")/lib.sh"

README=$DATA_DIR/../README.md

test_expect_success 'the quick start block is in the README' '
	sed -n "/^## Quick start/,/^## /p" "$README" | sed -n "s/^    //p" |
		sed "s/[[:space:]]*# .*//" | grep -v "^[[:space:]]*$" >steps &&
	test_grep "^drip init " steps &&
	test_grep "^drip tick" steps
'

test_expect_success 'following it sends a welcome email' '
	mkdir bin &&
	ln -s "$DRIP" bin/drip &&
	cat >edit <<-\EOT &&
	#!/bin/sh
	# The edits the quick start asks a person to make.
	for f; do
		case $f in
		drip.yaml)
			sed -i -e "s|^# from: .*|from: \"Acme <hello@acme.example>\"|" \
			       -e "s|^  # base_url: .*|  base_url: \"https://acme.example/cgi-bin/drip-respond\"|" "$f" ;;
		*) ;;	# the sequence drip seq new wrote is good as it is
		esac
	done
	EOT
	chmod +x edit &&
	printf "id,email,first_name,last_name\nada,ada@example.com,Ada,Lovelace\njose,jose@example.com,José,Müller\n" >"$HOME/people.csv" &&
	grep -v "make install" steps | sed "s|/srv/crm|$TRASH/crm|g" >run.sh &&
	PATH=$TRASH/bin:$PATH EDITOR=$TRASH/edit DRIP_NOW=2026-11-24T10:20:00Z sh -e run.sh >out 2>err &&
	test_line_count 0 err &&
	ls crm/outbox/new >msgs &&
	test_line_count 2 msgs
'

test_expect_success 'Python reads every message without defects' '
	cat >parse.py <<-\EOT &&
	import email, email.policy, sys
	for path in sys.argv[1:]:
	    with open(path, "rb") as f:
	        msg = email.message_from_binary_file(f, policy=email.policy.default)
	    bad = list(msg.defects)
	    for part in msg.walk():
	        bad += part.defects
	    assert not bad, (path, bad)
	    for h in ("From", "To", "Subject", "Date", "Message-ID",
	              "List-Unsubscribe", "List-Unsubscribe-Post"):
	        assert msg[h], (path, "no " + h)
	    assert str(msg["From"]) == "Acme <hello@acme.example>", msg["From"]
	    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
	    assert msg["List-Unsubscribe"].startswith("<https://acme.example/cgi-bin/drip-respond?t=")
	    body = msg.get_body(("plain",)).get_content()
	    print(msg["To"].addresses[0].addr_spec, msg["Subject"], body.splitlines()[0])
	EOT
	python3 parse.py crm/outbox/new/* | sort >got &&
	cat >expect <<-\EOT &&
	ada@example.com Hello Ada Hello Ada,
	jose@example.com Hello José Hello José,
	EOT
	test_cmp expect got
'

test_done
