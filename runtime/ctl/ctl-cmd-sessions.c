/* ctl-cmd-sessions: gamehostctl's session commands: list, show, create and
 * stop (optionally waiting for the outcome), and a running session's input
 * and frames. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-cmd.h"
#include "ctl-input.h"
#include "ctl-render.h"
#include "ctl-util.h"

/* Starting a VM takes seconds; polling twice a second is quick enough to
 * feel immediate and slow enough not to load the daemon. */
#define GH_CTL_POLL_USEC (500 * 1000)

static char *
ctl_render_session_now(JsonNode *node, GError **error)
{
    return gh_ctl_render_session(node, g_get_real_time(), error);
}

static char *
ctl_render_sessions_now(JsonNode *node, GError **error)
{
    return gh_ctl_render_sessions(node, g_get_real_time(), error);
}

gboolean
gh_ctl_cmd_sessions(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *state = NULL;
    g_autofree char *path = NULL;
    const GOptionEntry entries[] = {
        { "state", 0, 0, G_OPTION_ARG_STRING, &state,
          "only sessions in state S (starting, running, stopping, stopped, failed)", "S" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "", "List sessions.", entries, &argc, &argv, 0, error))
        return FALSE;
    if (state != NULL && !gh_ctl_check_state(state, error))
        return FALSE;
    path = state ? g_strconcat("/v1/sessions?state=", state, NULL) : g_strdup("/v1/sessions");
    return gh_ctl_get_and_show(ctl, "GET", path, ctl_render_sessions_now, error);
}

gboolean
gh_ctl_cmd_show(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *path = NULL;

    if (!gh_ctl_parse_command(ctl, "ID", "Show one session.", NULL, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    return gh_ctl_get_and_show(ctl, "GET", path, ctl_render_session_now, error);
}

/* Polls the session until gh_ctl_wait_check decides; *session is the last
 * one seen.  A session that disappears while stopping counts as stopped:
 * the daemon may forget stopped sessions. */
static gboolean
ctl_wait(GhCtl *ctl, const char *goal, JsonNode **session, GhCtlWait *outcome, GError **error)
{
    g_autofree char *path = gh_ctl_path_with_id("/v1/sessions", gh_ctl_session_id(*session));

    while ((*outcome = gh_ctl_wait_check(goal, gh_ctl_session_state(*session))) == GH_CTL_WAIT_MORE) {
        JsonNode *next = NULL;
        GError *local = NULL;

        g_usleep(GH_CTL_POLL_USEC);
        if (!gh_ctl_call(ctl, "GET", path, NULL, NULL, &next, &local)) {
            if (g_str_equal(goal, "stopped") && gh_ctl_client_last_status(ctl->client) == 404) {
                g_autofree char *id = gh_ctl_sanitize(gh_ctl_session_id(*session));
                fprintf(stderr, "gamehostctl: session %s is gone: gamehostd no longer lists it\n", id);
                g_error_free(local);
                *outcome = GH_CTL_WAIT_REACHED;
                return TRUE;
            }
            g_propagate_error(error, local);
            return FALSE;
        }
        json_node_unref(*session);
        *session = next;
    }
    return TRUE;
}

/* Shows the session, then fails if it will not reach goal. */
static gboolean
ctl_wait_and_show(GhCtl *ctl, const char *goal, JsonNode **session, GError **error)
{
    GhCtlWait outcome = GH_CTL_WAIT_REACHED;
    const char *reason;
    g_autofree char *id = NULL;
    g_autofree char *state = NULL;

    if (gh_ctl_session_id(*session) == NULL) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "unexpected reply from gamehostd: the session has no id");
        return FALSE;
    }
    if (!ctl_wait(ctl, goal, session, &outcome, error) ||
        !gh_ctl_show(ctl, *session, ctl_render_session_now, error))
        return FALSE;
    if (outcome == GH_CTL_WAIT_REACHED)
        return TRUE;
    id = gh_ctl_sanitize(gh_ctl_session_id(*session));
    state = gh_ctl_sanitize(gh_ctl_session_state(*session));
    if (g_strcmp0(state, "failed") != 0) {
        g_autofree char *is = g_strdup_printf("is %s", state ? state : "in an unknown state");
        g_free(state);
        state = g_steal_pointer(&is);
    }
    reason = gh_ctl_session_reason(*session);
    if (reason != NULL && *reason != '\0') {
        g_autofree char *why = gh_ctl_sanitize(reason);
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "session %s %s: %s", id, state, why);
    } else {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "session %s %s", id, state);
    }
    return FALSE;
}

/* --KIND BACKEND and --KIND-option K=V, as GOption fills them. */
typedef struct {
    char *backends[GH_CTL_N_BACKEND_KINDS];
    GStrv options[GH_CTL_N_BACKEND_KINDS];
} CtlBackendArgs;

