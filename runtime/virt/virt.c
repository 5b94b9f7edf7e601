/* virt: one libvirt connection per daemon.  libvirt's default event loop runs
 * on a thread of its own (it must be registered before the first open, once
 * per process); lifecycle events are copied and handed to the main context,
 * where the session state machine lives.
 *
 * libvirt's event loop iterates GLib's global default context, so the daemon's
 * own loop must run on another context (pushed as the thread default), or its
 * sources would be dispatched on libvirt's thread. */
#include "virt.h"
#include "util/xml-util.h"

#include <libvirt/virterror.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

G_DEFINE_QUARK(gh-virt-error-quark, gh_virt_error)

struct GhVirt {
    virConnectPtr conn;
    char *uri;
    char *domain_type;
    char *dbus_dir;          /* where libvirt puts the VMs' private D-Bus buses; NULL if unknown */
    GMainContext *context;
    int lifecycle_cb;
    gboolean alive;          /* cleared by the close callback */
    GMutex lock;             /* guards handler fields and alive */
    GhVirtLifecycleFunc handler;
    gpointer handler_data;
};

typedef struct {
    GhVirt *virt;
    char *name;
    int event, detail;
} LifecycleEvent;

static gpointer
virt_event_thread(gpointer data)
{
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            g_warning("libvirt event loop: %s", virGetLastErrorMessage());
    return NULL;
}

/* Registration and the thread are per process: libvirt allows one default
 * event implementation, and it must exist before virConnectOpen. */
static void
virt_event_loop_ensure(void)
{
    static gsize once;

    if (g_once_init_enter(&once)) {
        virInitialize();
        virEventRegisterDefaultImpl();
        g_thread_unref(g_thread_new("gh-virt-events", virt_event_thread, NULL));
        g_once_init_leave(&once, 1);
    }
}

/* Quiet libvirt's default stderr printing; errors reach callers as GErrors. */
static void
virt_silent_error(void *data, virErrorPtr err)
{
}

void
gh_virt_set_error(GError **error, const char *what)
{
    const char *msg = virGetLastErrorMessage();
    g_set_error(error, GH_VIRT_ERROR, GH_VIRT_ERROR_CALL, "%s: %s", what, msg ? msg : "unknown libvirt error");
}

char *
gh_virt_embed_uri(const char *state_dir)
{
    g_autofree char *root = g_build_filename(state_dir, "libvirt", NULL);
    g_autofree char *escaped = g_uri_escape_string(root, "/", FALSE);
    return g_strdup_printf("qemu:///embed?root=%s", escaped);
}

gboolean
gh_virt_prepare_embed_root(const char *root, GError **error)
{
    g_autofree char *etc = g_build_filename(root, "etc", NULL);
    g_autofree char *conf = g_build_filename(etc, "qemu.conf", NULL);
    /* No virtlogd without a daemon (stdio_handler), no sVirt labels to
     * manage in a private root, and QEMU as root cannot drop privileges into
     * a user that cannot read the session dirs, so keep libvirt's default
     * user (libvirt-qemu) and let its DAC driver relabel our files. */
    static const char text[] =
        "# Written by gamehostd for the embedded QEMU driver; rewritten at every start.\n"
        "stdio_handler = \"file\"\n"
        "security_driver = \"none\"\n";

    /* The root must stay traversable: QEMU (libvirt-qemu) opens files under it. */
    if (g_mkdir_with_parents(root, 0755) < 0 || g_mkdir_with_parents(etc, 0755) < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", etc,
                    g_strerror(errno));
        return FALSE;
    }
    return g_file_set_contents_full(conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gboolean
virt_dispatch_lifecycle(gpointer data)
{
    LifecycleEvent *ev = data;
    GhVirtLifecycleFunc fn;
    gpointer fn_data;

    g_mutex_lock(&ev->virt->lock);
    fn = ev->virt->handler;
    fn_data = ev->virt->handler_data;
    g_mutex_unlock(&ev->virt->lock);
    if (fn)
        fn(ev->name, ev->event, ev->detail, fn_data);
    return G_SOURCE_REMOVE;
}

static void
virt_lifecycle_event_free(gpointer data)
{
    LifecycleEvent *ev = data;
    g_free(ev->name);
    g_free(ev);
}

/* Event thread: copy what we need and hand it to the main context. */
static int
virt_on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    GhVirt *virt = opaque;
    LifecycleEvent *ev = g_new0(LifecycleEvent, 1);

    ev->virt = virt;
    ev->name = g_strdup(virDomainGetName(dom));
    ev->event = event;
    ev->detail = detail;
    g_main_context_invoke_full(virt->context, G_PRIORITY_DEFAULT, virt_dispatch_lifecycle, ev,
                               virt_lifecycle_event_free);
    return 0;
}

static void
virt_on_close(virConnectPtr conn, int reason, void *opaque)
{
    GhVirt *virt = opaque;

    g_mutex_lock(&virt->lock);
    virt->alive = FALSE;
    g_mutex_unlock(&virt->lock);
    g_warning("libvirt connection %s closed (reason %d)", virt->uri, reason);
}

