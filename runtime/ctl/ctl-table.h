/* ctl-table: gamehostctl's human output: aligned tables with a header row,
 * and key/value blocks.  Every cell is sanitised here, so no value from the
 * daemon can move the cursor or recolour the operator's terminal. */
#pragma once

#include <glib.h>

typedef struct GhCtlTable GhCtlTable;

/* Column headers, NULL-terminated.  At least one. */
GhCtlTable *gh_ctl_table_new(const char *first_header, ...) G_GNUC_NULL_TERMINATED;
/* Two columns, no header row; keys are rendered as "key:". */
GhCtlTable *gh_ctl_table_new_kv(void);
GhCtlTable *gh_ctl_table_free(GhCtlTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhCtlTable, gh_ctl_table_free)

/* One cell per column; a NULL or empty cell is shown as "-". */
void gh_ctl_table_add_row(GhCtlTable *table, const char *const *cells);
void gh_ctl_table_add_kv(GhCtlTable *table, const char *key, const char *value);
guint gh_ctl_table_n_rows(const GhCtlTable *table);

/* Columns two spaces apart, padded to their widest cell (in terminal
 * columns, so wide characters line up); the last column is not padded and
 * no line ends in a space.  Every line ends in '\n'. */
char *gh_ctl_table_render(const GhCtlTable *table);

/* Terminal columns the UTF-8 string s takes. */
gsize gh_ctl_display_width(const char *s);
