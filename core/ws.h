/*
 * ws.h - the workspace (SPEC §1): finding its root, its lock, and the IDs
 * that may become file names.
 */
#ifndef DRIP_CORE_WS_H
#define DRIP_CORE_WS_H

#include <stddef.h>

struct drip_err;

/*
 * Find the workspace containing start: the nearest directory at or above it
 * holding drip.yaml.  *root is a malloc'ed absolute path (caller frees).
 * None found: DRIP_ENOINPUT "not a drip workspace (no drip.yaml in 'DIR' or
 * above); run 'drip init' first".
 */
int ws_find(const char *start, char **root, struct drip_err *err);

/*
 * Take the workspace's exclusive lock: flock on ROOT/.drip/lock, opened
 * O_CLOEXEC so that no child (sendmail) keeps it.  Waits up to
 * wait_seconds (0: do not wait), then fails with DRIP_ETEMP "another drip
 * command holds the lock".  *fd receives the lock's descriptor.
 */
int ws_lock(const char *root, int wait_seconds, int *fd, struct drip_err *err);
void ws_unlock(int fd);

/* SPEC §3.1: sequence, step and automation IDs match [a-z0-9][a-z0-9_-]{0,63}. */
int ws_valid_id(const char *id);
/* SPEC §4.1: contact ids match [A-Za-z0-9][A-Za-z0-9._@+-]{0,127}. */
int ws_valid_contact_id(const char *id);

#endif
