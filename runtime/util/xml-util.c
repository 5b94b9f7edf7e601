/* xml-util: the hardened libxml2 parse, its error capture, and the typed
 * readers.  Refusing DTDs is a security property: this is its only
 * implementation.  Stateless; safe on any thread (libxml2's handlers are
 * per-thread and restored before returning). */
#include "xml-util.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xpath.h>

/* No network, and none of NOENT (substitute entities), DTDLOAD, DTDATTR,
 * DTDVALID or HUGE; NOCDATA folds CDATA into plain text nodes. */
#define GH_XML_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA)

/* Values quoted in messages are cut here: an error must stay readable even
 * for a hostile 60 KiB attribute. */
#define GH_XML_SHOWN_MAX 80

G_DEFINE_QUARK(gh-xml-error-quark, gh_xml_error)

/* What one parse saw go wrong: its first error and any DOCTYPE. */
typedef struct {
    char *reason;
    int line;
    gboolean doctype;
    int doctype_line;
} XmlParseSink;

/* ---- libxml2 errors --------------------------------------------------- */

char *
gh_xml_error_reason(GhXmlLibError *err)
{
    g_autofree char *msg = g_strstrip(g_strdup(err->message ? err->message : "unknown error"));
    xmlNode *node = err->node;
    g_autoptr(GString) reason = g_string_new(NULL);
    char *gap;

    while ((gap = strstr(msg, " , ")) != NULL)
        memmove(gap, gap + 1, strlen(gap + 1) + 1);
    if (node && node->type == XML_ELEMENT_NODE && !strstr(msg, (const char *) node->name))
        g_string_append_printf(reason, "element '%s': ", (const char *) node->name);
    g_string_append(reason, msg);
    /* RelaxNG does not quote the value it refused; a person needs it. */
    if (node && node->type == XML_ELEMENT_NODE &&
        g_str_has_prefix(msg, "Error validating value")) {
        g_autofree char *text = gh_xml_text(node);
        g_string_append_printf(reason, " '%s'", g_strstrip(text));
    }
    return g_string_free(g_steal_pointer(&reason), FALSE);
}

/* A parser's later errors mostly echo its first, which is kept. */
static void
xml_sink_take(XmlParseSink *sink, GhXmlLibError *err)
{
    if (err->level < XML_ERR_ERROR || sink->reason)
        return;
    sink->reason = gh_xml_error_reason(err);
    sink->line = err->line;
}

static void
xml_on_parse_error(void *user_data, GhXmlLibError *err)
{
    xmlParserCtxt *ctxt = user_data;    /* libxml2 passes ctxt->userData */

    xml_sink_take(ctxt->_private, err);
}

static void
xml_on_stray_error(void *user_data, GhXmlLibError *err)
{
    xml_sink_take(user_data, err);
}

static void
xml_drop_structured(void *user_data, GhXmlLibError *err)
{
}

static void G_GNUC_PRINTF(2, 3)
xml_drop_generic(void *user_data, const char *fmt, ...)
{
}

/* A DOCTYPE is the door to entity expansion (billion laughs) and external
 * entities: stopping here means no entity is ever declared. */
static void
xml_refuse_doctype(void *user_data, const xmlChar *name, const xmlChar *external_id,
                   const xmlChar *system_id)
{
    xmlParserCtxt *ctxt = user_data;
    XmlParseSink *sink = ctxt->_private;

    if (!sink->doctype) {
        sink->doctype = TRUE;
        sink->doctype_line = xmlSAX2GetLineNumber(ctxt);
    }
    xmlStopParser(ctxt);
}

void
gh_xml_quiet_begin(GhXmlQuiet *saved)
{
    saved->structured = xmlStructuredError;
    saved->structured_ctx = xmlStructuredErrorContext;
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(NULL, xml_drop_structured);
    xmlSetGenericErrorFunc(NULL, xml_drop_generic);
}

void
gh_xml_quiet_end(const GhXmlQuiet *saved)
{
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
    xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
}

