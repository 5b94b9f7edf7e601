/* Specification of the config module: the built-in defaults, the operator's
 * INI file overlaid on them (every key, every rejection with FILE:LINE), the
 * shipped example file, and the API token file (generated at first start). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/config.h"
#include "gpu/gpu.h"
#include "testutil.h"

/* ---- fixtures --------------------------------------------------------- */

static char *tmpdir;      /* fresh per test */
static char *conf_path;   /* <tmpdir>/gamehost.conf */

static void
setup(void)
{
    tmpdir = gh_test_make_tmpdir("gh-test-config");
    conf_path = g_build_filename(tmpdir, "gamehost.conf", NULL);
}

static void
teardown(void)
{
    gh_test_rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    g_clear_pointer(&conf_path, g_free);
}

static void
write_file(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(g_file_set_contents(path, text, -1, &error), "write %s: %s", path,
                  error ? error->message : "?");
}

/* Writes text as the config file and loads it; the load must succeed. */
static GhConfig *
load_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    GhConfig *config;

    write_file(conf_path, text);
    config = gh_config_load(conf_path, &error);
    ck_assert_msg(config, "unexpected error: %s", error ? error->message : "?");
    return config;
}

/* Writes text as the config file; the load must fail with this code and
 * exactly the message "<conf_path>:<line>: <reason>". */
static void
assert_load_fails(const char *text, GhConfigError code, int line, const char *reason)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhConfig) config = NULL;
    g_autofree char *expected = g_strdup_printf("%s:%d: %s", conf_path, line, reason);

    write_file(conf_path, text);
    config = gh_config_load(conf_path, &error);
    ck_assert_ptr_null(config);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, code), "unexpected error code %d: %s", error->code,
                  error->message);
    ck_assert_str_eq(error->message, expected);
}

static void
assert_strv(char **got, const char *const *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(g_strv_length(got), g_strv_length((char **)want));
    for (guint i = 0; want[i]; i++)
        ck_assert_str_eq(got[i], want[i]);
}

static char *
example_path(void)
{
    const char *srcdir = g_getenv("GH_TEST_SRCDIR");

    ck_assert_msg(srcdir, "GH_TEST_SRCDIR is not set");
    return g_build_filename(srcdir, "etc", "gamehost.conf.example", NULL);
}

/* Defaults with the state dir inside the test's temporary dir. */
static GhConfig *
config_in_tmpdir(void)
{
    GhConfig *config = gh_config_new_default();

    g_free(config->state_dir);
    config->state_dir = g_build_filename(tmpdir, "state", NULL);
    return config;
}

static void
assert_same_config(const GhConfig *got, const GhConfig *want)
{
    ck_assert_str_eq(got->state_dir, want->state_dir);
    ck_assert_str_eq(got->listen_host, want->listen_host);
    ck_assert_uint_eq(got->listen_port, want->listen_port);
    ck_assert_str_eq(got->data_dir, want->data_dir);
    assert_strv(got->image_dirs, (const char *const *)want->image_dirs);
    assert_strv(got->profile_dirs, (const char *const *)want->profile_dirs);
    ck_assert_str_eq(got->log_level, want->log_level);
    ck_assert_pstr_eq(got->libvirt_uri, want->libvirt_uri);
    ck_assert_str_eq(got->domain_type, want->domain_type);
    ck_assert_pstr_eq(got->token_file, want->token_file);
    ck_assert_uint_eq(got->max_body_bytes, want->max_body_bytes);
    ck_assert_uint_eq(got->max_sessions, want->max_sessions);
    ck_assert_uint_eq(got->keep_stopped, want->keep_stopped);
    ck_assert_pstr_eq(got->plugin_user, want->plugin_user);
    ck_assert_pstr_eq(got->worker_path, want->worker_path);
    ck_assert_uint_eq(got->watchdog_ms, want->watchdog_ms);
    ck_assert_uint_eq(got->crash_limit, want->crash_limit);
    ck_assert_uint_eq(got->crash_window, want->crash_window);
    ck_assert_uint_eq(got->worker_memory, want->worker_memory);
    ck_assert_uint_eq(got->worker_open_files, want->worker_open_files);
}

/* ---- defaults and the example file ------------------------------------ */

