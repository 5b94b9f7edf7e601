/* Unit tests of the agent's relay writer (relay-writer.c) and frame
 * publishing (frame.c): the header as written and as adopted, frames from a
 * padded framebuffer read back by capture-relay's reader (relay-read.c) as
 * the host reads them, and which frames are published at all.  Regions are
 * heap buffers of exact size, so AddressSanitizer sees any write past one. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gamehost/relay.h>

#include "frame.h"
#include "relay-read.h"
#include "relay-writer.h"

/* 32x31 frames fill a 4096-byte slot; 3 of them after the header page make
 * 16384 bytes. */
#define SMALL_W    32u
#define SMALL_H    31u
#define SMALL_SIZE 16384u

static uint8_t *
region_new(uint64_t size, int fill)
{
    uint8_t *mem = aligned_alloc(4096, size);

    ck_assert_ptr_nonnull(mem);
    memset(mem, fill, size);
    return mem;
}

static gh_relay_header *
header_of(uint8_t *mem)
{
    return (gh_relay_header *)mem;
}

static gh_relay_slot *
slot_of(uint8_t *mem, uint32_t slot_size, uint32_t index)
{
    return (gh_relay_slot *)(mem + GH_RELAY_SLOTS_OFFSET + (uint64_t)index * slot_size);
}

/* A writer with a fresh SMALL header over mem. */
static void
relay_small(agent_relay *r, uint8_t *mem)
{
    agent_relay_attach(r, mem, SMALL_SIZE);
    ck_assert_int_eq(agent_relay_start(r, SMALL_W, SMALL_H, 3, 1), AGENT_RELAY_FRESH);
}

/* Publishes frame n of SMALL size, every pixel n. */
static uint32_t
relay_write(agent_relay *r, uint64_t n)
{
    agent_relay_frame f = { SMALL_W, SMALL_H, SMALL_W * 4u, GH_RELAY_FORMAT_BGRX8888, n, 1000u * n, 0 };
    uint32_t *px = (uint32_t *)agent_relay_begin(r, &f);

    ck_assert_ptr_nonnull(px);
    for (uint32_t i = 0; i < SMALL_W * SMALL_H; i++)
        px[i] = (uint32_t)n;
    return agent_relay_publish(r);
}

/* ---- the header ----------------------------------------------------------- */

START_TEST(test_start_writes_every_header_field_over_garbage)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0xa5);
    agent_relay r;

    relay_small(&r, mem);
    gh_relay_header *h = header_of(mem);
    ck_assert_uint_eq(h->magic, GH_RELAY_MAGIC);
    ck_assert_uint_eq(h->version, GH_RELAY_VERSION);
    ck_assert_uint_eq(h->header_size, 128);
    ck_assert_uint_eq(h->region_size, SMALL_SIZE);
    ck_assert_uint_eq(h->slots_offset, 4096);
    ck_assert_uint_eq(h->slot_count, 3);
    ck_assert_uint_eq(h->slot_size, 4096);
    ck_assert_uint_eq(h->max_width, SMALL_W);
    ck_assert_uint_eq(h->max_height, SMALL_H);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(h->reserved0[i], 0);
    ck_assert_uint_eq(h->heartbeat_count, 0);
    ck_assert_uint_eq(h->heartbeat_ns, 0);
    ck_assert_uint_eq(h->frames_written, 0);
    ck_assert_uint_eq(h->latest_slot, 0);
    ck_assert_uint_eq(h->reserved1, 0);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(h->reserved2[i], 0);
    static const uint8_t zero[sizeof(gh_relay_slot)];
    for (uint32_t k = 0; k < 3; k++)
        ck_assert_mem_eq(slot_of(mem, 4096, k), zero, sizeof(zero));
    ck_assert_uint_eq(r.last_frame, 0);
    free(mem);
}
END_TEST

START_TEST(test_start_adopts_same_geometry_and_goes_on_counting)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r, again;

    relay_small(&r, mem);
    for (uint64_t n = 1; n <= 4; n++)
        relay_write(&r, n);
    agent_relay_heartbeat(&r, 77);
    uint32_t latest = header_of(mem)->latest_slot;

    /* The agent restarted (or the guest rebooted): same memory, new writer. */
    agent_relay_attach(&again, mem, SMALL_SIZE);
    ck_assert_int_eq(agent_relay_start(&again, SMALL_W, SMALL_H, 3, 1), AGENT_RELAY_ADOPTED);
    ck_assert_uint_eq(again.last_frame, 4);
    ck_assert_uint_eq(header_of(mem)->frames_written, 4);
    ck_assert_uint_eq(header_of(mem)->heartbeat_count, 1);
    ck_assert_uint_eq(header_of(mem)->latest_slot, latest);
    ck_assert_uint_eq(slot_of(mem, 4096, latest)->frame_number, 4);

    ck_assert_uint_eq(relay_write(&again, again.last_frame + 1), (latest + 1) % 3);
    ck_assert_uint_eq(header_of(mem)->frames_written, 5);
    free(mem);
}
END_TEST

