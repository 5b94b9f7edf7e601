/* xml-util: the one hardened libxml2 reader (after libvirt's virxml.h).
 * Every document (manifests, profiles, domain metadata, libvirt's own XML) is parsed
 * here, so "no network, no DTD, no entities, bounded size, nothing on stderr"
 * holds in one place; typed readers then take values out of the tree. */
#pragma once

#include <glib.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "enum.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNG, xmlRelaxNGFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

/* libxml2 2.12 made the error argument of structured handlers const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError GhXmlLibError;
#else
typedef xmlError GhXmlLibError;
#endif

#define GH_XML_ERROR (gh_xml_error_quark())
GQuark gh_xml_error_quark(void);
typedef enum {
    GH_XML_ERROR_IO,            /* the file cannot be read */
    GH_XML_ERROR_TOO_LARGE,     /* over the caller's size cap; never parsed */
    GH_XML_ERROR_DOCTYPE,       /* a DOCTYPE: refused, whatever it declares */
    GH_XML_ERROR_MALFORMED,     /* not well-formed (libxml2's first error) */
    GH_XML_ERROR_MISSING,       /* a required attribute or child is absent */
    GH_XML_ERROR_INVALID,       /* a value that is not of its type */
    GH_XML_ERROR_RANGE,         /* a number outside its range */
} GhXmlError;

/* Parses len bytes of data (NULL reads as empty) named name (libxml2's URL
 * for the document; nothing is fetched).  No network, no DTD loading, no
 * entity substitution, and any DOCTYPE stops the parse; a document over
 * max_bytes is refused unread.  On failure returns NULL with error's message
 * the reason alone and *line (when line is not NULL) the line it names, 0
 * when none: callers say where, in their own terms (file:line, or "line N"). */
xmlDoc *gh_xml_parse(const char *data, gsize len, const char *name, gsize max_bytes,
                     int *line, GError **error);
/* gh_xml_parse on the file at path, refused before reading when larger than
 * max_bytes. */
xmlDoc *gh_xml_parse_file(const char *path, gsize max_bytes, int *line, GError **error);

/* libxml2 reports some errors outside any parser (a RelaxNG schema reading
 * its own file, for one) through per-thread handlers that print on stderr;
 * between begin and end they are dropped.  gh_xml_parse needs neither. */
typedef struct {
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
} GhXmlQuiet;
void gh_xml_quiet_begin(GhXmlQuiet *saved);
void gh_xml_quiet_end(const GhXmlQuiet *saved);

/* libxml2's message for err, trimmed, naming the element when the text does
 * not ("Expecting an element, got nothing" names nothing). */
char *gh_xml_error_reason(GhXmlLibError *err);

/* value as a message quotes it: escaped (no control characters) and cut
 * to a readable length ("..." at the end); free with g_free. */
char *gh_xml_value_shown(const char *value);

/* ---- reading the tree ------------------------------------------------- */

/* The first child element called name, or NULL (also for a NULL parent). */
xmlNode *gh_xml_child(xmlNode *parent, const char *name);
/* The node's text content, "" for a NULL node; free with g_free. */
char *gh_xml_text(xmlNode *node);
/* The node's line in its document, for messages; 0 for NULL. */
int gh_xml_line(xmlNode *node);

typedef enum {
    GH_XML_OPTIONAL = 0,
    GH_XML_REQUIRED = 1 << 0,   /* absent is an error */
    GH_XML_NONEMPTY = 1 << 1,   /* present but empty is an error */
} GhXmlFlags;

/* Typed readers of the attribute name of node (no namespace) or of the text
 * of node's first child element name.  Each returns TRUE with *out set, TRUE
 * with *out untouched when the value is absent and not GH_XML_REQUIRED (so
 * preset the default), or FALSE with an error that names the element, the
 * attribute or child and the value.  Strings are taken as written; numbers
 * and enum names in attributes must be exact, in child text they may be
 * surrounded by whitespace. */
gboolean gh_xml_prop_string(xmlNode *node, const char *name, GhXmlFlags flags,
                            char **out, GError **error);
/* A decimal number (no sign, no spaces) in min..max. */
gboolean gh_xml_prop_uint64(xmlNode *node, const char *name, GhXmlFlags flags,
                            guint64 min, guint64 max, guint64 *out, GError **error);
/* One of table's names; *out is its value. */
gboolean gh_xml_prop_enum(xmlNode *node, const char *name, const GhEnumTable *table,
                          GhXmlFlags flags, int *out, GError **error);
gboolean gh_xml_child_string(xmlNode *parent, const char *name, GhXmlFlags flags,
                             char **out, GError **error);
gboolean gh_xml_child_uint64(xmlNode *parent, const char *name, GhXmlFlags flags,
                             guint64 min, guint64 max, guint64 *out, GError **error);
gboolean gh_xml_child_enum(xmlNode *parent, const char *name, const GhEnumTable *table,
                           GhXmlFlags flags, int *out, GError **error);

/* What libvirt itself writes (capabilities, a domain's live XML) is read
 * through gh_xml_parse too, with this cap: large hosts' capabilities run to
 * a few hundred KiB. */
#define GH_XML_LIBVIRT_MAX_BYTES (16u << 20)

/* The nodes xpath selects in doc, in document order, borrowed from doc; an
 * empty array when none does (or xpath is not an expression). */
GPtrArray *gh_xml_xpath_nodes(xmlDoc *doc, const char *xpath);

/* Whether libvirt's capabilities XML caps offers x86_64 guests a kvm domain
 * (libvirt checks that /dev/kvm opens): gamehostd's domain_type "auto" and
 * gamehostctl's host check ask the same question.  FALSE with error when
 * caps cannot be read. */
gboolean gh_xml_caps_have_kvm(const char *caps, gboolean *kvm, GError **error);
