# Makefile - builds kvaot (the transpiler), libkvrt.a (the runtime linked into
# every generated executable), the sample guests, and runs the tests.
# One non-recursive Makefile; objects go under $(BUILD) mirroring the sources.
#
# $(BUILD) is laid out like an installed prefix, so kvaot finds its runtime the
# same way in both cases (<dir of kvaot>/../lib/kvaot):
#   $(BUILD)/bin/kvaot
#   $(BUILD)/lib/kvaot/libkvrt.a
#   $(BUILD)/lib/kvaot/include/{kvrt.h,wasm-rt.h,wasm-rt-impl.h}
#   $(BUILD)/lib/kvaot/musl/{libkvrt.a,libhiredis.a,libjansson.a}   (`make musl`, optional)

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
WABT_DIR ?= /usr/src/wasm2c
SAN      ?=
WASM_CC  ?= clang

# -Wconversion is left out on purpose: uthash's macros trip it everywhere.
# -Wno-format-truncation: messages are cut to their buffers on purpose.
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-truncation -Werror
CFLAGS   ?= -O2 -g
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
BASEFLAGS := -std=c11 -D_GNU_SOURCE -fno-omit-frame-pointer $(SANFLAGS) -MMD -MP
RT_CFLAGS := $(BASEFLAGS) $(WARN) $(CFLAGS) -I runtime -I $(WABT_DIR)
KT_CFLAGS := $(BASEFLAGS) $(WARN) $(CFLAGS) -I transpile -I runtime -I $(BUILD)/gen
# wasm2c's own runtime is not our code: no -Werror on it. Its memory
# allocate/free are renamed: runtime/memory.c wraps them (see there why).
WRT_RENAMES := -Dwasm_rt_allocate_memory=kvrt_upstream_allocate_memory \
               -Dwasm_rt_free_memory=kvrt_upstream_free_memory
WRT_CFLAGS := $(BASEFLAGS) $(CFLAGS) -I $(WABT_DIR) $(WRT_RENAMES)
LDFLAGS  ?=
LDFLAGS  += $(SANFLAGS)

VERSION  := $(shell cat VERSION)

