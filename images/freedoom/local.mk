# images/freedoom: the spec of the first real game image, Freedoom played
# with Chocolate Doom, and the game's config files it copies in.  Installed
# so an operator can build it: gamehostctl image build
# $(pkgdatadir)/image-specs/freedoom/freedoom.spec

image_spec_freedoomdir = $(pkgdatadir)/image-specs/freedoom
image_spec_freedoom_DATA = \
	images/freedoom/freedoom.spec \
	images/freedoom/default.cfg \
	images/freedoom/chocolate-doom.cfg
EXTRA_DIST += $(image_spec_freedoom_DATA) images/freedoom/README.md
