/*
 * seqedit.c - a sequence file's steps edited in place.
 *
 * What is generic about editing YAML text (where lines begin and end, flow
 * and block style, line endings) is in formats/yedit.c; this file knows
 * where a step and its automations are in a sequence and what the result
 * must say.
 */
#include "seqedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "err.h"
#include "fsio.h"
#include "lint.h"
#include "sbuf.h"
#include "seq.h"

static const struct ynode *
item_id(const struct ynode *item)
{
	const struct ynode *n = ydoc_get(item, "id");

	return n && n->kind == YNODE_SCALAR ? n : NULL;
}

/* Find w->sid and its automations in w->doc. */
static int
find_step(struct seqedit *w, struct drip_err *err)
{
	const struct ynode *root = w->doc.root, *steps = NULL;
	const char **ids = NULL;
	size_t i, nids = 0;
	char msg[512];

	w->step = w->autos = w->steps_key = NULL;
	if (root && root->kind == YNODE_MAP)
		for (i = 0; i < root->n; i++)
			if (strcmp(root->pairs[i].key->str, "steps") == 0) {
				w->steps_key = root->pairs[i].key;
				steps = root->pairs[i].val;
			}
	w->steps = steps;
	if (steps && steps->kind == YNODE_SEQ) {
		ids = arena_alloc(w->a, (steps->n + 1) * sizeof *ids);
		for (i = 0; i < steps->n; i++) {
			const struct ynode *idn = item_id(steps->items[i]);

			if (idn == NULL)
				continue;
			ids[nids++] = idn->str;
			if (strcmp(idn->str, w->sid) == 0 && w->step == NULL)
				w->step = steps->items[i];
		}
	}
	if (w->step == NULL) {
		snprintf(msg, sizeof msg, "no step '%s' in sequence '%s'", w->sid, w->seq);
		suggest_append(msg, sizeof msg, w->sid, ids, nids);
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
	}
	w->autos = ydoc_get(w->step, "automations");
	return 0;
}

int
seqedit_load(struct seqedit *w, struct arena *a, const char *root, const char *seq,
	     const char *sid, struct drip_err *err)
{
	char *full;
	int rc;

	memset(w, 0, sizeof *w);
	w->a = a;
	w->seq = seq;
	w->sid = sid;
	w->rel = arena_printf(a, "sequences/%s.yaml", seq);
	full = fsio_join(root, w->rel);
	if (!fsio_exists(full)) {
		free(full);
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0,
			       "no sequence '%s' (%s does not exist)", seq, w->rel);
	}
	rc = ydoc_load_file(a, full, &w->doc, err);
	free(full);
	if (rc < 0)
		return -1;
	w->doc.file = w->rel;
	if (find_step(w, err) < 0)
		return -1;
	/* New lists are indented as the file indents `steps:`'s. */
	w->off = yedit_list_offset(&w->doc, w->steps_key, w->steps);
	return 0;
}

long
seqedit_auto_index(const struct seqedit *w, const char *id)
{
	size_t i;

	if (w->autos == NULL || w->autos->kind != YNODE_SEQ)
		return -1;
	for (i = 0; i < w->autos->n; i++) {
		const struct ynode *idn = item_id(w->autos->items[i]);

		if (idn && strcmp(idn->str, id) == 0)
			return (long)i;
	}
	return -1;
}

int
seqedit_check_new(const struct seqedit *w, const char *id, struct drip_err *err)
{
	long i = seqedit_auto_index(w, id);
	const struct ynode *idn;

	if (i < 0)
		return 0;
	idn = item_id(w->autos->items[i]);
	return err_set(err, DRIP_EDATA, w->rel, idn->line, idn->col,
		       "step '%s' already has an automation '%s'", w->sid, id);
}

static size_t
nautos(const struct seqedit *w)
{
	return w->autos && w->autos->kind == YNODE_SEQ ? w->autos->n : 0;
}

/* Parse the spliced text again: the step must now have want automations,
 * with id among them or not (present).  Guards against a layout the
 * splice did not foresee. */