# runtime/musl_compat.c goes only into the musl runtime (`make musl`).
RT_SRCS  := $(filter-out runtime/musl_compat.c,$(wildcard runtime/*.c))
RT_OBJS  := $(RT_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/wabt/wasm-rt-impl.o
# The same runtime in gcc's LTO form only (libkvrt-lto.a), for
# `kvaot build --lto`: that link optimises it together with the glue. Kept
# apart so that every other link of libkvrt.a stays a plain link.
RT_LTO_OBJS := $(RT_SRCS:runtime/%.c=$(BUILD)/runtime-lto/%.o)
KT_SRCS  := $(wildcard transpile/*.c)
KT_OBJS  := $(KT_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/templates.o
KT_LIBOBJS := $(filter-out $(BUILD)/transpile/main.o,$(KT_OBJS))
TEMPLATES := $(wildcard templates/*.c.in)

LIBDIR   := $(BUILD)/lib/kvaot
KVAOT    := $(BUILD)/bin/kvaot
LIBKVRT  := $(LIBDIR)/libkvrt.a
LIBKVRT_LTO := $(LIBDIR)/libkvrt-lto.a
HEADERS  := $(LIBDIR)/include/kvrt.h $(LIBDIR)/include/kvrt_wasi.h $(LIBDIR)/include/wasm-rt.h $(LIBDIR)/include/wasm-rt-impl.h

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(BUILD)/tests/unit_tests

SAMPLE_DIRS := $(wildcard samples/*/guest.c)
SAMPLES   := $(SAMPLE_DIRS:samples/%/guest.c=$(BUILD)/samples/%.wasm)
KVGUEST_H := $(wildcard samples/include/*.h)
# Samples are compiled with -O2, then linked without -O: clang runs
# binaryen's wasm-opt after linking when -O is given and wasm-opt is on
# PATH, which would make the samples (their sizes, their name sections)
# depend on whether binaryen happens to be installed.
WASM_CFLAGS := --target=wasm32 -nostdlib -O2 -mno-simd128 -Wall -Werror -I samples/include
WASM_LDFLAGS := --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export-dynamic
# Guests on Debian's wasi-libc / libc++ (reactor model: _initialize runs the
# constructors), for the samples/*/build.mk that use $(wasi-sample).
WASM_CXX ?= clang++
WASI_CFLAGS := --target=wasm32-wasi --sysroot=/usr -O2 -mno-simd128 -Wall -Werror -I samples/include
WASI_CXXFLAGS := $(WASI_CFLAGS) -fno-exceptions
WASI_LDFLAGS := --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor

# $(wasi-sample): the recipe for a one-file wasi-libc guest ($<, .c or
# .cpp) into $@, compiled and linked in two steps as above.
define wasi-sample
	@mkdir -p $(dir $@)
	$(if $(filter %.cpp,$<),$(WASM_CXX) $(WASI_CXXFLAGS),$(WASM_CC) $(WASI_CFLAGS)) -c $< -o $@.o
	$(if $(filter %.cpp,$<),$(WASM_CXX),$(WASM_CC)) $(WASI_LDFLAGS) $@.o -o $@
	rm -f $@.o
endef

.PHONY: all test test-unit test-e2e test-san test-js fuzz diff samples install clean bench bench-build demo \
        golden musl musl-if-available

# The sanitizer build has no --lto runtime (nothing there links with --lto).
all: $(KVAOT) $(LIBKVRT) $(if $(SAN),,$(LIBKVRT_LTO)) $(HEADERS)

$(BUILD)/runtime/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -c $< -o $@

$(BUILD)/runtime-lto/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -flto -c $< -o $@

$(BUILD)/wabt/wasm-rt-impl.o: $(WABT_DIR)/wasm-rt-impl.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WRT_CFLAGS) -c $< -o $@

$(BUILD)/transpile/%.o: transpile/%.c $(BUILD)/gen/templates.h
	@mkdir -p $(dir $@)
	$(CC) $(KT_CFLAGS) -DKVAOT_VERSION='"$(VERSION)"' -c $< -o $@

$(BUILD)/gen/templates.c: $(TEMPLATES) scripts/embed-templates.sh
	@mkdir -p $(BUILD)/gen
	sh scripts/embed-templates.sh $(BUILD)/gen $(TEMPLATES)
$(BUILD)/gen/templates.h: $(BUILD)/gen/templates.c

$(BUILD)/gen/templates.o: $(BUILD)/gen/templates.c
	$(CC) $(BASEFLAGS) $(CFLAGS) -c $< -o $@

$(LIBKVRT): $(RT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# gcc-ar: the archive's symbol index must come from the LTO form.
$(LIBKVRT_LTO): $(RT_LTO_OBJS) $(BUILD)/wabt/wasm-rt-impl.o
	@mkdir -p $(dir $@)
	rm -f $@
	gcc-ar rcs $@ $^

$(LIBDIR)/include/kvrt.h: runtime/kvrt.h
	@mkdir -p $(dir $@)
	cp $< $@
$(LIBDIR)/include/kvrt_wasi.h: runtime/kvrt_wasi.h
	@mkdir -p $(dir $@)
	cp $< $@
$(LIBDIR)/include/%.h: $(WABT_DIR)/%.h
	@mkdir -p $(dir $@)
	cp $< $@

# `kvaot publish` is runtime code (event lines, Redis): kvaot links libkvrt.a.
$(KVAOT): $(KT_OBJS) $(LIBKVRT)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(KT_OBJS) $(LIBKVRT) -liberty -lhiredis -ljansson -lm -o $@

# ---- optional musl runtime (`kvaot build --musl`) -------------------------
# The same runtime sources, compiled with musl-gcc, into $(BUILD)/musl/ and
# archived as $(LIBDIR)/musl/libkvrt.a. musl-gcc's specs drop /usr/include,
# so the two non-libc headers the runtime needs (uthash.h; jansson.h with its
# jansson_config.h) are copied into $(BUILD)/musl/include: no glibc header can
# be picked up for a libc one. Debian has no musl build of jansson, so
# $(LIBDIR)/musl/libjansson.a is a copy of the glibc libjansson.a with
# runtime/musl_compat.o appended (the glibc fortify functions it calls; that
# file explains why this is sound); the same for hiredis ($(LIBDIR)/musl/
# libhiredis.a). No sanitizers: they need glibc.
MUSL_CC      ?= musl-gcc
JANSSON_A    ?= $(realpath $(shell $(CC) -print-file-name=libjansson.a))
MUSL_DIR     := $(BUILD)/musl
MUSL_LIBDIR  := $(LIBDIR)/musl
MUSL_LIBKVRT := $(MUSL_LIBDIR)/libkvrt.a
MUSL_JANSSON := $(MUSL_LIBDIR)/libjansson.a
HIREDIS_A    ?= $(realpath $(shell $(CC) -print-file-name=libhiredis.a))
MUSL_HIREDIS := $(MUSL_LIBDIR)/libhiredis.a
MUSL_INCS    := $(MUSL_DIR)/include/uthash.h $(MUSL_DIR)/include/jansson.h \
                $(MUSL_DIR)/include/jansson_config.h \
                $(addprefix $(MUSL_DIR)/include/hiredis/,hiredis.h read.h sds.h alloc.h)
MUSL_RT_SRCS := $(RT_SRCS)
MUSL_RT_OBJS := $(MUSL_RT_SRCS:%.c=$(MUSL_DIR)/%.o) $(MUSL_DIR)/wabt/wasm-rt-impl.o
MUSL_BASEFLAGS := -std=c11 -D_GNU_SOURCE -fno-omit-frame-pointer -MMD -MP
MUSL_RT_CFLAGS := $(MUSL_BASEFLAGS) $(WARN) $(CFLAGS) -I runtime -I $(WABT_DIR) -I $(MUSL_DIR)/include
MUSL_WRT_CFLAGS := $(MUSL_BASEFLAGS) $(CFLAGS) -I $(WABT_DIR) $(WRT_RENAMES)

musl: $(MUSL_LIBKVRT) $(MUSL_JANSSON) $(MUSL_HIREDIS) $(MUSL_INCS)

# `make test` checks --musl too when musl-gcc is installed (not under SAN).
musl-if-available:
	@if [ -z "$(SAN)" ] && command -v $(MUSL_CC) >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory musl; \
	else echo "musl: skipped ($(if $(SAN),SAN is set,no $(MUSL_CC)))"; fi

$(MUSL_DIR)/include/%.h: /usr/include/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(MUSL_DIR)/runtime/%.o: runtime/%.c | $(MUSL_INCS)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_RT_CFLAGS) -c $< -o $@

$(MUSL_DIR)/wabt/wasm-rt-impl.o: $(WABT_DIR)/wasm-rt-impl.c Makefile
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_WRT_CFLAGS) -c $< -o $@

