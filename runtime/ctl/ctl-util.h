/* ctl-util: gamehostctl's pure logic that is not output: argument checks
 * (labels, states, ids, timeouts, the daemon URL), the API token, error
 * bodies, durations and the --wait decision.  No I/O beyond reading token
 * files, so every rule here is unit-tested exactly. */
#pragma once

#include <glib.h>

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

/* K=V; the first '=' splits, so values may contain '='; empty values are allowed. */
gboolean gh_ctl_parse_label(const char *arg, char **key, char **value, GError **error);
/* Parses arg into labels (string → string), refusing a key given twice. */
gboolean gh_ctl_add_label(GHashTable *labels, const char *arg, GError **error);

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