static int
check_spliced(const struct seqedit *w, const char *id, const struct sbuf *text, size_t want,
	      int present, struct drip_err *err)
{
	struct seqedit w2 = *w;
	struct drip_err e;

	if (ydoc_load(w->a, w->rel, sbuf_str(text), text->len, &w2.doc, &e) < 0)
		return err_set(err, DRIP_EDATA, w->rel, e.line, e.col,
			       "the edited file would not parse (%s); edit it by hand", e.msg);
	if (find_step(&w2, &e) < 0)
		return err_set(err, DRIP_EFAIL, w->rel, 0, 0,
			       "the edited file lost step '%s'; edit it by hand", w->sid);
	if (nautos(&w2) != want || (seqedit_auto_index(&w2, id) >= 0) != present)
		return err_set(err, DRIP_EFAIL, w->rel, w->step->line, w->step->col,
			       "the layout of step '%s' is too unusual to edit safely; edit it "
			       "by hand", w->sid);
	return 0;
}

int
seqedit_add(struct seqedit *w, const char *id, const char *block, const char *flow,
	    struct sbuf *out, struct drip_err *err)
{
	struct yedit_ctx y;
	int rc;

	yedit_init(&y, w->a, &w->doc);
	y.off = w->off;
	y.noun = "automation";
	rc = yedit_append(&y, w->step, "automations", block, flow, err);
	/* A flow-style place takes only flow text, which --from FILE has only
	 * when the file writes the automation so. */
	if (rc == YEDIT_EFLOWMAP || rc == YEDIT_EFLOWLIST)
		return err_set(err, DRIP_EDATA, w->rel, err->line, err->col,
			       "%s written in flow style (%s): --from needs a file whose "
			       "automation is in flow style too ({id: ..., ...}); edit %s by hand",
			       arena_printf(w->a, rc == YEDIT_EFLOWMAP ? "step '%s' is" :
					    "the automations of step '%s' are", w->sid),
			       rc == YEDIT_EFLOWMAP ? "{...}" : "[...]", w->rel);
	if (rc < 0 || yedit_apply(&y, out, err) < 0)
		return -1;
	return check_spliced(w, id, out, nautos(w) + 1, 1, err);
}

int
seqedit_rm(struct seqedit *w, const char *id, struct sbuf *out, struct drip_err *err)
{
	struct yedit_ctx y;
	const char **names;
	long idx = seqedit_auto_index(w, id);
	size_t i, n = nautos(w);
	char msg[512];

	if (idx < 0) {
		names = arena_alloc(w->a, (n + 1) * sizeof *names);
		for (i = 0; i < n; i++) {
			const struct ynode *idn = item_id(w->autos->items[i]);

			names[i] = idn ? idn->str : NULL;
		}
		snprintf(msg, sizeof msg, "no automation '%s' in step '%s' of sequence '%s'",
			 id, w->sid, w->seq);
		suggest_append(msg, sizeof msg, id, names, n);
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
	}
	yedit_init(&y, w->a, &w->doc);
	y.noun = "automation";
	if (yedit_remove(&y, w->step, "automations", (size_t)idx, err) < 0 ||
	    yedit_apply(&y, out, err) < 0)
		return -1;
	return check_spliced(w, id, out, n - 1, 0, err);
}

static int
write_file(const char *path, const struct sbuf *text, struct drip_err *err)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (f == NULL)
		return err_sys(err, DRIP_EFAIL, path, "cannot create");
	bad = fwrite(sbuf_str(text), 1, text->len, f) != text->len;
	if (fclose(f) != 0 || bad)
		return err_sys(err, DRIP_EFAIL, path, "cannot write");
	return 0;
}

int
seqedit_lint(const struct seqedit *w, struct lint_ctx *l, const char *root,
	     const struct sbuf *text, const char *verb, const char *id, struct drip_err *err)
{
	return seqedit_lint_text(w->a, w->seq, l, root, text,
				 arena_printf(w->a, "%s automation '%s'", verb, id), err);
}

