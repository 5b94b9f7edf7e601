/* stream-peer-fake: an interactive stream backend for tests,
 * "stream.peerfake" (ABI 1.2 peer ops).  It answers each player's
 * signaling message according to its "type":
 *
 *   {"type":"input","events":[...]}  hands {"events":[...]} to
 *                    host->peer_input and replies {"type":"input-result","rc":N}
 *   {"type":"refuse"}   peer_message fails: -EINVAL, "the fake refused the message"
 *   {"type":"close-me"} host->peer_close(peer, "closed by the fake")
 *   {"type":"big"}      signal_send of a message one byte over the limit;
 *                       replies {"type":"big-result","rc":N}
 *   {"type":"ghost"}    signal_send to peer 4000000000 (never opened);
 *                       replies {"type":"ghost-result","rc":N}
 *   anything else       sent back unchanged (signal_send)
 *
 * Pad feedback (ABI 1.4) goes to the peer it is for as
 * {"type":"pad-feedback","kind":K,"pad":P,"strong":S,"weak":W,"led":L}.
 *
 * Option refuse_peers=1: peer_open refuses every player.  Option greet=1:
 * peer_open sends {"type":"greeting"} to the new peer (signal_send).  At
 * destroy, which the ABI lets call the services, it sends to and hands
 * input from the last peer opened, recording what they return.  The state
 * is process-wide (stream-peer-fake.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gamehost/plugin-util.h>

#include "stream-peer-fake.h"

static StreamPeerFakeState own_state;
static StreamPeerFakeState *shared_state = &own_state;
#define state (*shared_state)

/* With STREAM_PEER_FAKE_STATE_ENV naming a file, the state lives in it,
 * so that a test reads what the backend did in a plugin worker process. */
__attribute__((constructor)) static void
peer_fake_map_state(void)
{
    const char *path = getenv(STREAM_PEER_FAKE_STATE_ENV);
    void *map;
    int fd;

    if (!path || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
        return;
    map = mmap(NULL, sizeof(StreamPeerFakeState), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map != MAP_FAILED)
        shared_state = map;
}

GH_PLUGIN_EXPORT StreamPeerFakeState *stream_peer_fake_state(void);
GH_PLUGIN_EXPORT StreamPeerFakeState *
stream_peer_fake_state(void)
{
    return &state;
}

struct gh_instance {
    gh_host *host;
    const gh_host_services *svc;
    int refuse_peers, greet;
    uint32_t open;                /* peers open now */
    uint32_t last_peer;           /* the last peer opened, 0: none */
};

static gh_instance *
fake_create(gh_host *host, const gh_host_services *svc)
{
    gh_instance *inst;
    const char *opt;

    if (!GH_STRUCT_HAS(svc, gh_host_services, peer_close) || svc->version < 3) {
        svc->set_error(host, "needs host services version 3");
        return NULL;
    }
    inst = calloc(1, sizeof(*inst));
    inst->host = host;
    inst->svc = svc;
    opt = svc->option(host, "refuse_peers");
    inst->refuse_peers = opt && atoi(opt);
    opt = svc->option(host, "greet");
    inst->greet = opt && atoi(opt);
    __atomic_add_fetch(&state.instances, 1, __ATOMIC_SEQ_CST);
    return inst;
}

static void
fake_destroy(gh_instance *inst)
{
    static const char input[] = "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":1}]}";

    if (inst->open)
        state.destroyed_with_open_peers = 1;
    if (inst->last_peer) {
        state.destroy_send_rc = inst->svc->signal_send(inst->host, inst->last_peer, "{\"type\":\"late\"}");
        state.destroy_input_rc = inst->svc->peer_input(inst->host, inst->last_peer, input, strlen(input));
        inst->svc->peer_close(inst->host, inst->last_peer, "late");
    }
    __atomic_sub_fetch(&state.instances, 1, __ATOMIC_SEQ_CST);
    free(inst);
}

