/* SPDX-License-Identifier: MIT */
/* gamehost plugin SDK: the plugin ABI.
 *
 * A plugin is a shared object that exports one symbol, GH_PLUGIN_ENTRY
 * ("gamehost_plugin_query"), a function returning a pointer to a static,
 * const gh_plugin descriptor.  The descriptor lists backend factories of
 * three kinds:
 *
 *   capture  takes frames out of the session's VM;
 *   stream   encodes frames and sends them to the player (and may hand the
 *            player's input back to the host);
 *   input    puts input events into the VM;
 *   audio    (since 1.3) takes the VM's sound out as PCM for the stream
 *            backend, and puts the player's microphone into the VM.
 *
 * Since 1.4 feedback travels back the other way too: an input backend
 * reports what the guest sends its game pads (rumble, LEDs, plug and
 * unplug), and the host passes it to the stream backend for the player who
 * owns the pads.
 *
 * Versioning (the PipeWire SPA / OBS model).  The host loads a plugin only if
 * its abi_major equals GH_PLUGIN_ABI_MAJOR and its abi_minor is not newer
 * than the host's.  Every struct that crosses the ABI starts with its own
 * struct_size; the host copies at most the size it knows into zeroed memory,
 * so a plugin built against an older minor keeps working when structs grow
 * (new members read as 0/NULL, meaning "absent").  Ops tables carry a version
 * too; the host calls an op only when it is non-NULL.  Only fixed-width types
 * cross the ABI: no bool, no enums, no long.
 *
 * Threading.  The host calls probe/create/destroy, input ops,
 * request_keyframe and the peer_* and pad_feedback stream ops on its main
 * thread; capture ops and push_frame run on the session's pipeline thread.  Audio flows on the audio backend's own
 * thread: it calls audio_push there, and the host calls the stream's
 * push_audio on that same thread.
 * Host services may be called from the thread the host called the plugin on
 * (main or pipeline) and, where noted, from any thread.  A plugin never
 * blocks the main thread for long: slow work goes to its own threads.
 *
 * History.  1.0: the first ABI.  1.1: gh_host_services version 2 adds
 * session_dir; gh_frame gains input_events.  1.2: capture ops version 2 add
 * release (zero-copy grabs); stream ops version 2 add the peer_* ops of
 * interactive streams; gh_host_services version 3 adds signal_send,
 * peer_input and peer_close, the host side of the signal endpoint.  1.3:
 * sound.  A fourth backend kind, audio (gh_audio_ops, the factory's audio
 * member); gh_host_services version 4 adds dbus_socket, audio_format,
 * audio_push and mic_push; stream ops version 3 add push_audio.  1.4: game
 * pad feedback.  gh_host_services version 5 adds pad_socket and
 * pad_feedback; stream ops version 4 add pad_feedback; input ops version 2
 * add pad_stats.  A member marked "since 1.x" may
 * be absent from an older host's table or an older plugin's frame: check
 * struct_size (or version) before using it.
 *
 * Errors.  Functions return 0 or a negative errno (-EINVAL, -ENODEV, ...);
 * the plugin may first call host->set_error() with a message for people.
 *
 * Lifetimes.  The descriptor and everything it points to stay valid while
 * the plugin is loaded; the host never unloads a plugin while one of its
 * instances exists.  A gh_host handle is valid from create until destroy
 * returns.  Frames and event arrays passed to a plugin are borrowed for the
 * length of the call. */
#ifndef GAMEHOST_PLUGIN_H
#define GAMEHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <gamehost/input.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GH_PLUGIN_ABI_MAJOR 1u
#define GH_PLUGIN_ABI_MINOR 4u
#define GH_PLUGIN_ENTRY     "gamehost_plugin_query"

#if defined(__GNUC__)
#define GH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define GH_PLUGIN_EXPORT
#endif

/* Backend kinds (gh_backend_factory.kind). */
#define GH_BACKEND_CAPTURE 1u
#define GH_BACKEND_STREAM  2u
#define GH_BACKEND_INPUT   3u
#define GH_BACKEND_AUDIO   4u  /* since 1.3 */

/* Pixel formats (gh_frame.format): 32 bits per pixel, little-endian byte
 * order in memory as named (BGRX: byte 0 blue, byte 3 unused). */
