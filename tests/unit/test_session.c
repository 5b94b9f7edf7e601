/* The session state machine on libvirt's test driver: real libvirt calls and
 * lifecycle events, no QEMU. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <string.h>

#include "../plugins/pipeline-fake.h"
#include "virt/domain.h"
#include "gpu-fixture.h"
#include "session/session.h"
#include "testutil.h"
#include "worker-fixture.h"
#include "virt/vm-access.h"

typedef struct {
    char *tmp;
    GhConfig *config;
    GhVirt *virt;
    GhCatalog *catalog;
    GhSessionManager *mgr;
    GPtrArray *events;      /* "state" strings, in order */
    GMainContext *context;  /* not the global default: libvirt's thread iterates that */
} Fixture;

static Fixture fx;

static char *
sha256_of(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;

    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void
write_manifest_capture(const char *dir, const char *id, const char *profile, gboolean disk, const char *capture)
{
    g_autofree char *art = g_build_filename(dir, disk ? "disk.qcow2" : "kernel.elf", NULL);
    g_autofree char *sum = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *name = g_strconcat(id, ".image.xml", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (disk) {
        g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f qcow2 %s 1M", art);
        ck_assert_int_eq(system(cmd), 0);
    } else {
        ck_assert(g_file_set_contents(art, "not really a kernel", -1, NULL));
    }
    sum = sha256_of(art);
    g_autofree char *boot = disk ? g_strdup_printf("<disk path='disk.qcow2' format='qcow2' sha256='%s'/>", sum)
                                 : g_strdup_printf("<kernel path='kernel.elf' sha256='%s'/>", sum);
    xml = g_strdup_printf("<image xmlns='https://gamehost.dev/xmlns/image/1' id='%s' version='1'>"
                          "<title>%s</title><profile>%s</profile><boot firmware='bios'>%s</boot>"
                          "<capture>%s</capture></image>",
                          id, id, profile, boot, capture);
    ck_assert(g_file_set_contents(path, xml, -1, NULL));
}

static void
write_manifest(const char *dir, const char *id, const char *profile, gboolean disk)
{
    write_manifest_capture(dir, id, profile, disk, "<path>screenshot</path>");
}

/* A Linux guest's image: kernel, initrd and a root disk on virtio. */
static void
write_linux_manifest(const char *dir, const char *id)
{
    g_autofree char *kernel = g_build_filename(dir, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(dir, "initrd.img", NULL);
    g_autofree char *disk = g_build_filename(dir, "root.qcow2", NULL);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f qcow2 %s 1M", disk);
    g_autofree char *name = g_strconcat(id, ".image.xml", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *xml = NULL;
    g_autofree char *kernel_sum = NULL, *initrd_sum = NULL, *disk_sum = NULL;

    ck_assert(g_file_set_contents(kernel, "not really a kernel", -1, NULL));
    ck_assert(g_file_set_contents(initrd, "not really an initrd", -1, NULL));
    ck_assert_int_eq(system(cmd), 0);
    kernel_sum = sha256_of(kernel);
    initrd_sum = sha256_of(initrd);
    disk_sum = sha256_of(disk);
    xml = g_strdup_printf("<image xmlns='https://gamehost.dev/xmlns/image/1' id='%s' version='1'>"
                          "<title>%s</title><profile>pc-640</profile><boot>"
                          "<kernel path='vmlinuz' sha256='%s'/><initrd path='initrd.img' sha256='%s'/>"
                          "<cmdline>root=/dev/vda rw console=ttyS0</cmdline>"
                          "<disk path='root.qcow2' format='qcow2' bus='virtio' sha256='%s'/>"
                          "</boot><capture><path>screenshot</path></capture></image>",
                          id, id, kernel_sum, initrd_sum, disk_sum);
    ck_assert(g_file_set_contents(path, xml, -1, NULL));
}

static void
on_event(const GhSession *s, GhSessionState previous, gpointer data)
{
    g_ptr_array_add(fx.events, g_strdup(gh_session_state_to_string(s->state)));
}

static GhSessionManager *
new_manager(void)
{
    g_autoptr(GError) err = NULL;
    GhSessionManager *mgr = gh_session_manager_new(fx.config, fx.virt, fx.catalog, &err);

    ck_assert_msg(mgr, "%s", err ? err->message : "");
    gh_session_manager_subscribe(mgr, on_event, NULL);
    return mgr;
}

static void
setup(void)
{
    const char *src = g_getenv("GH_TEST_SRCDIR");
    g_autofree char *images = NULL;
    g_autofree char *schema = g_build_filename(src, "images", "schema", NULL);
    g_autofree char *profiles = g_build_filename(src, "images", "profiles", NULL);
    const char *profile_dirs[] = { profiles, NULL };
    const char *image_dirs[2] = { NULL, NULL };
    g_autoptr(GError) err = NULL;

    fx.context = g_main_context_new();
    g_main_context_push_thread_default(fx.context);
    fx.tmp = gh_test_make_tmpdir("gh-test-session");
    images = g_build_filename(fx.tmp, "images", NULL);
    g_mkdir(images, 0755);
    write_manifest(images, "arena", "arcade-640", FALSE);
    g_autofree char *disk_dir = g_build_filename(images, "disk", NULL);
    g_mkdir(disk_dir, 0755);
    write_manifest(disk_dir, "arena-disk", "arcade-640", TRUE);
    g_autofree char *gpu_dir = g_build_filename(images, "gpu", NULL);
    g_mkdir(gpu_dir, 0755);
    write_manifest(gpu_dir, "big-game", "console-4k", FALSE);
    g_autofree char *relay_dir = g_build_filename(images, "relay", NULL);
    g_mkdir(relay_dir, 0755);
    write_manifest_capture(relay_dir, "arena-relay", "arcade-640", FALSE,
                           "<path>screenshot</path><path>relay</path>");
    g_autofree char *linux_dir = g_build_filename(images, "linux", NULL);
    g_mkdir(linux_dir, 0755);
    write_linux_manifest(linux_dir, "arena-linux");
    image_dirs[0] = images;

    fx.config = gh_config_new_default();
    g_free(fx.config->state_dir);
    fx.config->state_dir = g_build_filename(fx.tmp, "state", NULL);
    fx.config->max_sessions = 3;
    gh_test_config_workers(fx.config, fx.tmp);
    fx.catalog = gh_catalog_load(schema, profile_dirs, image_dirs, &err);
    ck_assert_msg(fx.catalog, "%s", err ? err->message : "");
    ck_assert_uint_eq(gh_catalog_images(fx.catalog)->len, 5);
    fx.virt = gh_virt_open("test:///default", fx.config->state_dir, "qemu", NULL, &err);
    ck_assert_msg(fx.virt, "%s", err ? err->message : "");
    fx.events = g_ptr_array_new_with_free_func(g_free);
    fx.mgr = new_manager();
}

static void
teardown(void)
{

    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.virt = gh_virt_free(fx.virt);
    fx.catalog = gh_catalog_free(fx.catalog);
    fx.config = gh_config_free(fx.config);
    g_ptr_array_unref(fx.events);
    gh_test_rm_rf(fx.tmp);
    g_free(fx.tmp);
    g_main_context_pop_thread_default(fx.context);
    g_main_context_unref(fx.context);
}

/* Iterates the main loop until the session reaches state, or 10 s pass. */
static void
wait_state(GhSessionManager *mgr, const char *id, GhSessionState state)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    const GhSession *s;

    while ((s = gh_session_manager_lookup(mgr, id)) && s->state != state && g_get_monotonic_time() < deadline)
        g_main_context_iteration(fx.context, FALSE);
    ck_assert_msg(s, "session %s vanished", id);
    ck_assert_str_eq(gh_session_state_to_string(s->state), gh_session_state_to_string(state));
}

static const GhSession *
create(const char *image, const char *key, const char *hash, GError **error)
{
    GhSessionRequest req = { .image_id = image, .idempotency_key = key, .request_hash = hash };
    gboolean replayed;

    return gh_session_manager_create(fx.mgr, &req, &replayed, error);
}

static char *
create_running(const char *image)
{
    g_autoptr(GError) err = NULL;
    const GhSession *s = create(image, NULL, NULL, &err);

    ck_assert_msg(s, "%s", err ? err->message : "");
    wait_state(fx.mgr, s->id, GH_SESSION_RUNNING);
    return g_strdup(s->id);
}

static guint
session_count(void)
{
    g_autoptr(GPtrArray) all = gh_session_manager_list(fx.mgr);
    return all->len;
}

static int
domain_is_active(const char *name)
{
    virDomainPtr dom = virDomainLookupByName(gh_virt_conn(fx.virt), name);
    int active;

    if (!dom)
        return 0;
    active = virDomainIsActive(dom);
    virDomainFree(dom);
    return active;
}

static char *
events_joined(void)
{
    g_ptr_array_add(fx.events, NULL);
    char *joined = g_strjoinv(",", (char **)fx.events->pdata);
    g_ptr_array_remove_index(fx.events, fx.events->len - 1);
    return joined;
}

static char *
record_state(const char *id)
{
    g_autofree char *name = g_strconcat(id, ".json", NULL);
    g_autofree char *path = g_build_filename(fx.config->state_dir, "sessions", name, NULL);
    g_autoptr(JsonParser) p = json_parser_new();

    if (!json_parser_load_from_file(p, path, NULL))
        return NULL;
    return g_strdup(json_object_get_string_member(json_node_get_object(json_parser_get_root(p)), "state"));
}

static gboolean
record_flag(const char *id, const char *member)
{
    g_autofree char *name = g_strconcat(id, ".json", NULL);
    g_autofree char *path = g_build_filename(fx.config->state_dir, "sessions", name, NULL);
    g_autoptr(JsonParser) p = json_parser_new();

    ck_assert(json_parser_load_from_file(p, path, NULL));
    return json_object_get_boolean_member(json_node_get_object(json_parser_get_root(p)), member);
}

/* The record as the daemon left it, for a test to change what a restarted
 * daemon finds; record_save writes it back. */
static JsonObject *
record_load(const char *id, JsonParser *parser)
{
    g_autofree char *path = g_strdup_printf("%s/sessions/%s.json", fx.config->state_dir, id);

    ck_assert(json_parser_load_from_file(parser, path, NULL));
    return json_node_get_object(json_parser_get_root(parser));
}

static void
record_save(const char *id, JsonParser *parser)
{
    g_autofree char *path = g_strdup_printf("%s/sessions/%s.json", fx.config->state_dir, id);
    g_autofree char *text = json_to_string(json_parser_get_root(parser), TRUE);

    ck_assert(g_file_set_contents(path, text, -1, NULL));
}

START_TEST(test_create_starts_domain_and_reaches_running)
{
    g_autofree char *id = create_running("arena");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    g_autofree char *name = gh_domain_name_for_session(id);
    g_autofree char *state = record_state(id);
    g_autofree char *events = events_joined();

    ck_assert_str_eq(s->domain_name, name);
    ck_assert_int_eq(domain_is_active(name), 1);
    ck_assert_str_eq(state, "running");
    ck_assert_str_eq(events, "starting,running");
    ck_assert(s->started_at >= s->created_at);
    ck_assert_ptr_null(s->overlay_path);
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 1);
}
END_TEST

START_TEST(test_domain_carries_session_metadata)
{
    g_autofree char *id = create_running("arena");
    g_autofree char *name = gh_domain_name_for_session(id);
    virDomainPtr dom = virDomainLookupByName(gh_virt_conn(fx.virt), name);
    g_autofree char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, GH_DOMAIN_METADATA_NS, 0);
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, NULL);

    virDomainFree(dom);
    ck_assert_ptr_nonnull(md);
    ck_assert_str_eq(md->session_id, id);
    ck_assert_str_eq(md->image_id, "arena");
}
END_TEST

