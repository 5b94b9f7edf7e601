/* usbpad-desc: a wired Xbox 360 controller's descriptors.  The layout is
 * the one a genuine Microsoft controller reports (lsusb -v of 045e:028e;
 * docs/gamepads.md lists it field by field).  Interfaces 1-3 drive nothing
 * here, but XInput checks that the pad looks whole, and each vendor
 * descriptor of type 0x21 is copied as the device has it. */
#include <string.h>

#include "usbpad-desc.h"

const uint8_t iq_usbpad_device_desc[18] = {
    18, 0x01,               /* bLength, DEVICE */
    0x00, 0x02,             /* bcdUSB 2.00 */
    0xff, 0xff, 0xff,       /* class, subclass, protocol: vendor specific */
    8,                      /* bMaxPacketSize0 */
    0x5e, 0x04, 0x8e, 0x02, /* idVendor 045e, idProduct 028e */
    0x14, 0x01,             /* bcdDevice 1.14 */
    1, 2, 3,                /* iManufacturer, iProduct, iSerialNumber */
    1,                      /* bNumConfigurations */
};

const uint8_t iq_usbpad_config_desc[153] = {
    9, 0x02, 153, 0,        /* CONFIGURATION, wTotalLength 153 */
    4, 1, 0,                /* 4 interfaces, bConfigurationValue 1, no string */
    0xa0, 0xfa,             /* bus powered with remote wakeup, 500 mA */

    /* Interface 0: the game pad (ff/5d/01), which xpad binds. */
    9, 0x04, 0, 0, 2, 0xff, 0x5d, 0x01, 0,
    17, 0x21, 0x00, 0x01, 0x01, 0x25, 0x81, 0x14, 0x00, 0x00, 0x00, 0x00, 0x13, 0x01, 0x08, 0x00, 0x00,
    7, 0x05, 0x81, 0x03, 0x20, 0x00, 4,     /* EP 1 IN interrupt, 32 bytes, 4 ms */
    7, 0x05, 0x01, 0x03, 0x20, 0x00, 8,     /* EP 1 OUT interrupt, 32 bytes, 8 ms */

    /* Interface 1: the headset port (ff/5d/03). */
    9, 0x04, 1, 0, 4, 0xff, 0x5d, 0x03, 0,
    27, 0x21, 0x00, 0x01, 0x01, 0x01, 0x82, 0x40, 0x01, 0x02, 0x20, 0x16, 0x83, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x16, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    7, 0x05, 0x82, 0x03, 0x20, 0x00, 2,
    7, 0x05, 0x02, 0x03, 0x20, 0x00, 4,
    7, 0x05, 0x83, 0x03, 0x20, 0x00, 64,
    7, 0x05, 0x03, 0x03, 0x20, 0x00, 16,

    /* Interface 2: the expansion port (ff/5d/02). */
    9, 0x04, 2, 0, 1, 0xff, 0x5d, 0x02, 0,
    9, 0x21, 0x00, 0x01, 0x01, 0x22, 0x84, 0x07, 0x00,
    7, 0x05, 0x84, 0x03, 0x20, 0x00, 16,

    /* Interface 3: the security interface (ff/fd/13), string 4. */
    9, 0x04, 3, 0, 0, 0xff, 0xfd, 0x13, 4,
    6, 0x41, 0x00, 0x01, 0x01, 0x03,
};

const IqUsbpadEndpoint iq_usbpad_endpoints[IQ_USBPAD_N_ENDPOINTS] = {
    { 0x81, 0, 4, 32 },  { 0x01, 0, 8, 32 },
    { 0x82, 1, 2, 32 },  { 0x02, 1, 4, 32 }, { 0x83, 1, 64, 32 }, { 0x03, 1, 16, 32 },
    { 0x84, 2, 16, 32 },
};

/* Index 0 is the language list (US English); the serial is what a
 * controller of the 2008 revision reports. */
static const char *const usbpad_strings[] = {
    NULL,
    "\xc2\xa9Microsoft Corporation",
    "Controller",
    "08FEC93",
    "Xbox Security Method 3, Version 1.00, \xc2\xa9 2005 Microsoft Corporation. All rights reserved.",
};

/* UTF-8 (ASCII and U+00A9 only, as above) to a USB string descriptor. */
static size_t
usbpad_string(const char *s, uint8_t *buf, size_t size)
{
    size_t n = 2;

    for (const unsigned char *p = (const unsigned char *)s; *p && n + 2 <= size && n + 2 <= 255; p++) {
        unsigned cp = *p;
        if (cp == 0xc2 && p[1]) /* the copyright sign, U+00A9 */
            cp = *++p;
        buf[n++] = (uint8_t)cp;
        buf[n++] = 0;
    }
    buf[0] = (uint8_t)n;
    buf[1] = 0x03;
    return n;
}

size_t
iq_usbpad_descriptor(uint16_t value, uint16_t index, uint8_t *buf, size_t size)
{
    uint8_t type = value >> 8, i = value & 0xff;

    switch (type) {
    case 0x01:
        if (i != 0 || size < sizeof iq_usbpad_device_desc)
            return 0;
        memcpy(buf, iq_usbpad_device_desc, sizeof iq_usbpad_device_desc);
        return sizeof iq_usbpad_device_desc;
    case 0x02:
        if (i != 0 || size < sizeof iq_usbpad_config_desc)
            return 0;
        memcpy(buf, iq_usbpad_config_desc, sizeof iq_usbpad_config_desc);
        return sizeof iq_usbpad_config_desc;
    case 0x03:
        if (size < 4 || i >= sizeof usbpad_strings / sizeof usbpad_strings[0])
            return 0;
        if (i == 0) {
            static const uint8_t langs[4] = { 4, 0x03, 0x09, 0x04 };
            memcpy(buf, langs, sizeof langs);
            return sizeof langs;
        }
        (void)index; /* every string in every language is the English one, as on the pad */
        return usbpad_string(usbpad_strings[i], buf, size);
    default:
        return 0;
    }
}