#define GH_FORMAT_BGRX8888 1u
#define GH_FORMAT_RGBX8888 2u

/* Sample formats (gh_audio_chunk.format), since 1.3: interleaved,
 * little-endian. */
#define GH_AUDIO_S16LE 1u

/* Log levels (host->log). */
#define GH_LOG_ERROR   1u
#define GH_LOG_WARNING 2u
#define GH_LOG_INFO    3u
#define GH_LOG_DEBUG   4u

/* fd events (host->add_fd), as poll(2) spells them. */
#define GH_FD_IN  1u
#define GH_FD_OUT 4u
#define GH_FD_ERR 8u   /* only ever reported, never asked for */
#define GH_FD_HUP 16u  /* only ever reported, never asked for */

typedef struct gh_host gh_host;        /* the host's per-instance handle, opaque */
typedef struct gh_instance gh_instance;/* a backend instance, defined by the plugin */

typedef struct gh_rect {
    int32_t x, y;
    uint32_t width, height;
} gh_rect;

/* One frame, borrowed for the length of the call that passes it. */
typedef struct gh_frame {
    uint32_t struct_size;
    uint32_t format;         /* GH_FORMAT_* */
    uint32_t width, height;
    uint32_t stride;         /* bytes per row, >= width * 4 */
    uint32_t n_damage;       /* 0: the whole frame may have changed */
    uint64_t timestamp_ns;   /* host monotonic time of capture */
    uint64_t frame_number;   /* counts from 1 per session */
    const uint8_t *data;     /* height * stride bytes */
    const gh_rect *damage;   /* n_damage rectangles, or NULL */
    /* since 1.1 (read it only when struct_size covers it): the input events
     * the guest had applied when it drew this frame, as a relay producer
     * reports them (input-to-photon measurement); 0 when unknown. */
    uint64_t input_events;
} gh_frame;

/* Since 1.3: PCM, borrowed for the length of the call that passes it.  The
 * timestamp is on the clock of gh_frame.timestamp_ns (host monotonic), so
 * picture and sound can be put in sync and their offset measured. */
typedef struct gh_audio_chunk {
    uint32_t struct_size;
    uint32_t format;         /* GH_AUDIO_* */
    uint32_t rate;           /* frames per second (48000) */
    uint32_t channels;       /* 1 or 2 */
    uint32_t n_frames;       /* one frame is one sample per channel */
    uint32_t reserved;       /* 0 */
    uint64_t timestamp_ns;   /* host monotonic time of the first frame */
    const uint8_t *data;     /* n_frames * channels * 2 bytes (S16LE) */
} gh_audio_chunk;

/* Limits the host holds every chunk to (gh_host_services.audio_push,
 * mic_push): anything outside is refused with -EINVAL. */
#define GH_AUDIO_MIN_RATE     8000u
#define GH_AUDIO_MAX_RATE     192000u
#define GH_AUDIO_MAX_CHANNELS 2u
#define GH_AUDIO_MAX_FRAMES   16384u

/* Since 1.3: what an audio backend has done (gh_audio_ops.stats). */
typedef struct gh_audio_stats {
    uint32_t struct_size;
    uint32_t enabled;        /* 1 while the guest plays (its stream is on) */
    uint32_t muted;          /* 1 while the guest has muted its output */
    uint32_t volume;         /* the guest's output volume, 0..255 */
    uint64_t frames_out;     /* frames the guest played (delivered to audio_push) */
    uint64_t frames_in;      /* microphone frames the guest read */
    uint64_t underruns;      /* guest reads of the microphone answered short */
    uint64_t dropped;        /* frames dropped: microphone buffer full, or refused */
} gh_audio_stats;

/* Since 1.4: what the guest sent one of the session's game pads, or what
 * became of the pad (gh_host_services.pad_feedback, gh_stream_ops.pad_feedback). */
#define GH_PAD_ATTACHED 1u  /* the pad was plugged into the VM */
#define GH_PAD_DETACHED 2u  /* the pad was unplugged */
#define GH_PAD_RUMBLE   3u  /* the guest set the motors: strong, weak */
#define GH_PAD_LED      4u  /* the guest set the LEDs: led */

