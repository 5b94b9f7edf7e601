/* Read once, compare, publish on change (frame.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int
agent_frame_resize(agent_frame *f, uint32_t width, uint32_t height)
{
    size_t bytes = (size_t)width * 4u * height;

    agent_frame_free(f);
    f->cur = malloc(bytes);
    f->last = malloc(bytes);
    if (!f->cur || !f->last) {
        agent_frame_free(f);
        return -ENOMEM;
    }
    f->width = width;
    f->height = height;
    return 0;
}

void
agent_frame_forget(agent_frame *f)
{
    f->have_last = 0;
}

int
agent_frame_read(agent_frame *f, const uint8_t *src, uint32_t src_stride)
{
    size_t row = (size_t)f->width * 4u;
    int changed = !f->have_last;

    /* Each row is compared while it is still in the cache from its copy,
     * and no longer once one differs. */
    for (uint32_t y = 0; y < f->height; y++) {
        uint8_t *dst = f->cur + y * row;
        memcpy(dst, src + (size_t)y * src_stride, row);
        if (!changed)
            changed = memcmp(dst, f->last + y * row, row) != 0;
    }
    return changed;
}

int
agent_frame_publish(agent_frame *f, agent_relay *r, uint32_t format, uint64_t timestamp_ns)
{
    agent_relay_frame meta = {
        .width = f->width,
        .height = f->height,
        .stride = f->width * 4u,
        .format = format,
        .frame_number = r->last_frame + 1,
        .timestamp_ns = timestamp_ns,
        .input_events = 0,  /* the agent applies no input itself */
    };
    uint8_t *px = agent_relay_begin(r, &meta), *t;

    if (!px)
        return -E2BIG;
    memcpy(px, f->cur, (size_t)meta.stride * f->height);
    agent_relay_publish(r);
    t = f->last;
    f->last = f->cur;
    f->cur = t;
    f->have_last = 1;
    return 0;
}

int
agent_frame_update(agent_frame *f, agent_relay *r, const uint8_t *src, uint32_t src_stride, uint32_t format,
                   uint64_t timestamp_ns)
{
    int ret;

    if (!agent_frame_read(f, src, src_stride))
        return 0;
    ret = agent_frame_publish(f, r, format, timestamp_ns);
    return ret < 0 ? ret : 1;
}

void
agent_frame_free(agent_frame *f)
{
    free(f->cur);
    free(f->last);
    memset(f, 0, sizeof(*f));
}
