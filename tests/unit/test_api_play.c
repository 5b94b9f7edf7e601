/* Specification of api-play.c, the web player: its page for a token holder
 * (GET /play/{id}?token=…), its fixed list of assets, and its HTML refusals. */

#include <string.h>
#include "api-fixture.h"

START_TEST(test_play_serves_the_page_to_a_token_holder)
{
    g_autofree char *token = NULL, *other_token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *other = player_session("", &other_token);
    g_autofree char *good = play_path(id, token);
    g_autofree char *none = play_path(id, NULL);
    g_autofree char *wrong = play_path(id, other_token);
    g_autoptr(Response) r = request("GET", good, NULL);
    g_autoptr(Response) bearer = request("GET", none, TOKEN);
    g_autoptr(Response) missing = request("GET", none, NULL);
    g_autoptr(Response) forbidden = request("GET", wrong, NULL);
    g_autoptr(Response) unknown = request("GET", "/play/" "5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(soup_message_headers_get_content_type(r->headers, NULL), "text/html");
    ck_assert_ptr_nonnull(strstr(r->body, "test player page"));
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Cache-Control"), "no-store");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Referrer-Policy"), "no-referrer");
    ck_assert_uint_eq(bearer->status, 200);
    ck_assert_uint_eq(missing->status, 401);
    ck_assert_ptr_nonnull(strstr(missing->body, "missing token"));
    ck_assert_uint_eq(forbidden->status, 403);
    ck_assert_ptr_nonnull(strstr(forbidden->body, "another game session"));
    ck_assert_uint_eq(unknown->status, 404);
    ck_assert_str_eq(soup_message_headers_get_content_type(unknown->headers, NULL), "text/html");
}
END_TEST

START_TEST(test_play_refusal_page_has_the_players_dark_look_and_loads_nothing)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *none = play_path(id, NULL);
    g_autoptr(Response) r = request("GET", none, NULL);

    ck_assert_uint_eq(r->status, 401);
    ck_assert_ptr_nonnull(strstr(r->body, "<style>html,body{margin:0;height:100%;background:#000;color:#e8e8e8;"));
    ck_assert_ptr_nonnull(strstr(r->body, "<div class=\"box\">\n<h1>Not allowed</h1>\n<p>missing token"));
    ck_assert_ptr_null(strstr(r->body, "src="));
    ck_assert_ptr_null(strstr(r->body, "href="));
    ck_assert_ptr_null(strstr(r->body, "url("));
}
END_TEST

START_TEST(test_play_assets_are_a_fixed_list)
{
    g_autoptr(Response) js = request("GET", "/play/assets/player.js", NULL);
    g_autoptr(Response) css = request("GET", "/play/assets/player.css", NULL);
    g_autoptr(Response) page = request("GET", "/play/assets/index.html", NULL);
    g_autoptr(Response) up = request("GET", "/play/assets/..%2Fplayer.js", NULL);
    g_autoptr(Response) other = request("GET", "/play/assets/evil.js", NULL);

    ck_assert_uint_eq(js->status, 200);
    ck_assert_str_eq(soup_message_headers_get_one(js->headers, "Content-Type"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(js->body, "/* test player script */\n");
    ck_assert_uint_eq(css->status, 200);
    ck_assert_str_eq(soup_message_headers_get_one(css->headers, "Content-Type"), "text/css; charset=utf-8");
    ck_assert_str_eq(soup_message_headers_get_one(css->headers, "Cache-Control"), "public, max-age=3600");
    assert_error(page, 404, "not_found");
    ck_assert_uint_eq(up->status, 400);  /* libsoup refuses a path with an encoded dot segment */
    assert_error(other, 404, "not_found");
}
END_TEST

START_TEST(test_play_without_the_page_is_500_naming_it)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *path = play_path(id, token);
    g_autoptr(Response) r = NULL;

    g_free(fx.config->player_dir);
    fx.config->player_dir = g_build_filename(fx.tmp, "no-player", NULL);
    r = request("GET", path, NULL);
    ck_assert_uint_eq(r->status, 500);
    ck_assert_ptr_nonnull(strstr(r->body, "no-player/index.html"));
}
END_TEST

static Suite *
api_play_suite(void)
{
    Suite *s = suite_create("api_play");
    TCase *tc;

    tc = api_case("play", setup_players);
    tcase_add_test(tc, test_play_serves_the_page_to_a_token_holder);
    tcase_add_test(tc, test_play_refusal_page_has_the_players_dark_look_and_loads_nothing);
    tcase_add_test(tc, test_play_assets_are_a_fixed_list);
    tcase_add_test(tc, test_play_without_the_page_is_500_naming_it);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_play_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