START_TEST(test_defaults)
{
    g_autoptr(GhConfig) config = gh_config_new_default();
    const char *const images[] = { GH_PKGDATADIR "/images", NULL };
    const char *const profiles[] = { GH_PKGDATADIR "/profiles", NULL };

    ck_assert_ptr_null(config->file);
    ck_assert_str_eq(config->state_dir, GH_LOCALSTATEDIR "/lib/gamehost");
    ck_assert_str_eq(config->listen_host, "127.0.0.1");
    ck_assert_uint_eq(config->listen_port, 8470);
    ck_assert_str_eq(config->data_dir, GH_PKGDATADIR);
    assert_strv(config->image_dirs, images);
    assert_strv(config->profile_dirs, profiles);
    ck_assert_str_eq(config->log_level, "info");
    ck_assert_ptr_null(config->libvirt_uri);
    ck_assert_str_eq(config->domain_type, "auto");
    ck_assert_ptr_null(config->token_file);
    ck_assert_uint_eq(config->max_body_bytes, 65536);
    ck_assert_uint_eq(config->max_sessions, 8);
    ck_assert_uint_eq(config->keep_stopped, 100);
    ck_assert_str_eq(config->plugin_user, "gamehost-worker");
    ck_assert_str_eq(config->worker_path, GH_PKGLIBEXECDIR "/gamehost-worker");
    ck_assert_uint_eq(config->watchdog_ms, 5000);
    ck_assert_uint_eq(config->crash_limit, 3);
    ck_assert_uint_eq(config->crash_window, 60);
    ck_assert_uint_eq(config->worker_memory, G_GUINT64_CONSTANT(4) << 30);
    ck_assert_uint_eq(config->worker_open_files, 1024);
}
END_TEST

START_TEST(test_empty_file_loads_to_defaults_and_records_its_path)
{
    g_autoptr(GhConfig) config = load_ok("");
    g_autoptr(GhConfig) defaults = gh_config_new_default();

    assert_same_config(config, defaults);
    ck_assert_str_eq(config->file, conf_path);
}
END_TEST

START_TEST(test_example_config_loads_to_defaults)
{
    g_autofree char *path = example_path();
    g_autoptr(GError) error = NULL;
    g_autoptr(GhConfig) config = gh_config_load(path, &error);
    g_autoptr(GhConfig) defaults = gh_config_new_default();

    ck_assert_msg(config, "example config: %s", error ? error->message : "?");
    assert_same_config(config, defaults);
    ck_assert_str_eq(config->file, path);
}
END_TEST

/* Uncommenting every "#key = value" line of the example gives a file that
 * sets every key the daemon knows, with values it accepts. */
START_TEST(test_example_config_documents_every_key_with_a_valid_value)
{
    static const char *const known[][2] = {
        { "daemon", "state_dir" },     { "daemon", "listen" },        { "daemon", "data_dir" },
        { "daemon", "image_dirs" },    { "daemon", "profile_dirs" },  { "daemon", "log_level" },
        { "daemon", "plugin_dirs" },
        { "libvirt", "uri" },          { "libvirt", "domain_type" },  { "api", "token_file" },
        { "api", "max_body_bytes" },   { "sessions", "max_sessions" }, { "sessions", "keep_stopped" },
        { "gpu", "sysfs_root" },       { "gpu", "hugepages" },        { "gpu.l4", "vendor" },
        { "gpu.l4", "product" },       { "gpu.l4", "managed" },       { "gpu.a10-8q", "mdev_type" },
        { "api", "player_token_ttl" }, { "api", "player_dir" },      { "sessions", "max_viewers" },
        { "stream.webrtc", "stun_server" },
        { "plugins", "user" },         { "plugins", "worker" },       { "plugins", "watchdog_ms" },
        { "plugins", "crash_limit" },  { "plugins", "crash_window" }, { "plugins", "memory_limit" },
        { "plugins", "open_files" },
    };
    g_autofree char *path = example_path();
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GRegex) commented = g_regex_new("^#([a-z_]+ = |\\[gpu\\.|\\[stream\\.)", G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *uncommented = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GhConfig) config = NULL;

    ck_assert_msg(g_file_get_contents(path, &text, NULL, &error), "%s", error ? error->message : "?");
    uncommented = g_regex_replace(commented, text, -1, 0, "\\1", 0, NULL);
    ck_assert_ptr_nonnull(uncommented);
    ck_assert_msg(g_key_file_load_from_data(kf, uncommented, -1, G_KEY_FILE_NONE, &error), "%s", error ? error->message : "?");
    for (gsize i = 0; i < G_N_ELEMENTS(known); i++)
        ck_assert_msg(g_key_file_has_key(kf, known[i][0], known[i][1], NULL), "[%s] %s is not documented",
                      known[i][0], known[i][1]);
    config = load_ok(uncommented);
    ck_assert_str_eq(config->libvirt_uri, "qemu:///system");
    ck_assert_uint_eq(config->gpu_allow->len, 2);
    ck_assert_str_eq(((GhGpuAllow *)config->gpu_allow->pdata[1])->mdev_type, "nvidia-558");
    ck_assert_str_eq(g_hash_table_lookup(gh_config_backend_defaults(config, "stream.webrtc"), "turn_server"),
                     "turns://user:secret@turn.example.net:5349");
}
END_TEST

