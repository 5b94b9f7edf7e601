/* test_xml_util: the hardened XML reader (runtime/util/xml-util.c): hostile
 * documents refused with the reason and line, and each typed reader's good,
 * missing, bad and out-of-range cases with the exact message. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "util/xml-util.h"
#include "testutil.h"

typedef enum { COLOUR_RED, COLOUR_GREEN, COLOUR_BLUE, COLOUR_LAST } Colour;

GH_ENUM_DECL(test_colour, Colour);
GH_ENUM_IMPL(test_colour, Colour, COLOUR_LAST, "unknown", "red", "green", "blue");

/* Parses text, which must fail with code; returns the message and line. */
static char *
parse_refused(const char *text, gsize max, GhXmlError code, int *line)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = gh_xml_parse(text, strlen(text), "test.xml", max, line, &error);

    ck_assert_ptr_null(doc);
    ck_assert_msg(g_error_matches(error, GH_XML_ERROR, code), "error %d '%s', wanted code %d",
                  error ? error->code : -1, error ? error->message : "(none)", code);
    return g_strdup(error->message);
}

static xmlDoc *
parse_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    int line = -1;
    xmlDoc *doc = gh_xml_parse(text, strlen(text), "test.xml", 4096, &line, &error);

    ck_assert_msg(doc != NULL, "%s", error ? error->message : "?");
    ck_assert_int_eq(line, 0);
    return doc;
}

/* ---- parsing ---------------------------------------------------------- */

START_TEST(test_parse_well_formed_document)
{
    g_autoptr(xmlDoc) doc = parse_ok("<a x=\"1\"><b>text</b></a>");

    ck_assert_str_eq((const char *) xmlDocGetRootElement(doc)->name, "a");
}
END_TEST

START_TEST(test_parse_refuses_doctype_before_expanding_entities)
{
    const char *laughs =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE a [\n"
        "  <!ENTITY l \"lollollollollollollollollollollollollollollollollollollollol\">\n"
        "  <!ENTITY m \"&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;\">\n"
        "  <!ENTITY n \"&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;&m;\">\n"
        "]>\n"
        "<a>&n;</a>";
    int line = -1;
    g_autofree char *msg = parse_refused(laughs, 4096, GH_XML_ERROR_DOCTYPE, &line);

    ck_assert_str_eq(msg, "DOCTYPE declarations are not allowed");
    ck_assert_int_eq(line, 2);
}
END_TEST

START_TEST(test_parse_refuses_doctype_without_declarations)
{
    int line = -1;
    g_autofree char *msg = parse_refused("<!DOCTYPE a>\n<a/>", 4096, GH_XML_ERROR_DOCTYPE, &line);

    ck_assert_str_eq(msg, "DOCTYPE declarations are not allowed");
    ck_assert_int_eq(line, 1);
}
END_TEST

START_TEST(test_parse_refuses_external_entity)
{
    const char *xxe = "<?xml version=\"1.0\"?>\n\n"
                      "<!DOCTYPE a [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
                      "<a>&x;</a>";
    int line = -1;
    g_autofree char *msg = parse_refused(xxe, 4096, GH_XML_ERROR_DOCTYPE, &line);

    ck_assert_str_eq(msg, "DOCTYPE declarations are not allowed");
    ck_assert_int_eq(line, 3);
}
END_TEST

START_TEST(test_parse_refuses_undeclared_entity)
{
    int line = -1;
    g_autofree char *msg = parse_refused("<a>\n&x;</a>", 4096, GH_XML_ERROR_MALFORMED, &line);

    ck_assert_str_eq(msg, "not well-formed XML: Entity 'x' not defined");
    ck_assert_int_eq(line, 2);
}
END_TEST

START_TEST(test_parse_refuses_over_size_unparsed)
{
    int line = -1;
    /* Malformed too: the size is refused before the parser sees it. */
    g_autofree char *msg = parse_refused("<a>0123456789", 10, GH_XML_ERROR_TOO_LARGE, &line);

    ck_assert_str_eq(msg, "document of 13 bytes is larger than 10 bytes");
    ck_assert_int_eq(line, 0);
}
END_TEST

START_TEST(test_parse_accepts_exactly_max_bytes)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = gh_xml_parse("<a/>", 4, "test.xml", 4, NULL, &error);

    ck_assert_msg(doc != NULL, "%s", error ? error->message : "?");
}
END_TEST

START_TEST(test_parse_malformed_reports_line)
{
    int line = -1;
    g_autofree char *msg = parse_refused("<a>\n  <b>\n  </c>\n</a>", 4096,
                                         GH_XML_ERROR_MALFORMED, &line);

    ck_assert_str_eq(msg, "not well-formed XML: Opening and ending tag mismatch: b line 2 and c");
    ck_assert_int_eq(line, 3);
}
END_TEST

START_TEST(test_parse_empty_and_null_refused)
{
    g_autoptr(GError) error = NULL;
    int line = -1;
    g_autofree char *msg = parse_refused("", 4096, GH_XML_ERROR_MALFORMED, &line);

    ck_assert_str_eq(msg, "not well-formed XML: Document is empty");
    ck_assert_int_eq(line, 1);
    ck_assert_ptr_null(gh_xml_parse(NULL, 0, "null.xml", 4096, NULL, &error));
    ck_assert_str_eq(error->message, "not well-formed XML: Document is empty");
}
END_TEST

START_TEST(test_parse_refuses_namespace_error)
{
    int line = -1;
    g_autofree char *msg = parse_refused("<x:a/>", 4096, GH_XML_ERROR_MALFORMED, &line);

    ck_assert_str_eq(msg, "not well-formed XML: Namespace prefix x on a is not defined");
    ck_assert_int_eq(line, 1);
}
END_TEST

/* stderr is redirected to a file around a hostile parse: libxml2 must have
 * written nothing there. */
START_TEST(test_parse_writes_nothing_to_stderr)
{
    const char *bad_utf8 = "<a>\xff</b>";
    const char *bad_encoding = "<?xml version=\"1.0\" encoding=\"bogus\"?><a/>";
    g_autofree char *dir = gh_test_make_tmpdir("gh-test-xml");
    g_autofree char *path = g_build_filename(dir, "stderr", NULL);
    g_autofree char *written = NULL;
    int saved = dup(STDERR_FILENO);
    FILE *f = fopen(path, "w");
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_nonnull(f);
    fflush(stderr);
    dup2(fileno(f), STDERR_FILENO);
    ck_assert_ptr_null(gh_xml_parse(bad_utf8, strlen(bad_utf8), "x.xml", 4096, NULL, &error));
    g_clear_error(&error);
    ck_assert_ptr_null(gh_xml_parse(bad_encoding, strlen(bad_encoding), "y.xml", 4096, NULL,
                                    &error));
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(f);
    ck_assert(g_file_get_contents(path, &written, NULL, NULL));
    ck_assert_str_eq(written, "");
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_parse_file_refuses_over_size_unread)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-test-xml");
    g_autofree char *path = g_build_filename(dir, "big.xml", NULL);
    g_autoptr(GError) error = NULL;
    int line = -1;

    ck_assert(g_file_set_contents(path, "<a>too big</a>", -1, NULL));
    ck_assert_ptr_null(gh_xml_parse_file(path, 8, &line, &error));
    ck_assert(g_error_matches(error, GH_XML_ERROR, GH_XML_ERROR_TOO_LARGE));
    ck_assert_str_eq(error->message, "document of 14 bytes is larger than 8 bytes");
    ck_assert_int_eq(line, 0);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_parse_file_missing_is_io_error)
{
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(gh_xml_parse_file("/nonexistent/gh.xml", 4096, NULL, &error));
    ck_assert(g_error_matches(error, GH_XML_ERROR, GH_XML_ERROR_IO));
    ck_assert_msg(strstr(error->message, "/nonexistent/gh.xml") != NULL, "%s", error->message);
}
END_TEST

START_TEST(test_parse_file_reads_document)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-test-xml");
    g_autofree char *path = g_build_filename(dir, "ok.xml", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = NULL;

    ck_assert(g_file_set_contents(path, "<a>\n<b/>\n</a>\n", -1, NULL));
    doc = gh_xml_parse_file(path, 4096, NULL, &error);
    ck_assert_msg(doc != NULL, "%s", error ? error->message : "?");
    ck_assert_int_eq(gh_xml_line(gh_xml_child(xmlDocGetRootElement(doc), "b")), 2);
    gh_test_rm_rf(dir);
}
END_TEST

/* ---- typed readers ---------------------------------------------------- */

