/*
 * stepedit.c - a sequence file's steps edited in place.
 *
 * What is generic about editing YAML text (lines, flow and block style,
 * line endings) is in formats/yedit.c; this file knows where the steps are,
 * what type each key's value has, which steps name others, and what the
 * result must say.  Every edit is checked by parsing its result again: a
 * layout the splice did not foresee is refused rather than written.
 */
#include "stepedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "autospec.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "ws.h"
#include "yedit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What a key's value is, for typing what the command line gives. */
enum vtype {
	VT_STR,		/* a string, quoted as needed */
	VT_EXPR,	/* an expression: a string */
	VT_DUR,		/* a duration */
	VT_TIME,	/* HH:MM, written quoted */
	VT_BOOL,	/* true or false */
	VT_LIST,	/* a flow list of strings */
	VT_STEP,	/* a step id */
	VT_ACTIONS,	/* a rule's then/else: actions */
	VT_ON,		/* a date step's on: a date or a flow mapping */
	VT_TYPE,	/* a step type */
	VT_FIXED	/* not set this way */
};

static const struct {
	const char *key;
	enum vtype t;
} key_types[] = {
	{ "wait", VT_DUR }, { "due", VT_DUR }, { "timeout", VT_DUR }, { "at", VT_TIME },
	{ "block", VT_BOOL }, { "annually", VT_BOOL }, { "days", VT_LIST },
	{ "fields", VT_LIST }, { "to", VT_STEP }, { "on_timeout", VT_STEP },
	{ "when", VT_EXPR }, { "if", VT_EXPR }, { "until", VT_EXPR }, { "on", VT_ON },
	{ "type", VT_TYPE }, { "id", VT_FIXED }, { "automations", VT_FIXED },
	{ "variants", VT_FIXED },
};

static enum vtype
key_type(enum step_type type, const char *key)
{
	size_t i;

	if (strcmp(key, "then") == 0 || strcmp(key, "else") == 0)
		return type == STEP_RULE ? VT_ACTIONS : VT_STEP;
	for (i = 0; i < N(key_types); i++)
		if (strcmp(key_types[i].key, key) == 0)
			return key_types[i].t;
	return VT_STR;
}

static const struct ynode *
id_node(const struct ynode *item)
{
	const struct ynode *n = ydoc_get(item, "id");

	return n && n->kind == YNODE_SCALAR ? n : NULL;
}

/* Find `steps:` and the kind in w->doc. */
static void
find_steps(struct stepedit *w)
{
	const struct ynode *root = w->doc.root, *k;
	size_t i;

	w->steps_key = w->steps = NULL;
	w->kind = SEQ_KIND_STEP;
	if (root == NULL || root->kind != YNODE_MAP)
		return;
	for (i = 0; i < root->n; i++)
		if (strcmp(root->pairs[i].key->str, "steps") == 0) {
			w->steps_key = root->pairs[i].key;
			w->steps = root->pairs[i].val;
		}
	k = ydoc_get(root, "kind");
	if (k && k->kind == YNODE_SCALAR && strcmp(k->str, "date") == 0)
		w->kind = SEQ_KIND_DATE;
}

int
stepedit_load(struct stepedit *w, struct arena *a, const char *root, const char *seq,
	      struct drip_err *err)
{
	char *full;
	int rc;

	memset(w, 0, sizeof *w);
	w->a = a;
	w->seq = seq;
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
	if (w->doc.root == NULL || w->doc.root->kind != YNODE_MAP)
		return err_set(err, DRIP_EDATA, w->rel, w->doc.root ? w->doc.root->line : 0,
			       w->doc.root ? w->doc.root->col : 0,
			       "a sequence file must be a mapping, not %s",
			       ydoc_kind_name(w->doc.root));
	find_steps(w);
	if (w->steps && w->steps->kind != YNODE_SEQ && !ydoc_is_null(w->steps))
		return err_set(err, DRIP_EDATA, w->rel, w->steps->line, w->steps->col,
			       "\"steps\" must be a list, not %s", ydoc_kind_name(w->steps));
	w->off = yedit_list_offset(&w->doc, w->steps_key, w->steps);
	return 0;
}