/* ---- each key --------------------------------------------------------- */

START_TEST(test_listen_host_and_port)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nlisten = 0.0.0.0:9000\n");

    ck_assert_str_eq(config->listen_host, "0.0.0.0");
    ck_assert_uint_eq(config->listen_port, 9000);
}
END_TEST

START_TEST(test_listen_bracketed_ipv6)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nlisten = [::1]:9000\n");

    ck_assert_str_eq(config->listen_host, "::1");
    ck_assert_uint_eq(config->listen_port, 9000);
}
END_TEST

START_TEST(test_state_dir)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nstate_dir = /srv/gamehost/state\n");

    ck_assert_str_eq(config->state_dir, "/srv/gamehost/state");
}
END_TEST

START_TEST(test_image_dirs_semicolon_list_skips_empty_items)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nimage_dirs = /srv/a; /srv/b ;;/srv/c;\n");
    const char *const want[] = { "/srv/a", "/srv/b", "/srv/c", NULL };

    assert_strv(config->image_dirs, want);
}
END_TEST

START_TEST(test_profile_dirs_come_after_builtin_profiles)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nprofile_dirs = /etc/gamehost/profiles;/srv/profiles\n");
    const char *const want[] = { GH_PKGDATADIR "/profiles", "/etc/gamehost/profiles", "/srv/profiles", NULL };

    assert_strv(config->profile_dirs, want);
}
END_TEST

START_TEST(test_log_level)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nlog_level = debug\n");

    ck_assert_str_eq(config->log_level, "debug");
}
END_TEST

START_TEST(test_libvirt_uri)
{
    g_autoptr(GhConfig) config = load_ok("[libvirt]\nuri = qemu:///system\n");

    ck_assert_str_eq(config->libvirt_uri, "qemu:///system");
}
END_TEST

START_TEST(test_empty_libvirt_uri_means_embedded)
{
    g_autoptr(GhConfig) config = load_ok("[libvirt]\nuri =\n");

    ck_assert_ptr_null(config->libvirt_uri);
}
END_TEST

START_TEST(test_domain_type)
{
    g_autoptr(GhConfig) config = load_ok("[libvirt]\ndomain_type = kvm\n");

    ck_assert_str_eq(config->domain_type, "kvm");
}
END_TEST

START_TEST(test_token_file)
{
    g_autoptr(GhConfig) config = load_ok("[api]\ntoken_file = /etc/gamehost/api-tokens\n");
    g_autofree char *path = gh_config_token_path(config);

    ck_assert_str_eq(config->token_file, "/etc/gamehost/api-tokens");
    ck_assert_str_eq(path, "/etc/gamehost/api-tokens");
}
END_TEST

START_TEST(test_max_body_bytes)
{
    g_autoptr(GhConfig) config = load_ok("[api]\nmax_body_bytes = 1048576\n");

    ck_assert_uint_eq(config->max_body_bytes, 1048576);
}
END_TEST

START_TEST(test_max_sessions)
{
    g_autoptr(GhConfig) config = load_ok("[sessions]\nmax_sessions = 32\n");

    ck_assert_uint_eq(config->max_sessions, 32);
}
END_TEST

START_TEST(test_keep_stopped_zero)
{
    g_autoptr(GhConfig) config = load_ok("[sessions]\nkeep_stopped = 0\n");

    ck_assert_uint_eq(config->keep_stopped, 0);
}
END_TEST

START_TEST(test_integer_range_bounds_are_inclusive)
{
    g_autoptr(GhConfig) config = load_ok("[api]\nmax_body_bytes = 256\n"
                                         "[sessions]\nmax_sessions = 4096\nkeep_stopped = 100000\n");

    ck_assert_uint_eq(config->max_body_bytes, 256);
    ck_assert_uint_eq(config->max_sessions, 4096);
    ck_assert_uint_eq(config->keep_stopped, 100000);
}
END_TEST

