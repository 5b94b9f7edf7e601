/* ctl-sse: an incremental event-stream parser. */
#include "ctl-sse.h"

#include <string.h>
#include "ctl-util.h"

struct GhCtlSse {
    GhCtlSseFunc func;
    gpointer user_data;
    GString *line;        /* the line being read, without its end */
    gboolean after_cr;    /* a CR ended the last line: a following LF belongs to it */
    GString *data;        /* data lines of the pending event, each + '\n' */
    gboolean has_data;
    char *event;          /* NULL: "message" */
    char *last_id;
};

GhCtlSse *
gh_ctl_sse_new(GhCtlSseFunc func, gpointer user_data)
{
    GhCtlSse *sse = g_new0(GhCtlSse, 1);

    sse->func = func;
    sse->user_data = user_data;
    sse->line = g_string_new(NULL);
    sse->data = g_string_new(NULL);
    return sse;
}

GhCtlSse *
gh_ctl_sse_free(GhCtlSse *sse)
{
    if (sse == NULL)
        return NULL;
    g_string_free(sse->line, TRUE);
    g_string_free(sse->data, TRUE);
    g_free(sse->event);
    g_free(sse->last_id);
    g_free(sse);
    return NULL;
}

/* A blank line ends an event; one without data lines is dropped (spec). */
static gboolean
sse_dispatch(GhCtlSse *sse)
{
    gboolean go_on = TRUE;

    if (sse->has_data) {
        g_string_truncate(sse->data, sse->data->len - 1);   /* the last '\n' */
        go_on = sse->func(sse->event ? sse->event : "message", sse->data->str, sse->last_id, sse->user_data);
    }
    g_string_truncate(sse->data, 0);
    sse->has_data = FALSE;
    g_clear_pointer(&sse->event, g_free);
    return go_on;
}

static gboolean
sse_process_field(GhCtlSse *sse, const char *field, const char *value, GError **error)
{
    if (g_str_equal(field, "data")) {
        if (sse->data->len + strlen(value) + 1 > GH_CTL_SSE_MAX_DATA) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                        "event stream: an event carries more than %d bytes of data", GH_CTL_SSE_MAX_DATA);
            return FALSE;
        }
        g_string_append(sse->data, value);
        g_string_append_c(sse->data, '\n');
        sse->has_data = TRUE;
    } else if (g_str_equal(field, "event")) {
        g_free(sse->event);
        sse->event = g_strdup(value);
    } else if (g_str_equal(field, "id")) {
        g_free(sse->last_id);
        sse->last_id = g_strdup(value);
    }
    /* "retry" and unknown fields are ignored, as the spec says. */
    return TRUE;
}

static gboolean
sse_process_line(GhCtlSse *sse, GError **error)
{
    char *line = sse->line->str;
    char *colon;
    const char *value = "";

    if (sse->line->len == 0)
        return sse_dispatch(sse);
    if (line[0] == ':')
        return TRUE;    /* a comment: keepalives */
    /* A NUL inside a line would cut the field short silently. */
    if (memchr(line, '\0', sse->line->len) != NULL) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "event stream: a line contains a NUL byte");
        return FALSE;
    }
    colon = strchr(line, ':');
    if (colon != NULL) {
        *colon = '\0';
        value = colon + 1;
        if (*value == ' ')
            value++;
    }
    return sse_process_field(sse, line, value, error);
}

gboolean
gh_ctl_sse_feed(GhCtlSse *sse, const char *buf, gsize len, GError **error)
{
    for (gsize i = 0; i < len; i++) {
        char c = buf[i];
        gboolean ok;

        if (c == '\n' && sse->after_cr) {
            sse->after_cr = FALSE;
            continue;
        }
        sse->after_cr = (c == '\r');
        if (c != '\n' && c != '\r') {
            if (sse->line->len >= GH_CTL_SSE_MAX_LINE) {
                g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "event stream: a line is longer than %d bytes", GH_CTL_SSE_MAX_LINE);
                return FALSE;
            }
            g_string_append_c(sse->line, c);
            continue;
        }
        ok = sse_process_line(sse, error);
        g_string_truncate(sse->line, 0);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}
