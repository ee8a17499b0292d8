# samples/ascount/build.mk - the ascount sample is an AssemblyScript guest
# (samples/ascount/guest.ts, one file), compiled with the `asc` pinned as a
# test-only npm devDependency (`assemblyscript` in tests/package.json and
# tests/package-lock.json; installed by `cd tests && npm ci`, which
# scripts/install-deps.sh runs, or by the rule below when asc is missing).
# Included by the top-level Makefile. The generic sample rule only knows
# samples/*/guest.c, so this file also hooks the target into `make samples`.
#
# Pipeline ($(BUILD)/samples/ascount-obj/ holds the intermediates):
#   1. asc guest.ts -> raw.wasm with
#        --runtime stub    bump allocator, no GC (guest.ts resets it after
#                          every handler);
#        --use abort=      no `env.abort` import (aborts become `unreachable`);
#        --disable simd    wasm2c 1.0.32 cannot translate SIMD (off by default
#                          in asc anyway; checked below);
#        --disable bulk-memory  memory.copy is a plain loop, no DataCount
#                          section: nothing beyond MVP + sign-ext/sat-f2i;
#        -O3 --debug       optimised, but keeps the name section so
#                          `kvaot build --profile` shows guest function names.
#   2. AssemblyScript cannot export a name with ':' '/' '#', so the handlers
#      are exported as kvaot_as_on_set / kvaot_as_on_delete: wasm2wat, sed
#      renames exactly those two `(export "...")` strings to
#      wasi:keyvalue/handle-watch#on-set / #on-delete, wat2wasm reassembles
#      (--debug-names keeps the names). WABT 1.0.32 round-trips its own text.
#   3. Checks, so a toolchain change fails here and not later in kvaot: no
#      v128 instruction, every import from a `wasi:keyvalue/` module (no
#      env.abort/seed/trace), exactly the four exports the world needs
#      (the two handlers, cabi_realloc, memory).
# The module keeps asc's start function (it initialises the stub allocator's
# two globals); wasm2c runs it at instantiation.

ASCOUNT_OBJ := $(BUILD)/samples/ascount-obj
ASCOUNT_ASCFLAGS := --runtime stub --use abort= --disable simd --disable bulk-memory \
    -O3 --debug --noColors

samples: $(BUILD)/samples/ascount.wasm

# Installs the pinned test tooling (jco and asc) when asc is missing; does
# nothing when an earlier `npm ci` (e.g. tests/components.mk's) installed it.
$(ASC):
	test -x $@ || { cd tests && npm ci --no-audit --no-fund --loglevel=error; }

$(BUILD)/samples/ascount.wasm: samples/ascount/guest.ts samples/ascount/build.mk \
		tests/package-lock.json | $(ASC)
	@mkdir -p $(ASCOUNT_OBJ)
	@want=$$(sed -n 's/^ *"assemblyscript": *"\([^"]*\)".*/\1/p' tests/package.json); \
	have=$$($(ASC) --version 2>/dev/null | sed 's/^Version //'); \
	if [ "$$want" != "$$have" ]; then \
	    echo "ascount: tests/node_modules has asc '$$have', tests/package.json pins '$$want': run (cd tests && npm ci)" >&2; \
	    exit 1; \
	fi
	$(ASC) samples/ascount/guest.ts $(ASCOUNT_ASCFLAGS) -o $(ASCOUNT_OBJ)/raw.wasm
	wasm2wat $(ASCOUNT_OBJ)/raw.wasm -o $(ASCOUNT_OBJ)/raw.wat
	sed -e 's|(export "kvaot_as_on_set" |(export "wasi:keyvalue/handle-watch#on-set" |' \
	    -e 's|(export "kvaot_as_on_delete" |(export "wasi:keyvalue/handle-watch#on-delete" |' \
	    $(ASCOUNT_OBJ)/raw.wat >$(ASCOUNT_OBJ)/guest.wat
	wat2wasm --debug-names $(ASCOUNT_OBJ)/guest.wat -o $(ASCOUNT_OBJ)/guest.wasm
	@o=$(ASCOUNT_OBJ)/guest.wasm; \
	n=$$(wasm-objdump -d $$o | grep -c v128); \
	[ "$$n" -eq 0 ] || { echo "ascount: $$o has $$n SIMD (v128) instructions" >&2; exit 1; }; \
	bad=$$(wasm-objdump -j Import -x $$o | grep -- ' <- ' | grep -v ' <- wasi:keyvalue/' || true); \
	[ -z "$$bad" ] || { echo "ascount: imports outside the world:" >&2; echo "$$bad" >&2; exit 1; }; \
	exp=$$(wasm-objdump -j Export -x $$o | sed -n 's/.* -> "\(.*\)"$$/\1/p' | LC_ALL=C sort | tr '\n' ' '); \
	[ "$$exp" = "cabi_realloc memory wasi:keyvalue/handle-watch#on-delete wasi:keyvalue/handle-watch#on-set " ] || \
	    { echo "ascount: unexpected exports: $$exp" >&2; exit 1; }
	cp $(ASCOUNT_OBJ)/guest.wasm $@
