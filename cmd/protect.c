/*
 * protect.c - `drip seq protect|unprotect ID`, `drip automate
 * protect|unprotect ID` (SPEC §3.6), the password (--password-file,
 * DRIP_PASSWORD, or a prompt on a terminal), and the guard every change
 * passes through: ws_apply asks protect_guard, so a command that rewrites a
 * protected sequences/ID.yaml or automations/ID.yaml needs the password and
 * commits the object re-signed; commands that change a protected sequence
 * without rewriting its file (publish, pause, resume, stop, archive) ask
 * protect_require first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "owners.h"
#include "protect.h"
#include "ws.h"

static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };


/* The objects this command changes, and the password once read. */
struct cmd_prot {
	char *pw;			/* sodium_malloc'ed, wiped by sodium_free */
	size_t pwlen;
	struct need {
		enum protect_kind k;
		const char *id;
		struct protect_rec rec;
	} *v;
	size_t n;
};

static struct cmd_prot *
prot(struct cmd_ctx *c)
{
	if (c->prot == NULL)
		c->prot = arena_alloc(&c->a, sizeof *c->prot);
	return c->prot;
}

void
protect_forget(struct cmd_ctx *c)
{
	if (c->prot && c->prot->pw) {
		sodium_free(c->prot->pw);
		c->prot->pw = NULL;
	}
}

static const char *
what(enum protect_kind k)
{
	return k == PROTECT_SEQ ? "sequence" : "automation";
}

/* A line into p (PROTECT_PW_MAX + 1 bytes) from fd: up to the newline or
 * end of file, the newline (and a CR before it) dropped. */
static int
read_line(int fd, char *p, size_t *len)
{
	size_t n = 0;
	char ch;
	ssize_t r;

	while ((r = read(fd, &ch, 1)) == 1 || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		if (ch == '\n')
			break;
		if (n == PROTECT_PW_MAX)
			return -2;
		p[n++] = ch;
	}
	sodium_memzero(&ch, sizeof ch);
	if (r < 0)
		return -1;
	if (n && p[n - 1] == '\r')
		n--;
	p[n] = '\0';
	*len = n;
	return 0;
}

