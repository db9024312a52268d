# SPDX-License-Identifier: GPL-2.0
#
# make install/uninstall into a temporary DESTDIR, the DKMS build of the
# installed module source against KVER's headers in a temporary DKMS tree,
# and the systemd unit (systemd-analyze verify).  tests/install/check.sh
# says what is checked; nothing outside its temporary directory is written.

.PHONY: check-install
check-install: userspace
	MAKE="$(MAKE)" KVER="$(KVER)" KDIR="$(KDIR)" VERSION="$(VERSION)" \
	VINFERD_BUILT="$(if $(filter $(O)/vinferd,$(PROGS)),1)" \
		tests/install/check.sh

CHECKS += check-install
