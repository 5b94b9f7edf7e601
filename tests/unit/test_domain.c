/* Specification of the domain module: session → libvirt domain XML, compared
 * byte for byte with golden files in tests/data/domain/ (rewritten instead
 * when GH_TEST_REGENERATE_OUTPUT=1), each golden file validated against
 * libvirt's schema, and the gamehost metadata read back. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util/xml-util.h"
#include "virt/domain.h"
#include "virt/domain-private.h"

#define SESSION_ID "5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12"
#define CREATED_AT G_GINT64_CONSTANT(1700000000123456)

/* ---- fixtures --------------------------------------------------------- */

static const GhProfile profile_arcade = {
    .id = (char *) "arcade-640",
    .title = (char *) "Arcade 640x480",
    .vcpus = 1,
    .memory_mib = 128,
    .width = 640, .height = 480, .refresh_hz = 60,
    .keyboard = TRUE, .mouse = TRUE, .gamepad = FALSE,
    .gpu = GH_GPU_NONE,
};

static const GhProfile profile_living_room = {
    .id = (char *) "living-room-1080",
    .title = (char *) "Living room 1080p",
    .vcpus = 4,
    .memory_mib = 8192,
    .width = 1920, .height = 1080, .refresh_hz = 60,
    .keyboard = TRUE, .mouse = FALSE, .gamepad = TRUE,
    .gpu = GH_GPU_OPTIONAL,
    .gpu_class = (char *) "gpu-any",
};

/* The console-1080 profile's shape (images/profiles/console-1080.xml). */
static const GhProfile profile_console_1080 = {
    .id = (char *) "console-1080",
    .title = (char *) "Console 1920x1080",
    .vcpus = 4,
    .memory_mib = 8192,
    .width = 1920, .height = 1080, .refresh_hz = 60,
    .keyboard = TRUE, .mouse = TRUE, .gamepad = TRUE,
    .gpu = GH_GPU_OPTIONAL,
};

/* The pc-640 profile's shape (images/profiles/pc-640.xml): a PC with a tablet. */
static const GhProfile profile_pc = {
    .id = (char *) "pc-640",
    .title = (char *) "PC 640x480",
    .vcpus = 2,
    .memory_mib = 1024,
    .width = 640, .height = 480, .refresh_hz = 60,
    .keyboard = TRUE, .mouse = TRUE, .tablet = TRUE,
    .gpu = GH_GPU_NONE,
};

#define MDEV_UUID "c2b8e1a4-3f5d-4e6a-9b7c-0d1e2f3a4b5c"

static GhImage
kernel_image(void)
{
    return (GhImage) {
        .id = (char *) "demo-arena",
        .title = (char *) "Demo Arena",
        .version = (char *) "1.0.0",
        .manifest_path = (char *) "/srv/gamehost/images/demo-arena/demo-arena.image.xml",
        .boot = GH_BOOT_KERNEL,
        .firmware = GH_FIRMWARE_BIOS,
        .kernel_path = (char *) "/srv/gamehost/images/demo-arena/arena.elf",
        .sha256 = (char *) "0000000000000000000000000000000000000000000000000000000000000000",
        .profile = &profile_arcade,
    };
}

static GhImage
disk_image(void)
{
    return (GhImage) {
        .id = (char *) "retro-disk",
        .title = (char *) "Retro Disk",
        .version = (char *) "2.1",
        .manifest_path = (char *) "/srv/gamehost/images/retro-disk/retro-disk.image.xml",
        .boot = GH_BOOT_DISK,
        .firmware = GH_FIRMWARE_BIOS,
        .disk_path = (char *) "/srv/gamehost/images/retro-disk/disk.raw",
        .disk_format = (char *) "raw",
        .sha256 = (char *) "1111111111111111111111111111111111111111111111111111111111111111",
        .profile = &profile_arcade,
    };
}

/* A Linux guest as the image builder writes it: kernel, initrd, command line
 * and a root disk on virtio. */
static GhImage
linux_image(void)
{
    return (GhImage) {
        .id = (char *) "freedoom",
        .title = (char *) "Freedoom: Phase 1",
        .version = (char *) "0.12.1-1",
        .manifest_path = (char *) "/srv/gamehost/images/freedoom/freedoom.image.xml",
        .boot = GH_BOOT_KERNEL,
        .firmware = GH_FIRMWARE_BIOS,
        .kernel_path = (char *) "/srv/gamehost/images/freedoom/vmlinuz",
        .initrd_path = (char *) "/srv/gamehost/images/freedoom/initrd.img",
        .cmdline = (char *) "root=/dev/vda rw console=ttyS0",
        .disk_path = (char *) "/srv/gamehost/images/freedoom/root.qcow2",
        .disk_format = (char *) "qcow2",
        .disk_bus = GH_DISK_BUS_VIRTIO,
        .sha256 = (char *) "2222222222222222222222222222222222222222222222222222222222222222",
        .profile = &profile_pc,
    };
}

static GhDomainParams
params_for(const char *domain_type)
{
    return (GhDomainParams) {
        .session_id = SESSION_ID,
        .domain_type = domain_type,
        .overlay_path = NULL,
        .serial_log = "/var/lib/gamehost/sessions/" SESSION_ID "/serial.log",
        .vnc_socket = "/run/gamehost/sessions/" SESSION_ID "/vnc.sock",
        .created_at = CREATED_AT,
        .session_dir = "/var/lib/gamehost/sessions/" SESSION_ID,
    };
}

static const char *
overlay_path(void)
{
    return "/var/lib/gamehost/sessions/" SESSION_ID "/overlay.qcow2";
}

/* A whole GPU at 0000:c1:00.0 on NUMA node 1 (CPUs 16-31), managed, alone
 * in its group; tests add its HDMI audio function as a companion. */
static GhGpuAssignment
pci_assignment(void)
{
    return (GhGpuAssignment) {
        .kind = GH_GPU_ASSIGN_PCI,
        .address = (char *) "0000:c1:00.0",
        .alias = (char *) "l4",
        .managed = TRUE,
        .numa_node = 1,
        .local_cpus = (char *) "16-31",
    };
}

static GPtrArray *
companions_new(const char *address)
{
    GPtrArray *companions = g_ptr_array_new();
    g_ptr_array_add(companions, (char *) address);
    return companions;
}

