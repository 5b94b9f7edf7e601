/* Unit tests of the image catalog (runtime/conf/catalog.c): manifests and profiles,
 * good, bad and hostile.  Image dirs are built in a temp dir per test so
 * artefact checksums are computed here; hostile and out-of-range files are
 * static, under tests/data/. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/catalog.h"
#include "testutil.h"

#define KERNEL_DATA "demo kernel\n"
#define DISK_DATA "demo disk\n"
#define INITRD_DATA "demo initrd\n"

/* One line per element, so each problem's line number is known:
 * 2 <image>, 3 <title>, 4 <profile>, 5 <boot>, 6 <capture>. */
#define KERNEL_BOOT "<boot firmware=\"bios\"><kernel path=\"game.elf\" sha256=\"@SHA@\"/>" \
                    "<cmdline>console=ttyS0</cmdline></boot>"
#define DISK_BOOT "<boot firmware=\"uefi\"><disk path=\"game.qcow2\" format=\"qcow2\" " \
                  "sha256=\"@DISK_SHA@\"/></boot>"
#define CAPTURE "<path>screenshot</path><path>vnc</path>"
/* What a real Linux guest boots: kernel, initrd, command line, root disk. */
#define LINUX_BOOT "<boot firmware=\"bios\"><kernel path=\"game.elf\" sha256=\"@SHA@\"/>" \
                   "<initrd path=\"game.initrd\" sha256=\"@INITRD_SHA@\"/>" \
                   "<cmdline>root=/dev/vda rw console=ttyS0</cmdline>" \
                   "<disk path=\"game.qcow2\" format=\"qcow2\" bus=\"virtio\" " \
                   "sha256=\"@DISK_SHA@\"/></boot>"

static char *tmp;               /* this test's image dir */
static GhCatalog *catalog;
static GError *load_error;

static const char *
srcdir(void)
{
    const char *dir = g_getenv("GH_TEST_SRCDIR");

    return dir ? dir : ".";
}

static char *
src_path(const char *rel)
{
    return g_build_filename(srcdir(), rel, NULL);
}

static void
setup(void)
{
    g_autofree char *elf = NULL, *qcow2 = NULL, *initrd = NULL;

    tmp = gh_test_make_tmpdir("gh-test-image");
    ck_assert_ptr_nonnull(tmp);
    elf = g_build_filename(tmp, "game.elf", NULL);
    qcow2 = g_build_filename(tmp, "game.qcow2", NULL);
    initrd = g_build_filename(tmp, "game.initrd", NULL);
    ck_assert(g_file_set_contents(elf, KERNEL_DATA, -1, NULL));
    ck_assert(g_file_set_contents(qcow2, DISK_DATA, -1, NULL));
    ck_assert(g_file_set_contents(initrd, INITRD_DATA, -1, NULL));
}

static void
teardown(void)
{
    catalog = gh_catalog_free(catalog);
    g_clear_error(&load_error);
    gh_test_rm_rf(tmp);
    g_clear_pointer(&tmp, g_free);
}

static char *
sha256_of(const char *data)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, data, -1);
}

static char *
replace_all(const char *text, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(text, from, -1);

    return g_strjoinv(to, parts);
}

/* Writes text to <tmp>/<rel>, with @SHA@, @DISK_SHA@ and @INITRD_SHA@
 * replaced by the checksums of the fixture's artefacts. */
static void
write_file(const char *rel, const char *text)
{
    g_autofree char *path = g_build_filename(tmp, rel, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_autofree char *sha = sha256_of(KERNEL_DATA);
    g_autofree char *disk_sha = sha256_of(DISK_DATA);
    g_autofree char *initrd_sha = sha256_of(INITRD_DATA);
    g_autofree char *step = replace_all(text, "@SHA@", sha);
    g_autofree char *step2 = replace_all(step, "@DISK_SHA@", disk_sha);
    g_autofree char *final = replace_all(step2, "@INITRD_SHA@", initrd_sha);

    ck_assert_int_eq(g_mkdir_with_parents(parent, 0700), 0);
    ck_assert(g_file_set_contents(path, final, -1, NULL));
}

static void
write_manifest(const char *rel, const char *id, const char *profile,
               const char *boot, const char *capture)
{
    g_autofree char *xml = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<image xmlns=\"https://gamehost.dev/xmlns/image/1\" id=\"%s\" version=\"1.0\">\n"
        "  <title>Game</title>\n"
        "  <profile>%s</profile>\n"
        "  %s\n"
        "  <capture>%s</capture>\n"
        "</image>\n", id, profile, boot, capture);

    write_file(rel, xml);
}

/* A pc-640 manifest with machine (a <machine> element) on line 5 and a
 * kernel boot on line 6. */
static void
write_machine_manifest(const char *rel, const char *id, const char *machine)
{
    g_autofree char *lines = g_strdup_printf("%s\n  %s", machine, KERNEL_BOOT);

    write_manifest(rel, id, "pc-640", lines, CAPTURE);
}

static void
load_dirs(const char *profile_dir, const char *image_dir)
{
    g_autofree char *schema = src_path("images/schema");
    const char *profiles[] = { profile_dir, NULL };
    const char *images[] = { image_dir, NULL };

    catalog = gh_catalog_load(schema, profiles, images, &load_error);
    ck_assert_ptr_null(load_error);
    ck_assert_ptr_nonnull(catalog);
}

/* Shipped profiles, this test's temp image dir. */
static void
load(void)
{
    g_autofree char *profiles = src_path("images/profiles");

    load_dirs(profiles, tmp);
}

static guint
n_problems(void)
{
    return gh_catalog_problems(catalog)->len;
}

static guint
n_images(void)
{
    return gh_catalog_images(catalog)->len;
}

/* The one problem reported for the file whose name ends in suffix. */
static const GhImageProblem *
problem_for(const char *suffix)
{
    const GPtrArray *problems = gh_catalog_problems(catalog);
    const GhImageProblem *found = NULL;

    for (guint i = 0; i < problems->len; i++) {
        const GhImageProblem *p = problems->pdata[i];
        if (g_str_has_suffix(p->file, suffix)) {
            ck_assert_msg(found == NULL, "two problems for %s: '%s' and '%s'",
                          suffix, found ? found->reason : "", p->reason);
            found = p;
        }
    }
    ck_assert_msg(found != NULL, "no problem for %s", suffix);
    return found;
}

