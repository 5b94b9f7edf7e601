# images/demo-arena: "demo-arena", a freestanding 32-bit x86 multiboot game,
# shipped as a direct-boot kernel (demo-arena.elf) and as a bootable disk
# (demo-arena.qcow2: FAT superfloppy + syslinux + mboot.c32), and the unit
# suite of its microphone meter (test_audio_dsp).
#
# Included from the top-level Makefile.am; paths are relative to the top
# directory.  Sources are read from $(srcdir), outputs go to the build dir.
# The freestanding objects are built with explicit rules and their own flags:
# the user's CFLAGS/CPPFLAGS (and sanitizer flags) are deliberately not used.

demo_arena_src = $(srcdir)/images/demo-arena
demo_arena_dir = images/demo-arena

demo_arena_outputs = \
	$(demo_arena_dir)/demo-arena.elf \
	$(demo_arena_dir)/demo-arena.qcow2

demo_arena_objects = \
	$(demo_arena_dir)/demo-arena-boot.o \
	$(demo_arena_dir)/demo-arena-main.o \
	$(demo_arena_dir)/demo-arena-pci.o \
	$(demo_arena_dir)/demo-arena-ac97.o \
	$(demo_arena_dir)/demo-arena-sound.o \
	$(demo_arena_dir)/demo-arena-audio-dsp.o

demo_arena_cc_flags = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -nostdlib -O2 -Wall -Wextra \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-mno-mmx -mno-sse -mno-sse2 -I$(srcdir)/include
demo_arena_ld_flags = -m elf_i386 -T $(demo_arena_src)/linker.ld \
	-z max-page-size=0x1000 -nostdlib

# Size of the FAT image in KiB, and fixed volume id/label (reproducible).
demo_arena_disk_kib = 8192

EXTRA_DIST += \
	$(demo_arena_dir)/README.md \
	$(demo_arena_dir)/local.mk \
	$(demo_arena_dir)/boot.S \
	$(demo_arena_dir)/main.c \
	$(demo_arena_dir)/hw.h \
	$(demo_arena_dir)/pci.c \
	$(demo_arena_dir)/pci.h \
	$(demo_arena_dir)/ac97.c \
	$(demo_arena_dir)/ac97.h \
	$(demo_arena_dir)/sound.c \
	$(demo_arena_dir)/sound.h \
	$(demo_arena_dir)/audio-dsp.c \
	$(demo_arena_dir)/audio-dsp.h \
	$(demo_arena_dir)/linker.ld \
	$(demo_arena_dir)/syslinux.cfg

noinst_DATA += $(demo_arena_outputs)

demoarenadir = $(pkgdatadir)/images/demo-arena
demoarena_DATA = $(demo_arena_outputs)

CLEANFILES += \
	$(demo_arena_outputs) \
	$(demo_arena_objects) \
	$(demo_arena_dir)/demo-arena.img \
	$(demo_arena_dir)/demo-arena.elf.tmp \
	$(demo_arena_dir)/demo-arena.qcow2.tmp

$(demo_arena_dir)/demo-arena-boot.o: $(demo_arena_src)/boot.S
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/boot.S

$(demo_arena_dir)/demo-arena-main.o: $(demo_arena_src)/main.c $(srcdir)/include/gamehost/relay.h \
		$(demo_arena_src)/hw.h $(demo_arena_src)/pci.h $(demo_arena_src)/sound.h
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/main.c

$(demo_arena_dir)/demo-arena-pci.o: $(demo_arena_src)/pci.c $(demo_arena_src)/pci.h \
		$(demo_arena_src)/hw.h
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/pci.c

$(demo_arena_dir)/demo-arena-ac97.o: $(demo_arena_src)/ac97.c $(demo_arena_src)/ac97.h \
		$(demo_arena_src)/pci.h $(demo_arena_src)/hw.h
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/ac97.c

$(demo_arena_dir)/demo-arena-sound.o: $(demo_arena_src)/sound.c $(demo_arena_src)/sound.h \
		$(demo_arena_src)/ac97.h $(demo_arena_src)/audio-dsp.h $(demo_arena_src)/hw.h
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/sound.c

$(demo_arena_dir)/demo-arena-audio-dsp.o: $(demo_arena_src)/audio-dsp.c $(demo_arena_src)/audio-dsp.h
	$(AM_V_at)$(MKDIR_P) $(demo_arena_dir)
	$(AM_V_CC)$(CC) $(demo_arena_cc_flags) -c -o $@ $(demo_arena_src)/audio-dsp.c

$(demo_arena_dir)/demo-arena.elf: $(demo_arena_objects) $(demo_arena_src)/linker.ld
	$(AM_V_CCLD)$(LD) $(demo_arena_ld_flags) -o $@.tmp $(demo_arena_objects) \
	  && mv -f $@.tmp $@

# Unpartitioned FAT "superfloppy" with the syslinux boot sector; SeaBIOS
# boots it as an IDE hard disk, syslinux runs mboot.c32 which loads the ELF.
# Built with mtools only: no root, no loop devices, no network.
$(demo_arena_dir)/demo-arena.qcow2: $(demo_arena_dir)/demo-arena.elf $(demo_arena_src)/syslinux.cfg
	$(AM_V_GEN)rm -f $(demo_arena_dir)/demo-arena.img $@.tmp \
	  && $(MKFS_FAT) -C -F 16 -s 1 -i 44454d4f -n DEMOARENA \
	       $(demo_arena_dir)/demo-arena.img $(demo_arena_disk_kib) >/dev/null \
	  && $(SYSLINUX) --install $(demo_arena_dir)/demo-arena.img \
	  && MTOOLS_SKIP_CHECK=1 $(MCOPY) -i $(demo_arena_dir)/demo-arena.img \
	       $(SYSLINUX_MODULES)/mboot.c32 $(SYSLINUX_MODULES)/libcom32.c32 \
	       $(demo_arena_src)/syslinux.cfg $(demo_arena_dir)/demo-arena.elf ::/ \
	  && $(QEMU_IMG) convert -f raw -O qcow2 $(demo_arena_dir)/demo-arena.img $@.tmp \
	  && rm -f $(demo_arena_dir)/demo-arena.img \
	  && mv -f $@.tmp $@

# The microphone meter's DSP (audio-dsp.c) is plain integer C: its suite
# builds it for the host, with the sanitizers when configured.
check_PROGRAMS += images/demo-arena/test_audio_dsp
TESTS += images/demo-arena/test_audio_dsp
images_demo_arena_test_audio_dsp_SOURCES = images/demo-arena/test_audio_dsp.c \
	images/demo-arena/audio-dsp.c images/demo-arena/audio-dsp.h
images_demo_arena_test_audio_dsp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
images_demo_arena_test_audio_dsp_LDADD = $(CHECK_LIBS) -lm
