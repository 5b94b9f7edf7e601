# Benchmarks (bench/): scripts that print tables, run by hand against an
# installed tree; never part of `make check` nor of `make`.  See
# docs/performance.md.
#
# gh-domain-xml prints the domain XML gamehostd would start for a session
# (same libghcore code), for the raw `virsh create` baseline of
# bench/session-start.sh.  It is built on demand only:
#     make -C build bench/gh-domain-xml
# (EXTRA_PROGRAMS: Makefile.am does not initialise it, this fragment owns it.)
# Per-target CFLAGS replace AM_CFLAGS, so it is named again to keep the
# project's warnings and sanitizers on.
EXTRA_PROGRAMS = bench/gh-domain-xml
bench_gh_domain_xml_SOURCES = bench/gh-domain-xml.c
bench_gh_domain_xml_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS)
bench_gh_domain_xml_LDADD = $(GH_CORE_LIBS)
# Programs in EXTRA_PROGRAMS are not removed by `make clean` otherwise.
CLEANFILES += bench/gh-domain-xml$(EXEEXT)

EXTRA_DIST += \
	bench/api-load.sh \
	bench/capture-input.sh \
	bench/bench-lib.sh \
	bench/daemon-rss.sh \
	bench/session-start.sh \
	docs/performance.md
