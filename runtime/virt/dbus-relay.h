/* dbus-relay: a socket of ours in front of QEMU's private D-Bus bus, so a
 * process the bus would refuse (an unprivileged plugin worker) reaches it.
 * Each relay owns one thread with its own poll loop, its listening socket
 * and every connection accepted on it; nothing runs on the caller's loop. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct GhDbusRelay GhDbusRelay;

/* Listens at listen_path (a stale socket there is replaced; anything else
 * is an error), mode 0600, owned by client_uid:client_gid when we are root.
 * Admits clients of client_uid or our own uid; each gets a connection to
 * bus_path made as the uid that owns it, which the bus admits, and bytes
 * (and passed fds) relayed both ways, the SASL identity it claims rewritten
 * to that uid's.  NULL with the reason, naming the path, if it cannot listen. */
GhDbusRelay *gh_dbus_relay_new(const char *listen_path, uid_t client_uid, gid_t client_gid, const char *bus_path,
                               GError **error);
/* Stops the thread, closes every connection, removes the socket it bound.
 * Accepts NULL; returns NULL. */
GhDbusRelay *gh_dbus_relay_free(GhDbusRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhDbusRelay, gh_dbus_relay_free)
