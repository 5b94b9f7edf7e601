/* catalog-private: what the image catalog's files share: catalog.c (the catalog
 * and its manifests), image-profile.c (console profiles) and image-xml.c
 * (libxml2, set up for untrusted files).  Not for other modules. */
#pragma once

#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include "catalog.h"

/* libxml2 2.12 made the error argument of structured handlers const. */
#if LIBXML_VERSION >= 21200
#define GH_XML_ERROR const xmlError
#else
#define GH_XML_ERROR xmlError
#endif

struct GhCatalog {
    GPtrArray *images;          /* GhImage *, sorted by id once loaded */
    GHashTable *by_id;          /* id → GhImage *, borrowed from images */
    GHashTable *profiles;       /* id → GhProfile *, owned */
    GHashTable *profile_files;  /* id → path that defined it, for duplicates */
    GPtrArray *problems;        /* GhImageProblem *, in load order */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNG, xmlRelaxNGFree)

/* catalog.c */
void gh_image_add_problem(GPtrArray *problems, const char *file, int line,
                          const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void gh_image_problem_free(gpointer data);
GPtrArray *gh_image_list_dir(const char *dir, GPtrArray *problems);

/* image-profile.c */
void gh_image_profile_free(gpointer data);
void gh_catalog_load_profile_dir(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *dir);

/* image-xml.c */
char *gh_image_xml_prop(xmlNodePtr node, const char *name);
char *gh_image_xml_text(xmlNodePtr node);
xmlNodePtr gh_image_xml_child(xmlNodePtr parent, const char *name);
int gh_image_xml_line(xmlNodePtr node);
xmlDocPtr gh_image_xml_read(const char *path, GPtrArray *problems);
gboolean gh_image_xml_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, const char *path,
                               GPtrArray *problems);
xmlRelaxNGPtr gh_image_load_schema(const char *schema_dir, const char *name, GError **error);
void gh_image_xml_on_stray_error(void *user_data, GH_XML_ERROR *err);
void gh_image_xml_on_stray_generic(void *user_data, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