/* An A10-8Q vGPU on the GPU at 0000:01:00.0, NUMA node 0 with no cpulist. */
static GhGpuAssignment
mdev_assignment(void)
{
    return (GhGpuAssignment) {
        .kind = GH_GPU_ASSIGN_MDEV,
        .address = (char *) "0000:01:00.0",
        .alias = (char *) "a10-8q",
        .mdev_type = (char *) "nvidia-558",
        .mdev_uuid = (char *) MDEV_UUID,
        .numa_node = 0,
    };
}

static GhImage
console_image(void)
{
    GhImage image = kernel_image();
    image.profile = &profile_console_1080;
    return image;
}

/* demo-arena's capture paths, relay last (its image.xml.in templates). */
static char *relay_capture[] = { (char *) "screenshot", (char *) "vnc", (char *) "relay", NULL };
static char *no_relay_capture[] = { (char *) "screenshot", (char *) "vnc", NULL };

/* ---- golden files ----------------------------------------------------- */

static char *
golden_path(const char *name)
{
    const char *srcdir = g_getenv("GH_TEST_SRCDIR");
    ck_assert_msg(srcdir != NULL && srcdir[0] != '\0',
                  "GH_TEST_SRCDIR is not set: run through 'make check' or set it "
                  "to the source tree");
    return g_build_filename(srcdir, "tests", "data", "domain", name, NULL);
}

static void
check_golden(const char *name, const GhImage *image, const GhDomainParams *params)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(image, params, &error);
    ck_assert_msg(xml != NULL, "build failed: %s", error ? error->message : "?");

    g_autofree char *path = golden_path(name);
    if (g_strcmp0(g_getenv("GH_TEST_REGENERATE_OUTPUT"), "1") == 0) {
        g_autoptr(GError) write_error = NULL;
        ck_assert_msg(g_file_set_contents(path, xml, -1, &write_error),
                      "cannot write %s: %s", path, write_error->message);
        return;
    }

    g_autofree char *expected = NULL;
    g_autoptr(GError) read_error = NULL;
    ck_assert_msg(g_file_get_contents(path, &expected, NULL, &read_error),
                  "cannot read golden file %s: %s (GH_TEST_REGENERATE_OUTPUT=1 writes it)",
                  path, read_error->message);
    ck_assert_msg(g_str_equal(expected, xml),
                  "%s differs from the built XML (GH_TEST_REGENERATE_OUTPUT=1 rewrites it):\n"
                  "--- expected\n%s--- got\n%s", path, expected, xml);
}