START_TEST(test_adoption_closes_a_half_written_slot_as_empty)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r, again;
    agent_relay_frame f = { SMALL_W, SMALL_H, SMALL_W * 4u, GH_RELAY_FORMAT_BGRX8888, 3, 0, 0 };

    relay_small(&r, mem);
    relay_write(&r, 1);
    relay_write(&r, 2);
    /* Frame 3 cut short: seq left odd in the slot after the latest. */
    ck_assert_ptr_nonnull(agent_relay_begin(&r, &f));
    uint32_t cut = r.writing;
    ck_assert_uint_eq(slot_of(mem, 4096, cut)->seq % 2, 1);

    agent_relay_attach(&again, mem, SMALL_SIZE);
    ck_assert_int_eq(agent_relay_start(&again, SMALL_W, SMALL_H, 3, 1), AGENT_RELAY_ADOPTED);
    gh_relay_slot *s = slot_of(mem, 4096, cut);
    ck_assert_uint_eq(s->seq % 2, 0);
    ck_assert_uint_eq(s->frame_number, 0);  /* no reader delivers it */
    ck_assert_uint_eq(again.last_frame, 2);
    /* The next frame goes into that slot, under a proper odd/even pair. */
    uint64_t seq = s->seq;
    ck_assert_uint_eq(relay_write(&again, 3), cut);
    ck_assert_uint_eq(s->seq, seq + 2);
    ck_assert_uint_eq(s->frame_number, 3);
    free(mem);
}
END_TEST

START_TEST(test_header_of_another_geometry_is_written_anew)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r, again;

    relay_small(&r, mem);
    relay_write(&r, 1);
    relay_write(&r, 2);

    agent_relay_attach(&again, mem, SMALL_SIZE);
    ck_assert_int_eq(agent_relay_start(&again, 16, 16, 3, 1), AGENT_RELAY_FRESH);
    ck_assert_uint_eq(header_of(mem)->magic, GH_RELAY_MAGIC);
    ck_assert_uint_eq(header_of(mem)->max_width, 16);
    ck_assert_uint_eq(header_of(mem)->max_height, 16);
    ck_assert_uint_eq(header_of(mem)->slot_size, gh_relay_slot_size(16, 16));
    ck_assert_uint_eq(header_of(mem)->frames_written, 0);
    for (uint32_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(slot_of(mem, 4096, k)->seq, 0);
        ck_assert_uint_eq(slot_of(mem, 4096, k)->frame_number, 0);
    }
    free(mem);
}
END_TEST

START_TEST(test_start_without_adopt_rewrites_a_valid_header)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r, again;

    relay_small(&r, mem);
    relay_write(&r, 1);
    agent_relay_attach(&again, mem, SMALL_SIZE);
    ck_assert_int_eq(agent_relay_start(&again, SMALL_W, SMALL_H, 3, 0), AGENT_RELAY_FRESH);
    ck_assert_uint_eq(header_of(mem)->frames_written, 0);
    ck_assert_uint_eq(slot_of(mem, 4096, 1)->frame_number, 0);
    free(mem);
}
END_TEST

START_TEST(test_a_new_geometry_goes_on_with_the_frame_numbers)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r;

    relay_small(&r, mem);
    relay_write(&r, 1);
    relay_write(&r, 2);
    /* A mode change: a new header, but a reader never sees numbers go back. */
    ck_assert_int_eq(agent_relay_start(&r, 16, 16, 3, 1), AGENT_RELAY_FRESH);
    ck_assert_uint_eq(r.last_frame, 2);
    free(mem);
}
END_TEST

START_TEST(test_heartbeat_counts_and_stamps)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r;

    /* Before any geometry too: only line 1 of the header is touched. */
    agent_relay_attach(&r, mem, SMALL_SIZE);
    agent_relay_heartbeat(&r, 100);
    agent_relay_heartbeat(&r, 250);
    ck_assert_uint_eq(header_of(mem)->heartbeat_count, 2);
    ck_assert_uint_eq(header_of(mem)->heartbeat_ns, 250);
    ck_assert_uint_eq(header_of(mem)->magic, 0);
    free(mem);
}
END_TEST

