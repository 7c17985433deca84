/*
 * t_run.c - the pass as a library: run_pass with the collecting sink over
 * a small workspace (made by the drip under test, $DRIP) sees exactly the
 * rows `drip tick --dry-run` prints, including the sort of an unsorted
 * contacts.csv and an event for an unknown contact, and changes no file;
 * a slot already processed runs nothing.
 */
#include "tap.h"

#include "arena.h"
#include "config.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "fsio.h"
#include "run.h"
#include "sbuf.h"
#include "state.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/drip-t-run-XXXXXX";

#include "tmpdir.h"

#define DRY_NOW "2026-11-25T08:00:00Z"

/* The workspace: three contacts committed out of id order, a sequence
 * with a wait-0 step and a step a day later, one tick run, and two events
 * waiting in inbox/ (one for a contact that does not exist). */
static const char setup[] =
	"set -e\n"
	"export HOME=\"$BASE\" GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C\n"
	"export GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com\n"
	"export GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com\n"
	"cd \"$BASE\"\n"
	"\"$DRIP\" init -q --now 2026-11-23T07:00:00Z ws\n"
	"sed -i -e 's|^# from: .*|from: \"Acme <hello@acme.example>\"|' "
	"-e 's|^  # base_url: .*|  base_url: \"https://acme.example/r\"|' ws/drip.yaml\n"
	"printf 'id,email,first_name\\nada,ada@example.com,Ada\\nbob,,Bob\\n"
	"cy,cy@example.com,Cy\\n' >ws/contacts.csv\n"
	"printf 'Subject: Hello {{first_name}}\\n\\nHi.\\n' >ws/templates/a.eml\n"
	"printf 'id: s1\\nname: First\\nsteps:\\n"
	"  - {id: hello, type: email, wait: 0, template: templates/a.eml}\\n"
	"  - {id: later, type: email, wait: 1d, template: templates/a.eml}\\n' "
	">ws/sequences/s1.yaml\n"
	"git -C ws add -A && git -C ws commit -qm setup\n"
	"\"$DRIP\" -C ws -q --now 2026-11-24T07:00:00Z seq publish s1\n"
	"\"$DRIP\" -C ws -q --now 2026-11-24T08:05:00Z enroll s1 ada bob cy\n"
	"\"$DRIP\" -C ws -q --now 2026-11-24T08:10:00Z tick --no-deliver\n"
	"printf 'id,email,first_name\\ncy,cy@example.com,Cy\\nada,ada@example.com,Ada\\n"
	"bob,,Bob\\n' >ws/contacts.csv\n"
	"git -C ws commit -qam unsorted\n"
	"mkdir -p ws/inbox\n"
	"printf 'time,contact,name,sequence,data\\n2026-11-24T09:00:00Z,zed,open,,\\n' "
	">ws/inbox/e1.csv\n"
	"printf 'time,contact,name,sequence,data\\n2026-11-24T09:30:00Z,ada,open,,\\n' "
	">ws/inbox/e2.csv\n";

/* Every file under dir (.git included): its path, size, inode, mtime and
 * content hash, one a line, sorted by the walk's order of names. */
static void
walk(const char *dir, struct sbuf *out)
{
	struct dirent **names;
	int i, n = scandir(dir, &names, NULL, alphasort);

	for (i = 0; i < n; i++) {
		char path[2048];
		struct stat st;

		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") &&
		    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) <
			    (int)sizeof path && lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				sbuf_printf(out, "%s/\n", path);
				walk(path, out);
			} else {
				struct sbuf sb = SBUF_INIT;
				struct drip_err e;
				uint64_t h = 1469598103934665603ull;
				size_t k;

				if (fsio_read(path, 0, &sb, &e) == 0)
					for (k = 0; k < sb.len; k++)
						h = (h ^ (unsigned char)sb.buf[k]) * 1099511628211ull;
				sbuf_release(&sb);
				sbuf_printf(out, "%s %lld %llu %lld.%09ld %016llx\n", path,
					    (long long)st.st_size, (unsigned long long)st.st_ino,
					    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
					    (unsigned long long)h);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* What cmd/tick.c prints for --dry-run in a table, from the collection. */
static void
format_rows(const struct run_collect *k, struct sbuf *out)
{
	size_t i;

	if (k->k.nrows)
		sbuf_adds(out, "time\tcontact\tsequence\tstep\taction\tresult\tdetail\n");
	for (i = 0; i < k->k.nrows; i++) {
		const struct log_row *l = &k->k.rows[i];
		char t[32];

		dtime_format_utc(l->time, t, sizeof t);
		sbuf_printf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, l->contact, l->sequence,
			    l->step, l->action, l->result, l->detail);
	}
}