#define assert_problem(suffix, want_line, substring) do {                   \
        const GhImageProblem *p_ = problem_for(suffix);                     \
        ck_assert_msg(strstr(p_->reason, (substring)) != NULL,              \
                      "reason '%s' lacks '%s'", p_->reason, (substring));   \
        ck_assert_int_eq(p_->line, (want_line));                            \
    } while (0)

/* ---- valid manifests ------------------------------------------------- */

START_TEST(test_manifest_kernel_boot_loads)
{
    g_autofree char *real = realpath(tmp, NULL);
    g_autofree char *kernel = g_build_filename(real, "game.elf", NULL);
    g_autofree char *manifest = g_build_filename(real, "game.image.xml", NULL);
    g_autofree char *sha = sha256_of(KERNEL_DATA);
    const GhImage *image;

    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    ck_assert_uint_eq(n_images(), 1);
    image = gh_catalog_lookup(catalog, "game");
    ck_assert_ptr_eq(image, g_ptr_array_index(gh_catalog_images(catalog), 0));
    ck_assert_str_eq(image->title, "Game");
    ck_assert_str_eq(image->version, "1.0");
    ck_assert_str_eq(image->manifest_path, manifest);
    ck_assert_int_eq(image->boot, GH_BOOT_KERNEL);
    ck_assert_int_eq(image->firmware, GH_FIRMWARE_BIOS);
    ck_assert_str_eq(image->kernel_path, kernel);
    ck_assert_str_eq(image->cmdline, "console=ttyS0");
    ck_assert_ptr_null(image->initrd_path);
    ck_assert_ptr_null(image->disk_path);
    ck_assert_ptr_null(image->disk_format);
    ck_assert(!gh_image_has_disk(image));
    ck_assert_str_eq(image->sha256, sha);
    ck_assert_str_eq(image->profile->id, "arcade-640");
    ck_assert_uint_eq(g_strv_length(image->capture), 2);
    ck_assert_str_eq(image->capture[0], "screenshot");
    ck_assert_str_eq(image->capture[1], "vnc");
}
END_TEST

START_TEST(test_manifest_disk_boot_loads)
{
    g_autofree char *real = realpath(tmp, NULL);
    g_autofree char *disk = g_build_filename(real, "game.qcow2", NULL);
    g_autofree char *sha = sha256_of(DISK_DATA);
    const GhImage *image;

    write_manifest("game.image.xml", "game-disk", "console-1080", DISK_BOOT,
                   "<path>relay</path>");
    load();
    ck_assert_uint_eq(n_problems(), 0);
    image = gh_catalog_lookup(catalog, "game-disk");
    ck_assert_ptr_nonnull(image);
    ck_assert_int_eq(image->boot, GH_BOOT_DISK);
    ck_assert_int_eq(image->firmware, GH_FIRMWARE_UEFI);
    ck_assert_str_eq(image->disk_path, disk);
    ck_assert_str_eq(image->disk_format, "qcow2");
    ck_assert(gh_image_has_disk(image));
    ck_assert_str_eq(image->sha256, sha);
    ck_assert_ptr_null(image->kernel_path);
    ck_assert_ptr_null(image->initrd_path);
    ck_assert_ptr_null(image->cmdline);
    ck_assert_str_eq(image->capture[0], "relay");
    ck_assert_ptr_null(image->capture[1]);
}
END_TEST

START_TEST(test_manifest_linux_kernel_initrd_cmdline_disk_loads)
{
    g_autofree char *real = realpath(tmp, NULL);
    g_autofree char *kernel = g_build_filename(real, "game.elf", NULL);
    g_autofree char *initrd = g_build_filename(real, "game.initrd", NULL);
    g_autofree char *disk = g_build_filename(real, "game.qcow2", NULL);
    g_autofree char *sha = sha256_of(KERNEL_DATA);
    const GhImage *image;

    write_manifest("game.image.xml", "freedoom", "pc-640", LINUX_BOOT, "<path>relay</path>");
    load();
    ck_assert_uint_eq(n_problems(), 0);
    image = gh_catalog_lookup(catalog, "freedoom");
    ck_assert_ptr_nonnull(image);
    ck_assert_int_eq(image->boot, GH_BOOT_KERNEL);
    ck_assert_int_eq(image->firmware, GH_FIRMWARE_BIOS);
    ck_assert_str_eq(image->kernel_path, kernel);
    ck_assert_str_eq(image->initrd_path, initrd);
    ck_assert_str_eq(image->cmdline, "root=/dev/vda rw console=ttyS0");
    ck_assert_str_eq(image->disk_path, disk);
    ck_assert_str_eq(image->disk_format, "qcow2");
    ck_assert_int_eq(image->disk_bus, GH_DISK_BUS_VIRTIO);
    ck_assert(gh_image_has_disk(image));
    ck_assert_str_eq(image->sha256, sha);
    ck_assert_str_eq(image->profile->id, "pc-640");
    ck_assert_ptr_null(image->machine_profile);
}
END_TEST

START_TEST(test_manifest_disk_bus_defaults_to_ide)
{
    write_manifest("game.image.xml", "game-disk", "arcade-640", DISK_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    ck_assert_int_eq(gh_catalog_lookup(catalog, "game-disk")->disk_bus, GH_DISK_BUS_IDE);
}
END_TEST

START_TEST(test_manifest_firmware_defaults_to_bios)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"game.elf\" sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    ck_assert_int_eq(gh_catalog_lookup(catalog, "game")->firmware, GH_FIRMWARE_BIOS);
}
END_TEST

