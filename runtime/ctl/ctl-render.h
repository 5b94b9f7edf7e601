/* ctl-render: the daemon's JSON replies as gamehostctl shows them: tables,
 * key/value blocks and one line per event.  Lenient about what it reads
 * (absent fields show as "-", numbers may be ints or doubles) but a reply
 * of the wrong shape altogether is an error.  Times are relative to now_usec
 * so the output is exact under test. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Pretty-printed, ending in '\n': what --json prints. */
char *gh_ctl_render_json(JsonNode *node);

char *gh_ctl_render_host(JsonNode *host, GError **error);
/* {"images":[...],"problems":[...]} */
char *gh_ctl_render_images(JsonNode *reply, GError **error);
char *gh_ctl_render_image(JsonNode *image, GError **error);
/* {"sessions":[...]} */
char *gh_ctl_render_sessions(JsonNode *reply, gint64 now_usec, GError **error);
char *gh_ctl_render_session(JsonNode *session, gint64 now_usec, GError **error);
/* The player link of a create answer made absolute on base_url (the
 * daemon's URL as gamehostctl reached it, any path prefix kept, any user and
 * password dropped) and safe for a terminal; NULL when the answer has no
 * player.url path. */
char *gh_ctl_render_player_link(JsonNode *session, const char *base_url);
/* {"gpus":[...]}: one row per device, then why each that is not assignable is not. */
char *gh_ctl_render_gpus(JsonNode *reply, GError **error);
/* {"plugins":[...],"refused":[...]}: one row per backend (NAME KIND PLUGIN
 * VERSION LICENSE), then the refused files and why. */
char *gh_ctl_render_plugins(JsonNode *reply, GError **error);
/* The verdict of `plugin check FILE` from a registry that loaded only FILE:
 * "OK FILE: plugin NAME VERSION (LICENSE), ABI 1.0" and one line per
 * backend, or "REFUSED FILE: reason"; *ok says which. */
char *gh_ctl_render_plugin_check(const char *file, JsonNode *registry, gboolean *ok, GError **error);
/* One line for one server-sent event whose data is JSON; with json, the
 * data itself on one line. */
char *gh_ctl_render_event(const char *event, const char *data, gint64 now_usec, gboolean json,
                          GError **error);

/* A session's "state" / "id" member, or NULL. */
const char *gh_ctl_session_state(JsonNode *session);
const char *gh_ctl_session_id(JsonNode *session);
const char *gh_ctl_session_reason(JsonNode *session);
