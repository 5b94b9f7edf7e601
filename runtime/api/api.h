/* api: the orchestrator's REST API on libsoup 3 and json-glib: routing, bearer
 * auth, JSON errors, request limits, session/host/image/plugin endpoints,
 * session input and frames, the server-sent event stream and /metrics.  Everything runs on the main loop of
 * the thread-default context current when gh_api_new is called. */
#pragma once

#include <glib.h>
#include "conf/config.h"
#include "conf/catalog.h"
#include "plugin/plugin-registry.h"
#include "session/session.h"
#include "virt/virt.h"

typedef struct GhApi GhApi;

typedef struct {
    const GhConfig *config;
    GhSessionManager *sessions;
    const GhCatalog *catalog;
    GhVirt *virt;
    const char *const *tokens;   /* accepted bearer tokens; copied */
    const char *version;         /* PACKAGE_VERSION; copied */
    const GhGpuInventory *gpus;  /* may be NULL: no GPU inventory */
    GhGpuClaims *gpu_claims;     /* may be NULL */
    GhPluginRegistry *plugins;   /* may be NULL: GET /v1/plugins lists none */
} GhApiDeps;

#define GH_API_ERROR (gh_api_error_quark())
GQuark gh_api_error_quark(void);
typedef enum {
    GH_API_ERROR_INVALID,        /* bad deps or listen address */
    GH_API_ERROR_LISTEN,         /* could not bind */
} GhApiError;

/* The deps must outlive the API.  Subscribes to session events. */
GhApi *gh_api_new(const GhApiDeps *deps, GError **error);
/* host is an IPv4/IPv6 literal or "localhost" (loopback); port 0 picks an
 * ephemeral port, see gh_api_port. */
gboolean gh_api_listen(GhApi *api, const char *host, guint16 port, GError **error);
/* The port actually listened on, 0 before gh_api_listen. */
guint16 gh_api_port(GhApi *api);
GhApi *gh_api_free(GhApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhApi, gh_api_free)
