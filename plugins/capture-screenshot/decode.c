/* decode: screenshot files (PPM P6, PNG) into a reusable BGRX8888 buffer.
 * The PPM parser is our own and strict, because the bytes come from a VM's
 * display device through the host and a wrong size must never turn into an
 * overflow; PNG goes through libpng's simplified API, with the same limits
 * checked before we allocate. */
#include "decode.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

void
cs_image_clear(cs_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof(*img));
}

/* Checks the claimed size against the limits, then makes img hold exactly
 * width x height, keeping the buffer when the size is unchanged. */
static int
cs_image_reserve(cs_image *img, const char *what, uint64_t width, uint64_t height,
                 char *err, size_t err_size)
{
    if (width == 0 || height == 0) {
        snprintf(err, err_size, "%s: empty image (%llux%llu)", what,
                 (unsigned long long)width, (unsigned long long)height);
        return -EINVAL;
    }
    if (width > CS_MAX_DIMENSION || height > CS_MAX_DIMENSION || width * height > CS_MAX_PIXELS) {
        snprintf(err, err_size, "%s: image size %llux%llu over the limit (%ux%u, %u pixels)", what,
                 (unsigned long long)width, (unsigned long long)height,
                 CS_MAX_DIMENSION, CS_MAX_DIMENSION, CS_MAX_PIXELS);
        return -EINVAL;
    }
    if (img->data && img->width == width && img->height == height)
        return 0;

    size_t size = (size_t)width * (size_t)height * 4u;
    free(img->data);
    memset(img, 0, sizeof(*img));
    img->data = malloc(size);
    if (!img->data) {
        snprintf(err, err_size, "%s: cannot allocate %zu bytes for a %llux%llu frame", what, size,
                 (unsigned long long)width, (unsigned long long)height);
        return -ENOMEM;
    }
    img->size = size;
    img->width = (uint32_t)width;
    img->height = (uint32_t)height;
    img->stride = (uint32_t)width * 4u;
    return 0;
}

/* ---- PPM ---------------------------------------------------------------- */

static int
ppm_is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips whitespace and '#' comments (to the end of the line); at least one
 * whitespace character or comment is required before a header field. */
static int
ppm_skip_separator(const uint8_t *data, size_t len, size_t *pos)
{
    size_t start = *pos;
    while (*pos < len) {
        if (ppm_is_space(data[*pos])) {
            (*pos)++;
        } else if (data[*pos] == '#') {
            while (*pos < len && data[*pos] != '\n' && data[*pos] != '\r')
                (*pos)++;
        } else {
            break;
        }
    }
    return *pos > start ? 0 : -EINVAL;
}

/* A decimal field; anything over 10 digits is rejected before it can
 * overflow the 64-bit accumulator. */
static int
ppm_read_uint(const uint8_t *data, size_t len, size_t *pos, const char *field,
              uint64_t *value, char *err, size_t err_size)
{
    if (ppm_skip_separator(data, len, pos) < 0) {
        snprintf(err, err_size, "PPM: expected whitespace before %s at byte %zu", field, *pos);
        return -EINVAL;
    }
    if (*pos >= len) {
        snprintf(err, err_size, "PPM: header truncated before %s", field);
        return -EINVAL;
    }
    uint64_t v = 0;
    size_t digits = 0;
    while (*pos < len && data[*pos] >= '0' && data[*pos] <= '9') {
        if (++digits > 10) {
            snprintf(err, err_size, "PPM: %s has more than 10 digits", field);
            return -EINVAL;
        }
        v = v * 10u + (uint64_t)(data[*pos] - '0');
        (*pos)++;
    }
    if (digits == 0) {
        snprintf(err, err_size, "PPM: %s is not a number (byte 0x%02x at %zu)", field, data[*pos], *pos);
        return -EINVAL;
    }
    if (*pos >= len) {
        snprintf(err, err_size, "PPM: header truncated after %s", field);
        return -EINVAL;
    }
    *value = v;
    return 0;
}