START_TEST(test_golden_kernel_boot_qemu)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    check_golden("kernel-qemu.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_kernel_boot_with_cmdline)
{
    GhImage image = kernel_image();
    image.cmdline = (char *) "console=ttyS0 level=3 mode=\"fast\"";
    GhDomainParams params = params_for("qemu");
    check_golden("kernel-cmdline.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_disk_boot_qemu)
{
    GhImage image = disk_image();
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    check_golden("disk-qemu.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_kernel_boot_kvm)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("kvm");
    check_golden("kernel-kvm.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_without_vnc_socket)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.vnc_socket = NULL;
    check_golden("kernel-novnc.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gamepad_profile_4_vcpu_8_gib)
{
    GhImage image = kernel_image();
    image.profile = &profile_living_room;
    GhDomainParams params = params_for("kvm");
    check_golden("profile-living-room.xml", &image, &params);
}
END_TEST

/* A console with sound: the AC97 card on QEMU's D-Bus audio at 48 kHz
 * stereo, and the D-Bus display whose private bus carries it (bus mode). */
START_TEST(test_golden_sound_profile_has_ac97_on_dbus_audio)
{
    GhImage image = kernel_image();
    GhProfile profile = profile_arcade;
    GhDomainParams params = params_for("qemu");

    profile.sound = GH_SOUND_AC97;
    image.profile = &profile;
    check_golden("kernel-sound.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_uefi_firmware)
{
    GhImage image = disk_image();
    image.firmware = GH_FIRMWARE_UEFI;
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    check_golden("disk-uefi.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gpu_pci_with_audio_companion_on_numa_node)
{
    g_autoptr(GPtrArray) companions = companions_new("0000:c1:00.1");
    GhGpuAssignment gpu = pci_assignment();
    gpu.companions = companions;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_golden("gpu-pci-audio.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gpu_pci_unmanaged_without_numa_node)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.address = (char *) "0000:01:00.0";
    gpu.managed = FALSE;
    gpu.numa_node = -1;
    gpu.local_cpus = NULL;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_golden("gpu-pci-unmanaged.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gpu_vf)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.kind = GH_GPU_ASSIGN_VF;
    gpu.address = (char *) "0000:41:00.4";
    gpu.alias = (char *) "a10-vf";
    gpu.numa_node = 0;
    gpu.local_cpus = (char *) "0-15,32-47";
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_golden("gpu-vf.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gpu_mdev_with_display_and_ramfb)
{
    GhGpuAssignment gpu = mdev_assignment();
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_golden("gpu-mdev-display.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_gpu_pci_with_hugepages)
{
    g_autoptr(GPtrArray) companions = companions_new("0000:c1:00.1");
    GhGpuAssignment gpu = pci_assignment();
    gpu.companions = companions;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    params.hugepages = TRUE;
    check_golden("gpu-hugepages.xml", &image, &params);
}
END_TEST

/* The demo image declares relay: a 640x480 display needs 4 MiB
 * (header page + 3 slots of 1232896 bytes, rounded up to a power of two). */
START_TEST(test_golden_kernel_boot_with_relay)
{
    GhImage image = kernel_image();
    image.capture = relay_capture;
    GhDomainParams params = params_for("qemu");
    check_golden("kernel-relay.xml", &image, &params);
}
END_TEST

/* A passed-through GPU leaves the relay as the only way out for frames:
 * 1920x1080 needs 32 MiB. */
START_TEST(test_golden_gpu_pci_with_relay_1080p)
{
    GhGpuAssignment gpu = pci_assignment();
    GhImage image = console_image();
    image.capture = relay_capture;
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_golden("gpu-pci-relay.xml", &image, &params);
}
END_TEST

START_TEST(test_golden_linux_kernel_initrd_root_disk_virtio)
{
    GhImage image = linux_image();
    image.capture = relay_capture;
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    check_golden("linux-virtio.xml", &image, &params);
}
END_TEST

static const char *const golden_files[] = {
    "kernel-qemu.xml",
    "kernel-cmdline.xml",
    "disk-qemu.xml",
    "kernel-kvm.xml",
    "kernel-novnc.xml",
    "profile-living-room.xml",
    "disk-uefi.xml",
    "gpu-pci-audio.xml",
    "gpu-pci-unmanaged.xml",
    "gpu-vf.xml",
    "gpu-mdev-display.xml",
    "gpu-hugepages.xml",
    "kernel-relay.xml",
    "gpu-pci-relay.xml",
    "linux-virtio.xml",
};

START_TEST(test_golden_file_passes_virt_xml_validate)
{
    const char *name = golden_files[_i];
    g_autofree char *validator = g_find_program_in_path("virt-xml-validate");
    if (validator == NULL) {
        ck_assert_msg(g_strcmp0(g_getenv("GH_TEST_SKIP_VIRT_XML_VALIDATE"), "1") == 0,
                      "virt-xml-validate not found in PATH: install the Debian "
                      "package 'libvirt-clients', or set "
                      "GH_TEST_SKIP_VIRT_XML_VALIDATE=1 to skip this check");
        return;
    }

    g_autofree char *path = golden_path(name);
    const char *argv[] = { validator, path, "domain", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;
    g_autoptr(GError) error = NULL;
    ck_assert_msg(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error),
                  "cannot run %s: %s", validator, error->message);
    ck_assert_msg(g_spawn_check_wait_status(status, NULL),
                  "virt-xml-validate rejects %s:\n%s%s", path, out, err);
}
END_TEST

/* ---- frame relay ------------------------------------------------------ */

static xmlDocPtr
built_doc(const GhImage *image, const GhDomainParams *params)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(image, params, &error);
    ck_assert_msg(xml != NULL, "build failed: %s", error ? error->message : "?");
    xmlDocPtr doc = xmlReadMemory(xml, (int) strlen(xml), "built.xml", NULL, XML_PARSE_NONET);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static int
count_elements(xmlNodePtr node, const char *name)
{
    int n = 0;
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        n += xmlStrEqual(node->name, (const xmlChar *) name);
        n += count_elements(node->children, name);
    }
    return n;
}

START_TEST(test_no_shmem_without_relay_capture)
{
    GhImage image = kernel_image();
    image.capture = no_relay_capture;
    GhDomainParams params = params_for("qemu");
    g_autoptr(xmlDoc) doc = built_doc(&image, &params);
    ck_assert_int_eq(count_elements(xmlDocGetRootElement(doc), "shmem"), 0);
    ck_assert(!gh_domain_image_has_relay(&image));
    image.capture = NULL;
    ck_assert(!gh_domain_image_has_relay(&image));
    ck_assert(!gh_domain_image_has_relay(NULL));
}
END_TEST

/* The sizing rule per display, in MiB, for the profiles that ship. */
START_TEST(test_relay_region_follows_sizing_rule)
{
    static const struct { guint w, h; const char *mib; } cases[] = {
        { 640, 480, "4" }, { 1920, 1080, "32" }, { 3840, 2160, "128" }, { 1, 1, "1" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GhProfile profile = profile_arcade;
        profile.width = cases[i].w;
        profile.height = cases[i].h;
        GhImage image = kernel_image();
        image.profile = &profile;
        image.capture = relay_capture;
        GhDomainParams params = params_for("qemu");
        g_autoptr(xmlDoc) doc = built_doc(&image, &params);
        xmlNodePtr root = xmlDocGetRootElement(doc);
        ck_assert_int_eq(count_elements(root, "shmem"), 1);
        /* /domain/devices/shmem/size */
        xmlNodePtr size = NULL;
        for (xmlNodePtr d = root->children; d; d = d->next)
            if (xmlStrEqual(d->name, (const xmlChar *) "devices"))
                for (xmlNodePtr sh = d->children; sh; sh = sh->next)
                    if (xmlStrEqual(sh->name, (const xmlChar *) "shmem"))
                        for (xmlNodePtr c = sh->children; c; c = c->next)
                            if (xmlStrEqual(c->name, (const xmlChar *) "size"))
                                size = c;
        ck_assert_ptr_nonnull(size);
        xmlChar *text = xmlNodeGetContent(size);
        ck_assert_msg(xmlStrEqual(text, (const xmlChar *) cases[i].mib),
                      "%ux%u: %s MiB, expected %s", cases[i].w, cases[i].h, text, cases[i].mib);
        xmlFree(text);
    }
}
END_TEST

START_TEST(test_relay_path_is_dev_shm_domain_name)
{
    g_autofree char *path = gh_domain_relay_path(SESSION_ID);
    ck_assert_str_eq(path, "/dev/shm/gh-" SESSION_ID);
}
END_TEST

/* ---- a Linux guest: initrd, root disk, tablet ---------------------------- */

/* Each node xpath selects in doc, as "name" (elements) or its value
 * (attributes, with '@' in the xpath), joined with ','. */
static char *
xpath_joined(xmlDocPtr doc, const char *xpath)
{
    g_autoptr(GPtrArray) nodes = gh_xml_xpath_nodes(doc, xpath);
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; i < nodes->len; i++) {
        xmlNodePtr node = nodes->pdata[i];
        xmlChar *value = node->type == XML_ATTRIBUTE_NODE ? xmlNodeGetContent(node) : NULL;

        if (i > 0)
            g_string_append_c(out, ',');
        g_string_append(out, value ? (const char *) value : (const char *) node->name);
        xmlFree(value);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static char *
xpath_text(xmlDocPtr doc, const char *xpath)
{
    g_autoptr(GPtrArray) nodes = gh_xml_xpath_nodes(doc, xpath);
    xmlChar *text;
    char *copy;

    ck_assert_msg(nodes->len == 1, "%s selects %u nodes", xpath, nodes->len);
    text = xmlNodeGetContent(nodes->pdata[0]);
    copy = g_strdup((const char *) text);
    xmlFree(text);
    return copy;
}

static xmlDocPtr
linux_doc(const GhImage *image)
{
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    return built_doc(image, &params);
}

/* libvirt's order (kernel, initrd, cmdline); a kernel boot has no <boot dev>
 * even with a disk: QEMU loads the kernel itself. */
START_TEST(test_linux_os_has_kernel_initrd_cmdline)
{
    GhImage image = linux_image();
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *children = xpath_joined(doc, "/domain/os/*");
    g_autofree char *kernel = xpath_text(doc, "/domain/os/kernel");
    g_autofree char *initrd = xpath_text(doc, "/domain/os/initrd");
    g_autofree char *cmdline = xpath_text(doc, "/domain/os/cmdline");

    ck_assert_str_eq(children, "type,kernel,initrd,cmdline");
    ck_assert_str_eq(kernel, "/srv/gamehost/images/freedoom/vmlinuz");
    ck_assert_str_eq(initrd, "/srv/gamehost/images/freedoom/initrd.img");
    ck_assert_str_eq(cmdline, "root=/dev/vda rw console=ttyS0");
}
END_TEST

START_TEST(test_kernel_without_initrd_has_no_initrd_element)
{
    GhImage image = linux_image();
    image.initrd_path = NULL;
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *children = xpath_joined(doc, "/domain/os/*");

    ck_assert_str_eq(children, "type,kernel,cmdline");
}
END_TEST

/* The guest writes to its session's overlay, never to the image's disk. */
START_TEST(test_linux_root_disk_is_the_overlay_on_virtio)
{
    GhImage image = linux_image();
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *disks = xpath_joined(doc, "/domain/devices/disk");
    g_autofree char *driver = xpath_joined(doc, "/domain/devices/disk/driver/@type");
    g_autofree char *source = xpath_joined(doc, "/domain/devices/disk/source/@file");
    g_autofree char *dev = xpath_joined(doc, "/domain/devices/disk/target/@dev");
    g_autofree char *bus = xpath_joined(doc, "/domain/devices/disk/target/@bus");

    ck_assert_str_eq(disks, "disk");
    ck_assert_str_eq(driver, "qcow2");
    ck_assert_str_eq(source, overlay_path());
    ck_assert_str_eq(dev, "vda");
    ck_assert_str_eq(bus, "virtio");
}
END_TEST

START_TEST(test_kernel_with_ide_root_disk_uses_hda)
{
    GhImage image = linux_image();
    image.disk_bus = GH_DISK_BUS_IDE;
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *dev = xpath_joined(doc, "/domain/devices/disk/target/@dev");
    g_autofree char *bus = xpath_joined(doc, "/domain/devices/disk/target/@bus");

    ck_assert_str_eq(dev, "hda");
    ck_assert_str_eq(bus, "ide");
}
END_TEST

START_TEST(test_disk_boot_on_virtio_uses_vda)
{
    GhImage image = disk_image();
    image.disk_bus = GH_DISK_BUS_VIRTIO;
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *target = xpath_joined(doc, "/domain/devices/disk/target/@*");
    g_autofree char *boot = xpath_joined(doc, "/domain/os/boot/@dev");

    ck_assert_str_eq(target, "vda,virtio");
    ck_assert_str_eq(boot, "hd");
}
END_TEST

START_TEST(test_tablet_profile_gets_virtio_tablet)
{
    GhImage image = linux_image();
    g_autoptr(xmlDoc) doc = linux_doc(&image);
    g_autofree char *inputs = xpath_joined(doc, "/domain/devices/input/@type");
    g_autofree char *bus = xpath_joined(doc, "/domain/devices/input[@type='tablet']/@bus");

    ck_assert_str_eq(inputs, "keyboard,mouse,tablet");
    ck_assert_str_eq(bus, "virtio");
}
END_TEST

START_TEST(test_profile_without_tablet_has_none)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    g_autoptr(xmlDoc) doc = built_doc(&image, &params);
    g_autofree char *inputs = xpath_joined(doc, "/domain/devices/input/@type");

    ck_assert_str_eq(inputs, "keyboard,mouse");
}
END_TEST

/* ---- invalid parameters ----------------------------------------------- */

static void
check_invalid(const GhImage *image, const GhDomainParams *params, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(image, params, &error);
    ck_assert_ptr_null(xml);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID),
                  "unexpected error domain/code: %s", error->message);
    ck_assert_msg(strstr(error->message, needle) != NULL,
                  "error '%s' does not name '%s'", error->message, needle);
}

START_TEST(test_build_rejects_relay_with_display_it_cannot_hold)
{
    GhProfile profile = profile_arcade;
    GhImage image = kernel_image();
    image.profile = &profile;
    image.capture = relay_capture;
    GhDomainParams params = params_for("qemu");
    profile.width = 0;
    check_invalid(&image, &params, "cannot be relayed");
    profile.width = 7681;
    check_invalid(&image, &params, "7681x480 cannot be relayed");
    /* Without relay the display size is not the domain's business. */
    image.capture = no_relay_capture;
    g_autoptr(xmlDoc) doc = built_doc(&image, &params);
    ck_assert_ptr_nonnull(doc);
}
END_TEST

START_TEST(test_build_rejects_missing_serial_log)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.serial_log = NULL;
    check_invalid(&image, &params, "serial_log");
}
END_TEST

START_TEST(test_build_rejects_relative_serial_log)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.serial_log = "serial.log";
    check_invalid(&image, &params, "serial_log 'serial.log' is not an absolute");
}
END_TEST

START_TEST(test_build_rejects_disk_boot_without_overlay)
{
    GhImage image = disk_image();
    GhDomainParams params = params_for("qemu");
    check_invalid(&image, &params, "overlay_path");
}
END_TEST

START_TEST(test_build_rejects_kernel_with_disk_without_overlay)
{
    GhImage image = linux_image();
    GhDomainParams params = params_for("qemu");
    check_invalid(&image, &params, "overlay_path is missing");
}
END_TEST

START_TEST(test_build_rejects_relative_initrd_path)
{
    GhImage image = linux_image();
    image.initrd_path = (char *) "initrd.img";
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    check_invalid(&image, &params, "initrd_path 'initrd.img' is not an absolute file path");
}
END_TEST

START_TEST(test_build_rejects_unknown_disk_bus)
{
    GhImage image = linux_image();
    image.disk_bus = GH_DISK_BUS_LAST;
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    check_invalid(&image, &params, "image 'freedoom': unknown disk bus 2 (ide or virtio)");
}
END_TEST

START_TEST(test_build_rejects_null_profile)
{
    GhImage image = kernel_image();
    image.profile = NULL;
    GhDomainParams params = params_for("qemu");
    check_invalid(&image, &params, "profile");
}
END_TEST

START_TEST(test_build_rejects_zero_vcpus)
{
    GhProfile profile = profile_arcade;
    profile.vcpus = 0;
    GhImage image = kernel_image();
    image.profile = &profile;
    GhDomainParams params = params_for("qemu");
    check_invalid(&image, &params, "vcpus");
}
END_TEST

START_TEST(test_build_rejects_bad_domain_type)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("xen");
    check_invalid(&image, &params, "domain_type 'xen'");
}
END_TEST

START_TEST(test_build_rejects_null_domain_type)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for(NULL);
    check_invalid(&image, &params, "domain_type");
}
END_TEST

START_TEST(test_build_rejects_non_uuid_session_id)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.session_id = "../../etc/passwd";
    check_invalid(&image, &params, "session_id '../../etc/passwd' is not a UUID");
}
END_TEST

START_TEST(test_build_rejects_kernel_boot_without_kernel)
{
    GhImage image = kernel_image();
    image.kernel_path = NULL;
    GhDomainParams params = params_for("qemu");
    check_invalid(&image, &params, "kernel_path");
}
END_TEST

START_TEST(test_build_rejects_vnc_socket_with_control_characters)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.vnc_socket = "/run/vnc\001.sock";
    check_invalid(&image, &params, "vnc_socket");
}
END_TEST

static const char *const bad_pci_addresses[] = {
    "", "01:00.0", "0000:01:00", "0000:01:00.8", "0000:01:20.0", "0000:1:00.0",
    "0000:01:00.0 ", "000g:01:00.0", "000000000:01:00.0", "0000:01:00.0\n",
};

START_TEST(test_build_rejects_bad_gpu_address)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.address = (char *) bad_pci_addresses[_i];
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    g_autofree char *shown = g_strescape(bad_pci_addresses[_i], NULL);
    g_autofree char *needle = g_strdup_printf("gpu address '%s' is not a PCI address", shown);
    check_invalid(&image, &params, needle);
}
END_TEST

START_TEST(test_build_rejects_missing_gpu_address)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.kind = GH_GPU_ASSIGN_VF;
    gpu.address = NULL;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu address '(null)' is not a PCI address");
}
END_TEST

START_TEST(test_build_rejects_bad_gpu_companion)
{
    g_autoptr(GPtrArray) companions = companions_new("0000:c1:00");
    GhGpuAssignment gpu = pci_assignment();
    gpu.companions = companions;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu companion '0000:c1:00' is not a PCI address");
}
END_TEST

START_TEST(test_build_rejects_mdev_without_uuid)
{
    GhGpuAssignment gpu = mdev_assignment();
    gpu.mdev_uuid = NULL;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu mdev_uuid '(null)' is not a UUID");
}
END_TEST

START_TEST(test_build_rejects_mdev_with_bad_uuid)
{
    GhGpuAssignment gpu = mdev_assignment();
    gpu.mdev_uuid = (char *) "c2b8e1a4-3f5d-4e6a-9b7c";
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu mdev_uuid 'c2b8e1a4-3f5d-4e6a-9b7c' is not a UUID");
}
END_TEST

START_TEST(test_build_rejects_mdev_with_companions)
{
    g_autoptr(GPtrArray) companions = companions_new("0000:01:00.1");
    GhGpuAssignment gpu = mdev_assignment();
    gpu.companions = companions;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu companions: an mdev assignment has none, 1 given");
}
END_TEST

START_TEST(test_build_rejects_mdev_without_vnc_socket)
{
    GhGpuAssignment gpu = mdev_assignment();
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    params.vnc_socket = NULL;
    check_invalid(&image, &params, "vnc_socket is missing: an mdev GPU");
}
END_TEST

START_TEST(test_build_rejects_unknown_gpu_kind)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.kind = (GhGpuAssignKind) 42;
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    check_invalid(&image, &params, "gpu kind 42 is unknown");
}
END_TEST

static const char *const bad_cpulists[] = {
    "", "16-31;reboot", "a-b", "31-16", "1,,2", "-1", "1-", ",1", "1,", " 1", "0-15\n",
    "^3", "1-2-3", "9999999",
};

START_TEST(test_build_rejects_bad_local_cpus)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.local_cpus = (char *) bad_cpulists[_i];
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    g_autofree char *shown = g_strescape(bad_cpulists[_i], NULL);
    g_autofree char *needle = g_strdup_printf("gpu local_cpus '%s' is not a CPU list", shown);
    check_invalid(&image, &params, needle);
}
END_TEST

/* ---- GPU placement ---------------------------------------------------- */

static char *
build_ok(const GhImage *image, const GhDomainParams *params)
{
    g_autoptr(GError) error = NULL;
    char *xml = gh_domain_build_xml(image, params, &error);
    ck_assert_msg(xml != NULL, "build failed: %s", error ? error->message : "?");
    return xml;
}

START_TEST(test_gpu_without_numa_node_is_not_pinned)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.numa_node = -1;
    gpu.local_cpus = (char *) "0-63";
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    g_autofree char *xml = build_ok(&image, &params);
    ck_assert_ptr_nonnull(strstr(xml, "<vcpu placement=\"static\">4</vcpu>"));
    ck_assert_ptr_null(strstr(xml, "numatune"));
}
END_TEST

START_TEST(test_gpu_address_with_five_digit_domain)
{
    GhGpuAssignment gpu = pci_assignment();
    gpu.address = (char *) "10000:e1:1f.7";
    GhImage image = console_image();
    GhDomainParams params = params_for("kvm");
    params.gpu = &gpu;
    g_autofree char *xml = build_ok(&image, &params);
    ck_assert_ptr_nonnull(strstr(xml, "<address domain=\"0x10000\" bus=\"0xe1\" "
                                      "slot=\"0x1f\" function=\"0x7\"/>"));
}
END_TEST

START_TEST(test_hugepages_without_gpu_keep_emulated_display)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.hugepages = TRUE;
    g_autofree char *xml = build_ok(&image, &params);
    ck_assert_ptr_nonnull(strstr(xml, "  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n"
                                      "  <vcpu placement=\"static\">1</vcpu>\n"));
    ck_assert_ptr_nonnull(strstr(xml, "<model type=\"vga\""));
    ck_assert_ptr_nonnull(strstr(xml, "<graphics type=\"vnc\""));
    ck_assert_ptr_null(strstr(xml, "hostdev"));
}
END_TEST

/* ---- escaping --------------------------------------------------------- */

static xmlDocPtr
parse_built(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int) strlen(xml), "built.xml", NULL,
                                  XML_PARSE_NONET);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static xmlNodePtr
child_named(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *) name))
            return n;
    }
    return NULL;
}

