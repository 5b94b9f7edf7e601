/* plugin-options: how the built-in stream plugins read their options: whole
 * numbers in a range, and file names for the session's directory.  Errors
 * go through the host, "<backend>: ...", by <gamehost/plugin-util.h>, which
 * holds everything else plugins share (services copy, errors, log lines,
 * creating the file). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <gamehost/plugin-util.h>

/* Option key as a whole number in [min, max] (digits only), fallback when
 * absent; -EINVAL with the error set when it is not. */
int po_uint(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, uint32_t min,
            uint32_t max, uint32_t fallback, uint32_t *out);

/* 0 when the value of option key is a plain file name of 1 to max_len
 * characters from A-Z a-z 0-9 . _ -, not starting with '.': never a path,
 * since the daemon writes it as root and the value comes from whoever
 * created the session.  Else -EINVAL with the error set.  Stricter than
 * gh_session_file_open's own check, which only keeps the file in the dir. */
int po_file_name(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, const char *name,
                 size_t max_len);