START_TEST(test_player_keys)
{
    g_autoptr(GhConfig) defaults = gh_config_new_default();
    g_autoptr(GhConfig) config = load_ok("[api]\nplayer_token_ttl = 60\nplayer_dir = /srv/player\n"
                                         "[sessions]\nmax_viewers = 1\n");

    ck_assert_uint_eq(defaults->player_token_ttl, 3600);
    ck_assert_uint_eq(defaults->max_viewers, 4);
    ck_assert(g_str_has_suffix(defaults->player_dir, "/gamehost/player"));
    ck_assert_uint_eq(config->player_token_ttl, 60);
    ck_assert_str_eq(config->player_dir, "/srv/player");
    ck_assert_uint_eq(config->max_viewers, 1);
}
END_TEST

START_TEST(test_player_keys_out_of_range)
{
    assert_load_fails("[api]\nplayer_token_ttl = 0\n", GH_CONFIG_ERROR_VALUE, 2,
                      "bad value for player_token_ttl: expected an integer from 1 to 604800");
    assert_load_fails("[sessions]\nmax_viewers = 65\n", GH_CONFIG_ERROR_VALUE, 2,
                      "bad value for max_viewers: expected an integer from 1 to 64");
    assert_load_fails("[api]\nplayer_dir = player\n", GH_CONFIG_ERROR_VALUE, 2,
                      "bad value for player_dir: expected an absolute path");
}
END_TEST

START_TEST(test_backend_group_gives_default_options)
{
    g_autoptr(GhConfig) config = load_ok("[stream.webrtc]\nstun_server = stun://a:3478\nempty =\n"
                                         "[capture.relay]\nzero_copy = 0\n");
    GHashTable *webrtc = gh_config_backend_defaults(config, "stream.webrtc");

    ck_assert_ptr_nonnull(webrtc);
    ck_assert_str_eq(g_hash_table_lookup(webrtc, "stun_server"), "stun://a:3478");
    ck_assert_str_eq(g_hash_table_lookup(webrtc, "empty"), "");
    ck_assert_str_eq(g_hash_table_lookup(gh_config_backend_defaults(config, "capture.relay"), "zero_copy"), "0");
    ck_assert_ptr_null(gh_config_backend_defaults(config, "stream.record"));
}
END_TEST

START_TEST(test_backend_group_rejects_bad_names_and_values)
{
    g_autofree char *long_value = g_strnfill(1025, 'v');
    g_autofree char *text = g_strdup_printf("[stream.webrtc]\nstun_server = %s\n", long_value);

    assert_load_fails("[stream.webrtc]\nStun = x\n", GH_CONFIG_ERROR_UNKNOWN_KEY, 2,
                      "bad option name 'Stun' in [stream.webrtc]: expected [a-z0-9_.-]{1,63}");
    assert_load_fails(text, GH_CONFIG_ERROR_VALUE, 2,
                      "bad value for stun_server in [stream.webrtc]: expected a string of at most 1024 bytes");
    assert_load_fails("[Stream.X]\na = 1\n", GH_CONFIG_ERROR_UNKNOWN_KEY, 1,
                      "unknown group [Stream.X] (a backend's group is its name, like [stream.webrtc])");
}
END_TEST

/* The stand-in for the plugin registry: the backends in a NULL-terminated
 * list are loaded. */
static gboolean
backend_in_list(const char *name, gpointer list)
{
    return g_strv_contains(list, name);
}

static const char *const loaded_backends[] = { "capture.relay", "stream.webrtc", "input.qmp", NULL };

START_TEST(test_backend_groups_of_loaded_backends_pass_the_check)
{
    g_autoptr(GhConfig) config = load_ok("[stream.webrtc]\nstun_server = stun://a:3478\n[capture.relay]\n");
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_config_check_backend_groups(config, backend_in_list, (gpointer)loaded_backends, &error),
                  "unexpected error: %s", error ? error->message : "?");
}
END_TEST

START_TEST(test_backend_group_no_plugin_provides_is_refused_with_its_line)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nlog_level = info\n\n[stream.webrtc]\n"
                                         "# a typo'd backend\n[stream.nosuchbackend]\nbitrate = 8M\n"
                                         "[capture.nosuchbackend]\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = g_strdup_printf(
        "%s:6: unknown group [stream.nosuchbackend]: no loaded plugin provides that backend", conf_path);

    ck_assert(!gh_config_check_backend_groups(config, backend_in_list, (gpointer)loaded_backends, &error));
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY), "%s", error->message);
    ck_assert_str_eq(error->message, expected);
}
END_TEST

START_TEST(test_config_without_backend_groups_passes_the_check_with_no_backends)
{
    static const char *const none[] = { NULL };
    g_autoptr(GhConfig) config = load_ok("[sessions]\nmax_sessions = 2\n");
    g_autoptr(GhConfig) defaults = gh_config_new_default();

    ck_assert(gh_config_check_backend_groups(config, backend_in_list, (gpointer)none, NULL));
    ck_assert(gh_config_check_backend_groups(defaults, backend_in_list, (gpointer)none, NULL));
}
END_TEST

