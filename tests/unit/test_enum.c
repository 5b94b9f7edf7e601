/* test_enum: GH_ENUM_DECL/GH_ENUM_IMPL (runtime/util/enum.h): both
 * directions, the word for values outside the table, and the description
 * used in messages.  The count check is a _Static_assert: a table one name
 * short does not compile, which no run-time test can show. */
#include <check.h>
#include <glib.h>

#include "util/enum.h"
#include "testutil.h"

typedef enum { SHAPE_CIRCLE, SHAPE_SQUARE, SHAPE_TRIANGLE, SHAPE_LAST } Shape;
typedef enum { SWITCH_OFF, SWITCH_ON, SWITCH_LAST } Switch;

GH_ENUM_DECL(test_shape, Shape);
GH_ENUM_IMPL(test_shape, Shape, SHAPE_LAST, "unknown", "circle", "square", "triangle");
/* Out-of-range values read as a value of the table, as firmware does. */
GH_ENUM_DECL(test_switch, Switch);
GH_ENUM_IMPL(test_switch, Switch, SWITCH_LAST, "off", "off", "on");

START_TEST(test_to_string_names_each_value)
{
    ck_assert_str_eq(gh_test_shape_to_string(SHAPE_CIRCLE), "circle");
    ck_assert_str_eq(gh_test_shape_to_string(SHAPE_SQUARE), "square");
    ck_assert_str_eq(gh_test_shape_to_string(SHAPE_TRIANGLE), "triangle");
}
END_TEST

START_TEST(test_to_string_outside_table_gives_unknown_word)
{
    ck_assert_str_eq(gh_test_shape_to_string(SHAPE_LAST), "unknown");
    ck_assert_str_eq(gh_test_shape_to_string((Shape) 1000), "unknown");
    ck_assert_str_eq(gh_test_shape_to_string((Shape) -1), "unknown");
    ck_assert_str_eq(gh_test_switch_to_string((Switch) 7), "off");
}
END_TEST

START_TEST(test_from_string_round_trips_every_value)
{
    for (int v = 0; v < SHAPE_LAST; v++) {
        Shape back = SHAPE_LAST;

        ck_assert(gh_test_shape_from_string(gh_test_shape_to_string((Shape) v), &back));
        ck_assert_int_eq(back, v);
    }
}
END_TEST

START_TEST(test_from_string_refuses_unknown_and_leaves_value)
{
    Shape shape = SHAPE_SQUARE;

    ck_assert(!gh_test_shape_from_string("hexagon", &shape));
    ck_assert(!gh_test_shape_from_string("Circle", &shape));
    ck_assert(!gh_test_shape_from_string("circle ", &shape));
    ck_assert(!gh_test_shape_from_string("", &shape));
    ck_assert(!gh_test_shape_from_string(NULL, &shape));
    /* The fallback word is no value of its own. */
    ck_assert(!gh_test_shape_from_string("unknown", &shape));
    ck_assert_int_eq(shape, SHAPE_SQUARE);
}
END_TEST

START_TEST(test_table_is_exposed_for_generic_readers)
{
    ck_assert_uint_eq(gh_test_shape_table.n_names, SHAPE_LAST);
    ck_assert_int_eq(gh_enum_from_string(&gh_test_shape_table, "triangle"), SHAPE_TRIANGLE);
    ck_assert_int_eq(gh_enum_from_string(&gh_test_shape_table, "hexagon"), -1);
}
END_TEST

START_TEST(test_describe_lists_names_in_order)
{
    g_autofree char *three = gh_enum_describe(&gh_test_shape_table);
    g_autofree char *two = gh_enum_describe(&gh_test_switch_table);

    ck_assert_str_eq(three, "circle, square or triangle");
    ck_assert_str_eq(two, "off or on");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("enum");
    TCase *tc = tcase_create("enum");

    tcase_add_test(tc, test_to_string_names_each_value);
    tcase_add_test(tc, test_to_string_outside_table_gives_unknown_word);
    tcase_add_test(tc, test_from_string_round_trips_every_value);
    tcase_add_test(tc, test_from_string_refuses_unknown_and_leaves_value);
    tcase_add_test(tc, test_table_is_exposed_for_generic_readers);
    tcase_add_test(tc, test_describe_lists_names_in_order);
    suite_add_tcase(s, tc);
    return gh_test_run(s);
}
