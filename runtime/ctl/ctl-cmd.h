/* ctl-cmd: gamehostctl's commands, and what they share with its main
 * (gamehostctl.c): the run's context, option parsing with the global options,
 * and calls to the daemon (ctl-cmd.c).  Host, image, plugin and event commands live in
 * ctl-cmd-host.c; session commands in ctl-cmd-sessions.c; image build in
 * ctl-image-build.c. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "ctl-http.h"

typedef struct {
    char *url;
    char *token;
    char *token_file;
    char *timeout;
    gboolean json;
    const char *command;   /* for the usage hint */
    GhCtlClient *client;
} GhCtl;

typedef char *(*GhCtlRenderFunc)(JsonNode *node, GError **error);

/* ctl-cmd.c */
void gh_ctl_clear(GhCtl *ctl);
void gh_ctl_add_global_entries(GOptionContext *oc, GhCtl *ctl);
gboolean gh_ctl_usage_error(GError *local, const char *command, GError **error);
gboolean gh_ctl_parse_command_range(GhCtl *ctl, const char *args, const char *summary, const char *description,
                                    const GOptionEntry *entries, int *argc, char ***argv, int min_args,
                                    int max_args, GError **error);
gboolean gh_ctl_parse_command_full(GhCtl *ctl, const char *args, const char *summary, const char *description,
                                   const GOptionEntry *entries, int *argc, char ***argv, int n_args,
                                   GError **error);
gboolean gh_ctl_parse_command(GhCtl *ctl, const char *args, const char *summary, const GOptionEntry *entries,
                              int *argc, char ***argv, int n_args, GError **error);
gboolean gh_ctl_connect(GhCtl *ctl, gboolean streaming, GError **error);
gboolean gh_ctl_call(GhCtl *ctl, const char *method, const char *path, JsonNode *body,
                     const char *idempotency_key, JsonNode **reply, GError **error);
gboolean gh_ctl_print(char *text);
gboolean gh_ctl_show(GhCtl *ctl, JsonNode *reply, GhCtlRenderFunc render, GError **error);
gboolean gh_ctl_get_and_show(GhCtl *ctl, const char *method, const char *path, GhCtlRenderFunc render,
                             GError **error);

/* ctl-cmd-host.c */
gboolean gh_ctl_cmd_host(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_host_check(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_gpus(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_drain(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_images(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_image(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_events(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_plugins(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_plugin_check(GhCtl *ctl, int argc, char **argv, GError **error);

/* ctl-image-build.c */
gboolean gh_ctl_cmd_image_build(GhCtl *ctl, int argc, char **argv, GError **error);

/* ctl-cmd-sessions.c */
gboolean gh_ctl_cmd_sessions(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_show(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_create(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_stop(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_input(GhCtl *ctl, int argc, char **argv, GError **error);
gboolean gh_ctl_cmd_frame(GhCtl *ctl, int argc, char **argv, GError **error);