int
cs_decode_ppm(cs_image *img, const uint8_t *data, size_t len, char *err, size_t err_size)
{
    size_t pos = 2;
    uint64_t width, height, maxval;
    int r;

    if (len < 2 || data[0] != 'P' || data[1] != '6') {
        snprintf(err, err_size, "PPM: not a P6 (binary RGB) file");
        return -EINVAL;
    }
    if ((r = ppm_read_uint(data, len, &pos, "width", &width, err, err_size)) < 0 ||
        (r = ppm_read_uint(data, len, &pos, "height", &height, err, err_size)) < 0 ||
        (r = ppm_read_uint(data, len, &pos, "maxval", &maxval, err, err_size)) < 0)
        return r;
    /* Exactly one whitespace character separates maxval from the raster. */
    if (!ppm_is_space(data[pos])) {
        snprintf(err, err_size, "PPM: expected one whitespace character after maxval at byte %zu", pos);
        return -EINVAL;
    }
    pos++;
    if (maxval != 255) {
        snprintf(err, err_size, "PPM: maxval %llu unsupported (only 255)", (unsigned long long)maxval);
        return -EINVAL;
    }
    if ((r = cs_image_reserve(img, "PPM", width, height, err, err_size)) < 0)
        return r;

    size_t need = (size_t)img->width * img->height * 3u;
    size_t have = len - pos;
    if (have < need) {
        snprintf(err, err_size, "PPM: pixel data truncated: %zu of %zu bytes for %ux%u", have, need,
                 img->width, img->height);
        return -EINVAL;
    }
    if (have > need) {
        snprintf(err, err_size, "PPM: %zu trailing bytes after the pixel data", have - need);
        return -EINVAL;
    }

    const uint8_t *src = data + pos;
    uint8_t *dst = img->data;
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n; i++, src += 3, dst += 4) {
        dst[0] = src[2];
        dst[1] = src[1];
        dst[2] = src[0];
        dst[3] = 0xff;
    }
    return 0;
}

/* ---- PNG ---------------------------------------------------------------- */

int
cs_decode_png(cs_image *img, const uint8_t *data, size_t len, char *err, size_t err_size)
{
    png_image png;
    int r;

    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, data, len)) {
        snprintf(err, err_size, "PNG: %s", png.message[0] ? png.message : "cannot read header");
        png_image_free(&png);
        return -EINVAL;
    }
    if ((r = cs_image_reserve(img, "PNG", png.width, png.height, err, err_size)) < 0) {
        png_image_free(&png);
        return r;
    }
    /* Byte order B, G, R, A: the alpha byte lands in BGRX's unused X. */
    png.format = PNG_FORMAT_BGRA;
    if (!png_image_finish_read(&png, NULL, img->data, (png_int_32)img->stride, NULL)) {
        snprintf(err, err_size, "PNG: %s", png.message[0] ? png.message : "cannot decode");
        png_image_free(&png);
        return -EINVAL;
    }
    return 0;
}

int
cs_decode(cs_image *img, const uint8_t *data, size_t len, const char *mime, char *err, size_t err_size)
{
    if (!img || !data) {
        snprintf(err, err_size, "no screenshot data");
        return -EINVAL;
    }
    if (len >= sizeof(png_signature) && memcmp(data, png_signature, sizeof(png_signature)) == 0)
        return cs_decode_png(img, data, len, err, err_size);
    if (len >= 2 && data[0] == 'P' && data[1] == '6')
        return cs_decode_ppm(img, data, len, err, err_size);
    if (len >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7') {
        snprintf(err, err_size, "screenshot is a netpbm P%c file; only P6 (binary RGB) is supported", data[1]);
        return -EINVAL;
    }
    snprintf(err, err_size, "screenshot of type '%s' (%zu bytes) is neither PPM (P6) nor PNG",
             mime ? mime : "unknown", len);
    return -EINVAL;
}
