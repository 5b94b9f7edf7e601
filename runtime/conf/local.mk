# conf: the operator's config (GKeyFile), the image catalog (manifests,
# RelaxNG validation), console profiles and image specs (what `gamehostctl
# image build` builds from).  Uses util and gpu.
noinst_LTLIBRARIES += libghconf.la
libghconf_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghconf_la_SOURCES = \
	runtime/conf/config.c runtime/conf/config.h \
	runtime/conf/keyfile.c runtime/conf/keyfile.h \
	runtime/conf/image-spec.c runtime/conf/image-spec.h \
	runtime/conf/catalog.c runtime/conf/catalog.h runtime/conf/catalog-private.h \
	runtime/conf/image-profile.c runtime/conf/image-xml.c
GH_CONF_LIBS = libghconf.la $(GH_GPU_LIBS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_image tests/unit/test_image_profile tests/unit/test_image_spec
TESTS += tests/unit/test_config tests/unit/test_image tests/unit/test_image_profile tests/unit/test_image_spec
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_config_LDADD = libghtest.la $(GH_CONF_LIBS) $(CHECK_LIBS)
tests_unit_test_image_SOURCES = tests/unit/test_image.c
tests_unit_test_image_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_LDADD = libghtest.la $(GH_CONF_LIBS) $(CHECK_LIBS)
tests_unit_test_image_profile_SOURCES = tests/unit/test_image_profile.c
tests_unit_test_image_profile_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_profile_LDADD = libghtest.la $(GH_CONF_LIBS) $(CHECK_LIBS)
tests_unit_test_image_spec_SOURCES = tests/unit/test_image_spec.c
tests_unit_test_image_spec_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_spec_LDADD = libghtest.la $(GH_CONF_LIBS) $(CHECK_LIBS)
