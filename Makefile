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

# Clippy lints jixiao's own crates as they compile for the tests, as the
# workspace's rustc wrapper (which is how `cargo clippy` runs it, with the
# same CLIPPY_ARGS), every lint an error: the dependencies, already built
# by `make publish`, are not checked a second time. `cargo clippy
# --all-targets -- -D warnings` gives the same findings, at the cost of
# checking every dependency again.
CLIPPY_DRIVER = $(shell command -v clippy-driver)

test:
	@./.ci/install-deps test
	$(CARGO) fmt --check
	@test -n "$(CLIPPY_DRIVER)" || { echo "clippy is not installed: rustup component add clippy" >&2; exit 2; }
	RUSTC_WORKSPACE_WRAPPER=$(CLIPPY_DRIVER) CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ $(CARGO) test

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
