/* keyfile: line numbers for GKeyFile's errors, found again in the text
 * (keyfile.h).  Shared by the operator's config and image specs. */
#include "keyfile.h"

#include <string.h>

int
gh_keyfile_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_group = FALSE;
    int found = 0;

    for (int i = 0; lines[i]; i++) {
        const char *l = lines[i];
        while (g_ascii_isspace(*l))
            l++;
        if (*l == '[') {
            const char *end = strchr(l, ']');
            in_group = end && (size_t)(end - l - 1) == strlen(group) &&
                       strncmp(l + 1, group, end - l - 1) == 0;
            if (in_group && !key)
                return i + 1;
            continue;
        }
        if (in_group && key && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '=')
                found = i + 1;  /* GKeyFile keeps the last of repeated keys */
        }
    }
    return found;
}

int
gh_keyfile_bad_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_group = FALSE;

    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (!*l || *l == '#')
            continue;
        if (*l == '[') {
            if (!strchr(l, ']'))
                return i + 1;
            in_group = TRUE;
        } else if (*l == '=' || !strchr(l, '=') || !in_group) {
            return i + 1;
        }
    }
    return 0;
}