static gboolean
tree_has_element(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE &&
            (xmlStrEqual(n->name, (const xmlChar *) name) ||
             tree_has_element(n->children, name)))
            return TRUE;
    }
    return FALSE;
}

START_TEST(test_title_markup_is_escaped_as_text)
{
    const char *hostile = "\"></name><evil/> & 'quoted' <title>";
    GhImage image = kernel_image();
    image.title = (char *) hostile;
    GhDomainParams params = params_for("qemu");

    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<title>\"&gt;&lt;/name&gt;&lt;evil/&gt; &amp; "
                                      "'quoted' &lt;title&gt;</title>"));

    g_autoptr(xmlDoc) doc = parse_built(xml);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert(!tree_has_element(root, "evil"));
    xmlNodePtr title = child_named(root, "title");
    ck_assert_ptr_nonnull(title);
    xmlChar *text = xmlNodeGetContent(title);
    ck_assert_str_eq((const char *) text, hostile);
    xmlFree(text);
    xmlNodePtr name = child_named(root, "name");
    xmlChar *name_text = xmlNodeGetContent(name);
    ck_assert_str_eq((const char *) name_text, "gh-" SESSION_ID);
    xmlFree(name_text);
}
END_TEST

START_TEST(test_path_with_quotes_is_escaped_in_attribute)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    params.serial_log = "/tmp/a\"/><evil x=\"&amp;.log";

    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    g_autoptr(xmlDoc) doc = parse_built(xml);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert(!tree_has_element(root, "evil"));
    xmlNodePtr source = child_named(child_named(child_named(root, "devices"), "serial"),
                                    "source");
    ck_assert_ptr_nonnull(source);
    xmlChar *path = xmlGetProp(source, (const xmlChar *) "path");
    ck_assert_str_eq((const char *) path, params.serial_log);
    xmlFree(path);
}
END_TEST

