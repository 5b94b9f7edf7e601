/* playout-delay: see playout-delay.h.  GStreamer 1.22 has no element for
 * this extension, so it is a GstRTPHeaderExtension of our own; it only
 * writes (the host never receives video), on every packet, as Chromium
 * takes the delay from any packet that carries it. */
#include "playout-delay.h"

typedef struct {
    GstRTPHeaderExtension parent;
    guint min_10ms, max_10ms;
} SwPlayoutDelay;

typedef struct {
    GstRTPHeaderExtensionClass parent_class;
} SwPlayoutDelayClass;

G_DEFINE_TYPE(SwPlayoutDelay, sw_playout_delay, GST_TYPE_RTP_HEADER_EXTENSION)

static GstRTPHeaderExtensionFlags
playout_delay_supported_flags(GstRTPHeaderExtension *ext)
{
    (void)ext;
    return GST_RTP_HEADER_EXTENSION_ONE_BYTE | GST_RTP_HEADER_EXTENSION_TWO_BYTE;
}

static gsize
playout_delay_max_size(GstRTPHeaderExtension *ext, const GstBuffer *meta)
{
    (void)ext;
    (void)meta;
    return SW_PLAYOUT_DELAY_SIZE;
}

static gssize
playout_delay_write(GstRTPHeaderExtension *ext, const GstBuffer *meta, GstRTPHeaderExtensionFlags flags,
                    GstBuffer *output, guint8 *data, gsize size)
{
    SwPlayoutDelay *pd = (SwPlayoutDelay *)ext;

    (void)meta;
    (void)flags;
    (void)output;
    if (size < SW_PLAYOUT_DELAY_SIZE)
        return -1;
    data[0] = (guint8)(pd->min_10ms >> 4);
    data[1] = (guint8)(((pd->min_10ms & 0xfu) << 4) | (pd->max_10ms >> 8));
    data[2] = (guint8)(pd->max_10ms & 0xffu);
    return SW_PLAYOUT_DELAY_SIZE;
}

/* Never negotiated for receiving; a packet that has it is left as it is. */
static gboolean
playout_delay_read(GstRTPHeaderExtension *ext, GstRTPHeaderExtensionFlags flags, const guint8 *data, gsize size,
                   GstBuffer *buffer)
{
    (void)ext;
    (void)flags;
    (void)data;
    (void)buffer;
    return size == SW_PLAYOUT_DELAY_SIZE;
}

static gboolean
playout_delay_caps_from_attributes(GstRTPHeaderExtension *ext, GstCaps *caps)
{
    return gst_rtp_header_extension_set_caps_from_attributes_helper(ext, caps, "");
}

static void
sw_playout_delay_class_init(SwPlayoutDelayClass *klass)
{
    GstRTPHeaderExtensionClass *ext_class = GST_RTP_HEADER_EXTENSION_CLASS(klass);

    ext_class->get_supported_flags = playout_delay_supported_flags;
    ext_class->get_max_size = playout_delay_max_size;
    ext_class->write = playout_delay_write;
    ext_class->read = playout_delay_read;
    ext_class->set_caps_from_attributes = playout_delay_caps_from_attributes;
    gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass), "Playout delay RTP header extension",
                                          GST_RTP_HDREXT_ELEMENT_CLASS, "Asks the receiver for a playout delay",
                                          "gamehost");
    gst_rtp_header_extension_class_set_uri(ext_class, SW_PLAYOUT_DELAY_URI);
}

static void
sw_playout_delay_init(SwPlayoutDelay *pd)
{
    (void)pd;
}

GstRTPHeaderExtension *
sw_playout_delay_new(guint min_10ms, guint max_10ms)
{
    SwPlayoutDelay *pd;

    g_return_val_if_fail(min_10ms <= max_10ms && max_10ms <= SW_PLAYOUT_DELAY_MAX, NULL);
    pd = g_object_new(sw_playout_delay_get_type(), NULL);
    pd->min_10ms = min_10ms;
    pd->max_10ms = max_10ms;
    return GST_RTP_HEADER_EXTENSION(pd);
}