#define DOC "<a s=\"text\" empty=\"\" n=\"42\" neg=\"-1\" big=\"99999999999999999999999\" " \
            "c=\"green\" bad=\"purple\" spaced=\" 7\">"                                      \
            "<s>child text</s><n> 12\n</n><c> blue </c><e/></a>"

static xmlDoc *doc;
static xmlNode *root;

static void
setup(void)
{
    doc = parse_ok(DOC);
    root = xmlDocGetRootElement(doc);
}

static void
teardown(void)
{
    g_clear_pointer(&doc, xmlFreeDoc);
    root = NULL;
}

static void
assert_refused(GError *error, GhXmlError code, const char *message)
{
    ck_assert_msg(g_error_matches(error, GH_XML_ERROR, code), "error %d '%s', wanted code %d",
                  error ? error->code : -1, error ? error->message : "(none)", code);
    ck_assert_str_eq(error->message, message);
}

START_TEST(test_prop_string_present)
{
    g_autofree char *s = NULL;

    ck_assert(gh_xml_prop_string(root, "s", GH_XML_REQUIRED, &s, NULL));
    ck_assert_str_eq(s, "text");
}
END_TEST

START_TEST(test_prop_string_optional_absent_leaves_out)
{
    char *s = (char *) "default";
    g_autoptr(GError) error = NULL;

    ck_assert(gh_xml_prop_string(root, "nope", GH_XML_OPTIONAL, &s, &error));
    ck_assert_ptr_null(error);
    ck_assert_str_eq(s, "default");
}
END_TEST

START_TEST(test_prop_string_required_absent)
{
    g_autoptr(GError) error = NULL;
    char *s = NULL;

    ck_assert(!gh_xml_prop_string(root, "nope", GH_XML_REQUIRED, &s, &error));
    ck_assert_ptr_null(s);
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': attribute 'nope' is missing");
}
END_TEST

START_TEST(test_prop_string_nonempty_refuses_empty)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *allowed = NULL;
    char *s = NULL;

    ck_assert(gh_xml_prop_string(root, "empty", GH_XML_REQUIRED, &allowed, NULL));
    ck_assert_str_eq(allowed, "");
    ck_assert(!gh_xml_prop_string(root, "empty", GH_XML_REQUIRED | GH_XML_NONEMPTY, &s, &error));
    ck_assert_ptr_null(s);
    assert_refused(error, GH_XML_ERROR_INVALID, "element 'a': attribute 'empty' is empty");
}
END_TEST

START_TEST(test_prop_uint64_in_range)
{
    guint64 n = 0;

    ck_assert(gh_xml_prop_uint64(root, "n", GH_XML_REQUIRED, 42, 42, &n, NULL));
    ck_assert_uint_eq(n, 42);
}
END_TEST

START_TEST(test_prop_uint64_optional_absent_leaves_out)
{
    guint64 n = 7;

    ck_assert(gh_xml_prop_uint64(root, "nope", GH_XML_OPTIONAL, 0, 10, &n, NULL));
    ck_assert_uint_eq(n, 7);
}
END_TEST

START_TEST(test_prop_uint64_required_absent)
{
    g_autoptr(GError) error = NULL;
    guint64 n = 7;

    ck_assert(!gh_xml_prop_uint64(root, "nope", GH_XML_REQUIRED, 0, 10, &n, &error));
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': attribute 'nope' is missing");
}
END_TEST

START_TEST(test_prop_uint64_out_of_range)
{
    g_autoptr(GError) error = NULL;
    guint64 n = 7;

    ck_assert(!gh_xml_prop_uint64(root, "n", GH_XML_REQUIRED, 1, 41, &n, &error));
    ck_assert_uint_eq(n, 7);
    assert_refused(error, GH_XML_ERROR_RANGE, "element 'a': attribute n '42' is out of range 1..41");
}
END_TEST

START_TEST(test_prop_uint64_overflow_is_out_of_range)
{
    g_autoptr(GError) error = NULL;
    guint64 n = 0;

    ck_assert(!gh_xml_prop_uint64(root, "big", GH_XML_REQUIRED, 1, 64, &n, &error));
    assert_refused(error, GH_XML_ERROR_RANGE,
                   "element 'a': attribute big '99999999999999999999999' is out of range 1..64");
}
END_TEST

static const char *const not_numbers[][2] = {
    { "s", "text" }, { "neg", "-1" }, { "spaced", " 7" }, { "empty", "" },
};

