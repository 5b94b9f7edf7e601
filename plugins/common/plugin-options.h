/* plugin-util: what every built-in plugin does with the host the same way:
 * errors prefixed with the backend's name, log lines, whole-number options, and files
 * it creates by plain name in the session's directory.  Knows the SDK's
 * host-services table and nothing of any one plugin. */
#pragma once

#include <stdint.h>

#include <glib.h>
#include <gamehost/plugin.h>

/* "<backend>: <message>" through services->set_error, when there is one. */
void pu_error(gh_host *host, const gh_host_services *svc, const char *backend, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* A formatted message through services->log at level, when there is one. */
void pu_log(gh_host *host, const gh_host_services *svc, uint32_t level, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Option key as a whole number in [min, max] (digits only), fallback when
 * absent; -EINVAL with pu_error when it is not. */
int pu_option_uint(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, uint32_t min,
                   uint32_t max, uint32_t fallback, uint32_t *out);

/* 0 when the value of option key is a plain file name of 1 to max_len
 * characters from A-Z a-z 0-9 . _ -, not starting with '.': never a path,
 * since the daemon writes it as root and the value comes from whoever
 * created the session.  Else -EINVAL with pu_error. */
int pu_check_file_name(gh_host *host, const gh_host_services *svc, const char *backend, const char *key,
                       const char *name, size_t max_len);

/* Creates path anew (O_EXCL, O_NOFOLLOW: never writes through a link that
 * whoever else can write the session dir put there) and returns its fd, or a
 * negative errno with pu_error. */
int pu_create_file(gh_host *host, const gh_host_services *svc, const char *backend, const char *path);
