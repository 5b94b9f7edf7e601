/* Unit tests of capture-screenshot: the PPM/PNG decoder (decode.c) against
 * good and hostile files, and the ABI glue (capture-screenshot.c) driven by
 * a fake host-services table. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include <gamehost/plugin.h>

#include "decode.h"

/* Defined by GH_PLUGIN_DEFINE in capture-screenshot.c, linked in. */
const gh_plugin *gamehost_plugin_query(void);

/* ---- helpers -------------------------------------------------------------- */

static char err[256];

static int
decode_str(cs_image *img, const char *file, size_t len)
{
    err[0] = '\0';
    return cs_decode(img, (const uint8_t *)file, len, "image/x-portable-pixmap", err, sizeof(err));
}

#define DECODE(img, lit) decode_str((img), (lit), sizeof(lit) - 1)

static uint8_t *
make_png(uint32_t width, uint32_t height, const uint8_t *rgb, size_t *len)
{
    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    png.width = width;
    png.height = height;
    png.format = PNG_FORMAT_RGB;
    ck_assert(png_image_write_get_memory_size(png, *len, 0, rgb, 0, NULL));
    uint8_t *out = malloc(*len);
    ck_assert_ptr_nonnull(out);
    ck_assert(png_image_write_to_memory(&png, out, len, 0, rgb, 0, NULL));
    return out;
}

/* ---- PPM ------------------------------------------------------------------ */

START_TEST(test_ppm_converts_rgb_to_bgrx)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n2 1\n255\n\x10\x20\x30\x40\x50\x60"), 0);
    ck_assert_uint_eq(img.width, 2);
    ck_assert_uint_eq(img.height, 1);
    ck_assert_uint_eq(img.stride, 8);
    const uint8_t want[8] = { 0x30, 0x20, 0x10, 0xff, 0x60, 0x50, 0x40, 0xff };
    ck_assert_mem_eq(img.data, want, 8);
    cs_image_clear(&img);
}
END_TEST

START_TEST(test_ppm_accepts_comments_and_any_whitespace_in_header)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6 # made by qemu\n1\t# width\r\n1\n255\r\x01\x02\x03"), 0);
    ck_assert_uint_eq(img.width, 1);
    ck_assert_uint_eq(img.data[0], 0x03);
    cs_image_clear(&img);
}
END_TEST

START_TEST(test_ppm_rejects_truncated_pixel_data)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n2 2\n255\n\x01\x02\x03"), -EINVAL);
    ck_assert_str_eq(err, "PPM: pixel data truncated: 3 of 12 bytes for 2x2");
    cs_image_clear(&img);
}
END_TEST

START_TEST(test_ppm_rejects_trailing_bytes)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n1 1\n255\n\x01\x02\x03\x04"), -EINVAL);
    ck_assert_str_eq(err, "PPM: 1 trailing bytes after the pixel data");
    cs_image_clear(&img);
}
END_TEST

START_TEST(test_ppm_rejects_dimension_over_limit)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n100000 1\n255\n"), -EINVAL);
    ck_assert_str_eq(err, "PPM: image size 100000x1 over the limit (16384x16384, 67108864 pixels)");
    ck_assert_ptr_null(img.data);
}
END_TEST

START_TEST(test_ppm_rejects_pixel_count_over_limit)
{
    cs_image img = { 0 };
    /* Each side is allowed; the product (and width * height * 3) is not. */
    ck_assert_int_eq(DECODE(&img, "P6\n16384 16384\n255\n"), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "over the limit"));
    ck_assert_ptr_null(img.data);
}
END_TEST

START_TEST(test_ppm_rejects_size_that_overflows_32_bits)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n4294967295 4294967295\n255\n"), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "over the limit"));
    ck_assert_int_eq(DECODE(&img, "P6\n99999999999999999999 1\n255\n"), -EINVAL);
    ck_assert_str_eq(err, "PPM: width has more than 10 digits");
}
END_TEST

START_TEST(test_ppm_rejects_zero_size)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n0 5\n255\n"), -EINVAL);
    ck_assert_str_eq(err, "PPM: empty image (0x5)");
}
END_TEST

