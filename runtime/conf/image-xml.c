/* image-xml: libxml2 for the image catalog's untrusted files.  Reads with
 * no network, no DTDs and no entity expansion, validates against RelaxNG,
 * and turns every libxml2 error into a GhImageProblem instead of stderr. */
#include "catalog-private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

/* Manifests and profiles are a few hundred bytes; anything this large is a
 * mistake or an attack, and is refused before libxml2 sees it. */
#define GH_IMAGE_MAX_XML_SIZE (1024 * 1024)
#define GH_IMAGE_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA)

/* Collects libxml2's structured errors for one file as problems. */
typedef struct {
    GPtrArray *problems;
    const char *file;
    gboolean first_only;        /* a parser's later errors only echo its first */
    guint errors;
    gboolean saw_dtd;
} GhXmlSink;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

/* ---- small helpers ---------------------------------------------------- */

/* Text content and attributes as GLib strings, so callers free with g_free. */
char *
gh_image_xml_prop(xmlNodePtr node, const char *name)
{
    xmlChar *value = node ? xmlGetProp(node, BAD_CAST name) : NULL;
    char *copy = g_strdup((const char *) value);

    xmlFree(value);
    return copy;
}

char *
gh_image_xml_text(xmlNodePtr node)
{
    xmlChar *value = node ? xmlNodeGetContent(node) : NULL;
    char *copy = g_strdup(value ? (const char *) value : "");

    xmlFree(value);
    return copy;
}

/* The first child element called name, or NULL. */
xmlNodePtr
gh_image_xml_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name))
            return n;
    }
    return NULL;
}

/* The node's line for a problem; 0 when there is no node. */
int
gh_image_xml_line(xmlNodePtr node)
{
    return node ? (int) xmlGetLineNo(node) : 0;
}

/* ---- libxml2 errors → problems ---------------------------------------- */

/* libxml2's text, trimmed, with the element named when the text does not
 * already name it ("Expecting an element , got nothing" names nothing). */
static char *
xml_error_reason(GH_XML_ERROR *err)
{
    g_autofree char *msg = g_strstrip(g_strdup(err->message ? err->message : "unknown error"));
    xmlNodePtr node = err->node;
    g_autoptr(GString) reason = g_string_new(NULL);
    char *gap;

    while ((gap = strstr(msg, " , ")) != NULL)
        memmove(gap, gap + 1, strlen(gap + 1) + 1);
    if (node && node->type == XML_ELEMENT_NODE &&
        !strstr(msg, (const char *) node->name))
        g_string_append_printf(reason, "element '%s': ", (const char *) node->name);
    g_string_append(reason, msg);
    /* RelaxNG does not quote the value it refused; the operator needs it. */
    if (node && node->type == XML_ELEMENT_NODE &&
        g_str_has_prefix(msg, "Error validating value")) {
        g_autofree char *text = gh_image_xml_text(node);
        g_string_append_printf(reason, " '%s'", g_strstrip(text));
    }
    return g_string_free(g_steal_pointer(&reason), FALSE);
}

static void
xml_sink_add(GhXmlSink *sink, GH_XML_ERROR *err)
{
    g_autofree char *reason = NULL;
    GhImageProblem *last;

    if (err->level < XML_ERR_ERROR)
        return;
    if (sink->first_only && sink->errors > 0)
        return;
    sink->errors++;
    reason = xml_error_reason(err);
    last = sink->problems->len ?
        g_ptr_array_index(sink->problems, sink->problems->len - 1) : NULL;
    if (last && last->line == err->line && g_str_equal(last->reason, reason) &&
        g_str_equal(last->file, sink->file))
        return;
    gh_image_add_problem(sink->problems, sink->file, err->line, "%s", reason);
}

static void
xml_on_parse_error(void *user_data, GH_XML_ERROR *err)
{
    xmlParserCtxtPtr ctxt = user_data;   /* libxml2 passes ctxt->userData */

    xml_sink_add(ctxt->_private, err);
}

static void
xml_on_valid_error(void *user_data, GH_XML_ERROR *err)
{
    xml_sink_add(user_data, err);
}

/* A DOCTYPE is the door to entity expansion (billion laughs) and external
 * entities: stop parsing the moment one appears. */