size_t
stepedit_count(const struct stepedit *w)
{
	return w->steps && w->steps->kind == YNODE_SEQ ? w->steps->n : 0;
}

const char *
stepedit_id(const struct stepedit *w, size_t i)
{
	const struct ynode *n = i < stepedit_count(w) ? id_node(w->steps->items[i]) : NULL;

	return n ? n->str : NULL;
}

static long
index_of(const struct stepedit *w, const char *id)
{
	size_t i;

	for (i = 0; i < stepedit_count(w); i++)
		if (stepedit_id(w, i) && strcmp(stepedit_id(w, i), id) == 0)
			return (long)i;
	return -1;
}

static const char **
all_ids(const struct stepedit *w, size_t *n)
{
	const char **ids = arena_alloc(w->a, (stepedit_count(w) + 1) * sizeof *ids);
	size_t i;

	for (i = 0; i < stepedit_count(w); i++)
		ids[i] = stepedit_id(w, i);
	*n = i;
	return ids;
}

int
stepedit_find(const struct stepedit *w, const char *id, size_t *i, struct drip_err *err)
{
	long k = index_of(w, id);
	const char **ids;
	size_t n;
	char msg[512];

	if (k >= 0) {
		*i = (size_t)k;
		return 0;
	}
	ids = all_ids(w, &n);
	snprintf(msg, sizeof msg, "no step '%s' in sequence '%s'", id, w->seq);
	suggest_append(msg, sizeof msg, id, ids, n);
	return err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
}

static enum step_type
type_of(const struct ynode *step)
{
	const struct ynode *t = ydoc_get(step, "type");
	int k;

	if (t && t->kind == YNODE_SCALAR)
		for (k = 0; k < STEP_TYPE_COUNT; k++)
			if (strcmp(step_type_names[k], t->str) == 0)
				return (enum step_type)k;
	return STEP_EMAIL;
}

enum step_type
stepedit_type(const struct stepedit *w, size_t i)
{
	return i < stepedit_count(w) ? type_of(w->steps->items[i]) : STEP_EMAIL;
}

/* ---- values ---- */

/* s as a YAML string: plain when it reads back the same, else in double
 * quotes, or single quotes when it has double quotes and can have them
 * (an expression such as stage == "Won" reads best so). */