static void
ctl_backend_args_clear(CtlBackendArgs *args)
{
    for (guint k = 0; k < GH_CTL_N_BACKEND_KINDS; k++) {
        g_free(args->backends[k]);
        g_strfreev(args->options[k]);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlBackendArgs, ctl_backend_args_clear)

/* Puts the backends and their options of args into create. */
static gboolean
ctl_create_add_backends(GhCtlCreate *create, const CtlBackendArgs *args, GError **error)
{
    for (guint k = 0; k < GH_CTL_N_BACKEND_KINDS; k++) {
        g_autofree char *flag = g_strdup_printf("--%s-option", gh_ctl_backend_kind_name(k));

        create->backends[k] = args->backends[k];
        for (guint i = 0; args->options[k] && args->options[k][i]; i++)
            if (!gh_ctl_add_pair(create->options[k], flag, args->options[k][i], error))
                return FALSE;
    }
    return TRUE;
}

gboolean
gh_ctl_cmd_create(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *player = NULL;
    g_autofree char *base_url = NULL;
    gboolean ok;
    g_auto(GStrv) label_args = NULL;
    g_auto(CtlBackendArgs) backend_args = { .backends = { NULL } };
    g_autofree char *key = NULL;
    gboolean wait = FALSE;
    g_autoptr(GHashTable) labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) capture_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) stream_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) input_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GhCtlCreate create = { .labels = labels, .options = { capture_options, stream_options, input_options } };
    g_autoptr(JsonNode) body = NULL;
    g_autoptr(JsonNode) session = NULL;
    const GOptionEntry entries[] = {
        { "label", 0, 0, G_OPTION_ARG_STRING_ARRAY, &label_args, "attach label K=V (repeatable)", "K=V" },
        { "capture", 0, 0, G_OPTION_ARG_STRING, &backend_args.backends[GH_CTL_CAPTURE],
          "take frames with BACKEND (capture.relay, ...; default: the daemon picks)", "BACKEND" },
        { "stream", 0, 0, G_OPTION_ARG_STRING, &backend_args.backends[GH_CTL_STREAM],
          "send them to the player with BACKEND (stream.webrtc, ...; default: none)", "BACKEND" },
        { "input", 0, 0, G_OPTION_ARG_STRING, &backend_args.backends[GH_CTL_INPUT],
          "put input into the VM with BACKEND (input.qmp, ...; default: the daemon picks)", "BACKEND" },
        { "capture-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &backend_args.options[GH_CTL_CAPTURE],
          "option K=V for the --capture backend (repeatable)", "K=V" },
        { "stream-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &backend_args.options[GH_CTL_STREAM],
          "option K=V for the --stream backend (repeatable)", "K=V" },
        { "input-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &backend_args.options[GH_CTL_INPUT],
          "option K=V for the --input backend (repeatable)", "K=V" },
        { "idempotency-key", 0, 0, G_OPTION_ARG_STRING, &key,
          "retrying with the same KEY returns the same session instead of a second one", "KEY" },
        { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "wait until the session runs (exit 1 if it fails)", NULL },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "IMAGE", "Create a session playing IMAGE.", entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("image id", argv[1], error) ||
        (key != NULL && !gh_ctl_check_idempotency_key(key, error)) ||
        !ctl_create_add_backends(&create, &backend_args, error))
        return FALSE;
    for (guint i = 0; label_args && label_args[i]; i++)
        if (!gh_ctl_add_pair(labels, "--label", label_args[i], error))
            return FALSE;
    create.image = argv[1];
    if (!(body = gh_ctl_create_body(&create, error)) || !gh_ctl_connect(ctl, FALSE, error) ||
        !gh_ctl_call(ctl, "POST", "/v1/sessions", body, key, &session, error))
        return FALSE;
    /* Only this answer carries the player link: taken before any wait. */
    base_url = gh_ctl_normalize_url(gh_ctl_pick_url(ctl->url, g_getenv("GAMEHOST_URL")), NULL);
    player = gh_ctl_render_player_link(session, base_url);
    if (!wait)
        ok = gh_ctl_show(ctl, session, ctl_render_session_now, error);
    else
        ok = ctl_wait_and_show(ctl, "running", &session, error);
    if (ok && player && !ctl->json)
        printf("player:      %s\n", player);
    return ok;
}

gboolean
gh_ctl_cmd_stop(GhCtl *ctl, int argc, char **argv, GError **error)
{
    gboolean wait = FALSE;
    g_autofree char *path = NULL;
    g_autoptr(JsonNode) session = NULL;
    const GOptionEntry entries[] = {
        { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "wait until the session has stopped", NULL },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "ID", "Stop a session.", entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, "DELETE", path, NULL, NULL, &session, error))
        return FALSE;
    if (!wait)
        return gh_ctl_show(ctl, session, ctl_render_session_now, error);
    return ctl_wait_and_show(ctl, "stopped", &session, error);
}

