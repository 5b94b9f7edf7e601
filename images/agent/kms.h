/* The guest agent's view of the display: the first DRM card with an active
 * CRTC, the framebuffer it scans out mapped for reading (a dumb mapping, or
 * a PRIME dma-buf where that fails), followed as the CRTC's fb changes.  No
 * logging: callers get an errno and a message.  Needs CAP_SYS_ADMIN (or DRM
 * master) for GETFB2 to hand out buffer handles. */
#ifndef AGENT_KMS_H
#define AGENT_KMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct agent_kms {
    int fd;                   /* the card, -1: none open */
    char card[64];            /* its name under the dri dir, "card0" */
    uint32_t crtc_id;
    uint32_t fb_id;           /* the fb last looked at (mapped or refused), 0: none */
    uint32_t width, height;   /* the CRTC's mode */
    uint32_t vrefresh;        /* Hz, from the mode; 0 when it does not say */
    uint32_t x, y;            /* where the CRTC scans out from in the fb */
    uint32_t fourcc;          /* the fb's DRM format */
    uint32_t relay_format;    /* GH_RELAY_FORMAT_* */
    uint32_t pitch;           /* bytes per row of the fb */
    const uint8_t *pixels;    /* the first scanned-out pixel; NULL: nothing mapped */
    uint8_t *map;
    size_t map_size;
    int dmabuf;               /* the dma-buf when mapped through PRIME, else -1 */
} agent_kms;

/* What agent_kms_follow saw. */
#define AGENT_KMS_SAME 0      /* the same fb as before (mapped, or refused before) */
#define AGENT_KMS_NEW  1      /* another fb, now mapped */

/* Sets k to "nothing open". */
void agent_kms_init(agent_kms *k);

/* Opens the first card*, in name order, under dri_dir with a CRTC that has
 * a mode and an fb.  0, or -ENOENT with err saying what was (not) found.
 * Maps nothing: agent_kms_follow does. */
int agent_kms_open(agent_kms *k, const char *dri_dir, char *err, size_t errlen);

/* Once per tick: reads the CRTC (one ioctl) and, when its fb or mode
 * changed, maps the new fb.  AGENT_KMS_SAME, AGENT_KMS_NEW, or a negative
 * errno with err: -ENOTSUP (a format or modifier the relay cannot carry,
 * reported once per fb; later calls answer AGENT_KMS_SAME with nothing
 * mapped), -ENODEV (the CRTC went off or the card away: close and open
 * again), others (mapping failed; tried again next call). */
int agent_kms_follow(agent_kms *k, char *err, size_t errlen);

/* The relay format for a DRM fourcc and modifier: 0 and *relay_format, or
 * -ENOTSUP with err naming what is refused. */
int agent_kms_relay_format(uint32_t fourcc, uint64_t modifier, uint32_t *relay_format, char *err, size_t errlen);

/* "XR24" for a fourcc; unprintable bytes become '?'. */
void agent_kms_fourcc_name(uint32_t fourcc, char name[5]);

/* Brackets CPU reads of k->pixels (DMA_BUF_IOCTL_SYNC for a dma-buf). */
void agent_kms_read_begin(agent_kms *k);
void agent_kms_read_end(agent_kms *k);

/* Unmaps and closes; k may be closed already. */
void agent_kms_close(agent_kms *k);

#endif /* AGENT_KMS_H */
