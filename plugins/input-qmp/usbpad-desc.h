/* usbpad-desc: the USB descriptors of a wired Xbox 360 controller
 * (045e:028e), byte for byte as the real device sends them, so that the
 * guest's own driver (Linux xpad, Windows' XInput) binds without help. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define IQ_USBPAD_VENDOR      0x045eu
#define IQ_USBPAD_PRODUCT     0x028eu
#define IQ_USBPAD_BCD_DEVICE  0x0114u
#define IQ_USBPAD_CONFIG      1u      /* bConfigurationValue */
#define IQ_USBPAD_INTERFACES  4u

/* The endpoints the game pad's interface 0 uses. */
#define IQ_USBPAD_EP_IN       0x81u   /* input reports, 20 bytes */
#define IQ_USBPAD_EP_OUT      0x01u   /* rumble and LED reports */
#define IQ_USBPAD_INTERVAL_MS 4u      /* EP_IN's bInterval at full speed */

/* The 18-byte device descriptor and the 153-byte configuration (its
 * four interfaces: the pad, the headset port, the expansion port and
 * Microsoft's security interface). */
extern const uint8_t iq_usbpad_device_desc[18];
extern const uint8_t iq_usbpad_config_desc[153];

/* One endpoint of the configuration, for usbredir's ep_info. */
typedef struct {
    uint8_t address;          /* with the direction bit */
    uint8_t interface;
    uint8_t interval;
    uint16_t max_packet;
} IqUsbpadEndpoint;
#define IQ_USBPAD_N_ENDPOINTS 7u
extern const IqUsbpadEndpoint iq_usbpad_endpoints[IQ_USBPAD_N_ENDPOINTS];

/* GET_DESCRIPTOR: wValue (type << 8 | index) and wIndex (the language of a
 * string).  Writes the descriptor into buf (size bytes, at least 255) and
 * returns its full length, or 0 when the device has no such descriptor
 * (the request then stalls, as on the real pad). */
size_t iq_usbpad_descriptor(uint16_t value, uint16_t index, uint8_t *buf, size_t size);