START_TEST(test_begin_refuses_a_frame_larger_than_the_header_allows)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0);
    agent_relay r;
    agent_relay_frame wide = { SMALL_W + 1, SMALL_H, (SMALL_W + 1) * 4u, GH_RELAY_FORMAT_BGRX8888, 1, 0, 0 };
    agent_relay_frame padded = { SMALL_W, SMALL_H, SMALL_W * 4u + 64u, GH_RELAY_FORMAT_BGRX8888, 1, 0, 0 };

    relay_small(&r, mem);
    ck_assert_ptr_null(agent_relay_begin(&r, &wide));
    ck_assert_ptr_null(agent_relay_begin(&r, &padded)); /* 31 rows of 192 bytes > 4096 */
    for (uint32_t k = 0; k < 3; k++)
        ck_assert_uint_eq(slot_of(mem, 4096, k)->seq, 0);
    free(mem);
}
END_TEST

/* ---- frames from a framebuffer -------------------------------------------- */

/* A framebuffer of SMALL size with 16 bytes of padding per row, each pixel
 * unique, the padding 0xee. */
#define FB_STRIDE (SMALL_W * 4u + 16u)

static uint8_t *
fb_new(void)
{
    uint8_t *fb = malloc((size_t)FB_STRIDE * SMALL_H);

    ck_assert_ptr_nonnull(fb);
    memset(fb, 0xee, (size_t)FB_STRIDE * SMALL_H);
    for (uint32_t y = 0; y < SMALL_H; y++)
        for (uint32_t x = 0; x < SMALL_W; x++) {
            uint32_t v = 0xff000000u | y << 8 | x;
            memcpy(fb + (size_t)y * FB_STRIDE + x * 4u, &v, 4);
        }
    return fb;
}

START_TEST(test_frame_from_padded_framebuffer_is_published_as_read_back)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0), *fb = fb_new(), *dst;
    agent_relay r;
    agent_frame f = { 0 };
    cr_layout layout;
    cr_slot_meta meta;
    uint32_t latest;
    char err[256] = "";

    relay_small(&r, mem);
    ck_assert_int_eq(agent_frame_resize(&f, SMALL_W, SMALL_H), 0);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_RGBX8888, 123456789), 1);

    gh_relay_header *h = header_of(mem);
    ck_assert_uint_eq(h->latest_slot, 1);
    ck_assert_uint_eq(h->frames_written, 1);
    gh_relay_slot *s = slot_of(mem, 4096, 1);
    ck_assert_uint_eq(s->seq, 2);
    ck_assert_uint_eq(s->width, SMALL_W);
    ck_assert_uint_eq(s->height, SMALL_H);
    ck_assert_uint_eq(s->stride, SMALL_W * 4u);
    ck_assert_uint_eq(s->format, GH_RELAY_FORMAT_RGBX8888);
    ck_assert_uint_eq(s->frame_number, 1);
    ck_assert_uint_eq(s->timestamp_ns, 123456789);
    ck_assert_uint_eq(s->input_events, 0);
    for (uint32_t y = 0; y < SMALL_H; y++)
        ck_assert_mem_eq((uint8_t *)(s + 1) + y * SMALL_W * 4u, fb + (size_t)y * FB_STRIDE, SMALL_W * 4u);

    /* As the host reads it. */
    ck_assert_int_eq(cr_layout_check(mem, SMALL_SIZE, &layout, err, sizeof(err)), 0);
    ck_assert_int_eq(cr_latest_slot(mem, &layout, &latest, err, sizeof(err)), 0);
    ck_assert_uint_eq(latest, 1);
    dst = malloc(cr_layout_frame_capacity(&layout));
    ck_assert_int_eq(cr_slot_read(mem, &layout, latest, 0, dst, &meta, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(err, "");
    ck_assert_uint_eq(meta.frame_number, 1);
    ck_assert_uint_eq(meta.stride, SMALL_W * 4u);
    for (uint32_t y = 0; y < SMALL_H; y++)
        ck_assert_mem_eq(dst + y * SMALL_W * 4u, fb + (size_t)y * FB_STRIDE, SMALL_W * 4u);
    free(dst);
    agent_frame_free(&f);
    free(fb);
    free(mem);
}
END_TEST

START_TEST(test_unchanged_frame_is_not_republished)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0), *fb = fb_new();
    agent_relay r;
    agent_frame f = { 0 };

    relay_small(&r, mem);
    ck_assert_int_eq(agent_frame_resize(&f, SMALL_W, SMALL_H), 0);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 1), 1);
    uint64_t seq = slot_of(mem, 4096, 2)->seq;
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 2), 0);
    ck_assert_uint_eq(header_of(mem)->frames_written, 1);
    ck_assert_uint_eq(header_of(mem)->latest_slot, 1);
    ck_assert_uint_eq(slot_of(mem, 4096, 2)->seq, seq);  /* the next slot untouched */
    agent_frame_free(&f);
    free(fb);
    free(mem);
}
END_TEST

