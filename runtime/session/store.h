/* store: session records in the state dir, one JSON file per session
 * (<dir>/<id>.json), written atomically (temp file, fsync, rename, fsync of
 * the dir) so a crash leaves either the old or the new record, never a torn
 * one.  Records that cannot be read are moved aside, never deleted. */
#pragma once

#include <glib.h>
#include "session.h"

typedef struct GhStore GhStore;

/* Creates dir if needed. */
GhStore *gh_store_open(const char *dir, GError **error);
GhStore *gh_store_free(GhStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhStore, gh_store_free)

gboolean gh_store_save(GhStore *store, const GhSession *session, GError **error);
gboolean gh_store_remove(GhStore *store, const char *id, GError **error);
/* Every readable record (GhSession, owned by the array).  A record that is
 * not valid JSON or not a valid session is renamed to <file>.corrupt and a
 * message naming the file and the reason is added to *problems (strings). */
GPtrArray *gh_store_load_all(GhStore *store, GPtrArray **problems);

/* Writes data to path atomically with the given mode. */
gboolean gh_store_write_atomic(const char *path, const char *data, gsize len, int mode, GError **error);
