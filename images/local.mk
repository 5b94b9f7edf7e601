# images/local.mk: game image manifests, their RelaxNG schemas and console
# profiles.  Included by the top Makefile.am, which initialises noinst_DATA,
# CLEANFILES and EXTRA_DIST.

image_manifest_templates = \
	images/demo-arena/demo-arena.image.xml.in \
	images/demo-arena/demo-arena-av.image.xml.in \
	images/demo-arena/demo-arena-disk.image.xml.in
image_manifests = \
	images/demo-arena/demo-arena.image.xml \
	images/demo-arena/demo-arena-av.image.xml \
	images/demo-arena/demo-arena-disk.image.xml
image_schemas = \
	images/schema/image.rng \
	images/schema/profile.rng
image_profiles = \
	images/profiles/arcade-640.xml \
	images/profiles/arcade-640-av.xml \
	images/profiles/console-1080.xml \
	images/profiles/console-4k.xml \
	images/profiles/pc-640.xml

# Manifests are installed next to the artefacts they describe, since their
# artefact paths are relative to the manifest's directory.
image_demoarenadir = $(pkgdatadir)/images/demo-arena
image_demoarena_DATA = $(image_manifests)
image_schemadir = $(pkgdatadir)/schema
image_schema_DATA = $(image_schemas)
image_profilesdir = $(pkgdatadir)/profiles
image_profiles_DATA = $(image_profiles)

noinst_DATA += $(image_manifests)
CLEANFILES += $(image_manifests)
EXTRA_DIST += $(image_manifest_templates) $(image_schemas) $(image_profiles)

# The checksum is the artefact's, as built; the @..[@] spelling keeps
# config.status from touching the placeholders.  demo-arena-av is the same
# game on the console with a sound card (profile arcade-640-av).
images/demo-arena/demo-arena.image.xml: $(srcdir)/images/demo-arena/demo-arena.image.xml.in
images/demo-arena/demo-arena-av.image.xml: $(srcdir)/images/demo-arena/demo-arena-av.image.xml.in
images/demo-arena/demo-arena.image.xml images/demo-arena/demo-arena-av.image.xml: images/demo-arena/demo-arena.elf
	$(AM_V_GEN)$(MKDIR_P) images/demo-arena && \
	sum=`sha256sum images/demo-arena/demo-arena.elf | cut -d ' ' -f 1` && \
	test -n "$$sum" && \
	sed -e "s|@KERNEL_SHA256[@]|$$sum|g" $(srcdir)/$@.in > $@.tmp && \
	mv -f $@.tmp $@

images/demo-arena/demo-arena-disk.image.xml: $(srcdir)/images/demo-arena/demo-arena-disk.image.xml.in images/demo-arena/demo-arena.qcow2
	$(AM_V_GEN)$(MKDIR_P) images/demo-arena && \
	sum=`sha256sum images/demo-arena/demo-arena.qcow2 | cut -d ' ' -f 1` && \
	test -n "$$sum" && \
	sed -e "s|@DISK_SHA256[@]|$$sum|g" \
		$(srcdir)/images/demo-arena/demo-arena-disk.image.xml.in > $@.tmp && \
	mv -f $@.tmp $@
