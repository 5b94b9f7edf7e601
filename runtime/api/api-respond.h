/* api-respond: how the API answers (JSON, JSON errors, the player's HTML
 * errors), the map from GError to HTTP status and API error code, and the
 * request checks that answer.  Main loop only; not for other modules. */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "api.h"

/* ---- responses -------------------------------------------------------------- */

void gh_api_respond_json(GhApi *api, SoupServerMessage *msg, guint status, JsonNode *node);
/* {"error": {"code": code, "message": …}} with status. */
void gh_api_respond_error(GhApi *api, SoupServerMessage *msg, guint status,
                          const char *code, const char *format, ...) G_GNUC_PRINTF(5, 6);
/* 404 not_found "no session with that id". */
void gh_api_respond_no_session(GhApi *api, SoupServerMessage *msg);
/* A small HTML page (the player's endpoints: a browser shows it). */
void gh_api_respond_html_error(GhApi *api, SoupServerMessage *msg, guint status, const char *title,
                               const char *message);
/* Sets the status only (streams, PNG, files); counts it like the above. */
void gh_api_set_status(GhApi *api, SoupServerMessage *msg, guint status);
/* Counts a status that something else set (libsoup's WebSocket handshake). */
void gh_api_count_status(GhApi *api, SoupServerMessage *msg);
/* Headers of every player response: its URL holds the token, so it is
 * neither cached (cache_control) nor sent on as a Referer. */
void gh_api_set_player_headers(SoupServerMessage *msg, const char *cache_control);
/* Compact JSON text of node. */
char *gh_api_json_to_string(JsonNode *node);

/* ---- GError → HTTP ------------------------------------------------------------ */

/* One entry: an error of domain (its quark getter, e.g. gh_session_error_quark)
 * and code is answered with status and the API's error code.  A map is a
 * static const array ended by GH_API_ERROR_MAP_END. */
typedef struct {
    GQuark (*domain)(void);
    gint code;
    guint status;
    const char *api_code;
} GhApiErrorMap;

#define GH_API_ERROR_MAP(domain, code, status, api_code) { (domain), (code), (status), (api_code) }
#define GH_API_ERROR_MAP_END { NULL, 0, 0, NULL }

/* The entry for error: from own first (an endpoint's meaning of an error that
 * means something else elsewhere; may be NULL), then from the map every
 * endpoint shares.  NULL when neither names it. */
const GhApiErrorMap *gh_api_error_map_lookup(const GhApiErrorMap *own, const GError *error);
/* Answers error with its entry's status and code and error->message; an
 * error no map names is logged and answered 500 internal. */
void gh_api_respond_gerror(GhApi *api, SoupServerMessage *msg, const GhApiErrorMap *own, const GError *error);

/* ---- request checks: each returns FALSE (or NULL) after answering ------------ */

/* application/json, with no charset or UTF-8; else 415. */
gboolean gh_api_check_content_type(GhApi *api, SoupServerMessage *msg);
/* The request body as JSON; else 400 invalid_json. */
JsonNode *gh_api_parse_body(GhApi *api, SoupServerMessage *msg);