/* Rumble strengths run 0..GH_PAD_RUMBLE_MAX, as evdev's ff_rumble_effect
 * has them; a pad with coarser motors scales exactly (an Xbox 360 pad's
 * byte b is b * 257). */
#define GH_PAD_RUMBLE_MAX 65535u

typedef struct gh_pad_feedback {
    uint32_t struct_size;
    uint32_t kind;           /* GH_PAD_* */
    uint32_t pad;            /* 0..GH_INPUT_MAX_PADS-1, as in gh_input_event.device */
    uint32_t strong;         /* GH_PAD_RUMBLE: the low-frequency (left, heavy) motor */
    uint32_t weak;           /* GH_PAD_RUMBLE: the high-frequency (right, light) motor */
    uint32_t led;            /* GH_PAD_LED: the pad's own LED command (Xbox 360: 0..13) */
    uint64_t timestamp_ns;   /* host monotonic time the guest sent it; 0: the host stamps it */
} gh_pad_feedback;

/* Since 1.4: what an input backend did with one pad (gh_input_ops.pad_stats). */
typedef struct gh_pad_stats {
    uint32_t struct_size;
    uint32_t attached;       /* 1 while the pad is plugged into the VM */
    uint64_t reports;        /* input reports delivered to the VM */
    uint64_t coalesced;      /* state changes merged into a later report (events came faster than the pad's polling) */
    uint64_t dropped;        /* reports dropped because the VM was not reading them */
    uint64_t out_reports;    /* reports the guest sent the pad (rumble, LEDs) */
    uint64_t out_malformed;  /* of those, malformed or unknown ones (ignored) */
} gh_pad_stats;

/* ---- host services --------------------------------------------------- */

#define GH_HOST_SERVICES_VERSION 5u /* 1: ABI 1.0; 2: 1.1, session_dir; 3: 1.2, signaling; 4: 1.3, sound; 5: 1.4, pads */

typedef int (*gh_timer_fn)(void *data);                       /* return 0 to stop */
typedef int (*gh_fd_fn)(int fd, uint32_t revents, void *data);/* return 0 to stop */

/* The table the host hands every instance at create; a plugin reaches the VM
 * and the host only through it.  Members added in later versions are at the
 * end; check struct_size (or version) before using them. */
