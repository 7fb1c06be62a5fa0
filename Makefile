# cafe - a café's order, payment, kitchen and messaging suite over one
# append-only SQLite event log.  See README.md; DESIGN lives in the man pages.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
SHAREDIR  = $(PREFIX)/share/cafe
LOCALEDIR = $(PREFIX)/share/locale

CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib
# Where the customers' languages are found once installed (lib/base/lang.c;
# a checkout's own share/locale otherwise).
CFLAGS   += -DCAFE_LOCALEDIR='"$(LOCALEDIR)"'
# libpq's header only: the library itself is dlopen'd (lib/store/pg.c).
CFLAGS   += $(shell pkg-config --cflags libpq 2>/dev/null)
# The three libraries are linked statically (make STATIC=0 to link them
# shared): every command is a short process, and resolving their symbols
# at each start cost a quarter of a placement's instructions.
STATIC   ?= 1
ifeq ($(STATIC),1)
LDLIBS    = -Wl,-Bstatic -lsqlite3 -ljansson -lyaml -lsodium -Wl,-Bdynamic -lm -ldl -lpthread
else
LDLIBS    = -lsqlite3 -ljansson -lyaml -lsodium
endif

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD    = build-san
else
BUILD    = build
endif

PROGRAMS = $(patsubst cmd/%.c,%,$(wildcard cmd/cafe-*.c))
BINS     = $(addprefix bin/,$(PROGRAMS))
LIBSRC   = $(sort $(wildcard lib/*/*.c))
LIBOBJ   = $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIBSRC)) $(BUILD)/gen/web-assets.o
# The customers' pages' script and style are files; the build embeds them
# (render/web.h declares them) so that cafe-web serves them from memory.
WEBASSETS = share/cafe/web/app.js share/cafe/web/style.css
# The customers' languages: po/LANG.po, made into the catalogue gettext
# reads (lib/base/lang.c), checked as it is made.
LANGS      = $(patsubst po/%.po,%,$(wildcard po/*.po))
CATALOGUES = $(patsubst %,share/locale/%/LC_MESSAGES/cafe.mo,$(LANGS))
# cmd/common: what the programs share and the library must not do (the
# command line, printing tables and JSON, the meter): libcafe-cli.a.
CLISRC   = $(wildcard cmd/common/*.c)
CLIOBJ   = $(patsubst cmd/common/%.c,$(BUILD)/cmd/common/%.o,$(CLISRC))
HEADERS  = $(wildcard lib/*/*.h cmd/common/*.h)
HELPERS  = $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/*.c))

# Debian packages the build needs (and `make demo`, which only builds and
# runs), then those the tests and the benchmarks need too.
BUILD_DEPS = gcc make pkg-config libsqlite3-dev libjansson-dev libyaml-dev libsodium-dev \
       libpq-dev libncurses-dev libmicrohttpd-dev libqrencode-dev tzdata gettext locales
DEPS = $(BUILD_DEPS) sqlite3 \
       bats bats-support bats-assert jq mandoc hyperfine procps parallel \
       util-linux zsh fish bc faketime stress-ng socat systemd clang libclang-rt-14-dev \
       postgresql iproute2 bsdextrautils debootstrap \
       chromium chromium-driver python3-selenium fonts-dejavu-core fonts-noto-cjk \
       poppler-utils time tmux aha \
       apache2-utils curl zbar-tools \
       patroni etcd-server etcd-client pgbouncer

all: $(BINS) $(HELPERS) $(CATALOGUES)

share/locale/%/LC_MESSAGES/cafe.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

# The strings to translate, from the code (N_ marks them): `make pot`,
# then `msgmerge -U po/ko.po po/cafe.pot`.
pot:
	xgettext --from-code=UTF-8 -k -kN_ -kT -kcafe_tr:2 -o po/cafe.pot $(LIBSRC) $(CLISRC) $(HEADERS) \
	    $(wildcard cmd/*.c) --omit-header --no-location

# The kitchen's screen (cmd/common/board.c) is curses: only cafe-deliver
# links it.
NCURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
bin/cafe-deliver: LDLIBS += $(NCURSES_LIBS)
# The customers' pages: HTTP is libmicrohttpd's.
bin/cafe-web: LDLIBS += -lmicrohttpd

# bin/ always holds the build of the last `make` (plain or SANITIZE=1).
bin/cafe-%: $(BUILD)/cmd/cafe-%.o $(BUILD)/libcafe-cli.a $(BUILD)/libcafe.a | bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Only cmd/ sees cmd/common: lib/ cannot reach the printing side.
$(BUILD)/cmd/%.o: cmd/%.c $(HEADERS) | $(BUILD)/cmd
	$(CC) $(CFLAGS) -Icmd/common -c -o $@ $<

$(BUILD)/lib/%.o: lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/web-assets.c: $(WEBASSETS) Makefile
	@mkdir -p $(@D)
	{ echo '#include <stddef.h>'; for f in $(WEBASSETS); do \
		n=$$(basename $$f | tr '.-' '__'); \
		echo "const char cafe_web_$$n[] = {"; \
		od -An -v -tx1 $$f | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
		echo "0 };"; echo "const size_t cafe_web_$${n}_len = $$(wc -c < $$f);"; \
	done; } > $@

$(BUILD)/gen/web-assets.o: $(BUILD)/gen/web-assets.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/cmd/common/%.o: cmd/common/%.c $(HEADERS) | $(BUILD)/cmd/common
	$(CC) $(CFLAGS) -Icmd/common -c -o $@ $<

$(BUILD)/libcafe-cli.a: $(CLIOBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libcafe.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libcafe.a $(HEADERS) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcafe.a $(LDLIBS)

bin $(BUILD)/cmd $(BUILD)/cmd/common $(BUILD)/tests:
	mkdir -p $@

# Force relinking bin/ when switching between plain and sanitizer builds.
.stamp-$(BUILD):
	rm -f .stamp-build .stamp-build-san bin/cafe-*
	touch $@
$(BINS): .stamp-$(BUILD)

# Test files run two at a time when GNU parallel is there (tests within a
# file run in order).
BATS_JOBS = $(shell command -v parallel >/dev/null && echo --jobs 2 --no-parallelize-within-files)

# demo and check first install what is missing (deps), so that a fresh
# machine needs only them; then build, in that order even under -j.
check: deps
	@$(MAKE) -s --no-print-directory all
	mandoc -Tlint -W warning man/man*/*.[157]
	CAFE_BUILD=$(BUILD) bats $(BATS_JOBS) tests/

# The same suite on PostgreSQL: a throwaway cluster of its own, one fresh
# database per test (tests/check-pg).
check-pg: all
	@command -v bats >/dev/null || { echo "bats is missing: run 'make deps' (as root)" >&2; exit 1; }
	CAFE_BUILD=$(BUILD) tests/check-pg $(BATS_JOBS)

# The README's two commands on a minimal Debian made for the purpose, with
# a clone of HEAD in /root (tests/check-fresh); as root.
check-fresh: deps
	tests/check-fresh

soak: all
	CAFE_BUILD=$(BUILD) CAFE_SOAK=1 bats tests/soak/

# A chain's failover: a primary and a synchronous standby under Patroni
# with etcd, on loopback, killed and taken over HA_ROUNDS times (20).
check-ha: all
	@command -v patroni >/dev/null || { echo "patroni is missing: run 'make deps' (as root)" >&2; exit 1; }
	CAFE_BUILD=$(BUILD) bats tests/ha/

demo: build-deps
	@$(MAKE) -s --no-print-directory all
	@sh share/cafe/demo.sh

# The README's pictures, made by the tests that check them.
screenshots: all
	CAFE_SCREENSHOTS=$(CURDIR)/share/cafe bats -f picture tests/3010-board.bats tests/7000-web.bats
	CAFE_SCREENSHOTS=$(CURDIR)/share/cafe bats -f 'on a phone|kiosk|asks for Korean' tests/7100-web-order.bats

bench: all
	@for b in tests/bench/*.sh; do \
		if [ -x "$$b" ]; then "$$b"; else sh "$$b"; fi || exit 1; \
	done

# Installs the Debian packages of DEPS that are missing (as root); anyone
# else is told the one command to run.
deps build-deps:
	@command -v dpkg-query >/dev/null || { echo "not a Debian system: install the packages named in the Makefile's DEPS yourself" >&2; exit 0; }; \
	missing=""; for p in $(if $(filter build-deps,$@),$(BUILD_DEPS),$(DEPS)); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
		$(if $(filter deps,$(MAKECMDGOALS)),echo "all build and test packages are installed";) exit 0; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "missing Debian packages; run as root: apt-get update && apt-get install -y --no-install-recommends$$missing" >&2; exit 1; \
	fi; \
	echo "installing:$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing
	@# Korean pages need a Korean locale for gettext to choose (lib/base/lang.h).
	@if ! locale -a 2>/dev/null | grep -qix 'ko_KR.utf-\?8'; then \
		if [ "$$(id -u)" = 0 ]; then echo "making the ko_KR.UTF-8 locale"; \
			localedef -i ko_KR -f UTF-8 ko_KR.UTF-8; \
		else echo "no ko_KR.UTF-8 locale; as root: localedef -i ko_KR -f UTF-8 ko_KR.UTF-8" >&2; fi; \
	fi

# Installing: programs, man pages, completions (one copy per program, where
# bash-completion, zsh and fish look for them) and share/cafe/.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d
MANPAGES    = $(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7)
SHAREFILES  = $(wildcard share/cafe/*)
# systemd units, sysusers.d and tmpfiles.d entries, and the cron example:
# share/units/*.in get the programs' directory filled in (@BINDIR@).
UNITDIR     = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
UNITS       = cafe-daemon.service cafe-notify.service cafe-web.service cafe-web.socket

# The tests install what is already built (INSTALL_DEPS=), so that no
# relink can empty bin/ under the tests running beside them.
INSTALL_DEPS ?= all
install: $(INSTALL_DEPS)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	for p in $(PROGRAMS); do \
		install -m 755 bin/$$p $(DESTDIR)$(BINDIR)/$$p && \
		install -m 644 completions/cafe.bash $(DESTDIR)$(BASHCOMPDIR)/$$p && \
		install -m 644 completions/_cafe $(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
		install -m 644 completions/cafe.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish || exit 1; \
	done
	for m in $(MANPAGES); do \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; \
	done
	for f in $(SHAREFILES); do \
		[ -f $$f ] || continue; \
		if [ -x $$f ]; then m=755; else m=644; fi; \
		install -m $$m $$f $(DESTDIR)$(SHAREDIR)/ || exit 1; \
	done
	mkdir -p $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	for u in $(UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' share/units/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	sed 's|@BINDIR@|$(BINDIR)|g' share/units/cafe.cron.in >$(DESTDIR)$(SHAREDIR)/cafe.cron
	chmod 644 $(DESTDIR)$(SHAREDIR)/cafe.cron
	install -m 644 share/units/cafe.sysusers $(DESTDIR)$(SYSUSERSDIR)/cafe.conf
	install -m 644 share/units/cafe.tmpfiles $(DESTDIR)$(TMPFILESDIR)/cafe.conf
	for l in $(LANGS); do \
		mkdir -p $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 share/locale/$$l/LC_MESSAGES/cafe.mo \
		    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/cafe.mo || exit 1; \
	done

uninstall:
	for p in $(PROGRAMS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p \
		    $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	for f in $(SHAREFILES); do rm -f $(DESTDIR)$(SHAREDIR)/$${f##*/}; done
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	for l in $(LANGS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/cafe.mo; done
	rm -f $(DESTDIR)$(SHAREDIR)/cafe.cron $(DESTDIR)$(SYSUSERSDIR)/cafe.conf \
	    $(DESTDIR)$(TMPFILESDIR)/cafe.conf
	-rmdir $(DESTDIR)$(SHAREDIR) 2>/dev/null

# Fuzzing (tests/fuzz/): one libFuzzer target per input a user or a file
# controls, built with clang, ASan and UBSan over the same library sources
# (build-fuzz/), each run FUZZ_SECONDS on a copy of its seed corpus. A
# crash fails the target; the total runs are printed at the end.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS   = -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(shell pkg-config --cflags libpq 2>/dev/null) \
                -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_TARGETS  = $(patsubst tests/fuzz/fuzz-%.c,build-fuzz/fuzz-%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_OBJ      = $(patsubst lib/%.c,build-fuzz/lib/%.o,$(LIBSRC))

build-fuzz/lib/%.o: lib/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build-fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) \
	    -lsqlite3 -ljansson -lyaml -lsodium -lm -ldl -lpthread

fuzz: $(FUZZ_TARGETS)
	@total=0; for t in $(FUZZ_TARGETS); do \
		name=$${t##*/fuzz-}; work=$$(mktemp -d); \
		cp tests/fuzz/corpus/$$name/* $$work/ 2>/dev/null; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
		if ! $$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		    -max_len=65536 -print_final_stats=1 -artifact_prefix=build-fuzz/$$name- \
		    $$work >build-fuzz/$$name.log 2>&1; then \
			tail -40 build-fuzz/$$name.log; rm -rf $$work; \
			echo "fuzz: $$name FAILED (see build-fuzz/$$name.log)"; exit 1; \
		fi; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' build-fuzz/$$name.log); \
		echo "fuzz: $$name: $$runs runs, no crash"; \
		total=$$((total + runs)); rm -rf $$work; \
	done; echo "fuzz: $$total runs in all, no crash"

clean:
	rm -rf build build-san build-fuzz bin .stamp-build .stamp-build-san

.PHONY: all check check-pg check-fresh check-ha soak demo bench deps build-deps clean install uninstall fuzz screenshots
# Keep the objects: they are what the next build starts from.
.SECONDARY:
