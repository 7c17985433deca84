# drip - build, test, demo.
#
#   make            build ./drip (installs missing build dependencies first)
#   make check      build and run every test through prove (and build
#                   with the other compiler too: gcc and clang)
#   make asan       the same tests under AddressSanitizer and UBSan
#   make fuzz       libFuzzer on every parser, FUZZ_SECONDS each (clang)
#   make demo       a demo workspace in a temporary directory
#   make install    PREFIX=/usr/local (binary, man pages, completions)
#   make CC=clang   any of the above with clang
#
# Build output goes to build/ (never committed).  On a Debian machine the
# targets install what is missing with apt-get; elsewhere install libyaml,
# libcsv, libgit2, libsodium and pkg-config yourself.

CC ?= cc
CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
DESTDIR ?=
B ?= build
# The binary; make asan builds its own under build/asan so the end-to-end
# scripts run the sanitized program too.
BIN ?= drip

# Debian packages: to build, and to run the tests.
BUILD_PKGS = make gcc pkg-config libyaml-dev libcsv-dev libgit2-dev libsodium-dev
TEST_PKGS = git perl tzdata man-db groff-base mandoc bash-completion zsh fish python3 strace \
	msmtp python3-aiosmtpd chromium lighttpd curl clang

WARN = -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
DEFS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCS = -I. -Iformats -Icore -Icmd
PKG = yaml-0.1 libgit2 libsodium
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKG) 2>/dev/null || echo -lyaml -lgit2 -lsodium)
ALL_CFLAGS = $(WARN) $(DEFS) $(INCS) $(PKG_CFLAGS) $(CFLAGS)
LIBS = $(PKG_LIBS) -lcsv

LIB_SRC = $(sort $(wildcard formats/*.c core/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard testdata/unit/t_*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(B)/%.o)
UNIT_BIN = $(UNIT_SRC:testdata/unit/%.c=$(B)/unit/%)
E2E = $(sort $(wildcard testdata/t/t[0-9]*.sh))
HDRS = $(wildcard formats/*.h core/*.h cmd/*.h)

.PHONY: all deps test-deps build check check-run other-cc asan demo install clean bench fuzz

all: deps
	@$(MAKE) --no-print-directory build

# Install missing Debian packages.  apt-get update runs only when something
# is missing, so a machine that has everything never touches the network.
deps:
	@sh testdata/deps.sh $(BUILD_PKGS) $(if $(filter clang%,$(notdir $(CC))),clang)

test-deps:
	@sh testdata/deps.sh $(BUILD_PKGS) $(TEST_PKGS) $(if $(filter clang%,$(notdir $(CC))),clang)

build: $(BIN) $(UNIT_BIN)

$(BIN): $(CMD_OBJ) $(B)/libdrip.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJ) $(B)/libdrip.a $(LIBS) $(LDFLAGS)

$(B)/libdrip.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/unit/%: testdata/unit/%.c testdata/unit/tap.h $(B)/libdrip.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libdrip.a $(LIBS) $(LDFLAGS)

# t_fuzz runs the fuzz targets on the inputs kept in testdata/fuzz/regress.
$(B)/unit/t_fuzz: testdata/fuzz/targets.c

# Every test, through prove (TAP): the C unit tests, then the end-to-end
# scripts, which run ./drip against temporary git workspaces.
check: test-deps
	@$(MAKE) --no-print-directory other-cc
	@$(MAKE) --no-print-directory check-run

# SPEC §13 promises gcc and clang: check also builds drip and the unit
# tests with the compiler CC is not, warnings as errors, into $(B)/OTHER.
# The suite runs once, with CC's build.
OTHER_CC = $(if $(filter clang%,$(notdir $(CC))),gcc,clang)
other-cc:
	@echo "build with $(OTHER_CC) into $(B)/$(OTHER_CC)"
	@$(MAKE) --no-print-directory -j2 CC=$(OTHER_CC) B=$(B)/$(OTHER_CC) \
		BIN=$(B)/$(OTHER_CC)/drip build

check-run: build
	DRIP=$(CURDIR)/$(BIN) prove $(PROVE_FLAGS) $(UNIT_BIN) $(E2E)

# testdata/lsan.supp: leaks of the libraries drip links, not drip's.
asan: test-deps
	@LSAN_OPTIONS=suppressions=$(CURDIR)/testdata/lsan.supp:print_suppressions=0 \
	$(MAKE) --no-print-directory B=build/asan BIN=build/asan/drip \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check-run

# libFuzzer targets (testdata/fuzz/targets.c) for every parser of
# untrusted text, built with clang, ASan and UBSan, each run FUZZ_SECONDS
# from seeds in testdata/ (testdata/fuzz/run.sh).  Minutes, so never part
# of `make check`; what it finds is kept in testdata/fuzz/regress/, which
# t_fuzz runs in `make check`.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= seq autom config csv expr tmpl dur time token mail state events \
	roster import protect respond holidays tasks log
FZ = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz:
	@sh testdata/deps.sh $(BUILD_PKGS) clang
	@$(MAKE) --no-print-directory CC=$(FUZZ_CC) B=$(FZ) \
		CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FZ)/libdrip.a
	@for t in $(FUZZ_TARGETS); do \
		echo "$(FUZZ_CC) -o $(FZ)/fz_$$t"; \
		$(FUZZ_CC) $(ALL_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -DFUZZ_TARGET=fz_$$t \
			-o $(FZ)/fz_$$t testdata/fuzz/main.c $(FZ)/libdrip.a $(LIBS) || exit 1; \
	done
	FZ=$(FZ) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" sh testdata/fuzz/run.sh

demo: deps
	@$(MAKE) --no-print-directory build
	@sh testdata/demo.sh $(CURDIR)/drip

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 drip $(DESTDIR)$(PREFIX)/bin/drip
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 644 completions/drip.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/drip
	install -m 644 completions/_drip $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_drip
	install -m 644 completions/drip.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/drip.fish

clean:
	rm -rf $(B) build drip

# Speed and memory of tick against the floor, and lint's speed (SPEC §13).
# A measurement that takes minutes, so it is never part of `make check`.
# BENCH_SIZE=100000 for a quick run; see testdata/bench/run.sh.
bench: deps
	@$(MAKE) --no-print-directory $(BIN)
	@CC='$(CC)' B='$(B)' DRIP='$(CURDIR)/$(BIN)' BENCH_CFLAGS='$(ALL_CFLAGS)' \
		BENCH_LIBS='$(LIBS) $(LDFLAGS)' sh testdata/bench/run.sh
