/* stream-peer-fake: what the interactive stream backend of
 * tests/plugins/stream-peer-fake.c records, read by the API, session and
 * pipeline suites through the exported stream_peer_fake_state(). */
#pragma once

#include <stdint.h>
#include <gamehost/plugin.h>

#define STREAM_PEER_FAKE_MAX_PEERS 32u

typedef struct {
    int instances;                  /* live */
    uint32_t opened, closed;        /* peer_open accepted, peer_close heard */
    uint32_t open_peers[STREAM_PEER_FAKE_MAX_PEERS];   /* in order of peer_open */
    uint32_t open_flags[STREAM_PEER_FAKE_MAX_PEERS];
    uint32_t closed_peers[STREAM_PEER_FAKE_MAX_PEERS]; /* in order of peer_close */
    uint32_t messages;              /* peer_message calls */
    uint32_t keyframes;             /* request_keyframe calls */
    uint64_t frames_pushed;
    int destroyed_with_open_peers;  /* destroy came while a peer was still open */
    int greet_rc;                   /* signal_send of the greeting from peer_open (option greet=1) */
    int destroy_send_rc;            /* from destroy, to the last peer opened (0: none opened) */
    int destroy_input_rc;
} StreamPeerFakeState;

typedef StreamPeerFakeState *(*StreamPeerFakeStateFn)(void);
#define STREAM_PEER_FAKE_STATE_SYMBOL "stream_peer_fake_state"
/* A file of sizeof(StreamPeerFakeState) zero bytes: the state is kept
 * there (mapped shared) when this names it as the plugin loads. */
#define STREAM_PEER_FAKE_STATE_ENV "GH_TEST_PEER_FAKE_STATE"