static int
fake_push(gh_instance *inst, const gh_frame *frame)
{
    __atomic_add_fetch(&state.frames_pushed, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void
fake_keyframe(gh_instance *inst)
{
    state.keyframes++;
}

static int
fake_peer_open(gh_instance *inst, uint32_t peer, uint32_t flags)
{
    if (inst->refuse_peers) {
        inst->svc->set_error(inst->host, "players refused by option");
        return -EPERM;
    }
    if (state.opened < STREAM_PEER_FAKE_MAX_PEERS) {
        state.open_peers[state.opened] = peer;
        state.open_flags[state.opened] = flags;
    }
    state.opened++;
    inst->open++;
    inst->last_peer = peer;
    if (inst->greet)
        state.greet_rc = inst->svc->signal_send(inst->host, peer, "{\"type\":\"greeting\"}");
    return 0;
}

static void
fake_peer_close(gh_instance *inst, uint32_t peer)
{
    if (state.closed < STREAM_PEER_FAKE_MAX_PEERS)
        state.closed_peers[state.closed] = peer;
    state.closed++;
    inst->open--;
}

static void
reply_rc(gh_instance *inst, uint32_t peer, const char *type, int rc)
{
    char text[96];

    snprintf(text, sizeof text, "{\"type\":\"%s\",\"rc\":%d}", type, rc);
    inst->svc->signal_send(inst->host, peer, text);
}

static int
fake_peer_message(gh_instance *inst, uint32_t peer, const char *message)
{
    static const char input_prefix[] = "{\"type\":\"input\",";

    state.messages++;
    if (strncmp(message, input_prefix, strlen(input_prefix)) == 0) {
        /* {"type":"input",REST → {REST: the input in the shape peer_input takes. */
        size_t len = strlen(message) - strlen(input_prefix) + 1;
        char *json = malloc(len + 1);
        json[0] = '{';
        memcpy(json + 1, message + strlen(input_prefix), len);
        /* Passed as len bytes: the host must not need the NUL. */
        reply_rc(inst, peer, "input-result", inst->svc->peer_input(inst->host, peer, json, len));
        free(json);
        return 0;
    }
    if (strcmp(message, "{\"type\":\"refuse\"}") == 0) {
        inst->svc->set_error(inst->host, "the fake refused the message");
        return -EINVAL;
    }
    if (strcmp(message, "{\"type\":\"close-me\"}") == 0) {
        inst->svc->peer_close(inst->host, peer, "closed by the fake");
        return 0;
    }
    if (strcmp(message, "{\"type\":\"big\"}") == 0) {
        char *big = malloc(GH_SIGNAL_MAX_MESSAGE + 2);
        memset(big, 'x', GH_SIGNAL_MAX_MESSAGE + 1);
        big[GH_SIGNAL_MAX_MESSAGE + 1] = '\0';
        reply_rc(inst, peer, "big-result", inst->svc->signal_send(inst->host, peer, big));
        free(big);
        return 0;
    }
    if (strcmp(message, "{\"type\":\"ghost\"}") == 0) {
        reply_rc(inst, peer, "ghost-result", inst->svc->signal_send(inst->host, 4000000000u, "{\"type\":\"boo\"}"));
        return 0;
    }
    return inst->svc->signal_send(inst->host, peer, message);
}

static void
fake_pad_feedback(gh_instance *inst, uint32_t peer, const gh_pad_feedback *fb)
{
    char text[160];

    snprintf(text, sizeof text,
             "{\"type\":\"pad-feedback\",\"kind\":%u,\"pad\":%u,\"strong\":%u,\"weak\":%u,\"led\":%u}", fb->kind,
             fb->pad, fb->strong, fb->weak, fb->led);
    inst->svc->signal_send(inst->host, peer, text);
}

static const gh_stream_ops stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = fake_push,
    .request_keyframe = fake_keyframe,
    .peer_open = fake_peer_open,
    .peer_message = fake_peer_message,
    .peer_close = fake_peer_close,
    .pad_feedback = fake_pad_feedback,
};

static const gh_backend_factory stream_peerfake = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = "stream.peerfake",
    .description = "serves players: echoes, records, hands input on",
    .create = fake_create,
    .destroy = fake_destroy,
    .stream = &stream_ops,
};

static const gh_backend_factory *const factories[] = { &stream_peerfake };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "stream-peer-fake",
    .version = "1",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
