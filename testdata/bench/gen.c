/*
 * gen.c - the synthetic workspaces of `make bench` (SPEC §13).
 *
 *   gen [-d DRIP] DIR [CONTACTS]   the tick workspace (default 1000000)
 *   gen [-d DRIP] -l DIR [FILES]   a workspace of FILES sequences (default
 *                                  1000), for timing `drip seq lint`
 *
 * The tick workspace: `drip init`, a `from:` address and links.base_url,
 * one three-step email sequence (wait 0, 2d, 3d) published with `drip seq
 * publish`, CONTACTS contacts c0000001... sorted by id, and one active
 * enrollment each, written straight into the 64 shard files with
 * state_shard() and state_enr_format() so that the layout is exactly drip's.  The clock says
 * the slot before BENCH_NOW was processed, as under cron, and one contact in
 * twenty (exactly 5% when CONTACTS is a multiple of 20) is due at BENCH_NOW:
 * half of those on the first step, half on the second.  The others are due
 * a day or two later.  Everything is committed, so the tree is clean.
 *
 * drip and git run as child processes (fork and exec, never a shell).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtime.h"
#include "err.h"
#include "sbuf.h"
#include "state.h"

/* The clock of the benchmark: a Monday, on a slot boundary. */
#define BENCH_NOW "2026-03-02T10:00:00Z"
/* The slot before it, recorded as processed. */
#define BENCH_LAST "2026-03-02T09:40:00Z"
/* When the workspace was made and the sequence published. */
#define BENCH_INIT "2026-02-01T09:00:00Z"
#define DAY 86400

#define MAX_CONTACTS 9999999L	/* ids have seven digits */

static const char *const first_names[] = {
	"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances",
	"Ken", "Radia", "Dennis", "Margaret", "John", "Hedy", "Niklaus", "Sophie",
};
static const char *const last_names[] = {
	"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen",
	"Thompson", "Perlman", "Ritchie", "Hamilton", "Backus", "Lamarr", "Wirth", "Wilson",
};
#define NNAMES (sizeof first_names / sizeof first_names[0])

static const char bench_seq[] =
	"id: bench\n"
	"name: Benchmark onboarding\n"
	"description: Three emails over the first week.\n"
	"steps:\n"
	"  - id: welcome\n"
	"    type: email\n"
	"    wait: 0\n"
	"    template: templates/welcome.eml\n"
	"  - id: tips\n"
	"    type: email\n"
	"    wait: 2d\n"
	"    template: templates/tips.eml\n"
	"  - id: last\n"
	"    type: email\n"
	"    wait: 3d\n"
	"    template: templates/last.eml\n";

static const char *const tmpl_names[] = {
	"templates/welcome.eml", "templates/tips.eml", "templates/last.eml",
};
static const char *const tmpl_texts[] = {
	"Subject: Welcome to Bench, {{first_name | \"friend\"}}\n\n"
	"Hello {{first_name | \"there\"}},\n\nthanks for signing up. Reply to this\n"
	"message if there is anything we can do for you.\n",
	"Subject: Three tips for your first week\n\n"
	"Hi {{first_name}},\n\nhere are three tips to get the most out of Bench:\n"
	"import your data, invite your team, and set up your first report.\n",
	"Subject: Still with us, {{first_name}}?\n\n"
	"Hi {{first_name}},\n\none last note: our team is happy to help you\n"
	"get started. Just reply to this message.\n",
};

/* For the lint workspace: a sequence that uses most of what lint checks. */
static const char lint_seq[] =
	"# A sequence of the lint benchmark.\n"
	"id: %s\n"
	"name: Lead onboarding %s\n"
	"description: Welcome new leads, share tips, then have their owner call.\n"
	"owners: [alice@acme.example]\n"
	"send_window: {days: [mon, tue, wed, thu, fri], from: \"08:00\", to: \"18:00\"}\n"
	"remove_on: [reply, unsubscribe]\n"
	"steps:\n"
	"  - id: welcome\n"
	"    type: email\n"
	"    wait: 0\n"
	"    template: templates/welcome.eml\n"
	"  - id: tips\n"
	"    type: email\n"
	"    wait: 2d\n"
	"    at: \"09:00\"\n"
	"    when: 'not (tags has \"customer\")'\n"
	"    variants:\n"
	"      - {weight: 50, template: templates/tips.eml}\n"
	"      - {weight: 50, template: templates/last.eml}\n"
	"  - id: pause\n"
	"    type: delay\n"
	"    wait: 1w\n"
	"  - id: call\n"
	"    type: call\n"
	"    wait: 3d\n"
	"    assignee: \"{{owner}}\"\n"
	"    subject: \"Call {{first_name}} about getting started\"\n"
	"  - id: last\n"
	"    type: email\n"
	"    wait: 1d10h\n"
	"    template: templates/last.eml\n";