START_TEST(test_keys_not_in_file_keep_their_defaults)
{
    g_autoptr(GhConfig) config = load_ok("[sessions]\nmax_sessions = 2\n");

    ck_assert_uint_eq(config->keep_stopped, 100);
    ck_assert_uint_eq(config->listen_port, 8470);
    ck_assert_str_eq(config->domain_type, "auto");
}
END_TEST

/* ---- data_dir --------------------------------------------------------- */

START_TEST(test_data_dir_moves_builtin_profiles_and_images)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\ndata_dir = /opt/gamehost\n");
    const char *const profiles[] = { "/opt/gamehost/profiles", NULL };
    const char *const images[] = { "/opt/gamehost/images", NULL };

    ck_assert_str_eq(config->data_dir, "/opt/gamehost");
    assert_strv(config->profile_dirs, profiles);
    assert_strv(config->image_dirs, images);
}
END_TEST

START_TEST(test_data_dir_keeps_explicit_image_dirs)
{
    g_autoptr(GhConfig) config = load_ok("[daemon]\nimage_dirs = /srv/images\ndata_dir = /opt/gamehost\n");
    const char *const profiles[] = { "/opt/gamehost/profiles", NULL };
    const char *const images[] = { "/srv/images", NULL };

    assert_strv(config->profile_dirs, profiles);
    assert_strv(config->image_dirs, images);
}
END_TEST

/* ---- rejections ------------------------------------------------------- */

START_TEST(test_rejects_unknown_group)
{
    assert_load_fails("[daemon]\nlisten = 127.0.0.1:8470\n\n[gpus]\nvendor = any\n",
                      GH_CONFIG_ERROR_UNKNOWN_KEY, 4, "unknown group [gpus]");
}
END_TEST

START_TEST(test_gpu_allowlist_groups_in_file_order)
{
    g_autoptr(GhConfig) c = load_ok("[gpu]\nsysfs_root = /srv/fixture\nhugepages = yes\n"
                                     "[gpu.l4]\nvendor = 10de\nproduct = 27b8,2236\nmanaged = no\n"
                                     "[gpu.any-amd]\nvendor = 1002\naddress = 0000:8?:00.*\n");
    const GhGpuAllow *l4, *amd;

    ck_assert_str_eq(c->gpu_sysfs_root, "/srv/fixture");
    ck_assert(c->hugepages);
    ck_assert_uint_eq(c->gpu_allow->len, 2);
    l4 = c->gpu_allow->pdata[0];
    amd = c->gpu_allow->pdata[1];
    ck_assert_str_eq(l4->alias, "l4");
    ck_assert_uint_eq(l4->vendor, 0x10de);
    ck_assert_uint_eq(l4->products->len, 2);
    ck_assert_uint_eq(g_array_index(l4->products, guint16, 1), 0x2236);
    ck_assert(!l4->managed);
    ck_assert_str_eq(amd->alias, "any-amd");
    ck_assert_str_eq(amd->address_glob, "0000:8?:00.*");
    ck_assert(amd->managed);
}
END_TEST

START_TEST(test_gpu_group_rejects_bad_alias)
{
    assert_load_fails("[daemon]\n[gpu.L4!]\nvendor = 10de\n", GH_CONFIG_ERROR_VALUE, 2,
                      "bad GPU alias 'L4!' in [gpu.L4!]: expected [a-z0-9][a-z0-9._-]{0,31}");
}
END_TEST

START_TEST(test_gpu_group_rejects_unknown_key)
{
    assert_load_fails("[gpu.l4]\nvendor = 10de\ncolour = green\n", GH_CONFIG_ERROR_UNKNOWN_KEY, 3,
                      "unknown key 'colour' in [gpu.l4]");
}
END_TEST

START_TEST(test_gpu_group_rejects_bad_vendor)
{
    assert_load_fails("# hosts\n[gpu.l4]\nvendor = 10dx\n", GH_CONFIG_ERROR_VALUE, 2,
                      "[gpu.l4]: vendor '10dx' is not a PCI id (1 to 4 hex digits)");
}
END_TEST

START_TEST(test_rejects_unknown_key_with_its_line)
{
    assert_load_fails("# gamehost\n"
                      "[daemon]\n"
                      "# colour = red\n"
                      "log_level = debug\n"
                      "colour = blue\n",
                      GH_CONFIG_ERROR_UNKNOWN_KEY, 5, "unknown key 'colour' in [daemon]");
}
END_TEST

