/* api-private: what the API's files (api.c, api-respond.c, api-host.c,
 * api-images.c, api-plugins.c, api-sessions.c, api-session-io.c,
 * api-events.c, api-signal.c, api-play.c) share: the server's state and
 * the handlers that api.c routes to.  Not for other modules. */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "api.h"
#include "api-respond.h"
#include "metrics.h"
#include "util/json-util.h"

struct GhApi {
    const GhConfig *config;
    GhSessionManager *sessions;
    const GhCatalog *catalog;
    GhVirt *virt;
    const GhGpuInventory *gpus;
    GhGpuClaims *gpu_claims;
    GhPluginRegistry *plugins;   /* may be NULL */
    GStrv tokens;
    char *version;
    GMainContext *context;       /* thread-default at gh_api_new: never the global
                                  * default, which libvirt's event thread iterates */
    SoupServer *server;
    guint16 port;
    GhMetrics *metrics;
    guint subscription;
    guint crash_subscription;
    /* server-sent events (api-events.c) */
    GPtrArray *sse_clients;      /* GhApiSseClient *, owned */
    guint64 event_seq;
    GSource *keepalive;          /* while any client is connected */
    /* frames being captured for paused requests (api-session-io.c) */
    GPtrArray *frame_requests;   /* GhApiFrameRequest *, not owned */
    /* players on signal endpoints (api-signal.c) */
    GPtrArray *signal_peers;     /* GhApiPeer *, owned */
};

/* A route's handler.  arg is the decoded {id} path segment, or NULL. */
typedef void (*GhApiHandler)(GhApi *api, SoupServerMessage *msg, const char *arg,
                             GHashTable *query);

/* api-host.c */
void gh_api_handle_healthz(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_readyz(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_metrics(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_host(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_drain(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_undrain(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_gpus(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);

/* api-images.c */
void gh_api_handle_images(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_image(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
JsonNode *gh_api_image_to_json(const GhImage *image);

/* api-plugins.c */
void gh_api_handle_plugins(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);

/* api-sessions.c */
/* A session as the API shows it: the record plus its live pipeline. */
JsonNode *gh_api_session_json(GhApi *api, const GhSession *session);
void gh_api_handle_sessions_list(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_sessions_create(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_session_show(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_session_delete(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_player_token(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);

/* api-session-io.c: input into and frames out of a running session */
void gh_api_handle_session_input(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_session_frame(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
/* At gh_api_free: the frames still being captured will answer nobody. */
void gh_api_frames_abandon_all(GhApi *api);

/* api.c: the gate of the player endpoints (/play/{id}, /v1/sessions/{id}/signal):
 * an orchestrator token in the Authorization header, or the session's player
 * token as ?token=.  FALSE after answering (an HTML page when html) 401
 * unauthorized, 401 token_expired or 403 wrong_session. */
gboolean gh_api_player_gate(GhApi *api, SoupServerMessage *msg, const char *id, GHashTable *query,
                            gboolean html);
/* "/play/{id}?token=…" for a token of session id. */
char *gh_api_player_url(const char *id, const char *token);

/* api-signal.c: the players' WebSocket */
void gh_api_signal_init(GhApi *api);
void gh_api_handle_session_signal(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
/* A new player token replaced the session's: bye (scope peer, close 1000)
 * to each of its players that came in with another player token; those on
 * the orchestrator's token stay. */
void gh_api_signal_player_link_replaced(GhApi *api, const char *session_id);
/* A session left running: bye (close 1001) to each of its players, with a
 * fixed reason (the failure's own is for the orchestrator only). */
void gh_api_signal_session_event(GhApi *api, const GhSession *session, GhSessionState previous);
void gh_api_signal_close_all(GhApi *api);
guint gh_api_signal_players(GhApi *api);

/* api-play.c: the web player */
void gh_api_handle_play(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_handle_play_asset(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);

/* api-events.c */
void gh_api_handle_events(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query);
void gh_api_events_publish(GhApi *api, const GhSession *session, GhSessionState previous);
void gh_api_events_publish_crash(GhApi *api, const GhSession *session, const GhSessionCrash *crash, guint64 count);
void gh_api_events_close_all(GhApi *api);
