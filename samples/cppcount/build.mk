# samples/cppcount/build.mk - a C++ guest on Debian's libc++ for wasm32
# (libc++-dev-wasm32), -fno-exceptions. The generic sample rule only knows
# samples/*/guest.c, so this file also hooks the target into `make samples`.
samples: $(BUILD)/samples/cppcount.wasm

$(BUILD)/samples/cppcount.wasm: samples/cppcount/guest.cpp $(KVGUEST_H)
	$(wasi-sample)
