/* Reading the KMS scanout (kms.h).  The fb is looked up again on every
 * change (X starting, a mode set, a page flip): fb ids are reused once
 * freed, so a mapping is never kept for an id seen before. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <gamehost/relay.h>

#include "kms.h"

void
agent_kms_init(agent_kms *k)
{
    memset(k, 0, sizeof(*k));
    k->fd = -1;
    k->dmabuf = -1;
}

void
agent_kms_fourcc_name(uint32_t fourcc, char name[5])
{
    for (int i = 0; i < 4; i++) {
        int c = (int)((fourcc >> (8 * i)) & 0xff);
        name[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    name[4] = '\0';
}

int
agent_kms_relay_format(uint32_t fourcc, uint64_t modifier, uint32_t *relay_format, char *err, size_t errlen)
{
    char name[5];

    if (modifier != DRM_FORMAT_MOD_LINEAR) {
        snprintf(err, errlen, "modifier 0x%016" PRIx64 " is not linear: the relay takes linear buffers only",
                 modifier);
        return -ENOTSUP;
    }
    switch (fourcc) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888:
        *relay_format = GH_RELAY_FORMAT_BGRX8888;
        return 0;
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
        *relay_format = GH_RELAY_FORMAT_RGBX8888;
        return 0;
    default:
        agent_kms_fourcc_name(fourcc, name);
        snprintf(err, errlen, "format %s is not one the relay carries (XR24, AR24, XB24, AB24)", name);
        return -ENOTSUP;
    }
}

static int
agent_kms_is_card(const struct dirent *e)
{
    return strncmp(e->d_name, "card", 4) == 0 && isdigit((unsigned char)e->d_name[4]);
}

/* The first CRTC of the card with a mode and an fb, or 0. */
static uint32_t
agent_kms_active_crtc(int fd)
{
    drmModeRes *res = drmModeGetResources(fd);
    uint32_t id = 0;

    if (!res)
        return 0;  /* not a KMS device (render only) */
    for (int i = 0; i < res->count_crtcs && id == 0; i++) {
        drmModeCrtc *c = drmModeGetCrtc(fd, res->crtcs[i]);
        if (c && c->mode_valid && c->buffer_id)
            id = c->crtc_id;
        drmModeFreeCrtc(c);
    }
    drmModeFreeResources(res);
    return id;
}

int
agent_kms_open(agent_kms *k, const char *dri_dir, char *err, size_t errlen)
{
    struct dirent **list;
    int n, found = -ENOENT;

    agent_kms_close(k);
    n = scandir(dri_dir, &list, agent_kms_is_card, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", dri_dir, strerror(errno));
        return -ENOENT;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dri_dir, list[i]->d_name);
        fd = found < 0 ? open(path, O_RDWR | O_CLOEXEC) : -1;
        /* The first opener of a card with no master becomes its master,
         * and Xorg (or any compositor) then cannot: let go at once.  As
         * root the agent still gets GETFB2's handles (CAP_SYS_ADMIN). */
        if (fd >= 0)
            drmDropMaster(fd);
        uint32_t crtc = fd >= 0 ? agent_kms_active_crtc(fd) : 0;
        if (crtc) {
            k->fd = fd;
            k->crtc_id = crtc;
            snprintf(k->card, sizeof(k->card), "%.63s", list[i]->d_name);
            found = 0;
        } else if (fd >= 0) {
            close(fd);
        }
        free(list[i]);
    }
    free(list);
    if (found < 0)
        snprintf(err, errlen, "%s: %s", dri_dir,
                 n == 0 ? "no card" : "no card with an active CRTC (a mode and a framebuffer)");
    return found;
}

/* Closes every GEM handle GETFB2 gave (planes may share one). */
static void
agent_kms_close_handles(int fd, const drmModeFB2 *fb)
{
    for (int i = 0; i < 4; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= fb->handles[j] == fb->handles[i];
        if (fb->handles[i] == 0 || dup)
            continue;
        struct drm_gem_close gc = { .handle = fb->handles[i] };
        drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
    }
}

/* Maps size bytes of the buffer behind handle: a dumb mapping (bochs-drm's
 * GEM-VRAM, most simple drivers), else a PRIME dma-buf (drivers whose
 * buffers are not dumb-mappable).  The mapping holds its own reference, so
 * the handle may be closed afterwards. */
static int
agent_kms_map_handle(agent_kms *k, uint32_t handle, size_t size, char *err, size_t errlen)
{
    struct drm_mode_map_dumb md = { .handle = handle };
    int dumb_errno = 0, fd;
    void *m;

    if (drmIoctl(k->fd, DRM_IOCTL_MODE_MAP_DUMB, &md) == 0) {
        m = mmap(NULL, size, PROT_READ, MAP_SHARED, k->fd, (off_t)md.offset);
        if (m != MAP_FAILED) {
            k->map = m;
            k->map_size = size;
            return 0;
        }
    }
    dumb_errno = errno;
    if (drmPrimeHandleToFD(k->fd, handle, DRM_CLOEXEC, &fd) < 0) {
        snprintf(err, errlen, "fb %" PRIu32 ": neither a dumb mapping (%s) nor a PRIME export (%s) works", k->fb_id,
                 strerror(dumb_errno), strerror(errno));
        return -EIO;
    }
    m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        snprintf(err, errlen, "fb %" PRIu32 ": mmap of its dma-buf: %s", k->fb_id, strerror(errno));
        close(fd);
        return -EIO;
    }
    k->map = m;
    k->map_size = size;
    k->dmabuf = fd;
    return 0;
}