/* kvm when libvirt reports a kvm domain for x86_64 (it checks /dev/kvm
 * really works), else qemu (TCG). */
static char *
virt_detect_domain_type(virConnectPtr conn)
{
    g_autofree char *caps = virConnectGetCapabilities(conn);
    g_autoptr(GError) error = NULL;
    gboolean kvm = FALSE;

    if (caps && !gh_xml_caps_have_kvm(caps, &kvm, &error)) {
        g_warning("libvirt's capabilities cannot be read (%s): domain type qemu", error->message);
        kvm = FALSE;
    }
    return g_strdup(kvm ? "kvm" : "qemu");
}

/* libvirt's qemu driver keeps each VM's D-Bus bus in its state dir's
 * dbus/ (virQEMUDriverConfig's dbusStateDir): under the embedded driver's
 * root, or the system daemon's /run/libvirt/qemu. */
static char *
virt_dbus_dir(const char *uri)
{
    static const char embed[] = "qemu:///embed?root=";

    if (g_str_has_prefix(uri, embed)) {
        g_autofree char *root = g_uri_unescape_string(uri + strlen(embed), NULL);
        return root ? g_build_filename(root, "run", "qemu", "dbus", NULL) : NULL;
    }
    if (g_str_equal(uri, "qemu:///system"))
        return g_strdup("/run/libvirt/qemu/dbus");
    return NULL;
}

char *
gh_virt_dbus_socket(GhVirt *virt, const char *domain_name)
{
    g_autoptr(GDir) dir = NULL;
    g_autofree char *prefix = NULL;
    virDomainPtr dom;
    unsigned int id;
    const char *name;

    if (!virt->dbus_dir || !(dom = virDomainLookupByName(virt->conn, domain_name)))
        return NULL;
    id = virDomainGetID(dom);
    virDomainFree(dom);
    if (id == (unsigned int)-1 || !(dir = g_dir_open(virt->dbus_dir, 0, NULL)))
        return NULL;
    /* "<id>-<short name>-dbus.sock": the id is unique among running VMs,
     * the name libvirt may have shortened. */
    prefix = g_strdup_printf("%u-", id);
    while ((name = g_dir_read_name(dir)))
        if (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, "-dbus.sock"))
            return g_build_filename(virt->dbus_dir, name, NULL);
    return NULL;
}

GhVirt *
gh_virt_open(const char *uri, const char *state_dir, const char *domain_type, GMainContext *context,
             GError **error)
{
    g_autoptr(GhVirt) virt = g_new0(GhVirt, 1);

    virt_event_loop_ensure();
    virSetErrorFunc(NULL, virt_silent_error);
    g_mutex_init(&virt->lock);
    virt->lifecycle_cb = -1;
    virt->context = context ? g_main_context_ref(context) : g_main_context_ref_thread_default();
    if (uri) {
        virt->uri = g_strdup(uri);
    } else {
        g_autofree char *root = g_build_filename(state_dir, "libvirt", NULL);
        if (!gh_virt_prepare_embed_root(root, error))
            return NULL;
        virt->uri = gh_virt_embed_uri(state_dir);
    }

    virt->dbus_dir = virt_dbus_dir(virt->uri);
    virt->conn = virConnectOpen(virt->uri);
    if (!virt->conn) {
        g_set_error(error, GH_VIRT_ERROR, GH_VIRT_ERROR_CONNECT, "cannot open libvirt connection %s: %s",
                    virt->uri, virGetLastErrorMessage());
        return NULL;
    }
    virt->alive = TRUE;
    virConnectRegisterCloseCallback(virt->conn, virt_on_close, virt, NULL);
    virt->lifecycle_cb = virConnectDomainEventRegisterAny(virt->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                          VIR_DOMAIN_EVENT_CALLBACK(virt_on_lifecycle),
                                                          virt, NULL);
    if (virt->lifecycle_cb < 0) {
        gh_virt_set_error(error, "cannot register for domain lifecycle events");
        return NULL;
    }
    if (!domain_type || g_str_equal(domain_type, "auto"))
        virt->domain_type = virt_detect_domain_type(virt->conn);
    else
        virt->domain_type = g_strdup(domain_type);
    return g_steal_pointer(&virt);
}

GhVirt *
gh_virt_free(GhVirt *virt)
{
    if (!virt)
        return NULL;
    if (virt->conn) {
        if (virt->lifecycle_cb >= 0)
            virConnectDomainEventDeregisterAny(virt->conn, virt->lifecycle_cb);
        virConnectUnregisterCloseCallback(virt->conn, virt_on_close);
        virConnectClose(virt->conn);
    }
    /* Events already queued for the main context still point at us: drain
     * them while we are alive, without a handler. */
    gh_virt_set_lifecycle_handler(virt, NULL, NULL);
    while (g_main_context_iteration(virt->context, FALSE))
        ;
    g_main_context_unref(virt->context);
    g_mutex_clear(&virt->lock);
    g_free(virt->uri);
    g_free(virt->domain_type);
    g_free(virt->dbus_dir);
    g_free(virt);
    return NULL;
}