/* ---- parsing ---------------------------------------------------------- */

static xmlDoc *
xml_fail(int *line, int at, GError **error, GhXmlError code, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static xmlDoc *
xml_fail(int *line, int at, GError **error, GhXmlError code, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (line)
        *line = at;
    g_set_error_literal(error, GH_XML_ERROR, code, msg);
    return NULL;
}

static xmlDoc *
xml_too_large(gsize len, gsize max, int *line, GError **error)
{
    return xml_fail(line, 0, error, GH_XML_ERROR_TOO_LARGE,
                    "document of %" G_GSIZE_FORMAT " bytes is larger than %" G_GSIZE_FORMAT " bytes",
                    len, max);
}

/* Turns what the sink saw into the document or the error. */
static xmlDoc *
xml_parse_outcome(xmlDoc *doc, XmlParseSink *sink, int *line, GError **error)
{
    g_autoptr(xmlDoc) owned = doc;

    if (sink->doctype)
        return xml_fail(line, sink->doctype_line, error, GH_XML_ERROR_DOCTYPE,
                        "DOCTYPE declarations are not allowed");
    if (sink->reason)
        return xml_fail(line, sink->line, error, GH_XML_ERROR_MALFORMED,
                        "not well-formed XML: %s", sink->reason);
    if (owned == NULL)
        return xml_fail(line, 0, error, GH_XML_ERROR_MALFORMED,
                        "not well-formed XML (libxml2 gave no reason)");
    if (xmlDocGetRootElement(owned) == NULL)
        return xml_fail(line, 0, error, GH_XML_ERROR_MALFORMED,
                        "not well-formed XML: the document has no root element");
    if (line)
        *line = 0;
    return g_steal_pointer(&owned);
}

xmlDoc *
gh_xml_parse(const char *data, gsize len, const char *name, gsize max_bytes,
             int *line, GError **error)
{
    gsize max = MIN(max_bytes, (gsize) G_MAXINT);
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    XmlParseSink sink = { NULL, 0, FALSE, 0 };
    GhXmlQuiet saved;
    xmlDoc *doc;

    if (len > max)
        return xml_too_large(len, max, line, error);
    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return xml_fail(line, 0, error, GH_XML_ERROR_IO, "cannot allocate an XML parser");
    ctxt->_private = &sink;
    ctxt->sax->serror = xml_on_parse_error;
    ctxt->sax->internalSubset = xml_refuse_doctype;
    /* Whatever libxml2 raises without the context lands in the sink too,
     * never on stderr. */
    gh_xml_quiet_begin(&saved);
    xmlSetStructuredErrorFunc(&sink, xml_on_stray_error);
    doc = xmlCtxtReadMemory(ctxt, data ? data : "", (int) len, name, NULL, GH_XML_PARSE_OPTIONS);
    gh_xml_quiet_end(&saved);
    doc = xml_parse_outcome(doc, &sink, line, error);
    g_free(sink.reason);
    return doc;
}

xmlDoc *
gh_xml_parse_file(const char *path, gsize max_bytes, int *line, GError **error)
{
    g_autoptr(GError) io_error = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    struct stat st;

    /* Refused unread; gh_xml_parse checks again for a file that grew. */
    if (stat(path, &st) == 0 && (guint64) st.st_size > max_bytes)
        return xml_too_large((gsize) st.st_size, max_bytes, line, error);
    if (!g_file_get_contents(path, &data, &len, &io_error))
        return xml_fail(line, 0, error, GH_XML_ERROR_IO, "%s", io_error->message);
    return gh_xml_parse(data, len, path, max_bytes, line, error);
}

/* ---- reading the tree ------------------------------------------------- */

xmlNode *
gh_xml_child(xmlNode *parent, const char *name)
{
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name))
            return n;
    }
    return NULL;
}

char *
gh_xml_text(xmlNode *node)
{
    xmlChar *value = node ? xmlNodeGetContent(node) : NULL;
    char *copy = g_strdup(value ? (const char *) value : "");

    xmlFree(value);
    return copy;
}

