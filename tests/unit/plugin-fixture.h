/* plugin-fixture: what the plugin layer's suites (test_plugin.c,
 * test_plugin_pads.c, test_plugin_scan.c) share: the test plugins built under
 * $GH_TEST_BUILDDIR/tests/plugins/.libs, loaded into a registry, and their
 * exported records.  Each helper fails the running Check test when it
 * fails. */
#pragma once

#include <glib.h>

#include "plugin/plugin-registry.h"

/* The built test plugin `name` ("good", "stream-1-3"): its .so path. */
char *gh_test_plugin_path(const char *name);
/* A new registry with plugin `name` loaded. */
GhPluginRegistry *gh_test_registry_with(const char *name);
/* Loads plugin `name` into reg too. */
void gh_test_registry_add(GhPluginRegistry *reg, const char *name);
/* Whether the .so at path is loaded in this process. */
gboolean gh_test_plugin_is_loaded(const char *path);
/* The plugin's own exported symbol, found in the copy a registry loaded. */
void *gh_test_plugin_symbol(const char *name, const char *symbol);
