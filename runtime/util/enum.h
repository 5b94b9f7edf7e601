/* enum: enum <-> string tables, each declared once (after libvirt's
 * VIR_ENUM_DECL/VIR_ENUM_IMPL).  One GH_ENUM_IMPL gives both directions and
 * fails the build when the table and the enum's _LAST member disagree. */
#pragma once

#include <glib.h>

/* The strings of an enum, indexed by value.  unknown is what to_string says
 * for a value outside the table (each enum keeps the word it always had). */
typedef struct {
    const char *const *names;
    guint n_names;
    const char *unknown;
} GhEnumTable;

/* The name of value, or table->unknown when value has none. */
const char *gh_enum_to_string(const GhEnumTable *table, int value);
/* The value named text (exact, case-sensitive), or -1 (also for NULL). */
int gh_enum_from_string(const GhEnumTable *table, const char *text);
/* "a, b or c": every name, for messages that say what was expected. */
char *gh_enum_describe(const GhEnumTable *table);

/* In a header: declares gh_<name>_table, gh_<name>_to_string(value) and
 * gh_<name>_from_string(text, &value), which returns FALSE (leaving value
 * alone) for a text that names no value. */
#define GH_ENUM_DECL(name, type)                                              \
    extern const GhEnumTable gh_##name##_table;                               \
    const char *gh_##name##_to_string(type value);                            \
    gboolean gh_##name##_from_string(const char *text, type *value)

/* In one .c file: the strings of every value from 0 to last - 1, in order.
 * last is the enum's count member (GH_..._LAST): a value added to the enum
 * without its string, or a string without its value, does not compile. */
#define GH_ENUM_IMPL(name, type, last, unknown_text, ...)                     \
    static const char *const name##_enum_names[] = { __VA_ARGS__ };          \
    const GhEnumTable gh_##name##_table = {                                   \
        name##_enum_names, G_N_ELEMENTS(name##_enum_names), unknown_text };   \
    const char *                                                              \
    gh_##name##_to_string(type value)                                         \
    {                                                                         \
        return gh_enum_to_string(&gh_##name##_table, (int) value);            \
    }                                                                         \
    gboolean                                                                  \
    gh_##name##_from_string(const char *text, type *value)                    \
    {                                                                         \
        int found = gh_enum_from_string(&gh_##name##_table, text);            \
        if (found < 0)                                                        \
            return FALSE;                                                     \
        *value = (type) found;                                                \
        return TRUE;                                                          \
    }                                                                         \
    _Static_assert(G_N_ELEMENTS(name##_enum_names) == (last),                 \
                   "the " #name " table must name each value below " #last)