typedef struct gh_host_services {
    uint32_t struct_size;
    uint32_t version;        /* GH_HOST_SERVICES_VERSION of the host */

    /* Any thread.  msg is copied. */
    void (*log)(gh_host *host, uint32_t level, const char *msg);
    /* Any thread: monotonic clock, nanoseconds. */
    uint64_t (*now_ns)(gh_host *host);
    /* Records why the last call failed; shown in the session's reason. */
    void (*set_error)(gh_host *host, const char *msg);

    /* Facts; the strings live as long as the instance. */
    const char *(*session_id)(gh_host *host);
    const char *(*image_id)(gh_host *host);
    /* An option given for this backend at session create, or NULL. */
    const char *(*option)(gh_host *host, const char *key);
    /* The display size of the session's console profile. */
    void (*display_size)(gh_host *host, uint32_t *width, uint32_t *height, uint32_t *refresh_hz);

    /* Main thread only: sources on the host's main loop.  Return an id > 0,
     * or 0 on error.  Removed automatically at destroy. */
    uint32_t (*add_timer)(gh_host *host, uint32_t interval_ms, gh_timer_fn fn, void *data);
    uint32_t (*add_fd)(gh_host *host, int fd, uint32_t events, gh_fd_fn fn, void *data);
    void (*remove_source)(gh_host *host, uint32_t id);

    /* Host-mediated VM access.  Any thread; each blocks until done.
     * screenshot: the current display as an image file (PPM or PNG, see
     * *mime), malloc'd, for the plugin to free(). */
    int (*screenshot)(gh_host *host, uint8_t **data, size_t *len, char **mime);
    /* Presses and releases the given evdev key codes together. */
    int (*send_keys)(gh_host *host, const uint32_t *codes, uint32_t n_codes, uint32_t hold_ms);
    /* A QMP command (one JSON object) to the VM's QEMU; *reply is the
     * reply, malloc'd, for the plugin to free(). */
    int (*qmp_command)(gh_host *host, const char *command, char **reply);
    /* Paths of the session's VNC socket and frame-relay memory, or NULL. */
    const char *(*vnc_socket)(gh_host *host);
    const char *(*relay_path)(gh_host *host);

    /* Main thread: a stream backend hands its player's input to the
     * session's input backend, which delivers what it can (see
     * gh_input_ops.send): events it cannot take are dropped and counted.
     * 0, or an error when none could be delivered (no input backend, or it
     * failed). */
    int (*submit_input)(gh_host *host, const gh_input_event *events, uint32_t n_events);

    /* ---- since 1.1 (services version 2) ---- */

    /* Any thread: the session's own directory on the host, for files the
     * plugin writes for the session (a recording).  It outlives the VM and
     * goes, with what is in it, when the session is deleted.  A plugin
     * picks plain file names inside it and never takes a path from an API
     * user (the daemon runs as root).  NULL if the session has none. */
    const char *(*session_dir)(gh_host *host);

    /* ---- since 1.2 (services version 3): the host side of interactive
     * streams (see the peer_* stream ops).  A peer is one player connected
     * to the session's signal endpoint (WebSocket /v1/sessions/{id}/signal);
     * the host numbers peers from 1 per session and never reuses a number. */

    /* Any thread: sends one text message (UTF-8, normally a JSON object;
     * copied) to the peer's signaling connection.  -ENOENT when the peer
     * is gone, -EMSGSIZE over GH_SIGNAL_MAX_MESSAGE bytes. */
    int (*signal_send)(gh_host *host, uint32_t peer, const char *message);
    /* Any thread: input a peer sent (a data channel message), as JSON in
     * the shape POST /v1/sessions/{id}/input takes ({"events":[...]}), len
     * bytes, not necessarily NUL-terminated.  The host validates it, takes
     * it only from the peer in control, and delivers it to the session's
     * input backend on the main loop, in order.  Returns the number of
     * events queued (>= 1; a "tap" counts as two); -EINVAL for malformed or out-of-range input and -EPERM for a peer not
     * in control: the whole message is dropped and counted, never passed
     * to the VM. */
    int (*peer_input)(gh_host *host, uint32_t peer, const char *json, size_t len);
    /* Any thread: ends a peer's signaling connection, with a reason shown
     * to the player (the host then calls peer_close). */
    void (*peer_close)(gh_host *host, uint32_t peer, const char *reason);

    /* ---- since 1.3 (services version 4): sound ---- */

    /* Any thread: the path of the VM's private D-Bus bus (QEMU's D-Bus
     * display and audio, org.qemu.Display1), or NULL when the VM has
     * none.  Only the uid QEMU runs as may connect. */
    const char *(*dbus_socket)(gh_host *host);
    /* Any thread: the format the session's audio backend delivers; 0, or
     * -ENODEV when the session has no sound (then stream video alone). */
    int (*audio_format)(gh_host *host, uint32_t *format, uint32_t *rate, uint32_t *channels);
    /* Audio backends, on their own thread: the VM's sound, in order, for
     * the stream backend (the host calls its push_audio before
     * returning).  0; -EINVAL for a chunk outside the GH_AUDIO_* limits or
     * not in the announced format (refused and counted, never passed on). */
    int (*audio_push)(gh_host *host, const gh_audio_chunk *chunk);
    /* Stream backends, any thread: a player's microphone for the VM.  Only
     * the peer in control feeds the microphone: -EPERM for another;
     * -ENODEV when the session's audio backend takes no microphone;
     * -EINVAL as for audio_push.  Otherwise the number of frames taken
     * (fewer than given when the backend's buffer is full; the rest are
     * dropped and counted).  Never blocks. */
    int (*mic_push)(gh_host *host, uint32_t peer, const gh_audio_chunk *chunk);

    /* ---- since 1.4 (services version 5): game pads ---- */

    /* Any thread: the path of the VM's USB redirection channel for pad
     * `pad` (a usb-redir device whose QEMU listens on this UNIX socket and
     * speaks the usbredir protocol), or NULL when the VM has none for that
     * pad.  A VM has them only when its console profile has a gamepad. */
    const char *(*pad_socket)(gh_host *host, uint32_t pad);
    /* Input backends, main thread: what the guest sent one of the
     * session's pads, or what became of it (fb->kind).  The host counts
     * it, shows it in the session, and passes it to the stream backend for
     * the peer in control before returning.  0; -EINVAL for an unknown
     * kind, a pad out of range, a rumble strength over GH_PAD_RUMBLE_MAX
     * or a struct_size short of gh_pad_feedback (nothing recorded, the
     * reason set as by set_error); -EPERM from another kind of backend or
     * another thread.  Only a rumble's strengths and an LED command's led
     * are read. */
    int (*pad_feedback)(gh_host *host, const gh_pad_feedback *fb);
} gh_host_services;

