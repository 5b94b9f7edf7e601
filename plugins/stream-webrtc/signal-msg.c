/* signal-msg: see signal-msg.h.  Every refusal names the message type and
 * the member at fault, so a browser developer can tell what to fix; a
 * value the browser sent is echoed only when it is short and printable. */
#include "signal-msg.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#define SW_TYPE_ECHO_MAX 32u

static const struct {
    uint32_t codec;
    const char *name;
} sw_codecs[] = {
    { SW_CODEC_H264, "H264" },
    { SW_CODEC_VP8, "VP8" },
};

const char *
sw_codec_name(uint32_t codec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(sw_codecs); i++)
        if (sw_codecs[i].codec == codec)
            return sw_codecs[i].name;
    return "none";
}

/* "H264" or "video/H264" (a mimeType of RTCRtpReceiver.getCapabilities), any
 * case; names the host does not encode (VP9, AV1, rtx, red) count as none. */
static uint32_t
sw_codec_from_name(const char *name)
{
    if (g_ascii_strncasecmp(name, "video/", 6) == 0)
        name += 6;
    for (size_t i = 0; i < G_N_ELEMENTS(sw_codecs); i++)
        if (g_ascii_strcasecmp(name, sw_codecs[i].name) == 0)
            return sw_codecs[i].codec;
    return 0;
}

static gboolean
sw_printable(const char *s, size_t max)
{
    size_t len = strlen(s);

    if (len == 0 || len > max)
        return FALSE;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isprint(s[i]) || s[i] == '\'' || s[i] == '\\')
            return FALSE;
    return TRUE;
}

/* A member that is a JSON string, or NULL. */
static const char *
sw_string_member(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

static int
sw_fail(char **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int
sw_fail(char **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Without codecs the browser said nothing: WebRTC makes both H264 and VP8
 * mandatory to implement in browsers (RFC 7742), so either will do. */
static int
sw_parse_hello(JsonObject *obj, sw_msg *msg, char **error)
{
    JsonNode *node = json_object_get_member(obj, "codecs");
    JsonArray *codecs;

    if (!node) {
        msg->codecs = SW_CODEC_H264 | SW_CODEC_VP8;
        return 0;
    }
    if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(codecs = json_node_get_array(node)) > SW_CODECS_MAX)
        return sw_fail(error, "hello: codecs must be an array of at most %u strings", SW_CODECS_MAX);
    for (guint i = 0; i < json_array_get_length(codecs); i++) {
        JsonNode *c = json_array_get_element(codecs, i);

        if (!JSON_NODE_HOLDS_VALUE(c) || json_node_get_value_type(c) != G_TYPE_STRING)
            return sw_fail(error, "hello: codecs must be an array of at most %u strings", SW_CODECS_MAX);
        msg->codecs |= sw_codec_from_name(json_node_get_string(c));
    }
    return 0;
}

static int
sw_parse_answer(JsonObject *obj, sw_msg *msg, char **error)
{
    const char *sdp = sw_string_member(obj, "sdp");

    if (!sdp || !*sdp)
        return sw_fail(error, "answer: sdp must be a non-empty string");
    msg->sdp = g_strdup(sdp);
    return 0;
}

static int
sw_parse_ice(JsonObject *obj, uint32_t n_mlines, sw_msg *msg, char **error)
{
    const char *candidate = sw_string_member(obj, "candidate");
    JsonNode *index = json_object_get_member(obj, "sdpMLineIndex");
    gint64 mline;

    if (!candidate)
        return sw_fail(error, "ice: candidate must be a string");
    if (strlen(candidate) > SW_CANDIDATE_MAX)
        return sw_fail(error, "ice: candidate is longer than %u bytes", SW_CANDIDATE_MAX);
    /* An integer in JSON: 1.0, "1", true and null are not. */
    if (!index || !JSON_NODE_HOLDS_VALUE(index) || json_node_get_value_type(index) != G_TYPE_INT64 ||
        (mline = json_node_get_int(index)) < 0 || mline >= (gint64)n_mlines)
        return sw_fail(error, "ice: sdpMLineIndex must be a whole number from 0 to %u", n_mlines ? n_mlines - 1 : 0);
    msg->candidate = g_strdup(candidate);
    msg->mline = (uint32_t)mline;
    return 0;
}

/* A JSON boolean, nothing else: 1, "true" and null would hide a client's
 * bug, and the microphone is not to be switched on by accident. */
static int
sw_parse_mic(JsonObject *obj, sw_msg *msg, char **error)
{
    JsonNode *on = json_object_get_member(obj, "on");

    if (!on || !JSON_NODE_HOLDS_VALUE(on) || json_node_get_value_type(on) != G_TYPE_BOOLEAN)
        return sw_fail(error, "mic: on must be true or false");
    msg->on = json_node_get_boolean(on);
    return 0;
}

int
sw_msg_parse(const char *text, uint32_t n_mlines, sw_msg *msg, char **error)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    JsonNode *root;
    JsonObject *obj;
    const char *type;
    int rc;

    memset(msg, 0, sizeof(*msg));
    if (!text || !json_parser_load_from_data(parser, text, -1, NULL) || !(root = json_parser_get_root(parser)) ||
        !JSON_NODE_HOLDS_OBJECT(root))
        return sw_fail(error, "a signaling message must be a JSON object");
    obj = json_node_get_object(root);
    if (!(type = sw_string_member(obj, "type")))
        return sw_fail(error, "a signaling message needs a string member \"type\"");
    if (strcmp(type, "hello") == 0) {
        msg->type = SW_MSG_HELLO;
        rc = sw_parse_hello(obj, msg, error);
    } else if (strcmp(type, "answer") == 0) {
        msg->type = SW_MSG_ANSWER;
        rc = sw_parse_answer(obj, msg, error);
    } else if (strcmp(type, "ice") == 0) {
        msg->type = SW_MSG_ICE;
        rc = sw_parse_ice(obj, n_mlines, msg, error);
    } else if (strcmp(type, "keyframe") == 0) {
        msg->type = SW_MSG_KEYFRAME;
        rc = 0;
    } else if (strcmp(type, "mic") == 0) {
        msg->type = SW_MSG_MIC;
        rc = sw_parse_mic(obj, msg, error);
    } else if (sw_printable(type, SW_TYPE_ECHO_MAX)) {
        rc = sw_fail(error, "unknown message type '%s'", type);
    } else {
        rc = sw_fail(error, "unknown message type");
    }
    if (rc < 0)
        sw_msg_clear(msg);
    return rc;
}

void
sw_msg_clear(sw_msg *msg)
{
    g_clear_pointer(&msg->sdp, g_free);
    g_clear_pointer(&msg->candidate, g_free);
}

int
sw_codec_choose(uint32_t browser, uint32_t available, uint32_t *codec, char **error)
{
    g_autoptr(GString) host = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(sw_codecs); i++) {
        if (browser & available & sw_codecs[i].codec) {
            *codec = sw_codecs[i].codec;
            return 0;
        }
        if (available & sw_codecs[i].codec)
            g_string_append_printf(host, "%s%s", host->len ? ", " : "", sw_codecs[i].name);
    }
    if (!host->len)
        return sw_fail(error, "hello: this host has no video encoder (x264enc or vp8enc) installed");
    return sw_fail(error, "hello: no codec in common; this host sends %s", host->str);
}

