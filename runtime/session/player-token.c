/* player-token: mint, digest, compare, expire; see player-token.h. */
#include "player-token.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

char *
gh_player_token_mint(GError **error)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    guint8 raw[GH_PLAYER_TOKEN_BYTES + 1] = { 0 }; /* one zero byte pads the last group */
    char *out = g_malloc(GH_PLAYER_TOKEN_LENGTH + 1);
    gsize o = 0;

    /* g_random_* is a Mersenne Twister: predictable, so never for secrets. */
    if (getrandom(raw, GH_PLAYER_TOKEN_BYTES, 0) != GH_PLAYER_TOKEN_BYTES) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot mint a player token: %s",
                    g_strerror(e));
        g_free(out);
        return NULL;
    }
    /* base64url by hand: g_base64_encode speaks only the '+/' alphabet with padding. */
    for (gsize i = 0; i < GH_PLAYER_TOKEN_BYTES; i += 3) {
        guint32 v = (guint32)raw[i] << 16 | (guint32)raw[i + 1] << 8 | (i + 2 < sizeof raw ? raw[i + 2] : 0);
        for (int k = 0; k < 4 && o < GH_PLAYER_TOKEN_LENGTH; k++)
            out[o++] = alphabet[(v >> (18 - 6 * k)) & 0x3f];
    }
    out[o] = '\0';
    explicit_bzero(raw, sizeof raw);
    return out;
}

gboolean
gh_player_token_is_well_formed(const char *token)
{
    if (!token || strlen(token) != GH_PLAYER_TOKEN_LENGTH)
        return FALSE;
    for (const char *c = token; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
            return FALSE;
    return TRUE;
}

void
gh_player_token_digest(const char *token, guint8 digest[GH_PLAYER_DIGEST_BYTES])
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize len = GH_PLAYER_DIGEST_BYTES;

    g_checksum_update(sum, (const guchar *)token, strlen(token));
    g_checksum_get_digest(sum, digest, &len);
}

gboolean
gh_player_token_digest_equal(const guint8 a[GH_PLAYER_DIGEST_BYTES], const guint8 b[GH_PLAYER_DIGEST_BYTES])
{
    guint8 diff = 0;

    for (gsize i = 0; i < GH_PLAYER_DIGEST_BYTES; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

char *
gh_player_token_digest_to_hex(const guint8 digest[GH_PLAYER_DIGEST_BYTES])
{
    char *hex = g_malloc(GH_PLAYER_DIGEST_BYTES * 2 + 1);

    for (gsize i = 0; i < GH_PLAYER_DIGEST_BYTES; i++)
        g_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return hex;
}

gboolean
gh_player_token_digest_from_hex(const char *hex, guint8 digest[GH_PLAYER_DIGEST_BYTES])
{
    if (!hex || strlen(hex) != GH_PLAYER_DIGEST_BYTES * 2)
        return FALSE;
    for (gsize i = 0; i < GH_PLAYER_DIGEST_BYTES * 2; i++)
        if (!g_ascii_isxdigit(hex[i]) || g_ascii_isupper(hex[i]))
            return FALSE;
    for (gsize i = 0; i < GH_PLAYER_DIGEST_BYTES; i++)
        digest[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
    return TRUE;
}

gboolean
gh_player_token_expired(gint64 expires_at, gint64 now)
{
    return now >= expires_at;
}