virConnectPtr
gh_virt_conn(GhVirt *virt)
{
    return virt->conn;
}

const char *
gh_virt_uri(GhVirt *virt)
{
    return virt->uri;
}

const char *
gh_virt_domain_type(GhVirt *virt)
{
    return virt->domain_type;
}

gboolean
gh_virt_is_alive(GhVirt *virt)
{
    gboolean alive;

    g_mutex_lock(&virt->lock);
    alive = virt->alive && virConnectIsAlive(virt->conn) == 1;
    g_mutex_unlock(&virt->lock);
    return alive;
}

void
gh_virt_set_lifecycle_handler(GhVirt *virt, GhVirtLifecycleFunc fn, gpointer user_data)
{
    g_mutex_lock(&virt->lock);
    virt->handler = fn;
    virt->handler_data = user_data;
    g_mutex_unlock(&virt->lock);
}

/* ---- can QEMU's user reach a directory? ------------------------------- */

/* gid first, then uid's supplementary groups when it has a passwd entry. */
static GArray *
virt_user_groups(uid_t uid, gid_t gid, const char *name)
{
    GArray *groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
    int n = 16;

    g_array_append_val(groups, gid);
    if (!name)
        return groups;
    for (;;) {
        g_autofree gid_t *list = g_new(gid_t, n);
        int want = n;

        if (getgrouplist(name, gid, list, &want) >= 0) {
            g_array_append_vals(groups, list, want);
            return groups;
        }
        if (want <= n) /* no growth asked for: give up on supplementary groups */
            return groups;
        n = want;
    }
}

/* The permission class the kernel applies to uid on st, as chmod names it
 * ('u', 'g' or 'o'), and whether it grants search. */
static gboolean
virt_may_search(const struct stat *st, uid_t uid, const GArray *groups, char *class)
{
    *class = 'u';
    if (st->st_uid == uid)
        return (st->st_mode & S_IXUSR) != 0;
    *class = 'g';
    for (guint i = 0; i < groups->len; i++)
        if (st->st_gid == g_array_index(groups, gid_t, i))
            return (st->st_mode & S_IXGRP) != 0;
    *class = 'o';
    return (st->st_mode & S_IXOTH) != 0;
}

static gboolean
virt_has_acl(const char *dir)
{
    return getxattr(dir, "system.posix_acl_access", NULL, 0) > 0;
}

static gboolean
virt_check_search(const char *dir, const char *target, uid_t uid, const char *user, const GArray *groups,
                  GError **error)
{
    struct stat st;
    char class;

    if (stat(dir, &st) < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot examine %s: %s", dir, g_strerror(e));
        return FALSE;
    }
    if (!S_ISDIR(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR, "%s is not a directory", dir);
        return FALSE;
    }
    if (virt_may_search(&st, uid, groups, &class) || virt_has_acl(dir))
        return TRUE;
    g_set_error(error, GH_VIRT_ERROR, GH_VIRT_ERROR_REACH,
                "%s cannot reach %s: %s (mode %04o, owner %u:%u) denies it search (x) permission; "
                "fix: chmod %c+x %s",
                user, target, dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid,
                class, dir);
    return FALSE;
}

/* Checks /, then each longer prefix of path (absolute and canonical). */
static gboolean
virt_check_walk(const char *path, const char *target, uid_t uid, const char *user, const GArray *groups,
                GError **error)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    g_autoptr(GString) dir = g_string_new("/");

    if (!virt_check_search(dir->str, target, uid, user, groups, error))
        return FALSE;
    for (guint i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        if (dir->len > 1)
            g_string_append_c(dir, '/');
        g_string_append(dir, parts[i]);
        if (!virt_check_search(dir->str, target, uid, user, groups, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
gh_virt_check_qemu_reach(const char *path, uid_t uid, gid_t gid, GError **error)
{
    if (uid == 0) /* CAP_DAC_READ_SEARCH */
        return TRUE;

    struct passwd *pw = getpwuid(uid);
    g_autofree char *user = pw ? g_strdup_printf("%s (uid %u)", pw->pw_name, (unsigned)uid)
                               : g_strdup_printf("uid %u", (unsigned)uid);
    g_autoptr(GArray) groups = virt_user_groups(uid, gid, pw ? pw->pw_name : NULL);
    g_autofree char *canonical = g_canonicalize_filename(path, "/");
    g_autofree char *real = NULL;

    /* The path as written (a symlink's own parents), then where it leads. */
    if (!virt_check_walk(canonical, path, uid, user, groups, error))
        return FALSE;
    real = realpath(canonical, NULL);
    if (!real) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot resolve %s: %s", path, g_strerror(e));
        return FALSE;
    }
    return g_str_equal(real, canonical) || virt_check_walk(real, path, uid, user, groups, error);
}
