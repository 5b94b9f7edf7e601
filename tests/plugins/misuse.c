/* misuse: an input backend whose create calls the host services with every
 * kind of bad argument and writes down what each returned; the host must
 * answer each with an error, not a crash. */
#include "record.h"
#include "stubs.h"

GH_PLUGIN_EXPORT struct gh_test_misuse gh_test_misuse_record;
struct gh_test_misuse gh_test_misuse_record;

static int
never_fd(int fd, uint32_t revents, void *data)
{
    return 0;
}

static gh_instance *
misuse_create(gh_host *host, const gh_host_services *s)
{
    struct gh_test_misuse *r = &gh_test_misuse_record;
    static int not_a_host;
    gh_host *random = (gh_host *)(void *)&not_a_host;
    static const uint32_t keys[65] = { 30 };
    static const gh_input_event ev[1] = { { .type = GH_INPUT_KEY, .code = 30, .value = 1 } };
    uint8_t *data;
    size_t len;
    char *reply;

    s->log(NULL, GH_LOG_INFO, "to nobody");
    s->log(host, GH_LOG_ERROR, NULL);
    s->set_error(NULL, "lost");
    s->set_error(random, "lost");
    s->display_size(host, NULL, NULL, NULL);
    s->remove_source(host, 999999);
    r->session_null_host = s->session_id(NULL);
    r->session_random_host = s->session_id(random);
    r->option_null_key = s->option(host, NULL);
    r->now_null_host = s->now_ns(NULL);
    r->screenshot_null_out = s->screenshot(host, &data, &len, NULL);
    r->send_keys_null_codes = s->send_keys(host, NULL, 2, 0);
    r->send_keys_zero = s->send_keys(host, keys, 0, 0);
    r->send_keys_too_many = s->send_keys(host, keys, 65, 0);
    r->qmp_null_command = s->qmp_command(host, NULL, &reply);
    r->qmp_null_reply = s->qmp_command(host, "{\"execute\":\"query-status\"}", NULL);
    r->submit_too_many = s->submit_input(host, ev, 5000);   /* must not be read */
    r->submit_null_events = s->submit_input(host, NULL, 3);
    r->submit_null_host = s->submit_input(NULL, ev, 1);
    r->timer_no_fn = s->add_timer(host, 10, NULL, NULL);
    r->fd_negative = s->add_fd(host, -1, GH_FD_IN, never_fd, NULL);
    r->fd_bad_events = s->add_fd(host, 0, 0x100, never_fd, NULL);
    r->ran = 1;
    return stub_create(host, s);
}

static const gh_backend_factory factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_INPUT,
    .name = "input.misuse",
    .create = misuse_create,
    .destroy = stub_destroy,
    .input = &stub_input_ops,
};

static const gh_backend_factory *const factories[] = { &factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "misuse",
    .version = "1",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