START_TEST(test_stop_destroys_domain_and_removes_overlay)
{
    g_autofree char *id = create_running("arena-disk");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    g_autofree char *overlay = g_strdup(s->overlay_path);
    g_autofree char *events = NULL;
    g_autofree char *state = NULL;

    ck_assert(g_file_test(overlay, G_FILE_TEST_IS_REGULAR));
    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    ck_assert_int_eq(s->state, GH_SESSION_STOPPING);
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    events = events_joined();
    state = record_state(id);
    ck_assert_str_eq(events, "starting,running,stopping,stopped");
    ck_assert_str_eq(state, "stopped");
    ck_assert_str_eq(s->reason, "stopped by request");
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
    ck_assert(!g_file_test(overlay, G_FILE_TEST_EXISTS));
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

START_TEST(test_overlay_is_backed_by_the_image)
{
    g_autofree char *id = create_running("arena-disk");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    const GhImage *img = gh_catalog_lookup(fx.catalog, "arena-disk");
    g_autofree char *cmd = g_strdup_printf("qemu-img info --output=json -U %s", s->overlay_path);
    g_autofree char *out = NULL;

    ck_assert(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(out, img->disk_path));
}
END_TEST

/* A kernel with a root disk writes to an overlay exactly as a disk boot does. */
START_TEST(test_kernel_with_root_disk_gets_overlay_backed_by_the_disk)
{
    g_autofree char *id = create_running("arena-linux");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    const GhImage *img = gh_catalog_lookup(fx.catalog, "arena-linux");
    g_autofree char *expected = g_build_filename(s->dir, "overlay.qcow2", NULL);
    g_autofree char *cmd = g_strdup_printf("qemu-img info --output=json -U %s", expected);
    g_autofree char *out = NULL;

    ck_assert_int_eq(img->boot, GH_BOOT_KERNEL);
    ck_assert_str_eq(s->overlay_path, expected);
    ck_assert(g_file_test(expected, G_FILE_TEST_IS_REGULAR));
    ck_assert(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(out, img->disk_path));
}
END_TEST

START_TEST(test_kernel_with_root_disk_domain_metadata_names_overlay)
{
    g_autofree char *id = create_running("arena-linux");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    virDomainPtr dom = virDomainLookupByName(gh_virt_conn(fx.virt), s->domain_name);
    g_autofree char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, GH_DOMAIN_METADATA_NS, 0);
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, NULL);

    virDomainFree(dom);
    ck_assert_ptr_nonnull(md);
    ck_assert_str_eq(md->overlay_path, s->overlay_path);
}
END_TEST

START_TEST(test_stop_removes_overlay_of_kernel_with_root_disk)
{
    g_autofree char *id = create_running("arena-linux");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    g_autofree char *overlay = g_strdup(s->overlay_path);

    ck_assert(g_file_test(overlay, G_FILE_TEST_IS_REGULAR));
    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert(!g_file_test(overlay, G_FILE_TEST_EXISTS));
}
END_TEST

/* A restarted daemon adopts the session with its overlay, and removes the
 * overlay when the adopted session stops. */
START_TEST(test_adopted_kernel_with_root_disk_removes_overlay_on_stop)
{
    g_autofree char *id = create_running("arena-linux");
    g_autofree char *overlay = g_strdup(gh_session_manager_lookup(fx.mgr, id)->overlay_path);
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert(s->adopted);
    ck_assert_str_eq(s->overlay_path, overlay);
    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert(!g_file_test(overlay, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_domain_destroyed_outside_fails_session)
{
    g_autofree char *id = create_running("arena-disk");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    g_autofree char *overlay = g_strdup(s->overlay_path);
    virConnectPtr other = virConnectOpen("test:///default");
    virDomainPtr dom = virDomainLookupByName(other, s->domain_name);

    ck_assert_int_eq(virDomainDestroy(dom), 0);
    virDomainFree(dom);
    virConnectClose(other);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    ck_assert_str_eq(s->reason, "vm stopped: destroyed outside gamehost");
    ck_assert(!g_file_test(overlay, G_FILE_TEST_EXISTS));
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

/* ---- frame relay ------------------------------------------------------ */

static char *
domain_xml_of(const char *name)
{
    virDomainPtr dom = virDomainLookupByName(gh_virt_conn(fx.virt), name);
    char *xml;

    ck_assert_ptr_nonnull(dom);
    xml = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    ck_assert_ptr_nonnull(xml);
    return xml;
}

/* QEMU creates the relay's /dev/shm file; the test driver runs no QEMU, so
 * the test makes it as QEMU would. */
static char *
make_relay_file(const char *id)
{
    g_autofree char *name = gh_domain_name_for_session(id);
    char *path = g_build_filename("/dev/shm", name, NULL);

    ck_assert_msg(g_file_set_contents(path, "relay", -1, NULL), "cannot create %s", path);
    return path;
}

START_TEST(test_relay_image_gets_shmem_named_after_session)
{
    g_autofree char *id = create_running("arena-relay");
    g_autofree char *name = gh_domain_name_for_session(id);
    g_autofree char *xml = domain_xml_of(name);
    g_autofree char *shmem = g_strdup_printf("<shmem name='%s'>", name);

    ck_assert_msg(strstr(xml, shmem) != NULL, "no %s in:\n%s", shmem, xml);
    ck_assert(strstr(xml, "<model type='ivshmem-plain'/>") != NULL);
    ck_assert(strstr(xml, "<size unit='M'>4</size>") != NULL);
}
END_TEST

START_TEST(test_image_without_relay_gets_no_shmem)
{
    g_autofree char *id = create_running("arena");
    g_autofree char *name = gh_domain_name_for_session(id);
    g_autofree char *xml = domain_xml_of(name);

    ck_assert(strstr(xml, "<shmem") == NULL);
}
END_TEST

START_TEST(test_relay_memory_removed_after_stop)
{
    g_autofree char *id = create_running("arena-relay");
    g_autofree char *path = make_relay_file(id);

    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_msg(!g_file_test(path, G_FILE_TEST_EXISTS), "%s left behind", path);
}
END_TEST

START_TEST(test_relay_memory_removed_when_vm_dies)
{
    g_autofree char *id = create_running("arena-relay");
    g_autofree char *path = make_relay_file(id);
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    virConnectPtr other = virConnectOpen("test:///default");
    virDomainPtr dom = virDomainLookupByName(other, s->domain_name);

    ck_assert_int_eq(virDomainDestroy(dom), 0);
    virDomainFree(dom);
    virConnectClose(other);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    ck_assert_msg(!g_file_test(path, G_FILE_TEST_EXISTS), "%s left behind", path);
}
END_TEST

START_TEST(test_capacity_refuses_and_leaks_nothing)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sessions_dir = g_build_filename(fx.config->state_dir, "sessions", NULL);
    g_autoptr(GDir) dir = NULL;
    guint entries = 0;

    for (int i = 0; i < 3; i++)
        g_free(create_running("arena"));
    ck_assert_ptr_null(create("arena", NULL, NULL, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_CAPACITY));
    ck_assert_str_eq(err->message, "host is at capacity: 3 of 3 sessions active");
    ck_assert_uint_eq(session_count(), 3);
    dir = g_dir_open(sessions_dir, 0, NULL);
    while (g_dir_read_name(dir))
        entries++;
    ck_assert_uint_eq(entries, 6); /* 3 records + 3 session dirs */
}
END_TEST

START_TEST(test_create_refuses_unknown_image)
{
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(create("../etc/passwd", NULL, NULL, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_UNKNOWN_IMAGE));
    ck_assert_str_eq(err->message, "unknown image '../etc/passwd'");
}
END_TEST

START_TEST(test_create_refuses_gpu_image_without_gpu)
{
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(create("big-game", NULL, NULL, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_GPU));
    ck_assert_str_eq(err->message, "image 'big-game' needs a GPU (profile 'console-4k'): this host assigns none");
}
END_TEST

START_TEST(test_draining_refuses_new_sessions_only)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *id = create_running("arena");

    gh_session_manager_set_draining(fx.mgr, TRUE);
    ck_assert_ptr_null(create("arena", NULL, NULL, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_DRAINING));
    ck_assert_int_eq(gh_session_manager_lookup(fx.mgr, id)->state, GH_SESSION_RUNNING);
    gh_session_manager_set_draining(fx.mgr, FALSE);
    g_free(create_running("arena"));
}
END_TEST

START_TEST(test_idempotency_key_replays_same_session)
{
    GhSessionRequest req = { .image_id = "arena", .idempotency_key = "k1", .request_hash = "h1" };
    gboolean replayed = TRUE;
    const GhSession *a = gh_session_manager_create(fx.mgr, &req, &replayed, NULL);
    const GhSession *b;

    ck_assert(!replayed);
    b = gh_session_manager_create(fx.mgr, &req, &replayed, NULL);
    ck_assert(replayed);
    ck_assert_ptr_eq(a, b);
    ck_assert_uint_eq(session_count(), 1);
}
END_TEST

START_TEST(test_idempotency_key_reuse_with_other_request_fails)
{
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_nonnull(create("arena", "k1", "h1", NULL));
    ck_assert_ptr_null(create("arena-disk", "k1", "h2", &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_IDEMPOTENCY));
    ck_assert_uint_eq(session_count(), 1);
}
END_TEST

START_TEST(test_stop_while_starting_stops_after_start)
{
    const GhSession *s = create("arena", NULL, NULL, NULL);
    g_autofree char *id = g_strdup(s->id);
    g_autofree char *events = NULL;

    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    ck_assert(record_flag(id, "stop_requested"));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    events = events_joined();
    ck_assert_str_eq(events, "starting,running,stopping,stopped");
    ck_assert(!record_flag(id, "stop_requested"));
}
END_TEST

START_TEST(test_restore_honours_a_stop_requested_while_starting)
{
    g_autofree char *id = create_running("arena");
    g_autofree char *name = gh_domain_name_for_session(id);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o;

    /* The daemon died after accepting a DELETE for a starting session. */
    fx.mgr = gh_session_manager_free(fx.mgr);
    o = record_load(id, parser);
    json_object_set_string_member(o, "state", "starting");
    json_object_set_boolean_member(o, "stop_requested", TRUE);
    record_save(id, parser);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_int_eq(domain_is_active(name), 0);
    ck_assert_str_eq(gh_session_manager_lookup(fx.mgr, id)->reason, "stopped by request");
}
END_TEST

START_TEST(test_stop_unknown_session_is_not_found)
{
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(gh_session_manager_stop(fx.mgr, "nope", &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND));
}
END_TEST

START_TEST(test_restore_adopts_running_domain)
{
    g_autofree char *id = create_running("arena-disk");
    int before = virConnectNumOfDomains(gh_virt_conn(fx.virt));
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->state, GH_SESSION_RUNNING);
    ck_assert(s->adopted);
    ck_assert_int_eq(virConnectNumOfDomains(gh_virt_conn(fx.virt)), before);
    ck_assert(g_file_test(s->overlay_path, G_FILE_TEST_IS_REGULAR));
    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
}
END_TEST