/* Checks what the CRTC shows of fb k->fb_id and maps it. */
static int
agent_kms_map_fb(agent_kms *k, char *err, size_t errlen)
{
    drmModeFB2 *fb = drmModeGetFB2(k->fd, k->fb_id);
    uint64_t modifier;
    int r;

    if (!fb) {
        r = -errno;
        snprintf(err, errlen, "fb %" PRIu32 ": GETFB2: %s", k->fb_id, strerror(errno));
        return r;
    }
    /* Without the modifiers flag the layout is the driver's implicit one,
     * which for a scanout fb without modifiers is linear. */
    modifier = (fb->flags & DRM_MODE_FB_MODIFIERS) ? fb->modifier : DRM_FORMAT_MOD_LINEAR;
    k->fourcc = fb->pixel_format;
    k->pitch = fb->pitches[0];
    r = agent_kms_relay_format(fb->pixel_format, modifier, &k->relay_format, err, errlen);
    if (r == 0 && fb->handles[0] == 0) {
        snprintf(err, errlen, "fb %" PRIu32 " came without a buffer handle: the agent needs CAP_SYS_ADMIN", k->fb_id);
        r = -EACCES;
    }
    if (r == 0 && ((uint64_t)k->x + k->width > fb->width || (uint64_t)k->y + k->height > fb->height ||
                   fb->pitches[0] < (uint64_t)fb->width * 4u)) {
        snprintf(err, errlen,
                 "crtc %" PRIu32 " shows %" PRIu32 "x%" PRIu32 " at %" PRIu32 ",%" PRIu32 " of fb %" PRIu32
                 " (%" PRIu32 "x%" PRIu32 ", pitch %" PRIu32 "): outside it",
                 k->crtc_id, k->width, k->height, k->x, k->y, k->fb_id, fb->width, fb->height, fb->pitches[0]);
        r = -EINVAL;
    }
    if (r == 0)
        r = agent_kms_map_handle(k, fb->handles[0], (size_t)fb->offsets[0] + (size_t)fb->pitches[0] * fb->height,
                                 err, errlen);
    if (r == 0)
        k->pixels = k->map + fb->offsets[0] + (size_t)k->y * k->pitch + (size_t)k->x * 4u;
    agent_kms_close_handles(k->fd, fb);
    drmModeFreeFB2(fb);
    return r;
}

static void
agent_kms_unmap(agent_kms *k)
{
    if (k->map)
        munmap(k->map, k->map_size);
    if (k->dmabuf >= 0)
        close(k->dmabuf);
    k->map = NULL;
    k->map_size = 0;
    k->pixels = NULL;
    k->dmabuf = -1;
}

/* The mode's refresh in Hz: its own field, else from its timings. */
static uint32_t
agent_kms_refresh(const drmModeModeInfo *m)
{
    if (m->vrefresh)
        return m->vrefresh;
    if (m->htotal && m->vtotal)
        return (uint32_t)(((uint64_t)m->clock * 1000u + (uint64_t)m->htotal * m->vtotal / 2) /
                          ((uint64_t)m->htotal * m->vtotal));
    return 0;
}

int
agent_kms_follow(agent_kms *k, char *err, size_t errlen)
{
    drmModeCrtc *c = drmModeGetCrtc(k->fd, k->crtc_id);
    int r;

    if (!c) {
        snprintf(err, errlen, "%s: crtc %" PRIu32 ": %s", k->card, k->crtc_id, strerror(errno));
        return -ENODEV;
    }
    if (!c->mode_valid || c->buffer_id == 0) {
        snprintf(err, errlen, "%s: crtc %" PRIu32 " is off", k->card, k->crtc_id);
        drmModeFreeCrtc(c);
        return -ENODEV;
    }
    if (c->buffer_id == k->fb_id && c->mode.hdisplay == k->width && c->mode.vdisplay == k->height &&
        c->x == k->x && c->y == k->y && agent_kms_refresh(&c->mode) == k->vrefresh) {
        drmModeFreeCrtc(c);
        return AGENT_KMS_SAME;
    }
    agent_kms_unmap(k);
    k->fb_id = c->buffer_id;
    k->width = c->mode.hdisplay;
    k->height = c->mode.vdisplay;
    k->vrefresh = agent_kms_refresh(&c->mode);
    k->x = c->x;
    k->y = c->y;
    drmModeFreeCrtc(c);
    r = agent_kms_map_fb(k, err, errlen);
    if (r < 0 && r != -ENOTSUP)
        k->fb_id = 0;  /* look again next tick */
    return r < 0 ? r : AGENT_KMS_NEW;
}

static void
agent_kms_sync(agent_kms *k, uint64_t flags)
{
    struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

    if (k->dmabuf >= 0)
        drmIoctl(k->dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
}

void
agent_kms_read_begin(agent_kms *k)
{
    agent_kms_sync(k, DMA_BUF_SYNC_START);
}

void
agent_kms_read_end(agent_kms *k)
{
    agent_kms_sync(k, DMA_BUF_SYNC_END);
}

void
agent_kms_close(agent_kms *k)
{
    agent_kms_unmap(k);
    if (k->fd >= 0)
        close(k->fd);
    agent_kms_init(k);
}
