# samples/fmtcount/build.mk - a wasi-libc guest whose only stdio is
# snprintf (which still imports fd_write, fd_seek and fd_close).
$(BUILD)/samples/fmtcount.wasm: samples/fmtcount/guest.c $(KVGUEST_H)
	$(wasi-sample)