START_TEST(test_restore_keeps_started_at_of_adopted_running_session)
{
    g_autofree char *id = create_running("arena");
    gint64 started_at = gh_session_manager_lookup(fx.mgr, id)->started_at;
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert_int_eq(s->state, GH_SESSION_RUNNING);
    ck_assert_int_eq(s->started_at, started_at);
}
END_TEST

/* The daemon died between the domain's start and the session's "running". */
START_TEST(test_restore_runs_a_session_adopted_while_starting)
{
    g_autofree char *id = create_running("arena");
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *state = NULL;
    g_autofree char *events = NULL;
    JsonObject *o;
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    o = record_load(id, parser);
    json_object_set_string_member(o, "state", "starting");
    json_object_set_null_member(o, "started_at");
    record_save(id, parser);
    g_ptr_array_set_size(fx.events, 0);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    state = record_state(id);
    events = events_joined();
    ck_assert_int_eq(s->state, GH_SESSION_RUNNING);
    ck_assert(s->adopted);
    ck_assert(s->started_at >= s->created_at);
    ck_assert_str_eq(state, "running");
    ck_assert_str_eq(events, "running");
}
END_TEST

/* Only the digest is kept, and it survives a restart: the link handed out
 * before still opens the player; another session's token does not. */
START_TEST(test_player_token_survives_restart_and_only_its_digest_is_kept)
{
    g_autofree char *id = create_running("arena-disk");
    g_autofree char *other = create_running("arena-disk");
    g_autofree char *record_path = NULL;
    g_autofree char *record = NULL;
    gint64 expires_at = 0, other_expires = 0;
    g_autofree char *token = gh_session_manager_mint_player_token(fx.mgr, id, 0, &expires_at, NULL);
    g_autofree char *other_token = gh_session_manager_mint_player_token(fx.mgr, other, 60, &other_expires, NULL);
    const GhSession *s;

    ck_assert_ptr_nonnull(token);
    ck_assert_ptr_nonnull(other_token);
    ck_assert_int_gt(expires_at, other_expires);
    s = gh_session_manager_lookup(fx.mgr, id);
    record_path = g_strdup_printf("%s/sessions/%s.json", fx.config->state_dir, id);
    ck_assert(g_file_get_contents(record_path, &record, NULL, NULL));
    ck_assert_ptr_null(strstr(record, token));
    ck_assert_ptr_nonnull(strstr(record, "\"player_token\""));

    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert(s->has_player_token);
    ck_assert_int_eq(s->player_token_expires_at, expires_at);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, token), GH_PLAYER_TOKEN_ACCEPTED);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, other_token), GH_PLAYER_TOKEN_WRONG_SESSION);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, other, other_token), GH_PLAYER_TOKEN_ACCEPTED);
}
END_TEST

static gint64 fake_now;

static gint64
fake_clock(void)
{
    return fake_now;
}

START_TEST(test_player_token_expires_and_reminting_revokes)
{
    g_autofree char *id = create_running("arena-disk");
    g_autofree char *first = NULL, *second = NULL;
    gint64 expires_at = 0;

    fake_now = G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC;
    gh_session_manager_set_clock(fx.mgr, fake_clock);
    first = gh_session_manager_mint_player_token(fx.mgr, id, 10, &expires_at, NULL);
    ck_assert_int_eq(expires_at, fake_now + 10 * G_USEC_PER_SEC);
    fake_now += 10 * G_USEC_PER_SEC - 1;
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, first), GH_PLAYER_TOKEN_ACCEPTED);
    fake_now += 1;
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, first), GH_PLAYER_TOKEN_EXPIRED);
    second = gh_session_manager_mint_player_token(fx.mgr, id, 0, &expires_at, NULL);
    ck_assert_int_eq(expires_at, fake_now + (gint64)fx.config->player_token_ttl * G_USEC_PER_SEC);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, first), GH_PLAYER_TOKEN_UNKNOWN);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, second), GH_PLAYER_TOKEN_ACCEPTED);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, "not-a-token"), GH_PLAYER_TOKEN_UNKNOWN);
    ck_assert_int_eq(gh_session_manager_check_player_token(fx.mgr, id, NULL), GH_PLAYER_TOKEN_UNKNOWN);
}
END_TEST

START_TEST(test_player_token_refused_for_ended_or_unknown_session)
{
    g_autofree char *id = create_running("arena-disk");
    g_autoptr(GError) error = NULL;
    gint64 at = 0;

    ck_assert_ptr_null(gh_session_manager_mint_player_token(fx.mgr, "nope", 0, &at, &error));
    ck_assert(g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND));
    g_clear_error(&error);
    ck_assert_ptr_nonnull(gh_session_manager_stop(fx.mgr, id, NULL));
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_ptr_null(gh_session_manager_mint_player_token(fx.mgr, id, 0, &at, &error));
    ck_assert(g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING));
}
END_TEST

START_TEST(test_restore_fails_session_whose_domain_is_gone)
{
    g_autofree char *id = create_running("arena");
    g_autofree char *name = gh_domain_name_for_session(id);
    virDomainPtr dom;
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    dom = virDomainLookupByName(gh_virt_conn(fx.virt), name);
    virDomainDestroy(dom);
    virDomainFree(dom);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert_int_eq(s->state, GH_SESSION_FAILED);
    ck_assert_str_eq(s->reason, "vm gone while the daemon was down");
}
END_TEST

START_TEST(test_restore_destroys_orphan_domain)
{
    g_autofree char *id = create_running("arena");
    g_autofree char *name = gh_domain_name_for_session(id);
    g_autofree char *record = g_strdup_printf("%s/sessions/%s.json", fx.config->state_dir, id);

    fx.mgr = gh_session_manager_free(fx.mgr);
    ck_assert_int_eq(g_unlink(record), 0);
    fx.mgr = new_manager();
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    ck_assert_ptr_null(gh_session_manager_lookup(fx.mgr, id));
    ck_assert_int_eq(domain_is_active(name), 0);
}
END_TEST