START_TEST(test_prop_uint64_refuses_non_number)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("element 'a': attribute %s '%s' is not a decimal "
                                            "number in 0..100", not_numbers[_i][0],
                                            not_numbers[_i][1]);
    guint64 n = 0;

    ck_assert(!gh_xml_prop_uint64(root, not_numbers[_i][0], GH_XML_REQUIRED, 0, 100, &n, &error));
    assert_refused(error, GH_XML_ERROR_INVALID, want);
}
END_TEST

START_TEST(test_prop_enum_known_name)
{
    int c = -1;

    ck_assert(gh_xml_prop_enum(root, "c", &gh_test_colour_table, GH_XML_REQUIRED, &c, NULL));
    ck_assert_int_eq(c, COLOUR_GREEN);
}
END_TEST

START_TEST(test_prop_enum_optional_absent_leaves_out)
{
    int c = COLOUR_BLUE;

    ck_assert(gh_xml_prop_enum(root, "nope", &gh_test_colour_table, GH_XML_OPTIONAL, &c, NULL));
    ck_assert_int_eq(c, COLOUR_BLUE);
}
END_TEST

START_TEST(test_prop_enum_required_absent)
{
    g_autoptr(GError) error = NULL;
    int c = 0;

    ck_assert(!gh_xml_prop_enum(root, "nope", &gh_test_colour_table, GH_XML_REQUIRED, &c, &error));
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': attribute 'nope' is missing");
}
END_TEST

START_TEST(test_prop_enum_unknown_name_lists_the_names)
{
    g_autoptr(GError) error = NULL;
    int c = COLOUR_RED;

    ck_assert(!gh_xml_prop_enum(root, "bad", &gh_test_colour_table, GH_XML_REQUIRED, &c, &error));
    ck_assert_int_eq(c, COLOUR_RED);
    assert_refused(error, GH_XML_ERROR_INVALID,
                   "element 'a': attribute bad 'purple' is not red, green or blue");
}
END_TEST

START_TEST(test_prop_ignores_namespaced_attribute)
{
    g_autoptr(xmlDoc) ns_doc = parse_ok("<a xmlns:o=\"urn:o\" o:n=\"1\"/>");
    g_autoptr(GError) error = NULL;
    guint64 n = 0;

    ck_assert(!gh_xml_prop_uint64(xmlDocGetRootElement(ns_doc), "n", GH_XML_REQUIRED, 0, 9,
                                  &n, &error));
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': attribute 'n' is missing");
}
END_TEST

START_TEST(test_prop_value_quoted_escaped_and_cut)
{
    g_autoptr(GString) text = g_string_new("<a n=\"1&#10;");
    g_autoptr(xmlDoc) long_doc = NULL;
    g_autoptr(GError) error = NULL;
    guint64 n = 0;

    for (int i = 0; i < 200; i++)
        g_string_append_c(text, 'x');
    g_string_append(text, "\"/>");
    long_doc = parse_ok(text->str);
    ck_assert(!gh_xml_prop_uint64(xmlDocGetRootElement(long_doc), "n", GH_XML_REQUIRED, 0, 9,
                                  &n, &error));
    ck_assert(g_str_has_prefix(error->message, "element 'a': attribute n '1\\nxxx"));
    ck_assert(g_str_has_suffix(error->message, "xxx...' is not a decimal number in 0..9"));
    ck_assert_uint_lt(strlen(error->message), 160);
}
END_TEST

START_TEST(test_child_string_present_as_written)
{
    g_autofree char *s = NULL;

    ck_assert(gh_xml_child_string(root, "s", GH_XML_REQUIRED, &s, NULL));
    ck_assert_str_eq(s, "child text");
}
END_TEST

START_TEST(test_child_string_required_absent)
{
    g_autoptr(GError) error = NULL;
    char *s = NULL;

    ck_assert(!gh_xml_child_string(root, "nope", GH_XML_REQUIRED, &s, &error));
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': child element 'nope' is missing");
}
END_TEST

START_TEST(test_child_string_empty_element)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *allowed = NULL;
    char *s = NULL;

    ck_assert(gh_xml_child_string(root, "e", GH_XML_OPTIONAL, &allowed, NULL));
    ck_assert_str_eq(allowed, "");
    ck_assert(!gh_xml_child_string(root, "e", GH_XML_NONEMPTY, &s, &error));
    assert_refused(error, GH_XML_ERROR_INVALID, "element 'a': child element 'e' is empty");
}
END_TEST

