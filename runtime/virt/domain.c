/* domain: the libvirt domain XML of a session, built with the libxml2 tree
 * API so that no value from a manifest, a profile or a path can change the
 * structure of the document, and the gamehost metadata read back from it. */
#include "domain-private.h"

#include <stdarg.h>
#include <string.h>

#include <gamehost/relay.h>

#include <libxml/tree.h>

#include "util/xml-util.h"

G_DEFINE_QUARK(gh-domain-error-quark, gh_domain_error)

/* virDomainGetMetadata returns one small element; anything much larger is
 * not ours and is refused before the parser sees it. */
#define GH_DOMAIN_METADATA_MAX_BYTES (64 * 1024)

#define BAD_XML(s) ((const xmlChar *) (s))

/* Where libvirt (qemuBuildShmemBackendMemProps) puts a <shmem> without a
 * server: mem-path=/dev/shm/<name>, share=on. */
#define GH_DOMAIN_RELAY_DIR "/dev/shm"

char *
gh_domain_name_for_session(const char *session_id)
{
    g_return_val_if_fail(session_id != NULL, NULL);
    return g_strconcat(GH_DOMAIN_NAME_PREFIX, session_id, NULL);
}

/* ---- validation ------------------------------------------------------- */

gboolean
gh_domain_image_has_relay(const GhImage *image)
{
    return image && image->capture && g_strv_contains((const char *const *) image->capture, "relay");
}

char *
gh_domain_relay_path(const char *session_id)
{
    g_autofree char *name = NULL;

    g_return_val_if_fail(session_id != NULL, NULL);
    name = gh_domain_name_for_session(session_id);
    return g_build_filename(GH_DOMAIN_RELAY_DIR, name, NULL);
}

/* The relay region for the profile's display: the sizing rule of
 * include/gamehost/relay.h with the minimum number of slots, a power of two
 * of at least 1 MiB (libvirt gives ivshmem sizes in whole MiB). */
static guint64
domain_relay_region_mib(const GhProfile *profile)
{
    guint64 bytes = gh_relay_region_size(profile->width, profile->height, GH_RELAY_MIN_SLOTS);
    return bytes < 1024 * 1024 ? 1 : bytes / (1024 * 1024);
}

/* XML 1.0 cannot carry C0 control characters other than tab, newline and
 * carriage return (libxml2 would write them as character references that
 * libvirt's parser then rejects), so such values are refused up front. */
static gboolean
domain_text_is_xml_safe(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        return FALSE;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return FALSE;
    }
    return TRUE;
}

/* Paths end up in attributes that libvirt's schema types as absolute paths;
 * a relative one would be resolved against whatever directory the
 * hypervisor runs in, which is never what the caller meant. */
static gboolean
domain_check_path(const char *field, const char *value, gboolean required, GError **error)
{
    if (value == NULL) {
        if (!required)
            return TRUE;
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "%s is missing", field);
        return FALSE;
    }
    if (value[0] != '/' || value[1] == '\0') {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "%s '%s' is not an absolute file path", field, value);
        return FALSE;
    }
    if (strchr(value, '\n') || strchr(value, '\r') || !domain_text_is_xml_safe(value)) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "%s contains control characters or invalid UTF-8", field);
        return FALSE;
    }
    return TRUE;
}

/* The boot artefacts, firmware and disk of the image; the disk needs the
 * session's overlay, whatever the boot kind. */
static gboolean
domain_check_boot(const GhImage *image, const GhDomainParams *params, GError **error)
{
    switch (image->boot) {
    case GH_BOOT_KERNEL:
        if (!domain_check_path("kernel_path", image->kernel_path, TRUE, error) ||
            !domain_check_path("initrd_path", image->initrd_path, FALSE, error))
            return FALSE;
        if (image->cmdline && !domain_text_is_xml_safe(image->cmdline)) {
            g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                        "cmdline contains control characters or invalid UTF-8");
            return FALSE;
        }
        break;
    case GH_BOOT_DISK:
        break;
    default:
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': unknown boot kind %d", image->id, (int) image->boot);
        return FALSE;
    }
    if (image->firmware != GH_FIRMWARE_BIOS && image->firmware != GH_FIRMWARE_UEFI) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': unknown firmware %d", image->id, (int) image->firmware);
        return FALSE;
    }
    if (!gh_image_has_disk(image))
        return TRUE;
    if (image->disk_bus != GH_DISK_BUS_IDE && image->disk_bus != GH_DISK_BUS_VIRTIO) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': unknown disk bus %d (ide or virtio)", image->id,
                    (int) image->disk_bus);
        return FALSE;
    }
    return domain_check_path("overlay_path", params->overlay_path, TRUE, error);
}