START_TEST(test_ppm_rejects_maxval_other_than_255)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n1 1\n65535\n\x00\x00\x00\x00\x00\x00"), -EINVAL);
    ck_assert_str_eq(err, "PPM: maxval 65535 unsupported (only 255)");
}
END_TEST

START_TEST(test_ppm_rejects_truncated_header)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n640"), -EINVAL);
    ck_assert_str_eq(err, "PPM: header truncated after width");
    ck_assert_int_eq(DECODE(&img, "P6\n640 480\n255"), -EINVAL);
    ck_assert_str_eq(err, "PPM: header truncated after maxval");
    ck_assert_int_eq(DECODE(&img, "P6\n640 "), -EINVAL);
    ck_assert_str_eq(err, "PPM: header truncated before height");
}
END_TEST

START_TEST(test_ppm_rejects_garbage_in_header)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n-1 1\n255\n"), -EINVAL);
    ck_assert_str_eq(err, "PPM: width is not a number (byte 0x2d at 3)");
    ck_assert_int_eq(DECODE(&img, "P6640 480\n255\n"), -EINVAL);
    ck_assert_str_eq(err, "PPM: expected whitespace before width at byte 2");
    ck_assert_int_eq(DECODE(&img, "P6\n1 1\n255x\x01\x02\x03"), -EINVAL);
    ck_assert_str_eq(err, "PPM: expected one whitespace character after maxval at byte 10");
}
END_TEST

START_TEST(test_decode_rejects_other_formats)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P3\n1 1\n255\n1 2 3\n"), -EINVAL);
    ck_assert_str_eq(err, "screenshot is a netpbm P3 file; only P6 (binary RGB) is supported");
    ck_assert_int_eq(DECODE(&img, "GIF89a"), -EINVAL);
    ck_assert_str_eq(err, "screenshot of type 'image/x-portable-pixmap' (6 bytes) is neither PPM (P6) nor PNG");
    ck_assert_int_eq(decode_str(&img, "", 0), -EINVAL);
}
END_TEST

START_TEST(test_decode_reuses_buffer_until_size_changes)
{
    cs_image img = { 0 };
    ck_assert_int_eq(DECODE(&img, "P6\n1 1\n255\n\x01\x02\x03"), 0);
    uint8_t *first = img.data;
    ck_assert_int_eq(DECODE(&img, "P6\n1 1\n255\n\x04\x05\x06"), 0);
    ck_assert_ptr_eq(img.data, first);
    ck_assert_uint_eq(img.data[0], 0x06);
    ck_assert_int_eq(DECODE(&img, "P6\n2 1\n255\n\x01\x02\x03\x04\x05\x06"), 0);
    ck_assert_uint_eq(img.width, 2);
    ck_assert_uint_eq(img.size, 8);
    /* A bad file after a good one keeps the buffer for the next try. */
    ck_assert_int_eq(DECODE(&img, "P6\n100000 1\n255\n"), -EINVAL);
    ck_assert_uint_eq(img.width, 2);
    cs_image_clear(&img);
    ck_assert_ptr_null(img.data);
}
END_TEST

/* ---- PNG ------------------------------------------------------------------ */