START_TEST(test_title_newline_becomes_space)
{
    GhImage image = kernel_image();
    image.title = (char *) "Demo\nArena";
    GhDomainParams params = params_for("qemu");

    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<title>Demo Arena</title>"));
}
END_TEST

START_TEST(test_name_for_session_prefixes_gh)
{
    g_autofree char *name = gh_domain_name_for_session(SESSION_ID);
    ck_assert_str_eq(name, "gh-" SESSION_ID);
}
END_TEST

/* ---- metadata --------------------------------------------------------- */

/* What virDomainGetMetadata hands back: the <session> element alone. */
static char *
session_element_of(const char *domain_xml)
{
    g_autoptr(xmlDoc) doc = parse_built(domain_xml);
    xmlNodePtr metadata = child_named(xmlDocGetRootElement(doc), "metadata");
    ck_assert_ptr_nonnull(metadata);
    xmlNodePtr session = child_named(metadata, "session");
    ck_assert_ptr_nonnull(session);
    ck_assert_ptr_nonnull(session->ns);
    ck_assert_str_eq((const char *) session->ns->href, GH_DOMAIN_METADATA_NS);

    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, session, 0, 0);
    char *s = g_strdup((const char *) xmlBufferContent(buf));
    xmlBufferFree(buf);
    return s;
}