int
gh_xml_line(xmlNode *node)
{
    return node ? (int) xmlGetLineNo(node) : 0;
}

/* Where a value comes from, for its messages. */
typedef struct {
    xmlNode *element;           /* the element holding the attribute or child */
    const char *name;
    const char *kind;           /* "attribute" or "child element" */
} XmlPlace;

static gboolean
xml_value_fail(const XmlPlace *at, GError **error, GhXmlError code, const char *value,
               const char *fmt, ...) G_GNUC_PRINTF(5, 6);

char *
gh_xml_value_shown(const char *value)
{
    char *shown = g_strescape(value ? value : "", NULL);

    if (strlen(shown) > GH_XML_SHOWN_MAX)
        strcpy(shown + GH_XML_SHOWN_MAX - 3, "...");
    return shown;
}

/* "element 'display': attribute width '99999' is out of range 320..7680";
 * without a value, the name is quoted instead: "attribute 'width' is missing". */
static gboolean
xml_value_fail(const XmlPlace *at, GError **error, GhXmlError code, const char *value,
               const char *fmt, ...)
{
    g_autofree char *problem = NULL;
    g_autofree char *shown = NULL;
    va_list ap;

    va_start(ap, fmt);
    problem = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (value == NULL) {
        g_set_error(error, GH_XML_ERROR, code, "element '%s': %s '%s' %s",
                    (const char *) at->element->name, at->kind, at->name, problem);
        return FALSE;
    }
    shown = gh_xml_value_shown(value);
    g_set_error(error, GH_XML_ERROR, code, "element '%s': %s %s '%s' %s",
                (const char *) at->element->name, at->kind, at->name, shown, problem);
    return FALSE;
}

/* The value at place as written, or NULL when absent (an error if required). */
static gboolean
xml_value_get(const XmlPlace *at, gboolean is_child, GhXmlFlags flags, char **value,
              GError **error)
{
    if (is_child) {
        xmlNode *child = gh_xml_child(at->element, at->name);

        *value = child ? gh_xml_text(child) : NULL;
    } else {
        xmlChar *raw = xmlGetNoNsProp(at->element, BAD_CAST at->name);

        *value = g_strdup((const char *) raw);
        xmlFree(raw);
    }
    if (*value == NULL)
        return !(flags & GH_XML_REQUIRED) ||
               xml_value_fail(at, error, GH_XML_ERROR_MISSING, NULL, "is missing");
    if ((flags & GH_XML_NONEMPTY) && (*value)[0] == '\0') {
        g_clear_pointer(value, g_free);
        return xml_value_fail(at, error, GH_XML_ERROR_INVALID, NULL, "is empty");
    }
    return TRUE;
}

