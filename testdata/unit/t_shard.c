/*
 * t_shard.c - the row merges of a rebuilt shard commit (shard.h): rows
 * added by two shards land in key order whichever came first, a base
 * that already holds another shard's rows of the slot, a header both
 * made, keyed files with changed, added and removed keys and a new
 * column, a file out of order that gains no second row of a key, and the
 * files that are not merged.
 */
#include "tap.h"

#include "sbuf.h"
#include "shard.h"
#include "state.h"

#include <stdio.h>
#include <string.h>

static const char *
merge(const char *path, const char *b, const char *o, const char *t)
{
	static struct sbuf out = SBUF_INIT;

	sbuf_reset(&out);
	shard_merge_file(path, 0, 0, b, b ? strlen(b) : 0, o, o ? strlen(o) : 0, t, t ? strlen(t) : 0,
			 &out);
	sbuf_addc(&out, '\0');
	return out.buf;
}

#define H "time,contact,x\n"
#define OLD "2026-01-01T00:00:00Z,z,old\n"

int
main(void)
{
	const char *all = H OLD "2026-01-02T00:00:00Z,a,1\n2026-01-02T00:00:00Z,b,1\n"
			  "2026-01-02T00:00:00Z,c,1\n2026-01-02T00:00:00Z,d,1\n";

	/* Shards {a,c} and {b,d}: either order gives the same file. */
	is_str(merge("log/2026-01.csv", H OLD,
		     H OLD "2026-01-02T00:00:00Z,a,1\n2026-01-02T00:00:00Z,c,1\n",
		     H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n"),
	       all, "log: ours and theirs merged by time and contact");
	is_str(merge("log/2026-01.csv", H OLD,
		     H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n",
		     H OLD "2026-01-02T00:00:00Z,a,1\n2026-01-02T00:00:00Z,c,1\n"),
	       all, "log: the other order, the same file");
	/* A base that already has b's rows of the slot (ours was rebuilt
	 * once); theirs added d after it. */
	is_str(merge("log/2026-01.csv", H OLD "2026-01-02T00:00:00Z,b,1\n",
		     H OLD "2026-01-02T00:00:00Z,a,1\n2026-01-02T00:00:00Z,b,1\n"
			 "2026-01-02T00:00:00Z,c,1\n",
		     H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n"),
	       all, "log: ours goes before the base's greater rows");
	/* A tick after the other shard's push: settling is the merge with
	 * theirs as the base. */
	is_str(merge("tasks.csv", H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n",
		     H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n"
			 "2026-01-02T00:00:00Z,a,1\n2026-01-02T00:00:00Z,c,1\n",
		     H OLD "2026-01-02T00:00:00Z,b,1\n2026-01-02T00:00:00Z,d,1\n"),
	       all, "tasks: rows appended after another shard's settle in place");
	is_str(merge("lists/gifts.csv", NULL, H "2026-01-02T00:00:00Z,c,1\n",
		     H "2026-01-02T00:00:00Z,a,\"x\ny\"\n"),
	       H "2026-01-02T00:00:00Z,a,\"x\ny\"\n2026-01-02T00:00:00Z,c,1\n",
	       "lists: a file new on both sides has one header; quoted newlines kept");
	is_str(merge("notes.csv", H OLD, H OLD "2026-01-02T00:00:00Z,a,1\n", H OLD),
	       H OLD "2026-01-02T00:00:00Z,a,1\n", "notes: theirs unchanged, ours");

	/* Keyed: ours changed b, added c, removed e; theirs changed a and
	 * added a column. */
	is_str(merge("contacts.csv", "id,email\na,a@x\nb,b@x\ne,e@x\n",
		     "id,email\na,a@x\nb,B@x\nc,c@x\n",
		     "id,email,bounced\na,a@x,true\nb,b@x,\nd,d@x,\ne,e@x,\n"),
	       "id,email,bounced\na,a@x,true\nb,B@x,\nc,c@x,\nd,d@x,\n",
	       "contacts: each key from the side that changed it");
	is_str(merge("contacts.csv", "id,email\na,a@x\nb,b@x\n",
		     "id,email,unsubscribed\na,a@x,\nb,b@x,true\n",
		     "id,email\na,A@x\nb,b@x\n"),
	       "id,email,unsubscribed\na,A@x,\nb,b@x,true\n",
	       "contacts: a column ours added joins theirs' header");
	is_str(merge("contacts.csv", "id,email\na,a@x\nb,b@x\n", "id,email\na,a@x\nb,B@x\n",
		     "id,email\na,a@x\nc,c@x\nb,b@x\n"),
	       "id,email\na,a@x\nb,B@x\nc,c@x\n",
	       "contacts: theirs out of order gains no second row of a key");
	is_str(merge("state/runs.csv",
		     "contact,automation\na,x\nb,x\nb,y\n", "contact,automation\na,x\nb,x\n",
		     "contact,automation\na,x\na,z\nb,x\nb,y\n"),
	       "contact,automation\na,x\na,z\nb,x\n",
	       "runs: a contact's rows go together");
	is_str(merge("state/automations.csv", "id,since\n", "id,since\na,1\n", "id,since\na,2\n"),
	       "id,since\na,2\n", "other files: theirs");
	is_str(merge("log/2026-01.csv", H, NULL, H OLD), H OLD,
	       "one side without the file: the other's");
	/* A snapshot both shards of two made whole (no base): each
	 * contact's row from the shard that owns it. */
	{
		char id[2][8], o[256], t[256], want[256];
		int i, got = 0;

		for (i = 0; got < 2 && i < 100; i++) {
			snprintf(id[got], sizeof id[got], "c%d", i);
			if (state_shard(id[got]) % 2 == (unsigned)got)
				got++;
		}
		snprintf(o, sizeof o, "id,x\n%s,mine\n%s,stale\n", id[0], id[1]);
		snprintf(t, sizeof t, "id,x\n%s,stale\n%s,theirs\n", id[0], id[1]);
		snprintf(want, sizeof want, "id,x\n%s,mine\n%s,theirs\n", id[0], id[1]);
		{
			struct sbuf out = SBUF_INIT;

			shard_merge_file(STATE_SNAPSHOT, 0, 2, NULL, 0, o, strlen(o), t, strlen(t),
					 &out);
			sbuf_addc(&out, '\0');
			is_str(out.buf, want, "snapshot: only the shard's own keys are its to change");
			sbuf_release(&out);
		}
	}
	return tap_done();
}
