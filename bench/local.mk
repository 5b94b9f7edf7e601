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

# bench/capture-paths.sh: a synthetic frame-relay producer (a host process
# standing in for the guest) and the capture.relay driver that loads the
# installed plugin through the ABI.  On demand too:
#     make -C build bench/relay-producer bench/relay-bench
# GH_RELAY_PRODUCER_SOURCES is defined in plugins/capture-relay/local.mk.
EXTRA_PROGRAMS += bench/relay-producer bench/relay-bench
bench_relay_producer_SOURCES = bench/relay-producer.c $(GH_RELAY_PRODUCER_SOURCES)
bench_relay_producer_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include -I$(srcdir)/plugins/capture-relay
bench_relay_bench_SOURCES = bench/relay-bench.c $(GH_RELAY_PRODUCER_SOURCES)
bench_relay_bench_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include -I$(srcdir)/plugins/capture-relay
bench_relay_bench_LDADD = -ldl
CLEANFILES += bench/relay-producer$(EXEEXT) bench/relay-bench$(EXEEXT)

EXTRA_DIST += \
	bench/api-load.sh \
	bench/capture-input.sh \
	bench/bench-lib.sh \
	bench/daemon-rss.sh \
	bench/session-start.sh \
	docs/performance.md
