/* vm-access: screenshot, send-key and QMP for one domain through libvirt.
 * Results handed to plugins are malloc'd (they free() them), so nothing
 * here returns GLib-allocated memory across that line. */
#include "vm-access.h"

#include <errno.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A screenshot larger than this is refused rather than buffered. */
#define VM_ACCESS_MAX_SCREENSHOT (256u * 1024 * 1024)

struct GhVmAccess {
    GhVirt *virt;
    char *domain_name;
};

typedef struct {
    guint8 *data;
    gsize len, cap;
} Buffer;

GhVmAccess *
gh_vm_access_new(GhVirt *virt, const char *domain_name)
{
    GhVmAccess *va = g_new0(GhVmAccess, 1);

    va->virt = virt;
    va->domain_name = g_strdup(domain_name);
    return va;
}

GhVmAccess *
gh_vm_access_free(GhVmAccess *va)
{
    if (!va)
        return NULL;
    g_free(va->domain_name);
    g_free(va);
    return NULL;
}

/* Sets *error_msg to "<what>: <libvirt's last error>" (malloc'd). */
static int
vm_access_fail(char **error_msg, int err, const char *what)
{
    const char *msg = virGetLastErrorMessage();

    if (error_msg) {
        g_autofree char *text = g_strdup_printf("%s: %s", what, msg ? msg : "unknown libvirt error");
        *error_msg = strdup(text);
    }
    return err;
}

static int
vm_access_invalid(char **error_msg, const char *what)
{
    if (error_msg)
        *error_msg = strdup(what);
    return -EINVAL;
}

static virDomainPtr
vm_access_lookup(GhVmAccess *va, char **error_msg)
{
    virDomainPtr dom = virDomainLookupByName(gh_virt_conn(va->virt), va->domain_name);

    if (!dom) {
        g_autofree char *what = g_strdup_printf("cannot find domain %s", va->domain_name);
        vm_access_fail(error_msg, -EIO, what);
    }
    return dom;
}

static int
vm_access_sink(virStreamPtr st, const char *bytes, size_t nbytes, void *opaque)
{
    Buffer *buf = opaque;

    if (nbytes > VM_ACCESS_MAX_SCREENSHOT - buf->len)
        return -1;
    if (buf->len + nbytes > buf->cap) {
        gsize cap = MAX(buf->cap * 2, buf->len + nbytes);
        guint8 *grown = realloc(buf->data, cap);
        if (!grown)
            return -1;
        buf->data = grown;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, bytes, nbytes);
    buf->len += nbytes;
    return (int)nbytes;
}

int
gh_vm_access_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    GhVmAccess *va = ctx;
    virDomainPtr dom;
    virStreamPtr st = NULL;
    char *type = NULL;
    Buffer buf = { 0 };
    int rc = -EIO;

    *data = NULL;
    *len = 0;
    if (mime)
        *mime = NULL;
    if (!(dom = vm_access_lookup(va, error_msg)))
        return -EIO;
    if (!(st = virStreamNew(gh_virt_conn(va->virt), 0))) {
        vm_access_fail(error_msg, -EIO, "cannot open a stream");
        goto cleanup;
    }
    if (!(type = virDomainScreenshot(dom, st, 0, 0))) {
        vm_access_fail(error_msg, -EIO, "screenshot failed");
        virStreamFree(st);
        st = NULL;
        goto cleanup;
    }
    if (virStreamRecvAll(st, vm_access_sink, &buf) < 0) {
        if (buf.len >= VM_ACCESS_MAX_SCREENSHOT) {
            if (error_msg)
                *error_msg = strdup("screenshot failed: image too large");
        } else {
            vm_access_fail(error_msg, -EIO, "screenshot failed while reading");
        }
        virStreamAbort(st);
        goto cleanup;
    }
    if (virStreamFinish(st) < 0) {
        vm_access_fail(error_msg, -EIO, "screenshot failed at the end of the stream");
        goto cleanup;
    }
    *data = buf.data;
    *len = buf.len;
    buf.data = NULL;
    if (mime)
        *mime = strdup(type);
    rc = 0;

cleanup:
    free(buf.data);
    free(type);
    if (st)
        virStreamFree(st);
    virDomainFree(dom);
    return rc;
}

int
gh_vm_access_send_keys(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg)
{
    GhVmAccess *va = ctx;
    unsigned int keys[GH_VM_ACCESS_MAX_KEYS];
    virDomainPtr dom;
    int rc = 0;

    if (n == 0 || !codes)
        return vm_access_invalid(error_msg, "send keys: no key codes");
    if (n > GH_VM_ACCESS_MAX_KEYS) {
        g_autofree char *what = g_strdup_printf("send keys: %u keys at once, at most %u", n, GH_VM_ACCESS_MAX_KEYS);
        return vm_access_invalid(error_msg, what);
    }
    for (guint i = 0; i < n; i++)
        keys[i] = codes[i];
    if (!(dom = vm_access_lookup(va, error_msg)))
        return -EIO;
    if (virDomainSendKey(dom, VIR_KEYCODE_SET_LINUX, hold_ms, keys, (int)n, 0) < 0)
        rc = vm_access_fail(error_msg, -EIO, "send keys failed");
    virDomainFree(dom);
    return rc;
}

int
gh_vm_access_qmp_command(gpointer ctx, const char *command, char **reply, char **error_msg)
{
    GhVmAccess *va = ctx;
    virDomainPtr dom;
    char *answer = NULL;
    int rc = 0;

    if (reply)
        *reply = NULL;
    if (!command || !*command)
        return vm_access_invalid(error_msg, "QMP: empty command");
    if (!(dom = vm_access_lookup(va, error_msg)))
        return -EIO;
    /* libvirt allocates the reply with malloc: handed on as it is. */
    if (virDomainQemuMonitorCommand(dom, command, &answer, VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT) < 0)
        rc = vm_access_fail(error_msg, -EIO, "QMP command failed");
    virDomainFree(dom);
    if (reply)
        *reply = answer;
    else
        free(answer);
    return rc;
}

static const GhPluginSessionOps vm_access_ops = {
    .screenshot = gh_vm_access_screenshot,
    .send_keys = gh_vm_access_send_keys,
    .qmp_command = gh_vm_access_qmp_command,
    .submit_input = NULL,
};

const GhPluginSessionOps *
gh_vm_access_ops(void)
{
    return &vm_access_ops;
}