START_TEST(test_keep_stopped_prunes_oldest_records)
{
    g_autofree char *a = create_running("arena");
    g_autofree char *b = create_running("arena");

    fx.config->keep_stopped = 1;
    gh_session_manager_stop(fx.mgr, a, NULL);
    wait_state(fx.mgr, a, GH_SESSION_STOPPED);
    gh_session_manager_stop(fx.mgr, b, NULL);
    wait_state(fx.mgr, b, GH_SESSION_STOPPED);
    ck_assert_ptr_null(gh_session_manager_lookup(fx.mgr, a));
    ck_assert_ptr_null(record_state(a));
    g_autofree char *state = record_state(b);
    ck_assert_str_eq(state, "stopped");
}
END_TEST

/* ---- GPUs: the L4 fixture host, allowlisted as "l4" ---------------------- */

typedef struct {
    GhFixture *host;
    GPtrArray *allow;
    GhGpuInventory *inv;
    GhGpuClaims *claims;
} GpuFixture;

static GpuFixture gpu;

static void
gpu_attach(GhSessionManager *mgr)
{
    gpu.claims = gh_gpu_claims_new(gpu.inv);
    gh_session_manager_set_gpus(mgr, gpu.claims);
}

static void
setup_gpu(void)
{
    g_autoptr(GError) err = NULL;

    setup();
    gpu.host = gh_fixture_host_l4();
    gpu.allow = g_ptr_array_new_with_free_func(gh_gpu_allow_destroy);
    g_ptr_array_add(gpu.allow, gh_gpu_allow_new("l4", "10de", NULL, NULL, "yes", NULL, &err));
    gpu.inv = gh_gpu_inventory_scan(gh_fixture_root(gpu.host), gpu.allow, &err);
    ck_assert_msg(gpu.inv, "%s", err ? err->message : "");
    gpu_attach(fx.mgr);
}

static void
teardown_gpu(void)
{
    fx.mgr = gh_session_manager_free(fx.mgr);
    gpu.claims = gh_gpu_claims_free(gpu.claims);
    gpu.inv = gh_gpu_inventory_free(gpu.inv);
    g_ptr_array_unref(gpu.allow);
    gpu.host = gh_fixture_free(gpu.host);
    teardown();
}

static const GhSession *
create_with_gpu(const char *image, const char *alias, gboolean required, GError **error)
{
    GhSessionRequest req = { .image_id = image, .want_gpu = TRUE, .gpu_required = required, .gpu = { .alias = alias } };
    gboolean replayed;

    return gh_session_manager_create(fx.mgr, &req, &replayed, error);
}

static char *
gpu_holder(void)
{
    return gh_gpu_claims_holder(gpu.claims, "0000:01:00.0");
}

START_TEST(test_gpu_claimed_before_start_and_in_domain)
{
    g_autoptr(GError) err = NULL;
    const GhSession *s = create_with_gpu("arena", "l4", TRUE, &err);
    g_autofree char *holder = NULL;
    g_autofree char *xml = NULL;
    virDomainPtr dom;

    ck_assert_msg(s, "%s", err ? err->message : "");
    holder = gpu_holder();
    ck_assert_str_eq(holder, s->id);
    ck_assert_str_eq(s->gpu->address, "0000:01:00.0");
    ck_assert_uint_eq(s->gpu->companions->len, 1);
    wait_state(fx.mgr, s->id, GH_SESSION_RUNNING);
    ck_assert_int_eq(s->gpu->state, GH_GPU_ALLOCATED);
    dom = virDomainLookupByName(gh_virt_conn(fx.virt), s->domain_name);
    xml = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    ck_assert_ptr_nonnull(strstr(xml, "<hostdev mode='subsystem' type='pci' managed='yes'>"));
    ck_assert_ptr_nonnull(strstr(xml, "bus='0x01' slot='0x00' function='0x1'"));
}
END_TEST

START_TEST(test_gpu_released_when_session_stops)
{
    const GhSession *s = create_with_gpu("arena", "l4", TRUE, NULL);
    g_autofree char *id = g_strdup(s->id);

    wait_state(fx.mgr, id, GH_SESSION_RUNNING);
    gh_session_manager_stop(fx.mgr, id, NULL);
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_ptr_null(gpu_holder());
    ck_assert_uint_eq(gh_gpu_claims_count(gpu.claims), 0);
}
END_TEST

START_TEST(test_gpu_released_when_vm_dies)
{
    const GhSession *s = create_with_gpu("arena", "l4", TRUE, NULL);
    g_autofree char *id = g_strdup(s->id);
    virConnectPtr other = virConnectOpen("test:///default");
    virDomainPtr dom;

    wait_state(fx.mgr, id, GH_SESSION_RUNNING);
    dom = virDomainLookupByName(other, s->domain_name);
    virDomainDestroy(dom);
    virDomainFree(dom);
    virConnectClose(other);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    ck_assert_ptr_null(gpu_holder());
}
END_TEST

START_TEST(test_required_gpu_none_free_refuses_and_leaks_nothing)
{
    g_autoptr(GError) err = NULL;
    const GhSession *first = create_with_gpu("arena", "l4", TRUE, NULL);

    ck_assert_ptr_null(create_with_gpu("arena", "l4", TRUE, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_GPU));
    g_autofree char *want = g_strdup_printf("no GPU for this session: no free GPU for alias 'l4': "
                                            "0000:01:00.0 claimed by session %s", first->id);
    ck_assert_str_eq(err->message, want);
    ck_assert_uint_eq(session_count(), 1);
    ck_assert_uint_eq(gh_gpu_claims_count(gpu.claims), 1);
}
END_TEST

START_TEST(test_optional_gpu_none_free_starts_on_emulated_display)
{
    const GhSession *first = create_with_gpu("arena", "l4", TRUE, NULL);
    const GhSession *second = create_with_gpu("arena", "l4", FALSE, NULL);

    ck_assert_ptr_nonnull(first->gpu);
    ck_assert_ptr_nonnull(second);
    ck_assert_ptr_null(second->gpu);
    wait_state(fx.mgr, second->id, GH_SESSION_RUNNING);
}
END_TEST

START_TEST(test_gpu_claim_restored_for_adopted_session)
{
    const GhSession *s = create_with_gpu("arena", "l4", TRUE, NULL);
    g_autofree char *id = g_strdup(s->id);
    g_autofree char *holder = NULL;
    g_autoptr(GError) err = NULL;

    wait_state(fx.mgr, id, GH_SESSION_RUNNING);
    fx.mgr = gh_session_manager_free(fx.mgr);
    gpu.claims = gh_gpu_claims_free(gpu.claims);
    fx.mgr = new_manager();
    gpu_attach(fx.mgr);
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    holder = gpu_holder();
    ck_assert_str_eq(holder, id);
    ck_assert_ptr_null(create_with_gpu("arena", "l4", TRUE, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_GPU));
}
END_TEST

/* ---- pipelines: the fake plugin (tests/plugins/pipeline-fake.c) ------------- */

typedef struct {
    GhPluginRegistry *reg;
    PipelineFakeState *fake;
    GHashTable *options;
} PluginFixture;

static PluginFixture pl;

static void
plugins_attach(GhSessionManager *mgr)
{
    g_autoptr(GError) err = NULL;

    ck_assert_msg(gh_session_manager_set_plugins(mgr, pl.reg, &err), "%s", err ? err->message : "");
}

static void
setup_plugins(void)
{
    g_autofree char *path = g_build_filename(g_getenv("GH_TEST_BUILDDIR"), "tests", "plugins", ".libs",
                                             "pipeline-fake.so", NULL);
    g_autoptr(GError) err = NULL;
    void *handle;

    setup();
    gh_test_fake_state_file(fx.config);
    pl.reg = gh_plugin_registry_new();
    ck_assert_msg(gh_plugin_registry_load_file(pl.reg, path, &err), "%s", err ? err->message : "");
    handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    ck_assert_ptr_nonnull(handle);
    pl.fake = ((PipelineFakeStateFn)dlsym(handle, PIPELINE_FAKE_STATE_SYMBOL))();
    dlclose(handle);
    pl.options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    plugins_attach(fx.mgr);
}

static void
teardown_plugins(void)
{
    fx.mgr = gh_session_manager_free(fx.mgr);
    g_hash_table_unref(pl.options);
    pl.reg = gh_plugin_registry_free(pl.reg);
    teardown();
}

static void
set_option(const char *backend, const char *key, const char *value)
{
    GHashTable *t = g_hash_table_lookup(pl.options, backend);

    if (!t) {
        t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_insert(pl.options, g_strdup(backend), t);
    }
    g_hash_table_insert(t, g_strdup(key), g_strdup(value));
}

static const GhSession *
create_image_with_backends(const char *image, const char *capture, const char *stream, const char *input,
                           GError **error)
{
    GhSessionRequest req = { .image_id = image, .capture = capture, .stream = stream, .input = input,
                             .backend_options = pl.options };
    gboolean replayed;

    return gh_session_manager_create(fx.mgr, &req, &replayed, error);
}

static const GhSession *
create_with_backends(const char *capture, const char *stream, const char *input, GError **error)
{
    return create_image_with_backends("arena", capture, stream, input, error);
}

static char *
create_image_running_with(const char *image, const char *capture, const char *stream, const char *input)
{
    g_autoptr(GError) err = NULL;
    const GhSession *s = create_image_with_backends(image, capture, stream, input, &err);

    ck_assert_msg(s, "%s", err ? err->message : "");
    wait_state(fx.mgr, s->id, GH_SESSION_RUNNING);
    return g_strdup(s->id);
}

static char *
create_running_with(const char *capture, const char *stream, const char *input)
{
    return create_image_running_with("arena", capture, stream, input);
}

