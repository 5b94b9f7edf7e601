/* png-probe: what the e2e tests read out of a captured frame.
 *
 *   png-probe FILE.png RRGGBB [X0 Y0 X1 Y1]
 *       prints "WIDTHxHEIGHT count=N bbox=X0,Y0-X1,Y1" for the pixels of
 *       exactly that colour inside the (inclusive) region, the whole image
 *       by default; bbox is "none" when there are none.
 *   png-probe --colours FILE.png [X0 Y0 X1 Y1]
 *       prints "WIDTHxHEIGHT colours=N" (distinct RGB values in the region)
 *   png-probe --diff[=TOL] A.png B.png [X0 Y0 X1 Y1]
 *       prints "WIDTHxHEIGHT differing=N of M": pixels of the region whose
 *       colour differs between two frames of the same size, by more than
 *       TOL (0..255, default 0) in some channel: a tolerance for frames
 *       that went through a lossy video codec
 *
 * Exit 1 when a file is not a PNG (or the sizes differ for --diff). */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    png_image img;
    png_bytep rgb;
} probe_png;

typedef struct {
    long x0, y0, x1, y1;
} probe_region;

static int
probe_load(const char *path, probe_png *p)
{
    memset(p, 0, sizeof *p);
    p->img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&p->img, path)) {
        fprintf(stderr, "png-probe: %s: %s\n", path, p->img.message);
        return -1;
    }
    p->img.format = PNG_FORMAT_RGB;
    p->rgb = malloc(PNG_IMAGE_SIZE(p->img));
    if (!p->rgb || !png_image_finish_read(&p->img, NULL, p->rgb, 0, NULL)) {
        fprintf(stderr, "png-probe: %s: %s\n", path, p->img.message);
        return -1;
    }
    return 0;
}

/* The region given by argv[0..3] (inclusive, clipped to the image), or the
 * whole image when there are no arguments left. */
static probe_region
probe_region_of(const probe_png *p, int argc, char **argv)
{
    probe_region r = { 0, 0, (long)p->img.width - 1, (long)p->img.height - 1 };
    if (argc >= 4) {
        r.x0 = atol(argv[0]), r.y0 = atol(argv[1]);
        r.x1 = atol(argv[2]), r.y1 = atol(argv[3]);
    }
    if (r.x0 < 0)
        r.x0 = 0;
    if (r.y0 < 0)
        r.y0 = 0;
    if (r.x1 >= (long)p->img.width)
        r.x1 = (long)p->img.width - 1;
    if (r.y1 >= (long)p->img.height)
        r.y1 = (long)p->img.height - 1;
    return r;
}

static int
probe_channel_gap(unsigned long a, unsigned long b)
{
    int gap = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
        int d = (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);
        d = d < 0 ? -d : d;
        gap = d > gap ? d : gap;
    }
    return gap;
}

static unsigned long
probe_pixel(const probe_png *p, long x, long y)
{
    png_bytep px = p->rgb + (y * p->img.width + x) * 3;
    return (unsigned long)px[0] << 16 | px[1] << 8 | px[2];
}

static int
probe_count(int argc, char **argv)
{
    probe_png p;
    long minx = -1, miny = -1, maxx = -1, maxy = -1, count = 0;
    unsigned long colour = strtoul(argv[1], NULL, 16);

    if (probe_load(argv[0], &p) < 0)
        return 1;
    probe_region r = probe_region_of(&p, argc - 2, argv + 2);
    for (long y = r.y0; y <= r.y1; y++)
        for (long x = r.x0; x <= r.x1; x++) {
            if (probe_pixel(&p, x, y) != colour)
                continue;
            count++;
            minx = minx < 0 || x < minx ? x : minx;
            miny = miny < 0 || y < miny ? y : miny;
            maxx = x > maxx ? x : maxx;
            maxy = y > maxy ? y : maxy;
        }
    if (count)
        printf("%ux%u count=%ld bbox=%ld,%ld-%ld,%ld\n", p.img.width, p.img.height, count, minx, miny, maxx,
               maxy);
    else
        printf("%ux%u count=0 bbox=none\n", p.img.width, p.img.height);
    free(p.rgb);
    return 0;
}

static int
probe_colours(int argc, char **argv)
{
    probe_png p;
    long colours = 0;

    if (probe_load(argv[0], &p) < 0)
        return 1;
    /* One bit per possible RGB value: 2 MiB, and no sorting. */
    unsigned char *seen = calloc(1u << 21, 1);
    if (!seen)
        return 1;
    probe_region r = probe_region_of(&p, argc - 1, argv + 1);
    for (long y = r.y0; y <= r.y1; y++)
        for (long x = r.x0; x <= r.x1; x++) {
            unsigned long c = probe_pixel(&p, x, y);
            if (!(seen[c >> 3] & (1u << (c & 7)))) {
                seen[c >> 3] |= (unsigned char)(1u << (c & 7));
                colours++;
            }
        }
    printf("%ux%u colours=%ld\n", p.img.width, p.img.height, colours);
    free(seen);
    free(p.rgb);
    return 0;
}

static int
probe_diff(int tolerance, int argc, char **argv)
{
    probe_png a, b;
    long differing = 0, total = 0;

    if (probe_load(argv[0], &a) < 0 || probe_load(argv[1], &b) < 0)
        return 1;
    if (a.img.width != b.img.width || a.img.height != b.img.height) {
        fprintf(stderr, "png-probe: %ux%u and %ux%u differ in size\n", a.img.width, a.img.height, b.img.width,
                b.img.height);
        return 1;
    }
    probe_region r = probe_region_of(&a, argc - 2, argv + 2);
    for (long y = r.y0; y <= r.y1; y++)
        for (long x = r.x0; x <= r.x1; x++) {
            total++;
            differing += probe_channel_gap(probe_pixel(&a, x, y), probe_pixel(&b, x, y)) > tolerance;
        }
    printf("%ux%u differing=%ld of %ld\n", a.img.width, a.img.height, differing, total);
    free(a.rgb);
    free(b.rgb);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--colours") == 0 && (argc == 3 || argc == 7))
        return probe_colours(argc - 2, argv + 2);
    if (argc >= 4 && strncmp(argv[1], "--diff", 6) == 0 && (argc == 4 || argc == 8)) {
        int tolerance = argv[1][6] == '=' ? atoi(argv[1] + 7) : 0;
        if ((argv[1][6] != '\0' && argv[1][6] != '=') || tolerance < 0 || tolerance > 255) {
            fprintf(stderr, "png-probe: %s: the tolerance is 0..255\n", argv[1]);
            return 2;
        }
        return probe_diff(tolerance, argc - 2, argv + 2);
    }
    if (argc == 3 || argc == 7)
        return probe_count(argc - 1, argv + 1);
    fprintf(stderr, "usage: png-probe FILE.png RRGGBB [X0 Y0 X1 Y1]\n"
                    "       png-probe --colours FILE.png [X0 Y0 X1 Y1]\n"
                    "       png-probe --diff[=TOL] A.png B.png [X0 Y0 X1 Y1]\n");
    return 2;
}
