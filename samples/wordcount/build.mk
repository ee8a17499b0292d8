# samples/wordcount/build.mk - this sample links Debian's wasi-libc (reactor
# model: `_initialize` runs the C constructors) instead of -nostdlib.
$(BUILD)/samples/wordcount.wasm: samples/wordcount/guest.c
	$(wasi-sample)
