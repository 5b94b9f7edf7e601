/* catalog-private: what the image catalog's files share: catalog.c (the catalog
 * and its manifests), image-profile.c (console profiles) and image-xml.c
 * (RelaxNG over util/xml-util's reader).  Not for other modules. */
#pragma once

#include "catalog.h"
#include "util/xml-util.h"

struct GhCatalog {
    GPtrArray *images;          /* GhImage *, sorted by id once loaded */
    GHashTable *by_id;          /* id → GhImage *, borrowed from images */
    GHashTable *profiles;       /* id → GhProfile *, owned */
    GHashTable *profile_files;  /* id → path that defined it, for duplicates */
    GPtrArray *problems;        /* GhImageProblem *, in load order */
};

/* The range of a vCPU count, in a profile and in a manifest's <machine>. */
#define GH_IMAGE_VCPUS_MIN 1
#define GH_IMAGE_VCPUS_MAX 64

/* catalog.c */
void gh_image_add_problem(GPtrArray *problems, const char *file, int line,
                          const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void gh_image_problem_free(gpointer data);
GPtrArray *gh_image_list_dir(const char *dir, GPtrArray *problems);

/* image-profile.c */
void gh_image_profile_free(gpointer data);
GhProfile *gh_image_profile_copy(const GhProfile *profile);
void gh_catalog_load_profile_dir(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *dir);

/* image-xml.c */
xmlDocPtr gh_image_xml_read(const char *path, GPtrArray *problems);
gboolean gh_image_xml_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, const char *path,
                               GPtrArray *problems);
xmlRelaxNGPtr gh_image_load_schema(const char *schema_dir, const char *name, GError **error);