START_TEST(test_manifest_found_one_level_down_only)
{
    write_file("one/game.elf", KERNEL_DATA);
    write_file("one/two/game.elf", KERNEL_DATA);
    write_manifest("one/game.image.xml", "one", "arcade-640", KERNEL_BOOT, CAPTURE);
    write_manifest("one/two/game.image.xml", "two", "arcade-640", KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    ck_assert_uint_eq(n_images(), 1);
    ck_assert_ptr_nonnull(gh_catalog_lookup(catalog, "one"));
}
END_TEST

START_TEST(test_catalog_images_sorted_by_id)
{
    const GPtrArray *images;

    write_manifest("1.image.xml", "zeta", "arcade-640", KERNEL_BOOT, CAPTURE);
    write_manifest("2.image.xml", "alpha", "arcade-640", KERNEL_BOOT, CAPTURE);
    write_manifest("3.image.xml", "mu", "arcade-640", KERNEL_BOOT, CAPTURE);
    load();
    images = gh_catalog_images(catalog);
    ck_assert_uint_eq(images->len, 3);
    ck_assert_str_eq(((GhImage *) images->pdata[0])->id, "alpha");
    ck_assert_str_eq(((GhImage *) images->pdata[1])->id, "mu");
    ck_assert_str_eq(((GhImage *) images->pdata[2])->id, "zeta");
}
END_TEST

START_TEST(test_manifest_gpu_required_profile_still_loads)
{
    const GhImage *image;

    write_manifest("game.image.xml", "game", "console-4k", KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    image = gh_catalog_lookup(catalog, "game");
    ck_assert_ptr_nonnull(image);
    ck_assert_int_eq(image->profile->gpu, GH_GPU_REQUIRED);
}
END_TEST

/* The templates that images/local.mk turns into the demo's manifests. */
START_TEST(test_shipped_manifest_templates_validate)
{
    g_autofree char *kernel_in = src_path("images/demo-arena/demo-arena.image.xml.in");
    g_autofree char *disk_in = src_path("images/demo-arena/demo-arena-disk.image.xml.in");
    g_autofree char *av_in = src_path("images/demo-arena/demo-arena-av.image.xml.in");
    g_autofree char *kernel_xml = NULL, *disk_xml = NULL, *av_xml = NULL;
    g_autofree char *kernel_fixed = NULL, *disk_fixed = NULL, *av_fixed = NULL;
    const GPtrArray *images;

    ck_assert(g_file_get_contents(kernel_in, &kernel_xml, NULL, NULL));
    ck_assert(g_file_get_contents(disk_in, &disk_xml, NULL, NULL));
    ck_assert(g_file_get_contents(av_in, &av_xml, NULL, NULL));
    av_fixed = replace_all(av_xml, "@KERNEL_SHA256@", "@SHA@");
    kernel_fixed = replace_all(kernel_xml, "@KERNEL_SHA256@", "@SHA@");
    disk_fixed = replace_all(disk_xml, "@DISK_SHA256@", "@DISK_SHA@");
    write_file("demo-arena/demo-arena.elf", KERNEL_DATA);
    write_file("demo-arena/demo-arena.qcow2", DISK_DATA);
    write_file("demo-arena/demo-arena.image.xml", kernel_fixed);
    write_file("demo-arena/demo-arena-disk.image.xml", disk_fixed);
    write_file("demo-arena/demo-arena-av.image.xml", av_fixed);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    images = gh_catalog_images(catalog);
    ck_assert_uint_eq(images->len, 3);
    ck_assert_str_eq(((GhImage *) images->pdata[0])->id, "demo-arena");
    ck_assert_int_eq(((GhImage *) images->pdata[0])->boot, GH_BOOT_KERNEL);
    ck_assert_str_eq(((GhImage *) images->pdata[0])->profile->id, "arcade-640");
    ck_assert_int_eq(((GhImage *) images->pdata[0])->profile->sound, GH_SOUND_NONE);
    ck_assert_str_eq(((GhImage *) images->pdata[1])->id, "demo-arena-av");
    ck_assert_str_eq(((GhImage *) images->pdata[1])->profile->id, "arcade-640-av");
    ck_assert_int_eq(((GhImage *) images->pdata[1])->profile->sound, GH_SOUND_AC97);
    ck_assert_str_eq(((GhImage *) images->pdata[2])->id, "demo-arena-disk");
    ck_assert_str_eq(((GhImage *) images->pdata[2])->disk_format, "qcow2");
}
END_TEST

/* ---- shipped profiles -------------------------------------------------- */

START_TEST(test_shipped_profiles_load_without_problems)
{
    load();
    ck_assert_uint_eq(n_problems(), 0);
}
END_TEST

static const GhProfile *
profile_through_manifest(const char *profile_id)
{
    write_manifest("game.image.xml", "game", profile_id, KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    return gh_catalog_lookup(catalog, "game")->profile;
}

START_TEST(test_shipped_profile_arcade_640)
{
    const GhProfile *p = profile_through_manifest("arcade-640");

    ck_assert_str_eq(p->title, "Arcade 640x480");
    ck_assert_uint_eq(p->vcpus, 1);
    ck_assert_uint_eq(p->memory_mib, 64);
    ck_assert_uint_eq(p->width, 640);
    ck_assert_uint_eq(p->height, 480);
    ck_assert_uint_eq(p->refresh_hz, 60);
    ck_assert(p->keyboard && p->mouse && !p->gamepad && !p->tablet);
    ck_assert_int_eq(p->gpu, GH_GPU_NONE);
    ck_assert_ptr_null(p->gpu_class);
}
END_TEST

START_TEST(test_shipped_profile_pc_640)
{
    const GhProfile *p = profile_through_manifest("pc-640");

    ck_assert_str_eq(p->title, "PC 640x480");
    ck_assert_uint_eq(p->vcpus, 2);
    ck_assert_uint_eq(p->memory_mib, 1024);
    ck_assert_uint_eq(p->width, 640);
    ck_assert_uint_eq(p->height, 480);
    ck_assert_uint_eq(p->refresh_hz, 60);
    ck_assert(p->keyboard && p->mouse && p->tablet && p->gamepad);
    ck_assert_int_eq(p->gpu, GH_GPU_NONE);
    ck_assert_ptr_null(p->gpu_class);
}
END_TEST

START_TEST(test_shipped_profile_console_1080)
{
    const GhProfile *p = profile_through_manifest("console-1080");

    ck_assert_uint_eq(p->vcpus, 4);
    ck_assert_uint_eq(p->memory_mib, 8 * 1024);
    ck_assert_uint_eq(p->width, 1920);
    ck_assert_uint_eq(p->height, 1080);
    ck_assert_uint_eq(p->refresh_hz, 60);
    ck_assert(p->keyboard && p->mouse && p->gamepad);
    ck_assert_int_eq(p->gpu, GH_GPU_OPTIONAL);
    ck_assert_ptr_null(p->gpu_class);
}
END_TEST

START_TEST(test_shipped_profile_console_4k)
{
    const GhProfile *p = profile_through_manifest("console-4k");

    ck_assert_uint_eq(p->vcpus, 8);
    ck_assert_uint_eq(p->memory_mib, 16 * 1024);
    ck_assert_uint_eq(p->width, 3840);
    ck_assert_uint_eq(p->height, 2160);
    ck_assert_uint_eq(p->refresh_hz, 60);
    ck_assert(p->keyboard && p->mouse && p->gamepad);
    ck_assert_int_eq(p->gpu, GH_GPU_REQUIRED);
    ck_assert_str_eq(p->gpu_class, "l4");
}
END_TEST

START_TEST(test_lookup_profile_finds_a_loaded_profile_without_any_image)
{
    const GhProfile *p;

    load();
    p = gh_catalog_lookup_profile(catalog, "arcade-640");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->id, "arcade-640");
    ck_assert_uint_eq(p->width, 640);
}
END_TEST

START_TEST(test_lookup_profile_is_null_for_an_unknown_or_invalid_id)
{
    load();
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, "no-such-profile"));
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, "../profiles/arcade-640"));
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, NULL));
}
END_TEST

