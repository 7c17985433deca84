#!/usr/bin/env python3
"""Test data for the tick contract scripts (t0700-contract.sh, t0710-crash.sh).

  gen.py contacts N            contacts.csv with N varied contacts, sorted by id
  gen.py schedule SEED         a random run: enroll/tick lines for two workspaces
  gen.py logdups DIR           duplicate log rows in DIR/log/*.csv, one a line

Everything is a pure function of the arguments, so a failing seed can be
run again by hand.
"""
import csv
import datetime as dt
import io
import random
import sys

HEADER = ["id", "email", "first_name", "last_name", "phone", "timezone", "status",
          "unsubscribed", "owner", "tags", "city", "country", "score"]
FIRST = ["Anna", "Ben", "Clara", "Jürgen", "Émile", "Fatima", "Greta", "Hiro",
         "Ines", "Jonas", "Kai", "Lena", "Mia", "Noah", "Olga", "Paul"]
LAST = ["Meyer", "Schmidt", "O'Brien", "Nguyen", "Müller", "Rossi", "Smith", "Weiß"]
ZONES = ["", "", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"]
TAGS = ["", "", "vip", "quiet", "vip;quiet", "lead", "lead;vip"]
CITIES = [("Berlin", "DE"), ("Hamburg", "DE"), ("Boston", "US"), ("Tokyo", "JP"),
          ("London", "GB"), ("Zürich, Altstadt", "CH")]


def contacts(n):
    """n contacts; the rare variants come at fixed positions so that even a
    small file has each of them."""
    rows = []
    for i in range(n):
        cid = "c%05d" % i
        first = FIRST[i % len(FIRST)]
        last = LAST[(i * 7) % len(LAST)]
        city, country = CITIES[(i * 5) % len(CITIES)]
        email = "%s.%s@example.com" % (first.lower().encode("ascii", "ignore").decode(), cid)
        status, unsub, phone = "active", "false", "+4930%07d" % i
        if i % 17 == 5:
            unsub = "true"
        if i % 19 == 7:
            email = ""
        if i % 23 == 11:
            status = "inactive"
        if i % 13 == 3:
            phone = ""
        owner = ["ops@acme.example", "sales@acme.example", "nobody"][i % 3]
        rows.append([cid, email, first, last, phone, ZONES[(i * 3) % len(ZONES)], status,
                     unsub, owner, TAGS[(i * 11) % len(TAGS)], city, country,
                     str((i * 37) % 100)])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    sys.stdout.write(out.getvalue())


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


SEQS = ["followup", "newsletter", "onboard"]
START = dt.datetime(2026, 3, 20, 5, 7, tzinfo=dt.timezone.utc)
END = dt.datetime(2026, 4, 8, 12, 0, tzinfo=dt.timezone.utc)
SLOT = 20 * 60
MAX_LAG = 24 * 3600


def floor_slot(t):
    s = int(t.timestamp())
    return s - s % SLOT


def schedule(seed, ncontacts=36):
    """Lines of: 'enroll NOW SEQ ID...', 'tick A NOW [--catch-up]',
    'tick B NOW [--catch-up]', 'compare'.  Segments of random ticks lie
    between enrollments; workspace A runs every tick, B only the last of
    each segment, then the two are compared."""
    rnd = random.Random(seed)
    t = START
    last_a = last_b = None
    out = []
    ids = ["c%05d" % i for i in range(ncontacts)]
    while True:
        # An enrollment: new input, now, at its own --now.
        t += dt.timedelta(minutes=rnd.randint(1, 300), seconds=rnd.randint(0, 59))
        if t >= END - dt.timedelta(hours=2):
            break
        seq = rnd.choice(SEQS)
        who = sorted(rnd.sample(ids, rnd.randint(1, 8)))
        out.append("enroll %s %s %s" % (iso(t), seq, " ".join(who)))
        # Then 1 to 6 ticks, each less than max_lag after the one before.
        ticked = None
        for _ in range(rnd.randint(1, 6)):
            gap = rnd.choice([rnd.randint(1, 40), rnd.randint(20, 300), rnd.randint(300, 1400)])
            nt = t + dt.timedelta(minutes=gap, seconds=rnd.randint(0, 59))
            if nt >= END:
                break
            t = ticked = nt
            out.append(tick_line("A", t, last_a))
            last_a = floor_slot(t)
        if ticked is not None:
            out.append(tick_line("B", t, last_b))
            last_b = floor_slot(t)
            out.append("compare")
    out.append(tick_line("A", END, last_a))
    out.append(tick_line("B", END, last_b))
    out.append("compare")
    print("\n".join(out))


def tick_line(ws, t, last):
    line = "tick %s %s" % (ws, iso(t))
    if last is not None and int(t.timestamp()) - last > MAX_LAG:
        line += " --catch-up"
    return line


def logdups(d):
    import glob
    seen = set()
    for path in sorted(glob.glob(d + "/log/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                key = (row["time"], row["contact"], row["sequence"], row["step"],
                       row["automation"], row["action"], row["ref"])
                if key in seen:
                    print("%s: %s" % (path, ",".join(key)))
                seen.add(key)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "contacts":
        contacts(int(sys.argv[2]))
    elif sys.argv[1] == "schedule":
        schedule(int(sys.argv[2]))
    elif sys.argv[1] == "logdups":
        logdups(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
