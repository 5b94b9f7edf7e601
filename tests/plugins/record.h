/* record: what the test plugins write down for test_plugin.c to read back
 * (through dlsym on the loaded plugin). */
#pragma once

#include <gamehost/plugin.h>

/* good.so: "gh_test_good_record". */
struct gh_test_record {
    int probes, creates, destroys, grabs, sends, timer_fires;
    uint32_t timer_id;                 /* set when option "timer_ms" asked for one */
    gh_host *host;                     /* of the last create */
    const gh_host_services *services;
    uint32_t n_events;                 /* of the last send */
    gh_input_event first_event;
};

/* misuse.so: "gh_test_misuse_record", what each bad call returned. */
struct gh_test_misuse {
    int ran;
    const char *session_null_host, *session_random_host, *option_null_key;
    uint64_t now_null_host;
    int screenshot_null_out, send_keys_null_codes, send_keys_zero, send_keys_too_many;
    int qmp_null_command, qmp_null_reply, submit_too_many, submit_null_events, submit_null_host;
    uint32_t timer_no_fn, fd_negative, fd_bad_events;
};
