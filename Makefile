# SPDX-License-Identifier: GPL-2.0-or-later
# sealroot — build, test and install.  `make help` lists the targets.

VERSION     := 0.1.0
PREFIX      ?= /usr
BINDIR      ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share
DOCDIR      ?= $(DATADIR)/doc/sealroot
MANDIR      ?= $(DATADIR)/man
DRACUTDIR   ?= $(PREFIX)/lib/dracut/modules.d/90sealroot
LIBEXECDIR  ?= $(PREFIX)/lib/sealroot
SYSCONFDIR  ?= /etc
DESTDIR     ?=

CC          ?= cc
CLANG       ?= clang
PKG_CONFIG  ?= pkg-config
B           := build

PKGS        := libcryptsetup devmapper blkid mount tss2-esys tss2-sys tss2-rc tss2-mu tss2-tctildr json-c libcrypto
PKG_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN        := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes \
               -Wstrict-prototypes -Wvla -Wpointer-arith -Wundef
# helpers/ is grouped by boot stage, one folder each; every folder is on the
# include path, so a source names a header by its file name alone.
STAGES      := core cmdline discover verity persist layout report
HELPER_INC  := $(addprefix -Ihelpers/,$(STAGES))
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DSEALROOT_VERSION='"$(VERSION)"' $(HELPER_INC) $(WARN)
CFLAGS      ?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
ALL_CFLAGS   = $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS)
LDFLAGS     ?= -Wl,-z,relro,-z,now
SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS    := $(filter-out helpers/core/main.c,$(foreach s,$(STAGES),$(wildcard helpers/$(s)/*.c)))
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)

# Three builds of the same sources:
#   $(B)/obj   the shipped binary $(B)/sealroot
#   $(B)/asan  unit tests under AddressSanitizer + UBSan
#   $(B)/test  $(B)/sealroot-test: fault-injection points compiled in (tests only)
OBJS        := $(LIB_SRCS:helpers/%.c=$(B)/obj/%.o)
ASAN_OBJS   := $(LIB_SRCS:helpers/%.c=$(B)/asan/%.o)
TEST_OBJS   := $(LIB_SRCS:helpers/%.c=$(B)/test/%.o)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
ASAN_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)
FUZZ_BINS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
HDRS        := $(foreach s,$(STAGES),$(wildcard helpers/$(s)/*.h))

# Man pages: Markdown sources converted with go-md2man (make man).  The
# generated .TH line is replaced so the header does not depend on the
# go-md2man version: NAME, SECTION, "", "sealroot VERSION", the section's manual.
MAN_SRCS    := $(wildcard man/*.[578].md)
MAN_PAGES   := $(foreach f,$(MAN_SRCS),$(B)/man/$(basename $(notdir $(f))))
GO_MD2MAN   ?= go-md2man
# Guides installed to DOCDIR (packaging/sealroot.spec lists the same files).
DOC_GUIDES  := docs/architecture.md docs/integrator.md docs/verity.md docs/tpm2-luks.md \
               docs/image-builder.md
# Shell libraries scripts/mkimage and scripts/boot source (installed beside
# them in LIBEXECDIR/lib).
MKIMAGE_LIBS := scripts/lib/cli.sh scripts/lib/mkimage-util.sh scripts/lib/ab-slots.sh \
	scripts/lib/pcr-sign.sh
man_title    = $(if $(filter 5,$(1)),File Formats,$(if $(filter 7,$(1)),Miscellaneous,System Administration))

FUZZ_TIME   ?= 300
FUZZ_SMOKE  ?= 15

.PHONY: all deps check unit unit-asan host fuzz fuzz-smoke lint format install demo \
        bench-layout bench e2e mutants clean help man rpm

all: $(B)/sealroot

help:
	@echo "make              build $(B)/sealroot"
	@echo "make demo         install missing packages, then show the default layout applied"
	@echo "make check        install missing packages, then run every test (unit, ASan, host, fuzz smoke, lint, e2e)"
	@echo "make unit         cmocka unit tests"
	@echo "make unit-asan    unit tests under ASan+UBSan"
	@echo "make host         host integration tests (root, unshare -m, swtpm)"
	@echo "make fuzz         libFuzzer targets, FUZZ_TIME=$(FUZZ_TIME)s each"
	@echo "make lint         clang-format --dry-run, cppcheck and shellcheck"
	@echo "make e2e          end-to-end boots in QEMU (OVMF Secure Boot, swtpm; slow)"
	@echo "make mutants      mutation gate: tests/mutants/list planted one at a time (E2E=1: also e2e; not in check)"
	@echo "make bench-layout layout apply benchmark vs. a shell baseline, merge of an image update"
	@echo "make bench        boot benchmark: sealroot vs. shell vs. stock systemd in QEMU (BENCH_N=5, BENCH_ARGS=--quick)"
	@echo "make man          man pages from man/*.md (go-md2man)"
	@echo "make rpm          build the RPM from a git archive of HEAD (scripts/build-rpm)"
	@echo "make install      DESTDIR=… PREFIX=… install binary, dracut module, layout, docs, man pages"

deps:
	@scripts/install-deps

$(B)/obj/%.o: helpers/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(B)/asan/%.o: helpers/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -c -o $@ $<
$(B)/test/%.o: helpers/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DSEALROOT_TEST_HOOKS=1 -c -o $@ $<

$(B)/libsealroot.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/libsealroot-asan.a: $(ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/libsealroot-test.a: $(TEST_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/sealroot: $(B)/obj/core/main.o $(B)/libsealroot.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/sealroot-test: $(B)/test/core/main.o $(B)/libsealroot-test.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/unit/%: tests/unit/%.c $(B)/libsealroot-test.a $(HDRS) | $(B)/unit
	$(CC) $(ALL_CFLAGS) -DSEALROOT_TEST_HOOKS=1 -o $@ $< $(B)/libsealroot-test.a $(PKG_LIBS) -lcmocka
$(B)/unit-asan/%: tests/unit/%.c $(B)/libsealroot-asan.a $(HDRS) | $(B)/unit-asan
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) -o $@ $< $(B)/libsealroot-asan.a $(PKG_LIBS) -lcmocka

# libFuzzer targets: each fuzz_*.c names the helpers/STAGE/*.c it exercises
# in lines "// fuzz-sources: core/a.c layout/b.c" (paths under helpers/).
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HDRS) | $(B)/fuzz
	$(CLANG) $(BASE_CFLAGS) -Wno-missing-prototypes -O1 -g -fsanitize=fuzzer,address,undefined \
		$(PKG_CFLAGS) -o $@ $< \
		$(addprefix helpers/,$(shell sed -n 's|^// fuzz-sources: ||p' $<)) $(PKG_LIBS)

$(B)/unit $(B)/unit-asan $(B)/fuzz:
	mkdir -p $@

unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

unit-asan: $(ASAN_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run-unit $(ASAN_BINS)

host: $(B)/sealroot $(B)/sealroot-test
	@tests/host/run

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p $(B)/corpus/$$n; \
		$$f -max_total_time=$(FUZZ_TIME) $(B)/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

fuzz-smoke: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p $(B)/corpus/$$n; \
		echo "fuzz-smoke: $$n for $(FUZZ_SMOKE)s"; \
		$$f -max_total_time=$(FUZZ_SMOKE) -print_final_stats=0 $(B)/corpus/$$n tests/fuzz/corpus/$$n \
			>$(B)/fuzz/$$n.log 2>&1 || { tail -50 $(B)/fuzz/$$n.log; exit 1; }; done

lint:
	@tests/lint

format:
	clang-format -i helpers/*/*.c helpers/*/*.h tests/unit/*.c tests/fuzz/*.c tests/host/*.c

check: deps
	@$(MAKE) --no-print-directory all $(B)/sealroot-test man
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory host
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory e2e

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

e2e: $(B)/sealroot
	@tests/e2e/run

# Not part of check: plants each mutation of tests/mutants/list in a scratch
# copy and runs the tests it names (E2E=1 adds the e2e ones; -j2 by default).
mutants: $(B)/sealroot
	@tests/mutants/run $(if $(E2E),--e2e) $(MUTANTS_ARGS)

bench-layout: $(B)/sealroot
	@scripts/bench/bench-layout

# Not part of check: boots QEMU 3*N+1 times (<= 45 min), see docs/performance.md.
bench: $(B)/sealroot
	@scripts/bench/run-boot-bench $(BENCH_ARGS)

# Every page is built from its Markdown source; section from the file name.
$(B)/man/%: man/%.md | $(B)/man
	@command -v $(GO_MD2MAN) >/dev/null || { echo "make man: $(GO_MD2MAN) not found (apt-get install go-md2man, or scripts/install-deps)" >&2; exit 1; }
	$(GO_MD2MAN) -in $< -out $@.tmp
	n='$*'; sec=$${n##*.}; name=$$(echo "$${n%.*}" | tr a-z A-Z); \
	sed "0,/^\.TH /s|^\.TH .*|.TH \"$$name\" \"$$sec\" \"\" \"sealroot $(VERSION)\" \"$(call man_title,$(subst .,,$(suffix $*)))\"|" $@.tmp >$@ && rm -f $@.tmp
$(B)/man:
	mkdir -p $@

man: $(MAN_PAGES)

rpm:
	@scripts/build-rpm

install: $(B)/sealroot man
	install -D -m 0755 $(B)/sealroot $(DESTDIR)$(BINDIR)/sealroot
	install -d $(DESTDIR)$(DRACUTDIR)
	install -m 0755 modules.d/90sealroot/*.sh $(DESTDIR)$(DRACUTDIR)/
	for f in modules.d/90sealroot/*; do case $$f in *.sh) ;; *) install -m 0644 $$f $(DESTDIR)$(DRACUTDIR)/ ;; esac; done
	install -D -m 0644 layout/layout.env $(DESTDIR)$(DATADIR)/sealroot/layout.env
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md COPYING man/layout.env.5.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(DOC_GUIDES) $(DESTDIR)$(DOCDIR)/
	for p in $(MAN_PAGES); do s=$${p##*.}; install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done
	install -D -m 0755 scripts/mkimage $(DESTDIR)$(LIBEXECDIR)/mkimage
	install -d $(DESTDIR)$(LIBEXECDIR)/lib
	install -m 0644 $(MKIMAGE_LIBS) $(DESTDIR)$(LIBEXECDIR)/lib/
	install -D -m 0755 scripts/boot $(DESTDIR)$(LIBEXECDIR)/boot
	for t in mkimage boot; do printf '#!/bin/sh\n# sealroot-%s: see sealroot-%s(8)\nexec %s/%s "$$@"\n' \
		$$t $$t $(LIBEXECDIR) $$t >$(DESTDIR)$(BINDIR)/sealroot-$$t; chmod 0755 $(DESTDIR)$(BINDIR)/sealroot-$$t; done

clean:
	rm -rf $(B)

# Test-only front end to helpers/persist/tpm2.c for tests/host/test_tpm2_*.sh.
$(B)/tests/tpm2-driver: tests/host/tpm2-driver.c $(B)/libsealroot-test.a $(HDRS)
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -DSEALROOT_TEST_HOOKS=1 -o $@ $< $(B)/libsealroot-test.a $(PKG_LIBS)
host: $(B)/tests/tpm2-driver
