/* ctl-util: gamehostctl's pure logic that is not output: argument checks
 * (labels, states, ids, timeouts, the daemon URL), the API token, error
 * bodies, durations and the --wait decision.  No I/O beyond reading token
 * files, so every rule here is unit-tested exactly. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define GH_CTL_DEFAULT_URL "http://127.0.0.1:8470"
#define GH_CTL_DEFAULT_TIMEOUT_S 30
#define GH_CTL_MAX_TIMEOUT_S 86400

#define GH_CTL_ERROR (gh_ctl_error_quark())
GQuark gh_ctl_error_quark(void);
typedef enum {
    GH_CTL_ERROR_USAGE,     /* bad arguments: exit 64 */
    GH_CTL_ERROR_API,       /* the daemon answered with an error status: exit 1 */
    GH_CTL_ERROR_FAILED,    /* anything else: bad reply, failed session, token file: exit 1 */
    GH_CTL_ERROR_CONNECT,   /* could not talk to the daemon at all: exit 2 */
} GhCtlError;

enum {
    GH_CTL_EXIT_OK = 0,
    GH_CTL_EXIT_FAILED = 1,
    GH_CTL_EXIT_CONNECT = 2,
    GH_CTL_EXIT_USAGE = 64,   /* EX_USAGE from sysexits.h */
};

int gh_ctl_exit_code(const GError *error);

/* Text from the daemon made safe for a terminal: control characters and
 * invalid UTF-8 become '?', tabs and newlines a space. */
char *gh_ctl_sanitize(const char *s);

/* "45s", "5m3s", "2h5m", "3d4h"; negative (clock skew) reads as "0s". */
char *gh_ctl_format_duration(gint64 seconds);
/* Age of an RFC 3339 time at now_usec: "-" for NULL, "?" when unparsable. */
char *gh_ctl_format_age(const char *rfc3339, gint64 now_usec);

/* K=V (--label, --capture-option, ...); the first '=' splits, so values may
 * contain '='; empty values are allowed.  flag names the option in errors. */
gboolean gh_ctl_parse_pair(const char *flag, const char *arg, char **key, char **value, GError **error);
/* Parses arg into pairs (string → string), refusing a key given twice. */
gboolean gh_ctl_add_pair(GHashTable *pairs, const char *flag, const char *arg, GError **error);

gboolean gh_ctl_check_state(const char *state, GError **error);
/* An image or session id as it will go into a URL path; what names it in errors. */
gboolean gh_ctl_check_id(const char *what, const char *id, GError **error);
gboolean gh_ctl_check_idempotency_key(const char *key, GError **error);
/* Whole seconds, 0 (no timeout) to GH_CTL_MAX_TIMEOUT_S. */
gboolean gh_ctl_parse_timeout(const char *arg, guint *seconds, GError **error);

/* http(s)://host[:port][/prefix], returned without a trailing '/'. */
char *gh_ctl_normalize_url(const char *url, GError **error);
/* The URL as it may appear in messages: no password. */
char *gh_ctl_url_for_display(const char *url);
/* prefix + "/" + id, the id percent-escaped as one path segment. */
char *gh_ctl_path_with_id(const char *prefix, const char *id);

/* --url, else $GAMEHOST_URL, else GH_CTL_DEFAULT_URL (empty values skipped),
 * not yet normalised. */
const char *gh_ctl_pick_url(const char *opt_url, const char *env_url);

/* The first line that is neither blank nor a '#' comment, stripped. */
char *gh_ctl_read_token_file(const char *path, GError **error);
/* --token, else $GAMEHOST_TOKEN, else --token-file, else the first readable
 * default file.  *token is NULL when there is none at all. */
gboolean gh_ctl_resolve_token(const char *opt_token, const char *env_token, const char *opt_file,
                              const char *const *default_files, char **token, GError **error);

/* {"error":{"code","message"}}; FALSE if the body has not that shape. */
gboolean gh_ctl_parse_error_body(const char *body, gssize len, char **code, char **message);
/* "<status> <code>: <message>", falling back on the reason phrase. */
char *gh_ctl_format_api_error(guint status, const char *reason_phrase, const char *body, gssize len);

typedef enum {
    GH_CTL_WAIT_MORE,
    GH_CTL_WAIT_REACHED,
    GH_CTL_WAIT_FAILED,
} GhCtlWait;

/* goal is "running" (create --wait) or "stopped" (stop --wait). */
GhCtlWait gh_ctl_wait_check(const char *goal, const char *state);

/* The backends a session is created with, in the API's order. */
typedef enum {
    GH_CTL_CAPTURE,
    GH_CTL_STREAM,
    GH_CTL_INPUT,
    GH_CTL_N_BACKEND_KINDS,
} GhCtlBackendKind;

/* "capture", "stream", "input": the API's field and create's option. */
const char *gh_ctl_backend_kind_name(GhCtlBackendKind kind);

/* What `create` asks for. */
typedef struct {
    const char *image;
    GHashTable *labels;                               /* K → V; NULL or empty: none */
    const char *backends[GH_CTL_N_BACKEND_KINDS];     /* NULL: the daemon picks */
    GHashTable *options[GH_CTL_N_BACKEND_KINDS];      /* KEY → VALUE; NULL or empty: none */
} GhCtlCreate;

/* The body of POST /v1/sessions: {"image", "labels"?, "capture"?, "stream"?,
 * "input"?}, labels and options in key order; a backend with options is
 * {"backend", "options"}, one without is its name.  Options for a kind whose
 * backend is not chosen are a usage error ("--stream-option needs --stream
 * BACKEND"): the daemon takes options only with a backend. */
JsonNode *gh_ctl_create_body(const GhCtlCreate *create, GError **error);