static int
capture(const char *cmd, struct sbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	if (p == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		sbuf_add(out, buf, n);
	return pclose(p);
}

int
main(void)
{
	const char *drip = getenv("DRIP");
	struct arena a = ARENA_INIT;
	struct config cfg;
	struct drip_err err;
	struct run_opts o;
	struct run_info ri;
	struct run_collect k;
	struct run_sink sink;
	struct sbuf before = SBUF_INIT, after = SBUF_INIT, got = SBUF_INIT, want = SBUF_INIT;
	char *root, cmd[4096];
	size_t i, emails = 0;
	int rc;

	if (drip == NULL || access(drip, X_OK) != 0)
		drip = "./drip";
	if (access(drip, X_OK) != 0) {
		printf("1..0 # SKIP no drip binary (make check sets DRIP)\n");
		return 0;
	}
	if (mkdtemp(base) == NULL)
		return 1;
	setenv("BASE", base, 1);
	setenv("DRIP", drip, 1);
	snprintf(cmd, sizeof cmd, "sh -c '%s' >/dev/null 2>&1", "eval \"$SETUP\"");
	setenv("SETUP", setup, 1);
	if (!ok(system(cmd) == 0, "the workspace is set up")) {
		rm_rf(base);
		return tap_done();
	}
	root = fsio_join(base, "ws");
	memset(&cfg, 0, sizeof cfg);
	rc = config_load(&a, at("ws/drip.yaml"), &cfg, &err);
	is_int(rc, 0, "drip.yaml loads");

	memset(&o, 0, sizeof o);
	o.root = root;
	o.cfg = &cfg;
	o.a = &a;
	o.dry = 1;
	o.has_now = 1;
	state_parse_time(DRY_NOW, &o.now);
	walk(root, &before);
	run_collect_init(&k, &a);
	sink = run_collect_sink(&k);
	rc = run_pass(&o, &sink, &ri, &err);
	is_int(rc, RUN_RAN, "the pass runs: %s", rc < 0 ? err.msg : "");
	walk(root, &after);
	is_str(sbuf_str(&after), sbuf_str(&before), "the collecting pass changes no file (not even a mtime)");

	format_rows(&k, &got);
	snprintf(cmd, sizeof cmd, "\"%s\" -C '%s' --now %s tick --dry-run", drip, root, DRY_NOW);
	is_int(capture(cmd, &want), 0, "tick --dry-run runs");
	ok(want.len > 0, "tick --dry-run prints rows");
	is_str(sbuf_str(&got), sbuf_str(&want), "the collection is what tick --dry-run prints");
	like(sbuf_str(&got), "\tzed\t\t\tevent\tskipped\tunknown contact\n",
	     "an event for an unknown contact is collected, skipped");
	like(sbuf_str(&got), "2026-11-24T08:20:00Z\tada\ts1\thello\temail\tok\t",
	     "a step that fires is collected");
	for (i = 0; i < k.k.nrows; i++)
		emails += strcmp(k.k.rows[i].action, "email") == 0 &&
			  strcmp(k.k.rows[i].result, "ok") == 0;
	ok(emails > 0, "emails fire");
	is_int(k.nmsgs, emails, "one message collected for each email sent");
	for (i = 0; i < k.nmsgs; i++)
		ok(strcmp(k.msgs[i].kind, "email") == 0 && k.msgs[i].name[0] && k.msgs[i].len > 0,
		   "message %zu has its kind, name and content", i);
	is_int(ri.contacts, 3, "every contact is advanced");
	ok(ri.fired == emails, "the counts match the rows (%zu fired)", ri.fired);
	sbuf_reset(&after);
	walk(root, &after);
	is_str(sbuf_str(&after), sbuf_str(&before), "tick --dry-run changed no file either");

	/* A slot already processed: nothing runs, the sink sees nothing. */
	run_collect_init(&k, &a);
	state_parse_time("2026-11-24T08:15:00Z", &o.now);
	rc = run_pass(&o, &sink, &ri, &err);
	is_int(rc, RUN_NOTHING, "a slot processed already runs nothing");
	is_int(k.items + k.k.nrows, 0, "and hands the sink nothing");

	free(root);
	config_release(&cfg);
	arena_release(&a);
	sbuf_release(&before);
	sbuf_release(&after);
	sbuf_release(&got);
	sbuf_release(&want);
	rm_rf(base);
	return tap_done();
}
