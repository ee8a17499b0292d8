# samples/wordcount/build.mk - this sample links Debian's wasi-libc (reactor
# model: `_initialize` runs the C constructors) instead of -nostdlib.
$(BUILD)/samples/wordcount.wasm: samples/wordcount/guest.c
	@mkdir -p $(dir $@)
	$(WASM_CC) --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -O2 -mno-simd128 \
	    -Wall -Werror $< -o $@
