# samples/streams/build.mk - the streams sample uses current wit-component
# (cm32p2) names, which include the memory export `cm32p2_memory`. wasm-ld 14
# cannot rename the memory export, so link as usual, then rename it with
# WABT: wasm2wat -> sed -> wat2wasm (--debug-names keeps the name section, so
# `kvaot build --profile` still shows guest function names).
# Included by the top-level Makefile; this explicit rule overrides the
# pattern rule for this one target.

$(BUILD)/samples/streams.wasm: samples/streams/guest.c $(KVGUEST_H) samples/streams/build.mk
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -c $< -o $@.o
	$(WASM_CC) $(WASM_LDFLAGS) $@.o -o $@.ld.wasm
	wasm2wat $@.ld.wasm -o $@.ld.wat
	sed 's/(export "memory"/(export "cm32p2_memory"/' $@.ld.wat > $@.wat
	grep -q '(export "cm32p2_memory"' $@.wat
	wat2wasm --debug-names $@.wat -o $@
	rm -f $@.o $@.ld.wasm $@.ld.wat $@.wat
