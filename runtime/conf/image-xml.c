/* image-xml: libxml2 for the image catalog's untrusted files.  Parsing is
 * util/xml-util's hardened reader; this file validates against RelaxNG and
 * turns every libxml2 error into a GhImageProblem instead of stderr. */
#include "catalog-private.h"

#include <errno.h>
#include <unistd.h>

/* Manifests and profiles are a few hundred bytes; anything this large is a
 * mistake or an attack, and is refused before libxml2 sees it. */
#define GH_IMAGE_MAX_XML_SIZE (1024 * 1024)

/* Collects RelaxNG's structured errors for one file as problems. */
typedef struct {
    GPtrArray *problems;
    const char *file;
    gboolean first_only;        /* a schema parser's later errors only echo its first */
    guint errors;
} ImageXmlSink;

/* ---- libxml2 errors → problems ---------------------------------------- */

static void
image_xml_sink_add(ImageXmlSink *sink, GhXmlLibError *err)
{
    g_autofree char *reason = NULL;
    GhImageProblem *last;

    if (err->level < XML_ERR_ERROR)
        return;
    if (sink->first_only && sink->errors > 0)
        return;
    sink->errors++;
    reason = gh_xml_error_reason(err);
    last = sink->problems->len ?
        g_ptr_array_index(sink->problems, sink->problems->len - 1) : NULL;
    if (last && last->line == err->line && g_str_equal(last->reason, reason) &&
        g_str_equal(last->file, sink->file))
        return;
    gh_image_add_problem(sink->problems, sink->file, err->line, "%s", reason);
}

static void
image_xml_on_error(void *user_data, GhXmlLibError *err)
{
    image_xml_sink_add(user_data, err);
}

/* ---- reading and validating ------------------------------------------- */

/* The parsed document, or NULL with its problem added to problems. */
xmlDocPtr
gh_image_xml_read(const char *path, GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    int line = 0;
    xmlDoc *doc = gh_xml_parse_file(path, GH_IMAGE_MAX_XML_SIZE, &line, &error);

    if (doc == NULL)
        gh_image_add_problem(problems, path, line, "%s", error->message);
    return doc;
}

/* Whether doc matches schema; each way it does not becomes a problem. */
gboolean
gh_image_xml_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, const char *path,
                      GPtrArray *problems)
{
    g_autoptr(xmlRelaxNGValidCtxt) vctxt = xmlRelaxNGNewValidCtxt(schema);
    ImageXmlSink sink = { problems, path, FALSE, 0 };
    int rc;

    if (vctxt == NULL) {
        gh_image_add_problem(problems, path, 0, "cannot validate: out of memory");
        return FALSE;
    }
    xmlRelaxNGSetValidStructuredErrors(vctxt, image_xml_on_error, &sink);
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
    ImageXmlSink sink = { problems, path, TRUE, 0 };
    xmlRelaxNGPtr schema;

    if (access(path, R_OK) != 0) {
        int saved = errno;
        g_set_error(error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_NOT_FOUND,
                    "cannot load schema '%s': %s", path, g_strerror(saved));
        return NULL;
    }
    pctxt = xmlRelaxNGNewParserCtxt(path);
    if (pctxt)
        xmlRelaxNGSetParserStructuredErrors(pctxt, image_xml_on_error, &sink);
    schema = pctxt ? xmlRelaxNGParse(pctxt) : NULL;
    if (schema == NULL) {
        const GhImageProblem *first = problems->len ? problems->pdata[0] : NULL;
        g_set_error(error, GH_IMAGE_ERROR, GH_IMAGE_ERROR_INVALID,
                    "cannot load schema '%s': %s", path,
                    first ? first->reason : "not a valid RelaxNG schema");
    }
    return schema;
}
