# samples/wasilog/build.mk - a wasi-libc guest using stdio (printf,
# fprintf(stderr), getenv, exit): it imports WASI preview 1.
$(BUILD)/samples/wasilog.wasm: samples/wasilog/guest.c $(KVGUEST_H)
	$(wasi-sample)