/* ---- malformed and hostile XML ----------------------------------------- */

static void
load_static_manifests(void)
{
    g_autofree char *profiles = src_path("images/profiles");
    g_autofree char *manifests = src_path("tests/data/manifests");

    load_dirs(profiles, manifests);
}

START_TEST(test_manifest_malformed_xml_reports_line)
{
    load_static_manifests();
    assert_problem("/malformed.image.xml", 7, "Opening and ending tag mismatch: boot");
    ck_assert_ptr_null(gh_catalog_lookup(catalog, "malformed"));
}
END_TEST

START_TEST(test_manifest_billion_laughs_not_expanded)
{
    gint64 start = g_get_monotonic_time();

    load_static_manifests();
    assert_problem("/billion-laughs.image.xml", 2, "DOCTYPE declarations are not allowed");
    ck_assert_ptr_null(gh_catalog_lookup(catalog, "billion-laughs"));
    /* Expansion would take gigabytes and many seconds. */
    ck_assert_int_lt(g_get_monotonic_time() - start, 2 * G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_manifest_external_entity_refused)
{
    load_static_manifests();
    assert_problem("/external-entity.image.xml", 2, "DOCTYPE declarations are not allowed");
    ck_assert_ptr_null(gh_catalog_lookup(catalog, "external-entity"));
}
END_TEST

START_TEST(test_manifest_oversized_refused)
{
    g_autoptr(GString) big = g_string_new("<?xml version=\"1.0\"?>\n<!--");

    while (big->len <= 1024 * 1024)
        g_string_append(big, "padding padding padding padding\n");
    g_string_append(big, "-->\n");
    write_file("big.image.xml", big->str);
    load();
    assert_problem("/big.image.xml", 0, "larger than 1048576 bytes");
}
END_TEST

START_TEST(test_manifest_empty_file_reports_problem)
{
    write_file("empty.image.xml", "");
    load();
    assert_problem("/empty.image.xml", 1, "Document is empty");
}
END_TEST

/* ---- schema violations -------------------------------------------------- */

START_TEST(test_manifest_rejects_missing_kernel_path)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Element kernel failed to validate attributes");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_missing_title)
{
    write_file("game.image.xml",
               "<?xml version=\"1.0\"?>\n"
               "<image xmlns=\"https://gamehost.dev/xmlns/image/1\" id=\"game\" version=\"1\">\n"
               "  <profile>arcade-640</profile>\n"
               "  " KERNEL_BOOT "\n"
               "  <capture>" CAPTURE "</capture>\n"
               "</image>\n");
    load();
    assert_problem("/game.image.xml", 3, "Did not expect element profile there");
}
END_TEST

START_TEST(test_manifest_rejects_missing_boot_artefact)
{
    write_manifest("game.image.xml", "game", "arcade-640", "<boot/>", CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "element 'boot': Expecting an element, got nothing");
}
END_TEST

START_TEST(test_manifest_rejects_bad_firmware)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot firmware=\"efi\"><kernel path=\"game.elf\" sha256=\"@SHA@\"/></boot>",
                   CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Invalid attribute firmware for element boot");
}
END_TEST

START_TEST(test_manifest_rejects_bad_disk_format)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><disk path=\"game.qcow2\" format=\"vmdk\" sha256=\"@DISK_SHA@\"/></boot>",
                   CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Element disk failed to validate attributes");
}
END_TEST

START_TEST(test_manifest_rejects_initrd_without_kernel)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><initrd path=\"game.initrd\" sha256=\"@INITRD_SHA@\"/>"
                   "<disk path=\"game.qcow2\" format=\"qcow2\" sha256=\"@DISK_SHA@\"/></boot>",
                   CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Did not expect element initrd there");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_bad_disk_bus)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><disk path=\"game.qcow2\" format=\"qcow2\" bus=\"scsi\" "
                   "sha256=\"@DISK_SHA@\"/></boot>",
                   CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Invalid attribute bus for element disk");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_empty_machine)
{
    write_machine_manifest("game.image.xml", "game", "<machine/>");
    load();
    assert_problem("/game.image.xml", 5, "Element machine failed to validate attributes");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_unknown_capture_path)
{
    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT,
                   "<path>vnc</path><path>rdp</path>");
    load();
    ck_assert_uint_eq(n_problems(), 2);
    ck_assert_str_eq(((GhImageProblem *) gh_catalog_problems(catalog)->pdata[0])->reason,
                     "element 'path': Error validating value 'rdp'");
    ck_assert_int_eq(((GhImageProblem *) gh_catalog_problems(catalog)->pdata[0])->line, 6);
}
END_TEST