/* gh_session_manager_send_input, waited for: FALSE with *error. */
static gboolean
send_input(const char *id, const gh_input_event *events, guint n, GError **error)
{
    GhTestInput t = { 0 };
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    gh_session_manager_send_input(fx.mgr, id, events, n, gh_test_input_done, &t);
    while (!t.done && g_get_monotonic_time() < deadline)
        g_main_context_iteration(fx.context, TRUE);
    ck_assert_msg(t.done, "no answer to the input within 10 s");
    g_array_unref(t.drops);
    if (t.error)
        g_propagate_error(error, t.error);
    return t.error == NULL;
}

/* The API's view of the session: its "pipeline" member (NULL for null). */
static JsonObject *
pipeline_view(const char *id, JsonNode **keep)
{
    JsonObject *o;

    *keep = gh_session_manager_session_json(fx.mgr, gh_session_manager_lookup(fx.mgr, id));
    o = json_node_get_object(*keep);
    ck_assert(json_object_has_member(o, "pipeline"));
    return json_object_get_null_member(o, "pipeline") ? NULL : json_object_get_object_member(o, "pipeline");
}

static void
assert_refused_at_create(const char *capture, const char *stream, const char *input, const char *message)
{
    g_autofree char *sessions_dir = g_build_filename(fx.config->state_dir, "sessions", NULL);
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(create_with_backends(capture, stream, input, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND));
    ck_assert_str_eq(err->message, message);
    ck_assert_uint_eq(session_count(), 0);
    dir = g_dir_open(sessions_dir, 0, NULL);
    ck_assert_ptr_null(g_dir_read_name(dir));
    ck_assert_int_eq(virConnectNumOfDomains(gh_virt_conn(fx.virt)), 1); /* test:///default's own "test" */
}

typedef struct {
    gboolean done;
    GBytes *png;
    GError *error;
} FrameResult;

static void
on_frame(GObject *source, GAsyncResult *res, gpointer data)
{
    FrameResult *r = data;

    r->png = gh_session_manager_frame_png_finish(fx.mgr, res, &r->error);
    r->done = TRUE;
}

static void
wait_frame(FrameResult *r)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!r->done && g_get_monotonic_time() < deadline)
        g_main_context_iteration(fx.context, FALSE);
    ck_assert(r->done);
}

START_TEST(test_running_session_gets_a_pipeline)
{
    g_autofree char *id = create_running_with(NULL, NULL, NULL);
    g_autoptr(JsonNode) view = NULL;
    JsonObject *p = pipeline_view(id, &view);
    g_autoptr(JsonNode) record = gh_session_to_json(gh_session_manager_lookup(fx.mgr, id));

    ck_assert_ptr_nonnull(p);
    /* The image asks for "screenshot", which no plugin here offers. */
    ck_assert_str_eq(json_object_get_string_member(p, "capture"), "capture.fake");
    ck_assert(json_object_get_null_member(p, "stream"));
    ck_assert_str_eq(json_object_get_string_member(p, "input"), "input.fake");
    ck_assert(json_object_has_member(json_object_get_object_member(p, "stats"), "frames_captured"));
    ck_assert(!json_object_has_member(json_node_get_object(record), "pipeline"));
    ck_assert_int_eq(pl.fake->capture_instances, 1);
}
END_TEST

START_TEST(test_session_without_plugins_has_no_pipeline)
{
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) view = NULL;
    g_autoptr(GError) err = NULL;
    gh_input_event ev = { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 };

    gh_session_manager_set_plugins(fx.mgr, NULL, NULL);
    id = create_running("arena");
    ck_assert_ptr_null(pipeline_view(id, &view));
    ck_assert(!send_input(id, &ev, 1, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND));
}
END_TEST

START_TEST(test_bad_backend_refused_at_create_creating_nothing)
{
    assert_refused_at_create("capture.nope", NULL, NULL, "unknown capture backend 'capture.nope'");
    assert_refused_at_create(NULL, "capture.fake", NULL, "backend 'capture.fake' is not a stream backend");
    assert_refused_at_create(NULL, NULL, "stream.fake", "backend 'stream.fake' is not an input backend");
    set_option("input.nope", "k", "v");
    assert_refused_at_create(NULL, NULL, NULL, "options given for unknown backend 'input.nope'");
}
END_TEST

START_TEST(test_backend_names_refused_without_plugins)
{
    gh_session_manager_set_plugins(fx.mgr, NULL, NULL);
    assert_refused_at_create("capture.fake", NULL, NULL, "unknown capture backend 'capture.fake'");
}
END_TEST

START_TEST(test_plugin_failure_fails_session_and_destroys_domain)
{
    g_autofree char *id = NULL;
    g_autofree char *events = NULL;
    g_autofree char *state = NULL;
    const GhSession *s;

    set_option("capture.fake", "fail_after", "2");
    id = create_running_with("capture.fake", "stream.fake", NULL);
    s = gh_session_manager_lookup(fx.mgr, id);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    events = events_joined();
    state = record_state(id);
    ck_assert_str_eq(s->reason, "capture.fake failed: fake capture broke");
    ck_assert_str_eq(events, "starting,running,stopping,failed");
    ck_assert_str_eq(state, "failed");
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
    ck_assert_int_eq(pl.fake->capture_instances + pl.fake->stream_instances + pl.fake->input_instances, 0);
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

/* ---- the plugin worker's deaths ---- */

static GPtrArray *crashes_seen;   /* "count summary" per session.worker event */

static void
on_crash(const GhSession *session, const GhSessionCrash *crash, guint64 count, gpointer data)
{
    g_ptr_array_add(crashes_seen, g_strdup_printf("%" G_GUINT64_FORMAT " %s", count, crash->summary));
}

static void
collect_crash(const char *backend, const char *signal, guint64 n, gpointer data)
{
    g_string_append_printf(data, "%s/%s/%" G_GUINT64_FORMAT ";", backend, signal, n);
}

START_TEST(test_worker_deaths_restart_then_fail_the_session_at_the_limit)
{
    g_autofree char *id = NULL;
    g_autofree char *events = NULL;
    g_autoptr(GString) by_backend = g_string_new("");
    const char *death = "killed by SIGSEGV in capture.fake grab";
    g_autofree char *want = g_strdup_printf("its plugin worker died 3 times within 60 s; the last: %s", death);
    GhSessionWorkerTotals totals;
    const GhSession *s;

    crashes_seen = g_ptr_array_new_with_free_func(g_free);
    gh_session_manager_subscribe_crashes(fx.mgr, on_crash, NULL);
    set_option("capture.fake", "crash_after", "2");
    id = create_running_with("capture.fake", "stream.fake", NULL);
    s = gh_session_manager_lookup(fx.mgr, id);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    events = events_joined();
    ck_assert_str_eq(s->reason, want);
    ck_assert_str_eq(events, "starting,running,stopping,failed");
    ck_assert_uint_eq(crashes_seen->len, 3);
    for (guint i = 0; i < 3; i++) {
        g_autofree char *line = g_strdup_printf("%u %s", i + 1, death);
        ck_assert_str_eq(g_ptr_array_index(crashes_seen, i), line);
    }
    gh_session_manager_worker_totals(fx.mgr, &totals);
    ck_assert_uint_eq(totals.crashes, 3);
    ck_assert_uint_eq(totals.restarts, 2);
    ck_assert_uint_eq(totals.running, 0);
    gh_session_manager_foreach_crash(fx.mgr, collect_crash, by_backend);
    ck_assert_str_eq(by_backend->str, "capture.fake/SIGSEGV/3;");
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
    g_ptr_array_unref(crashes_seen);
}
END_TEST

START_TEST(test_worker_death_under_the_limit_restarts_and_shows_in_the_live_view)
{
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) view = NULL;
    JsonObject *worker, *last;

    fx.config->crash_limit = 100;
    set_option("capture.fake", "crash_after", "2");
    id = create_running_with("capture.fake", "stream.fake", NULL);
    for (gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC; g_get_monotonic_time() < end;) {
        g_autoptr(JsonNode) v = NULL;
        JsonObject *p = pipeline_view(id, &v);
        if (json_object_get_int_member(json_object_get_object_member(p, "worker"), "restarts") >= 2)
            break;
        g_main_context_iteration(fx.context, TRUE);
    }
    ck_assert_int_eq(gh_session_manager_lookup(fx.mgr, id)->state, GH_SESSION_RUNNING);
    worker = json_object_get_object_member(pipeline_view(id, &view), "worker");
    ck_assert_int_ge(json_object_get_int_member(worker, "restarts"), 2);
    ck_assert_int_ge(json_object_get_int_member(worker, "crashes"), 2);
    last = json_object_get_object_member(worker, "last_crash");
    ck_assert_str_eq(json_object_get_string_member(last, "backend"), "capture.fake");
    ck_assert_str_eq(json_object_get_string_member(last, "op"), "grab");
    ck_assert_str_eq(json_object_get_string_member(last, "signal"), "SIGSEGV");
    ck_assert_str_eq(json_object_get_string_member(last, "kind"), "signal");
    ck_assert_str_eq(json_object_get_string_member(last, "summary"), "killed by SIGSEGV in capture.fake grab");
}
END_TEST

START_TEST(test_worker_sending_garbage_fails_its_session_at_once)
{
    g_autofree char *script = g_build_filename(fx.tmp, "hostile-worker", NULL);
    const GhSession *s;

    ck_assert(g_file_set_contents(script, "#!/bin/sh\nprintf 'garbage!' >&3\nexec sleep 30\n", -1, NULL));
    ck_assert_int_eq(chmod(script, 0755), 0);
    g_free(fx.config->worker_path);
    fx.config->worker_path = g_strdup(script);
    s = create_with_backends("capture.fake", NULL, NULL, NULL);
    ck_assert_ptr_nonnull(s);
    wait_state(fx.mgr, s->id, GH_SESSION_FAILED);
    ck_assert_str_eq(s->reason, "its plugin worker was cut off for a malformed message (unknown message type "
                                "1651663207)");
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
}
END_TEST