/* The largest signaling message either side may send, in bytes. */
#define GH_SIGNAL_MAX_MESSAGE 65536u

/* gh_stream_ops.peer_open flags. */
#define GH_PEER_CONTROL 1u  /* this peer's input is taken (others watch) */

/* ---- per-kind ops ------------------------------------------------------ */

#define GH_CAPTURE_OPS_VERSION 2u
typedef struct gh_capture_ops {
    uint32_t struct_size;
    uint32_t version;
    /* Required.  Pipeline thread.  Fills *frame (borrowed until the next
     * grab or stop) with the newest frame; -EAGAIN when none is ready yet.
     * timeout_ms bounds how long it may wait for one. */
    int (*grab)(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms);
    /* Optional.  Pipeline thread, before the first and after the last grab. */
    int (*start)(gh_instance *inst);
    void (*stop)(gh_instance *inst);

    /* ---- since 1.2 (ops version 2) ----
     * Optional.  Pipeline thread.  A backend with release may hand out a
     * frame in place (frame->data pointing into memory the producer goes
     * on writing, no copy); the host calls release once it and the stream
     * backend are done with that frame, before the next grab.  0: the
     * frame stayed intact the whole time; -ESTALE: it may have been
     * overwritten meanwhile, and the host discards what it made of it
     * (a PNG) or counts it (a frame already encoded). */
    int (*release)(gh_instance *inst, const gh_frame *frame);
} gh_capture_ops;

#define GH_STREAM_OPS_VERSION 4u
typedef struct gh_stream_ops {
    uint32_t struct_size;
    uint32_t version;
    /* Required.  Pipeline thread: one frame to encode and send. */
    int (*push_frame)(gh_instance *inst, const gh_frame *frame);
    /* Optional.  Main thread: a keyframe is wanted (a player joined). */
    void (*request_keyframe)(gh_instance *inst);

    /* ---- since 1.2 (ops version 2): interactive streams ----
     * A backend with peer_open serves players who connect to the session's
     * signal endpoint; the host relays their signaling messages (text,
     * at most GH_SIGNAL_MAX_MESSAGE bytes, a JSON object with a string
     * "type") to peer_message and sends the backend's with signal_send.
     * While a backend has peer_open, the host pumps frames to it only
     * while at least one peer is open.  All three on the main thread. */
    /* A player connected (flags: GH_PEER_CONTROL).  A negative errno
     * refuses the peer; its connection is closed with the error. */
    int (*peer_open)(gh_instance *inst, uint32_t peer, uint32_t flags);
    /* A message from the peer.  A negative errno is reported to the peer
     * as {"type":"error"} and does not close the connection. */
    int (*peer_message)(gh_instance *inst, uint32_t peer, const char *message);
    /* The peer is gone (it left, or the host or backend closed it). */
    void (*peer_close)(gh_instance *inst, uint32_t peer);

    /* ---- since 1.3 (ops version 3): sound ----
     * Optional.  On the audio backend's thread (never the main or the
     * pipeline thread, so it may run beside push_frame): the VM's sound,
     * in order, in the format host->audio_format gives.  Do not block.
     * The host stops the audio backend before it destroys the stream
     * backend: no push_audio runs during or after destroy. */
    int (*push_audio)(gh_instance *inst, const gh_audio_chunk *chunk);

    /* ---- since 1.4 (ops version 4): game pads ----
     * Optional.  Main thread: feedback from the guest for one of the pads
     * of `peer`, the peer in control (its pads are the session's pads).
     * The backend passes it on to that player (rumble to play, pads
     * attached).  The host calls it only while a peer is in control. */
    void (*pad_feedback)(gh_instance *inst, uint32_t peer, const gh_pad_feedback *fb);
} gh_stream_ops;