START_TEST(test_png_converts_to_bgrx)
{
    const uint8_t rgb[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    size_t len = 0;
    uint8_t *file = make_png(2, 2, rgb, &len);
    cs_image img = { 0 };
    ck_assert_int_eq(cs_decode(&img, file, len, "image/png", err, sizeof(err)), 0);
    ck_assert_uint_eq(img.width, 2);
    ck_assert_uint_eq(img.height, 2);
    ck_assert_uint_eq(img.stride, 8);
    const uint8_t want[16] = { 3, 2, 1, 0xff, 6, 5, 4, 0xff, 9, 8, 7, 0xff, 12, 11, 10, 0xff };
    ck_assert_mem_eq(img.data, want, 16);
    cs_image_clear(&img);
    free(file);
}
END_TEST

START_TEST(test_png_rejects_truncated_file)
{
    uint8_t rgb[64 * 64 * 3];
    for (size_t i = 0; i < sizeof(rgb); i++)
        rgb[i] = (uint8_t)(i * 7);
    size_t len = 0;
    uint8_t *file = make_png(64, 64, rgb, &len);
    cs_image img = { 0 };
    ck_assert_int_eq(cs_decode(&img, file, len / 2, "image/png", err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "PNG: "));
    ck_assert_int_eq(cs_decode(&img, file, 20, "image/png", err, sizeof(err)), -EINVAL);
    cs_image_clear(&img);
    free(file);
}
END_TEST

START_TEST(test_png_rejects_size_over_limit)
{
    static uint8_t rgb[20000 * 3];
    size_t len = 0;
    uint8_t *file = make_png(20000, 1, rgb, &len);
    cs_image img = { 0 };
    ck_assert_int_eq(cs_decode(&img, file, len, "image/png", err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "PNG: image size 20000x1 over the limit (16384x16384, 67108864 pixels)");
    ck_assert_ptr_null(img.data);
    free(file);
}
END_TEST

/* ---- the ABI glue, with a fake host --------------------------------------- */

struct gh_host {
    uint32_t width, height;
    const char *file;        /* what screenshot returns */
    size_t file_len;
    int screenshot_result;
    uint64_t now;
    char error[512];
};

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static uint64_t
fake_now_ns(gh_host *host)
{
    return host->now += 1000;
}

static void
fake_display_size(gh_host *host, uint32_t *w, uint32_t *h, uint32_t *hz)
{
    *w = host->width;
    *h = host->height;
    *hz = 60;
}

static int
fake_screenshot(gh_host *host, uint8_t **data, size_t *len, char **mime)
{
    if (host->screenshot_result < 0)
        return host->screenshot_result;
    *data = malloc(host->file_len);
    memcpy(*data, host->file, host->file_len);
    *len = host->file_len;
    *mime = strdup("image/x-portable-pixmap");
    return 0;
}

static const gh_host_services fake_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .now_ns = fake_now_ns,
    .set_error = fake_set_error,
    .display_size = fake_display_size,
    .screenshot = fake_screenshot,
};

static const gh_backend_factory *
screenshot_factory(void)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->n_factories, 1);
    return plugin->factories[0];
}

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->struct_size, sizeof(gh_plugin));
    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(plugin->abi_minor, GH_PLUGIN_ABI_MINOR);
    ck_assert_str_eq(plugin->name, "capture-screenshot");
    ck_assert_str_eq(plugin->license, "MIT");
    const gh_backend_factory *f = screenshot_factory();
    ck_assert_uint_eq(f->kind, GH_BACKEND_CAPTURE);
    ck_assert_str_eq(f->name, "capture.screenshot");
    ck_assert_ptr_nonnull(f->capture);
    ck_assert_ptr_nonnull(f->capture->grab);
    ck_assert_ptr_null(f->input);
    ck_assert_ptr_null(f->stream);
}
END_TEST

START_TEST(test_grab_fills_frame_and_counts_from_one)
{
    static const char ppm[] = "P6\n2 1\n255\n\x10\x20\x30\x40\x50\x60";
    gh_host host = { .width = 640, .height = 480, .file = ppm, .file_len = sizeof(ppm) - 1 };
    const gh_backend_factory *f = screenshot_factory();
    ck_assert_int_eq(f->probe(&host, &fake_services), 0);
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_ptr_nonnull(inst);

    gh_frame frame;
    ck_assert_int_eq(f->capture->grab(inst, &frame, 100), 0);
    ck_assert_uint_eq(frame.struct_size, sizeof(gh_frame));
    ck_assert_uint_eq(frame.format, GH_FORMAT_BGRX8888);
    ck_assert_uint_eq(frame.width, 2);
    ck_assert_uint_eq(frame.height, 1);
    ck_assert_uint_eq(frame.stride, 8);
    ck_assert_uint_eq(frame.n_damage, 0);
    ck_assert_ptr_null(frame.damage);
    ck_assert_uint_eq(frame.frame_number, 1);
    ck_assert_uint_eq(frame.timestamp_ns, 1000);
    ck_assert_uint_eq(frame.data[0], 0x30);
    ck_assert_int_eq(f->capture->grab(inst, &frame, 100), 0);
    ck_assert_uint_eq(frame.frame_number, 2);
    ck_assert_uint_eq(frame.timestamp_ns, 2000);
    f->capture->stop(inst);
    f->destroy(inst);
}
END_TEST

