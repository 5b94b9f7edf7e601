/* pipeline-input: see pipeline-input.h.  Main thread only, as the input
 * ops are. */
#include "pipeline-input.h"
#include "plugin-watch.h"

#include <errno.h>

GH_ENUM_IMPL(input_drop, GhInputDrop, GH_INPUT_DROP_LAST, "unknown", "unsupported", "invalid", "failed",
             "no_backend");

static void
pipeline_input_drop_clear(gpointer data)
{
    g_free(((GhPipelineInputDrop *)data)->message);
}

GArray *
gh_pipeline_input_drops_new(void)
{
    GArray *drops = g_array_new(FALSE, FALSE, sizeof(GhPipelineInputDrop));

    g_array_set_clear_func(drops, pipeline_input_drop_clear);
    return drops;
}

/* The SDK's contract (gh_input_ops.send): these two mean the backend took
 * none of the events, so each may be tried on its own. */
static GhInputDrop
pipeline_input_reason(int rc)
{
    return rc == -EOPNOTSUPP ? GH_INPUT_DROP_UNSUPPORTED : rc == -EINVAL ? GH_INPUT_DROP_INVALID
                                                                          : GH_INPUT_DROP_FAILED;
}

/* Events [first, first + n) to the backend in one call; on failure they
 * are dropped, in drops, with the backend's words. */
static int
pipeline_input_call(GhPluginInstance *input, const gh_input_event *events, guint first, guint n, GArray *drops)
{
    const GhBackend *b = gh_plugin_instance_backend(input);
    g_autofree char *why = NULL;
    int rc;

    gh_plugin_instance_clear_error(input);
    GH_PLUGIN_CALL(b, "send", 0, rc = b->input.send(gh_plugin_instance_handle(input), events + first, n));
    if (rc >= 0)
        return 0;
    why = gh_plugin_instance_last_error(input);
    for (guint i = first; i < first + n; i++) {
        GhPipelineInputDrop d = { i, pipeline_input_reason(rc), NULL };
        d.message = why && *why ? g_strdup(why) : g_strdup_printf("%s: %s", b->name, g_strerror(-rc));
        g_array_append_val(drops, d);
    }
    return rc;
}

/* Delivers what the backend takes, each drop in drops. */
static void
pipeline_input_each(GhPluginInstance *input, const gh_input_event *events, guint n, GArray *drops)
{
    guint before = drops->len;
    int rc = pipeline_input_call(input, events, 0, n, drops);

    if (n > 1 && (rc == -EINVAL || rc == -EOPNOTSUPP)) {
        g_array_remove_range(drops, before, drops->len - before);
        for (guint i = 0; i < n; i++)
            pipeline_input_call(input, events, i, 1, drops);
    }
}

/* With pads played as keys: each event the mapping takes becomes its key
 * events (maybe none), the others go on as they are; what the backend
 * drops is reported once, against the event it came from. */
static void
pipeline_input_each_mapped(GhPluginInstance *input, GhPadKeys *pad_keys, const gh_input_event *events, guint n,
                           GArray *drops)
{
    g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(gh_input_event));
    g_autoptr(GArray) origin = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GArray) refused = gh_pipeline_input_drops_new();
    guint first = drops->len;

    for (guint i = 0; i < n; i++) {
        guint before = sent->len;

        if (!gh_pad_keys_translate(pad_keys, &events[i], sent))
            g_array_append_val(sent, events[i]);
        for (guint j = before; j < sent->len; j++)
            g_array_append_val(origin, i);
    }
    if (sent->len > 0)
        pipeline_input_each(input, (const gh_input_event *)sent->data, sent->len, refused);
    /* refused is in order, so a second drop of one event follows its first. */
    for (guint j = 0; j < refused->len; j++) {
        GhPipelineInputDrop *r = &g_array_index(refused, GhPipelineInputDrop, j);
        GhPipelineInputDrop d = { g_array_index(origin, guint, r->index), r->reason, NULL };

        if (drops->len > first && g_array_index(drops, GhPipelineInputDrop, drops->len - 1).index == d.index)
            continue;
        d.message = g_steal_pointer(&r->message);
        g_array_append_val(drops, d);
    }
}

int
gh_pipeline_input_deliver(GhPluginInstance *input, GhPadKeys *pad_keys, const gh_input_event *events, guint n,
                          GArray *drops, guint *delivered, char **message)
{
    guint before = drops->len, failed = 0;

    *delivered = 0;
    if (n > GH_PIPELINE_INPUT_MAX) {
        *message = g_strdup_printf("too many input events: %u (at most %u)", n, GH_PIPELINE_INPUT_MAX);
        return -E2BIG;
    }
    if (n == 0)
        return 0;
    if (!events) {
        *message = g_strdup("no input events");
        return -EINVAL;
    }
    if (!input) {
        for (guint i = 0; i < n; i++) {
            GhPipelineInputDrop d = { i, GH_INPUT_DROP_NO_BACKEND, g_strdup("no input backend for this session") };
            g_array_append_val(drops, d);
        }
        *message = g_strdup("no input backend for this session");
        return -ENODEV;
    }
    if (pad_keys)
        pipeline_input_each_mapped(input, pad_keys, events, n, drops);
    else
        pipeline_input_each(input, events, n, drops);
    *delivered = n - (drops->len - before);
    for (guint i = before; i < drops->len; i++)
        failed += g_array_index(drops, GhPipelineInputDrop, i).reason == GH_INPUT_DROP_FAILED;
    if (failed == n) {
        *message = g_strdup_printf("%s failed: %s", gh_plugin_instance_backend(input)->name,
                                   g_array_index(drops, GhPipelineInputDrop, before).message);
        return -EIO;
    }
    return 0;
}
