/* ctl-table: aligned plain-text tables for gamehostctl. */
#include "ctl-table.h"

#include <stdarg.h>
#include <string.h>
#include "ctl-util.h"

#define GH_CTL_COLUMN_GAP "  "

struct GhCtlTable {
    guint n_columns;
    gboolean kv;           /* no header row; first column gets ':' */
    GPtrArray *headers;    /* char *, sanitised; empty for kv */
    GPtrArray *rows;       /* GStrv of n_columns sanitised cells */
};

static GhCtlTable *
table_alloc(guint n_columns, gboolean kv)
{
    GhCtlTable *t = g_new0(GhCtlTable, 1);

    t->n_columns = n_columns;
    t->kv = kv;
    t->headers = g_ptr_array_new_with_free_func(g_free);
    t->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    return t;
}

GhCtlTable *
gh_ctl_table_new(const char *first_header, ...)
{
    g_autoptr(GPtrArray) headers = g_ptr_array_new();
    GhCtlTable *t;
    va_list ap;

    g_return_val_if_fail(first_header != NULL, NULL);
    va_start(ap, first_header);
    for (const char *h = first_header; h != NULL; h = va_arg(ap, const char *))
        g_ptr_array_add(headers, (gpointer) h);
    va_end(ap);
    t = table_alloc(headers->len, FALSE);
    for (guint i = 0; i < headers->len; i++)
        g_ptr_array_add(t->headers, gh_ctl_sanitize(headers->pdata[i]));
    return t;
}

GhCtlTable *
gh_ctl_table_new_kv(void)
{
    return table_alloc(2, TRUE);
}

GhCtlTable *
gh_ctl_table_free(GhCtlTable *table)
{
    if (table == NULL)
        return NULL;
    g_ptr_array_unref(table->headers);
    g_ptr_array_unref(table->rows);
    g_free(table);
    return NULL;
}

void
gh_ctl_table_add_row(GhCtlTable *table, const char *const *cells)
{
    char **row = g_new0(char *, table->n_columns + 1);

    for (guint i = 0; i < table->n_columns; i++) {
        const char *c = cells[i];
        row[i] = gh_ctl_sanitize(c != NULL && *c != '\0' ? c : "-");
    }
    g_ptr_array_add(table->rows, row);
}

void
gh_ctl_table_add_kv(GhCtlTable *table, const char *key, const char *value)
{
    g_autofree char *k = g_strconcat(key, ":", NULL);
    const char *cells[] = { k, value };

    g_return_if_fail(table->kv);
    gh_ctl_table_add_row(table, cells);
}

guint
gh_ctl_table_n_rows(const GhCtlTable *table)
{
    return table->rows->len;
}

gsize
gh_ctl_display_width(const char *s)
{
    gsize width = 0;

    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (g_unichar_iszerowidth(c))
            continue;
        width += g_unichar_iswide(c) ? 2 : 1;
    }
    return width;
}

static void
table_append_line(GString *out, char *const *cells, guint n, const gsize *widths)
{
    for (guint i = 0; i < n; i++) {
        g_string_append(out, cells[i]);
        if (i + 1 == n)
            break;
        for (gsize w = gh_ctl_display_width(cells[i]); w < widths[i]; w++)
            g_string_append_c(out, ' ');
        g_string_append(out, GH_CTL_COLUMN_GAP);
    }
    /* An empty-looking last cell must not leave the gap behind. */
    while (out->len > 0 && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    g_string_append_c(out, '\n');
}

char *
gh_ctl_table_render(const GhCtlTable *table)
{
    g_autofree gsize *widths = g_new0(gsize, table->n_columns);
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < table->headers->len; i++)
        widths[i] = gh_ctl_display_width(table->headers->pdata[i]);
    for (guint r = 0; r < table->rows->len; r++) {
        char **row = table->rows->pdata[r];
        for (guint i = 0; i < table->n_columns; i++)
            widths[i] = MAX(widths[i], gh_ctl_display_width(row[i]));
    }
    if (!table->kv)
        table_append_line(out, (char *const *) table->headers->pdata, table->n_columns, widths);
    for (guint r = 0; r < table->rows->len; r++)
        table_append_line(out, table->rows->pdata[r], table->n_columns, widths);
    return g_string_free(out, FALSE);
}
