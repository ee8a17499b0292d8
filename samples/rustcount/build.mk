# samples/rustcount/build.mk - the rustcount sample is a Rust guest
# (samples/rustcount/guest.rs, one file, no cargo), built with Debian 12's own
# Rust toolchain: apt packages `rustc` and `libstd-rust-dev-wasm32` (1.63).
# /usr/bin/rustc is named explicitly so a rustup toolchain earlier in PATH is
# not picked up instead. wasm32-unknown-unknown enables no SIMD by default
# (wasm2c 1.0.32 cannot translate it); panic=abort makes a Rust panic a wasm
# trap (`unreachable`).
# Included by the top-level Makefile. The generic sample rule only knows
# samples/*/guest.c, so this file also hooks the target into `make samples`.

RUSTC_DEBIAN ?= /usr/bin/rustc
RUSTCOUNT_RUSTFLAGS := --edition 2021 --target wasm32-unknown-unknown \
    --crate-type cdylib -C opt-level=2 -C panic=abort -C strip=debuginfo -D warnings

samples: $(BUILD)/samples/rustcount.wasm

$(BUILD)/samples/rustcount.wasm: samples/rustcount/guest.rs samples/rustcount/build.mk
	@mkdir -p $(dir $@)
	@test -x $(RUSTC_DEBIAN) || { echo "rustcount: $(RUSTC_DEBIAN) missing: apt-get install rustc libstd-rust-dev-wasm32" >&2; exit 1; }
	$(RUSTC_DEBIAN) $(RUSTCOUNT_RUSTFLAGS) -o $@ samples/rustcount/guest.rs
