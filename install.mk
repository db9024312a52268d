# SPDX-License-Identifier: GPL-2.0
#
# Installation, the way operators install kernel software:
#
#   make && make install [DESTDIR=/staging] [PREFIX=/usr]
#   dkms install vinfer/$(VERSION)          # builds vinfer.ko per kernel
#   make uninstall
#
# What goes where (PREFIX defaults to /usr/local; /etc and /usr/src do not
# move with it, as systemd, modprobe and DKMS look only there):
#
#   $(BINDIR)/vinfer                   the CLI
#   $(SBINDIR)/vinferd                 the daemon
#   $(DKMSSRCDIR)/                     module source for DKMS: dkms.conf,
#                                      Kbuild, VERSION, kmod/, include/uapi/
#   $(UNITDIR)/vinferd.service         the systemd unit
#   $(MODULESLOADDIR)/vinfer.conf      loads vinfer.ko at boot
#   $(TMPFILESDIR)/vinfer.conf         /var/lib/vinfer
#   $(SYSCONFDIR)/vinfer/vinferd.conf  default config, only if absent, 0640
#   $(SYSCONFDIR)/modprobe.d/vinfer.conf  module options, only if absent
#   $(DOCDIR)/                         Documentation/, README, examples/
#
# VERSION is the one place the version is written; the installed dkms.conf
# and the unit are filled in from it and from the directories above.
# Documentation/admin-guide/install.rst is the operator's side of this.

VERSION		:= $(shell cat VERSION)
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
SYSCONFDIR	?= /etc
UNITDIR		?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR	?= $(PREFIX)/lib/modules-load.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
DOCDIR		?= $(PREFIX)/share/doc/vinfer
DKMSSRCDIR	?= /usr/src/vinfer-$(VERSION)

INSTALL		?= install

# The module's sources as DKMS needs them: no build products.
MODULE_SRCS	:= Kbuild VERSION kmod/Kbuild include/uapi/linux/vinfer.h \
		   $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)
DOC_SRCS	:= $(shell find Documentation -name '*.rst' | sort)
EXAMPLES	:= packaging/udev/60-vinfer.rules $(wildcard etc/vinferd.conf)
CONFIG_SRC	:= etc/vinferd.conf

# Placeholders of the .in files, filled in at install time.
define subst-paths
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	    -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@DOCDIR@|$(DOCDIR)|g'
endef

# $(call install-if-absent,SRC,DEST,MODE): an operator's edited copy wins.
define install-if-absent
	@if [ -e "$(DESTDIR)$(2)" ]; then \
		echo "  keep $(DESTDIR)$(2) (exists; the default is in $(DOCDIR)/examples/)"; \
	else \
		echo "  install $(DESTDIR)$(2)"; \
		$(INSTALL) -D -m $(3) $(1) "$(DESTDIR)$(2)"; \
	fi
endef

# $(call remove-if-unchanged,SRC,DEST): removes DEST only if it is still the
# shipped default; an edited configuration stays, and uninstall says so.
define remove-if-unchanged
	@if [ -e "$(DESTDIR)$(2)" ]; then \
		if [ -e $(1) ] && cmp -s $(1) "$(DESTDIR)$(2)"; then \
			rm -f "$(DESTDIR)$(2)"; \
		else \
			echo "  keep $(DESTDIR)$(2) (modified; remove it by hand)"; \
		fi; \
	fi
endef

.PHONY: install install-progs install-module-src install-system install-docs uninstall

install: install-progs install-module-src install-system install-docs

install-progs: userspace
	$(INSTALL) -D -m 0755 $(O)/vinfer "$(DESTDIR)$(BINDIR)/vinfer"
ifneq ($(filter $(O)/vinferd,$(PROGS)),)
	$(INSTALL) -D -m 0755 $(O)/vinferd "$(DESTDIR)$(SBINDIR)/vinferd"
else
	@echo "install: vinferd is not built (no daemon/vinferd sources); the unit is installed without it" >&2