/* ---- input, frames ---------------------------------------------------------------- */

static JsonNode *
ctl_read_json_file(const char *file, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;

    if (strcmp(file, "-") == 0) {
        g_autoptr(GByteArray) buf = g_byte_array_new();
        guint8 chunk[8192];
        size_t n;

        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            g_byte_array_append(buf, chunk, n);
        if (ferror(stdin)) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot read standard input: %s",
                        g_strerror(errno));
            return NULL;
        }
        len = buf->len;
        text = (char *) g_byte_array_free(g_steal_pointer(&buf), FALSE);
    } else if (!g_file_get_contents(file, &text, &len, &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s", local->message);
        return NULL;
    }
    if (!json_parser_load_from_data(parser, text ? text : "", len, &local) || !json_parser_get_root(parser)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: not JSON: %s",
                    strcmp(file, "-") == 0 ? "standard input" : file, local ? local->message : "empty");
        return NULL;
    }
    return json_parser_steal_root(parser);
}

gboolean
gh_ctl_cmd_input(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *body_file = NULL;
    g_autofree char *session_path = NULL;
    g_autofree char *path = NULL;
    g_autoptr(JsonNode) body = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autofree char *text = NULL;
    const GOptionEntry entries[] = {
        { "body", 0, 0, G_OPTION_ARG_FILENAME, &body_file,
          "send FILE ('-': standard input) as the request body instead of EVENTs", "FILE" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command_range(ctl, "ID EVENT…",
                                    "Send input events to a running session's input backend, in order.",
                                    "EVENT is one of:\n"
                                    "  key:KEY_NAME[:down|up|tap]     a key (default: tap, press then release)\n"
                                    "  button:BTN_NAME[:down|up|tap]  a mouse button (BTN_LEFT, BTN_RIGHT, ...)\n"
                                    "  rel:REL_X|REL_Y:DELTA          relative motion, -10000..10000\n"
                                    "  abs:ABS_X|ABS_Y:VALUE          absolute position, 0..32767\n"
                                    "  wheel:DELTA                    the wheel (REL_WHEEL)\n"
                                    "Names are Linux evdev names (KEY_LEFT, KEY_SPACE, BTN_LEFT). Pads and touch:\n"
                                    "--body with {\"events\": [...]} as docs/api.yaml describes.",
                                    entries, &argc, &argv, 1, G_MAXINT, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    if (body_file != NULL && argc > 2) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: give EVENTs or --body, not both", ctl->command);
        return FALSE;
    }
    if (body_file != NULL)
        body = ctl_read_json_file(body_file, error);
    else if (argc > 2)
        body = gh_ctl_input_body((const char *const *) argv + 2, argc - 2, error);
    else
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: missing EVENT", ctl->command);
    if (body == NULL)
        return FALSE;
    session_path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    path = g_strconcat(session_path, "/input", NULL);
    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, "POST", path, body, NULL, &reply, error))
        return FALSE;
    if (ctl->json)
        return gh_ctl_print(gh_ctl_render_json(reply));
    text = gh_ctl_input_describe_reply(reply, error);
    if (text == NULL)
        return FALSE;
    fputs(text, stdout);
    return TRUE;
}

static gboolean
ctl_write_stdout(GBytes *bytes, GError **error)
{
    gsize len = 0;
    const void *data = g_bytes_get_data(bytes, &len);

    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot write to standard output: %s",
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

gboolean
gh_ctl_cmd_frame(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *out = NULL;
    g_autofree char *session_path = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GBytes) png = NULL;
    g_autoptr(GError) local = NULL;
    gboolean to_stdout;
    const GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "write the PNG to FILE ('-': standard output)", "FILE" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "ID", "Write a running session's current frame, as PNG, to standard output.",
                              entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    to_stdout = out == NULL || strcmp(out, "-") == 0;
    if (out == NULL && isatty(STDOUT_FILENO)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                    "%s: refusing to write PNG data to a terminal: redirect standard output or give -o FILE",
                    ctl->command);
        return FALSE;
    }
    session_path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    path = g_strconcat(session_path, "/frame", NULL);
    if (!gh_ctl_connect(ctl, FALSE, error) ||
        !gh_ctl_client_get_bytes(ctl->client, path, "image/png", &png, error))
        return FALSE;
    if (to_stdout)
        return ctl_write_stdout(png, error);
    if (!g_file_set_contents(out, g_bytes_get_data(png, NULL), g_bytes_get_size(png), &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s", local->message);
        return FALSE;
    }
    return TRUE;
}