START_TEST(test_rejects_known_key_in_wrong_group)
{
    assert_load_fails("[daemon]\nlog_level = info\n[api]\nmax_sessions = 4\n",
                      GH_CONFIG_ERROR_UNKNOWN_KEY, 4, "unknown key 'max_sessions' in [api]");
}
END_TEST

START_TEST(test_rejects_non_integer)
{
    assert_load_fails("[sessions]\nmax_sessions = eight\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for max_sessions: expected an integer from 1 to 4096");
}
END_TEST

START_TEST(test_rejects_negative_integer)
{
    assert_load_fails("[sessions]\nkeep_stopped = -1\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for keep_stopped: expected an integer from 0 to 100000");
}
END_TEST

START_TEST(test_rejects_integer_above_range)
{
    assert_load_fails("[sessions]\nmax_sessions = 4097\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for max_sessions: expected an integer from 1 to 4096");
}
END_TEST

START_TEST(test_rejects_integer_below_range)
{
    assert_load_fails("[api]\n\nmax_body_bytes = 255\n",
                      GH_CONFIG_ERROR_VALUE, 3,
                      "bad value for max_body_bytes: expected an integer from 256 to 16777216");
}
END_TEST

START_TEST(test_rejects_zero_max_sessions)
{
    assert_load_fails("[sessions]\nmax_sessions = 0\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for max_sessions: expected an integer from 1 to 4096");
}
END_TEST

START_TEST(test_rejects_unknown_domain_type)
{
    assert_load_fails("[libvirt]\ndomain_type = xen\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for domain_type: expected one of auto|kvm|qemu");
}
END_TEST

START_TEST(test_rejects_unknown_log_level)
{
    assert_load_fails("[daemon]\nlog_level = verbose\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for log_level: expected one of error|warning|info|debug");
}
END_TEST

START_TEST(test_rejects_relative_state_dir)
{
    assert_load_fails("[daemon]\nstate_dir = var/lib/gamehost\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for state_dir: expected an absolute path");
}
END_TEST

START_TEST(test_rejects_relative_item_in_image_dirs)
{
    assert_load_fails("[daemon]\nimage_dirs = /srv/images;images\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for image_dirs: expected an absolute path");
}
END_TEST

START_TEST(test_rejects_relative_token_file)
{
    assert_load_fails("[api]\ntoken_file = api-token\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for token_file: expected an absolute path");
}
END_TEST

START_TEST(test_rejects_listen_without_port)
{
    assert_load_fails("[daemon]\nlisten = 127.0.0.1\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for listen: expected HOST:PORT with a port from 1 to 65535");
}
END_TEST

START_TEST(test_rejects_listen_port_zero)
{
    assert_load_fails("[daemon]\nlisten = 127.0.0.1:0\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for listen: expected HOST:PORT with a port from 1 to 65535");
}
END_TEST

START_TEST(test_rejects_listen_port_above_65535)
{
    assert_load_fails("[daemon]\nlisten = 127.0.0.1:70000\n",
                      GH_CONFIG_ERROR_VALUE, 2, "bad value for listen: expected HOST:PORT with a port from 1 to 65535");
}
END_TEST

/* The reason after FILE:LINE is GKeyFile's own wording; what this module
 * adds is the location and the offending line. */
START_TEST(test_rejects_line_without_equals_sign_with_its_line)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhConfig) config = NULL;
    g_autofree char *prefix = g_strdup_printf("%s:3: ", conf_path);

    write_file(conf_path, "[daemon]\nlog_level = info\nnonsense\nlisten = 127.0.0.1:1\n");
    config = gh_config_load(conf_path, &error);
    ck_assert_ptr_null(config);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_SYNTAX), "%s", error->message);
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "message: %s", error->message);
    ck_assert_msg(strstr(error->message, "nonsense"), "message: %s", error->message);
}
END_TEST

START_TEST(test_rejects_missing_file)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhConfig) config = NULL;
    g_autofree char *path = g_build_filename(tmpdir, "absent.conf", NULL);
    g_autofree char *prefix = g_strdup_printf("cannot read config %s: ", path);

    config = gh_config_load(path, &error);
    ck_assert_ptr_null(config);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_READ), "%s", error->message);
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "message: %s", error->message);
}
END_TEST

/* ---- API tokens ------------------------------------------------------- */

START_TEST(test_token_path_defaults_to_state_dir)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autofree char *path = gh_config_token_path(config);
    g_autofree char *want = g_build_filename(tmpdir, "state", "api-token", NULL);

    ck_assert_str_eq(path, want);
}
END_TEST

