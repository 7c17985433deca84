/*
 * runio.h - the writers of a tick (SPEC §9.3): the sink that turns the
 * pass's outcome (run.h) into files and one commit, and what tick does
 * around it (delivery after the commit, the sort of an unsorted
 * contacts.csv).  The log's own writer is runlog.h.
 *
 * The order is what makes a tick crash-safe.  During the pass, messages
 * are staged in their outbox's tmp/ and every state, log and runs file is
 * written as a temporary beside the file it replaces.  At the end
 * (the sink's finish): contacts.csv is rewritten beside itself when
 * actions edited contacts; the files that may change are kept aside
 * (txn_tick_keep) and the marker .drip/tick.pending written; the messages
 * go into new/; the temporaries are renamed into place, the log, task,
 * note and list rows appended, the snapshot and the clock written, and one
 * commit records it all.  Then the applied inbox files are removed and the
 * marker goes.  A failure before the commit puts every file back
 * (txn_tick_undo); a kill is finished or undone by the next command
 * (txn_recover).
 *
 * Nothing here prints: the summary and the failures are returned for the
 * caller to print.
 */
#ifndef DRIP_CORE_RUNIO_H
#define DRIP_CORE_RUNIO_H

#include <stddef.h>

#include "run.h"

struct delivery;
struct delivery_tally;

struct runio;

/* A writer for the workspace o names (o->store must be open and the
 * workspace locked); o is copied.  Free with runio_free. */
struct runio *runio_new(const struct run_opts *o);
/* Drop whatever is not in place yet (temporaries, staged messages), and
 * the writer. */
void runio_free(struct runio *w);
/* The sink that writes. */
struct run_sink runio_sink(struct runio *w);

/* After a pass that finished: the commit's subject ("tick 2026-11-24
 * 10:20Z: 3 steps fired, ..."), in o->a. */
const char *runio_summary(const struct runio *w);
/* The failed actions of the pass, and of runio_deliver after it. */
const struct delivery_tally *runio_tally(const struct runio *w);

/* After the commit: deliver, and commit the deliver rows of failures
 * (runlog_deliver at the run's slot); the failures join the tally. */
int runio_deliver(struct runio *w, struct delivery *out, struct drip_err *err);

/*
 * contacts.csv with rows out of id order (people append rows by hand, SPEC
 * §4.1): sort it with bounded memory (csvsort).  A real run (o->dry 0)
 * makes the sorted file a commit of its own ("contacts.csv: sorted by id")
 * under the tick marker, so a kill leaves the old file or the new one, and
 * refuses (75) when contacts.csv has uncommitted changes; *rel is left
 * NULL.  A dry run sorts into a temporary under .drip/ and sets *rel to
 * it (in o->a), for the pass to read and the caller to remove.
 */
int runio_sort_contacts(const struct run_opts *o, const char **rel, struct drip_err *err);

/* The columns the engine sets that contacts.csv's header (cr) lacks, in
 * engine_contact_cols order, into out; how many (run.c). */
struct csvio_reader;
size_t run_missing_cols(struct csvio_reader *cr, const char **out);

#endif
