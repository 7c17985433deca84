/*
 * textdiff.c - unified diffs with git_patch_from_buffers.
 */
#include "textdiff.h"

#include <string.h>

#include <git2.h>

#include "err.h"
#include "sbuf.h"

static int
print_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
	   const git_diff_line *line, void *payload)
{
	struct sbuf *out = payload;

	(void)delta;
	(void)hunk;
	switch (line->origin) {
	case GIT_DIFF_LINE_CONTEXT:
	case GIT_DIFF_LINE_ADDITION:
	case GIT_DIFF_LINE_DELETION:
		sbuf_addc(out, line->origin);
		break;
	case GIT_DIFF_LINE_CONTEXT_EOFNL:
	case GIT_DIFF_LINE_ADD_EOFNL:
	case GIT_DIFF_LINE_DEL_EOFNL:
		sbuf_adds(out, "\\ No newline at end of file\n");
		return 0;
	case GIT_DIFF_LINE_FILE_HDR:
		return 0;	/* written by us, with the names we want */
	default:
		break;
	}
	sbuf_add(out, line->content, line->content_len);
	return 0;
}

int
textdiff_unified(const char *old, size_t oldlen, const char *old_name,
		 const char *new, size_t newlen, const char *new_name,
		 struct sbuf *out, struct drip_err *err)
{
	git_diff_options o = GIT_DIFF_OPTIONS_INIT;
	git_patch *p = NULL;
	int rc = -1;

	if (old && new && oldlen == newlen && memcmp(old, new, oldlen) == 0)
		return 0;
	git_libgit2_init();
	o.context_lines = 3;
	if (git_patch_from_buffers(&p, old, old ? oldlen : 0, old_name,
				   new, new ? newlen : 0, new_name, &o) < 0) {
		const git_error *e = git_error_last();

		err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot diff: %s",
			e ? e->message : "unknown error");
		goto out;
	}
	sbuf_printf(out, "--- %s\n+++ %s\n", old ? old_name : "/dev/null",
		    new ? new_name : "/dev/null");
	if (git_patch_print(p, print_line, out) < 0) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot print diff");
		goto out;
	}
	rc = 0;
out:
	git_patch_free(p);
	git_libgit2_shutdown();
	return rc;
}
