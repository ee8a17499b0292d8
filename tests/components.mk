# tests/components.mk - components made at test time from the sample core
# modules (SPEC §1: kvaot accepts a component and picks its guest module).
# Included by the top-level Makefile.
#
#   make components   ->  $(BUILD)/components/NAME-component.wasm
#
# Each is $(BUILD)/samples/NAME.wasm wrapped by wit-component (jco's JS API,
# tests/e2e/guests/make-component.mjs) against wit/keyvalue-handle-watch.wit.
# jco is a pinned dev dependency of the tests (tests/package.json and
# tests/package-lock.json); tests/node_modules is installed by
# scripts/install-deps.sh, or here by `npm ci` when missing.
#
# Every sample gets one (so a new sample is covered as a component too),
# except those wit-component rejects, listed in COMPONENT_EXCLUDE with the
# reason: counters uses the 2023 names (import module `readwrite`), and
# wit-component says "module requires an import interface named `types`".
# The others use legacy names (`wasi:keyvalue/...`, e.g. audit) or cm32p2
# names (streams, whose component also holds wit-component's
# start-shim-module, which calls the guest's cm32p2_initialize).

#
# Samples that import WASI preview 1 (wasi-libc, Rust wasm32-wasi, C++) are
# wrapped the way `cargo component` and `jco new --wasi-reactor` wrap them:
# with wit-component's preview 1 adapter (jco ships it), which adds the
# adapter as one more core module (SPEC §8.2: kvaot recognises it and
# provides preview 1 itself). asdefault exports onSet/onDelete, which
# wit-component cannot match to the world; jscount is a component already.

COMPONENT_EXCLUDE := counters asdefault jscount
COMPONENT_SAMPLES := $(filter-out include $(COMPONENT_EXCLUDE),\
                       $(patsubst samples/%/,%,$(wildcard samples/*/)))
COMPONENTS := $(COMPONENT_SAMPLES:%=$(BUILD)/components/%-component.wasm)
JCO_DIR := tests/node_modules/@bytecodealliance/jco
# asc, pinned the same way (the AssemblyScript samples' build.mk use it).
ASC := tests/node_modules/.bin/asc
WASI_ADAPTER := $(JCO_DIR)/lib/wasi_snapshot_preview1.reactor.wasm

.PHONY: components
components: $(COMPONENTS)

$(BUILD)/components/%-component.wasm: $(BUILD)/samples/%.wasm wit/keyvalue-handle-watch.wit \
		tests/e2e/guests/make-component.mjs tests/package-lock.json | $(JCO_DIR)
	@mkdir -p $(dir $@)
	adapter=; if wasm-objdump -x -j Import $< | grep -q ' <- wasi_snapshot_preview1\.'; then \
	    adapter="--adapter wasi_snapshot_preview1=$(WASI_ADAPTER)"; fi; \
	node tests/e2e/guests/make-component.mjs $$adapter wit/keyvalue-handle-watch.wit $< $@

$(JCO_DIR):
	cd tests && npm ci --no-audit --no-fund --loglevel=error

# For tests/inspect: a guest that also imports WASI (fd_write), wrapped with
# jco's WASI preview1 reactor adapter, so the component holds the adapter as
# a second core module (kvaot recognises it: SPEC §8.2).
components: $(BUILD)/components/wasi-guest-component.wasm

$(BUILD)/components/src/wasi-guest.wasm: tests/inspect/wat/wasi-guest.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

$(BUILD)/components/wasi-guest-component.wasm: $(BUILD)/components/src/wasi-guest.wasm \
		wit/keyvalue-handle-watch.wit tests/e2e/guests/make-component.mjs \
		tests/package-lock.json | $(JCO_DIR)
	@mkdir -p $(dir $@)
	node tests/e2e/guests/make-component.mjs --adapter wasi_snapshot_preview1=$(WASI_ADAPTER) \
		wit/keyvalue-handle-watch.wit $< $@
