/* gpu-json: the GPU inventory as JSON, for GET /v1/gpus and
 * `gamehostctl host check --json`. */
#include "gpu-claim.h"
#include "util/json-util.h"

/* Lowercase hex, zero-padded to digits, as lspci and sysfs write ids. */
static void
gpu_json_add_hex(JsonBuilder *b, const char *name, const char *prefix, int digits, guint value)
{
    g_autofree char *text = g_strdup_printf("%s%0*x", prefix, digits, value);
    gh_json_add_string(b, name, text);
}

static void
gpu_json_add_strings(JsonBuilder *b, const char *name, const GPtrArray *list)
{
    gh_json_begin_array(b, name);
    for (guint i = 0; list && i < list->len; i++)
        json_builder_add_string_value(b, list->pdata[i]);
    json_builder_end_array(b);
}

static void
gpu_json_add_link(JsonBuilder *b, const GhGpuDevice *d)
{
    gh_json_begin_object(b, "link");
    gh_json_add_string(b, "speed", d->link_speed);
    gh_json_add_int(b, "width", d->link_width);
    gh_json_add_string(b, "max_speed", d->max_link_speed);
    gh_json_add_int(b, "max_width", d->max_link_width);
    json_builder_end_object(b);
}

static void
gpu_json_add_mdev_types(JsonBuilder *b, const GhGpuDevice *d)
{
    gh_json_begin_array(b, "mdev_types");
    for (guint i = 0; d->mdev_types && i < d->mdev_types->len; i++) {
        const GhGpuMdevType *t = d->mdev_types->pdata[i];
        json_builder_begin_object(b);
        gh_json_add_string(b, "id", t->id);
        gh_json_add_string(b, "name", t->name);
        gh_json_add_string(b, "device_api", t->device_api);
        gh_json_add_int(b, "available", t->available);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void
gpu_json_add_device(JsonBuilder *b, const GhGpuDevice *d, GhGpuClaims *claims)
{
    g_autofree char *holder = claims ? gh_gpu_claims_holder(claims, d->address) : NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "address", d->address);
    gpu_json_add_hex(b, "class", "0x", 6, d->class_code);
    gpu_json_add_hex(b, "vendor", "", 4, d->vendor);
    gpu_json_add_hex(b, "device", "", 4, d->device);
    gpu_json_add_hex(b, "subsystem_vendor", "", 4, d->subsystem_vendor);
    gpu_json_add_hex(b, "subsystem_device", "", 4, d->subsystem_device);
    gh_json_add_string(b, "driver", d->driver);
    json_builder_set_member_name(b, "iommu_group");
    if (d->iommu_group >= 0)
        json_builder_add_int_value(b, d->iommu_group);
    else
        json_builder_add_null_value(b);
    gpu_json_add_strings(b, "group", d->group);
    gpu_json_add_strings(b, "companions", d->companions);
    gh_json_add_int(b, "numa_node", d->numa_node);
    gh_json_add_string(b, "local_cpus", d->local_cpus);
    gpu_json_add_link(b, d);
    gh_json_add_bool(b, "boot_vga", d->boot_vga);
    gh_json_add_string(b, "physfn", d->physfn);
    gpu_json_add_strings(b, "vfs", d->vfs);
    gh_json_add_int(b, "sriov_total", d->sriov_total);
    gpu_json_add_mdev_types(b, d);
    gh_json_add_string(b, "alias", d->allow ? d->allow->alias : NULL);
    gh_json_add_bool(b, "managed", d->allow ? d->allow->managed : FALSE);
    gh_json_add_string(b, "verdict", gh_gpu_verdict_to_string(d->verdict));
    gh_json_add_string(b, "reason", d->reason);
    gh_json_add_string(b, "claimed_by", holder);
    json_builder_end_object(b);
}

JsonNode *
gh_gpu_inventory_to_json(const GhGpuInventory *inv, GhGpuClaims *claims)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_add_bool(b, "iommu_enabled", inv->iommu_enabled);
    gh_json_add_bool(b, "vfio_available", inv->vfio_available);
    gh_json_begin_array(b, "gpus");
    for (guint i = 0; i < inv->devices->len; i++)
        gpu_json_add_device(b, inv->devices->pdata[i], claims);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
