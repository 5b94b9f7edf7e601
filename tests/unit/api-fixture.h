/* api-fixture: what the API's suites (test_api*.c) share: the daemon in
 * process, driven from the same main context by a SoupSession, and the
 * HTTP helpers.  Each helper fails the running Check test when it fails. */
#pragma once

#include <check.h>
#include <glib.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "api/api.h"
#include "../plugins/pipeline-fake.h"
#include "../plugins/stream-peer-fake.h"

#define TOKEN "test-token-0123456789"
#define WAIT_US (20 * G_USEC_PER_SEC)

#define NO_SUCH_SESSION "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12"
#define KEY_TAP "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"}]}"
#define PEER_BACKENDS ",\"capture\":\"capture.fake\",\"stream\":\"stream.peerfake\",\"input\":\"input.fake\""

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
    GMainContext *context;       /* ours, pushed: libvirt's thread iterates the global default */
    char *tmp;
    GhConfig *config;
    GhVirt *virt;
    GhCatalog *catalog;
    GhSessionManager *mgr;
    GhPluginRegistry *plugins;   /* NULL unless the case loads test plugins */
    GhApi *api;
    SoupSession *client;
} ApiFixture;

extern ApiFixture fx;

/* Checked fixtures: capacity 4, a 1024-byte body limit, images demo-arena
 * (arcade-640), gpu-only (console-4k) and one broken manifest. */
void setup(void);
void setup_capacity_one(void);
/* With the test plugins loaded (good.so, pipeline-fake.so; wrong-major.so refused). */
void setup_plugins(void);
/* The plugins, the interactive fake, the stand-in player files, two viewers
 * at most, and a clock the test moves (fake_now). */
void setup_players(void);
void teardown(void);
/* A case with fixture setup_fn and teardown, and a 60 s timeout. */
TCase *api_case(const char *name, void (*setup_fn)(void));

/* ---- client helpers ------------------------------------------------------ */

typedef struct {
    guint status;
    char *body;
    SoupMessageHeaders *headers;
    JsonNode *json;              /* NULL unless the body parsed as JSON */
} Response;

void response_free(Response *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Response, response_free)

/* One main loop iteration, woken at least every 100 ms so that a wait whose
 * event never comes fails on its own deadline instead of Check's timeout. */
void iterate(void);
void wait_until(gboolean *flag);
/* Iterates until cond holds (what a plugin worker did reaches the test's
 * shared state a little after the API answered), at most 10 s. */
#define WAIT_FOR(cond)                                                                                 \
    do {                                                                                               \
        gint64 wait_end_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                               \
        while (!(cond) && g_get_monotonic_time() < wait_end_)                                          \
            iterate();                                                                                 \
        ck_assert_msg((cond), "not within 10 s: %s", #cond);                                           \
    } while (0)

/* A request to path on the API, with "Authorization: Bearer token" unless
 * token is NULL. */
SoupMessage *new_message(const char *method, const char *path, const char *token);
/* Sends msg (taking it) and waits for the whole response. */
Response *send_message(SoupMessage *msg);
Response *request(const char *method, const char *path, const char *token);
/* POST body with TOKEN, and an Idempotency-Key unless NULL. */
Response *post_json_as(const char *path, const char *content_type, const char *body,
                       const char *idempotency_key);
/* POST /v1/sessions with body as application/json. */
Response *create(const char *body);

const char *member_string(JsonNode *node, const char *name);
const char *error_code(Response *r);
const char *error_message(Response *r);

#define assert_error(r, want_status, want_code)                                      \
    do {                                                                             \
        ck_assert_msg((r)->status == (want_status), "status %u, want %u: %s",        \
                      (r)->status, (guint) (want_status), (r)->body);                \
        ck_assert_str_eq(error_code(r), (want_code));                                \
    } while (0)

/* ---- sessions ------------------------------------------------------------- */

void wait_for_state(const char *id, GhSessionState state);
/* The id of a 201 response. */
char *created_id(Response *r);
char *session_path(const char *id, const char *tail);
/* A session of demo-arena, running; extra adds to the create request. */
char *running_session(const char *extra);

/* ---- players --------------------------------------------------------------- */

extern gint64 fake_now;
extern StreamPeerFakeState *peer_fake;
extern PipelineFakeState *pipeline_fake;

/* A running session with the interactive fake; *token is its player token. */
char *player_session(const char *extra, char **token);
char *play_path(const char *id, const char *token);