static gboolean
xml_read_uint64(const XmlPlace *at, const char *text, guint64 min, guint64 max,
                guint64 *out, GError **error)
{
    g_autoptr(GError) num_error = NULL;
    guint64 value = 0;

    if (g_ascii_string_to_unsigned(text, 10, min, max, &value, &num_error)) {
        *out = value;
        return TRUE;
    }
    if (g_error_matches(num_error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
        return xml_value_fail(at, error, GH_XML_ERROR_RANGE, text,
                              "is out of range %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, min, max);
    return xml_value_fail(at, error, GH_XML_ERROR_INVALID, text,
                          "is not a decimal number in %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                          min, max);
}

static gboolean
xml_read_enum(const XmlPlace *at, const char *text, const GhEnumTable *table, int *out,
              GError **error)
{
    int value = gh_enum_from_string(table, text);
    g_autofree char *names = NULL;

    if (value >= 0) {
        *out = value;
        return TRUE;
    }
    names = gh_enum_describe(table);
    return xml_value_fail(at, error, GH_XML_ERROR_INVALID, text, "is not %s", names);
}

/* One reader for the six public ones: find the value, then check its type. */
typedef enum { XML_AS_STRING, XML_AS_UINT64, XML_AS_ENUM } XmlType;

typedef struct {
    XmlType type;
    guint64 min, max;
    const GhEnumTable *table;
} XmlWant;

static gboolean
xml_read(xmlNode *node, const char *name, gboolean is_child, GhXmlFlags flags,
         const XmlWant *want, gpointer out, GError **error)
{
    XmlPlace at = { node, name, is_child ? "child element" : "attribute" };
    g_autofree char *value = NULL;

    g_return_val_if_fail(node != NULL && name != NULL && out != NULL, FALSE);
    if (!xml_value_get(&at, is_child, flags, &value, error))
        return FALSE;
    if (value == NULL)
        return TRUE;
    /* Layout whitespace around a child's number or name is not part of it. */
    if (is_child && want->type != XML_AS_STRING)
        g_strstrip(value);
    switch (want->type) {
    case XML_AS_UINT64:
        return xml_read_uint64(&at, value, want->min, want->max, out, error);
    case XML_AS_ENUM:
        return xml_read_enum(&at, value, want->table, out, error);
    case XML_AS_STRING:
        break;
    }
    *(char **) out = g_steal_pointer(&value);
    return TRUE;
}

gboolean
gh_xml_prop_string(xmlNode *node, const char *name, GhXmlFlags flags, char **out, GError **error)
{
    const XmlWant want = { XML_AS_STRING, 0, 0, NULL };

    return xml_read(node, name, FALSE, flags, &want, out, error);
}

gboolean
gh_xml_prop_uint64(xmlNode *node, const char *name, GhXmlFlags flags, guint64 min, guint64 max,
                   guint64 *out, GError **error)
{
    const XmlWant want = { XML_AS_UINT64, min, max, NULL };

    return xml_read(node, name, FALSE, flags, &want, out, error);
}

gboolean
gh_xml_prop_enum(xmlNode *node, const char *name, const GhEnumTable *table, GhXmlFlags flags,
                 int *out, GError **error)
{
    const XmlWant want = { XML_AS_ENUM, 0, 0, table };

    return xml_read(node, name, FALSE, flags, &want, out, error);
}

gboolean
gh_xml_child_string(xmlNode *parent, const char *name, GhXmlFlags flags, char **out,
                    GError **error)
{
    const XmlWant want = { XML_AS_STRING, 0, 0, NULL };

    return xml_read(parent, name, TRUE, flags, &want, out, error);
}

gboolean
gh_xml_child_uint64(xmlNode *parent, const char *name, GhXmlFlags flags, guint64 min,
                    guint64 max, guint64 *out, GError **error)
{
    const XmlWant want = { XML_AS_UINT64, min, max, NULL };

    return xml_read(parent, name, TRUE, flags, &want, out, error);
}

gboolean
gh_xml_child_enum(xmlNode *parent, const char *name, const GhEnumTable *table,
                  GhXmlFlags flags, int *out, GError **error)
{
    const XmlWant want = { XML_AS_ENUM, 0, 0, table };

    return xml_read(parent, name, TRUE, flags, &want, out, error);
}

GPtrArray *
gh_xml_xpath_nodes(xmlDoc *doc, const char *xpath)
{
    GPtrArray *out = g_ptr_array_new();
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST xpath, ctx) : NULL;

    for (int i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++)
        g_ptr_array_add(out, obj->nodesetval->nodeTab[i]);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return out;
}

gboolean
gh_xml_caps_have_kvm(const char *caps, gboolean *kvm, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) nodes = NULL;

    doc = gh_xml_parse(caps, caps ? strlen(caps) : 0, "capabilities.xml", GH_XML_LIBVIRT_MAX_BYTES, NULL, error);
    if (!doc)
        return FALSE;
    nodes = gh_xml_xpath_nodes(doc, "/capabilities/guest[arch/@name='x86_64']/arch/domain[@type='kvm']");
    *kvm = nodes->len > 0;
    return TRUE;
}