START_TEST(test_metadata_round_trip_kernel_boot)
{
    GhImage image = kernel_image();
    GhDomainParams params = params_for("qemu");
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    g_autofree char *element = session_element_of(xml);

    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(element, &error);
    ck_assert_msg(md != NULL, "%s: %s", element, error ? error->message : "?");
    ck_assert_str_eq(md->session_id, SESSION_ID);
    ck_assert_str_eq(md->image_id, "demo-arena");
    ck_assert_int_eq(md->created_at, CREATED_AT);
    ck_assert_ptr_null(md->overlay_path);
}
END_TEST

START_TEST(test_metadata_round_trip_disk_boot_keeps_overlay)
{
    GhImage image = disk_image();
    GhDomainParams params = params_for("kvm");
    params.overlay_path = overlay_path();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    g_autofree char *element = session_element_of(xml);

    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(element, &error);
    ck_assert_msg(md != NULL, "%s: %s", element, error ? error->message : "?");
    ck_assert_str_eq(md->image_id, "retro-disk");
    ck_assert_str_eq(md->overlay_path, overlay_path());
}
END_TEST

START_TEST(test_metadata_round_trip_kernel_with_disk_keeps_overlay)
{
    GhImage image = linux_image();
    GhDomainParams params = params_for("qemu");
    params.overlay_path = overlay_path();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = gh_domain_build_xml(&image, &params, &error);
    ck_assert_ptr_nonnull(xml);
    g_autofree char *element = session_element_of(xml);

    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(element, &error);
    ck_assert_msg(md != NULL, "%s: %s", element, error ? error->message : "?");
    ck_assert_str_eq(md->image_id, "freedoom");
    ck_assert_str_eq(md->overlay_path, overlay_path());
}
END_TEST

START_TEST(test_metadata_parse_accepts_default_namespace)
{
    const char *xml =
        "<session xmlns=\"" GH_DOMAIN_METADATA_NS "\" id=\"" SESSION_ID "\" "
        "image=\"demo-arena\" created=\"42\"/>";
    g_autoptr(GError) error = NULL;
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, &error);
    ck_assert_msg(md != NULL, "%s", error ? error->message : "?");
    ck_assert_str_eq(md->session_id, SESSION_ID);
    ck_assert_int_eq(md->created_at, 42);
}
END_TEST

START_TEST(test_metadata_parse_accepts_other_prefix)
{
    const char *xml =
        "<gh:session xmlns:gh=\"" GH_DOMAIN_METADATA_NS "\" id=\"" SESSION_ID "\" "
        "image=\"demo-arena\" created=\"0\" overlay=\"/x/overlay.qcow2\"/>";
    g_autoptr(GError) error = NULL;
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, &error);
    ck_assert_msg(md != NULL, "%s", error ? error->message : "?");
    ck_assert_str_eq(md->overlay_path, "/x/overlay.qcow2");
}
END_TEST