/* A no-echo prompt on the terminal that is standard input. */
static int
prompt(const char *msg, char *p, size_t *len)
{
	struct termios old, quiet;
	int rc, restore = 0;

	fputs(msg, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	rc = read_line(STDIN_FILENO, p, len);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	else
		fputc('\n', stderr);
	return rc;
}

/*
 * The password, from --password-file, DRIP_PASSWORD or a prompt on a
 * terminal, in that order; confirm asks twice on a terminal (a new
 * password).  Read once per run.  Returns 0 or -1 (77 when there is none).
 */
static int
password(struct cmd_ctx *c, const char *why, int confirm)
{
	struct cmd_prot *p = prot(c);
	const char *env = getenv("DRIP_PASSWORD");
	int rc = 0;

	if (p->pw)
		return 0;
	if ((p->pw = sodium_malloc(PROTECT_PW_MAX + 1)) == NULL)
		return err_set(&c->err, DRIP_EFAIL, NULL, 0, 0, "out of memory");
	if (c->password_file) {
		int fd = open(c->password_file, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			rc = err_sys(&c->err, DRIP_ENOINPUT, NULL, "cannot open '%s'",
				     c->password_file);
			goto out;
		}
		rc = read_line(fd, p->pw, &p->pwlen);
		close(fd);
		if (rc == -2)
			rc = err_set(&c->err, DRIP_EPERM, c->password_file, 1, 0, "password longer "
				     "than %d bytes", PROTECT_PW_MAX);
		else if (rc < 0)
			rc = err_sys(&c->err, DRIP_ENOINPUT, NULL, "cannot read '%s'",
				     c->password_file);
	} else if (env && *env) {
		p->pwlen = strlen(env);
		if (p->pwlen > PROTECT_PW_MAX)
			rc = err_set(&c->err, DRIP_EPERM, NULL, 0, 0, "DRIP_PASSWORD is longer than "
				     "%d bytes", PROTECT_PW_MAX);
		else
			memcpy(p->pw, env, p->pwlen + 1);
		/* The copy is what drip uses; the environment's, readable in
		 * /proc while drip runs, is wiped. */
		sodium_memzero((char *)env, p->pwlen);
		unsetenv("DRIP_PASSWORD");
	} else if (isatty(STDIN_FILENO)) {
		rc = prompt(arena_printf(&c->a, "password for %s: ", why), p->pw, &p->pwlen);
		if (rc == 0 && confirm) {
			char *again = sodium_malloc(PROTECT_PW_MAX + 1);
			size_t n = 0;

			if (again == NULL) {
				rc = err_set(&c->err, DRIP_EFAIL, NULL, 0, 0, "out of memory");
				goto out;
			}
			rc = prompt("the same password again: ", again, &n);
			if (rc == 0 && (n != p->pwlen || sodium_memcmp(again, p->pw, n) != 0))
				rc = err_set(&c->err, DRIP_EPERM, NULL, 0, 0, "the passwords differ");
			sodium_free(again);
		} else if (rc < 0) {
			rc = err_set(&c->err, DRIP_EPERM, NULL, 0, 0, "no password read");
		}
	} else {
		rc = err_set(&c->err, DRIP_EPERM, NULL, 0, 0, "%s needs a password: give "
			     "--password-file FILE or DRIP_PASSWORD, or run on a terminal", why);
	}
	if (rc == 0 && p->pwlen == 0)
		rc = err_set(&c->err, DRIP_EPERM, NULL, 0, 0, "the password is empty");
out:
	if (rc < 0) {
		if (c->err.code == DRIP_EFAIL || c->err.code == 0)
			c->err.code = DRIP_EPERM;
		protect_forget(c);
		return -1;
	}
	return 0;
}

/*
 * (k, id) is about to change: when it is protected, read and check the
 * password (77), check that its file is still what was signed (65: someone
 * changed it outside drip, and re-signing would bless that), and remember
 * it so that ws_apply signs it again.  0 also when it is not protected.
 */
int
protect_require(struct cmd_ctx *c, enum protect_kind k, const char *id)
{
	struct cmd_prot *p = prot(c);
	struct protect_rec r;
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++)
		if (p->v[i].k == k && strcmp(p->v[i].id, id) == 0)
			return 0;
	if ((rc = protect_load(&c->a, c->root, k, id, &r, &c->err)) <= 0)
		return rc;
	if (password(c, arena_printf(&c->a, "protected %s '%s'", what(k), id), 0) < 0 ||
	    protect_unlock(&r, p->pw, p->pwlen, &c->err) < 0)
		return -1;
	if (protect_check(c->root, &r, &c->err) < 0)
		return -1;
	p->v = arena_grow(&c->a, p->v, p->n, p->n + 1, sizeof *p->v);
	p->v[p->n].k = k;
	p->v[p->n].id = arena_strdup(&c->a, id);
	p->v[p->n].rec = r;
	p->n++;
	return 0;
}

int
protect_guard(struct cmd_ctx *c, const struct txn_change *ch, size_t n,
	      const struct txn_change **out, size_t *nout)
{
	struct cmd_prot *p;
	struct txn_change *v;
	size_t i, j, m = n;

	*out = ch;
	*nout = n;
	for (i = 0; i < n; i++) {
		enum protect_kind k;
		const char *id;

		if (ch[i].mode == 0 && protect_object_of(&c->a, ch[i].path, &k, &id) &&
		    protect_require(c, k, id) < 0)
			return -1;
	}
	p = c->prot;
	if (p == NULL || p->n == 0)
		return 0;
	v = arena_alloc(&c->a, (n + p->n) * sizeof *v);
	memcpy(v, ch, n * sizeof *v);
	for (j = 0; j < p->n; j++) {
		int rc = protect_reseal(&c->a, c->root, p->v[j].k, p->v[j].id, &p->v[j].rec,
					p->pw, p->pwlen, ch, n, &v[m], &c->err);

		if (rc < 0)
			return -1;
		m += (size_t)rc;
	}
	/* Signed: the password has done its work, and a later change in the
	 * same run would have to ask for it again. */
	protect_forget(c);
	p->n = 0;
	*out = v;
	*nout = m;
	return 0;
}

/* ---- the commands ---- */

