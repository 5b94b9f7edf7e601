/* api-images: the image catalog as seen by the orchestrator. */
#include "api-private.h"

static const char *
api_firmware_to_string(GhFirmware firmware)
{
    return firmware == GH_FIRMWARE_UEFI ? "uefi" : "bios";
}

static void
api_add_profile(JsonBuilder *b, const GhProfile *p)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, p->id);
    json_builder_set_member_name(b, "title");
    json_builder_add_string_value(b, p->title);
    json_builder_set_member_name(b, "vcpus");
    json_builder_add_int_value(b, p->vcpus);
    json_builder_set_member_name(b, "memory_mib");
    json_builder_add_int_value(b, (gint64) p->memory_mib);
    json_builder_set_member_name(b, "display");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "width");
    json_builder_add_int_value(b, p->width);
    json_builder_set_member_name(b, "height");
    json_builder_add_int_value(b, p->height);
    json_builder_set_member_name(b, "refresh");
    json_builder_add_int_value(b, p->refresh_hz);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "controllers");
    json_builder_begin_array(b);
    if (p->keyboard)
        json_builder_add_string_value(b, "keyboard");
    if (p->mouse)
        json_builder_add_string_value(b, "mouse");
    if (p->gamepad)
        json_builder_add_string_value(b, "gamepad");
    json_builder_end_array(b);
    json_builder_set_member_name(b, "gpu");
    json_builder_add_string_value(b, gh_gpu_need_to_string(p->gpu));
    json_builder_end_object(b);
}

JsonNode *
gh_api_image_to_json(const GhImage *image)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, image->id);
    json_builder_set_member_name(b, "title");
    json_builder_add_string_value(b, image->title);
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, image->version);
    json_builder_set_member_name(b, "boot");
    json_builder_add_string_value(b, gh_boot_kind_to_string(image->boot));
    json_builder_set_member_name(b, "firmware");
    json_builder_add_string_value(b, api_firmware_to_string(image->firmware));
    json_builder_set_member_name(b, "profile");
    api_add_profile(b, image->profile);
    json_builder_set_member_name(b, "capture");
    json_builder_begin_array(b);
    for (char **c = image->capture; c && *c; c++)
        json_builder_add_string_value(b, *c);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void
api_add_problems(JsonBuilder *b, const GPtrArray *problems)
{
    json_builder_begin_array(b);
    for (guint i = 0; problems && i < problems->len; i++) {
        const GhImageProblem *p = g_ptr_array_index(problems, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "file");
        json_builder_add_string_value(b, p->file);
        json_builder_set_member_name(b, "line");
        json_builder_add_int_value(b, p->line);
        json_builder_set_member_name(b, "reason");
        json_builder_add_string_value(b, p->reason);
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
    json_builder_set_member_name(b, "images");
    json_builder_begin_array(b);
    for (guint i = 0; images && i < images->len; i++)
        json_builder_add_value(b, gh_api_image_to_json(g_ptr_array_index(images, i)));
    json_builder_end_array(b);
    json_builder_set_member_name(b, "problems");
    api_add_problems(b, gh_catalog_problems(api->catalog));
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