static void
check_metadata_rejected(const char *xml, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, &error);
    ck_assert_ptr_null(md);
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID));
    ck_assert_msg(strstr(error->message, needle) != NULL,
                  "error '%s' does not say '%s'", error->message, needle);
}

#define NS_ATTR "xmlns=\"" GH_DOMAIN_METADATA_NS "\""

START_TEST(test_metadata_rejects_missing_id)
{
    check_metadata_rejected("<session " NS_ATTR " image=\"demo-arena\" created=\"1\"/>",
                            "'id' is missing");
}
END_TEST

START_TEST(test_metadata_rejects_missing_image)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"" SESSION_ID "\" created=\"1\"/>",
                            "'image' is missing");
}
END_TEST

START_TEST(test_metadata_rejects_non_uuid_id)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"not-a-uuid\" image=\"a\" created=\"1\"/>",
                            "id 'not-a-uuid' is not a UUID");
}
END_TEST

START_TEST(test_metadata_rejects_missing_created)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"a\"/>",
                            "'created' is missing");
}
END_TEST

static const char *const bad_created[] = {
    "", "12x", "-5", "+5", " 5", "1.5", "0x10", "99999999999999999999",
};

START_TEST(test_metadata_rejects_bad_created)
{
    g_autofree char *xml = g_strdup_printf(
        "<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"a\" created=\"%s\"/>",
        bad_created[_i]);
    g_autofree char *needle = g_strdup_printf("created '%s'", bad_created[_i]);
    check_metadata_rejected(xml, needle);
}
END_TEST

START_TEST(test_metadata_rejects_relative_overlay)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"a\" "
                            "created=\"1\" overlay=\"overlay.qcow2\"/>",
                            "overlay 'overlay.qcow2' is not an absolute path");
}
END_TEST

START_TEST(test_metadata_rejects_wrong_namespace)
{
    check_metadata_rejected("<session xmlns=\"https://example.com/other\" id=\"" SESSION_ID
                            "\" image=\"a\" created=\"1\"/>",
                            "root element is not <session>");
}
END_TEST

/* Exactly what libvirt 9.0's virDomainGetMetadata(VIR_DOMAIN_METADATA_ELEMENT)
 * returned for the disk-qemu.xml golden domain on test:///default: the
 * namespace is stripped. */
START_TEST(test_metadata_parse_accepts_libvirt_stripped_namespace)
{
    const char *xml =
        "<session id=\"" SESSION_ID "\" image=\"retro-disk\" created=\"1700000000123456\" "
        "overlay=\"/var/lib/gamehost/sessions/" SESSION_ID "/overlay.qcow2\"/>";
    g_autoptr(GError) error = NULL;
    g_autoptr(GhDomainMetadata) md = gh_domain_metadata_parse(xml, &error);
    ck_assert_msg(md != NULL, "%s", error ? error->message : "?");
    ck_assert_str_eq(md->session_id, SESSION_ID);
    ck_assert_str_eq(md->image_id, "retro-disk");
    ck_assert_int_eq(md->created_at, CREATED_AT);
    ck_assert_str_eq(md->overlay_path, overlay_path());
}
END_TEST

START_TEST(test_metadata_rejects_wrong_element)
{
    check_metadata_rejected("<domain " NS_ATTR " id=\"" SESSION_ID
                            "\" image=\"a\" created=\"1\"/>",
                            "root element is not <session>");
}
END_TEST

START_TEST(test_metadata_rejects_malformed_xml)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"x\"", "line 1: not well-formed XML");
}
END_TEST

START_TEST(test_metadata_rejects_empty_and_null)
{
    check_metadata_rejected("", "line 1: not well-formed XML: Document is empty");
    check_metadata_rejected(NULL, "line 1: not well-formed XML: Document is empty");
}
END_TEST