static gboolean
domain_check_params(const GhImage *image, const GhDomainParams *params, GError **error)
{
    if (image == NULL || params == NULL) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "%s is missing", image == NULL ? "image" : "params");
        return FALSE;
    }
    if (params->session_id == NULL || !g_uuid_string_is_valid(params->session_id)) {
        g_autofree char *shown = params->session_id
            ? g_strescape(params->session_id, NULL) : g_strdup("(null)");
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "session_id '%s' is not a UUID", shown);
        return FALSE;
    }
    if (g_strcmp0(params->domain_type, "kvm") != 0 &&
        g_strcmp0(params->domain_type, "qemu") != 0) {
        g_autofree char *shown = params->domain_type
            ? g_strescape(params->domain_type, NULL) : g_strdup("(null)");
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "domain_type '%s' is neither 'kvm' nor 'qemu'", shown);
        return FALSE;
    }
    if (params->created_at < 0) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "created_at %" G_GINT64_FORMAT " is negative", params->created_at);
        return FALSE;
    }
    if (image->profile && image->profile->gamepad &&
        (params->session_dir == NULL || !g_path_is_absolute(params->session_dir) ||
         !domain_text_is_xml_safe(params->session_dir))) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "profile '%s' has a gamepad, whose USB channels need an absolute session_dir",
                    image->profile->id);
        return FALSE;
    }
    if (image->id == NULL || image->id[0] == '\0' || !domain_text_is_xml_safe(image->id)) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image id is missing or not printable");
        return FALSE;
    }

    const GhProfile *profile = image->profile;
    if (profile == NULL) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': profile is missing", image->id);
        return FALSE;
    }
    if (profile->vcpus == 0 || profile->memory_mib == 0) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': profile %s is zero", image->id,
                    profile->vcpus == 0 ? "vcpus" : "memory_mib");
        return FALSE;
    }

    if (gh_domain_image_has_relay(image) &&
        (profile->width == 0 || profile->height == 0 ||
         profile->width > GH_RELAY_MAX_WIDTH || profile->height > GH_RELAY_MAX_HEIGHT)) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "image '%s': profile display %ux%u cannot be relayed (1x1 to %ux%u)",
                    image->id, profile->width, profile->height,
                    GH_RELAY_MAX_WIDTH, GH_RELAY_MAX_HEIGHT);
        return FALSE;
    }

    if (!domain_check_boot(image, params, error))
        return FALSE;

    if (!domain_check_path("serial_log", params->serial_log, TRUE, error) ||
        !domain_check_path("vnc_socket", params->vnc_socket, FALSE, error))
        return FALSE;
    return params->gpu == NULL || gh_domain_gpu_check(params->gpu, params->vnc_socket, error);
}

/* The title is cosmetic, so a manifest title libvirt would refuse (it
 * rejects newlines) or XML cannot carry is mended rather than failing the
 * session. */
static char *
domain_sanitize_title(const char *title)
{
    char *t = g_utf8_make_valid(title, -1);
    for (char *p = t; *p; p++) {
        if ((unsigned char) *p < 0x20)
            *p = ' ';
    }
    return t;
}

/* ---- building --------------------------------------------------------- */

/* xmlNewTextChild, never xmlNewChild: the latter parses its content for
 * entity references, so a '&' in a title would be taken as markup. */
static xmlNodePtr
domain_add_text(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_XML(name), BAD_XML(text));
}

static xmlNodePtr
domain_add_elem(xmlNodePtr parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_XML(name), NULL);
}

