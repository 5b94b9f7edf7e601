# Benchmarks (bench/): scripts that print tables, run by hand against an
# installed tree; never part of `make check` nor of `make`.  See
# docs/performance.md.
#
# gh-domain-xml prints the domain XML gamehostd would start for a session
# (same runtime code), for the raw `virsh create` baseline of
# bench/session-start.sh.  It is built on demand only:
#     make -C build bench/gh-domain-xml
# (EXTRA_PROGRAMS: Makefile.am does not initialise it, this fragment owns it.)
# Per-target CFLAGS replace AM_CFLAGS, so it is named again to keep the
# project's warnings and sanitizers on.
EXTRA_PROGRAMS = bench/gh-domain-xml
bench_gh_domain_xml_SOURCES = bench/gh-domain-xml.c
bench_gh_domain_xml_CFLAGS = $(GH_RUNTIME_CFLAGS)
bench_gh_domain_xml_LDADD = $(GH_VIRT_LIBS)
# Programs in EXTRA_PROGRAMS are not removed by `make clean` otherwise.
CLEANFILES += bench/gh-domain-xml$(EXEEXT)

# bench/capture-paths.sh: a synthetic frame-relay producer (a host process
# standing in for the guest) and the capture.relay driver that loads the
# installed plugin through the ABI.  On demand too:
#     make -C build bench/relay-producer bench/relay-bench
# GH_RELAY_PRODUCER_SOURCES/_CFLAGS are defined in plugins/capture-relay/local.mk.
EXTRA_PROGRAMS += bench/relay-producer bench/relay-bench
bench_relay_producer_SOURCES = bench/relay-producer.c $(GH_RELAY_PRODUCER_SOURCES)
bench_relay_producer_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include $(GH_RELAY_PRODUCER_CFLAGS)
bench_relay_bench_SOURCES = bench/relay-bench.c bench/bench-plugin.c bench/bench-plugin.h $(GH_RELAY_PRODUCER_SOURCES)
bench_relay_bench_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include $(GH_RELAY_PRODUCER_CFLAGS)
bench_relay_bench_LDADD = -ldl
CLEANFILES += bench/relay-producer$(EXEEXT) bench/relay-bench$(EXEEXT)

# bench/agent-tick: the guest agent's per-tick cost (read, compare, publish;
# images/agent/frame.c) for a few display sizes.  On demand too:
#     make -C build bench/agent-tick
EXTRA_PROGRAMS += bench/agent-tick
bench_agent_tick_SOURCES = bench/agent-tick.c \
	images/agent/frame.c images/agent/frame.h images/agent/relay-writer.c images/agent/relay-writer.h
bench_agent_tick_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include -I$(srcdir)/images/agent
CLEANFILES += bench/agent-tick$(EXEEXT)

# bench/webrtc-bench.sh: the stream.webrtc benchmark (issue 5), one program
# in two roles (host side through the plugin ABI, and a webrtcbin receiver
# standing in for the browser).  On demand too:
#     make -C build bench/webrtc-bench
EXTRA_PROGRAMS += bench/webrtc-bench
bench_webrtc_bench_SOURCES = bench/webrtc-bench.c bench/bench-plugin.c bench/bench-plugin.h
bench_webrtc_bench_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include $(GST_CFLAGS) $(GST_WEBRTC_CFLAGS) $(JSONGLIB_CFLAGS)
bench_webrtc_bench_LDADD = $(GST_LIBS) $(GST_WEBRTC_LIBS) $(JSONGLIB_LIBS) -ldl -lm -lpthread
CLEANFILES += bench/webrtc-bench$(EXEEXT)

EXTRA_DIST += \
	bench/api-load.sh \
	bench/av-sync.mjs \
	bench/av-sync.sh \
	bench/capture-input.sh \
	bench/bench-lib.mjs \
	bench/bench-lib.sh \
	bench/daemon-rss.sh \
	bench/freedoom.sh \
	bench/fuzz.sh \
	bench/pad-latency.mjs \
	bench/pad-latency.sh \
	bench/photon.mjs \
	bench/photon.sh \
	bench/session-start.sh \
	bench/webrtc-bench.sh \
	bench/worker.sh \
	docs/performance.md