START_TEST(test_create_refuses_session_without_display)
{
    gh_host host = { .width = 0, .height = 0 };
    const gh_backend_factory *f = screenshot_factory();
    ck_assert_ptr_null(f->create(&host, &fake_services));
    ck_assert_str_eq(host.error, "capture.screenshot: the session has no display to screenshot");
}
END_TEST

START_TEST(test_create_reads_nothing_past_the_hosts_table)
{
    /* A host whose table ends before display_size: the members past its
     * struct_size read as absent, so create refuses instead of calling them. */
    gh_host_services old = fake_services;
    old.struct_size = offsetof(gh_host_services, display_size);
    gh_host host = { .width = 640, .height = 480 };
    ck_assert_ptr_null(screenshot_factory()->create(&host, &old));
    ck_assert_str_eq(host.error, "capture.screenshot: the host offers no screenshot or clock service");
}
END_TEST

START_TEST(test_grab_reports_bad_screenshot)
{
    static const char ppm[] = "P6\n2 2\n255\n\x01";
    gh_host host = { .width = 640, .height = 480, .file = ppm, .file_len = sizeof(ppm) - 1 };
    const gh_backend_factory *f = screenshot_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    gh_frame frame;
    ck_assert_int_eq(f->capture->grab(inst, &frame, 100), -EINVAL);
    ck_assert_str_eq(host.error, "capture.screenshot: PPM: pixel data truncated: 1 of 12 bytes for 2x2");
    host.screenshot_result = -EIO;
    host.error[0] = '\0';
    ck_assert_int_eq(f->capture->grab(inst, &frame, 100), -EIO);
    ck_assert_str_eq(host.error, "");
    f->destroy(inst);
}
END_TEST

static Suite *
capture_screenshot_suite(void)
{
    Suite *s = suite_create("capture-screenshot");
    TCase *tc = tcase_create("ppm");
    tcase_add_test(tc, test_ppm_converts_rgb_to_bgrx);
    tcase_add_test(tc, test_ppm_accepts_comments_and_any_whitespace_in_header);
    tcase_add_test(tc, test_ppm_rejects_truncated_pixel_data);
    tcase_add_test(tc, test_ppm_rejects_trailing_bytes);
    tcase_add_test(tc, test_ppm_rejects_dimension_over_limit);
    tcase_add_test(tc, test_ppm_rejects_pixel_count_over_limit);
    tcase_add_test(tc, test_ppm_rejects_size_that_overflows_32_bits);
    tcase_add_test(tc, test_ppm_rejects_zero_size);
    tcase_add_test(tc, test_ppm_rejects_maxval_other_than_255);
    tcase_add_test(tc, test_ppm_rejects_truncated_header);
    tcase_add_test(tc, test_ppm_rejects_garbage_in_header);
    tcase_add_test(tc, test_decode_rejects_other_formats);
    tcase_add_test(tc, test_decode_reuses_buffer_until_size_changes);
    suite_add_tcase(s, tc);

    tc = tcase_create("png");
    tcase_add_test(tc, test_png_converts_to_bgrx);
    tcase_add_test(tc, test_png_rejects_truncated_file);
    tcase_add_test(tc, test_png_rejects_size_over_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("plugin");
    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_grab_fills_frame_and_counts_from_one);
    tcase_add_test(tc, test_create_refuses_session_without_display);
    tcase_add_test(tc, test_create_reads_nothing_past_the_hosts_table);
    tcase_add_test(tc, test_grab_reports_bad_screenshot);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(capture_screenshot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
