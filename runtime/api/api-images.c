/* api-images: the image catalog as seen by the orchestrator. */
#include "api-private.h"

#include "util/input-json.h"

/* "pad_keys": the profile's pad controls played as keys, in its order
 * ([] when it maps none), with the API's evdev names. */
static void
api_add_pad_keys(JsonBuilder *b, const GArray *pad_keys)
{
    gh_json_begin_array(b, "pad_keys");
    for (guint i = 0; pad_keys && i < pad_keys->len; i++) {
        const GhPadKey *k = &g_array_index(pad_keys, GhPadKey, i);
        const char *key = k->key ? gh_input_code_name(GH_INPUT_KEY, k->key) : NULL;

        json_builder_begin_object(b);
        gh_json_add_string(b, "type", gh_input_type_name(k->type));
        gh_json_add_string(b, "code", gh_input_code_name(k->type, k->code));
        if (k->type == GH_INPUT_PAD_BUTTON) {
            gh_json_add_string(b, "key", key);
        } else {
            gh_json_add_string(b, "negative", k->negative_key ? gh_input_code_name(GH_INPUT_KEY, k->negative_key)
                                                              : NULL);
            gh_json_add_string(b, "positive", key);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* Member name: the console profile p. */
static void
api_add_profile(JsonBuilder *b, const char *name, const GhProfile *p)
{
    gh_json_begin_object(b, name);
    gh_json_add_string(b, "id", p->id);
    gh_json_add_string(b, "title", p->title);
    gh_json_add_int(b, "vcpus", p->vcpus);
    gh_json_add_int(b, "memory_mib", (gint64) p->memory_mib);
    gh_json_begin_object(b, "display");
    gh_json_add_int(b, "width", p->width);
    gh_json_add_int(b, "height", p->height);
    gh_json_add_int(b, "refresh", p->refresh_hz);
    json_builder_end_object(b);
    gh_json_begin_array(b, "controllers");
    if (p->keyboard)
        json_builder_add_string_value(b, "keyboard");
    if (p->mouse)
        json_builder_add_string_value(b, "mouse");
    if (p->gamepad)
        json_builder_add_string_value(b, "gamepad");
    if (p->tablet)
        json_builder_add_string_value(b, "tablet");
    json_builder_end_array(b);
    api_add_pad_keys(b, p->pad_keys);
    gh_json_add_string(b, "sound", gh_sound_to_string(p->sound));
    gh_json_add_string(b, "gpu", gh_gpu_need_to_string(p->gpu));
    json_builder_end_object(b);
}

JsonNode *
gh_api_image_to_json(const GhImage *image)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_add_string(b, "id", image->id);
    gh_json_add_string(b, "title", image->title);
    gh_json_add_string(b, "version", image->version);
    gh_json_add_string(b, "boot", gh_boot_kind_to_string(image->boot));
    gh_json_add_string(b, "firmware", gh_firmware_to_string(image->firmware));
    api_add_profile(b, "profile", image->profile);
    gh_json_begin_array(b, "capture");
    for (char **c = image->capture; c && *c; c++)
        json_builder_add_string_value(b, *c);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* Member name: the catalog's problems, one {file, line, reason} each. */
static void
api_add_problems(JsonBuilder *b, const char *name, const GPtrArray *problems)
{
    gh_json_begin_array(b, name);
    for (guint i = 0; problems && i < problems->len; i++) {
        const GhImageProblem *p = g_ptr_array_index(problems, i);

        json_builder_begin_object(b);
        gh_json_add_string(b, "file", p->file);
        gh_json_add_int(b, "line", p->line);
        gh_json_add_string(b, "reason", p->reason);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

void
gh_api_handle_images(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    const GPtrArray *images = gh_catalog_images(api->catalog);
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object(b);
    gh_json_begin_array(b, "images");
    for (guint i = 0; images && i < images->len; i++)
        json_builder_add_value(b, gh_api_image_to_json(g_ptr_array_index(images, i)));
    json_builder_end_array(b);
    api_add_problems(b, "problems", gh_catalog_problems(api->catalog));
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}

void
gh_api_handle_image(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    const GhImage *image = NULL;
    g_autoptr(JsonNode) node = NULL;

    /* Validated here too, so a hostile id never reaches the catalog. */
    if (gh_image_id_is_valid(arg))
        image = gh_catalog_lookup(api->catalog, arg);
    if (!image) {
        gh_api_respond_error(api, msg, SOUP_STATUS_NOT_FOUND, "not_found", "no image with that id");
        return;
    }
    node = gh_api_image_to_json(image);
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}
