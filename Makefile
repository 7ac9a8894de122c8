# jixiao: `make publish` builds every disclosure in data/ into out/;
# `make test` runs the checks and tests. Both install what they need first.
#
# One build serves both: the dev profile with optimised dependencies
# (see Cargo.toml), so that publishing after testing compiles nothing again.

CARGO  ?= cargo
JIXIAO := target/debug/jixiao
DATA   ?= data
OUT    ?= out

.PHONY: publish check build test bench clean

publish: build
	@./.ci/install-deps publish
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

clean:
	rm -rf $(OUT)
