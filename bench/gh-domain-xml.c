/* gh-domain-xml: prints the libvirt domain XML that gamehostd would start for
 * a session, so that benchmarks can hand exactly the same document to a plain
 * `virsh create` as a raw-libvirt baseline.
 *
 * Usage: gh-domain-xml DATA_DIR IMAGE_ID SESSION_UUID SERIAL_LOG VNC_SOCKET DOMAIN_TYPE [OVERLAY]
 *   DATA_DIR     installed data (<prefix>/share/gamehost: schema/, profiles/, images/)
 *   VNC_SOCKET   path of the VNC unix socket, or "-" for no graphics element
 *   DOMAIN_TYPE  "qemu" (TCG) or "kvm"
 *   OVERLAY      qcow2 overlay path, needed by images with a disk only (not created here)
 *
 * The catalog is loaded and the XML built by the same libghcore functions the
 * daemon uses (gh_catalog_load, gh_domain_build_xml). */
#include "conf/config.h"

#include <stdio.h>
#include <string.h>

#include "virt/domain.h"
#include "conf/catalog.h"

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhCatalog) catalog = NULL;
    g_autofree char *schema_dir = NULL, *profile_dir = NULL, *image_dir = NULL, *xml = NULL;
    const GhImage *image;
    GhDomainParams params = { 0 };

    if (argc < 7 || argc > 8) {
        fprintf(stderr, "usage: %s DATA_DIR IMAGE_ID SESSION_UUID SERIAL_LOG VNC_SOCKET|- DOMAIN_TYPE [OVERLAY]\n",
                argv[0]);
        return 2;
    }
    schema_dir = g_build_filename(argv[1], "schema", NULL);
    profile_dir = g_build_filename(argv[1], "profiles", NULL);
    image_dir = g_build_filename(argv[1], "images", NULL);
    const char *const profile_dirs[] = { profile_dir, NULL };
    const char *const image_dirs[] = { image_dir, NULL };

    catalog = gh_catalog_load(schema_dir, profile_dirs, image_dirs, &error);
    if (!catalog) {
        fprintf(stderr, "%s: cannot load the catalog: %s\n", argv[0], error->message);
        return 1;
    }
    image = gh_catalog_lookup(catalog, argv[2]);
    if (!image) {
        const GPtrArray *problems = gh_catalog_problems(catalog);
        fprintf(stderr, "%s: no image '%s' in %s\n", argv[0], argv[2], image_dir);
        for (guint i = 0; i < problems->len; i++) {
            const GhImageProblem *p = g_ptr_array_index(problems, i);
            fprintf(stderr, "  %s:%d: %s\n", p->file, p->line, p->reason);
        }
        return 1;
    }

    params.session_id = argv[3];
    params.serial_log = argv[4];
    params.vnc_socket = strcmp(argv[5], "-") == 0 ? NULL : argv[5];
    params.domain_type = argv[6];
    params.overlay_path = argc > 7 ? argv[7] : NULL;
    params.created_at = g_get_real_time();
    if (gh_image_has_disk(image) && !params.overlay_path) {
        fprintf(stderr, "%s: image '%s' has a disk: give an OVERLAY path\n", argv[0], image->id);
        return 2;
    }

    xml = gh_domain_build_xml(image, &params, &error);
    if (!xml) {
        fprintf(stderr, "%s: cannot build the domain XML: %s\n", argv[0], error->message);
        return 1;
    }
    fputs(xml, stdout);
    if (xml[0] && xml[strlen(xml) - 1] != '\n')
        fputc('\n', stdout);
    return 0;
}