START_TEST(test_manifest_rejects_empty_capture)
{
    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT, "");
    load();
    assert_problem("/game.image.xml", 6, "element 'capture': Expecting an element, got nothing");
}
END_TEST

START_TEST(test_manifest_rejects_malformed_sha256)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"game.elf\" sha256=\"ABCDEF\"/></boot>", CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Element kernel failed to validate attributes");
}
END_TEST

START_TEST(test_manifest_rejects_unknown_attribute)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"game.elf\" sha256=\"@SHA@\" initrd=\"x\"/></boot>",
                   CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "Invalid attribute initrd for element kernel");
}
END_TEST

START_TEST(test_manifest_rejects_wrong_namespace)
{
    write_file("game.image.xml",
               "<?xml version=\"1.0\"?>\n"
               "<image xmlns=\"https://gamehost.dev/xmlns/image/2\" id=\"game\" version=\"1\">\n"
               "  <title>Game</title>\n"
               "</image>\n");
    load();
    assert_problem("/game.image.xml", 2,
                   "Element image has wrong namespace: expecting https://gamehost.dev/xmlns/image/1");
}
END_TEST

/* ---- semantic checks ---------------------------------------------------- */

START_TEST(test_manifest_rejects_unknown_profile)
{
    write_manifest("game.image.xml", "game", "arcade-1024", KERNEL_BOOT, CAPTURE);
    load();
    assert_problem("/game.image.xml", 4, "unknown profile 'arcade-1024'");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_duplicate_id_skips_second)
{
    g_autofree char *real = realpath(tmp, NULL);
    g_autofree char *first = g_build_filename(real, "a.image.xml", NULL);
    g_autofree char *reason = g_strdup_printf("duplicate image id 'game' (first defined in %s)",
                                              first);

    write_manifest("a.image.xml", "game", "arcade-640", KERNEL_BOOT, CAPTURE);
    write_manifest("b.image.xml", "game", "console-1080", KERNEL_BOOT, CAPTURE);
    load();
    assert_problem("/b.image.xml", 2, reason);
    ck_assert_uint_eq(n_images(), 1);
    ck_assert_str_eq(gh_catalog_lookup(catalog, "game")->manifest_path, first);
}
END_TEST

START_TEST(test_manifest_rejects_bad_id)
{
    write_manifest("game.image.xml", "Game_One", "arcade-640", KERNEL_BOOT, CAPTURE);
    load();
    assert_problem("/game.image.xml", 2, "invalid image id 'Game_One'");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_path_with_dotdot)
{
    write_file("sub/game.elf", KERNEL_DATA);
    write_manifest("sub/game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"../game.elf\" sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    assert_problem("/sub/game.image.xml", 5, "artefact path '../game.elf' must not contain '..'");
}
END_TEST

START_TEST(test_manifest_rejects_absolute_path)
{
    g_autofree char *boot = g_strdup_printf(
        "<boot><kernel path=\"%s/game.elf\" sha256=\"@SHA@\"/></boot>", tmp);
    g_autofree char *reason = g_strdup_printf("artefact path '%s/game.elf' is absolute", tmp);

    write_manifest("game.image.xml", "game", "arcade-640", boot, CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, reason);
}
END_TEST

START_TEST(test_manifest_rejects_symlink_escape)
{
    g_autofree char *outside = g_build_filename(tmp, "game.elf", NULL);
    g_autofree char *link = g_build_filename(tmp, "sub", "game.elf", NULL);

    write_manifest("sub/game.image.xml", "game", "arcade-640", KERNEL_BOOT, CAPTURE);
    ck_assert_int_eq(symlink(outside, link), 0);
    load();
    assert_problem("/sub/game.image.xml", 5, "outside the manifest's directory");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_accepts_symlink_inside_dir)
{
    g_autofree char *link = g_build_filename(tmp, "alias.elf", NULL);
    g_autofree char *real = realpath(tmp, NULL);
    g_autofree char *target = g_build_filename(real, "game.elf", NULL);

    ck_assert_int_eq(symlink("game.elf", link), 0);
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"alias.elf\" sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    ck_assert_str_eq(gh_catalog_lookup(catalog, "game")->kernel_path, target);
}
END_TEST

START_TEST(test_manifest_rejects_missing_artefact)
{
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"gone.elf\" sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "artefact 'gone.elf' does not exist");
}
END_TEST

START_TEST(test_manifest_rejects_directory_artefact)
{
    write_file("dir.elf/placeholder", "");
    write_manifest("game.image.xml", "game", "arcade-640",
                   "<boot><kernel path=\"dir.elf\" sha256=\"@SHA@\"/></boot>", CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, "artefact 'dir.elf' is not a regular file");
}
END_TEST

START_TEST(test_manifest_rejects_checksum_mismatch)
{
    g_autofree char *actual = sha256_of(KERNEL_DATA);
    g_autofree char *expected = sha256_of("something else");
    g_autofree char *boot = g_strdup_printf(
        "<boot><kernel path=\"game.elf\" sha256=\"%s\"/></boot>", expected);
    g_autofree char *reason = g_strdup_printf(
        "artefact 'game.elf' sha256 mismatch: expected %s, actual %s", expected, actual);

    write_manifest("game.image.xml", "game", "arcade-640", boot, CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, reason);
}
END_TEST

START_TEST(test_manifest_rejects_initrd_checksum_mismatch)
{
    g_autofree char *actual = sha256_of(INITRD_DATA);
    g_autofree char *expected = sha256_of("another initrd");
    g_autofree char *boot = g_strdup_printf(
        "<boot><kernel path=\"game.elf\" sha256=\"@SHA@\"/>"
        "<initrd path=\"game.initrd\" sha256=\"%s\"/></boot>", expected);
    g_autofree char *reason = g_strdup_printf(
        "artefact 'game.initrd' sha256 mismatch: expected %s, actual %s", expected, actual);

    write_manifest("game.image.xml", "game", "arcade-640", boot, CAPTURE);
    load();
    assert_problem("/game.image.xml", 5, reason);
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_manifest_rejects_duplicate_capture_path)
{
    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT,
                   "<path>vnc</path><path>vnc</path>");
    load();
    assert_problem("/game.image.xml", 6, "capture path 'vnc' listed twice");
}
END_TEST