static const char *
put_str(struct arena *a, const char *s)
{
	struct sbuf sb = SBUF_INIT;
	const char *p, *res;
	int ctl = 0;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			ctl = 1;
	if (!yedit_plain_ok(s) && strchr(s, '"') && !strchr(s, '\'') && !ctl)
		return arena_printf(a, "'%s'", s);
	yedit_put_scalar(&sb, s);
	res = arena_strdup(a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

static int
bad_value(struct drip_err *err, const char *key, const char *fmt, const char *a1)
{
	char why[512];

	snprintf(why, sizeof why, fmt, a1);
	return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s: %s", key, why);
}

/* "[a, b]" or "a,b" as a flow list of strings. */
static const char *
list_text(struct arena *a, const char *value)
{
	struct sbuf sb = SBUF_INIT;
	char *s = arena_strdup(a, value), *e, *item, *save = NULL;
	const char *res;
	int first = 1;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	if (*s == '[' && e > s && e[-1] == ']') {
		*--e = '\0';
		s++;
	}
	sbuf_addc(&sb, '[');
	for (item = strtok_r(s, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		e = item + strlen(item);
		while (e > item && e[-1] == ' ')
			*--e = '\0';
		if (*item == '\0')
			continue;
		if (!first)
			sbuf_adds(&sb, ", ");
		sbuf_adds(&sb, put_str(a, item));
		first = 0;
	}
	sbuf_addc(&sb, ']');
	res = arena_strdup(a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

/* One action of a rule, in the compact grammar, as a flow item. */
static int
action_text(struct arena *a, const char *key, const char *spec, const char **text,
	    struct drip_err *err)
{
	struct autospec_act act;
	const char *why;

	if (autospec_action(a, spec, &act, &why) < 0)
		return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s: %s", key, why);
	*text = act.args ? arena_printf(a, "{%s: %s}", act.name, act.args) : act.name;
	return 0;
}

/* Refuse a key that a step of type type cannot have, with a suggestion. */
static int
check_key(const struct stepedit *w, enum step_type type, const char *key,
	  struct drip_err *err)
{
	const char *allowed[SEQ_STEP_KEYS_MAX];
	size_t n = seq_step_keys(w->kind, type, allowed), i;
	char msg[512];

	for (i = 0; i < n; i++)
		if (strcmp(allowed[i], key) == 0)
			return 0;
	snprintf(msg, sizeof msg, "unknown key \"%s\" for %s %s step", key,
		 strchr("aeiou", step_type_names[type][0]) ? "an" : "a", step_type_names[type]);
	suggest_append(msg, sizeof msg, key, allowed, n);
	return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s", msg);
}

int
stepedit_value(const struct stepedit *w, enum step_type type, const char *key,
	       const char *value, const char **text, struct drip_err *err)
{
	char why[256], msg[512];
	struct dur d;
	size_t i;
	int mins, y, m, dd;

	if (check_key(w, type, key, err) < 0)
		return -1;
	*text = NULL;
	if (*value == '\0' && key_type(type, key) != VT_FIXED)
		return 0;	/* removes the key */
	switch (key_type(type, key)) {
	case VT_FIXED:
		return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s cannot be set this way; %s", key,
			       strcmp(key, "id") == 0 ? "a step keeps its id (use 'drip step dup' "
			       "then 'drip step rm' to rename it)" :
			       strcmp(key, "automations") == 0 ? "use 'drip automate add|rm'" :
			       "give variants with 'drip step add --template' or edit the file");
	case VT_DUR:
		if (dur_parse(value, 0, &d, why, sizeof why) < 0)
			return bad_value(err, key, "%s", why);
		*text = value;
		return 0;
	case VT_TIME:
		if (dtime_parse_hhmm(value, &mins, why, sizeof why) < 0)
			return bad_value(err, key, "%s", why);
		*text = arena_printf(w->a, "\"%02d:%02d\"", mins / 60, mins % 60);
		return 0;
	case VT_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
			return bad_value(err, key, "takes true or false, not '%s'", value);
		*text = value;
		return 0;
	case VT_LIST:
		*text = list_text(w->a, value);
		return 0;
	case VT_STEP:
		if (!ws_valid_id(value))
			return bad_value(err, key, "'%s' is not a step id", value);
		*text = put_str(w->a, value);
		return 0;
	case VT_ACTIONS:
		if (action_text(w->a, key, value, text, err) < 0)
			return -1;
		*text = arena_printf(w->a, "[%s]", *text);
		return 0;
	case VT_ON:
		if (value[0] == '{') {
			struct ydoc doc;
			struct drip_err e;

			if (ydoc_load(w->a, key, value, strlen(value), &doc, &e) < 0 ||
			    doc.root == NULL || doc.root->kind != YNODE_MAP)
				return bad_value(err, key, "'%s' is not a date (YYYY-MM-DD) or a "
						 "mapping such as {field: renewal_date, offset: -3d}",
						 value);
			*text = value;
			return 0;
		}
		if (dtime_parse_date(value, &y, &m, &dd, why, sizeof why) < 0)
			return bad_value(err, key, "%s", why);
		*text = value;
		return 0;
	case VT_TYPE:
		for (i = 0; i < STEP_TYPE_COUNT; i++)
			if (strcmp(step_type_names[i], value) == 0) {
				*text = value;
				return 0;
			}
		snprintf(msg, sizeof msg, "unknown step type \"%s\"", value);
		suggest_append(msg, sizeof msg, value, step_type_names, STEP_TYPE_COUNT);
		return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s", msg);
	case VT_STR:
	case VT_EXPR:
		*text = put_str(w->a, value);
		return 0;
	}
	return 0;
}

/* ---- checking what an edit made ---- */

/*
 * Parse text again into w2: it must hold exactly the steps want, in that
 * order.  Guards against a layout the splice did not foresee.
 */
static int
check_result(const struct stepedit *w, const struct sbuf *text, const char *const *want,
	     size_t nwant, struct stepedit *w2, struct drip_err *err)
{
	struct drip_err e;
	size_t i;

	*w2 = *w;
	if (ydoc_load(w->a, w->rel, sbuf_str(text), text->len, &w2->doc, &e) < 0)
		return err_set(err, DRIP_EDATA, w->rel, e.line, e.col,
			       "the edited file would not parse (%s); edit it by hand", e.msg);
	find_steps(w2);
	if (stepedit_count(w2) != nwant)
		goto odd;
	for (i = 0; i < nwant; i++)
		if (!stepedit_id(w2, i) || !want[i] || strcmp(stepedit_id(w2, i), want[i]) != 0)
			goto odd;
	return 0;
odd:
	return err_set(err, DRIP_EFAIL, w->rel, w->steps ? w->steps->line : 0,
		       w->steps ? w->steps->col : 0, "the layout of the steps is too unusual "
		       "to edit safely; edit %s by hand", w->rel);
}

/* The ids with id put at position at. */
static const char **
ids_with(const struct stepedit *w, const char *id, size_t at, size_t *n)
{
	const char **old = all_ids(w, n), **v = arena_alloc(w->a, (*n + 2) * sizeof *v);
	size_t i, k = 0;

	for (i = 0; i <= *n; i++) {
		if (i == at)
			v[k++] = id;
		if (i < *n)
			v[k++] = old[i];
	}
	*n = k;
	return v;
}

static void
edit_init(const struct stepedit *w, struct yedit_ctx *y)
{
	yedit_init(y, w->a, &w->doc);
	y->off = w->off;
	y->noun = "step";
}

/* yedit's refusal of a flow-style place, said for steps. */
static int
flow_refusal(const struct stepedit *w, int rc, struct drip_err *err)
{
	if (rc == YEDIT_EFLOWMAP || rc == YEDIT_EFLOWLIST)
		return err_set(err, DRIP_EDATA, w->rel, err->line, err->col,
			       "the steps are written in a layout that cannot take a new step; "
			       "edit %s by hand", w->rel);
	return -1;
}

/* ---- add ---- */

static int
check_new(const struct stepedit *w, const char *id, struct drip_err *err)
{
	long i = index_of(w, id);
	const struct ynode *n;

	if (i < 0)
		return 0;
	n = id_node(w->steps->items[i]);
	return err_set(err, DRIP_EDATA, w->rel, n->line, n->col,
		       "sequence '%s' already has a step '%s'", w->seq, id);
}

/* Append "key: text" to block and ", key: text" to flow. */
static void
put_pair(struct sbuf *block, struct sbuf *flow, const char *key, const char *text)
{
	sbuf_printf(block, "%s: %s\n", key, text);
	sbuf_printf(flow, ", %s: %s", key, text);
}

int
stepedit_add(struct stepedit *w, const char *id, const char *type,
	     const struct stepedit_kv *kv, size_t n, const char *const *templates,
	     size_t ntemplates, const char *anchor, int after, struct sbuf *out,
	     struct drip_err *err)
{
	struct sbuf block = SBUF_INIT, flow = SBUF_INIT, acts;
	struct yedit_ctx y;
	struct stepedit w2;
	const char *text, **want;
	enum step_type t = STEP_EMAIL;
	size_t i, j, at = stepedit_count(w), nwant;
	int rc = -1, k;

	if (check_new(w, id, err) < 0)
		return -1;
	if (stepedit_value(w, t, "type", type, &text, err) < 0)
		return -1;
	for (k = 0; k < STEP_TYPE_COUNT; k++)
		if (strcmp(step_type_names[k], type) == 0)
			t = (enum step_type)k;
	if (anchor) {
		if (stepedit_find(w, anchor, &j, err) < 0)
			return -1;
		at = j + (after ? 1 : 0);
	}
	sbuf_printf(&block, "id: %s\ntype: %s\n", put_str(w->a, id), type);
	sbuf_printf(&flow, "{id: %s, type: %s", put_str(w->a, id), type);
	for (i = 0; i < n; i++) {
		enum vtype vt = key_type(t, kv[i].key);

		if (*kv[i].value == '\0')
			goto empty;
		for (j = 0; j < i; j++)
			if (strcmp(kv[j].key, kv[i].key) == 0)
				break;
		if (j < i && vt == VT_ACTIONS)
			continue;	/* already gathered below */
		if (j < i || strcmp(kv[i].key, "type") == 0 || strcmp(kv[i].key, "id") == 0) {
			err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s given twice", kv[i].key);
			goto out;
		}
		if (vt == VT_ACTIONS) {
			/* Every action given for then (or else), in order. */
			acts = (struct sbuf)SBUF_INIT;
			for (j = i; j < n; j++) {
				if (strcmp(kv[j].key, kv[i].key) != 0)
					continue;
				if (stepedit_value(w, t, kv[j].key, kv[j].value, &text, err) < 0) {
					sbuf_release(&acts);
					goto out;
				}
				sbuf_printf(&acts, "%s%.*s", acts.len ? ", " : "[",
					    (int)strlen(text) - 2, text + 1);
			}
			sbuf_addc(&acts, ']');
			put_pair(&block, &flow, kv[i].key, sbuf_str(&acts));
			sbuf_release(&acts);
			continue;
		}
		if (stepedit_value(w, t, kv[i].key, kv[i].value, &text, err) < 0)
			goto out;
		put_pair(&block, &flow, kv[i].key, text);
	}
	if (ntemplates == 1) {
		if (stepedit_value(w, t, "template", templates[0], &text, err) < 0)
			goto out;
		put_pair(&block, &flow, "template", text);
	} else if (ntemplates > 1) {
		if (check_key(w, t, "variants", err) < 0)
			goto out;
		sbuf_adds(&block, "variants:\n");
		sbuf_adds(&flow, ", variants: [");
		for (i = 0; i < ntemplates; i++) {
			text = put_str(w->a, templates[i]);
			sbuf_printf(&block, "%*s- {weight: 1, template: %s}\n", (int)w->off, "",
				    text);
			sbuf_printf(&flow, "%s{weight: 1, template: %s}", i ? ", " : "", text);
		}
		sbuf_addc(&flow, ']');
	}
	sbuf_addc(&flow, '}');
	edit_init(w, &y);
	if (anchor)
		rc = yedit_insert(&y, w->steps, j = (size_t)index_of(w, anchor), after,
				  sbuf_str(&block), sbuf_str(&flow), err);
	else
		rc = yedit_append(&y, w->doc.root, "steps", sbuf_str(&block), sbuf_str(&flow),
				  err);
	if (rc < 0) {
		rc = flow_refusal(w, rc, err);
		goto out;
	}
	rc = -1;
	if (yedit_apply(&y, out, err) < 0)
		goto out;
	want = ids_with(w, id, at, &nwant);
	rc = check_result(w, out, want, nwant, &w2, err);
	goto out;
empty:
	err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s needs a value", kv[i].key);
out:
	sbuf_release(&block);
	sbuf_release(&flow);
	return rc;
}

/* ---- set ---- */

int
stepedit_set(struct stepedit *w, const char *id, const struct stepedit_kv *kv, size_t n,
	     struct sbuf *out, struct drip_err *err)
{
	struct yedit_ctx y;
	struct stepedit w2;
	const struct ynode *step, *v;
	const char **texts = arena_alloc(w->a, (n + 1) * sizeof *texts), **want;
	enum step_type t;
	size_t i, j, k, nwant;

	if (stepedit_find(w, id, &i, err) < 0)
		return -1;
	step = w->steps->items[i];
	t = type_of(step);
	/* A new type decides which keys the others may be. */
	for (j = 0; j < n; j++)
		if (strcmp(kv[j].key, "type") == 0 && *kv[j].value)
			for (k = 0; k < STEP_TYPE_COUNT; k++)
				if (strcmp(step_type_names[k], kv[j].value) == 0)
					t = (enum step_type)k;
	edit_init(w, &y);
	for (j = 0; j < n; j++) {
		for (k = 0; k < j; k++)
			if (strcmp(kv[k].key, kv[j].key) == 0)
				return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "%s given twice",
					       kv[j].key);
		if (stepedit_value(w, t, kv[j].key, kv[j].value, &texts[j], err) < 0)
			return -1;
		if (texts[j] == NULL) {
			if (ydoc_get(step, kv[j].key) == NULL)
				return err_set(err, DRIP_EUSAGE, NULL, 0, 0,
					       "step '%s' has no \"%s\" to remove", id, kv[j].key);
			if (yedit_unset(&y, step, kv[j].key, err) < 0)
				return -1;
		} else if (yedit_set(&y, step, kv[j].key, texts[j], err) < 0) {
			return -1;
		}
	}
	if (yedit_apply(&y, out, err) < 0)
		return -1;
	want = all_ids(w, &nwant);
	if (check_result(w, out, want, nwant, &w2, err) < 0)
		return -1;
	step = w2.steps->items[i];
	for (j = 0; j < n; j++) {
		v = ydoc_get(step, kv[j].key);
		if (texts[j] == NULL ? v != NULL :
		    v == NULL || v->end - v->start != strlen(texts[j]) ||
		    memcmp(w2.doc.src + v->start, texts[j], strlen(texts[j])) != 0)
			return err_set(err, DRIP_EFAIL, w->rel, step->line, step->col,
				       "the layout of step '%s' is too unusual to edit safely; "
				       "edit %s by hand", id, w->rel);
	}
	return 0;
}

/* ---- mv, dup, rm ---- */

int
stepedit_mv(struct stepedit *w, const char *id, const char *anchor, int after,
	    struct sbuf *out, int *same, struct drip_err *err)
{
	struct yedit_ctx y;
	struct stepedit w2;
	const char **old, **want;
	size_t i = 0, j = 0, k, n, m = 0;

	*same = 0;
	if (stepedit_find(w, id, &i, err) < 0 || stepedit_find(w, anchor, &j, err) < 0)
		return -1;
	if (i == j)
		return err_set(err, DRIP_EUSAGE, NULL, 0, 0,
			       "cannot move step '%s' before or after itself", id);
	if ((after && j + 1 == i) || (!after && i + 1 == j)) {
		*same = 1;
		return 0;
	}
	edit_init(w, &y);
	if (yedit_move(&y, w->steps, i, j, after, err) < 0 || yedit_apply(&y, out, err) < 0)
		return -1;
	old = all_ids(w, &n);
	want = arena_alloc(w->a, (n + 1) * sizeof *want);
	for (k = 0; k < n; k++) {
		if (k == j && !after)
			want[m++] = id;
		if (k != i)
			want[m++] = old[k];
		if (k == j && after)
			want[m++] = id;
	}
	return check_result(w, out, want, m, &w2, err);
}

int
stepedit_dup(struct stepedit *w, const char *id, const char *new_id, struct sbuf *out,
	     struct drip_err *err)
{
	struct yedit_ctx y;
	struct stepedit w2;
	const struct ynode *step, *autos, *idn;
	struct yedit *subs;
	const char **want, *aid;
	size_t i, k, n = 0, nwant;

	if (stepedit_find(w, id, &i, err) < 0 || check_new(w, new_id, err) < 0)
		return -1;
	step = w->steps->items[i];
	autos = ydoc_get(step, "automations");
	subs = arena_alloc(w->a, ((autos && autos->kind == YNODE_SEQ ? autos->n : 0) + 1) *
			   sizeof *subs);
	idn = id_node(step);
	subs[n].start = idn->start;
	subs[n].end = idn->end;
	subs[n++].text = put_str(w->a, new_id);
	for (k = 0; autos && autos->kind == YNODE_SEQ && k < autos->n; k++) {
		if ((idn = id_node(autos->items[k])) == NULL)
			continue;
		aid = arena_printf(w->a, "%s-%s", new_id, idn->str);
		if (!ws_valid_id(aid))
			return err_set(err, DRIP_EUSAGE, NULL, 0, 0, "the copy of automation '%s' "
				       "would be called '%s', which is not a valid id (too long?); "
				       "choose a shorter NEW_ID", idn->str, aid);
		subs[n].start = idn->start;
		subs[n].end = idn->end;
		subs[n++].text = put_str(w->a, aid);
	}
	edit_init(w, &y);
	if (yedit_copy(&y, w->steps, i, i, 1, subs, n, err) < 0 ||
	    yedit_apply(&y, out, err) < 0)
		return -1;
	want = ids_with(w, new_id, i + 1, &nwant);
	return check_result(w, out, want, nwant, &w2, err);
}

const struct ynode *
stepedit_referrer(const struct stepedit *w, const char *id, const char **from,
		  const char **key)
{
	static const char *const gokeys[] = { "to", "then", "else", "on_timeout" };
	size_t i, k;

	for (i = 0; i < stepedit_count(w); i++) {
		const struct ynode *st = w->steps->items[i], *v;
		enum step_type t = type_of(st);

		if (stepedit_id(w, i) && strcmp(stepedit_id(w, i), id) == 0)
			continue;
		for (k = 0; k < N(gokeys); k++) {
			if (!((t == STEP_GOTO && k == 0) || (t == STEP_BRANCH && (k == 1 || k == 2)) ||
			      (t == STEP_WAIT_UNTIL && k == 3)))
				continue;
			v = ydoc_get(st, gokeys[k]);
			if (v && v->kind == YNODE_SCALAR && strcmp(v->str, id) == 0) {
				*from = stepedit_id(w, i) ? stepedit_id(w, i) : "?";
				*key = gokeys[k];
				return v;
			}
		}
	}
	return NULL;
}

int
stepedit_rm(struct stepedit *w, const char *id, struct sbuf *out, struct drip_err *err)
{
	struct yedit_ctx y;
	struct stepedit w2;
	const struct ynode *ref;
	const char **old, *from, *key;
	size_t i = 0, k, n, m = 0;

	if (stepedit_find(w, id, &i, err) < 0)
		return -1;
	if ((ref = stepedit_referrer(w, id, &from, &key)) != NULL)
		return err_set(err, DRIP_EDATA, w->rel, ref->line, ref->col,
			       "cannot remove step '%s': step '%s' goes to it (%s: %s); change "
			       "that first", id, from, key, id);
	edit_init(w, &y);
	if ((stepedit_count(w) > 1 ? yedit_remove_item(&y, w->steps, i, err) :
	     yedit_remove(&y, w->doc.root, "steps", i, err)) < 0 ||
	    yedit_apply(&y, out, err) < 0)
		return -1;
	old = all_ids(w, &n);
	for (k = 0; k < n; k++)
		if (k != i)
			old[m++] = old[k];
	return check_result(w, out, old, m, &w2, err);
}
