# samples/asdefault/build.mk - an AssemblyScript guest built with asc's
# defaults (incremental GC runtime, env.abort/seed/trace imports, the start
# function for top-level code), with the asc pinned in tests/package.json.
# It exports onSet/onDelete: kvaot builds it with --map-export
# (samples/asdefault/kvaot.flags). Hooked into `make samples` here.
samples: $(BUILD)/samples/asdefault.wasm

$(BUILD)/samples/asdefault.wasm: samples/asdefault/guest.ts samples/asdefault/build.mk \
		tests/package-lock.json | $(ASC)
	@mkdir -p $(dir $@)
	$(ASC) samples/asdefault/guest.ts -O2 --debug --noColors -o $@
