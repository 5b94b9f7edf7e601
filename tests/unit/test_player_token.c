/* Specification of player tokens (runtime/session/player-token.c): their shape, the
 * digest the session record keeps, the constant-time comparison and expiry. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "session/player-token.h"

START_TEST(test_mint_is_43_base64url_characters)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = gh_player_token_mint(&error);

    ck_assert_msg(token, "%s", error ? error->message : "");
    ck_assert_uint_eq(strlen(token), GH_PLAYER_TOKEN_LENGTH);
    ck_assert(gh_player_token_is_well_formed(token));
    ck_assert(!strchr(token, '=') && !strchr(token, '+') && !strchr(token, '/'));
}
END_TEST

/* 32 bytes decode back from it: the alphabet maps to GLib's base64. */
START_TEST(test_mint_decodes_to_32_bytes)
{
    g_autofree char *token = gh_player_token_mint(NULL);
    g_autofree char *std = g_strdup_printf("%s=", token);
    g_autofree guchar *raw = NULL;
    gsize len = 0;

    for (char *c = std; *c; c++)
        *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    raw = g_base64_decode(std, &len);
    ck_assert_uint_eq(len, GH_PLAYER_TOKEN_BYTES);
}
END_TEST

START_TEST(test_mint_gives_a_new_token_each_time)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (int i = 0; i < 1000; i++)
        ck_assert(g_hash_table_add(seen, gh_player_token_mint(NULL)));
}
END_TEST

START_TEST(test_well_formed_refuses_other_shapes)
{
    static const char *const bad[] = {
        "", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",     /* 42 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",                  /* 44 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",                  /* padding */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",                  /* base64, not url */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9",           /* 43 bytes, not ASCII */
    };

    ck_assert(!gh_player_token_is_well_formed(NULL));
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        ck_assert_msg(!gh_player_token_is_well_formed(bad[i]), "accepted '%s'", bad[i]);
    ck_assert(gh_player_token_is_well_formed("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z"));
}
END_TEST

START_TEST(test_digest_is_sha256_of_the_token)
{
    const char *token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z";
    g_autofree char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
    guint8 digest[GH_PLAYER_DIGEST_BYTES];
    g_autofree char *hex = NULL;

    gh_player_token_digest(token, digest);
    hex = gh_player_token_digest_to_hex(digest);
    ck_assert_str_eq(hex, want);
}
END_TEST

START_TEST(test_digest_hex_round_trips)
{
    guint8 digest[GH_PLAYER_DIGEST_BYTES], back[GH_PLAYER_DIGEST_BYTES];
    g_autofree char *hex = NULL;

    for (gsize i = 0; i < sizeof digest; i++)
        digest[i] = (guint8)(i * 37 + 5);
    hex = gh_player_token_digest_to_hex(digest);
    ck_assert(gh_player_token_digest_from_hex(hex, back));
    ck_assert(memcmp(digest, back, sizeof digest) == 0);
}
END_TEST

START_TEST(test_digest_from_hex_refuses_bad_text)
{
    guint8 d[GH_PLAYER_DIGEST_BYTES];
    g_autofree char *upper = g_strnfill(64, 'A');
    g_autofree char *nonhex = g_strnfill(64, 'g');
    g_autofree char *short_ = g_strnfill(63, 'a');
    g_autofree char *long_ = g_strnfill(65, 'a');

    ck_assert(!gh_player_token_digest_from_hex(NULL, d));
    ck_assert(!gh_player_token_digest_from_hex("", d));
    ck_assert(!gh_player_token_digest_from_hex(upper, d));
    ck_assert(!gh_player_token_digest_from_hex(nonhex, d));
    ck_assert(!gh_player_token_digest_from_hex(short_, d));
    ck_assert(!gh_player_token_digest_from_hex(long_, d));
}
END_TEST

START_TEST(test_digest_equal_compares_every_byte)
{
    guint8 a[GH_PLAYER_DIGEST_BYTES] = { 0 }, b[GH_PLAYER_DIGEST_BYTES] = { 0 };

    ck_assert(gh_player_token_digest_equal(a, b));
    b[GH_PLAYER_DIGEST_BYTES - 1] = 1;   /* only the last byte differs */
    ck_assert(!gh_player_token_digest_equal(a, b));
    b[GH_PLAYER_DIGEST_BYTES - 1] = 0;
    b[0] = 0x80;
    ck_assert(!gh_player_token_digest_equal(a, b));
}
END_TEST

START_TEST(test_expired_at_the_expiry_instant)
{
    ck_assert(!gh_player_token_expired(1000, 999));
    ck_assert(gh_player_token_expired(1000, 1000));
    ck_assert(gh_player_token_expired(1000, 1001));
}
END_TEST

static Suite *
player_token_suite(void)
{
    Suite *s = suite_create("player_token");
    TCase *tc = tcase_create("token");

    tcase_add_test(tc, test_mint_is_43_base64url_characters);
    tcase_add_test(tc, test_mint_decodes_to_32_bytes);
    tcase_add_test(tc, test_mint_gives_a_new_token_each_time);
    tcase_add_test(tc, test_well_formed_refuses_other_shapes);
    tcase_add_test(tc, test_digest_is_sha256_of_the_token);
    tcase_add_test(tc, test_digest_hex_round_trips);
    tcase_add_test(tc, test_digest_from_hex_refuses_bad_text);
    tcase_add_test(tc, test_digest_equal_compares_every_byte);
    tcase_add_test(tc, test_expired_at_the_expiry_instant);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(player_token_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
