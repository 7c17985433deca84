/*
 * cmd.h - what every subcommand shares: the run context, the command table
 * entries (which also feed --help, `drip help` and `drip __complete`, so
 * completions cannot drift from the code), and small helpers.
 *
 * cmd/ is the only layer that prints or exits.
 */
#ifndef DRIP_CMD_CMD_H
#define DRIP_CMD_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "protect.h"
#include "txn.h"
#include "err.h"

struct csvio_table;
struct sbuf;
struct store;

/* One option of a command, for getopt_long, help and completion. */
struct optspec {
	const char *name;	/* long name without "--" */
	int shortc;		/* short letter, or 0 */
	const char *arg;	/* argument name for help ("ID"), NULL: a flag */
	const char *help;
	const char *values;	/* completion: "a b c" words, "@file", "@dir", "@seq", "@contact" */
};

/* --raw, which every command that prints --format csv takes (SPEC §10);
 * opts_parse sets cmd_ctx.raw for it. */
#define OPT_RAW { "raw", 0, NULL, \
	"with --format csv: cells as they are, no ' before = + - @ TAB CR", NULL }

struct cmd_ctx;

typedef int (*cmd_fn)(int argc, char **argv, struct cmd_ctx *c);

/* What a command needs before it runs. */
enum {
	NEED_WS = 1 << 0,	/* a workspace: root found, drip.yaml loaded */
	NEED_LOCK = 1 << 1,	/* the workspace lock (commands that change files) */
	NEED_STORE = 1 << 2	/* the git store opened */
};

struct subcmd {
	const char *name;
	cmd_fn fn;
	unsigned flags;
	const char *usage;	/* arguments after "drip CMD SUB" */
	const char *summary;
	const struct optspec *opts;	/* terminated by a zero entry */
	const char *args;	/* completion of operands: "@seq", "@contact", "@file" */
};

struct cmd {
	const char *name;
	cmd_fn fn;		/* for commands without subcommands; with them,
				 * what runs when none is named (report) */
	unsigned flags;
	const char *usage;
	const char *summary;
	const struct optspec *opts;
	const struct subcmd *subs;	/* terminated by a zero entry, or NULL */
	const char *args;
	const char *defaults;	/* -h: the command's own defaults, lines of text */
};

/* The table of commands (main.c), terminated by a zero entry. */
extern const struct cmd drip_cmds[];
extern const struct optspec drip_global_opts[];

enum out_format { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_TEXT, FMT_GITHUB, FMT_HTML };

struct cmd_ctx {
	struct arena a;
	/* global options */
	const char *dir;		/* -C */
	const char *now_str;		/* --now or DRIP_NOW */
	const char *format;		/* --format, checked by each command */
	int quiet, verbose;
	int wait;			/* --wait, -1 = the command's default */
	int raw;			/* --raw: CSV cells printed as they are */
	const char *password_file;	/* --password-file (protect.c) */
	struct cmd_prot *prot;		/* protected objects this run changes */
	/* resolved */
	int64_t now;			/* --now, else the wall clock */
	int has_now;
	char *root;			/* workspace root, NEED_WS */
	struct config cfg;
	int have_cfg;
	int lockfd;
	struct store *store;
	const char *cmd_name;		/* "seq publish" for messages and trailers */
	const struct cmd *cur_cmd;	/* for usage messages */
	const struct subcmd *cur_sub;
	struct drip_err err;
};

/* ---- helpers (util.c) ---- */

/* Report a usage error for the current command: prints
 * "drip: MESSAGE" and "usage: ..." to stderr; returns DRIP_EUSAGE. */