#define GH_INPUT_OPS_VERSION 2u
typedef struct gh_input_ops {
    uint32_t struct_size;
    uint32_t version;
    /* Required.  Main thread: deliver the events to the VM, in order.
     * 0 when all were delivered.  -EINVAL (a value out of range) or
     * -EOPNOTSUPP (an event this backend cannot deliver, such as a pad
     * event with no pad to put it in) mean it delivered none of them: the
     * host then sends them again one at a time, so an event it cannot take
     * is dropped alone and the others still arrive.  Set a message naming
     * the event and why.  Any other error is a failure to deliver: the
     * whole call's events are dropped, not retried. */
    int (*send)(gh_instance *inst, const gh_input_event *events, uint32_t n_events);

    /* ---- since 1.4 (ops version 2) ----
     * Optional.  Main thread: fills *stats (struct_size set by the host)
     * for pad `pad`; -ENOENT for a pad this backend has never had. */
    int (*pad_stats)(gh_instance *inst, uint32_t pad, gh_pad_stats *stats);
} gh_input_ops;

/* Since 1.3. */
#define GH_AUDIO_OPS_VERSION 1u
typedef struct gh_audio_ops {
    uint32_t struct_size;
    uint32_t version;
    /* Required.  Main thread: the format audio_push will deliver (the host
     * holds the backend to it). */
    int (*format)(gh_instance *inst, uint32_t *format, uint32_t *rate, uint32_t *channels);
    /* Required.  Main thread: start taking the VM's sound, delivered with
     * host->audio_push from the backend's own thread. */
    int (*start)(gh_instance *inst);
    /* Optional.  Main thread: stop; no audio_push after it returns. */
    void (*stop)(gh_instance *inst);
    /* Optional (no microphone without it).  Any thread, never blocks: PCM
     * for the VM's microphone, in the backend's format.  Returns the frames
     * taken, fewer when its buffer is full. */
    int (*mic_write)(gh_instance *inst, const gh_audio_chunk *chunk);
    /* Optional.  Any thread: fills *stats (struct_size set by the host). */
    void (*stats)(gh_instance *inst, gh_audio_stats *stats);
} gh_audio_ops;

/* ---- factories and the descriptor ------------------------------------- */

typedef struct gh_backend_factory {
    uint32_t struct_size;
    uint32_t kind;           /* GH_BACKEND_* */
    const char *name;        /* "capture.screenshot", "input.qmp": unique per host */
    const char *description;
    /* Optional.  Main thread: 0 if this backend can serve the session
     * (the services' facts are usable; VM access is not yet), else a
     * negative errno and a reason through services->set_error.  Absent
     * means "always". */
    int (*probe)(gh_host *host, const gh_host_services *services);
    /* Required.  Main thread: a new instance, or NULL with host->set_error. */
    gh_instance *(*create)(gh_host *host, const gh_host_services *services);
    /* Required.  Main thread: frees the instance. */
    void (*destroy)(gh_instance *inst);
    /* Exactly one, matching kind; required. */
    const gh_capture_ops *capture;
    const gh_stream_ops *stream;
    const gh_input_ops *input;
    const gh_audio_ops *audio;   /* since 1.3 */
} gh_backend_factory;

typedef struct gh_plugin {
    uint32_t struct_size;    /* sizeof(gh_plugin) as the plugin was built */
    uint32_t abi_major;      /* GH_PLUGIN_ABI_MAJOR */
    uint32_t abi_minor;      /* GH_PLUGIN_ABI_MINOR */
    uint32_t n_factories;
    const char *name;        /* "capture-screenshot" */
    const char *version;     /* the plugin's own version, free form */
    const char *license;     /* SPDX identifier */
    const gh_backend_factory *const *factories; /* n_factories entries */
} gh_plugin;

/* The one exported symbol. */
typedef const gh_plugin *(*gh_plugin_query_fn)(void);

/* Declares the entry point:  GH_PLUGIN_DEFINE(my_plugin)  where my_plugin is
 * a static const gh_plugin. */
#define GH_PLUGIN_DEFINE(descriptor)                                   \
    GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void);     \
    GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void)      \
    {                                                                  \
        return &(descriptor);                                          \
    }

#ifdef __cplusplus
}
#endif
#endif /* GAMEHOST_PLUGIN_H */