/* xmlNewProp stores the value as text and escapes it on output. */
static void
domain_set_attr(xmlNodePtr node, const char *name, const char *value)
{
    xmlNewProp(node, BAD_XML(name), BAD_XML(value));
}

static void
domain_add_metadata(xmlNodePtr domain, const GhImage *image, const GhDomainParams *params)
{
    xmlNodePtr metadata = domain_add_elem(domain, "metadata");
    xmlNodePtr session = domain_add_elem(metadata, "session");
    xmlNsPtr ns = xmlNewNs(session, BAD_XML(GH_DOMAIN_METADATA_NS),
                           BAD_XML(GH_DOMAIN_METADATA_PREFIX));
    xmlSetNs(session, ns);

    char created[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf(created, sizeof created, "%" G_GINT64_FORMAT, params->created_at);

    domain_set_attr(session, "id", params->session_id);
    domain_set_attr(session, "image", image->id);
    domain_set_attr(session, "created", created);
    if (gh_image_has_disk(image))
        domain_set_attr(session, "overlay", params->overlay_path);
}

static void
domain_add_os(xmlNodePtr domain, const GhImage *image)
{
    xmlNodePtr os = domain_add_elem(domain, "os");
    /* Firmware autoselection: libvirt picks an OVMF build matching the
     * machine from the host's firmware descriptors. */
    if (image->firmware == GH_FIRMWARE_UEFI)
        domain_set_attr(os, "firmware", "efi");

    xmlNodePtr type = domain_add_text(os, "type", "hvm");
    domain_set_attr(type, "arch", "x86_64");
    domain_set_attr(type, "machine", "pc");

    if (image->boot == GH_BOOT_KERNEL) {
        domain_add_text(os, "kernel", image->kernel_path);
        if (image->initrd_path)
            domain_add_text(os, "initrd", image->initrd_path);
        if (image->cmdline)
            domain_add_text(os, "cmdline", image->cmdline);
    } else {
        domain_set_attr(domain_add_elem(os, "boot"), "dev", "hd");
    }
}

/* The session writes only to its overlay, which is always qcow2 whatever
 * the image's own format: a copy-on-write layer over the read-only image,
 * discarded when the session ends.  The same for a disk booted through the
 * firmware and for a directly booted kernel's root disk. */
static void
domain_add_disk(xmlNodePtr devices, const GhImage *image, const GhDomainParams *params)
{
    xmlNodePtr disk = domain_add_elem(devices, "disk");
    domain_set_attr(disk, "type", "file");
    domain_set_attr(disk, "device", "disk");
    xmlNodePtr driver = domain_add_elem(disk, "driver");
    domain_set_attr(driver, "name", "qemu");
    domain_set_attr(driver, "type", "qcow2");
    domain_set_attr(domain_add_elem(disk, "source"), "file", params->overlay_path);
    xmlNodePtr target = domain_add_elem(disk, "target");
    domain_set_attr(target, "dev", image->disk_bus == GH_DISK_BUS_VIRTIO ? "vda" : "hda");
    domain_set_attr(target, "bus", gh_disk_bus_to_string(image->disk_bus));
}

static void
domain_add_input(xmlNodePtr devices, const char *type, const char *bus)
{
    xmlNodePtr input = domain_add_elem(devices, "input");
    domain_set_attr(input, "type", type);
    domain_set_attr(input, "bus", bus);
}

/* One direction of the D-Bus audio backend: 48 kHz stereo s16, QEMU's
 * mixing engine converting whatever the guest plays (without fixed
 * settings QEMU 7.2 hands out 44.1 kHz). */
static void
domain_add_audio_direction(xmlNodePtr audio, const char *name)
{
    xmlNodePtr dir = domain_add_elem(audio, name);
    domain_set_attr(dir, "mixingEngine", "yes");
    domain_set_attr(dir, "fixedSettings", "yes");
    xmlNodePtr settings = domain_add_elem(dir, "settings");
    domain_set_attr(settings, "frequency", "48000");
    domain_set_attr(settings, "channels", "2");
    domain_set_attr(settings, "format", "s16");
}

/* A console with sound gets its card and QEMU's D-Bus audio, which libvirt
 * serves on a private bus per VM (<graphics type='dbus'>, bus mode: p2p
 * makes QEMU 7.2 crash when a listener registers); the audio backend
 * (audio.dbus) listens there.  A silent one gets the "none" backend, or
 * QEMU may try the host's sound server. */
static void
domain_add_sound(xmlNodePtr devices, const GhProfile *profile)
{
    xmlNodePtr audio;

    if (profile->sound != GH_SOUND_NONE) {
        xmlNodePtr graphics = domain_add_elem(devices, "graphics");
        domain_set_attr(graphics, "type", "dbus");
        domain_set_attr(domain_add_elem(graphics, "audio"), "id", "1");
        xmlNodePtr sound = domain_add_elem(devices, "sound");
        domain_set_attr(sound, "model", gh_sound_to_string(profile->sound));
        domain_set_attr(domain_add_elem(sound, "audio"), "id", "1");
    }
    audio = domain_add_elem(devices, "audio");
    domain_set_attr(audio, "id", "1");
    domain_set_attr(audio, "type", profile->sound != GH_SOUND_NONE ? "dbus" : "none");
    if (profile->sound != GH_SOUND_NONE) {
        domain_add_audio_direction(audio, "input");
        domain_add_audio_direction(audio, "output");
    }
}

char *
gh_domain_pad_socket(const char *session_dir, guint pad)
{
    g_autofree char *name = g_strdup_printf("pad%u.sock", pad);

    return g_build_filename(session_dir, name, NULL);
}

/* Game pads are USB devices that input.qmp plays over usb-redir channels
 * (plugins/input-qmp/usbpad.c), one per pad; QEMU listens and the backend
 * connects, so a restarted daemon connects again.  On an xHCI controller: it
 * wakes on each report, where UHCI would poll every 1 ms frame under TCG. */
static void
domain_add_pads(xmlNodePtr devices, const GhProfile *profile, const GhDomainParams *params)
{
    if (!profile->gamepad)
        return;
    xmlNodePtr usb = domain_add_elem(devices, "controller");
    domain_set_attr(usb, "type", "usb");
    domain_set_attr(usb, "index", "0");
    domain_set_attr(usb, "model", "qemu-xhci");
    domain_set_attr(usb, "ports", "8");
    for (guint i = 0; i < GH_DOMAIN_PADS; i++) {
        g_autofree char *path = gh_domain_pad_socket(params->session_dir, i);
        xmlNodePtr redir = domain_add_elem(devices, "redirdev");
        domain_set_attr(redir, "bus", "usb");
        domain_set_attr(redir, "type", "unix");
        xmlNodePtr source = domain_add_elem(redir, "source");
        domain_set_attr(source, "mode", "bind");
        domain_set_attr(source, "path", path);
    }
}

static void
domain_add_devices(xmlNodePtr domain, const GhImage *image, const GhDomainParams *params)
{
    xmlNodePtr devices = domain_add_elem(domain, "devices");

    if (gh_image_has_disk(image))
        domain_add_disk(devices, image, params);

    /* libvirt adds the matching <console> for the first serial port
     * itself; declaring one too would ask for a second character device. */
    xmlNodePtr serial = domain_add_elem(devices, "serial");
    domain_set_attr(serial, "type", "file");
    xmlNodePtr source = domain_add_elem(serial, "source");
    domain_set_attr(source, "path", params->serial_log);
    domain_set_attr(source, "append", "off");
    domain_set_attr(domain_add_elem(serial, "target"), "port", "0");

    if (image->profile->keyboard)
        domain_add_input(devices, "keyboard", "ps2");
    if (image->profile->mouse)
        domain_add_input(devices, "mouse", "ps2");
    /* An absolute pointer, so the guest's cursor is where the player's is.
     * virtio-tablet rather than usb-tablet: a USB tablet is polled by the
     * emulated host controller's frame timer, which costs CPU under TCG;
     * the guest's Debian kernel has virtio_input. */
    if (image->profile->tablet)
        domain_add_input(devices, "tablet", "virtio");
    domain_add_pads(devices, image->profile, params);

    /* A passed-through GPU (PCI or VF) drives its own outputs, which QEMU
     * never sees: a VNC server would show a blank emulated head, so there is
     * none and frames leave through the relay.  An mdev shows its display
     * through the VNC graphics (display='on' needs one). */
    if (params->vnc_socket && !gh_domain_gpu_replaces_graphics(params->gpu)) {
        xmlNodePtr graphics = domain_add_elem(devices, "graphics");
        domain_set_attr(graphics, "type", "vnc");
        domain_set_attr(graphics, "socket", params->vnc_socket);
    }

    domain_add_sound(devices, image->profile);

    xmlNodePtr model = domain_add_elem(domain_add_elem(devices, "video"), "model");
    if (params->gpu) {
        /* The GPU is the only display: an emulated VGA beside it would be a
         * second head the guest could pick as its primary one. */
        domain_set_attr(model, "type", "none");
    } else {
        /* Standard VGA is the Bochs display (PCI 1234:1111) whose VBE
         * framebuffer the demo game programs directly. */
        domain_set_attr(model, "type", "vga");
        domain_set_attr(model, "vram", "16384");
        domain_set_attr(model, "heads", "1");
        domain_set_attr(model, "primary", "yes");
    }

    /* After the video, where libvirt itself writes hostdevs. */
    if (params->gpu)
        gh_domain_gpu_add_hostdevs(devices, params->gpu);

    /* A session's memory is fixed by its console profile. */
    domain_set_attr(domain_add_elem(devices, "memballoon"), "model", "none");

    /* The frame relay (include/gamehost/relay.h): an ivshmem-plain region
     * named like the domain, which libvirt backs with /dev/shm/<name>
     * (gh_domain_relay_path); the guest's producer finds it as PCI
     * 1af4:1110, BAR2.  After the memballoon, where libvirt writes it. */
    if (gh_domain_image_has_relay(image)) {
        g_autofree char *shm_name = gh_domain_name_for_session(params->session_id);
        char size[G_ASCII_DTOSTR_BUF_SIZE];
        g_snprintf(size, sizeof size, "%" G_GUINT64_FORMAT, domain_relay_region_mib(image->profile));
        xmlNodePtr shmem = domain_add_elem(devices, "shmem");
        domain_set_attr(shmem, "name", shm_name);
        domain_set_attr(domain_add_elem(shmem, "model"), "type", "ivshmem-plain");
        domain_set_attr(domain_add_text(shmem, "size", size), "unit", "M");
    }
}

char *
gh_domain_build_xml(const GhImage *image, const GhDomainParams *params, GError **error)
{
    if (!domain_check_params(image, params, error))
        return NULL;

    const GhProfile *profile = image->profile;
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_XML("1.0"));
    xmlNodePtr domain = xmlNewNode(NULL, BAD_XML("domain"));
    xmlDocSetRootElement(doc, domain);
    domain_set_attr(domain, "type", params->domain_type);

    g_autofree char *name = gh_domain_name_for_session(params->session_id);
    domain_add_text(domain, "name", name);
    domain_add_text(domain, "uuid", params->session_id);
    if (image->title && image->title[0]) {
        g_autofree char *title = domain_sanitize_title(image->title);
        domain_add_text(domain, "title", title);
    }
    domain_add_metadata(domain, image, params);

    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, profile->memory_mib);
    domain_set_attr(domain_add_text(domain, "memory", buf), "unit", "MiB");
    domain_set_attr(domain_add_text(domain, "currentMemory", buf), "unit", "MiB");
    /* Fewer TLB misses on the guest's whole memory; the operator reserves
     * the pages (the host check reports them), libvirt fails the start
     * when they are short. */
    if (params->hugepages)
        domain_add_elem(domain_add_elem(domain, "memoryBacking"), "hugepages");
    g_snprintf(buf, sizeof buf, "%u", profile->vcpus);
    xmlNodePtr vcpu = domain_add_text(domain, "vcpu", buf);
    domain_set_attr(vcpu, "placement", "static");
    const char *cpuset = gh_domain_gpu_cpuset(params->gpu);
    if (cpuset)
        domain_set_attr(vcpu, "cpuset", cpuset);
    gh_domain_gpu_add_numatune(domain, params->gpu);

    domain_add_os(domain, image);
    domain_add_elem(domain_add_elem(domain, "features"), "acpi");
    /* Under TCG host-passthrough means nothing (libvirt refuses it), and
     * QEMU's default CPU model is what the demo image is tested on. */
    if (g_str_equal(params->domain_type, "kvm"))
        domain_set_attr(domain_add_elem(domain, "cpu"), "mode", "host-passthrough");
    domain_set_attr(domain_add_elem(domain, "clock"), "offset", "utc");
    domain_add_text(domain, "on_poweroff", "destroy");
    domain_add_text(domain, "on_reboot", "restart");
    domain_add_text(domain, "on_crash", "destroy");

    domain_add_devices(domain, image, params);

    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    if (out == NULL) {
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "cannot serialize the domain XML of session %s", params->session_id);
        return NULL;
    }
    char *result = g_strndup((const char *) out, len);
    xmlFree(out);
    return result;
}