static char *
sw_build(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

char *
sw_msg_offer(const char *sdp, uint32_t codec)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "offer");
    json_builder_set_member_name(b, "sdp");
    json_builder_add_string_value(b, sdp);
    json_builder_set_member_name(b, "codec");
    json_builder_add_string_value(b, sw_codec_name(codec));
    json_builder_end_object(b);
    return sw_build(b);
}

char *
sw_msg_ice(const char *candidate, uint32_t mline)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "ice");
    json_builder_set_member_name(b, "candidate");
    json_builder_add_string_value(b, candidate);
    json_builder_set_member_name(b, "sdpMLineIndex");
    json_builder_add_int_value(b, mline);
    json_builder_end_object(b);
    return sw_build(b);
}

char *
sw_msg_error(const char *message)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "error");
    json_builder_set_member_name(b, "message");
    json_builder_add_string_value(b, message);
    json_builder_end_object(b);
    return sw_build(b);
}

char *
sw_msg_rumble(uint32_t pad, uint32_t strong, uint32_t weak)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "rumble");
    json_builder_set_member_name(b, "pad");
    json_builder_add_int_value(b, pad);
    json_builder_set_member_name(b, "strong");
    json_builder_add_int_value(b, strong);
    json_builder_set_member_name(b, "weak");
    json_builder_add_int_value(b, weak);
    json_builder_end_object(b);
    return sw_build(b);
}

char *
sw_msg_pad(uint32_t pad, gboolean attached, int32_t led)
{
    g_autoptr(JsonBuilder) b = json_builder_new_immutable();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "pad");
    json_builder_set_member_name(b, "pad");
    json_builder_add_int_value(b, pad);
    json_builder_set_member_name(b, "attached");
    json_builder_add_boolean_value(b, attached);
    json_builder_set_member_name(b, "led");
    if (led >= 0)
        json_builder_add_int_value(b, led);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    return sw_build(b);
}