START_TEST(test_metadata_rejects_oversized_document)
{
    GString *s = g_string_new("<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"");
    for (int i = 0; i < 70000; i++)
        g_string_append_c(s, 'a');
    g_string_append(s, "\" created=\"1\"/>");
    g_autofree char *xml = g_string_free(s, FALSE);
    check_metadata_rejected(xml, "is larger than 65536 bytes");
}
END_TEST

START_TEST(test_metadata_rejects_entity_expansion)
{
    const char *laughs =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE session [\n"
        "  <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
        "  <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        "  <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        "  <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
        "]>\n"
        "<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"&d;\" created=\"1\"/>";
    check_metadata_rejected(laughs, "line 2: DOCTYPE declarations are not allowed");
}
END_TEST

START_TEST(test_metadata_rejects_external_entity)
{
    const char *xxe =
        "<!DOCTYPE session [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>"
        "<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"&x;\" created=\"1\"/>";
    check_metadata_rejected(xxe, "line 1: DOCTYPE declarations are not allowed");
}
END_TEST

START_TEST(test_metadata_rejects_undeclared_entity)
{
    check_metadata_rejected("<session " NS_ATTR " id=\"" SESSION_ID "\" image=\"&x;\" "
                            "created=\"1\"/>",
                            "not well-formed XML");
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static Suite *
domain_suite(void)
{
    Suite *s = suite_create("domain");

    TCase *golden = tcase_create("golden");
    tcase_add_test(golden, test_golden_kernel_boot_qemu);
    tcase_add_test(golden, test_golden_kernel_boot_with_cmdline);
    tcase_add_test(golden, test_golden_disk_boot_qemu);
    tcase_add_test(golden, test_golden_kernel_boot_kvm);
    tcase_add_test(golden, test_golden_without_vnc_socket);
    tcase_add_test(golden, test_golden_gamepad_profile_4_vcpu_8_gib);
    tcase_add_test(golden, test_golden_sound_profile_has_ac97_on_dbus_audio);
    tcase_add_test(golden, test_golden_uefi_firmware);
    tcase_add_test(golden, test_golden_gpu_pci_with_audio_companion_on_numa_node);
    tcase_add_test(golden, test_golden_gpu_pci_unmanaged_without_numa_node);
    tcase_add_test(golden, test_golden_gpu_vf);
    tcase_add_test(golden, test_golden_gpu_mdev_with_display_and_ramfb);
    tcase_add_test(golden, test_golden_gpu_pci_with_hugepages);
    tcase_add_test(golden, test_golden_kernel_boot_with_relay);
    tcase_add_test(golden, test_golden_gpu_pci_with_relay_1080p);
    tcase_add_test(golden, test_golden_linux_kernel_initrd_root_disk_virtio);
    suite_add_tcase(s, golden);

    /* After the golden files, so a regeneration run validates what it wrote. */
    TCase *schema = tcase_create("schema");
    tcase_add_loop_test(schema, test_golden_file_passes_virt_xml_validate,
                        0, G_N_ELEMENTS(golden_files));
    suite_add_tcase(s, schema);

    TCase *invalid = tcase_create("invalid");
    tcase_add_test(invalid, test_build_rejects_missing_serial_log);
    tcase_add_test(invalid, test_build_rejects_relay_with_display_it_cannot_hold);
    tcase_add_test(invalid, test_build_rejects_relative_serial_log);
    tcase_add_test(invalid, test_build_rejects_disk_boot_without_overlay);
    tcase_add_test(invalid, test_build_rejects_kernel_with_disk_without_overlay);
    tcase_add_test(invalid, test_build_rejects_relative_initrd_path);
    tcase_add_test(invalid, test_build_rejects_unknown_disk_bus);
    tcase_add_test(invalid, test_build_rejects_null_profile);
    tcase_add_test(invalid, test_build_rejects_zero_vcpus);
    tcase_add_test(invalid, test_build_rejects_bad_domain_type);
    tcase_add_test(invalid, test_build_rejects_null_domain_type);
    tcase_add_test(invalid, test_build_rejects_non_uuid_session_id);
    tcase_add_test(invalid, test_build_rejects_kernel_boot_without_kernel);
    tcase_add_test(invalid, test_build_rejects_vnc_socket_with_control_characters);
    tcase_add_loop_test(invalid, test_build_rejects_bad_gpu_address,
                        0, G_N_ELEMENTS(bad_pci_addresses));
    tcase_add_test(invalid, test_build_rejects_missing_gpu_address);
    tcase_add_test(invalid, test_build_rejects_bad_gpu_companion);
    tcase_add_test(invalid, test_build_rejects_mdev_without_uuid);
    tcase_add_test(invalid, test_build_rejects_mdev_with_bad_uuid);
    tcase_add_test(invalid, test_build_rejects_mdev_with_companions);
    tcase_add_test(invalid, test_build_rejects_mdev_without_vnc_socket);
    tcase_add_test(invalid, test_build_rejects_unknown_gpu_kind);
    tcase_add_loop_test(invalid, test_build_rejects_bad_local_cpus,
                        0, G_N_ELEMENTS(bad_cpulists));
    suite_add_tcase(s, invalid);

    TCase *gpu = tcase_create("gpu");
    tcase_add_test(gpu, test_gpu_without_numa_node_is_not_pinned);
    tcase_add_test(gpu, test_gpu_address_with_five_digit_domain);
    tcase_add_test(gpu, test_hugepages_without_gpu_keep_emulated_display);
    suite_add_tcase(s, gpu);

    TCase *relay = tcase_create("relay");
    tcase_add_test(relay, test_no_shmem_without_relay_capture);
    tcase_add_test(relay, test_relay_region_follows_sizing_rule);
    tcase_add_test(relay, test_relay_path_is_dev_shm_domain_name);
    suite_add_tcase(s, relay);

    TCase *linux_guest = tcase_create("linux");
    tcase_add_test(linux_guest, test_linux_os_has_kernel_initrd_cmdline);
    tcase_add_test(linux_guest, test_kernel_without_initrd_has_no_initrd_element);
    tcase_add_test(linux_guest, test_linux_root_disk_is_the_overlay_on_virtio);
    tcase_add_test(linux_guest, test_kernel_with_ide_root_disk_uses_hda);
    tcase_add_test(linux_guest, test_disk_boot_on_virtio_uses_vda);
    tcase_add_test(linux_guest, test_tablet_profile_gets_virtio_tablet);
    tcase_add_test(linux_guest, test_profile_without_tablet_has_none);
    suite_add_tcase(s, linux_guest);

    TCase *escaping = tcase_create("escaping");
    tcase_add_test(escaping, test_title_markup_is_escaped_as_text);
    tcase_add_test(escaping, test_path_with_quotes_is_escaped_in_attribute);
    tcase_add_test(escaping, test_title_newline_becomes_space);
    tcase_add_test(escaping, test_name_for_session_prefixes_gh);
    suite_add_tcase(s, escaping);

    TCase *metadata = tcase_create("metadata");
    tcase_add_test(metadata, test_metadata_round_trip_kernel_boot);
    tcase_add_test(metadata, test_metadata_round_trip_disk_boot_keeps_overlay);
    tcase_add_test(metadata, test_metadata_round_trip_kernel_with_disk_keeps_overlay);
    tcase_add_test(metadata, test_metadata_parse_accepts_default_namespace);
    tcase_add_test(metadata, test_metadata_parse_accepts_other_prefix);
    tcase_add_test(metadata, test_metadata_parse_accepts_libvirt_stripped_namespace);
    tcase_add_test(metadata, test_metadata_rejects_missing_id);
    tcase_add_test(metadata, test_metadata_rejects_missing_image);
    tcase_add_test(metadata, test_metadata_rejects_non_uuid_id);
    tcase_add_test(metadata, test_metadata_rejects_missing_created);
    tcase_add_loop_test(metadata, test_metadata_rejects_bad_created,
                        0, G_N_ELEMENTS(bad_created));
    tcase_add_test(metadata, test_metadata_rejects_relative_overlay);
    tcase_add_test(metadata, test_metadata_rejects_wrong_namespace);
    tcase_add_test(metadata, test_metadata_rejects_wrong_element);
    tcase_add_test(metadata, test_metadata_rejects_malformed_xml);
    tcase_add_test(metadata, test_metadata_rejects_empty_and_null);
    tcase_add_test(metadata, test_metadata_rejects_oversized_document);
    tcase_add_test(metadata, test_metadata_rejects_entity_expansion);
    tcase_add_test(metadata, test_metadata_rejects_external_entity);
    tcase_add_test(metadata, test_metadata_rejects_undeclared_entity);
    suite_add_tcase(s, metadata);

    return s;
}

int
main(void)
{
    SRunner *runner = srunner_create(domain_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    xmlCleanupParser();
    return failed == 0 ? 0 : 1;
}
