/* plugin-options: see plugin-options.h. */
#include "plugin-options.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

int
po_uint(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, uint32_t min, uint32_t max,
        uint32_t fallback, uint32_t *out)
{
    const char *value = svc->option ? svc->option(host, key) : NULL;
    guint64 n = fallback;

    /* Digits only: no sign, no spaces, no hex. */
    if (value && (strspn(value, "0123456789") != strlen(value) ||
                  !g_ascii_string_to_unsigned(value, 10, min, max, &n, NULL))) {
        gh_host_error(host, svc, backend, "option %s must be a whole number from %u to %u", key, min, max);
        return -EINVAL;
    }
    *out = (uint32_t)n;
    return 0;
}

int
po_file_name(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, const char *name,
             size_t max_len)
{
    size_t len = strlen(name);

    if (len == 0 || len > max_len || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                  "0123456789._-") != len) {
        gh_host_error(host, svc, backend,
                      "option %s must be a plain file name of 1 to %zu characters from A-Z a-z 0-9 . _ -", key,
                      max_len);
        return -EINVAL;
    }
    if (name[0] == '.') {
        gh_host_error(host, svc, backend, "option %s '%s' must not start with '.'", key, name);
        return -EINVAL;
    }
    return 0;
}