static void
xml_on_internal_subset(void *user_data, const xmlChar *name,
                          const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user_data;
    GhXmlSink *sink = ctxt->_private;

    if (!sink->saw_dtd) {
        sink->saw_dtd = TRUE;
        gh_image_add_problem(sink->problems, sink->file, xmlSAX2GetLineNumber(ctxt),
                             "DOCTYPE declarations are not allowed");
    }
    xmlStopParser(ctxt);
}

/* Errors that reach libxml2's global handlers (outside any context) would go
 * to stderr; keep them out of it while the catalog loads. */
void
gh_image_xml_on_stray_error(void *user_data, GH_XML_ERROR *err)
{
}

void
gh_image_xml_on_stray_generic(void *user_data, const char *fmt, ...)
{
}

/* ---- reading and validating ------------------------------------------- */

/* The parsed document, or NULL with its problems added to problems. */
xmlDocPtr
gh_image_xml_read(const char *path, GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    struct stat st;
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    GhXmlSink sink = { problems, path, TRUE, 0, FALSE };
    xmlDocPtr doc;

    if (stat(path, &st) == 0 && st.st_size > GH_IMAGE_MAX_XML_SIZE) {
        gh_image_add_problem(problems, path, 0, "file is larger than %d bytes",
                             GH_IMAGE_MAX_XML_SIZE);
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &error)) {
        gh_image_add_problem(problems, path, 0, "%s", error->message);
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL || len > GH_IMAGE_MAX_XML_SIZE) {
        gh_image_add_problem(problems, path, 0, "cannot parse: %s",
                             ctxt ? "file grew while being read" : "out of memory");
        return NULL;
    }
    ctxt->_private = &sink;
    ctxt->sax->serror = xml_on_parse_error;
    ctxt->sax->internalSubset = xml_on_internal_subset;
    doc = xmlCtxtReadMemory(ctxt, data, (int) len, path, NULL, GH_IMAGE_XML_OPTIONS);
    if (doc && (sink.errors > 0 || sink.saw_dtd || xmlDocGetRootElement(doc) == NULL)) {
        if (sink.errors == 0 && !sink.saw_dtd)
            gh_image_add_problem(problems, path, 0, "document has no root element");
        g_clear_pointer(&doc, xmlFreeDoc);
    } else if (doc == NULL && sink.errors == 0 && !sink.saw_dtd) {
        gh_image_add_problem(problems, path, 0, "cannot parse");
    }
    return doc;
}

/* Whether doc matches schema; each way it does not becomes a problem. */
gboolean
gh_image_xml_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, const char *path,
                      GPtrArray *problems)
{
    g_autoptr(xmlRelaxNGValidCtxt) vctxt = xmlRelaxNGNewValidCtxt(schema);
    GhXmlSink sink = { problems, path, FALSE, 0, FALSE };
    int rc;

    if (vctxt == NULL) {
        gh_image_add_problem(problems, path, 0, "cannot validate: out of memory");
        return FALSE;
    }
    xmlRelaxNGSetValidStructuredErrors(vctxt, xml_on_valid_error, &sink);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    if (rc != 0 && sink.errors == 0)
        gh_image_add_problem(problems, path, 0, "does not match its schema");
    return rc == 0;
}

/* <schema_dir>/<name>, parsed; NULL with error when it cannot be. */
xmlRelaxNGPtr
gh_image_load_schema(const char *schema_dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(schema_dir, name, NULL);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(gh_image_problem_free);
    g_autoptr(xmlRelaxNGParserCtxt) pctxt = NULL;
    GhXmlSink sink = { problems, path, TRUE, 0, FALSE };
    xmlRelaxNGPtr schema;

    if (access(path, R_OK) != 0) {
        int saved = errno;
        g_set_error(error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_NOT_FOUND,
                    "cannot load schema '%s': %s", path, g_strerror(saved));
        return NULL;
    }
    pctxt = xmlRelaxNGNewParserCtxt(path);
    if (pctxt)
        xmlRelaxNGSetParserStructuredErrors(pctxt, xml_on_valid_error, &sink);
    schema = pctxt ? xmlRelaxNGParse(pctxt) : NULL;
    if (schema == NULL) {
        const GhImageProblem *first = problems->len ? problems->pdata[0] : NULL;
        g_set_error(error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_INVALID,
                    "cannot load schema '%s': %s", path,
                    first ? first->reason : "not a valid RelaxNG schema");
    }
    return schema;
}
