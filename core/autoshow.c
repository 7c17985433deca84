/*
 * autoshow.c - automations for people: what `drip automate list|show|
 * review` print, in SPEC §3.6's plain words.
 */
#include "autoshow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "defs.h"
#include "diag.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "schema.h"
#include "ydoc.h"

static const char *const on_names[] = { "enter", "complete", "pending" };

const char *
autoshow_on(enum trigger on)
{
	return on_names[on];
}

/* "a", "a and b", "a, b and c". */
static const char *
join_words(struct arena *ar, const char *const *v, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sbuf_adds(&sb, i + 1 == n ? " and " : ", ");
		sbuf_adds(&sb, v[i]);
	}
	res = arena_strdup(ar, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

static const char *
dur_text(struct arena *ar, const struct dur *d)
{
	char buf[DUR_WORDS_MAX];

	dur_words(d, buf, sizeof buf);
	return arena_strdup(ar, buf);
}

/* SPEC §3.6's plain words for when an automation fires. */
const char *
autoshow_schedule(struct arena *ar, const struct step_auto *a)
{
	const char *every, *s;

	switch (a->on) {
	case TRIG_ENTER:
		if (dur_is_zero(&a->after))
			return "On entering the step";
		return arena_printf(ar, "%s after entering the step", dur_text(ar, &a->after));
	case TRIG_COMPLETE:
		return "When the step completes";
	case TRIG_PENDING:
		break;
	}
	s = arena_printf(ar, "After %s pending", dur_text(ar, &a->after));
	if (!a->has_repeat)
		return s;
	every = dur_text(ar, &a->every);
	/* "every week" reads better than "every 1 week". */
	if (strncmp(every, "1 ", 2) == 0 && strchr(every + 2, ' ') == NULL)
		every += 2;
	return arena_printf(ar, "%s, then repeats every %s, up to %d time%s", s, every,
			    a->times, a->times == 1 ? "" : "s");
}

/* Text in double quotes, on one line: line breaks and other control
 * characters are written as escapes. */
static const char *
quoted(struct arena *ar, const char *s)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;

	sbuf_addc(&sb, '"');
	for (; s && *s; s++) {
		if (*s == '\n')
			sbuf_adds(&sb, "\\n");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sbuf_printf(&sb, "\\x%02x", (unsigned char)*s);
		else if (*s == '"' || *s == '\\')
			sbuf_printf(&sb, "\\%c", *s);
		else
			sbuf_addc(&sb, *s);
	}
	sbuf_addc(&sb, '"');
	res = arena_strdup(ar, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

/* "add the tag cold and remove the tags a and b". */
static const char *
list_words(struct arena *ar, const struct action *a, const char *noun)
{
	const char *parts[2];
	size_t n = 0;

	if (a->nadd)
		parts[n++] = arena_printf(ar, "add the %s%s %s", noun, a->nadd > 1 ? "s" : "",
					  join_words(ar, a->add, a->nadd));
	if (a->nremove)
		parts[n++] = arena_printf(ar, "remove the %s%s %s", noun,
					  a->nremove > 1 ? "s" : "",
					  join_words(ar, a->remove, a->nremove));
	return join_words(ar, parts, n);
}

/* One action in plain words, as `automate show` prints it. */
const char *
autoshow_action(struct arena *ar, const struct action *a)
{
	char d[DUR_WORDS_MAX];
	const char *s, *tell[2];
	size_t i, n = 0;

	switch (a->kind) {
	case ACT_NOTIFY:
		s = arena_printf(ar, "notify %s with %s", a->to ? a->to : "the contact",
				 a->template ? a->template : "?");
		if (a->still_interested)
			s = arena_printf(ar, "%s, with Still interested links", s);
		if (a->coordinator)
			tell[n++] = "the coordinator";
		if (a->watchers)
			tell[n++] = "the watchers";
		if (n)
			s = arena_printf(ar, "%s, and tell %s", s, join_words(ar, tell, n));
		return s;
	case ACT_TAG:
		return list_words(ar, a, "tag");
	case ACT_SITE:
		return list_words(ar, a, "site");
	case ACT_OPPORTUNITY:
		return list_words(ar, a, "opportunity");
	case ACT_SET: {
		const char **v = arena_alloc(ar, (a->nset + 1) * sizeof *v);

		for (i = 0; i < a->nset; i++)
			v[i] = arena_printf(ar, "%s to %s", a->set[i].key,
					    quoted(ar, a->set[i].value));
		return arena_printf(ar, "set %s", join_words(ar, v, a->nset));
	}
	case ACT_NOTE:
		return arena_printf(ar, "add the note %s", quoted(ar, a->text));
	case ACT_MARK_INACTIVE:
		return "mark the contact inactive";
	case ACT_REMOVE_FROM_SEQUENCE:
		if (a->text)
			return arena_printf(ar, "remove the contact from sequence %s", a->text);
		return "remove the contact from this sequence";
	case ACT_ARCHIVE:
		return "archive the contact";
	case ACT_ADD_TO_LIST:
		return arena_printf(ar, "add the contact to the list %s", a->text);
	case ACT_ENROLL:
		return arena_printf(ar, "enroll the contact in sequence %s", a->text);
	case ACT_UNENROLL:
		return arena_printf(ar, "unenroll the contact from sequence %s", a->text);
	case ACT_UNSUBSCRIBE:
		return "unsubscribe the contact";
	case ACT_COMPLETE_STEP:
		return "complete the step";
	case ACT_TASK:
		s = arena_printf(ar, "add a %stask %s",
				 a->task_kind && strcmp(a->task_kind, "call") == 0 ? "call " :
				 a->task_kind && strcmp(a->task_kind, "manual_email") == 0 ?
				 "manual email " : "", quoted(ar, a->subject));
		if (a->assignee)
			s = arena_printf(ar, "%s for %s", s, a->assignee);
		if (a->has_due) {
			dur_words(&a->due, d, sizeof d);
			s = arena_printf(ar, "%s, due in %s", s, d);
		}
		if (a->template)
			s = arena_printf(ar, "%s, with %s", s, a->template);
		return s;
	case ACT_RUN:
		/* The command as argv, one word after the other. */
		s = "run";
		for (i = 0; i < a->argc; i++)
			s = arena_printf(ar, "%s %s", s, a->argv[i]);
		return s;
	case ACT_WAIT:
		dur_words(&a->wait, d, sizeof d);
		return arena_printf(ar, "wait %s", d);
	case ACT_COUNT:
		break;
	}
	return "?";
}

/* A sequence automation's trigger in plain words. */
const char *
autoshow_trigger(struct arena *ar, const struct autom *m)
{
	const char *in = m->sequence ? arena_printf(ar, " in sequence %s", m->sequence) : "";
	const char *w = "?";

	switch (m->trigger) {
	case AT_ENROLLED:
		w = arena_printf(ar, "When the contact enrolls%s", in);
		break;
	case AT_STEP_ENTERED:
	case AT_STEP_COMPLETED:
		w = arena_printf(ar, "When the contact %s %s%s",
				 m->trigger == AT_STEP_ENTERED ? "enters" : "completes",
				 m->step ? arena_printf(ar, "step %s", m->step) : "a step", in);
		break;
	case AT_COMPLETED:
		w = arena_printf(ar, "When the contact finishes a sequence%s", in);
		break;
	case AT_REMOVED:
		w = arena_printf(ar, "When the contact is removed from a sequence%s", in);
		break;
	case AT_TAG_ADDED:
	case AT_TAG_REMOVED:
		w = arena_printf(ar, "When the tag %s is %s", m->tag,
				 m->trigger == AT_TAG_ADDED ? "added" : "removed");
		break;
	case AT_FIELD_CHANGED:
		w = m->to ? arena_printf(ar, "When %s changes to %s", m->field, quoted(ar, m->to)) :
		    arena_printf(ar, "When %s changes", m->field);
		break;
	case AT_CONTACT_CREATED:
		w = "When a contact is added";
		break;
	case AT_EXTERNAL:
		w = arena_printf(ar, "On the event %s%s", m->event, in);
		break;
	case AT_RESPONSE:
		w = m->answer ? arena_printf(ar, "When the contact answers %s", m->answer) :
		    "When the contact answers";
		break;
	case AT_DATE: {
		struct dur ab = m->offset;
		int neg = ab.months < 0 || ab.days < 0 || ab.secs < 0;
		const char *off;

		if (neg) {
			ab.months = -ab.months;
			ab.days = -ab.days;
			ab.secs = -ab.secs;
		}
		off = dur_is_zero(&ab) ? "On" : arena_printf(ar, "%s %s", dur_text(ar, &ab),
							     neg ? "before" : "after");

		w = arena_printf(ar, "%s %s%s%s", off, m->date_field,
				 m->at >= 0 ? arena_printf(ar, " at %02d:%02d", m->at / 60,
							   m->at % 60) : "",
				 m->annually ? ", every year" : "");
		break;
	}
	}
	if (m->and_.src)
		w = arena_printf(ar, "%s, if %s", w, m->and_.src);
	if (m->or_.src)
		w = arena_printf(ar, "%s; or when %s becomes true", w, m->or_.src);
	return w;
}

/*
 * Load DIR/ID.yaml for reading (what kind names it in the message) and set
 * up a schema whose findings are dropped: problems beyond YAML syntax do
 * not stop list and show, which show what parsed, as the file says.
 * Returns 0, or -1 with e filled when the file is missing (66) or is not
 * YAML (65).
 */
static int
load_for_show(struct arena *ar, const char *root, const char *dir, const char *kind,
	      const char *id, struct ydoc *doc, struct schema *s, struct drip_err *e)
{
	const char *rel = arena_printf(ar, "%s/%s.yaml", dir, id);
	char *full = fsio_join(root, rel);
	int there = fsio_exists(full);

	free(full);
	if (!there)
		return err_set(e, DRIP_ENOINPUT, NULL, 0, 0, "no %s '%s' (%s does not exist)",
			       kind, id, rel);
	return defs_load_doc(ar, root, rel, doc, s, arena_alloc(ar, sizeof(struct diags)), e);
}

/* sequences/ID.yaml, parsed; NULL and e filled as load_for_show says. */
struct seq *
autoshow_seq(struct arena *ar, const char *root, const char *id, struct drip_err *e)
{
	struct ydoc doc;
	struct schema s;

	if (load_for_show(ar, root, "sequences", "sequence", id, &doc, &s, e) < 0)
		return NULL;
	return seq_parse(&s, &doc);
}

/* automations/ID.yaml, parsed, or NULL when it is gone or not YAML (the
 * review queue still shows its rows). */
const struct autom *
autoshow_auto(struct arena *ar, const char *root, const char *id)
{
	struct ydoc doc;
	struct schema s;
	struct drip_err e;

	if (load_for_show(ar, root, "automations", "automation", id, &doc, &s, &e) < 0)
		return NULL;
	return autom_parse(&s, &doc);
}

const struct step_auto *
autoshow_step_auto(struct arena *ar, const struct seq *q, const char *seq, const char *sid,
		   const char *id, struct drip_err *e)
{
	const struct step *st;
	const char **names;
	char msg[512];
	long si;
	size_t i;

	if ((si = seq_step_index(q, sid)) < 0) {
		names = arena_alloc(ar, (q->nsteps + 1) * sizeof *names);
		for (i = 0; i < q->nsteps; i++)
			names[i] = q->steps[i].id;
		snprintf(msg, sizeof msg, "no step '%s' in sequence '%s'", sid, seq);
		suggest_append(msg, sizeof msg, sid, names, q->nsteps);
		err_set(e, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
		return NULL;
	}
	st = &q->steps[si];
	names = arena_alloc(ar, (st->nautos + 1) * sizeof *names);
	for (i = 0; i < st->nautos; i++) {
		names[i] = st->autos[i].id;
		if (st->autos[i].id && strcmp(st->autos[i].id, id) == 0)
			return &st->autos[i];
	}
	snprintf(msg, sizeof msg, "no automation '%s' in step '%s' of sequence '%s'", id, sid,
		 seq);
	suggest_append(msg, sizeof msg, id, names, st->nautos);
	err_set(e, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
	return NULL;
}

void
autoshow_table_init(struct arena *ar, struct autoshow_table *t)
{
	static const char *const head[AUTOSHOW_NCOLS] = { "sequence", "step", "id", "on",
							  "schedule", "actions" };

	t->cells = arena_alloc(ar, sizeof head);
	memcpy(t->cells, head, sizeof head);
	t->nrows = 1;
}

/* A new row at the end of t. */
static const char **
table_row(struct arena *ar, struct autoshow_table *t)
{
	t->cells = arena_grow(ar, t->cells, t->nrows * AUTOSHOW_NCOLS,
			      (t->nrows + 1) * AUTOSHOW_NCOLS, sizeof *t->cells);
	return t->cells + t->nrows++ * AUTOSHOW_NCOLS;
}

void
autoshow_table_seq(struct arena *ar, struct autoshow_table *t, const char *seq,
		   const struct seq *q)
{
	size_t j, m;

	for (j = 0; j < q->nsteps; j++)
		for (m = 0; m < q->steps[j].nautos; m++) {
			const struct step_auto *a = &q->steps[j].autos[m];
			const char **row;

			if (a->id == NULL)
				continue;
			row = table_row(ar, t);
			row[0] = seq;
			row[1] = q->steps[j].id ? q->steps[j].id : "";
			row[2] = a->id;
			row[3] = autoshow_on(a->on);
			row[4] = autoshow_schedule(ar, a);
			row[5] = arena_printf(ar, "%zu", a->nactions);
		}
}

void
autoshow_table_auto(struct arena *ar, struct autoshow_table *t, const struct autom *m)
{
	const char **row;

	if (m == NULL || m->id == NULL)
		return;
	row = table_row(ar, t);
	row[0] = m->sequence ? m->sequence : "";
	row[1] = "";
	row[2] = m->id;
	row[3] = m->trigger == AT_DATE ? "date" : m->event ? m->event : "";
	row[4] = autoshow_trigger(ar, m);
	row[5] = arena_printf(ar, "%zu", m->nactions);
}
