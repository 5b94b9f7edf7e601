/* png-probe: what the e2e tests read out of a captured frame.
 *
 *   png-probe FILE.png RRGGBB [X0 Y0 X1 Y1]
 *
 * prints "WIDTHxHEIGHT count=N bbox=X0,Y0-X1,Y1" for the pixels of exactly
 * that colour inside the (inclusive) region, the whole image by default;
 * bbox is "none" when there are none.  Exit 1 when the file is not a PNG. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    png_image img;
    unsigned long colour;
    long x0 = 0, y0 = 0, x1 = -1, y1 = -1, minx = -1, miny = -1, maxx = -1, maxy = -1, count = 0;
    png_bytep buf;

    if (argc != 3 && argc != 7) {
        fprintf(stderr, "usage: png-probe FILE.png RRGGBB [X0 Y0 X1 Y1]\n");
        return 2;
    }
    colour = strtoul(argv[2], NULL, 16);
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, argv[1])) {
        fprintf(stderr, "png-probe: %s: %s\n", argv[1], img.message);
        return 1;
    }
    img.format = PNG_FORMAT_RGB;
    buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        fprintf(stderr, "png-probe: %s: %s\n", argv[1], img.message);
        return 1;
    }
    if (argc == 7) {
        x0 = atol(argv[3]), y0 = atol(argv[4]), x1 = atol(argv[5]), y1 = atol(argv[6]);
    } else {
        x1 = img.width - 1, y1 = img.height - 1;
    }
    for (long y = y0; y <= y1 && y < (long)img.height; y++)
        for (long x = x0; x <= x1 && x < (long)img.width; x++) {
            png_bytep p = buf + (y * img.width + x) * 3;
            if (((unsigned long)p[0] << 16 | p[1] << 8 | p[2]) != colour)
                continue;
            count++;
            minx = minx < 0 || x < minx ? x : minx;
            miny = miny < 0 || y < miny ? y : miny;
            maxx = x > maxx ? x : maxx;
            maxy = y > maxy ? y : maxy;
        }
    if (count)
        printf("%ux%u count=%ld bbox=%ld,%ld-%ld,%ld\n", img.width, img.height, count, minx, miny, maxx, maxy);
    else
        printf("%ux%u count=0 bbox=none\n", img.width, img.height);
    free(buf);
    return 0;
}
