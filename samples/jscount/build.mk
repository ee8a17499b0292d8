# samples/jscount/build.mk - the JavaScript guest, made into a component with
# ComponentizeJS (pinned in tests/package.json) at test time. Not part of
# `make samples`: its 12 MB of wasm take minutes to build, so only the
# suites that use it (`make test-js`, and `make test` at -O0) make it.
JSCOUNT_WASM := $(BUILD)/samples/jscount.wasm

.PHONY: js-samples
js-samples: $(JSCOUNT_WASM)

$(JSCOUNT_WASM): samples/jscount/guest.js wit/keyvalue-handle-watch.wit \
		tests/e2e/guests/componentize.mjs tests/package-lock.json | $(JCO_DIR)
	@mkdir -p $(dir $@)
	node tests/e2e/guests/componentize.mjs wit/keyvalue-handle-watch.wit $< $@