START_TEST(test_padding_beyond_the_width_is_no_change)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0), *fb = fb_new();
    agent_relay r;
    agent_frame f = { 0 };

    relay_small(&r, mem);
    ck_assert_int_eq(agent_frame_resize(&f, SMALL_W, SMALL_H), 0);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 1), 1);
    fb[SMALL_W * 4u] = 0x11;  /* row 0's padding */
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 2), 0);
    ck_assert_uint_eq(header_of(mem)->frames_written, 1);
    agent_frame_free(&f);
    free(fb);
    free(mem);
}
END_TEST

/* One changed pixel anywhere is a new frame: first pixel, end of the first
 * row, start of the last row, last pixel. */
static const uint32_t changed_pixels[][2] = {
    { 0, 0 }, { SMALL_W - 1, 0 }, { 0, SMALL_H - 1 }, { SMALL_W - 1, SMALL_H - 1 },
};

START_TEST(test_one_changed_pixel_is_published)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0), *fb = fb_new();
    uint32_t x = changed_pixels[_i][0], y = changed_pixels[_i][1], v = 0x00123456u, got;
    agent_relay r;
    agent_frame f = { 0 };

    relay_small(&r, mem);
    ck_assert_int_eq(agent_frame_resize(&f, SMALL_W, SMALL_H), 0);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 1), 1);
    memcpy(fb + (size_t)y * FB_STRIDE + x * 4u, &v, 4);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 2), 1);
    ck_assert_uint_eq(header_of(mem)->frames_written, 2);
    ck_assert_uint_eq(header_of(mem)->latest_slot, 2);
    gh_relay_slot *s = slot_of(mem, 4096, 2);
    ck_assert_uint_eq(s->frame_number, 2);
    memcpy(&got, (uint8_t *)(s + 1) + (size_t)y * SMALL_W * 4u + x * 4u, 4);
    ck_assert_uint_eq(got, v);
    agent_frame_free(&f);
    free(fb);
    free(mem);
}
END_TEST

START_TEST(test_forgotten_frame_is_published_again)
{
    uint8_t *mem = region_new(SMALL_SIZE, 0), *fb = fb_new();
    agent_relay r;
    agent_frame f = { 0 };

    relay_small(&r, mem);
    ck_assert_int_eq(agent_frame_resize(&f, SMALL_W, SMALL_H), 0);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 1), 1);
    /* A new header's slots are empty: the same picture must be written. */
    agent_frame_forget(&f);
    ck_assert_int_eq(agent_frame_update(&f, &r, fb, FB_STRIDE, GH_RELAY_FORMAT_BGRX8888, 2), 1);
    ck_assert_uint_eq(header_of(mem)->frames_written, 2);
    agent_frame_free(&f);
    free(fb);
    free(mem);
}
END_TEST

static Suite *
relay_writer_suite(void)
{
    Suite *s = suite_create("agent-relay-writer");
    TCase *tc = tcase_create("header");

    tcase_add_test(tc, test_start_writes_every_header_field_over_garbage);
    tcase_add_test(tc, test_start_adopts_same_geometry_and_goes_on_counting);
    tcase_add_test(tc, test_adoption_closes_a_half_written_slot_as_empty);
    tcase_add_test(tc, test_header_of_another_geometry_is_written_anew);
    tcase_add_test(tc, test_start_without_adopt_rewrites_a_valid_header);
    tcase_add_test(tc, test_a_new_geometry_goes_on_with_the_frame_numbers);
    tcase_add_test(tc, test_heartbeat_counts_and_stamps);
    tcase_add_test(tc, test_begin_refuses_a_frame_larger_than_the_header_allows);
    suite_add_tcase(s, tc);

    tc = tcase_create("frames");
    tcase_add_test(tc, test_frame_from_padded_framebuffer_is_published_as_read_back);
    tcase_add_test(tc, test_unchanged_frame_is_not_republished);
    tcase_add_test(tc, test_padding_beyond_the_width_is_no_change);
    tcase_add_loop_test(tc, test_one_changed_pixel_is_published, 0,
                        (int)(sizeof(changed_pixels) / sizeof(changed_pixels[0])));
    tcase_add_test(tc, test_forgotten_frame_is_published_again);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(relay_writer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
