/* api-host: the host's own endpoints: liveness, readiness, metrics, the host
 * object, and draining. */
#include <string.h>
#include "api-private.h"

static void
api_respond_status(GhApi *api, SoupServerMessage *msg, guint status,
                   const char *value, const char *reason)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "status", value);
    if (reason) {
        gh_json_add_string(b, "reason", reason);
    }
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    gh_api_respond_json(api, msg, status, node);
}

void
gh_api_handle_healthz(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    api_respond_status(api, msg, SOUP_STATUS_OK, "ok", NULL);
}

void
gh_api_handle_readyz(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    if (!gh_virt_is_alive(api->virt))
        api_respond_status(api, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "not_ready",
                           "libvirt connection lost");
    else if (gh_session_manager_is_draining(api->sessions))
        api_respond_status(api, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "not_ready", "draining");
    else
        api_respond_status(api, msg, SOUP_STATUS_OK, "ready", NULL);
}

static void
api_metrics_add_crash(const char *backend, const char *signal, guint64 n, gpointer data)
{
    GhMetricsCrash c = { g_strdup(backend), g_strdup(signal), n };

    g_array_append_val((GArray *)data, c);
}

static void
api_metrics_crash_clear(gpointer data)
{
    GhMetricsCrash *c = data;

    g_free(c->backend);
    g_free(c->signal);
}

void
gh_api_handle_metrics(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    GhMetricsGauges gauges = { 0 };
    g_autoptr(GArray) crashes = g_array_new(FALSE, FALSE, sizeof(GhMetricsCrash));
    char *text;

    for (int s = 0; s < GH_SESSION_STATE_LAST; s++)
        gauges.sessions[s] = gh_session_manager_count_in_state(api->sessions, (GhSessionState) s);
    gauges.capacity = gh_session_manager_capacity(api->sessions);
    gauges.draining = gh_session_manager_is_draining(api->sessions);
    gauges.players = gh_api_signal_players(api);
    gh_session_manager_audio_totals(api->sessions, &gauges.audio);
    gh_session_manager_pad_totals(api->sessions, &gauges.pads);
    gh_session_manager_worker_totals(api->sessions, &gauges.workers);
    g_array_set_clear_func(crashes, api_metrics_crash_clear);
    gh_session_manager_foreach_crash(api->sessions, api_metrics_add_crash, crashes);
    gauges.crashes = crashes;
    gh_session_manager_input_dropped(api->sessions, &gauges.input_dropped_malformed,
                                     &gauges.input_dropped_not_controller, gauges.input_dropped);
    /* Rendered before this request is counted: a scrape sees the ones before it. */
    text = gh_metrics_render(api->metrics, &gauges);
    soup_server_message_set_response(msg, GH_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE, text, strlen(text));
    gh_api_set_status(api, msg, SOUP_STATUS_OK);
}

static JsonNode *
api_host_to_json(GhApi *api)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_add_string(b, "version", api->version);
    gh_json_add_string(b, "hostname", g_get_host_name());
    gh_json_add_string(b, "libvirt_uri", gh_virt_uri(api->virt));
    gh_json_add_string(b, "domain_type", gh_virt_domain_type(api->virt));
    gh_json_add_int(b, "capacity", gh_session_manager_capacity(api->sessions));
    gh_json_add_int(b, "active_sessions", gh_session_manager_active(api->sessions));
    gh_json_add_bool(b, "draining", gh_session_manager_is_draining(api->sessions));
    gh_json_begin_object(b, "sessions_by_state");
    for (int s = 0; s < GH_SESSION_STATE_LAST; s++) {
        gh_json_add_int(b, gh_session_state_to_string((GhSessionState) s), gh_session_manager_count_in_state(api->sessions, (GhSessionState) s));
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

void
gh_api_handle_host(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(JsonNode) node = api_host_to_json(api);

    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}

static void
api_set_draining(GhApi *api, SoupServerMessage *msg, gboolean draining)
{
    g_autoptr(JsonNode) node = NULL;

    gh_session_manager_set_draining(api->sessions, draining);
    node = api_host_to_json(api);
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}

void
gh_api_handle_drain(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    api_set_draining(api, msg, TRUE);
}

void
gh_api_handle_undrain(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    api_set_draining(api, msg, FALSE);
}

/* The GPU inventory with verdicts and claims; an empty one where the daemon
 * has none (no sysfs to read). */
void
gh_api_handle_gpus(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(JsonNode) node = NULL;

    if (api->gpus) {
        node = gh_gpu_inventory_to_json(api->gpus, api->gpu_claims);
    } else {
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        GhGpuInventory empty = { .devices = none };
        node = gh_gpu_inventory_to_json(&empty, NULL);
    }
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}