START_TEST(test_default_token_file_is_generated_when_absent)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autofree char *path = g_build_filename(tmpdir, "state", "api-token", NULL);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = gh_config_load_tokens(config, &error);
    g_autoptr(GRegex) hex64 = g_regex_new("^[0-9a-f]{64}$", 0, 0, NULL);
    g_autofree char *text = NULL;
    g_autofree char *want_text = NULL;
    GStatBuf st;

    ck_assert_msg(tokens, "unexpected error: %s", error ? error->message : "?");
    ck_assert_uint_eq(g_strv_length(tokens), 1);
    ck_assert_msg(g_regex_match(hex64, tokens[0], 0, NULL), "token '%s' is not 64 hex digits", tokens[0]);
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", path);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    want_text = g_strconcat(tokens[0], "\n", NULL);
    ck_assert_str_eq(text, want_text);
}
END_TEST

START_TEST(test_generated_token_is_stable_across_loads)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) first = gh_config_load_tokens(config, &error);
    g_auto(GStrv) second = NULL;

    ck_assert_msg(first, "first load: %s", error ? error->message : "?");
    second = gh_config_load_tokens(config, &error);
    ck_assert_msg(second, "second load: %s", error ? error->message : "?");
    assert_strv(second, (const char *const *)first);
}
END_TEST

START_TEST(test_token_file_ignores_comments_blank_lines_and_surrounding_space)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = NULL;
    const char *const want[] = { "0123456789abcdef-first", "fedcba9876543210-second", NULL };

    config->token_file = g_build_filename(tmpdir, "tokens", NULL);
    write_file(config->token_file,
               "# operators' tokens\n"
               "\n"
               "  0123456789abcdef-first  \n"
               "   # rotated out on Monday\n"
               "\t\n"
               "fedcba9876543210-second\n");
    tokens = gh_config_load_tokens(config, &error);
    ck_assert_msg(tokens, "unexpected error: %s", error ? error->message : "?");
    assert_strv(tokens, want);
}
END_TEST

START_TEST(test_token_file_rejects_short_token_with_its_line)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = NULL;
    g_autofree char *expected = NULL;

    config->token_file = g_build_filename(tmpdir, "tokens", NULL);
    write_file(config->token_file, "# tokens\n0123456789abcdef\n\n0123456789abcde\n");
    tokens = gh_config_load_tokens(config, &error);
    ck_assert_ptr_null(tokens);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE), "%s", error->message);
    expected = g_strdup_printf("%s:4: token too short (at least 16 characters)", config->token_file);
    ck_assert_str_eq(error->message, expected);
}
END_TEST

START_TEST(test_token_file_rejects_empty_file)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = NULL;
    g_autofree char *expected = NULL;

    config->token_file = g_build_filename(tmpdir, "tokens", NULL);
    write_file(config->token_file, "");
    tokens = gh_config_load_tokens(config, &error);
    ck_assert_ptr_null(tokens);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE), "%s", error->message);
    expected = g_strdup_printf("%s: no API token in file", config->token_file);
    ck_assert_str_eq(error->message, expected);
}
END_TEST

START_TEST(test_token_file_rejects_file_of_only_comments)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = NULL;
    g_autofree char *expected = NULL;

    config->token_file = g_build_filename(tmpdir, "tokens", NULL);
    write_file(config->token_file, "# no tokens yet\n\n");
    tokens = gh_config_load_tokens(config, &error);
    ck_assert_ptr_null(tokens);
    ck_assert_ptr_nonnull(error);
    expected = g_strdup_printf("%s: no API token in file", config->token_file);
    ck_assert_str_eq(error->message, expected);
}
END_TEST

