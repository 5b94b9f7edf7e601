# images/guest: the files `gamehostctl image build` lays over every Linux
# game image (docs/images.md): the kiosk unit that runs Xorg with the game,
# the X config for the profile's mode, the game session script, and the
# services a disposable guest does without.  Files ending in .in are
# rendered by the builder (@WIDTH@, @HEIGHT@, @REFRESH@, @GAME_COMMAND@,
# @IMAGE_ID@).  The tree holds symlinks (unit enables and masks), so it is
# installed with cp -a rather than as DATA.

guest_rootfs_src = $(srcdir)/images/guest/rootfs
guest_rootfsdir = $(pkgdatadir)/image-build/rootfs

EXTRA_DIST += images/guest/rootfs

install-data-local: install-guest-rootfs
install-guest-rootfs:
	$(MKDIR_P) "$(DESTDIR)$(guest_rootfsdir)"
	cp -pPR $(guest_rootfs_src)/. "$(DESTDIR)$(guest_rootfsdir)/"
	chmod -R u+w "$(DESTDIR)$(guest_rootfsdir)"

uninstall-local: uninstall-guest-rootfs
uninstall-guest-rootfs:
	rm -rf "$(DESTDIR)$(guest_rootfsdir)"
	-rmdir "$(DESTDIR)$(pkgdatadir)/image-build"

.PHONY: install-guest-rootfs uninstall-guest-rootfs
