/* ctl-http: gamehostctl's HTTP client: one SoupSession used synchronously,
 * bearer auth, JSON in and out, the API's error bodies turned into GErrors
 * (GH_CTL_ERROR_API), transport failures into GH_CTL_ERROR_CONNECT, and the
 * event stream read and parsed as it arrives. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ctl-sse.h"

typedef struct GhCtlClient GhCtlClient;

/* base_url as gh_ctl_normalize_url returns it; token may be NULL;
 * timeout_s 0 means no I/O timeout. */
GhCtlClient *gh_ctl_client_new(const char *base_url, const char *token, guint timeout_s,
                               const char *user_agent);
GhCtlClient *gh_ctl_client_free(GhCtlClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhCtlClient, gh_ctl_client_free)

/* method on base_url + path (path starts with '/', query included).  body
 * may be NULL; *reply is NULL when a successful response has no body. */
gboolean gh_ctl_client_call(GhCtlClient *client, const char *method, const char *path, JsonNode *body,
                            const char *idempotency_key, JsonNode **reply, GError **error);
/* GETs a body that is not JSON (a PNG frame); the response must be of type
 * accept.  Error statuses are turned into errors as gh_ctl_client_call does. */
gboolean gh_ctl_client_get_bytes(GhCtlClient *client, const char *path, const char *accept, GBytes **body,
                                 GError **error);
/* The HTTP status of the last response, 0 if none came. */
guint gh_ctl_client_last_status(const GhCtlClient *client);

/* GETs an event stream and calls func for each event until func returns
 * FALSE (then TRUE) or the stream fails or ends (FALSE, error set). */
gboolean gh_ctl_client_follow(GhCtlClient *client, const char *path, GhCtlSseFunc func, gpointer user_data,
                              GError **error);