START_TEST(test_pipeline_that_cannot_be_built_fails_session)
{
    const GhSession *s;
    g_autofree char *id = NULL;
    g_autofree char *events = NULL;

    set_option("capture.fake", "refuse", "1");
    s = create_with_backends("capture.fake", NULL, NULL, NULL);
    ck_assert_ptr_nonnull(s);
    id = g_strdup(s->id);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    events = events_joined();
    ck_assert_str_eq(events, "starting,stopping,failed");
    ck_assert_msg(g_str_has_prefix(s->reason, "capture backend 'capture.fake' cannot serve this session: "), "%s",
                  s->reason);
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
}
END_TEST

START_TEST(test_input_reaches_the_input_backend)
{
    g_autofree char *id = create_running_with(NULL, NULL, "input.fake");
    gh_input_event ev[2] = { { .type = GH_INPUT_KEY, .code = KEY_UP, .value = 1 },
                             { .type = GH_INPUT_KEY, .code = KEY_UP, .value = 0 } };
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(JsonNode) view = NULL;
    g_autofree char *want = g_strdup_printf("session %s is stopping, not running", id);
    JsonObject *p;

    ck_assert(send_input(id, ev, 2, NULL));
    ck_assert_uint_eq(pl.fake->n_events, 2);
    ck_assert_uint_eq(pl.fake->events[1].value, 0);
    p = pipeline_view(id, &view);
    ck_assert_int_eq(json_object_get_int_member(json_object_get_object_member(p, "stats"), "input_events"), 2);
    ck_assert(!send_input("nope", ev, 1, &e1));
    ck_assert(g_error_matches(e1, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND));
    gh_session_manager_stop(fx.mgr, id, NULL);
    ck_assert(!send_input(id, ev, 1, &e2));
    ck_assert(g_error_matches(e2, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING));
    ck_assert_str_eq(e2->message, want);
}
END_TEST

/* ---- game pads (ABI 1.4) ---- */

/* What the session's input backend (input.fake) reports its guest did. */
static void
guest_did(guint32 kind, guint32 pad, guint32 strong, guint32 weak, guint32 led)
{
    gh_pad_feedback fb = { .struct_size = sizeof fb, .kind = kind, .pad = pad, .strong = strong, .weak = weak,
                           .led = led };

    /* input.fake runs in the session's worker: it reports this at its next send. */
    ck_assert_uint_lt(pl.fake->n_queued, PIPELINE_FAKE_MAX_FEEDBACK);
    pl.fake->queued[pl.fake->n_queued++] = fb;
}

START_TEST(test_pads_of_a_gamepad_console_get_the_domains_usb_channels)
{
    g_autofree char *id = create_image_running_with("arena-linux", NULL, NULL, "input.fake");
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);

    for (guint pad = 0; pad < GH_INPUT_MAX_PADS; pad++) {
        g_autofree char *want = gh_domain_pad_socket(s->dir, pad);

        ck_assert_str_eq(pl.fake->pad_sockets[pad], want);
    }
    ck_assert_str_eq(pl.fake->pad_sockets[GH_INPUT_MAX_PADS], "(null)");
}
END_TEST

START_TEST(test_pads_of_a_console_without_gamepad_have_no_channel)
{
    g_autofree char *id = create_running_with(NULL, NULL, "input.fake");

    for (guint pad = 0; pad < GH_INPUT_MAX_PADS; pad++)
        ck_assert_str_eq(pl.fake->pad_sockets[pad], "(null)");
}
END_TEST

/* pipeline.pads as the API shows it, each pad's last_feedback_at checked
 * to be a time and then left out (it is the host's clock). */
static char *
pads_view_text(const char *id)
{
    g_autoptr(JsonNode) view = NULL;
    JsonArray *pads = json_object_get_array_member(pipeline_view(id, &view), "pads");
    g_autoptr(JsonNode) node = json_node_init_array(json_node_alloc(), pads);

    for (guint i = 0; i < json_array_get_length(pads); i++) {
        JsonObject *pad = json_array_get_object_element(pads, i);
        g_autoptr(GDateTime) at = g_date_time_new_from_iso8601(json_object_get_string_member(pad, "last_feedback_at"),
                                                                NULL);

        ck_assert_ptr_nonnull(at);
        json_object_remove_member(pad, "last_feedback_at");
    }
    return json_to_string(node, FALSE);
}

START_TEST(test_live_view_shows_each_pad_the_guest_had)
{
    g_autofree char *id = create_running_with(NULL, NULL, "input.fake");
    g_autofree char *text = NULL;
    g_autoptr(JsonNode) view = NULL;
    const gh_input_event ev[] = { { .type = GH_INPUT_PAD_BUTTON, .code = BTN_SOUTH, .value = 1 },
                                  { .type = GH_INPUT_KEY, .code = KEY_UP, .value = 1 },
                                  { .type = GH_INPUT_PAD_AXIS, .code = ABS_RZ, .value = 255, .device = 2 } };
    JsonObject *stats;

    pl.fake->pad_stats[0] = (gh_pad_stats){ .attached = 1, .reports = 40, .coalesced = 3, .dropped = 2,
                                            .out_reports = 5, .out_malformed = 1 };
    ck_assert_str_eq((text = pads_view_text(id)), "[]");
    guest_did(GH_PAD_ATTACHED, 0, 0, 0, 0);
    guest_did(GH_PAD_LED, 0, 0, 0, 6);
    for (int i = 0; i < 3; i++)
        guest_did(GH_PAD_RUMBLE, 0, 32896, 0, 0);
    guest_did(GH_PAD_RUMBLE, 2, 0, 257, 0);
    ck_assert(send_input(id, ev, G_N_ELEMENTS(ev), NULL));
    g_free(text);
    text = pads_view_text(id);
    ck_assert_str_eq(text, "[{\"pad\":0,\"attached\":true,\"led\":6,\"rumble\":{\"strong\":32896,\"weak\":0},"
                           "\"rumble_reports\":3,\"reports\":40,\"coalesced\":3,\"dropped\":2,\"out_reports\":5,"
                           "\"out_malformed\":1},"
                           "{\"pad\":2,\"attached\":false,\"led\":null,\"rumble\":{\"strong\":0,\"weak\":257},"
                           "\"rumble_reports\":1}]");
    stats = json_object_get_object_member(pipeline_view(id, &view), "stats");
    ck_assert_int_eq(json_object_get_int_member(stats, "input_events"), 3);
    ck_assert_int_eq(json_object_get_int_member(stats, "pad_events"), 2);
}
END_TEST

START_TEST(test_pad_totals_sum_the_running_sessions)
{
    g_autofree char *first = create_running_with(NULL, NULL, "input.fake");
    g_autofree char *second = NULL;
    const gh_input_event ev = { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = -32768, .device = 1 };
    GhSessionPadTotals totals;

    guest_did(GH_PAD_ATTACHED, 0, 0, 0, 0);
    guest_did(GH_PAD_ATTACHED, 1, 0, 0, 0);
    guest_did(GH_PAD_RUMBLE, 1, 1, 1, 0);
    ck_assert(send_input(first, &ev, 1, NULL));
    second = create_running_with(NULL, NULL, "input.fake");   /* input.fake's host is now the second's */
    guest_did(GH_PAD_ATTACHED, 3, 0, 0, 0);
    guest_did(GH_PAD_RUMBLE, 3, 2, 2, 0);
    guest_did(GH_PAD_DETACHED, 3, 0, 0, 0);
    ck_assert(send_input(second, &ev, 1, NULL));
    ck_assert(send_input(second, &ev, 1, NULL));
    gh_session_manager_pad_totals(fx.mgr, &totals);
    ck_assert_uint_eq(totals.attached, 2);
    ck_assert_uint_eq(totals.events, 3);
    ck_assert_uint_eq(totals.rumble_reports, 2);
    /* A session that ends takes its share with it. */
    gh_session_manager_stop(fx.mgr, first, NULL);
    gh_session_manager_pad_totals(fx.mgr, &totals);
    ck_assert_uint_eq(totals.attached, 0);
    ck_assert_uint_eq(totals.events, 2);
    ck_assert_uint_eq(totals.rumble_reports, 1);
}
END_TEST

START_TEST(test_input_backend_failure_is_a_backend_error)
{
    g_autofree char *id = NULL;
    gh_input_event ev = { .type = GH_INPUT_KEY, .code = KEY_UP, .value = 1 };
    g_autoptr(GError) err = NULL;

    set_option("input.fake", "fail", "1");
    id = create_running_with(NULL, NULL, "input.fake");
    ck_assert(!send_input(id, &ev, 1, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND));
    ck_assert_str_eq(err->message, "input.fake failed: fake input broke");
    ck_assert_int_eq(gh_session_manager_lookup(fx.mgr, id)->state, GH_SESSION_RUNNING);
}
END_TEST

START_TEST(test_frame_goes_through_the_vms_screenshot)
{
    g_autofree char *id = NULL;
    FrameResult r = { 0 };
    gsize len = 0;
    const guint8 *data;

    set_option("capture.fake", "screenshot", "1");
    id = create_running_with("capture.fake", NULL, NULL);
    gh_session_manager_frame_png_async(fx.mgr, id, 5000, NULL, on_frame, &r);
    wait_frame(&r);
    ck_assert_msg(r.png, "%s", r.error ? r.error->message : "");
    data = g_bytes_get_data(r.png, &len);
    ck_assert_uint_gt(len, 8);
    ck_assert_mem_eq(data, "\x89PNG\r\n\x1a\n", 8);
    ck_assert_uint_eq(pl.fake->screenshots, 1);
    ck_assert_str_eq(pl.fake->last_mime, "image/png"); /* what the test driver's screenshot says */
    g_bytes_unref(r.png);
}
END_TEST

