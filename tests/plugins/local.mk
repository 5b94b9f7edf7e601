# Test plugins, good and deliberately bad, that the unit suites dlopen from
# tests/plugins/.libs/.  -rpath makes libtool build a shared object although
# check_LTLIBRARIES are never installed.  variant.c is one valid plugin with
# the one defect its -D picks, and stream-old-minor.c a stream backend of
# the older minor its -D names.  pipeline-fake (one fake backend of each kind)
# serves test_pipeline and test_session; stream-peer-fake (an interactive
# stream backend) the signal endpoint's tests.  crash-on-load (dying in its
# constructor, or with -DCRASH_IN_QUERY in its entry) and hang-on-load are
# only ever loaded by the scanner (test_plugin_scan): a suite that dlopens
# them goes down with them.
GH_TEST_PLUGIN_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include
GH_TEST_PLUGIN_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/pipeline-fake.la tests/plugins/stream-peer-fake.la
tests_plugins_pipeline_fake_la_SOURCES = tests/plugins/pipeline-fake.c tests/plugins/pipeline-fake.h
tests_plugins_pipeline_fake_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_pipeline_fake_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)
tests_plugins_stream_peer_fake_la_SOURCES = tests/plugins/stream-peer-fake.c tests/plugins/stream-peer-fake.h
tests_plugins_stream_peer_fake_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_stream_peer_fake_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

check_LTLIBRARIES += \
	tests/plugins/good.la \
	tests/plugins/old-minor.la \
	tests/plugins/stream-1-2.la \
	tests/plugins/stream-1-3.la \
	tests/plugins/no-entry.la \
	tests/plugins/null-entry.la \
	tests/plugins/create-fails.la \
	tests/plugins/probe-fails.la \
	tests/plugins/misuse.la \
	tests/plugins/wrong-major.la \
	tests/plugins/newer-minor.la \
	tests/plugins/bad-struct-size.la \
	tests/plugins/absurd-struct-size.la \
	tests/plugins/no-factories.la \
	tests/plugins/no-license.la \
	tests/plugins/missing-op.la \
	tests/plugins/ops-too-small.la \
	tests/plugins/bad-kind.la \
	tests/plugins/bad-name.la \
	tests/plugins/no-destroy.la \
	tests/plugins/duplicate.la \
	tests/plugins/crash-on-load.la \
	tests/plugins/crash-in-query.la \
	tests/plugins/hang-on-load.la

tests_plugins_good_la_SOURCES = tests/plugins/good.c tests/plugins/record.h tests/plugins/stubs.h
tests_plugins_good_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_good_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_old_minor_la_SOURCES = tests/plugins/old-minor.c tests/plugins/stubs.h
tests_plugins_old_minor_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_old_minor_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

# A stream backend as built against each older minor (stream-old-minor.c).
tests_plugins_stream_1_2_la_SOURCES = tests/plugins/stream-old-minor.c tests/plugins/stubs.h
tests_plugins_stream_1_2_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DSTREAM_MINOR=2
tests_plugins_stream_1_2_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_stream_1_3_la_SOURCES = tests/plugins/stream-old-minor.c tests/plugins/stubs.h
tests_plugins_stream_1_3_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DSTREAM_MINOR=3
tests_plugins_stream_1_3_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_no_entry_la_SOURCES = tests/plugins/no-entry.c tests/plugins/stubs.h
tests_plugins_no_entry_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_no_entry_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_null_entry_la_SOURCES = tests/plugins/null-entry.c tests/plugins/stubs.h
tests_plugins_null_entry_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_null_entry_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_create_fails_la_SOURCES = tests/plugins/create-fails.c tests/plugins/stubs.h
tests_plugins_create_fails_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_create_fails_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_probe_fails_la_SOURCES = tests/plugins/probe-fails.c tests/plugins/stubs.h
tests_plugins_probe_fails_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_probe_fails_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_misuse_la_SOURCES = tests/plugins/misuse.c tests/plugins/record.h tests/plugins/stubs.h
tests_plugins_misuse_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_misuse_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_wrong_major_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_wrong_major_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DWRONG_MAJOR
tests_plugins_wrong_major_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_newer_minor_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_newer_minor_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DNEWER_MINOR
tests_plugins_newer_minor_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_bad_struct_size_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_bad_struct_size_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DBAD_STRUCT_SIZE
tests_plugins_bad_struct_size_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_absurd_struct_size_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_absurd_struct_size_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DABSURD_STRUCT_SIZE
tests_plugins_absurd_struct_size_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_no_factories_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_no_factories_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DNO_FACTORIES
tests_plugins_no_factories_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_no_license_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_no_license_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DNO_LICENSE
tests_plugins_no_license_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_missing_op_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_missing_op_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DMISSING_OP
tests_plugins_missing_op_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_ops_too_small_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_ops_too_small_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DOPS_TOO_SMALL
tests_plugins_ops_too_small_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_bad_kind_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_bad_kind_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DBAD_KIND
tests_plugins_bad_kind_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_bad_name_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_bad_name_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DBAD_NAME
tests_plugins_bad_name_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_no_destroy_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_no_destroy_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DNO_DESTROY
tests_plugins_no_destroy_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_duplicate_la_SOURCES = tests/plugins/variant.c tests/plugins/stubs.h
tests_plugins_duplicate_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DDUPLICATE
tests_plugins_duplicate_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_crash_on_load_la_SOURCES = tests/plugins/crash-on-load.c tests/plugins/stubs.h
tests_plugins_crash_on_load_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_crash_on_load_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_crash_in_query_la_SOURCES = tests/plugins/crash-on-load.c tests/plugins/stubs.h
tests_plugins_crash_in_query_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS) -DCRASH_IN_QUERY
tests_plugins_crash_in_query_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

tests_plugins_hang_on_load_la_SOURCES = tests/plugins/hang-on-load.c tests/plugins/stubs.h
tests_plugins_hang_on_load_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_hang_on_load_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)

# misbehave: faults on purpose (see the file); test_worker runs it in
# plugin workers, and the e2e test builds it out of tree against the SDK.
check_LTLIBRARIES += tests/plugins/misbehave.la
tests_plugins_misbehave_la_SOURCES = tests/plugins/misbehave.c
tests_plugins_misbehave_la_CFLAGS = $(GH_TEST_PLUGIN_CFLAGS)
tests_plugins_misbehave_la_LDFLAGS = $(GH_TEST_PLUGIN_LDFLAGS)
