/* enum: the lookups behind GH_ENUM_IMPL.  A table is a few names, so a
 * linear search is as fast as anything and keeps the order the enum has. */
#include "enum.h"

const char *
gh_enum_to_string(const GhEnumTable *table, int value)
{
    /* A negative value wraps far past n_names. */
    if ((guint) value >= table->n_names || table->names[value] == NULL)
        return table->unknown;
    return table->names[value];
}

int
gh_enum_from_string(const GhEnumTable *table, const char *text)
{
    for (guint i = 0; text && i < table->n_names; i++) {
        if (table->names[i] && g_str_equal(text, table->names[i]))
            return (int) i;
    }
    return -1;
}

char *
gh_enum_describe(const GhEnumTable *table)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint left = 0;

    for (guint i = 0; i < table->n_names; i++)
        left += table->names[i] != NULL;
    for (guint i = 0; i < table->n_names; i++) {
        if (table->names[i] == NULL)
            continue;
        left--;
        g_string_append(out, table->names[i]);
        if (left > 1)
            g_string_append(out, ", ");
        else if (left == 1)
            g_string_append(out, " or ");
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}
