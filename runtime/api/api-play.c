/* api-play: the web player's page, GET /play/{id}?token=…, and its assets,
 * GET /play/assets/{name} (docs/player.md).  The files come from [api]
 * player_dir; only the fixed names below are ever opened, so nothing a
 * client sends becomes a path.  The page learns its session and token from
 * its own URL.  Refusals are small HTML pages with the API's status. */
#include <string.h>
#include "api-private.h"

typedef struct {
    const char *name;
    const char *content_type;
} GhApiPlayAsset;

static const GhApiPlayAsset api_play_assets[] = {
    { "player.js",  "text/javascript; charset=utf-8" },
    { "player.css", "text/css; charset=utf-8" },
};

#define GH_API_PLAY_PAGE "index.html"
/* Assets are the same for every session and carry no secret. */
#define GH_API_PLAY_ASSET_CACHE "public, max-age=3600"

/* The file name from player_dir, with its contents; FALSE after answering
 * 500 (naming the path on the token-gated page only). */
static gboolean
api_play_read(GhApi *api, SoupServerMessage *msg, const char *name, gboolean html, GBytes **out)
{
    g_autofree char *path = g_build_filename(api->config->player_dir, name, NULL);
    g_autoptr(GError) error = NULL;
    char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, &error)) {
        g_warning("web player: cannot read %s: %s", path, error->message);
        if (html)
            gh_api_respond_html_error(api, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Player unavailable",
                                      error->message);
        else
            /* Assets need no token: the path stays in the daemon's log. */
            gh_api_respond_error(api, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                                 "the web player is not installed on this host (see gamehostd's log)");
        return FALSE;
    }
    *out = g_bytes_new_take(data, len);
    return TRUE;
}

void
gh_api_handle_play(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(GBytes) page = NULL;

    if (!gh_api_player_gate(api, msg, arg, query, TRUE))
        return;
    if (!gh_session_manager_lookup(api->sessions, arg)) {
        gh_api_respond_html_error(api, msg, SOUP_STATUS_NOT_FOUND, "No such session",
                                  "There is no game session at this address.");
        return;
    }
    if (!api_play_read(api, msg, GH_API_PLAY_PAGE, TRUE, &page))
        return;
    gh_api_set_player_headers(msg, "no-store");
    soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                     g_bytes_get_data(page, NULL), g_bytes_get_size(page));
    gh_api_set_status(api, msg, SOUP_STATUS_OK);
}

void
gh_api_handle_play_asset(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(GBytes) bytes = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(api_play_assets); i++) {
        if (strcmp(arg, api_play_assets[i].name) != 0)
            continue;
        if (!api_play_read(api, msg, api_play_assets[i].name, FALSE, &bytes))
            return;
        gh_api_set_player_headers(msg, GH_API_PLAY_ASSET_CACHE);
        soup_server_message_set_response(msg, api_play_assets[i].content_type, SOUP_MEMORY_COPY,
                                         g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
        gh_api_set_status(api, msg, SOUP_STATUS_OK);
        return;
    }
    gh_api_respond_error(api, msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such player asset");
}