static int
one_id(struct cmd_ctx *c, int argc, char **argv, const char **id)
{
	int k;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return -1;
	if (argc - k != 1) {
		usage_error(c, argc - k < 1 ? "missing id" : "too many arguments");
		return -1;
	}
	*id = argv[k];
	if (!ws_valid_id(*id)) {
		usage_error(c, "invalid id '%s'", *id);
		return -1;
	}
	return 0;
}

static int
protect_cmd(int argc, char **argv, struct cmd_ctx *c, enum protect_kind k)
{
	struct protect_rec r;
	struct txn_change ch;
	const char *id, *object;
	char *full;
	int had, exists, rc = -1;

	if (one_id(c, argc, argv, &id) < 0)
		return DRIP_EUSAGE;
	if (k == PROTECT_SEQ && owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0)
		return -1;
	if ((had = protect_load(&c->a, c->root, k, id, &r, &c->err)) < 0)
		return -1;
	object = protect_object_path(&c->a, k, id);
	full = ws_path(c, object);
	exists = fsio_exists(full);
	free(full);
	if (!exists)
		return err_set(&c->err, DRIP_ENOINPUT, object, 0, 0, "no such file");
	/* Protecting again signs the file as it is now: the way to accept an
	 * edit made outside drip, for whoever has the password. */
	if (password(c, arena_printf(&c->a, "%s %s '%s'", had ? "protected" : "protecting",
				     what(k), id), !had) < 0)
		goto out;
	if (had && protect_unlock(&r, c->prot->pw, c->prot->pwlen, &c->err) < 0)
		goto out;
	rc = protect_reseal(&c->a, c->root, k, id, had ? &r : NULL, c->prot->pw,
			    c->prot->pwlen, NULL, 0, &ch, &c->err);
	protect_forget(c);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		if (!c->quiet)
			printf("%s '%s' is protected already\n", what(k), id);
		goto out;
	}
	rc = ws_apply(c, &ch, 1, arena_printf(&c->a, "%s protect %s%s",
					      k == PROTECT_SEQ ? "seq" : "automate", id,
					      had ? ": signed again" : ""));
	if (rc == 0 && !c->quiet)
		printf("%s '%s' %s\n", what(k), id, had ? "signed again" : "protected");
out:
	protect_forget(c);
	return rc;
}

static int
unprotect_cmd(int argc, char **argv, struct cmd_ctx *c, enum protect_kind k)
{
	struct protect_rec r;
	struct txn_change ch;
	const char *id;
	int had, rc;

	if (one_id(c, argc, argv, &id) < 0)
		return DRIP_EUSAGE;
	if (k == PROTECT_SEQ && owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0)
		return -1;
	if ((had = protect_load(&c->a, c->root, k, id, &r, &c->err)) < 0)
		return -1;
	if (had == 0)
		return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "%s '%s' is not protected",
			       what(k), id);
	if (password(c, arena_printf(&c->a, "protected %s '%s'", what(k), id), 0) < 0)
		return -1;
	rc = protect_unlock(&r, c->prot->pw, c->prot->pwlen, &c->err);
	protect_forget(c);
	if (rc < 0)
		return -1;
	ch.path = r.path;
	ch.data = NULL;
	ch.len = 0;
	ch.mode = 0;
	rc = ws_apply(c, &ch, 1, arena_printf(&c->a, "%s unprotect %s",
					      k == PROTECT_SEQ ? "seq" : "automate", id));
	if (rc == 0 && !c->quiet)
		printf("%s '%s' is no longer protected\n", what(k), id);
	return rc;
}

int
cmd_seq_protect(int argc, char **argv, struct cmd_ctx *c)
{
	return protect_cmd(argc, argv, c, PROTECT_SEQ);
}

int
cmd_seq_unprotect(int argc, char **argv, struct cmd_ctx *c)
{
	return unprotect_cmd(argc, argv, c, PROTECT_SEQ);
}

int
cmd_automate_protect(int argc, char **argv, struct cmd_ctx *c)
{
	return protect_cmd(argc, argv, c, PROTECT_AUTO);
}

int
cmd_automate_unprotect(int argc, char **argv, struct cmd_ctx *c)
{
	return unprotect_cmd(argc, argv, c, PROTECT_AUTO);
}