START_TEST(test_explicit_token_file_that_is_missing_is_an_error_not_generated)
{
    g_autoptr(GhConfig) config = config_in_tmpdir();
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) tokens = NULL;

    config->token_file = g_build_filename(tmpdir, "absent-tokens", NULL);
    tokens = gh_config_load_tokens(config, &error);
    ck_assert_ptr_null(tokens);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s", error->message);
    ck_assert_msg(strstr(error->message, config->token_file), "message: %s", error->message);
    ck_assert(!g_file_test(config->token_file, G_FILE_TEST_EXISTS));
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");

    TCase *defaults = tcase_create("defaults");
    tcase_add_checked_fixture(defaults, setup, teardown);
    tcase_add_test(defaults, test_defaults);
    tcase_add_test(defaults, test_empty_file_loads_to_defaults_and_records_its_path);
    tcase_add_test(defaults, test_example_config_loads_to_defaults);
    tcase_add_test(defaults, test_example_config_documents_every_key_with_a_valid_value);
    suite_add_tcase(s, defaults);

    TCase *keys = tcase_create("keys");
    tcase_add_checked_fixture(keys, setup, teardown);
    tcase_add_test(keys, test_listen_host_and_port);
    tcase_add_test(keys, test_listen_bracketed_ipv6);
    tcase_add_test(keys, test_state_dir);
    tcase_add_test(keys, test_image_dirs_semicolon_list_skips_empty_items);
    tcase_add_test(keys, test_profile_dirs_come_after_builtin_profiles);
    tcase_add_test(keys, test_log_level);
    tcase_add_test(keys, test_libvirt_uri);
    tcase_add_test(keys, test_empty_libvirt_uri_means_embedded);
    tcase_add_test(keys, test_domain_type);
    tcase_add_test(keys, test_token_file);
    tcase_add_test(keys, test_max_body_bytes);
    tcase_add_test(keys, test_max_sessions);
    tcase_add_test(keys, test_keep_stopped_zero);
    tcase_add_test(keys, test_integer_range_bounds_are_inclusive);
    tcase_add_test(keys, test_keys_not_in_file_keep_their_defaults);
    tcase_add_test(keys, test_player_keys);
    tcase_add_test(keys, test_player_keys_out_of_range);
    tcase_add_test(keys, test_backend_group_gives_default_options);
    tcase_add_test(keys, test_backend_group_rejects_bad_names_and_values);
    tcase_add_test(keys, test_backend_groups_of_loaded_backends_pass_the_check);
    tcase_add_test(keys, test_backend_group_no_plugin_provides_is_refused_with_its_line);
    tcase_add_test(keys, test_config_without_backend_groups_passes_the_check_with_no_backends);
    tcase_add_test(keys, test_data_dir_moves_builtin_profiles_and_images);
    tcase_add_test(keys, test_data_dir_keeps_explicit_image_dirs);
    suite_add_tcase(s, keys);

    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_rejects_unknown_group);
    tcase_add_test(errors, test_gpu_allowlist_groups_in_file_order);
    tcase_add_test(errors, test_gpu_group_rejects_bad_alias);
    tcase_add_test(errors, test_gpu_group_rejects_unknown_key);
    tcase_add_test(errors, test_gpu_group_rejects_bad_vendor);
    tcase_add_test(errors, test_rejects_unknown_key_with_its_line);
    tcase_add_test(errors, test_rejects_known_key_in_wrong_group);
    tcase_add_test(errors, test_rejects_non_integer);
    tcase_add_test(errors, test_rejects_negative_integer);
    tcase_add_test(errors, test_rejects_integer_above_range);
    tcase_add_test(errors, test_rejects_integer_below_range);
    tcase_add_test(errors, test_rejects_zero_max_sessions);
    tcase_add_test(errors, test_rejects_unknown_domain_type);
    tcase_add_test(errors, test_rejects_unknown_log_level);
    tcase_add_test(errors, test_rejects_relative_state_dir);
    tcase_add_test(errors, test_rejects_relative_item_in_image_dirs);
    tcase_add_test(errors, test_rejects_relative_token_file);
    tcase_add_test(errors, test_rejects_listen_without_port);
    tcase_add_test(errors, test_rejects_listen_port_zero);
    tcase_add_test(errors, test_rejects_listen_port_above_65535);
    tcase_add_test(errors, test_rejects_line_without_equals_sign_with_its_line);
    tcase_add_test(errors, test_rejects_missing_file);
    suite_add_tcase(s, errors);

    TCase *tokens = tcase_create("tokens");
    tcase_add_checked_fixture(tokens, setup, teardown);
    tcase_add_test(tokens, test_token_path_defaults_to_state_dir);
    tcase_add_test(tokens, test_default_token_file_is_generated_when_absent);
    tcase_add_test(tokens, test_generated_token_is_stable_across_loads);
    tcase_add_test(tokens, test_token_file_ignores_comments_blank_lines_and_surrounding_space);
    tcase_add_test(tokens, test_token_file_rejects_short_token_with_its_line);
    tcase_add_test(tokens, test_token_file_rejects_empty_file);
    tcase_add_test(tokens, test_token_file_rejects_file_of_only_comments);
    tcase_add_test(tokens, test_explicit_token_file_that_is_missing_is_an_error_not_generated);
    suite_add_tcase(s, tokens);

    return s;
}

int
main(void)
{
    return gh_test_run(config_suite());
}