/* ---- <machine>: the image's own hardware --------------------------------- */

START_TEST(test_machine_overrides_profile_for_that_image_only)
{
    const GhImage *big, *plain;

    write_machine_manifest("big.image.xml", "big", "<machine vcpus=\"4\" memory-mib=\"3072\"/>");
    write_manifest("plain.image.xml", "plain", "pc-640", KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_uint_eq(n_problems(), 0);
    big = gh_catalog_lookup(catalog, "big");
    plain = gh_catalog_lookup(catalog, "plain");
    ck_assert_ptr_eq(big->profile, big->machine_profile);
    ck_assert_uint_eq(big->profile->vcpus, 4);
    ck_assert_uint_eq(big->profile->memory_mib, 3072);
    /* The rest of the shape is the named profile's. */
    ck_assert_str_eq(big->profile->id, "pc-640");
    ck_assert_str_eq(big->profile->title, "PC 640x480");
    ck_assert_uint_eq(big->profile->width, 640);
    ck_assert_uint_eq(big->profile->height, 480);
    ck_assert(big->profile->tablet);
    ck_assert_ptr_null(plain->machine_profile);
    ck_assert_uint_eq(plain->profile->vcpus, 2);
    ck_assert_uint_eq(plain->profile->memory_mib, 1024);
}
END_TEST

START_TEST(test_machine_memory_alone_keeps_profile_vcpus)
{
    const GhImage *image;

    write_machine_manifest("game.image.xml", "game", "<machine memory-mib=\"512\"/>");
    load();
    ck_assert_uint_eq(n_problems(), 0);
    image = gh_catalog_lookup(catalog, "game");
    ck_assert_uint_eq(image->profile->vcpus, 2);
    ck_assert_uint_eq(image->profile->memory_mib, 512);
}
END_TEST

START_TEST(test_machine_vcpus_alone_keeps_profile_memory)
{
    const GhImage *image;

    write_machine_manifest("game.image.xml", "game", "<machine vcpus=\"1\"/>");
    load();
    ck_assert_uint_eq(n_problems(), 0);
    image = gh_catalog_lookup(catalog, "game");
    ck_assert_uint_eq(image->profile->vcpus, 1);
    ck_assert_uint_eq(image->profile->memory_mib, 1024);
}
END_TEST

START_TEST(test_machine_rejects_zero_vcpus)
{
    write_machine_manifest("game.image.xml", "game", "<machine vcpus=\"0\"/>");
    load();
    assert_problem("/game.image.xml", 5, "element 'machine': attribute vcpus '0' is out of range 1..64");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_machine_rejects_too_many_vcpus)
{
    write_machine_manifest("game.image.xml", "game", "<machine vcpus=\"65\" memory-mib=\"1024\"/>");
    load();
    assert_problem("/game.image.xml", 5, "element 'machine': attribute vcpus '65' is out of range 1..64");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_machine_rejects_memory_below_16_mib)
{
    write_machine_manifest("game.image.xml", "game", "<machine memory-mib=\"0\"/>");
    load();
    assert_problem("/game.image.xml", 5,
                   "element 'machine': attribute memory-mib '0' is out of range 16..1048576");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

START_TEST(test_machine_rejects_memory_above_1_tib)
{
    write_machine_manifest("game.image.xml", "game", "<machine memory-mib=\"1048577\"/>");
    load();
    assert_problem("/game.image.xml", 5,
                   "element 'machine': attribute memory-mib '1048577' is out of range 16..1048576");
    ck_assert_uint_eq(n_images(), 0);
}
END_TEST

/* ---- profiles out of range ---------------------------------------------- */

static void
load_static_profiles(void)
{
    g_autofree char *profiles = src_path("tests/data/profiles");

    load_dirs(profiles, tmp);
}

START_TEST(test_profile_range_limits_accepted)
{
    write_manifest("a.image.xml", "small", "valid-small", KERNEL_BOOT, CAPTURE);
    write_manifest("b.image.xml", "large", "valid-large", KERNEL_BOOT, CAPTURE);
    load_static_profiles();
    ck_assert_ptr_nonnull(gh_catalog_lookup(catalog, "small"));
    ck_assert_uint_eq(gh_catalog_lookup(catalog, "small")->profile->memory_mib, 16);
    ck_assert_uint_eq(gh_catalog_lookup(catalog, "large")->profile->memory_mib, 256 * 1024);
}
END_TEST

START_TEST(test_profile_rejects_zero_vcpus)
{
    load_static_profiles();
    assert_problem("/vcpus-zero.xml", 4, "vcpus '0' is out of range 1..64");
}
END_TEST

START_TEST(test_profile_rejects_too_many_vcpus)
{
    load_static_profiles();
    assert_problem("/vcpus-too-many.xml", 4, "vcpus '65' is out of range 1..64");
}
END_TEST

START_TEST(test_profile_rejects_overflowing_vcpus)
{
    load_static_profiles();
    assert_problem("/vcpus-huge.xml", 4, "vcpus '99999999999999999999999' is out of range 1..64");
}
END_TEST

START_TEST(test_profile_rejects_memory_below_16_mib)
{
    load_static_profiles();
    assert_problem("/memory-too-small.xml", 5, "memory '15 MiB' is out of range 16 MiB..256 GiB");
}
END_TEST

START_TEST(test_profile_rejects_memory_above_256_gib)
{
    load_static_profiles();
    assert_problem("/memory-too-large.xml", 5, "memory '257 GiB' is out of range 16 MiB..256 GiB");
}
END_TEST

START_TEST(test_profile_rejects_negative_memory)
{
    const GPtrArray *problems;
    const GhImageProblem *first = NULL;

    load_static_profiles();
    problems = gh_catalog_problems(catalog);
    for (guint i = 0; i < problems->len && first == NULL; i++) {
        if (g_str_has_suffix(((GhImageProblem *) problems->pdata[i])->file, "/memory-negative.xml"))
            first = problems->pdata[i];
    }
    /* libxml2 adds a second, vaguer error ("Error validating datatype"). */
    ck_assert_ptr_nonnull(first);
    ck_assert_str_eq(first->reason, "element 'memory': Type nonNegativeInteger doesn't allow value '-64'");
    ck_assert_int_eq(first->line, 5);
}
END_TEST

START_TEST(test_profile_rejects_narrow_display)
{
    load_static_profiles();
    assert_problem("/display-too-narrow.xml", 6, "attribute width '319' is out of range 320..7680");
}
END_TEST

START_TEST(test_profile_rejects_tall_display)
{
    load_static_profiles();
    assert_problem("/display-too-tall.xml", 6, "attribute height '4321' is out of range 240..4320");
}
END_TEST

START_TEST(test_profile_rejects_refresh_above_240)
{
    load_static_profiles();
    assert_problem("/refresh-too-high.xml", 6, "attribute refresh '241' is out of range 24..240");
}
END_TEST

START_TEST(test_profile_rejects_refresh_below_24)
{
    load_static_profiles();
    assert_problem("/refresh-too-low.xml", 6, "attribute refresh '23' is out of range 24..240");
}
END_TEST

START_TEST(test_profile_rejects_bad_gpu_need)
{
    load_static_profiles();
    assert_problem("/gpu-need-bad.xml", 8, "Element gpu failed to validate attributes");
}
END_TEST

START_TEST(test_profile_rejects_gpu_class_without_gpu)
{
    load_static_profiles();
    assert_problem("/gpu-class-without-gpu.xml", 8, "gpu class 'l4' given but need is 'none'");
}
END_TEST

START_TEST(test_profile_rejects_id_not_matching_file_name)
{
    load_static_profiles();
    assert_problem("/id-mismatch.xml", 2,
                   "profile id 'another-name' does not match its file name 'id-mismatch.xml'");
}
END_TEST

START_TEST(test_manifest_naming_rejected_profile_is_unknown)
{
    write_manifest("game.image.xml", "game", "vcpus-zero", KERNEL_BOOT, CAPTURE);
    load_static_profiles();
    assert_problem("/game.image.xml", 4, "unknown profile 'vcpus-zero'");
}
END_TEST

/* ---- directories, schemas, lookup -------------------------------------- */

START_TEST(test_missing_image_dir_reported_not_fatal)
{
    g_autofree char *profiles = src_path("images/profiles");
    g_autofree char *missing = g_build_filename(tmp, "no-such-dir", NULL);
    g_autofree char *schema = src_path("images/schema");
    const char *profile_dirs[] = { profiles, NULL };
    const char *image_dirs[] = { missing, tmp, NULL };

    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT, CAPTURE);
    catalog = gh_catalog_load(schema, profile_dirs, image_dirs, &load_error);
    ck_assert_ptr_nonnull(catalog);
    ck_assert_uint_eq(n_problems(), 1);
    ck_assert_str_eq(((GhImageProblem *) gh_catalog_problems(catalog)->pdata[0])->file, missing);
    assert_problem("/no-such-dir", 0, "cannot read directory");
    ck_assert_ptr_nonnull(gh_catalog_lookup(catalog, "game"));
}
END_TEST

START_TEST(test_missing_profile_dir_reported_not_fatal)
{
    g_autofree char *missing = g_build_filename(tmp, "no-profiles", NULL);

    load_dirs(missing, tmp);
    assert_problem("/no-profiles", 0, "cannot read directory");
}
END_TEST

START_TEST(test_missing_schema_fails_load_naming_path)
{
    g_autofree char *rng = g_build_filename(tmp, "image.rng", NULL);
    const char *none[] = { NULL };

    catalog = gh_catalog_load(tmp, none, none, &load_error);
    ck_assert_ptr_null(catalog);
    ck_assert(g_error_matches(load_error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_NOT_FOUND));
    ck_assert_ptr_nonnull(strstr(load_error->message, rng));
}
END_TEST

START_TEST(test_invalid_schema_fails_load)
{
    const char *none[] = { NULL };

    write_file("image.rng", "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"/>\n");
    catalog = gh_catalog_load(tmp, none, none, &load_error);
    ck_assert_ptr_null(catalog);
    ck_assert(g_error_matches(load_error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_INVALID));
    ck_assert_ptr_nonnull(strstr(load_error->message, "image.rng"));
}
END_TEST

START_TEST(test_lookup_of_path_traversal_returns_null)
{
    write_manifest("game.image.xml", "game", "arcade-640", KERNEL_BOOT, CAPTURE);
    load();
    ck_assert_ptr_null(gh_catalog_lookup(catalog, "../etc"));
    ck_assert_ptr_null(gh_catalog_lookup(catalog, NULL));
    ck_assert_ptr_null(gh_catalog_lookup(catalog, "missing"));
    ck_assert_ptr_nonnull(gh_catalog_lookup(catalog, "game"));
}
END_TEST

START_TEST(test_image_id_validity)
{
    g_autofree char *longest = g_strnfill(64, 'a');
    g_autofree char *too_long = g_strnfill(65, 'a');

    ck_assert(gh_image_id_is_valid("demo-arena"));
    ck_assert(gh_image_id_is_valid("0ad_1.2"));
    ck_assert(gh_image_id_is_valid(longest));
    ck_assert(!gh_image_id_is_valid(too_long));
    ck_assert(!gh_image_id_is_valid(""));
    ck_assert(!gh_image_id_is_valid(NULL));
    ck_assert(!gh_image_id_is_valid("-demo"));
    ck_assert(!gh_image_id_is_valid(".demo"));
    ck_assert(!gh_image_id_is_valid("Demo"));
    ck_assert(!gh_image_id_is_valid("a..b"));
    ck_assert(!gh_image_id_is_valid("a/b"));
    ck_assert(!gh_image_id_is_valid("a b"));
}
END_TEST

START_TEST(test_enum_names)
{
    ck_assert_str_eq(gh_boot_kind_to_string(GH_BOOT_KERNEL), "kernel");
    ck_assert_str_eq(gh_boot_kind_to_string(GH_BOOT_DISK), "disk");
    ck_assert_str_eq(gh_gpu_need_to_string(GH_GPU_NONE), "none");
    ck_assert_str_eq(gh_gpu_need_to_string(GH_GPU_OPTIONAL), "optional");
    ck_assert_str_eq(gh_gpu_need_to_string(GH_GPU_REQUIRED), "required");
}
END_TEST

/* One test case per test, named after it, so CK_RUN_CASE can pick one. */
static void
add(Suite *suite, const char *group, const TTest *test)
{
    TCase *tc = tcase_create(test->name);

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test);
    suite_add_tcase(suite, tc);
}

static Suite *
image_suite(void)
{
    Suite *s = suite_create("image");

    add(s, "valid", test_manifest_kernel_boot_loads);
    add(s, "valid", test_manifest_disk_boot_loads);
    add(s, "valid", test_manifest_linux_kernel_initrd_cmdline_disk_loads);
    add(s, "valid", test_manifest_disk_bus_defaults_to_ide);
    add(s, "valid", test_manifest_firmware_defaults_to_bios);
    add(s, "valid", test_manifest_found_one_level_down_only);
    add(s, "valid", test_catalog_images_sorted_by_id);
    add(s, "valid", test_manifest_gpu_required_profile_still_loads);
    add(s, "valid", test_shipped_manifest_templates_validate);
    add(s, "profiles", test_shipped_profiles_load_without_problems);
    add(s, "profiles", test_shipped_profile_arcade_640);
    add(s, "profiles", test_shipped_profile_console_1080);
    add(s, "profiles", test_shipped_profile_console_4k);
    add(s, "profiles", test_shipped_profile_pc_640);
    add(s, "profiles", test_lookup_profile_finds_a_loaded_profile_without_any_image);
    add(s, "profiles", test_lookup_profile_is_null_for_an_unknown_or_invalid_id);
    add(s, "hostile", test_manifest_malformed_xml_reports_line);
    add(s, "hostile", test_manifest_billion_laughs_not_expanded);
    add(s, "hostile", test_manifest_external_entity_refused);
    add(s, "hostile", test_manifest_oversized_refused);
    add(s, "hostile", test_manifest_empty_file_reports_problem);
    add(s, "schema", test_manifest_rejects_missing_kernel_path);
    add(s, "schema", test_manifest_rejects_missing_title);
    add(s, "schema", test_manifest_rejects_missing_boot_artefact);
    add(s, "schema", test_manifest_rejects_bad_firmware);
    add(s, "schema", test_manifest_rejects_bad_disk_format);
    add(s, "schema", test_manifest_rejects_initrd_without_kernel);
    add(s, "schema", test_manifest_rejects_bad_disk_bus);
    add(s, "schema", test_manifest_rejects_empty_machine);
    add(s, "schema", test_manifest_rejects_unknown_capture_path);
    add(s, "schema", test_manifest_rejects_empty_capture);
    add(s, "schema", test_manifest_rejects_malformed_sha256);
    add(s, "schema", test_manifest_rejects_unknown_attribute);
    add(s, "schema", test_manifest_rejects_wrong_namespace);
    add(s, "semantic", test_manifest_rejects_unknown_profile);
    add(s, "semantic", test_manifest_duplicate_id_skips_second);
    add(s, "semantic", test_manifest_rejects_bad_id);
    add(s, "semantic", test_manifest_rejects_path_with_dotdot);
    add(s, "semantic", test_manifest_rejects_absolute_path);
    add(s, "semantic", test_manifest_rejects_symlink_escape);
    add(s, "semantic", test_manifest_accepts_symlink_inside_dir);
    add(s, "semantic", test_manifest_rejects_missing_artefact);
    add(s, "semantic", test_manifest_rejects_directory_artefact);
    add(s, "semantic", test_manifest_rejects_checksum_mismatch);
    add(s, "semantic", test_manifest_rejects_initrd_checksum_mismatch);
    add(s, "semantic", test_manifest_rejects_duplicate_capture_path);
    add(s, "machine", test_machine_overrides_profile_for_that_image_only);
    add(s, "machine", test_machine_memory_alone_keeps_profile_vcpus);
    add(s, "machine", test_machine_vcpus_alone_keeps_profile_memory);
    add(s, "machine", test_machine_rejects_zero_vcpus);
    add(s, "machine", test_machine_rejects_too_many_vcpus);
    add(s, "machine", test_machine_rejects_memory_below_16_mib);
    add(s, "machine", test_machine_rejects_memory_above_1_tib);
    add(s, "ranges", test_profile_range_limits_accepted);
    add(s, "ranges", test_profile_rejects_zero_vcpus);
    add(s, "ranges", test_profile_rejects_too_many_vcpus);
    add(s, "ranges", test_profile_rejects_overflowing_vcpus);
    add(s, "ranges", test_profile_rejects_memory_below_16_mib);
    add(s, "ranges", test_profile_rejects_memory_above_256_gib);
    add(s, "ranges", test_profile_rejects_negative_memory);
    add(s, "ranges", test_profile_rejects_narrow_display);
    add(s, "ranges", test_profile_rejects_tall_display);
    add(s, "ranges", test_profile_rejects_refresh_above_240);
    add(s, "ranges", test_profile_rejects_refresh_below_24);
    add(s, "ranges", test_profile_rejects_bad_gpu_need);
    add(s, "ranges", test_profile_rejects_gpu_class_without_gpu);
    add(s, "ranges", test_profile_rejects_id_not_matching_file_name);
    add(s, "ranges", test_manifest_naming_rejected_profile_is_unknown);
    add(s, "catalog", test_missing_image_dir_reported_not_fatal);
    add(s, "catalog", test_missing_profile_dir_reported_not_fatal);
    add(s, "catalog", test_missing_schema_fails_load_naming_path);
    add(s, "catalog", test_invalid_schema_fails_load);
    add(s, "catalog", test_lookup_of_path_traversal_returns_null);
    add(s, "catalog", test_image_id_validity);
    add(s, "catalog", test_enum_names);
    return s;
}

int
main(void)
{
    return gh_test_run(image_suite());
}