START_TEST(test_child_uint64_trims_layout_whitespace)
{
    guint64 n = 0;

    ck_assert(gh_xml_child_uint64(root, "n", GH_XML_REQUIRED, 0, 100, &n, NULL));
    ck_assert_uint_eq(n, 12);
}
END_TEST

START_TEST(test_child_uint64_optional_absent_leaves_out)
{
    guint64 n = 3;

    ck_assert(gh_xml_child_uint64(root, "nope", GH_XML_OPTIONAL, 0, 100, &n, NULL));
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(test_child_uint64_out_of_range)
{
    g_autoptr(GError) error = NULL;
    guint64 n = 0;

    ck_assert(!gh_xml_child_uint64(root, "n", GH_XML_REQUIRED, 13, 100, &n, &error));
    assert_refused(error, GH_XML_ERROR_RANGE,
                   "element 'a': child element n '12' is out of range 13..100");
}
END_TEST

START_TEST(test_child_uint64_refuses_non_number)
{
    g_autoptr(GError) error = NULL;
    guint64 n = 0;

    ck_assert(!gh_xml_child_uint64(root, "s", GH_XML_REQUIRED, 0, 100, &n, &error));
    assert_refused(error, GH_XML_ERROR_INVALID,
                   "element 'a': child element s 'child text' is not a decimal number in 0..100");
}
END_TEST

START_TEST(test_child_enum_known_name)
{
    int c = -1;

    ck_assert(gh_xml_child_enum(root, "c", &gh_test_colour_table, GH_XML_REQUIRED, &c, NULL));
    ck_assert_int_eq(c, COLOUR_BLUE);
}
END_TEST

START_TEST(test_child_enum_required_absent)
{
    g_autoptr(GError) error = NULL;
    int c = 0;

    ck_assert(!gh_xml_child_enum(root, "nope", &gh_test_colour_table, GH_XML_REQUIRED, &c,
                                 &error));
    assert_refused(error, GH_XML_ERROR_MISSING, "element 'a': child element 'nope' is missing");
}
END_TEST

START_TEST(test_child_enum_unknown_name)
{
    g_autoptr(GError) error = NULL;
    int c = 0;

    ck_assert(!gh_xml_child_enum(root, "s", &gh_test_colour_table, GH_XML_REQUIRED, &c, &error));
    assert_refused(error, GH_XML_ERROR_INVALID,
                   "element 'a': child element s 'child text' is not red, green or blue");
}
END_TEST

START_TEST(test_child_finds_first_element_only)
{
    g_autoptr(xmlDoc) d = parse_ok("<a>text<!-- b --><b>1</b><b>2</b></a>");
    xmlNode *b = gh_xml_child(xmlDocGetRootElement(d), "b");
    g_autofree char *text = gh_xml_text(b);

    ck_assert_str_eq(text, "1");
    ck_assert_ptr_null(gh_xml_child(NULL, "b"));
    ck_assert_int_eq(gh_xml_line(NULL), 0);
}
END_TEST

/* ---- libvirt's own XML -------------------------------------------------- */

#define CAPS_HEAD "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"

START_TEST(test_xpath_nodes_in_document_order)
{
    g_autoptr(xmlDoc) d = parse_ok("<a><b n='1'/><c><b n='2'/></c><b n='3'/></a>");
    g_autoptr(GPtrArray) all = gh_xml_xpath_nodes(d, "//b");
    g_autoptr(GPtrArray) none = gh_xml_xpath_nodes(d, "/a/z");
    g_autoptr(GPtrArray) bad = gh_xml_xpath_nodes(d, "/a[");
    g_autofree char *third = NULL;

    ck_assert_uint_eq(all->len, 3);
    ck_assert(gh_xml_prop_string(g_ptr_array_index(all, 2), "n", GH_XML_REQUIRED, &third, NULL));
    ck_assert_str_eq(third, "3");
    ck_assert_uint_eq(none->len, 0);
    ck_assert_uint_eq(bad->len, 0);
}
END_TEST

START_TEST(test_caps_with_kvm_domain_for_x86_64)
{
    gboolean kvm = FALSE;

    ck_assert(gh_xml_caps_have_kvm(CAPS_HEAD "<guest><arch name='x86_64'><domain type='qemu'/>"
                                   "<domain type='kvm'/></arch></guest></capabilities>", &kvm, NULL));
    ck_assert(kvm);
}
END_TEST

START_TEST(test_caps_with_kvm_only_for_another_arch)
{
    gboolean kvm = TRUE;

    ck_assert(gh_xml_caps_have_kvm(CAPS_HEAD "<guest><arch name='x86_64'><domain type='qemu'/></arch></guest>"
                                   "<guest><arch name='aarch64'><domain type='kvm'/></arch></guest>"
                                   "</capabilities>", &kvm, NULL));
    ck_assert(!kvm);
}
END_TEST

START_TEST(test_caps_not_xml_is_an_error)
{
    g_autoptr(GError) error = NULL;
    gboolean kvm = TRUE;

    ck_assert(!gh_xml_caps_have_kvm("<capabilities>", &kvm, &error));
    ck_assert(g_error_matches(error, GH_XML_ERROR, GH_XML_ERROR_MALFORMED));
    ck_assert(!gh_xml_caps_have_kvm("<!DOCTYPE c [<!ENTITY x 'y'>]><capabilities/>", &kvm, NULL));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("xml-util");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_parse_well_formed_document);
    tcase_add_test(tc, test_parse_refuses_doctype_before_expanding_entities);
    tcase_add_test(tc, test_parse_refuses_doctype_without_declarations);
    tcase_add_test(tc, test_parse_refuses_external_entity);
    tcase_add_test(tc, test_parse_refuses_undeclared_entity);
    tcase_add_test(tc, test_parse_refuses_over_size_unparsed);
    tcase_add_test(tc, test_parse_accepts_exactly_max_bytes);
    tcase_add_test(tc, test_parse_malformed_reports_line);
    tcase_add_test(tc, test_parse_empty_and_null_refused);
    tcase_add_test(tc, test_parse_refuses_namespace_error);
    tcase_add_test(tc, test_parse_writes_nothing_to_stderr);
    tcase_add_test(tc, test_parse_file_refuses_over_size_unread);
    tcase_add_test(tc, test_parse_file_missing_is_io_error);
    tcase_add_test(tc, test_parse_file_reads_document);
    suite_add_tcase(s, tc);

    tc = tcase_create("readers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_prop_string_present);
    tcase_add_test(tc, test_prop_string_optional_absent_leaves_out);
    tcase_add_test(tc, test_prop_string_required_absent);
    tcase_add_test(tc, test_prop_string_nonempty_refuses_empty);
    tcase_add_test(tc, test_prop_uint64_in_range);
    tcase_add_test(tc, test_prop_uint64_optional_absent_leaves_out);
    tcase_add_test(tc, test_prop_uint64_required_absent);
    tcase_add_test(tc, test_prop_uint64_out_of_range);
    tcase_add_test(tc, test_prop_uint64_overflow_is_out_of_range);
    tcase_add_loop_test(tc, test_prop_uint64_refuses_non_number, 0, G_N_ELEMENTS(not_numbers));
    tcase_add_test(tc, test_prop_enum_known_name);
    tcase_add_test(tc, test_prop_enum_optional_absent_leaves_out);
    tcase_add_test(tc, test_prop_enum_required_absent);
    tcase_add_test(tc, test_prop_enum_unknown_name_lists_the_names);
    tcase_add_test(tc, test_prop_ignores_namespaced_attribute);
    tcase_add_test(tc, test_prop_value_quoted_escaped_and_cut);
    tcase_add_test(tc, test_child_string_present_as_written);
    tcase_add_test(tc, test_child_string_required_absent);
    tcase_add_test(tc, test_child_string_empty_element);
    tcase_add_test(tc, test_child_uint64_trims_layout_whitespace);
    tcase_add_test(tc, test_child_uint64_optional_absent_leaves_out);
    tcase_add_test(tc, test_child_uint64_out_of_range);
    tcase_add_test(tc, test_child_uint64_refuses_non_number);
    tcase_add_test(tc, test_child_enum_known_name);
    tcase_add_test(tc, test_child_enum_required_absent);
    tcase_add_test(tc, test_child_enum_unknown_name);
    tcase_add_test(tc, test_child_finds_first_element_only);
    tcase_add_test(tc, test_xpath_nodes_in_document_order);
    tcase_add_test(tc, test_caps_with_kvm_domain_for_x86_64);
    tcase_add_test(tc, test_caps_with_kvm_only_for_another_arch);
    tcase_add_test(tc, test_caps_not_xml_is_an_error);
    suite_add_tcase(s, tc);
    return gh_test_run(s);
}