int usage_error(struct cmd_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse the command's options with getopt_long from its optspec table.
 * For each option calls fn(ctx, name, arg) (fn may be NULL for a command
 * with no options of its own); returns the index of the first operand, or
 * -1 after reporting a usage error. */
int opts_parse(struct cmd_ctx *c, int argc, char **argv, const struct optspec *opts,
	       int (*fn)(struct cmd_ctx *c, void *ud, const char *name, const char *arg),
	       void *ud);

/* Which output format: FMT_TABLE unless --format says csv or json; anything
 * else is a usage error (returns -1). */
int out_format(struct cmd_ctx *c, int allow_csv);

/* Display width of a table cell as width_clean writes it: CJK and emoji
 * take two columns, combining marks none, a newline or ESC its visible
 * escape (formats/width.c). */
size_t cell_width(const char *s);

/* One row of an aligned table into out: each cell padded to its column's
 * width w[k] (cell_width) and two spaces, the last one not. */
struct sbuf;
void table_row(struct sbuf *out, const char *const *cells, const size_t *w, size_t ncols);

/* A CSV cell as print_table writes it: spreadsheets run cells that start
 * with = + - @ as formulas, and OWASP adds TAB and CR, after which some of
 * them look for one again, so those get a leading ' unless raw (copies
 * in a). */
struct arena;
const char *csv_cell(struct arena *a, int raw, const char *v);

/* Print a report document (rtab.h): aligned tables fitted to the
 * terminal, one CSV table per section (neutralised unless --raw), JSON,
 * HTML or GitHub Markdown. */
struct rtab_doc;
void print_doc(struct cmd_ctx *c, enum out_format f, const struct rtab_doc *d);
/* A streaming listing's output: written once it passes 64 KiB (always
 * with force), and every 4096 rows the arena of its rows emptied; n
 * counts the rows. */
void list_flush(struct sbuf *out, struct arena *a, size_t *n, int force);
/* Its end: the JSON array closed (j, when not NULL), the rest written,
 * out and a released. */
struct json;
void list_end(struct sbuf *out, struct arena *a, size_t *n, struct json *j);

/* A path inside the workspace (malloc'ed). */
char *ws_path(struct cmd_ctx *c, const char *rel);

/*
 * Write the files (already validated) atomically and commit exactly them,
 * after checking that none has someone else's uncommitted changes: one
 * commit, or, on any failure, every file as it was (txn_apply).  subject
 * is the commit message's first line; each change is core's struct
 * txn_change (txn.h: TXN_FROM_FILE for content too big to hold in memory).
 * Returns 0 or -1 with c->err.
 */
int ws_apply(struct cmd_ctx *c, const struct txn_change *ch, size_t n, const char *subject);

/*
 * Password protection (protect.c, SPEC §3.6).  protect_require: (k, id) is
 * about to change; when it is protected, the password (77 without it or
 * when wrong) and its file as signed (65) are needed, and ws_apply then
 * commits it signed again.  protect_guard (ws_apply calls it): the same for
 * every protected object among the changes, and the records re-signed
 * added to them (*out, arena-owned).  protect_forget wipes the password.
 */
int protect_require(struct cmd_ctx *c, enum protect_kind k, const char *id);
int protect_guard(struct cmd_ctx *c, const struct txn_change *ch, size_t n,
		  const struct txn_change **out, size_t *nout);
void protect_forget(struct cmd_ctx *c);

/*
 * What every command that changes the workspace does once it holds the
 * lock and the store, before it reads anything: refuse a detached HEAD
 * (78) or a fresh git lock (75, naming it), remove git locks older than
 * max_lag (logged and committed on their own, SPEC §12), and finish or
 * undo whatever a killed command left (txn_recover).  main() calls it for
 * NEED_LOCK|NEED_STORE commands; tick, which takes its lock itself, too.
 */
int cmd_prepare(struct cmd_ctx *c);

/* Print a table: rows of ncols strings (row 0 is the header) in the chosen
 * format.  Tables pad columns; CSV puts a ' before every cell (header
 * included) that starts with = + - @, TAB or CR, which spreadsheets would
 * run as a formula, unless --raw (c->raw) asks for the cells as they are. */
void print_table(struct cmd_ctx *c, enum out_format f, const char *const *cells,
		 size_t nrows, size_t ncols);

/* Render a time for humans in the workspace zone. */
const char *show_time(struct cmd_ctx *c, int64_t t);
/* The same into buf (n bytes), for output that must not grow the arena. */
const char *show_time_buf(struct cmd_ctx *c, int64_t t, char *buf, size_t n);


/* The sequences in sequences/ (ids, sorted), read from the directory. */
const char **seq_ids(struct cmd_ctx *c, size_t *n);
/* The same for any directory of ID.yaml files (automations/). */
const char **yaml_ids(struct cmd_ctx *c, const char *sub, size_t *n);

/* A lint context for the workspace at root (NULL: outside one): its
 * contacts.csv header and sequence ids, so lint checks fields and
 * references.  d receives the findings. */
struct diags;
struct lint_ctx;
void lint_setup(struct cmd_ctx *c, struct lint_ctx *l, struct diags *d, const char *root);

/* The log file rel (log/YYYY-MM.csv) as it will be with rows add appended,
 * written beside it (actlog_begin, copied in chunks: a month of log is
 * never held in memory) as a TXN_FROM_FILE change ch; *tmp is that file,
 * for the caller to remove (unlink, free) once ws_apply has renamed it or
 * failed. */
struct sbuf;
struct txn_change;
int log_change(struct cmd_ctx *c, const char *rel, const struct sbuf *add, struct txn_change *ch,
	       char **tmp);

/* The --now instant as "2026-11-24T10:20:00Z" (or the wall clock). */
const char *now_utc(struct cmd_ctx *c);

/* Subcommand entry points. */
int cmd_init(int argc, char **argv, struct cmd_ctx *c);
int cmd_help(int argc, char **argv, struct cmd_ctx *c);
int cmd_gc(int argc, char **argv, struct cmd_ctx *c);
int cmd_complete(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_new(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_list(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_show(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_lint(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_publish(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_diff(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_pause(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_resume(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_stop(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_archive(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_protect(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_unprotect(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_protect(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_unprotect(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_import(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_add(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_set(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_tag(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_archive(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_show(int argc, char **argv, struct cmd_ctx *c);
int cmd_contact_list(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_add(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_list(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_show(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_rm(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_review(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_approve(int argc, char **argv, struct cmd_ctx *c);
int cmd_automate_reject(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_add(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_list(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_show(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_set(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_mv(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_dup(int argc, char **argv, struct cmd_ctx *c);
int cmd_step_rm(int argc, char **argv, struct cmd_ctx *c);
int cmd_seq_owners(int argc, char **argv, struct cmd_ctx *c);

int cmd_enroll(int argc, char **argv, struct cmd_ctx *c);
int cmd_tick(int argc, char **argv, struct cmd_ctx *c);
int cmd_event(int argc, char **argv, struct cmd_ctx *c);
int cmd_respond(int argc, char **argv, struct cmd_ctx *c);
/* A CGI request drip cannot serve at all (the workspace is missing or its
 * drip.yaml does not load): a 500 page, not an empty answer. */
void respond_cgi_unavailable(void);
int cmd_task_list(int argc, char **argv, struct cmd_ctx *c);
int cmd_task_done(int argc, char **argv, struct cmd_ctx *c);
int cmd_report(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_overview(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_seq(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_contact(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_tasks(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_usage(int argc, char **argv, struct cmd_ctx *c);
int cmd_report_upcoming(int argc, char **argv, struct cmd_ctx *c);

/* Print the help of a command (and subcommand, may be NULL) to stdout. */
void help_print(const struct cmd *cmd, const struct subcmd *sub);
/* The list of commands and global options (drip help, drip --help). */
void help_overview(FILE *f);
const struct cmd *cmd_find(const char *name);
const struct subcmd *subcmd_find(const struct cmd *cmd, const char *name);

#endif
