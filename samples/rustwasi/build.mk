# samples/rustwasi/build.mk - a Rust guest on the wasm32-wasi target with
# std (Debian 12: rustc and libstd-rust-dev-wasm32, which ships both
# wasm32-unknown-unknown and wasm32-wasi). /usr/bin/rustc is named so a
# rustup toolchain earlier in PATH is not picked up instead; panic=abort
# makes a panic a trap. See samples/rustcount/build.mk for the other flags.
samples: $(BUILD)/samples/rustwasi.wasm

$(BUILD)/samples/rustwasi.wasm: samples/rustwasi/guest.rs samples/rustwasi/build.mk
	@mkdir -p $(dir $@)
	@test -x $(RUSTC_DEBIAN) || { echo "rustwasi: $(RUSTC_DEBIAN) missing: apt-get install rustc libstd-rust-dev-wasm32" >&2; exit 1; }
	$(RUSTC_DEBIAN) --edition 2021 --target wasm32-wasi --crate-type cdylib -C opt-level=2 \
	    -C panic=abort -C strip=debuginfo -D warnings -o $@ samples/rustwasi/guest.rs