/* Does the file rel as it is now (before the edit) have an error saying
 * msg?  Then the edit is refused for what it did not do (drip.yaml without
 * from:, say), and the message can say so. */
static int
had_before(struct arena *a, struct lint_ctx *l, const char *root, const char *rel,
	   const char *msg)
{
	struct lint_ctx before = *l;
	struct diags d;
	char *full = fsio_join(root, rel);
	size_t i;
	int found = 0;

	diag_init(&d, a);
	before.d = &d;
	before.seen = NULL;	/* every template checked again, for this file */
	before.nseen = before.capseen = 0;
	if (fsio_exists(full))
		lint_file(&before, full, rel);
	free(full);
	for (i = 0; i < d.n && !found; i++)
		found = d.v[i].sev == DIAG_ERROR && strcmp(d.v[i].msg, msg) == 0;
	return found;
}

/* The line of drip.yaml (1-based) where key goes: its line, set or
 * commented out as `drip init` writes it, at the top level (top) or
 * indented under links:, else the line of "links:" for an indented one;
 * 0 when none. */
static int
yaml_key_line(const char *root, const char *key, int top)
{
	char *full = fsio_join(root, "drip.yaml"), line[512];
	FILE *f = fopen(full, "r");
	int n = 0, found = 0, links = 0;
	size_t klen = strlen(key);

	free(full);
	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		const char *p = line;

		n++;
		if (strncmp(line, "links:", 6) == 0)
			links = n;
		while (*p == ' ')
			p++;
		if ((p == line) != top)
			continue;
		/* "# from:" commented out, not "#   from:" of a commented block */
		if (*p == '#' && *++p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			found = n;
	}
	fclose(f);
	return found ? found : top ? 0 : links;
}

/* " (drip.yaml:N)", or "" when the line is not known. */
static const char *
at_line(struct arena *a, int n)
{
	return n ? arena_printf(a, " (drip.yaml:%d)", n) : "";
}

/*
 * When every error is drip.yaml lacking what email needs (a fresh `drip
 * init` sets neither from: nor links.base_url), what to add to drip.yaml
 * and where, for the message; "" otherwise.
 */
static const char *
mail_setup(struct arena *a, const struct diags *d, const char *root)
{
	int from = 0, base = 0;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const char *m = d->v[i].msg;

		if (d->v[i].sev != DIAG_ERROR)
			continue;
		if (strncmp(m, SEQ_WHY_NO_FROM, strlen(SEQ_WHY_NO_FROM)) == 0)
			from = 1;
		else if (strncmp(m, SEQ_WHY_NO_BASE_URL, strlen(SEQ_WHY_NO_BASE_URL)) == 0)
			base = 1;
		else
			return "";
	}
	if (from && base)
		return arena_printf(a, "; add to drip.yaml from: \"Name <address>\"%s and "
				    "base_url: under links:%s",
				    at_line(a, yaml_key_line(root, "from", 1)),
				    at_line(a, yaml_key_line(root, "base_url", 0)));
	if (from)
		return arena_printf(a, "; add to drip.yaml from: \"Name <address>\"%s, or a "
				    "From: header to the template",
				    at_line(a, yaml_key_line(root, "from", 1)));
	if (base)
		return arena_printf(a, "; add to drip.yaml base_url: under links:%s",
				    at_line(a, yaml_key_line(root, "base_url", 0)));
	return "";
}

int
seqedit_lint_text(struct arena *a, const char *seq, struct lint_ctx *l, const char *root,
		  const struct sbuf *text, const char *what, struct drip_err *err)
{
	char *dir = fsio_join(root, ".drip/automate-XXXXXX"), *path = NULL;
	const char *rel = arena_printf(a, "sequences/%s.yaml", seq);
	struct diags *d = l->d;
	size_t i;
	int rc = -1;

	if (mkdtemp(dir) == NULL) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot create a temporary directory in .drip");
		free(dir);
		return -1;
	}
	path = fsio_join(dir, arena_printf(a, "%s.yaml", seq));
	if (write_file(path, text, err) < 0)
		goto out;
	lint_file(l, path, rel);
	diag_sort(d);
	rc = 0;
	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->sev != DIAG_ERROR)
			continue;
		rc = err_set(err, DRIP_EDATA, g->file, g->line, g->col,
			     "cannot %s: %s%s%s%s", what, g->msg,
			     d->nerr > 1 ? arena_printf(a, " (and %zu more error%s)",
							d->nerr - 1, d->nerr == 2 ? "" : "s") : "",
			     mail_setup(a, d, root),
			     had_before(a, l, root, rel, g->msg) ?
			     "; the sequence has it before this edit too: 'drip seq lint' "
			     "shows what to fix first" : "");
		break;
	}