_Noreturn static void
usage(void)
{
	fputs("usage: gen [-d DRIP] DIR [CONTACTS]\n"
	      "       gen [-d DRIP] -l DIR [FILES]\n", stderr);
	exit(2);
}

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "gen: %s\n", what);
	exit(1);
}

_Noreturn static void
die_sys(const char *what, const char *path)
{
	fprintf(stderr, "gen: %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

/* Run argv and wait; a failure ends the generator.  The child's standard
 * output is thrown away so the benchmark's report stays readable. */
static void
run(char *const argv[])
{
	pid_t pid;
	int st, fd;

	pid = fork();
	if (pid < 0)
		die_sys("cannot fork for", argv[0]);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "gen: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_sys("cannot wait for", argv[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "gen: '%s %s' failed\n", argv[0], argv[1] ? argv[1] : "");
		exit(1);
	}
}

/* DIR/rel, checked for truncation. */
static void
path_in(char *buf, size_t n, const char *dir, const char *rel)
{
	int k = snprintf(buf, n, "%s/%s", dir, rel);

	if (k < 0 || (size_t)k >= n)
		die("path too long");
}

static void
write_text(const char *dir, const char *rel, const char *text, const char *mode)
{
	char path[4096];
	FILE *f;

	path_in(path, sizeof path, dir, rel);
	f = fopen(path, mode);
	if (f == NULL)
		die_sys("cannot write", path);
	if (fputs(text, f) == EOF || fclose(f) != 0)
		die_sys("cannot write", path);
}

static void
commit_all(const char *dir, const char *msg)
{
	char *add[] = { "git", "-C", (char *)dir, "add", "-A", NULL };
	char *commit[] = { "git", "-C", (char *)dir, "-c", "user.name=drip bench",
			   "-c", "user.email=bench@localhost", "commit", "-q",
			   "--no-verify", "-m", (char *)msg, NULL };

	run(add);
	run(commit);
}

/* drip init, the from: address, the links' base URL (every email carries
 * a signed unsubscribe link), the templates. */
static void
make_workspace(const char *drip, const char *dir)
{
	char *init[] = { (char *)drip, "--now", BENCH_INIT, "init", "--name", "Bench",
			 (char *)dir, NULL };
	char path[4096];
	char *links[] = { "sed", "-i", "-e",
			  "s|^  # base_url: .*|  base_url: \"https://bench.example/r\"|", path, NULL };
	size_t i;

	run(init);
	path_in(path, sizeof path, dir, "drip.yaml");
	run(links);
	write_text(dir, "drip.yaml", "from: \"Bench <hello@bench.example>\"\n", "a");
	for (i = 0; i < 3; i++)
		write_text(dir, tmpl_names[i], tmpl_texts[i], "w");
}

static int64_t
parse_utc(const char *s)
{
	int64_t t;
	char why[128];

	if (dtime_parse(s, NULL, &t, why, sizeof why) < 0)
		die(why);
	return t;
}

/* The contacts: id,email,first_name,last_name,phone,timezone,status,
 * unsubscribed,bounced,owner,tags - the header drip init writes. */
static void
contact_row(struct sbuf *sb, long i, const char *id)
{
	const char *fn = first_names[(size_t)i % NNAMES];
	const char *ln = last_names[(size_t)(i / 7) % NNAMES];

	sbuf_printf(sb, "%s,%s.%s.%ld@example.com,%s,%s,+4930%07ld,,active,false,false,"
		    "%s@bench.example,%s\n", id, fn, ln, i, fn, ln, i,
		    i % 2 ? "alice" : "bob", i % 10 == 0 ? "lead;vip" : "lead");
}

/*
 * Contact i's enrollment.  Every twentieth is due at BENCH_NOW: on the first
 * step (enrolled just after the last tick) or on the second (its wait of 2d
 * from the first step's firing ends at default_time today).  The rest wait
 * on the second or third step until tomorrow or later.
 */
static void
enrollment(struct enr *e, long i, int64_t now, char *day, size_t nday)
{
	int64_t today = now - now % DAY, ten = 10 * 3600;
	long k = i % 20, half = (i / 20) % 2;
	char stamp[32];

	memset(e, 0, sizeof *e);
	e->version = 1;
	e->status = ENR_ACTIVE;
	e->paused = STATE_NONE;
	e->hold = STATE_NONE;
	e->task = "";
	if (k == 0 && half == 0) {
		e->step = "welcome";
		e->enrolled = now - 60 * (1 + i % 19);
		e->entered = e->base = e->enrolled;
	} else if (k == 0) {
		e->step = "tips";
		e->entered = e->base = today - 2 * DAY + ten;
		e->enrolled = e->base - 60 * (1 + i % 50);
	} else if (k < 10) {
		e->step = "tips";
		e->entered = e->base = today - (half ? 1 : 0) * DAY + ten - (half ? 0 : 3600);
		e->enrolled = e->base - 60 * (1 + i % 50);
	} else {
		e->step = "last";
		e->entered = e->base = today - (half ? 2 : 1) * DAY + ten;
		e->enrolled = e->base - 2 * DAY - 60 * (1 + i % 50);
	}
	/* The cap's count: the previous step sent one message on the day
	 * this step was entered. */
	day[0] = '\0';
	e->sent_day = day;
	e->sent = 0;
	if (strcmp(e->step, "welcome") != 0) {
		dtime_format_utc(e->entered, stamp, sizeof stamp);
		snprintf(day, nday, "%.10s", stamp);
		e->sent = 1;
	}
}

static void
open_shards(const char *dir, FILE *sh[STATE_SHARDS])
{
	char rel[64], path[4096];
	unsigned i;

	path_in(path, sizeof path, dir, "state/enrollments");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die_sys("cannot make", path);
	for (i = 0; i < STATE_SHARDS; i++) {
		state_shard_path(i, rel, sizeof rel);
		path_in(path, sizeof path, dir, rel);
		if ((sh[i] = fopen(path, "w")) == NULL)
			die_sys("cannot write", path);
		if (fputs(STATE_ENR_HEADER, sh[i]) == EOF)
			die_sys("cannot write", path);
	}
}

static void
close_shards(FILE *sh[STATE_SHARDS])
{
	unsigned i;

	for (i = 0; i < STATE_SHARDS; i++)
		if (fclose(sh[i]) != 0)
			die("cannot write a shard file");
}

static void
write_clock(const char *dir)
{
	struct sbuf sb = SBUF_INIT;

	state_format_clock(parse_utc(BENCH_LAST), &sb);
	write_text(dir, STATE_CLOCK, sbuf_str(&sb), "w");
	sbuf_release(&sb);
}

static void
gen_tick(const char *drip, const char *dir, long n)
{
	char *publish[] = { (char *)drip, "-C", (char *)dir, "--now", BENCH_INIT, "seq",
			    "publish", "bench", NULL };
	struct sbuf row = SBUF_INIT, cbuf = SBUF_INIT;
	char path[4096], id[32], msg[64], day[16];
	int64_t now = parse_utc(BENCH_NOW);
	FILE *sh[STATE_SHARDS], *cf;
	long i;

	make_workspace(drip, dir);
	write_text(dir, "sequences/bench.yaml", bench_seq, "w");
	commit_all(dir, "bench: the sequence and its templates");
	run(publish);
	open_shards(dir, sh);
	path_in(path, sizeof path, dir, "contacts.csv");
	if ((cf = fopen(path, "a")) == NULL)
		die_sys("cannot write", path);
	for (i = 1; i <= n; i++) {
		struct enr e;

		snprintf(id, sizeof id, "c%07ld", i);
		sbuf_reset(&cbuf);
		contact_row(&cbuf, i, id);
		if (fwrite(cbuf.buf, 1, cbuf.len, cf) != cbuf.len)
			die_sys("cannot write", path);
		enrollment(&e, i - 1, now, day, sizeof day);
		e.contact = id;
		e.sequence = "bench";
		sbuf_reset(&row);
		state_enr_format(&row, &e);
		if (fwrite(row.buf, 1, row.len, sh[state_shard(id)]) != row.len)
			die("cannot write a shard file");
	}
	if (fclose(cf) != 0)
		die_sys("cannot write", path);
	close_shards(sh);
	write_clock(dir);
	snprintf(msg, sizeof msg, "bench: %ld contacts enrolled", n);
	commit_all(dir, msg);
	sbuf_release(&row);
	sbuf_release(&cbuf);
}

static void
gen_lint(const char *drip, const char *dir, long n)
{
	struct sbuf sb = SBUF_INIT;
	char id[32], rel[64];
	long i;

	make_workspace(drip, dir);
	for (i = 1; i <= n; i++) {
		snprintf(id, sizeof id, "onboarding-%04ld", i);
		snprintf(rel, sizeof rel, "sequences/%s.yaml", id);
		sbuf_reset(&sb);
		sbuf_printf(&sb, lint_seq, id, id);
		write_text(dir, rel, sbuf_str(&sb), "w");
	}
	commit_all(dir, "bench: sequences to lint");
	sbuf_release(&sb);
}

static long
parse_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 1 || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	const char *drip = "./drip";
	int lint = 0, c;
	long n;

	while ((c = getopt(argc, argv, "d:l")) != -1) {
		switch (c) {
		case 'd':
			drip = optarg;
			break;
		case 'l':
			lint = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	n = argc == 2 ? parse_count(argv[1], MAX_CONTACTS) : lint ? 1000 : 1000000;
	if (access(argv[0], F_OK) == 0)
		die("the directory exists already; remove it first");
	if (lint)
		gen_lint(drip, argv[0], n);
	else
		gen_tick(drip, argv[0], n);
	return 0;
}
