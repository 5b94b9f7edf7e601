/* player-token: the session's player token (docs/player.md).  Minting (32
 * random bytes from the kernel, base64url without padding), the SHA-256 that
 * the session record keeps instead of the token, a constant-time comparison
 * of digests, and expiry.  Pure apart from getrandom: no clock (callers pass
 * the time), no state; tests/unit/test_player_token.c specifies it. */
#pragma once

#include <glib.h>

#define GH_PLAYER_TOKEN_BYTES  32
#define GH_PLAYER_TOKEN_LENGTH 43    /* base64url of 32 bytes, no padding */
#define GH_PLAYER_DIGEST_BYTES 32    /* SHA-256 */

/* A fresh token, or NULL with a G_FILE_ERROR when the kernel gives no
 * random bytes. */
char *gh_player_token_mint(GError **error);
/* TRUE for exactly 43 characters of [A-Za-z0-9_-]: what mint makes. */
gboolean gh_player_token_is_well_formed(const char *token);
/* SHA-256 of the token's bytes. */
void gh_player_token_digest(const char *token, guint8 digest[GH_PLAYER_DIGEST_BYTES]);
/* Compares every byte whatever the first difference: the time taken says
 * nothing about how much of a guess was right. */
gboolean gh_player_token_digest_equal(const guint8 a[GH_PLAYER_DIGEST_BYTES],
                                      const guint8 b[GH_PLAYER_DIGEST_BYTES]);
/* Lowercase hex (64 characters), and back; from_hex refuses anything else. */
char *gh_player_token_digest_to_hex(const guint8 digest[GH_PLAYER_DIGEST_BYTES]);
gboolean gh_player_token_digest_from_hex(const char *hex, guint8 digest[GH_PLAYER_DIGEST_BYTES]);
/* A token that expires at expires_at (unix µs) is no longer good at that
 * instant. */
gboolean gh_player_token_expired(gint64 expires_at, gint64 now);