endif

install-module-src: $(MODULE_SRCS) dkms.conf
	@for f in $(MODULE_SRCS); do \
		$(INSTALL) -D -m 0644 $$f "$(DESTDIR)$(DKMSSRCDIR)/$$f" || exit 1; \
	done
	$(subst-paths) dkms.conf > "$(DESTDIR)$(DKMSSRCDIR)/dkms.conf"
	chmod 0644 "$(DESTDIR)$(DKMSSRCDIR)/dkms.conf"

install-system: packaging/vinferd.service.in
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(UNITDIR)"
	$(subst-paths) packaging/vinferd.service.in > "$(DESTDIR)$(UNITDIR)/vinferd.service"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/vinferd.service"
	$(INSTALL) -D -m 0644 packaging/modules-load.d/vinfer.conf "$(DESTDIR)$(MODULESLOADDIR)/vinfer.conf"
	$(INSTALL) -D -m 0644 packaging/tmpfiles.d/vinfer.conf "$(DESTDIR)$(TMPFILESDIR)/vinfer.conf"
	@test -e $(CONFIG_SRC) || { echo "install: $(CONFIG_SRC) is missing from the source tree" >&2; exit 1; }
	$(call install-if-absent,$(CONFIG_SRC),$(SYSCONFDIR)/vinfer/vinferd.conf,0640)
	$(call install-if-absent,packaging/modprobe.d/vinfer.conf,$(SYSCONFDIR)/modprobe.d/vinfer.conf,0644)

install-docs: $(DOC_SRCS) README.md $(EXAMPLES)
	@for f in $(DOC_SRCS); do \
		$(INSTALL) -D -m 0644 $$f "$(DESTDIR)$(DOCDIR)/$${f#Documentation/}" || exit 1; \
	done
	$(INSTALL) -D -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(DOCDIR)/examples"
	$(INSTALL) -m 0644 $(EXAMPLES) packaging/modprobe.d/vinfer.conf "$(DESTDIR)$(DOCDIR)/examples/"

# Removes what install added.  On the live system (no DESTDIR) it refuses
# while DKMS still builds from $(DKMSSRCDIR): its tree links to it.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /var/lib/dkms/vinfer/$(VERSION) ]; then \
		echo "uninstall: vinfer/$(VERSION) is registered with DKMS; run first:" >&2; \
		echo "  dkms remove vinfer/$(VERSION) --all" >&2; exit 1; \
	fi
	rm -f "$(DESTDIR)$(BINDIR)/vinfer" "$(DESTDIR)$(SBINDIR)/vinferd" \
	      "$(DESTDIR)$(UNITDIR)/vinferd.service" \
	      "$(DESTDIR)$(MODULESLOADDIR)/vinfer.conf" "$(DESTDIR)$(TMPFILESDIR)/vinfer.conf"
	rm -rf "$(DESTDIR)$(DKMSSRCDIR)" "$(DESTDIR)$(DOCDIR)"
	$(call remove-if-unchanged,$(CONFIG_SRC),$(SYSCONFDIR)/vinfer/vinferd.conf)
	$(call remove-if-unchanged,packaging/modprobe.d/vinfer.conf,$(SYSCONFDIR)/modprobe.d/vinfer.conf)
	@rmdir "$(DESTDIR)$(SYSCONFDIR)/vinfer" 2>/dev/null || true

# HTML documentation with Sphinx (Debian: python3-sphinx), not part of check.
# No conf.py: the few settings are given here.
.PHONY: htmldocs
htmldocs:
	@command -v sphinx-build > /dev/null || { echo "htmldocs: sphinx-build not found (apt-get install python3-sphinx)" >&2; exit 1; }
	sphinx-build -q -C -b html -D project=vinfer -D version=$(VERSION) -D release=$(VERSION) \
		-D master_doc=index -D html_theme=alabaster Documentation $(O)/htmldocs