/* ---- metadata --------------------------------------------------------- */

GhDomainMetadata *
gh_domain_metadata_free(GhDomainMetadata *md)
{
    if (md == NULL)
        return NULL;
    g_free(md->session_id);
    g_free(md->image_id);
    g_free(md->overlay_path);
    g_free(md);
    return NULL;
}

static gboolean
domain_metadata_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
domain_metadata_fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                "gamehost metadata: %s", msg);
    return FALSE;
}

static xmlDocPtr
domain_metadata_read(const char *xml, GError **error)
{
    g_autoptr(GError) why = NULL;
    int line = 0;
    xmlDocPtr doc = gh_xml_parse(xml, xml ? strlen(xml) : 0, "metadata.xml",
                                 GH_DOMAIN_METADATA_MAX_BYTES, &line, &why);

    if (doc == NULL && line > 0)
        domain_metadata_fail(error, "line %d: %s", line, why->message);
    else if (doc == NULL)
        domain_metadata_fail(error, "%s", why->message);
    return doc;
}

GhDomainMetadata *
gh_domain_metadata_parse(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = domain_metadata_read(xml, error);
    if (doc == NULL)
        return NULL;

    /* libvirt 9.0 strips the namespace from the element it returns (the
     * caller asked by namespace already), so no namespace is accepted; a
     * copy taken from the domain XML carries ours under some prefix or as
     * the default, so match on href + local name, never on the prefix. */
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL || !xmlStrEqual(root->name, BAD_XML("session")) ||
        (root->ns != NULL &&
         !xmlStrEqual(root->ns->href, BAD_XML(GH_DOMAIN_METADATA_NS)))) {
        domain_metadata_fail(error, "root element is not <session> in namespace %s",
                             GH_DOMAIN_METADATA_NS);
        return NULL;
    }

    g_autoptr(GhDomainMetadata) md = g_new0(GhDomainMetadata, 1);
    g_autoptr(GError) why = NULL;
    guint64 when = 0;

    if (!gh_xml_prop_string(root, "id", GH_XML_REQUIRED, &md->session_id, &why) ||
        !gh_xml_prop_string(root, "image", GH_XML_REQUIRED | GH_XML_NONEMPTY, &md->image_id, &why) ||
        !gh_xml_prop_uint64(root, "created", GH_XML_REQUIRED, 0, G_MAXINT64, &when, &why) ||
        !gh_xml_prop_string(root, "overlay", GH_XML_OPTIONAL, &md->overlay_path, &why)) {
        domain_metadata_fail(error, "%s", why->message);   /* names element and attribute */
        return NULL;
    }
    if (!g_uuid_string_is_valid(md->session_id)) {
        g_autofree char *shown = g_strescape(md->session_id, NULL);
        domain_metadata_fail(error, "attribute id '%s' is not a UUID", shown);
        return NULL;
    }
    md->created_at = (gint64) when;
    if (md->overlay_path && md->overlay_path[0] != '/') {
        g_autofree char *shown = g_strescape(md->overlay_path, NULL);
        domain_metadata_fail(error, "attribute overlay '%s' is not an absolute path", shown);
        return NULL;
    }
    return g_steal_pointer(&md);
}
