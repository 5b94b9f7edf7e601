/* ctl-sse: a parser for server-sent events (the WHATWG event-stream format)
 * fed with raw bytes as they arrive, in chunks of any size.  Lines and event
 * data are bounded so a broken or hostile stream cannot eat the memory. */
#pragma once

#include <glib.h>

#define GH_CTL_SSE_MAX_LINE (1024 * 1024)
#define GH_CTL_SSE_MAX_DATA (1024 * 1024)

/* event is "message" when the stream named none; id is the last id seen,
 * or NULL.  Return FALSE to stop: gh_ctl_sse_feed then returns FALSE with
 * no error set. */
typedef gboolean (*GhCtlSseFunc)(const char *event, const char *data, const char *id, gpointer user_data);

typedef struct GhCtlSse GhCtlSse;

GhCtlSse *gh_ctl_sse_new(GhCtlSseFunc func, gpointer user_data);
GhCtlSse *gh_ctl_sse_free(GhCtlSse *sse);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhCtlSse, gh_ctl_sse_free)

/* FALSE with error set when a line or an event's data is over its limit. */
gboolean gh_ctl_sse_feed(GhCtlSse *sse, const char *buf, gsize len, GError **error);
