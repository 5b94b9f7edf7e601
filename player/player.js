/* gamehost web player (docs/player.md): signals over the session's WebSocket,
 * answers the server's WebRTC offer, shows the video and sends keyboard,
 * mouse and gamepad input on the "input" data channel in the JSON shape of
 * POST /v1/sessions/{id}/input.  A session with sound also plays the game's
 * sound (muted until the player's first click or key: browsers' autoplay
 * rule) and can take the player's microphone.  The guest's rumble plays on
 * the player's pads, and the toolbar shows which pads are connected.  Plain
 * script, no build step, no external resources.  window.ghPlayer exposes
 * the state for tests and debugging. */
'use strict';

(function () {
    // KeyboardEvent.code → evdev key name (runtime/util/input-json.c lists what the host takes).
    // F2 and F11 are the player's own keys (statistics, fullscreen) and are not sent.
    const KEYS = {
        Escape: 'KEY_ESC', Enter: 'KEY_ENTER', NumpadEnter: 'KEY_ENTER', Space: 'KEY_SPACE',
        Tab: 'KEY_TAB', Backspace: 'KEY_BACKSPACE', CapsLock: 'KEY_CAPSLOCK',
        ArrowUp: 'KEY_UP', ArrowDown: 'KEY_DOWN', ArrowLeft: 'KEY_LEFT', ArrowRight: 'KEY_RIGHT',
        ShiftLeft: 'KEY_LEFTSHIFT', ShiftRight: 'KEY_RIGHTSHIFT',
        ControlLeft: 'KEY_LEFTCTRL', ControlRight: 'KEY_RIGHTCTRL',
        AltLeft: 'KEY_LEFTALT', AltRight: 'KEY_RIGHTALT',
        MetaLeft: 'KEY_LEFTMETA', MetaRight: 'KEY_RIGHTMETA',
        Minus: 'KEY_MINUS', Equal: 'KEY_EQUAL', BracketLeft: 'KEY_LEFTBRACE',
        BracketRight: 'KEY_RIGHTBRACE', Semicolon: 'KEY_SEMICOLON', Quote: 'KEY_APOSTROPHE',
        Backquote: 'KEY_GRAVE', Backslash: 'KEY_BACKSLASH', Comma: 'KEY_COMMA',
        Period: 'KEY_DOT', Slash: 'KEY_SLASH',
        Insert: 'KEY_INSERT', Delete: 'KEY_DELETE', Home: 'KEY_HOME', End: 'KEY_END',
        PageUp: 'KEY_PAGEUP', PageDown: 'KEY_PAGEDOWN',
    };
    for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
        KEYS['Key' + c] = 'KEY_' + c;
    for (let d = 0; d <= 9; d++)
        KEYS['Digit' + d] = 'KEY_' + d;
    for (let f = 1; f <= 12; f++)
        KEYS['F' + f] = 'KEY_F' + f;
    const KEY_STATS = 'F2', KEY_FULLSCREEN = 'F11';
    delete KEYS[KEY_STATS];
    delete KEYS[KEY_FULLSCREEN];

    // MouseEvent.button → evdev button.
    const MOUSE_BUTTONS = ['BTN_LEFT', 'BTN_MIDDLE', 'BTN_RIGHT', 'BTN_SIDE', 'BTN_EXTRA'];

    // Gamepad API "standard" mapping → evdev pad buttons (by position:
    // south/east/west/north), and axes.  Triggers (6, 7) go out only as the
    // analog axes ABS_Z/ABS_RZ, 0..255 (a BTN_TL2 beside them would press a
    // USB pad's trigger fully for a moment); sticks as -32768..32767, Y
    // growing downwards in both (docs/player.md, "Game pads").
    const PAD_BUTTONS = [
        'BTN_SOUTH', 'BTN_EAST', 'BTN_WEST', 'BTN_NORTH', 'BTN_TL', 'BTN_TR', 'BTN_TL2', 'BTN_TR2',
        'BTN_SELECT', 'BTN_START', 'BTN_THUMBL', 'BTN_THUMBR',
        'BTN_DPAD_UP', 'BTN_DPAD_DOWN', 'BTN_DPAD_LEFT', 'BTN_DPAD_RIGHT', 'BTN_MODE',
    ];
    const PAD_AXES = ['ABS_X', 'ABS_Y', 'ABS_RX', 'ABS_RY'];
    const PAD_TRIGGERS = { 6: 'ABS_Z', 7: 'ABS_RZ' };
    const MAX_PADS = 4;
    const TRIGGER_MAX = 255;
    const RUMBLE_MAX = 65535;
    // Chromium ends a dual-rumble effect after 5 s at most, while an Xbox 360
    // pad's motors run until the guest changes them: re-armed before then.
    const RUMBLE_EFFECT_MS = 5000;
    const RUMBLE_REARM_MS = 4000;
    const RUMBLES_KEPT = 256;           // ghPlayer.rumbles: the latest messages
    const ABS_MAX = 32767;
    const REL_MAX = 10000;

    // Recovery (docs/player.md, "When something goes wrong").  A dropped
    // connection is noticed within CONNECT/ICE_GRACE/STALL below, retried
    // after 1, 2, 4, then every 5 s; a short outage (up to about 8 s) resumes
    // on the same connection, a longer one plays again within about 15 s
    // after the network comes back (5 s to the next try, 5 s for a try that
    // hangs, a few seconds to negotiate).
    const CONNECT_TIMEOUT_MS = 5000;    // WebSocket open, and the fetch() that asks why
    const ICE_GRACE_MS = 6000;          // ICE "disconnected" may still recover by itself
    const STALL_MS = 8000;              // no new frame while playing
    const RETRY_MS = [1000, 2000, 4000, 5000];
    const FULL_RETRY_MS = 15000;        // too many viewers: someone has to leave first
    const STARTING_RETRY_MS = [1000, 10000]; // bounds on the host's Retry-After
    const NOTICE_MS = 4000;
    const VOLUME_KEY = 'gamehost-player-volume';   // localStorage: the volume slider, 0..1
    const FFT_SIZE = 32768;                         // dominantFrequency(): 0.7 s of sound, 1.5 Hz bins at 48 kHz

    const $ = (id) => document.getElementById(id);
    const video = $('video');
    const ui = {
        stage: $('stage'), overlay: $('overlay'), status: $('status'), role: $('role'),
        notice: $('notice'),
        message: $('message'), title: $('message-title'), text: $('message-text'),
        reconnect: $('btn-reconnect'), stats: $('btn-stats'), fullscreen: $('btn-fullscreen'),
        unmute: $('btn-unmute'), mute: $('btn-mute'), volume: $('volume'), mic: $('btn-mic'),
        pads: $('pads'),
    };

    // What tests (and a curious human, in the console) can read.
    const player = {
        // connecting starting negotiating playing | reconnecting restarting full
        // (retry by themselves) | expired ended refused (final)
        state: 'idle',
        history: [],            // the states it went through, oldest first (the last 50)
        session: null,
        peer: null,
        role: null,             // "control" or "watch"
        codec: null,
        framesDecoded: 0,
        framesPresented: 0,
        lastError: null,        // technical detail: the F2 overlay only
        closeCode: null,
        closeReason: null,
        refusal: null,          // the host's error code when it refused the link
        byeScope: null,         // the last bye's scope: "session", "peer" or "host"
        attempts: 0,            // connection attempts since it last played
        inputSent: 0,           // events sent on the data channel
        stats: {},              // the latest getStats() digest (see updateStats)
        getStats: () => (pc ? pc.getStats() : Promise.resolve(null)),
        reconnect: () => connect(),
        // For tests: sends events as they are, as the input code would.
        sendInput: (events) => sendEvents(events),
        // For tests: one signaling message as it is (bad input included).
        sendSignal: (msg) => send(msg),
        // Sound (a session with sound): whether the offer had it, the
        // element's mute and volume, the codec the browser decodes.
        audio: { present: false, muted: true, volume: 1, codec: null },
        // The microphone: off | asking | on | denied (reason: the browser's).
        mic: { state: 'off', reason: null, available: false },
        audioTrack: () => audioTrack,
        // The loudest frequency of the received sound in Hz (null: silence
        // or no sound), listened to for ms milliseconds.
        dominantFrequency: (ms) => dominantFrequency(ms),
        toggleMic: () => toggleMic(),
        // Game pads, by index: whether the browser has it, whether the
        // guest has it plugged in, its LED command (null: none yet), and
        // the motors as the last rumble set them.
        pads: [0, 1, 2, 3].map((index) => ({ index, browser: false, attached: false, led: null, strong: 0, weak: 0 })),
        // The rumble messages received, in order (the latest RUMBLES_KEPT).
        rumbles: [],
        lastRumble: (pad) => lastRumble(pad),
        // Test hook: fn replaces navigator.getGamepads in the page's own
        // poll (a list of Gamepad-like objects: {connected, index, buttons:
        // [{pressed, value}], axes: [], vibrationActuator?}); null restores it.
        setTestGamepads: (fn) => { testGamepads = typeof fn === 'function' ? fn : null; },
    };
    window.ghPlayer = player;

    let ws = null, pc = null, dc = null;
    let pendingIce = [];
    let welcomed = false;
    let statsTimer = 0, statsPrev = null;
    let keyframeTimer = 0;
    let frameWatch = 0;         // bumps per connection: an old frame callback loop stops
    let generation = 0;         // bumps per connection: late answers of an old one are ignored
    let connectTimer = 0, retryTimer = 0, iceTimer = 0, noticeTimer = 0;
    let lastFrameAt = 0;
    let audioTrack = null, audioPrev = null, micTransceiver = null, micTrack = null;
    let autoMuted = true, gestured = false;
    const heldKeys = new Set(), heldButtons = new Set();
    let relX = 0, relY = 0, absPending = null, motionScheduled = false;
    const padPrev = [];
    let testGamepads = null;
    const rumbleTimers = [0, 0, 0, 0];

    // ---------------------------------------------------------------
    // Where we are: /…/play/{id}?token=…

    function parseLocation() {
        const m = location.pathname.match(/^(.*)\/play\/([^/]+)\/?$/);
        const token = new URLSearchParams(location.search).get('token');
        if (!m || !token)
            return null;
        return { base: m[1], id: decodeURIComponent(m[2]), token };
    }

    function signalPath(where) {
        return where.base + '/v1/sessions/' + encodeURIComponent(where.id) + '/signal?token=' +
            encodeURIComponent(where.token);
    }

    function signalUrl(where) {
        const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
        return scheme + '//' + location.host + signalPath(where);
    }

    // ---------------------------------------------------------------
    // Screens: one per state, in plain words.  Raw codes stay in F2.

    const RETRYING = ['starting', 'reconnecting', 'restarting', 'full'];
    const FINAL = ['expired', 'ended', 'refused'];

    function setState(s) {
        if (player.state !== s)
            player.history = player.history.concat(s).slice(-50);
        player.state = s;
        document.body.dataset.state = s;
    }

    function setStatus(text) {
        ui.status.textContent = text || '';
    }

    // button: the label of the button that tries at once, or null for none.
    function showMessage(state, title, text, button) {
        setState(state);
        setStatus('');
        ui.title.textContent = title;
        ui.text.textContent = text || '';
        ui.reconnect.hidden = !button;
        ui.reconnect.textContent = button || '';
        ui.message.hidden = false;
        // The role comes back with the next welcome; over a message it would mislead.
        ui.role.hidden = true;
        releaseAll();
        if (document.pointerLockElement)
            document.exitPointerLock();
        if (button)
            ui.reconnect.focus();
        renderOverlay();
    }

    function hideMessage() {
        ui.message.hidden = true;
    }

    function showNotice(text) {
        clearTimeout(noticeTimer);
        ui.notice.textContent = text;
        ui.notice.hidden = false;
        noticeTimer = setTimeout(() => { ui.notice.hidden = true; }, NOTICE_MS);
    }

    function showRole(role) {
        const before = player.role;
        player.role = role;
        ui.role.hidden = !role;
        ui.role.textContent = role === 'control' ? 'You are in control' : role ? 'Watching' : '';
        ui.role.classList.toggle('watch', role !== 'control');
        if (before && role && before !== role)
            showNotice(role === 'control' ? 'You are now in control' :
                'Another player has control: you are watching');
        if (role !== 'control')
            releaseAll();
    }

    function hideRole() {
        player.role = null;
        ui.role.hidden = true;
        ui.notice.hidden = true;
    }

    // Final screens: nothing retries.
    function showEnded(failed) {
        hideRole();
        showMessage('ended', 'The session has ended', failed
            ? 'The game stopped because of a problem on the server. Ask the game service for a new game.'
            : 'Thanks for playing. Ask the game service for a new game to play again.', null);
    }

    function showExpired(replaced) {
        hideRole();
        showMessage('expired', replaced ? 'This player link was replaced' : 'This player link has expired',
            replaced ? 'A newer link to this game was issued. Open the new link to go on playing.'
                : 'It may have expired or been replaced by a newer one. Ask the game service for a new link.',
            null);
    }

    function showRefused(title, text) {
        hideRole();
        showMessage('refused', title, text, null);
    }

    // Screens that retry by themselves.
    function retryIn(ms) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, ms);
    }

    function backoff() {
        return RETRY_MS[Math.min(player.attempts, RETRY_MS.length) - 1] || RETRY_MS[0];
    }

    function showReconnecting() {
        showMessage('reconnecting', 'Connection lost — reconnecting…',
            'The connection to the game was interrupted. The game goes on; this page reconnects by itself.',
            'Reconnect now');
        retryIn(backoff());
    }

    function showRestarting() {
        showMessage('restarting', 'The game server is restarting',
            'Your game goes on. This page reconnects by itself in a moment.', 'Try now');
        retryIn(backoff());
    }

    function showStarting(retryAfterS) {
        showMessage('starting', 'The game is starting',
            'Your game is being prepared. It appears here as soon as it is ready.', null);
        const ms = Math.min(STARTING_RETRY_MS[1], Math.max(STARTING_RETRY_MS[0], (retryAfterS || 2) * 1000));
        retryIn(ms);
    }

    function showFull() {
        showMessage('full', 'Too many viewers',
            'This game already has as many viewers as it allows. This page tries again every ' +
            FULL_RETRY_MS / 1000 + ' seconds.', 'Try now');
        retryIn(FULL_RETRY_MS);
    }

    // The connection to the game broke while connecting or playing.
    function connectionLost(why) {
        player.lastError = why;
        teardown();
        showReconnecting();
    }

    // Nobody answered: a network outage while we were already reconnecting,
    // else the server (or its daemon) is down, which restarts.
    function unreachable(why) {
        player.lastError = why;
        teardown();
        if (player.state === 'reconnecting')
            showReconnecting();
        else
            showRestarting();
    }

    // ---------------------------------------------------------------
    // Signaling

    function send(msg) {
        if (ws && ws.readyState === WebSocket.OPEN)
            ws.send(JSON.stringify(msg));
    }

    function receiverCodecs() {
        const caps = window.RTCRtpReceiver && RTCRtpReceiver.getCapabilities
            ? RTCRtpReceiver.getCapabilities('video') : null;
        const names = { 'video/h264': 'H264', 'video/vp8': 'VP8' };
        const out = [];
        for (const c of (caps && caps.codecs) || []) {
            const n = names[c.mimeType.toLowerCase()];
            if (n && !out.includes(n))
                out.push(n);
        }
        return out;
    }

    // Closes the WebSocket and the RTCPeerConnection first: the host then
    // closes the old peer (and hands its control on) before a new one comes.
    function teardown() {
        generation++;
        clearInterval(statsTimer);
        clearTimeout(keyframeTimer);
        clearTimeout(connectTimer);
        clearTimeout(iceTimer);
        clearTimeout(retryTimer);
        statsTimer = iceTimer = 0;
        statsPrev = audioPrev = null;
        releaseAll();
        stopRumbles();
        releaseMic(false);
        micTransceiver = null;
        audioTrack = null;
        setAudioPresent(false);
        if (dc) {
            dc.onopen = dc.onclose = null;
            dc = null;
        }
        if (pc) {
            pc.ontrack = pc.ondatachannel = pc.onicecandidate = null;
            pc.oniceconnectionstatechange = pc.onconnectionstatechange = null;
            pc.close();
            pc = null;
        }
        if (ws) {
            ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
            if (ws.readyState <= WebSocket.OPEN)
                ws.close(1000, 'player closed');
            ws = null;
        }
        pendingIce = [];
        video.srcObject = null;
    }

    function connect() {
        teardown();
        const where = parseLocation();
        if (!where) {
            showRefused('This player link is incomplete',
                'The address must look like /play/SESSION?token=TOKEN. Ask the game service for a new link.');
            return;
        }
        player.session = where.id;
        player.codec = null;
        player.framesDecoded = player.framesPresented = 0;
        player.byeScope = null;
        player.attempts++;
        welcomed = false;
        // A retrying screen stays up while it tries, rather than flickering.
        if (!RETRYING.includes(player.state)) {
            hideMessage();
            setState('connecting');
            setStatus('Connecting…');
        }
        const sock = new WebSocket(signalUrl(where));
        const mine = generation;
        ws = sock;
        // A SYN into a dead link can hang for minutes: give up sooner.
        connectTimer = setTimeout(() => {
            if (mine === generation && sock.readyState === WebSocket.CONNECTING)
                unreachable('no answer from the server within ' + CONNECT_TIMEOUT_MS / 1000 + ' s');
        }, CONNECT_TIMEOUT_MS);
        sock.onopen = () => clearTimeout(connectTimer);
        sock.onmessage = (e) => {
            if (ws !== sock)
                return;
            let msg;
            try {
                msg = JSON.parse(e.data);
            } catch (err) {
                player.lastError = 'bad message from server: ' + err.message;
                return;
            }
            onSignal(msg).catch((err) => {
                player.lastError = String(err && err.message || err);
                console.error('gamehost player:', err);
            });
        };
        sock.onclose = (e) => {
            if (ws !== sock)
                return;
            onSocketClosed(e.code, e.reason);
        };
    }

    function onSocketClosed(code, reason) {
        player.closeCode = code;
        player.closeReason = reason || null;
        ws = null;
        if (FINAL.includes(player.state) || player.byeScope)
            return; // the bye said why; the close that follows adds nothing
        const wasWelcomed = welcomed;
        teardown();
        askWhy(wasWelcomed);
    }

    // A browser sees a refused upgrade only as 1006: the same URL without
    // the upgrade answers the host's JSON error (docs/api.yaml).
    async function askWhy(wasWelcomed) {
        const where = parseLocation();
        const mine = generation;
        let resp, body = null;
        try {
            resp = await fetch(signalPath(where), {
                cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
            });
            body = await resp.json().catch(() => null);
        } catch (err) {
            if (mine === generation)
                unreachable('the server did not answer: ' + (err && err.message || err));
            return;
        }
        if (mine !== generation)
            return;
        const code = body && body.error ? body.error.code : null;
        player.refusal = code;
        player.lastError = 'HTTP ' + resp.status + (code ? ' ' + code : '') +
            (body && body.error && body.error.message ? ': ' + body.error.message : '');
        onRefusal(resp.status, code, Number(resp.headers.get('Retry-After')) || 0, wasWelcomed);
    }

    function onRefusal(status, code, retryAfterS, wasWelcomed) {
        if (code === 'starting')
            showStarting(retryAfterS);
        else if (code === 'too_many_viewers')
            showFull();
        else if (code === 'token_expired' || code === 'unauthorized')
            showExpired(false);
        else if (code === 'wrong_session')
            showRefused('This player link is for another game', 'Ask the game service for the link to your game.');
        else if (code === 'no_stream')
            showRefused('This game cannot be played in a browser',
                'The game server does not stream it to players. Ask the game service.');
        else if (code === 'not_running' || status === 404)
            showEnded(false);
        else if (status >= 500)
            showRestarting();
        else if (wasWelcomed || player.state === 'reconnecting' || status === 426)
            // Nothing refuses the link: the connection itself broke.
            showReconnecting();
        else
            showRestarting();
    }

    async function onSignal(msg) {
        switch (msg.type) {
        case 'welcome':
            welcomed = true;
            player.peer = msg.peer;
            showRole(msg.role);
            hideMessage();
            setState('negotiating');
            setStatus('Starting the stream…');
            send({ type: 'hello', codecs: receiverCodecs() });
            break;
        case 'role':
            showRole(msg.role);
            break;
        case 'offer':
            await onOffer(msg);
            break;
        case 'ice':
            if (typeof msg.candidate !== 'string')
                break;
            if (pc && pc.remoteDescription)
                await addIce(msg);
            else
                pendingIce.push(msg);
            break;
        case 'bye':
            onBye(msg);
            break;
        case 'rumble':
            onRumble(msg);
            break;
        case 'pad':
            onPadMessage(msg);
            break;
        case 'error':
            player.lastError = msg.message || 'error';
            console.warn('gamehost player: server says:', msg.message);
            if (typeof msg.message === 'string' && msg.message.startsWith('microphone')) {
                player.mic.reason = msg.message;
                if (player.mic.state === 'on')
                    showNotice(msg.message.replace(/^microphone audio refused: /, 'Your microphone is not heard: '));
                renderMic();
            }
            break;
        default:
            break;
        }
    }

    // scope (docs/player.md): "peer" = only this connection was closed (the
    // game goes on), "host" = gamehostd is restarting (sessions outlive
    // it); anything else = the session ended.
    function onBye(msg) {
        player.byeScope = msg.scope || 'session';
        player.closeReason = msg.reason || null;
        teardown();
        if (msg.scope === 'host') {
            showRestarting();
        } else if (msg.scope === 'peer') {
            if (msg.reason === 'the player link was replaced')
                showExpired(true);
            else
                connectionLost('the server closed this connection: ' + (msg.reason || 'no reason given'));
        } else {
            showEnded(msg.reason === 'the game stopped because of an error on the server');
        }
    }

    async function addIce(msg) {
        if (!msg.candidate)
            return; // end of candidates
        try {
            await pc.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex || 0 });
        } catch (err) {
            player.lastError = 'bad ICE candidate: ' + err.message;
        }
    }

    // ICE "disconnected" often recovers by itself within a few seconds;
    // "failed" never does.
    function onIceState(conn) {
        const s = conn.iceConnectionState;
        if (conn !== pc)
            return;
        if (s === 'failed') {
            connectionLost('ICE failed');
        } else if (s === 'disconnected') {
            if (!iceTimer)
                iceTimer = setTimeout(() => {
                    iceTimer = 0;
                    if (conn === pc && conn.iceConnectionState === 'disconnected')
                        connectionLost('ICE disconnected for ' + ICE_GRACE_MS / 1000 + ' s');
                }, ICE_GRACE_MS);
            setStatus('The connection is unstable…');
        } else if (s === 'connected' || s === 'completed') {
            clearTimeout(iceTimer);
            iceTimer = 0;
            if (player.state === 'playing')
                setStatus('');
            else if (player.state === 'negotiating')
                setStatus('Waiting for the picture…');
        }
    }

    function newPeerConnection() {
        // Host candidates only; a deployment that needs STUN/TURN configures the server side.
        const conn = new RTCPeerConnection({ iceServers: [] });
        // The picture and the sound are tracks of one stream (the offer's
        // a=msid), which is what keeps them in sync; a track without a
        // stream joins the element's.
        conn.ontrack = (e) => {
            const stream = e.streams && e.streams[0];
            if (stream) {
                if (video.srcObject !== stream)
                    video.srcObject = stream;
            } else if (video.srcObject instanceof MediaStream) {
                video.srcObject.addTrack(e.track);
            } else {
                video.srcObject = new MediaStream([e.track]);
            }
            if (e.track.kind === 'audio')
                audioTrack = e.track;
            video.play().catch(() => {});
        };
        conn.ondatachannel = (e) => {
            if (e.channel.label !== 'input')
                return;
            dc = e.channel;
            dc.onclose = () => { if (dc === e.channel) dc = null; };
        };
        conn.onicecandidate = (e) => {
            if (e.candidate && e.candidate.candidate)
                send({ type: 'ice', candidate: e.candidate.candidate, sdpMLineIndex: e.candidate.sdpMLineIndex || 0 });
        };
        conn.oniceconnectionstatechange = () => onIceState(conn);
        conn.onconnectionstatechange = () => {
            if (conn === pc && conn.connectionState === 'failed')
                connectionLost('the WebRTC connection failed');
        };
        return conn;
    }

    async function onOffer(msg) {
        if (!pc)
            pc = newPeerConnection();
        player.codec = msg.codec || null;
        await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
        const audio = audioSections(msg.sdp);
        // The microphone's m-line is answered sendonly now, with no track:
        // turning the microphone on later puts a track on its sender, no
        // renegotiation.
        micTransceiver = audio.mic !== null ? pc.getTransceivers().find((t) => t.mid === audio.mic) || null : null;
        if (micTransceiver)
            micTransceiver.direction = 'sendonly';
        setAudioPresent(audio.sound !== null);
        const answer = await pc.createAnswer();
        const stereo = audio.sound !== null ? withStereo(answer.sdp, audio.sound) : answer.sdp;
        try {
            await pc.setLocalDescription({ type: 'answer', sdp: stereo });
        } catch (err) {
            if (stereo === answer.sdp)
                throw err;
            await pc.setLocalDescription(answer); // a browser that refuses the edit plays it mixed down
        }
        send({ type: 'answer', sdp: pc.localDescription.sdp });
        for (const c of pendingIce.splice(0))
            await addIce(c);
        if (!statsTimer)
            statsTimer = setInterval(updateStats, 1000);
        watchFrames();
        // No picture a while after answering: ask for a keyframe (once, then again later).
        clearTimeout(keyframeTimer);
        keyframeTimer = setTimeout(function nudge() {
            if (pc && player.framesDecoded === 0) {
                send({ type: 'keyframe' });
                keyframeTimer = setTimeout(nudge, 3000);
            }
        }, 3000);
    }

    function nowPlaying() {
        lastFrameAt = performance.now();
        if (player.state === 'negotiating') {
            setState('playing');
            setStatus('');
            player.attempts = 0;
        }
    }

    // A frozen picture with ICE still "connected" (silent loss, a stuck
    // decoder): no new frame for STALL_MS while playing and visible.
    function checkStall() {
        if (player.state === 'playing' && !document.hidden && performance.now() - lastFrameAt > STALL_MS)
            connectionLost('no new frame for ' + STALL_MS / 1000 + ' s');
    }

    // ---------------------------------------------------------------
    // Frames and statistics

    function watchFrames() {
        if (!video.requestVideoFrameCallback)
            return;
        const mine = ++frameWatch;
        const onFrame = (now, meta) => {
            if (mine !== frameWatch)
                return;
            player.framesPresented = meta.presentedFrames;
            nowPlaying();
            if (pc)
                video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
    }

    async function updateStats() {
        if (!pc)
            return;
        let report;
        try {
            report = await pc.getStats();
        } catch (err) {
            return;
        }
        const byId = new Map();
        report.forEach((r) => byId.set(r.id, r));
        const s = {};
        let inbound = null, pair = null;
        report.forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video')
                inbound = r;
            if (r.type === 'transport' && r.selectedCandidatePairId)
                pair = byId.get(r.selectedCandidatePairId);
        });
        if (!pair)
            report.forEach((r) => {
                if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded')
                    pair = r;
            });
        const now = performance.now();
        if (inbound) {
            s.framesDecoded = inbound.framesDecoded || 0;
            s.framesDropped = inbound.framesDropped || 0;
            s.fps = inbound.framesPerSecond || 0;
            s.width = inbound.frameWidth || 0;
            s.height = inbound.frameHeight || 0;
            s.bytesReceived = inbound.bytesReceived || 0;
            s.packetsLost = inbound.packetsLost || 0;
            if (statsPrev)
                s.kbps = Math.round((s.bytesReceived - statsPrev.bytes) * 8 / Math.max(1, now - statsPrev.t));
            statsPrev = { bytes: s.bytesReceived, t: now };
            const codec = inbound.codecId && byId.get(inbound.codecId);
            if (codec)
                s.codec = codec.mimeType.replace(/^video\//, '');
            if (s.framesDecoded > player.framesDecoded)
                nowPlaying();
            player.framesDecoded = s.framesDecoded;
        }
        if (pair) {
            if (pair.currentRoundTripTime !== undefined)
                s.rttMs = Math.round(pair.currentRoundTripTime * 1000);
            const local = byId.get(pair.localCandidateId), remote = byId.get(pair.remoteCandidateId);
            s.localAddress = local ? (local.address || local.ip) : null;
            s.remoteAddress = remote ? (remote.address || remote.ip) : null;
            s.candidateType = local ? local.candidateType : null;
            s.protocol = local ? local.protocol : null;
        }
        audioStats(report, byId, s, now);
        player.stats = s;
        renderOverlay();
    }

    // The sound received (s.audio) and the microphone sent (s.micKbps): rates
    // and the jitter buffer's delay over the last second, from the
    // difference with the report before.
    function audioStats(report, byId, s, now) {
        let inbound = null, outbound = null;
        report.forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio')
                inbound = r;
            if (r.type === 'outbound-rtp' && r.kind === 'audio')
                outbound = r;
        });
        const prev = audioPrev;
        const cur = { t: now, bytes: 0, delay: 0, emitted: 0, micBytes: outbound ? outbound.bytesSent || 0 : 0 };
        const kbps = (bytes, before) => Math.round((bytes - before) * 8 / Math.max(1, now - prev.t));
        if (inbound) {
            const codec = inbound.codecId && byId.get(inbound.codecId);
            cur.bytes = inbound.bytesReceived || 0;
            cur.delay = inbound.jitterBufferDelay || 0;
            cur.emitted = inbound.jitterBufferEmittedCount || 0;
            s.audio = {
                codec: codec ? codec.mimeType.replace(/^audio\//, '') : null,
                packetsLost: inbound.packetsLost || 0,
                concealedSamples: inbound.concealedSamples,
            };
            if (prev)
                s.audio.kbps = kbps(cur.bytes, prev.bytes);
            const emitted = cur.emitted - (prev ? prev.emitted : 0);
            if (emitted > 0)
                s.audio.jitterBufferMs = Math.round((cur.delay - (prev ? prev.delay : 0)) / emitted * 1000);
            player.audio.codec = s.audio.codec;
        }
        if (outbound && prev && player.mic.state === 'on')
            s.micKbps = kbps(cur.micBytes, prev.micBytes);
        audioPrev = cur;
    }

    function renderOverlay() {
        if (ui.overlay.hidden)
            return;
        const s = player.stats;
        const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
        const lines = [
            'state    ' + player.state,
            'role     ' + (player.role || '-') + (player.peer !== null ? '  (peer ' + player.peer + ')' : ''),
            'codec    ' + (s.codec || player.codec || '-'),
            'video    ' + (s.width ? s.width + 'x' + s.height : '-'),
            'fps      ' + (s.fps !== undefined ? s.fps : '-'),
            'bitrate  ' + (s.kbps !== undefined ? s.kbps + ' kbit/s' : '-'),
            'rtt      ' + (s.rttMs !== undefined ? s.rttMs + ' ms' : '-'),
            'frames   ' + (s.framesDecoded || 0) + ' decoded, ' + (s.framesDropped || 0) + ' dropped' +
                (q ? ', ' + q.totalVideoFrames + ' shown' : ''),
            'lost     ' + (s.packetsLost || 0) + ' packets',
            'path     ' + (s.localAddress ? s.localAddress + ' ↔ ' + s.remoteAddress + ' (' + s.candidateType + ')' : '-'),
            'input    ' + player.inputSent + ' events sent',
            'pads     ' + describePads(),
            'close    ' + (player.closeCode !== null ? player.closeCode : '-') +
                (player.byeScope ? '  bye ' + player.byeScope : '') +
                (player.closeReason ? '  ' + player.closeReason : ''),
            'refusal  ' + (player.refusal || '-'),
            'last     ' + (player.lastError || '-'),
            'attempt  ' + player.attempts,
        ];
        if (player.audio.present) {
            const a = s.audio;
            lines.splice(9, 0,
                'audio    ' + (a ? (a.codec || '-') + ', ' + (a.kbps !== undefined ? a.kbps : '-') + ' kbit/s, ' +
                    'jitter buffer ' + (a.jitterBufferMs !== undefined ? a.jitterBufferMs + ' ms' : '-') + ', ' +
                    a.packetsLost + ' packets lost' +
                    (a.concealedSamples !== undefined ? ', ' + a.concealedSamples + ' samples concealed' : '') : '-') +
                    (player.audio.muted ? '  (muted)' : ''),
                'mic      ' + (player.mic.available ? player.mic.state : 'unavailable' +
                    (window.isSecureContext ? '' : ' (the page needs https)')) +
                    (s.micKbps !== undefined ? ', ' + s.micKbps + ' kbit/s' : '') +
                    (player.mic.reason ? '  ' + player.mic.reason : ''));
        }
        ui.overlay.textContent = lines.join('\n');
    }

    function toggleOverlay() {
        ui.overlay.hidden = !ui.overlay.hidden;
        renderOverlay();
    }

    function toggleFullscreen() {
        if (document.fullscreenElement)
            document.exitFullscreen().catch(() => {});
        else
            document.documentElement.requestFullscreen().catch(() => {});
    }

    // ---------------------------------------------------------------
    // Sound and the microphone

    // The offer's audio m-lines (docs/player.md): the game's sound is the
    // one the server sends (a=sendonly), the microphone the one it receives
    // (a=recvonly).  Their mids, or null.
    function audioSections(sdp) {
        const out = { sound: null, mic: null };
        for (const section of sdp.split(/\r\n(?=m=)/).slice(1)) {
            const mid = (section.match(/^a=mid:(\S+)/m) || [])[1];
            if (!section.startsWith('m=audio ') || mid === undefined)
                continue;
            if (/^a=sendonly$/m.test(section))
                out.sound = mid;
            else if (/^a=recvonly$/m.test(section))
                out.mic = mid;
        }
        return out;
    }

    // Chromium decodes Opus in stereo only when its own answer says
    // stereo=1 (the server says sprop-stereo=1 for a stereo game): added to
    // the game sound's m-line of the answer.
    function withStereo(sdp, mid) {
        const sections = sdp.split(/\r\n(?=m=)/);
        const i = sections.findIndex((x) => new RegExp('^a=mid:' + mid.replace(/\W/g, '\\$&') + '$', 'm').test(x));
        const pt = i > 0 ? (sections[i].match(/^a=rtpmap:(\d+) opus\/48000\/2$/im) || [])[1] : undefined;
        if (pt === undefined)
            return sdp;
        const fmtp = new RegExp('^(a=fmtp:' + pt + ' .*)$', 'm');
        if (fmtp.test(sections[i])) {
            if (!/[; ]stereo=1(;|$)/m.test(sections[i].match(fmtp)[1]))
                sections[i] = sections[i].replace(fmtp, '$1;stereo=1');
        } else {
            sections[i] = sections[i].replace(new RegExp('^(a=rtpmap:' + pt + ' .*)$', 'm'), '$1\r\na=fmtp:' + pt + ' stereo=1');
        }
        return sections.join('\r\n');
    }

    function setAudioPresent(present) {
        player.audio.present = present;
        player.mic.available = present && !!micTransceiver && !!(navigator.mediaDevices &&
            navigator.mediaDevices.getUserMedia);
        document.body.dataset.sound = present ? (video.muted ? 'muted' : 'on') : 'none';
        if (present && gestured)
            unmuteOnGesture();
        renderAudio();
        renderMic();
    }

    function setMuted(muted) {
        video.muted = muted;
        player.audio.muted = muted;
        if (player.audio.present)
            document.body.dataset.sound = muted ? 'muted' : 'on';
        renderAudio();
    }

    // Browsers let a page play sound only after a click or a key: the
    // player starts muted, and the first one anywhere unmutes it unless
    // the player has chosen for itself (the mute button, the slider).
    function unmuteOnGesture(e) {
        gestured = true;
        if (!autoMuted || !player.audio.present || (e && (ui.mute.contains(e.target) || ui.volume.contains(e.target))))
            return;
        autoMuted = false;
        setMuted(false);
        video.play().catch(() => {});
    }

    function toggleMute() {
        autoMuted = false;
        setMuted(!video.muted);
        if (!video.muted)
            video.play().catch(() => {});
    }

    function setVolume(v) {
        autoMuted = false;
        video.volume = v;
        player.audio.volume = v;
        try {
            localStorage.setItem(VOLUME_KEY, String(v));
        } catch (err) {
            // storage refused (private mode): the volume lasts this page
        }
        setMuted(v === 0);
    }

    function restoreVolume() {
        let v = NaN;
        try {
            v = parseFloat(localStorage.getItem(VOLUME_KEY));
        } catch (err) {
            // storage refused: the default volume
        }
        if (v >= 0 && v <= 1) {
            video.volume = v;
            player.audio.volume = v;
        }
        ui.volume.value = String(player.audio.volume);
    }

    function renderAudio() {
        const show = player.audio.present;
        ui.unmute.hidden = !show || !video.muted || !autoMuted;
        ui.mute.hidden = !show;
        ui.volume.hidden = !show;
        ui.mute.classList.toggle('muted', video.muted);
        ui.mute.title = video.muted ? 'Sound off: click to unmute' : 'Sound on: click to mute';
        ui.mute.setAttribute('aria-pressed', video.muted ? 'true' : 'false');
    }

    function setMic(state, reason) {
        player.mic.state = state;
        player.mic.reason = reason || null;
        document.body.dataset.mic = state;
        renderMic();
    }

    function renderMic() {
        const m = player.mic;
        ui.mic.hidden = !m.available;
        ui.mic.textContent = { off: 'Mic off', asking: 'Mic…', on: 'Mic on', denied: 'Mic blocked' }[m.state];
        ui.mic.title = m.state === 'denied' ? 'Microphone blocked: ' + (m.reason || 'refused') + ' (click to ask again)'
            : m.state === 'on' ? 'Microphone on: the game hears you (click to stop)'
                : m.state === 'asking' ? 'Waiting for the browser to allow the microphone'
                    : 'Microphone off (click to speak into the game)';
        ui.mic.setAttribute('aria-pressed', m.state === 'on' ? 'true' : 'false');
        ui.mic.className = 'mic-' + m.state;
    }

    // Asks for the microphone only when the player presses the button.  The
    // server hears "on" before the first packet, so none of it is refused.
    async function toggleMic() {
        if (player.mic.state === 'on') {
            releaseMic(true);
            return;
        }
        if (player.mic.state === 'asking' || !micTransceiver)
            return;
        const mine = generation;
        setMic('asking');
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch (err) {
            setMic('denied', (err && (err.message || err.name)) || 'refused');
            showNotice('Microphone blocked: ' + player.mic.reason);
            return;
        }
        const track = stream.getAudioTracks()[0];
        if (mine !== generation || !micTransceiver || !track) {
            stream.getTracks().forEach((t) => t.stop());
            setMic('off');
            return;
        }
        micTrack = track;
        track.onended = () => { if (micTrack === track) releaseMic(true); };
        send({ type: 'mic', on: true });
        try {
            await micTransceiver.sender.replaceTrack(track);
        } catch (err) {
            releaseMic(true);
            setMic('denied', err.message || String(err));
            return;
        }
        setMic('on');
    }

    // The track stops before the server hears "off" (tell), so that nothing
    // arrives after it that it would refuse.
    function releaseMic(tell) {
        const wasOn = micTrack !== null;
        if (micTrack) {
            micTrack.onended = null;
            micTrack.stop();
            micTrack = null;
        }
        if (micTransceiver && pc)
            micTransceiver.sender.replaceTrack(null).catch(() => {});
        if (wasOn && tell)
            send({ type: 'mic', on: false });
        if (player.mic.state !== 'denied')
            setMic('off');
    }

    // The loudest frequency of the received sound (WebAudio's analyser,
    // Blackman window, FFT_SIZE bins; parabolic interpolation of the peak's
    // dB between its neighbours), or null for silence or no sound.
    async function dominantFrequency(ms) {
        if (!audioTrack || audioTrack.readyState !== 'live')
            return null;
        const ctx = new AudioContext();
        try {
            await ctx.resume().catch(() => {});
            const analyser = ctx.createAnalyser();
            analyser.fftSize = FFT_SIZE;
            analyser.smoothingTimeConstant = 0;
            ctx.createMediaStreamSource(new MediaStream([audioTrack])).connect(analyser);
            await new Promise((ok) => setTimeout(ok, Math.max(ms || 0, 1000 * FFT_SIZE / ctx.sampleRate + 300)));
            const db = new Float32Array(analyser.frequencyBinCount);
            analyser.getFloatFrequencyData(db);
            let k = 1;
            for (let i = 2; i < db.length - 1; i++)
                if (db[i] > db[k])
                    k = i;
            if (!(db[k] > analyser.minDecibels))
                return null;
            const a = db[k - 1], b = db[k], c = db[k + 1], curve = a - 2 * b + c;
            const shift = curve < 0 ? 0.5 * (a - c) / curve : 0;
            return (k + shift) * ctx.sampleRate / FFT_SIZE;
        } finally {
            ctx.close().catch(() => {});
        }
    }

    // ---------------------------------------------------------------
    // Input

    function canSend() {
        return dc && dc.readyState === 'open' && player.role === 'control';
    }

    function sendEvents(events) {
        if (!events.length || !canSend())
            return false;
        dc.send(JSON.stringify({ events }));
        player.inputSent += events.length;
        return true;
    }

    function playing() {
        return ui.message.hidden && (player.state === 'negotiating' || player.state === 'playing');
    }

    function releaseAll() {
        const events = [];
        for (const code of heldKeys)
            events.push({ type: 'key', code, value: 0 });
        for (const code of heldButtons)
            events.push({ type: 'button', code, value: 0 });
        padPrev.forEach((prev, pad) => {
            if (!prev)
                return;
            prev.buttons.forEach((down, i) => {
                if (down)
                    events.push({ type: 'pad_button', code: PAD_BUTTONS[i], value: 0, pad });
            });
        });
        heldKeys.clear();
        heldButtons.clear();
        padPrev.length = 0;
        relX = relY = 0;
        absPending = null;
        sendEvents(events);
    }

    function onKeyDown(e) {
        if (e.code === KEY_STATS || e.code === KEY_FULLSCREEN) {
            e.preventDefault();
            if (!e.repeat)
                (e.code === KEY_STATS ? toggleOverlay : toggleFullscreen)();
            return;
        }
        const code = KEYS[e.code];
        if (!code || !playing())
            return;
        e.preventDefault();
        if (e.repeat || heldKeys.has(code))
            return; // the game sees one press; auto-repeat is the guest's business
        heldKeys.add(code);
        sendEvents([{ type: 'key', code, value: 1 }]);
    }

    function onKeyUp(e) {
        const code = KEYS[e.code];
        if (!code || !heldKeys.has(code))
            return;
        e.preventDefault();
        heldKeys.delete(code);
        sendEvents([{ type: 'key', code, value: 0 }]);
    }

    // Where the picture is inside the element (object-fit: contain letterboxes it).
    function contentRect() {
        const r = video.getBoundingClientRect();
        const vw = video.videoWidth, vh = video.videoHeight;
        if (!vw || !vh || !r.width || !r.height)
            return null;
        const scale = Math.min(r.width / vw, r.height / vh);
        const w = vw * scale, h = vh * scale;
        return { left: r.left + (r.width - w) / 2, top: r.top + (r.height - h) / 2, width: w, height: h };
    }

    function absEvent(e) {
        const c = contentRect();
        if (!c)
            return null;
        const x = (e.clientX - c.left) / c.width, y = (e.clientY - c.top) / c.height;
        if (x < 0 || x > 1 || y < 0 || y > 1)
            return null;
        return { x: Math.round(x * ABS_MAX), y: Math.round(y * ABS_MAX) };
    }

    const clampRel = (v) => Math.max(-REL_MAX, Math.min(REL_MAX, v));

    // Motion is coalesced to one message per animation frame.
    function flushMotion() {
        motionScheduled = false;
        const events = [];
        if (relX || relY) {
            if (relX)
                events.push({ type: 'rel', code: 'REL_X', value: clampRel(relX) });
            if (relY)
                events.push({ type: 'rel', code: 'REL_Y', value: clampRel(relY) });
            relX = relY = 0;
        }
        if (absPending) {
            events.push({ type: 'abs', code: 'ABS_X', value: absPending.x },
                { type: 'abs', code: 'ABS_Y', value: absPending.y });
            absPending = null;
        }
        sendEvents(events);
    }

    function scheduleMotion() {
        if (!motionScheduled) {
            motionScheduled = true;
            requestAnimationFrame(flushMotion);
        }
    }

    function onMouseMove(e) {
        if (!playing() || player.role !== 'control')
            return;
        if (document.pointerLockElement === ui.stage) {
            relX += e.movementX;
            relY += e.movementY;
        } else {
            const a = absEvent(e);
            if (!a)
                return;
            absPending = a;
        }
        scheduleMotion();
    }

    function onMouseButton(e, value) {
        if (!playing())
            return;
        const code = MOUSE_BUTTONS[e.button];
        if (!code || (!value && !heldButtons.has(code)))
            return;
        e.preventDefault();
        if (value && document.pointerLockElement !== ui.stage && ui.stage.requestPointerLock) {
            const p = ui.stage.requestPointerLock();
            if (p && p.catch)
                p.catch(() => {});
        }
        if (value ? heldButtons.has(code) : !heldButtons.has(code))
            return;
        const events = [];
        if (document.pointerLockElement !== ui.stage) {
            const a = absEvent(e);
            if (a)
                events.push({ type: 'abs', code: 'ABS_X', value: a.x }, { type: 'abs', code: 'ABS_Y', value: a.y });
        }
        if (value)
            heldButtons.add(code);
        else
            heldButtons.delete(code);
        events.push({ type: 'button', code, value });
        sendEvents(events);
    }

    function onWheel(e) {
        if (!playing())
            return;
        e.preventDefault();
        // One detent per 100 px (or per 3 lines); wheel up is positive in evdev.
        const unit = e.deltaMode === 1 ? 3 : e.deltaMode === 2 ? 1 : 100;
        const detents = Math.round(-e.deltaY / unit) || -Math.sign(e.deltaY);
        if (detents)
            sendEvents([{ type: 'rel', code: 'REL_WHEEL', value: clampRel(detents) }]);
    }

    // ---------------------------------------------------------------
    // Game pads: the browser's pads sent as the guest's, the guest's rumble
    // played back on them, and the toolbar's indicator.

    const axisValue = (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
    const triggerValue = (v) => Math.max(0, Math.min(TRIGGER_MAX, Math.round(v * TRIGGER_MAX)));
    const validPad = (pad) => Number.isInteger(pad) && pad >= 0 && pad < MAX_PADS;

    function gamepads() {
        if (testGamepads)
            return testGamepads() || [];
        return navigator.getGamepads ? navigator.getGamepads() : [];
    }

    function browserPad(pad) {
        const gp = gamepads()[pad];
        return gp && gp.connected ? gp : null;
    }

    // A pad's state as the page sends it: buttons pressed, axes in evdev's units.
    function padState(gp) {
        const cur = { buttons: [], axes: {} };
        gp.buttons.forEach((b, i) => {
            if (i < PAD_BUTTONS.length && !PAD_TRIGGERS[i])
                cur.buttons[i] = b.pressed;
            if (PAD_TRIGGERS[i])
                cur.axes[PAD_TRIGGERS[i]] = triggerValue(b.value);
        });
        gp.axes.forEach((v, i) => {
            if (i < PAD_AXES.length)
                cur.axes[PAD_AXES[i]] = axisValue(v);
        });
        return cur;
    }

    // The events that take the guest's pad from prev (null: just plugged in,
    // all at rest) to cur.
    function padChanges(pad, prev, cur, events) {
        cur.buttons.forEach((down, i) => {
            if (down !== (prev ? !!prev.buttons[i] : false))
                events.push({ type: 'pad_button', code: PAD_BUTTONS[i], value: down ? 1 : 0, pad });
        });
        for (const [code, v] of Object.entries(cur.axes)) {
            if (prev ? prev.axes[code] !== v : v !== 0)
                events.push({ type: 'pad_axis', code, value: v, pad });
        }
    }

    // The browser lost the pad: its held buttons are let go, then it goes.
    function padGone(pad, prev, events) {
        prev.buttons.forEach((down, i) => {
            if (down)
                events.push({ type: 'pad_button', code: PAD_BUTTONS[i], value: 0, pad });
        });
        events.push({ type: 'pad_connect', value: 0, pad });
    }

    // Once per animation frame: one message with every pad's changes.  A
    // watcher's pads send nothing (they still light the indicator).
    function pollPads() {
        requestAnimationFrame(pollPads);
        const pads = gamepads();
        let changed = false;
        for (let pad = 0; pad < MAX_PADS; pad++) {
            const has = !!(pads[pad] && pads[pad].connected);
            changed = changed || player.pads[pad].browser !== has;
            player.pads[pad].browser = has;
        }
        if (changed)
            renderPads();
        if (!playing() || player.role !== 'control')
            return;
        const events = [];
        for (let pad = 0; pad < MAX_PADS; pad++) {
            const gp = pads[pad];
            const prev = padPrev[pad];
            if (!gp || !gp.connected) {
                if (prev)
                    padGone(pad, prev, events);
                padPrev[pad] = null;
                continue;
            }
            const cur = padState(gp);
            if (!prev)
                events.push({ type: 'pad_connect', value: 1, pad });
            padChanges(pad, prev, cur, events);
            padPrev[pad] = cur;
        }
        sendEvents(events);
    }

    function lastRumble(pad) {
        for (let i = player.rumbles.length - 1; i >= 0; i--)
            if (player.rumbles[i].pad === pad)
                return player.rumbles[i];
        return null;
    }

    // Plays the pad's motors as the guest last set them on the browser's pad
    // of that index (where the browser has vibrationActuator), re-armed
    // while they run; still motors reset it.
    function playRumble(pad) {
        clearTimeout(rumbleTimers[pad]);
        rumbleTimers[pad] = 0;
        const st = player.pads[pad];
        const gp = browserPad(pad);
        const act = gp && gp.vibrationActuator;
        const still = !st.strong && !st.weak;
        if (!act || (still ? !act.reset : !act.playEffect))
            return;
        const done = still ? act.reset() : act.playEffect('dual-rumble', {
            startDelay: 0, duration: RUMBLE_EFFECT_MS,
            strongMagnitude: st.strong / RUMBLE_MAX, weakMagnitude: st.weak / RUMBLE_MAX,
        });
        if (done && done.catch)
            done.catch(() => {}); // "preempted" by the next one, or no motors
        if (!still)
            rumbleTimers[pad] = setTimeout(() => playRumble(pad), RUMBLE_REARM_MS);
    }

    function stopRumbles() {
        for (let pad = 0; pad < MAX_PADS; pad++) {
            const st = player.pads[pad];
            if (st.strong || st.weak) {
                st.strong = st.weak = 0;
                playRumble(pad);
            }
        }
    }

    // {"type":"rumble","pad":N,"strong":0..65535,"weak":0..65535}
    function onRumble(msg) {
        const strength = (v) => (Number.isFinite(v) ? Math.max(0, Math.min(RUMBLE_MAX, Math.round(v))) : 0);
        if (!validPad(msg.pad)) {
            player.lastError = 'rumble for pad ' + msg.pad + ', which is not 0..' + (MAX_PADS - 1);
            return;
        }
        player.rumbles.push(msg);
        if (player.rumbles.length > RUMBLES_KEPT)
            player.rumbles.splice(0, player.rumbles.length - RUMBLES_KEPT);
        player.pads[msg.pad].strong = strength(msg.strong);
        player.pads[msg.pad].weak = strength(msg.weak);
        playRumble(msg.pad);
        renderOverlay();
    }

    // {"type":"pad","pad":N,"attached":true|false,"led":L|null}
    function onPadMessage(msg) {
        if (!validPad(msg.pad)) {
            player.lastError = 'pad message for pad ' + msg.pad + ', which is not 0..' + (MAX_PADS - 1);
            return;
        }
        const st = player.pads[msg.pad];
        st.attached = msg.attached === true;
        st.led = Number.isInteger(msg.led) ? msg.led : null;
        if (!st.attached && (st.strong || st.weak)) {
            st.strong = st.weak = 0;
            playRumble(msg.pad);
        }
        renderPads();
    }

    // The toolbar's pads 1-4: lit while the browser has the pad, marked
    // while the guest has it plugged in; hidden while neither has any.
    function renderPads() {
        let any = false;
        for (const el of ui.pads.querySelectorAll('.pad')) {
            const st = player.pads[Number(el.dataset.pad)];
            any = any || st.browser || st.attached;
            el.classList.toggle('browser', st.browser);
            el.classList.toggle('attached', st.attached);
            el.title = 'Pad ' + (st.index + 1) + ': ' +
                (st.browser ? 'connected to this browser' : 'not connected to this browser') + '; ' +
                (st.attached ? 'plugged into the game' + (st.led !== null ? ' (LED ' + st.led + ')' : '')
                    : 'not plugged into the game');
        }
        ui.pads.hidden = !any;
        renderOverlay();
    }

    // F2: "1 browser+game LED 6 rumble 32896/0; 2 browser" or "-".
    function describePads() {
        const out = player.pads.filter((st) => st.browser || st.attached).map((st) =>
            (st.index + 1) + ' ' + [st.browser ? 'browser' : null, st.attached ? 'game' : null]
                .filter(Boolean).join('+') +
            (st.led !== null ? ' LED ' + st.led : '') +
            (st.strong || st.weak ? ' rumble ' + st.strong + '/' + st.weak : ''));
        return out.length ? out.join('; ') : '-';
    }

    // ---------------------------------------------------------------

    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', releaseAll);
    document.addEventListener('visibilitychange', () => {
        if (document.hidden)
            releaseAll();
        else if (pc)
            send({ type: 'keyframe' });
    });
    ui.stage.addEventListener('mousemove', onMouseMove);
    ui.stage.addEventListener('mousedown', (e) => onMouseButton(e, 1));
    window.addEventListener('mouseup', (e) => onMouseButton(e, 0));
    ui.stage.addEventListener('wheel', onWheel, { passive: false });
    ui.stage.addEventListener('contextmenu', (e) => e.preventDefault());
    ui.reconnect.addEventListener('click', () => connect());
    setInterval(checkStall, 1000);
    ui.stats.addEventListener('click', (e) => { e.currentTarget.blur(); toggleOverlay(); });
    ui.fullscreen.addEventListener('click', (e) => { e.currentTarget.blur(); toggleFullscreen(); });
    ui.unmute.addEventListener('click', (e) => { e.currentTarget.blur(); unmuteOnGesture(); });
    ui.mute.addEventListener('click', (e) => { e.currentTarget.blur(); toggleMute(); });
    ui.volume.addEventListener('input', () => setVolume(Number(ui.volume.value)));
    ui.volume.addEventListener('change', (e) => e.currentTarget.blur());
    ui.mic.addEventListener('click', (e) => { e.currentTarget.blur(); toggleMic(); });
    // Capture: before a handler below could stop it.
    window.addEventListener('pointerdown', unmuteOnGesture, true);
    window.addEventListener('keydown', unmuteOnGesture, true);
    window.addEventListener('pagehide', teardown);

    restoreVolume();
    setAudioPresent(false);
    setMic('off');
    renderPads();
    requestAnimationFrame(pollPads);
    connect();
})();