out:
	unlink(path);
	if (rmdir(dir) != 0 && rc == 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove %s", dir);
	free(path);
	free(dir);
	return rc;
}

int
seqedit_from_file(struct arena *a, const char *path, const char *id, struct sbuf *block,
		  struct sbuf *flow, int *have_flow, struct drip_err *err)
{
	struct ydoc fd;
	const struct ynode *root, *idn;
	const char *text;
	size_t len;

	if (ydoc_load_file(a, path, &fd, err) < 0)
		return -1;
	root = fd.root;
	if (root == NULL || root->kind != YNODE_MAP)
		return err_set(err, DRIP_EDATA, path, root ? root->line : 0,
			       root ? root->col : 0, "--from: the file must hold one automation "
			       "(a mapping), not %s", ydoc_kind_name(root));
	idn = ydoc_get(root, "id");
	if (idn && (idn->kind != YNODE_SCALAR || strcmp(idn->str, id) != 0))
		return err_set(err, DRIP_EDATA, path, idn->line, idn->col,
			       "--from: the automation's id \"%s\" is not \"%s\", the ID given",
			       idn->kind == YNODE_SCALAR ? idn->str : "", id);
	text = fd.src + root->start;
	len = root->end - root->start;
	if (yedit_is_flow(&fd, root)) {
		if (idn)
			sbuf_add(flow, text, len);
		else if (root->n)
			sbuf_printf(flow, "{id: %s, %.*s", id, (int)(len - 1), text + 1);
		else
			sbuf_printf(flow, "{id: %s}", id);
		*have_flow = 1;
		yedit_reindent(block, sbuf_str(flow), flow->len, (size_t)root->col - 1);
	} else {
		if (!idn)
			sbuf_printf(block, "id: %s\n", id);
		yedit_reindent(block, text, len, (size_t)root->col - 1);
	}
	return 0;
}

void
seqedit_new(struct sbuf *yaml, struct sbuf *tmpl, const char *id, const char *name,
	    const char *kind, const char *tpl, int year)
{
	sbuf_printf(yaml, "# A draft: edit it, check it with `drip seq lint`, and start it with\n"
		    "# `drip seq publish %s`.  drip-files(5) describes every key.\n", id);
	sbuf_printf(yaml, "id: %s\nname: ", id);
	ydoc_quote(yaml, name ? name : id);
	sbuf_printf(yaml, "\nkind: %s\n", kind);
	sbuf_adds(yaml, "description: \"\"\n# owners: [you@example.com]\n"
		  "# send_window: {days: [mon, tue, wed, thu, fri], from: \"09:00\", to: \"17:00\"}\n"
		  "reenroll: never\nremove_on: [reply, unsubscribe]\nsteps:\n");
	if (strcmp(kind, "step") == 0)
		sbuf_printf(yaml, "  - id: first\n    type: email\n    name: First message\n"
			    "    wait: 0\n    template: %s\n", tpl);
	else
		sbuf_printf(yaml, "  # on: {field: renewal_date, offset: -3d} fires relative to a "
			    "date column instead.\n"
			    "  - id: first\n    type: email\n    name: First message\n"
			    "    on: %04d-12-24\n    annually: true\n"
			    "    template: %s\n", year, tpl);
	sbuf_printf(tmpl, "Subject: Hello {{first_name | \"there\"}}\n\n"
		    "Hello {{first_name | \"there\"}},\n\n"
		    "This is the first message of %s.\n", name ? name : id);
}
