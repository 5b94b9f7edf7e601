/* Specification of json-util's readers: parsing with a bound on nesting
 * (json-glib 1.6 recurses once per level), and typed members that read as
 * absent when they hold another type. */
#include <check.h>
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "util/json-util.h"
#include "testutil.h"

static JsonNode *
parse(const char *text, guint max_depth, GError **error)
{
    return gh_json_parse(text, strlen(text), max_depth, error);
}

START_TEST(test_json_parse_takes_nesting_up_to_the_bound)
{
    g_autoptr(JsonNode) node = parse("{\"a\":[[{\"b\":1}]]}", 4, NULL);

    ck_assert_ptr_nonnull(node);
    ck_assert(JSON_NODE_HOLDS_OBJECT(node));
}
END_TEST

START_TEST(test_json_parse_refuses_nesting_past_the_bound)
{
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(parse("{\"a\":[[{\"b\":1}]]}", 3, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
    ck_assert_str_eq(error->message, "JSON nests deeper than 3");
}
END_TEST

START_TEST(test_json_parse_refuses_a_megabyte_of_brackets_without_recursing)
{
    gsize len = 1024 * 1024;
    g_autofree char *deep = g_malloc(len);
    g_autoptr(GError) error = NULL;

    memset(deep, '[', len);
    ck_assert_ptr_null(gh_json_parse(deep, len, 8, &error));
    ck_assert_str_eq(error->message, "JSON nests deeper than 8");
}
END_TEST

START_TEST(test_json_parse_does_not_count_brackets_in_strings)
{
    g_autoptr(JsonNode) node = parse("[\"[[[[\\\"{{{{\", \"]\"]", 1, NULL);

    ck_assert_ptr_nonnull(node);
    ck_assert_uint_eq(json_array_get_length(json_node_get_array(node)), 2);
}
END_TEST

START_TEST(test_json_parse_gives_the_parser_error_for_malformed_json)
{
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(parse("{\"a\":", 8, &error));
    ck_assert(error->domain == JSON_PARSER_ERROR);
}
END_TEST

START_TEST(test_json_get_reads_members_of_their_type_only)
{
    g_autoptr(JsonNode) node = parse("{\"s\":\"x\",\"i\":7,\"d\":1.5,\"o\":{},\"a\":[],\"n\":null}", 4, NULL);
    JsonObject *o = json_node_get_object(node);
    gint64 i = 0;

    ck_assert_str_eq(gh_json_get_string(o, "s"), "x");
    ck_assert(gh_json_get_int(o, "i", &i));
    ck_assert_int_eq(i, 7);
    ck_assert_ptr_nonnull(gh_json_get_object(o, "o"));
    ck_assert_ptr_nonnull(gh_json_get_array(o, "a"));
    ck_assert_ptr_null(gh_json_get_string(o, "i"));
    ck_assert_ptr_null(gh_json_get_string(o, "n"));
    ck_assert_ptr_null(gh_json_get_string(o, "missing"));
    ck_assert(!gh_json_get_int(o, "s", &i));
    ck_assert(!gh_json_get_int(o, "d", &i));
    ck_assert(!gh_json_get_int(o, "missing", &i));
    ck_assert_int_eq(i, 7);
    ck_assert_ptr_null(gh_json_get_object(o, "a"));
    ck_assert_ptr_null(gh_json_get_array(o, "o"));
}
END_TEST

static Suite *
json_util_suite(void)
{
    Suite *s = suite_create("json-util");
    TCase *tc = tcase_create("read");

    tcase_add_test(tc, test_json_parse_takes_nesting_up_to_the_bound);
    tcase_add_test(tc, test_json_parse_refuses_nesting_past_the_bound);
    tcase_add_test(tc, test_json_parse_refuses_a_megabyte_of_brackets_without_recursing);
    tcase_add_test(tc, test_json_parse_does_not_count_brackets_in_strings);
    tcase_add_test(tc, test_json_parse_gives_the_parser_error_for_malformed_json);
    tcase_add_test(tc, test_json_get_reads_members_of_their_type_only);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(json_util_suite());
}