START_TEST(test_frame_of_session_not_running_or_unknown)
{
    FrameResult r1 = { 0 }, r2 = { 0 };
    const GhSession *s = create_with_backends(NULL, NULL, NULL, NULL);

    gh_session_manager_frame_png_async(fx.mgr, s->id, 100, NULL, on_frame, &r1);
    gh_session_manager_frame_png_async(fx.mgr, "nope", 100, NULL, on_frame, &r2);
    wait_frame(&r1);
    wait_frame(&r2);
    ck_assert(g_error_matches(r1.error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING));
    ck_assert(g_error_matches(r2.error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND));
    g_error_free(r1.error);
    g_error_free(r2.error);
}
END_TEST

/* A player's page that came too early must hear "wait", not "refused". */
START_TEST(test_player_of_a_starting_session_is_refused_as_starting)
{
    g_autoptr(GError) err = NULL;
    const GhSession *s = create_with_backends(NULL, NULL, NULL, NULL);
    g_autofree char *id = g_strdup(s->id);
    g_autofree char *want = g_strdup_printf("session %s is still starting", id);

    ck_assert_int_eq(s->state, GH_SESSION_STARTING);
    ck_assert(!gh_session_manager_peer_admit(fx.mgr, id, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_STARTING));
    ck_assert_str_eq(err->message, want);
    wait_state(fx.mgr, id, GH_SESSION_RUNNING);
}
END_TEST

typedef struct {
    char *id;
    GBytes *png;
    GError *error;
    gboolean done;
} SyncAsk;

static gpointer
ask_sync(gpointer data)
{
    SyncAsk *a = data;

    a->png = gh_session_manager_frame_png(fx.mgr, a->id, 5000, &a->error);
    g_atomic_int_set(&a->done, TRUE);
    return NULL;
}

START_TEST(test_blocking_frame_from_another_thread)
{
    g_autofree char *id = create_running_with(NULL, NULL, NULL);
    SyncAsk a = { .id = id };
    GThread *t = g_thread_new("asker", ask_sync, &a);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    g_autoptr(GError) err = NULL;

    while (!g_atomic_int_get(&a.done) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(fx.context, FALSE);
    g_thread_join(t);
    ck_assert_msg(a.png, "%s", a.error ? a.error->message : "");
    g_bytes_unref(a.png);
    /* On the main loop it would wait on itself: refused. */
    ck_assert_ptr_null(gh_session_manager_frame_png(fx.mgr, id, 100, &err));
    ck_assert(g_error_matches(err, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL));
}
END_TEST

START_TEST(test_stop_waits_for_a_frame_in_flight)
{
    g_autofree char *id = NULL;
    const GhSession *s;
    FrameResult r = { 0 };

    set_option("capture.fake", "eagain", "1");
    id = create_running_with("capture.fake", NULL, NULL);
    s = gh_session_manager_lookup(fx.mgr, id);
    gh_session_manager_frame_png_async(fx.mgr, id, 300, NULL, on_frame, &r);
    gh_session_manager_stop(fx.mgr, id, NULL);
    ck_assert_int_eq(s->state, GH_SESSION_STOPPING);
    /* The pipeline (and so the VM) stays until the request is answered. */
    ck_assert_int_eq(domain_is_active(s->domain_name), 1);
    ck_assert_int_eq(pl.fake->capture_instances, 1);
    wait_frame(&r);
    ck_assert_msg(g_error_matches(r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT), "%s",
                  r.error ? r.error->message : "no error");
    ck_assert_str_eq(r.error->message, "no frame from capture.fake within 300 ms");
    g_error_free(r.error);
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_int_eq(pl.fake->capture_instances, 0);
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
}
END_TEST

START_TEST(test_stop_frees_the_pipeline)
{
    g_autofree char *id = create_running_with("capture.fake", "stream.fake", "input.fake");
    g_autoptr(JsonNode) view = NULL;

    gh_session_manager_stop(fx.mgr, id, NULL);
    /* The pipeline is stopped on a worker, freed on the main loop, and only
     * then is the domain destroyed: by "stopped" it is all gone. */
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    ck_assert_int_eq(pl.fake->capture_instances + pl.fake->stream_instances + pl.fake->input_instances, 0);
    ck_assert_int_eq(pl.fake->capture_stopped, 1);
    ck_assert_ptr_null(pipeline_view(id, &view));
}
END_TEST

static gint64 tick_last, tick_max_gap;

static gboolean
on_tick(gpointer data)
{
    gint64 now = g_get_monotonic_time();

    tick_max_gap = MAX(tick_max_gap, now - tick_last);
    tick_last = now;
    return G_SOURCE_CONTINUE;
}

START_TEST(test_stop_does_not_block_the_main_loop_on_a_slow_capture)
{
    g_autofree char *id = NULL;
    g_autoptr(GSource) tick = g_timeout_source_new(20);

    set_option("capture.fake", "slow_ms", "1500");
    id = create_running_with("capture.fake", "stream.fake", NULL);
    g_usleep(100 * 1000); /* the pipeline thread is now inside a 1.5 s grab */
    tick_last = g_get_monotonic_time();
    tick_max_gap = 0;
    g_source_set_callback(tick, on_tick, NULL, NULL);
    g_source_attach(tick, fx.context);
    gh_session_manager_stop(fx.mgr, id, NULL);
    wait_state(fx.mgr, id, GH_SESSION_STOPPED);
    g_source_destroy(tick);
    ck_assert_int_eq(pl.fake->capture_instances, 0);
    ck_assert_msg(tick_max_gap < 500 * 1000, "the main loop stalled for %" G_GINT64_FORMAT " ms",
                  tick_max_gap / 1000);
}
END_TEST

START_TEST(test_vm_dying_frees_the_pipeline)
{
    g_autofree char *id = create_running_with(NULL, NULL, NULL);
    const GhSession *s = gh_session_manager_lookup(fx.mgr, id);
    virConnectPtr other = virConnectOpen("test:///default");
    virDomainPtr dom = virDomainLookupByName(other, s->domain_name);

    virDomainDestroy(dom);
    virDomainFree(dom);
    virConnectClose(other);
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    /* The VM is gone already; its pipeline is closed off the main loop. */
    for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
         pl.fake->capture_instances + pl.fake->input_instances > 0 && g_get_monotonic_time() < end;)
        g_main_context_iteration(fx.context, FALSE);
    ck_assert_int_eq(pl.fake->capture_instances + pl.fake->input_instances, 0);
}
END_TEST

START_TEST(test_restore_rebuilds_the_same_pipeline)
{
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) view = NULL;
    JsonObject *p;

    set_option("capture.fake2", "mode", "x");
    id = create_running_with("capture.fake2", "stream.fake", NULL);
    fx.mgr = gh_session_manager_free(fx.mgr);
    ck_assert_int_eq(pl.fake->capture_instances + pl.fake->stream_instances + pl.fake->input_instances, 0);
    fx.mgr = new_manager();
    plugins_attach(fx.mgr);
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    /* Adopted running, its pipeline comes with its new worker. */
    for (gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
         gh_session_pipeline_pending(fx.mgr, id) && g_get_monotonic_time() < end;)
        g_main_context_iteration(fx.context, TRUE);
    p = pipeline_view(id, &view);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(json_object_get_string_member(json_object_get_object_member(p, "worker"), "state"), "running");
    ck_assert_str_eq(json_object_get_string_member(p, "capture"), "capture.fake2");
    ck_assert_str_eq(json_object_get_string_member(p, "stream"), "stream.fake");
    ck_assert_str_eq(g_hash_table_lookup(g_hash_table_lookup(gh_session_manager_lookup(fx.mgr, id)->backend_options,
                                                             "capture.fake2"),
                                         "mode"),
                     "x");
}
END_TEST

START_TEST(test_restore_fails_adopted_session_whose_pipeline_cannot_be_built)
{
    g_autofree char *id = create_running_with("capture.fake", NULL, NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *options = json_object_new();
    JsonObject *o;
    const GhSession *s;

    fx.mgr = gh_session_manager_free(fx.mgr);
    o = record_load(id, parser);
    json_object_set_string_member(options, "refuse", "1");
    json_object_set_object_member(json_object_get_object_member(json_object_get_object_member(o, "backends"),
                                                                "options"),
                                  "capture.fake", options);
    record_save(id, parser);
    fx.mgr = new_manager();
    plugins_attach(fx.mgr);
    ck_assert(gh_session_manager_restore(fx.mgr, NULL));
    wait_state(fx.mgr, id, GH_SESSION_FAILED);
    s = gh_session_manager_lookup(fx.mgr, id);
    ck_assert_msg(g_str_has_prefix(s->reason, "capture backend 'capture.fake' cannot serve this session: "), "%s",
                  s->reason);
    ck_assert_int_eq(domain_is_active(s->domain_name), 0);
    ck_assert_int_eq(pl.fake->capture_instances, 0);
}
END_TEST

START_TEST(test_record_keeps_backends)
{
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(GhSession) back = NULL;
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "screenshot", "0");
    id = create_running_with("capture.fake", NULL, "input.fake");
    node = gh_session_to_json(gh_session_manager_lookup(fx.mgr, id));
    back = gh_session_from_json(node, &err);
    ck_assert_msg(back, "%s", err ? err->message : "");
    ck_assert_str_eq(back->capture, "capture.fake");
    ck_assert_ptr_null(back->stream);
    ck_assert_str_eq(back->input, "input.fake");
    ck_assert_str_eq(g_hash_table_lookup(g_hash_table_lookup(back->backend_options, "capture.fake"), "screenshot"),
                     "0");
}
END_TEST

