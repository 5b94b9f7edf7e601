/* testutil: what every unit suite needs: temp dirs and the Check runner. */
#pragma once

#include <check.h>
#include <glib.h>

/* A fresh directory under $TMPDIR; the test fails if it cannot be made. */
char *gh_test_make_tmpdir(const char *prefix);
/* Removes path and everything below it (symlinks are not followed). */
void gh_test_rm_rf(const char *path);
/* Runs the suite; the process exit status says whether every test passed. */
int gh_test_run(Suite *suite);
