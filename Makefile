# jixiao: `make publish` builds every disclosure in data/ into out/;
# `make test` runs the checks and tests. Both install what they need first.
#
# One build serves both: the dev profile with optimised dependencies
# (see Cargo.toml), so that publishing after testing compiles nothing again.

CARGO  ?= cargo
JIXIAO := target/debug/jixiao
DATA   ?= data
OUT    ?= out

.PHONY: publish check build test bench fuzz clean

# The forms' JSON Schemas go to schemas/, where the data files'
# `# yaml-language-server: $schema=` lines point the editor.
publish: build
	@./.ci/install-deps publish
	$(JIXIAO) schema --out schemas
	$(JIXIAO) build --data $(DATA) --out $(OUT)

check: build
	$(JIXIAO) check --data $(DATA)

build:
	$(CARGO) build --bin jixiao

test:
	@./.ci/install-deps test
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test

bench:
	./bench/run

# Fuzzes the loader, checks and templates for FUZZ_SECONDS (not part of CI).
# cargo-fuzz is installed if missing; RUSTC_BOOTSTRAP lets the stable
# toolchain take libFuzzer's instrumentation flags.
FUZZ_SECONDS ?= 600
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/load && cp data/*/*.yaml tests/bad/*.yaml fuzz/corpus/load/
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run load --sanitizer none -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=2 -dict=yaml.dict

clean:
	rm -rf $(OUT) $(dir $(OUT)).$(notdir $(OUT)).jixiao
