/* plugin-fixture: see plugin-fixture.h. */
#include "plugin-fixture.h"

#include <check.h>
#include <dlfcn.h>

char *
gh_test_plugin_path(const char *name)
{
    const char *builddir = g_getenv("GH_TEST_BUILDDIR");

    return g_strdup_printf("%s/tests/plugins/.libs/%s.so", builddir ? builddir : ".", name);
}

void
gh_test_registry_add(GhPluginRegistry *reg, const char *name)
{
    g_autofree char *path = gh_test_plugin_path(name);
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_plugin_registry_load_file(reg, path, &error), "%s: %s", name, error ? error->message : "");
}

GhPluginRegistry *
gh_test_registry_with(const char *name)
{
    GhPluginRegistry *reg = gh_plugin_registry_new();

    gh_test_registry_add(reg, name);
    return reg;
}

gboolean
gh_test_plugin_is_loaded(const char *path)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

    if (handle)
        dlclose(handle); /* drops only the reference NOLOAD took */
    return handle != NULL;
}

void *
gh_test_plugin_symbol(const char *name, const char *symbol)
{
    g_autofree char *path = gh_test_plugin_path(name);
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    void *sym;

    ck_assert_msg(handle, "%s is not loaded", path);
    sym = dlsym(handle, symbol);
    dlclose(handle); /* drops only the reference NOLOAD took */
    ck_assert_ptr_nonnull(sym);
    return sym;
}