START_TEST(test_record_with_bad_backends_is_refused)
{
    g_autofree char *id = create_running("arena");
    g_autoptr(JsonNode) node = gh_session_to_json(gh_session_manager_lookup(fx.mgr, id));
    JsonObject *backends = json_object_get_object_member(json_node_get_object(node), "backends");
    JsonObject *opts = json_object_new();
    g_autoptr(GError) err = NULL;

    json_object_set_int_member(opts, "k", 1);
    json_object_set_object_member(json_object_get_object_member(backends, "options"), "capture.fake", opts);
    ck_assert_ptr_null(gh_session_from_json(node, &err));
    ck_assert_str_eq(err->message, "field 'backends.options.capture.fake.k' must be a string");
}
END_TEST

/* ---- vm-access on the test driver ------------------------------------------- */

START_TEST(test_vm_access_screenshot_is_a_png)
{
    g_autofree char *id = create_running("arena");
    g_autoptr(GhVmAccess) va = gh_vm_access_new(fx.virt, gh_session_manager_lookup(fx.mgr, id)->domain_name);
    guint8 *data = NULL;
    gsize len = 0;
    char *mime = NULL;
    char *msg = NULL;

    ck_assert_int_eq(gh_vm_access_screenshot(va, &data, &len, &mime, &msg), 0);
    ck_assert_str_eq(mime, "image/png");
    ck_assert_uint_gt(len, 8);
    ck_assert_mem_eq(data, "\x89PNG", 4);
    free(data);
    free(mime);
}
END_TEST

START_TEST(test_vm_access_send_keys_and_limits)
{
    g_autofree char *id = create_running("arena");
    g_autoptr(GhVmAccess) va = gh_vm_access_new(fx.virt, gh_session_manager_lookup(fx.mgr, id)->domain_name);
    guint32 codes[17] = { KEY_LEFTCTRL, KEY_A };
    char *msg = NULL;

    ck_assert_int_eq(gh_vm_access_send_keys(va, codes, 2, 10, &msg), 0);
    ck_assert_int_eq(gh_vm_access_send_keys(va, codes, 17, 10, &msg), -EINVAL);
    ck_assert_str_eq(msg, "send keys: 17 keys at once, at most 16");
    free(msg);
}
END_TEST

START_TEST(test_vm_access_errors_carry_libvirts_message)
{
    g_autofree char *id = create_running("arena");
    g_autoptr(GhVmAccess) va = gh_vm_access_new(fx.virt, gh_session_manager_lookup(fx.mgr, id)->domain_name);
    g_autoptr(GhVmAccess) gone = gh_vm_access_new(fx.virt, "gh-no-such-domain");
    guint32 key = KEY_A;
    char *reply = NULL;
    char *msg = NULL;

    /* The test driver has no QMP. */
    ck_assert_int_eq(gh_vm_access_qmp_command(va, "{\"execute\":\"query-status\"}", &reply, &msg), -EIO);
    ck_assert_ptr_null(reply);
    ck_assert_msg(g_str_has_prefix(msg, "QMP command failed: "), "%s", msg);
    free(msg);
    msg = NULL;
    ck_assert_int_eq(gh_vm_access_send_keys(gone, &key, 1, 10, &msg), -EIO);
    ck_assert_msg(g_str_has_prefix(msg, "cannot find domain gh-no-such-domain: "), "%s", msg);
    free(msg);
}
END_TEST

static Suite *
session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("state machine");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_starts_domain_and_reaches_running);
    tcase_add_test(tc, test_domain_carries_session_metadata);
    tcase_add_test(tc, test_stop_destroys_domain_and_removes_overlay);
    tcase_add_test(tc, test_overlay_is_backed_by_the_image);
    tcase_add_test(tc, test_kernel_with_root_disk_gets_overlay_backed_by_the_disk);
    tcase_add_test(tc, test_kernel_with_root_disk_domain_metadata_names_overlay);
    tcase_add_test(tc, test_stop_removes_overlay_of_kernel_with_root_disk);
    tcase_add_test(tc, test_adopted_kernel_with_root_disk_removes_overlay_on_stop);
    tcase_add_test(tc, test_domain_destroyed_outside_fails_session);
    tcase_add_test(tc, test_capacity_refuses_and_leaks_nothing);
    tcase_add_test(tc, test_create_refuses_unknown_image);
    tcase_add_test(tc, test_create_refuses_gpu_image_without_gpu);
    tcase_add_test(tc, test_draining_refuses_new_sessions_only);
    tcase_add_test(tc, test_idempotency_key_replays_same_session);
    tcase_add_test(tc, test_idempotency_key_reuse_with_other_request_fails);
    tcase_add_test(tc, test_stop_while_starting_stops_after_start);
    tcase_add_test(tc, test_restore_honours_a_stop_requested_while_starting);
    tcase_add_test(tc, test_stop_unknown_session_is_not_found);
    tcase_add_test(tc, test_restore_adopts_running_domain);
    tcase_add_test(tc, test_restore_keeps_started_at_of_adopted_running_session);
    tcase_add_test(tc, test_restore_runs_a_session_adopted_while_starting);
    tcase_add_test(tc, test_restore_fails_session_whose_domain_is_gone);
    tcase_add_test(tc, test_player_token_survives_restart_and_only_its_digest_is_kept);
    tcase_add_test(tc, test_player_token_expires_and_reminting_revokes);
    tcase_add_test(tc, test_player_token_refused_for_ended_or_unknown_session);
    tcase_add_test(tc, test_restore_destroys_orphan_domain);
    tcase_add_test(tc, test_keep_stopped_prunes_oldest_records);
    tcase_add_test(tc, test_relay_image_gets_shmem_named_after_session);
    tcase_add_test(tc, test_image_without_relay_gets_no_shmem);
    tcase_add_test(tc, test_relay_memory_removed_after_stop);
    tcase_add_test(tc, test_relay_memory_removed_when_vm_dies);
    suite_add_tcase(s, tc);

    TCase *g = tcase_create("gpu");
    tcase_add_checked_fixture(g, setup_gpu, teardown_gpu);
    tcase_add_test(g, test_gpu_claimed_before_start_and_in_domain);
    tcase_add_test(g, test_gpu_released_when_session_stops);
    tcase_add_test(g, test_gpu_released_when_vm_dies);
    tcase_add_test(g, test_required_gpu_none_free_refuses_and_leaks_nothing);
    tcase_add_test(g, test_optional_gpu_none_free_starts_on_emulated_display);
    tcase_add_test(g, test_gpu_claim_restored_for_adopted_session);
    suite_add_tcase(s, g);

    TCase *p = tcase_create("pipeline");
    tcase_add_checked_fixture(p, setup_plugins, teardown_plugins);
    tcase_add_test(p, test_running_session_gets_a_pipeline);
    tcase_add_test(p, test_session_without_plugins_has_no_pipeline);
    tcase_add_test(p, test_bad_backend_refused_at_create_creating_nothing);
    tcase_add_test(p, test_backend_names_refused_without_plugins);
    tcase_add_test(p, test_plugin_failure_fails_session_and_destroys_domain);
    tcase_add_test(p, test_worker_deaths_restart_then_fail_the_session_at_the_limit);
    tcase_add_test(p, test_worker_death_under_the_limit_restarts_and_shows_in_the_live_view);
    tcase_add_test(p, test_worker_sending_garbage_fails_its_session_at_once);
    tcase_add_test(p, test_pipeline_that_cannot_be_built_fails_session);
    tcase_add_test(p, test_input_reaches_the_input_backend);
    tcase_add_test(p, test_input_backend_failure_is_a_backend_error);
    tcase_add_test(p, test_pads_of_a_gamepad_console_get_the_domains_usb_channels);
    tcase_add_test(p, test_pads_of_a_console_without_gamepad_have_no_channel);
    tcase_add_test(p, test_live_view_shows_each_pad_the_guest_had);
    tcase_add_test(p, test_pad_totals_sum_the_running_sessions);
    tcase_add_test(p, test_frame_goes_through_the_vms_screenshot);
    tcase_add_test(p, test_frame_of_session_not_running_or_unknown);
    tcase_add_test(p, test_player_of_a_starting_session_is_refused_as_starting);
    tcase_add_test(p, test_blocking_frame_from_another_thread);
    tcase_add_test(p, test_stop_waits_for_a_frame_in_flight);
    tcase_add_test(p, test_stop_frees_the_pipeline);
    tcase_add_test(p, test_stop_does_not_block_the_main_loop_on_a_slow_capture);
    tcase_add_test(p, test_vm_dying_frees_the_pipeline);
    tcase_add_test(p, test_restore_rebuilds_the_same_pipeline);
    tcase_add_test(p, test_restore_fails_adopted_session_whose_pipeline_cannot_be_built);
    tcase_add_test(p, test_record_keeps_backends);
    tcase_add_test(p, test_record_with_bad_backends_is_refused);
    suite_add_tcase(s, p);

    TCase *v = tcase_create("vm access");
    tcase_add_checked_fixture(v, setup, teardown);
    tcase_add_test(v, test_vm_access_screenshot_is_a_png);
    tcase_add_test(v, test_vm_access_send_keys_and_limits);
    tcase_add_test(v, test_vm_access_errors_carry_libvirts_message);
    suite_add_tcase(s, v);
    return s;
}

int
main(void)
{
    return gh_test_run(session_suite());
}
