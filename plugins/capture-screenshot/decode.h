/* decode: the pure part of capture-screenshot.  Turns the image file the
 * host's screenshot service returns (PPM P6 or PNG) into a BGRX8888 buffer
 * that is owned by the caller and reused from one screenshot to the next.
 * No plugin ABI here, so the unit tests link it on its own. */
#ifndef GH_CS_DECODE_H
#define GH_CS_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Limits on what a screenshot may claim to be, checked before anything is
 * allocated: a hostile or corrupt header cannot make us allocate more than
 * CS_MAX_PIXELS * 4 bytes (256 MiB). */
#define CS_MAX_DIMENSION 16384u
#define CS_MAX_PIXELS    (64u * 1024u * 1024u)

typedef struct cs_image {
    uint8_t *data;           /* height * stride bytes, BGRX8888 */
    size_t size;             /* bytes allocated at data */
    uint32_t width, height;
    uint32_t stride;         /* width * 4 */
} cs_image;

/* Decodes one screenshot into img, reallocating img->data only when the
 * size changes.  The format is taken from the data's magic bytes; mime
 * (may be NULL) only names the file in messages.  Returns 0, or -EINVAL
 * (malformed, truncated, unsupported, over the limits) or -ENOMEM, with a
 * message in err.  On failure img keeps its buffer but its contents are
 * unspecified. */
int cs_decode(cs_image *img, const uint8_t *data, size_t len, const char *mime,
              char *err, size_t err_size);

/* The two decoders cs_decode chooses between. */
int cs_decode_ppm(cs_image *img, const uint8_t *data, size_t len, char *err, size_t err_size);
int cs_decode_png(cs_image *img, const uint8_t *data, size_t len, char *err, size_t err_size);

/* Frees the buffer; img may then be reused. */
void cs_image_clear(cs_image *img);

#endif /* GH_CS_DECODE_H */