$(MUSL_LIBKVRT): $(MUSL_RT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(MUSL_HIREDIS): $(MUSL_DIR)/runtime/musl_compat.o
	@mkdir -p $(dir $@)
	@[ -f "$(HIREDIS_A)" ] || { echo "musl: libhiredis.a not found (install libhiredis-dev or set HIREDIS_A)" >&2; exit 1; }
	rm -f $@
	cp "$(HIREDIS_A)" $@
	ar rs $@ $<

$(MUSL_JANSSON): $(MUSL_DIR)/runtime/musl_compat.o
	@mkdir -p $(dir $@)
	@[ -f "$(JANSSON_A)" ] || { echo "musl: libjansson.a not found (install libjansson-dev or set JANSSON_A)" >&2; exit 1; }
	rm -f $@
	cp "$(JANSSON_A)" $@
	ar rs $@ $<

# ---- samples (wasm32 guests) -------------------------------------------
samples: $(SAMPLES)

$(BUILD)/samples/%.wasm: samples/%/guest.c $(KVGUEST_H)
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -c $< -o $@.o
	$(WASM_CC) $(WASM_LDFLAGS) $@.o -o $@
	rm -f $@.o

# ---- tests ----------------------------------------------------------------
$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(WARN) $(CFLAGS) -I runtime -I transpile -I $(BUILD)/gen -I $(WABT_DIR) -c $< -o $@

$(UNIT_BIN): $(UNIT_OBJS) $(LIBKVRT) $(KT_LIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(UNIT_OBJS) $(KT_LIBOBJS) $(LIBKVRT) -lcriterion -liberty -ljansson -lhiredis -lm -o $@

test-unit: $(UNIT_BIN)
	$(UNIT_BIN) --jobs 2

# With SAN set, the e2e executables are linked dynamically with the
# sanitizers, and their guests and glue are compiled at -O0: the runtime
# (libkvrt.a, built by make) is what the sanitizers are there for, and
# -O0 compiles sanitized C three to four times faster than -O2.
# tests/build checks the optimisation levels of its units itself, so it
# keeps its own; under SAN its generated guest has 1500 functions instead
# of 3000 (five units still).
SAN_CC_FLAGS := --no-static --cc "$(CC) -fsanitize=$(SAN) -fno-sanitize-recover=all"
E2E_FLAGS := $(if $(SAN),$(SAN_CC_FLAGS) -O0)
BUILD_TEST_FLAGS := $(if $(SAN),$(SAN_CC_FLAGS))
BUILD_TEST_FUNCS := $(if $(SAN),1500,3000)

# The suites' kvaot builds share a build cache of their own, not the user's.
test-e2e test-js: export XDG_CACHE_HOME = $(abspath $(BUILD))/cache

test-e2e: all samples components musl-if-available $(if $(SAN),,js-samples)
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/e2e/run.sh
	$(if $(SAN),@echo "tests/js: skipped under SAN (the JavaScript guest takes minutes to build)",BUILD=$(BUILD) CASES_DIR=tests/js KVAOT_FLAGS='-O0' sh tests/e2e/run.sh)
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/hostile/run.sh
	$(if $(SAN),@echo "STORE=redis e2e and hostile passes: skipped under SAN (tests/redis runs there)",BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' STORE=redis sh tests/e2e/run.sh)
	$(if $(SAN),,BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' STORE=redis sh tests/hostile/run.sh)
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/redis/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/cli/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/durable/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(BUILD_TEST_FLAGS)' FUNCS=$(BUILD_TEST_FUNCS) sh tests/build/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/profile/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' NATIVE_CC='$(CC) $(SANFLAGS)' LTO=$(if $(SAN),no,yes) sh tests/twins/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' sh tests/diff/run.sh
	BUILD=$(BUILD) KVAOT_FLAGS='$(E2E_FLAGS)' STORE=data sh tests/diff/run.sh
	$(if $(SAN),,BUILD=$(BUILD) STORE=redis sh tests/diff/run.sh)
	BUILD=$(BUILD) sh tests/inspect/run.sh
	$(if $(SAN),@echo "tests/kvaot: skipped under SAN (it checks static linking and make install)",BUILD=$(BUILD) sh tests/kvaot/run.sh)

# The JavaScript guest (ComponentizeJS, 12 MB of wasm) at the default -O2:
# `make test` runs the same cases at -O0, which builds in half the time.
test-js: all js-samples
	BUILD=$(BUILD) CASES_DIR=tests/js sh tests/e2e/run.sh

# The same unit and end-to-end suites under AddressSanitizer + UBSan.
test-san:
	$(MAKE) BUILD=build-san SAN=address,undefined test-unit test-e2e

test: test-unit test-e2e test-san

# The main job of the README: a sample guest through kvaot, over a sample file.
demo: all samples
	$(KVAOT) build $(BUILD)/samples/audit.wasm -o $(BUILD)/audit
	$(BUILD)/audit samples/audit/events.txt

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/kvaot/include
	install -m 755 $(KVAOT) $(DESTDIR)$(PREFIX)/bin/kvaot
	install -m 644 $(LIBKVRT) $(DESTDIR)$(PREFIX)/lib/kvaot/libkvrt.a
	install -m 644 $(LIBKVRT_LTO) $(DESTDIR)$(PREFIX)/lib/kvaot/libkvrt-lto.a
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/lib/kvaot/include/
	@# the musl runtime only when it was built (`make musl`); refreshed first
	if [ -f $(MUSL_LIBKVRT) ]; then \
	    $(MAKE) --no-print-directory musl && \
	    install -d $(DESTDIR)$(PREFIX)/lib/kvaot/musl && \
	    install -m 644 $(MUSL_LIBKVRT) $(MUSL_HIREDIS) $(MUSL_JANSSON) $(DESTDIR)$(PREFIX)/lib/kvaot/musl/; \
	fi

clean:
	rm -rf build build-*

-include tests/components.mk
-include $(wildcard samples/*/build.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

bench: all samples
	BUILD=$(BUILD) sh bench/run.sh

# Build times and peak memory, split against the single-file baseline
# (about 20 minutes with the JavaScript guest; BENCH_JS=0 skips it).
bench-build: all js-samples
	BUILD=$(BUILD) sh bench/build.sh

# The differential test alone, longer: DIFF_SEEDS random streams of
# DIFF_EVENTS events against the reference host, with each store.
DIFF_SEEDS ?= 100
DIFF_EVENTS ?= 3000
diff: all
	BUILD=$(BUILD) SEEDS=$(DIFF_SEEDS) EVENTS=$(DIFF_EVENTS) sh tests/diff/run.sh
	BUILD=$(BUILD) SEEDS=$(DIFF_SEEDS) EVENTS=$(DIFF_EVENTS) STORE=data sh tests/diff/run.sh
	BUILD=$(BUILD) SEEDS=$(DIFF_SEEDS) EVENTS=$(DIFF_EVENTS) STORE=redis sh tests/diff/run.sh

# libFuzzer targets (clang): the wasm/component reader + world check, the
# event parser + canonical printer, and the import functions (scripts of
# calls with hostile arguments, traps rolled back as the main loop does,
# LeakSanitizer on). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: $(BUILD)/gen/templates.h
	@mkdir -p $(BUILD)/fuzz/corpus-reader $(BUILD)/fuzz/corpus-evline $(BUILD)/fuzz/corpus-imports
	clang $(FUZZ_FLAGS) -I transpile -I $(BUILD)/gen tests/fuzz/fuzz_reader.c \
	    $(filter-out transpile/main.c transpile/driver.c transpile/inspect.c transpile/toolchain.c transpile/emit.c transpile/compile.c transpile/objcache.c transpile/w2csplit.c transpile/linedirs.c transpile/elfnames.c,$(KT_SRCS)) \
	    -liberty -o $(BUILD)/fuzz/fuzz_reader
	clang $(FUZZ_FLAGS) -I runtime tests/fuzz/fuzz_evline.c runtime/evline.c runtime/canon.c \
	    runtime/utf8.c runtime/buf.c -ljansson -o $(BUILD)/fuzz/fuzz_evline
	$(BUILD)/fuzz/fuzz_reader -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus-reader $(BUILD)/samples
	$(BUILD)/fuzz/fuzz_evline -max_total_time=$(FUZZ_SECONDS) -max_len=256 $(BUILD)/fuzz/corpus-evline
	clang $(FUZZ_FLAGS) -I $(WABT_DIR) $(WRT_RENAMES) -c $(WABT_DIR)/wasm-rt-impl.c \
	    -o $(BUILD)/fuzz/wasm-rt-impl.o
	clang $(FUZZ_FLAGS) -I runtime -I $(WABT_DIR) tests/fuzz/fuzz_imports.c $(RT_SRCS) \
	    $(BUILD)/fuzz/wasm-rt-impl.o -ljansson -lhiredis -lm -o $(BUILD)/fuzz/fuzz_imports
	$(BUILD)/fuzz/fuzz_imports -max_total_time=$(FUZZ_SECONDS) -max_len=2048 $(BUILD)/fuzz/corpus-imports
