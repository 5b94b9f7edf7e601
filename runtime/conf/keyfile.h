/* keyfile: what GKeyFile lacks for the INI files gamehost reads (the
 * operator's config, image specs): line numbers.  GKeyFile keeps none, so
 * errors find them again in the file's text and read "FILE:LINE: reason". */
#pragma once

#include <glib.h>

/* Line (1-based) of the last "key=" inside "[group]" (GKeyFile keeps the
 * last of repeated keys), or of the first "[group]" when key is NULL; 0 when
 * not found. */
int gh_keyfile_line(const char *text, const char *group, const char *key);

/* First line GKeyFile would reject: not blank, '#' comment, group or
 * key=value, or a key=value before the first group; 0 when none.  (GKeyFile
 * has no ';' comments.) */
int gh_keyfile_bad_line(const char *text);
