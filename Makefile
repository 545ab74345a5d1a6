# rcprobe's two commands, on Debian or Ubuntu with a Rust toolchain:
#   make demo   install what is missing, build the rock for Lua 5.4, run examples/seed.lua
#   make test   the same set-up, then every check on every interpreter (tools/check.sh)
# and the others:
#   make soak      each interpreter's busted suite under many shuffled seeds
#                  (RCPROBE_SOAK_SEEDS, default 10), the model test under fresh seeds and the
#                  Rust tests repeated; ends with one line per interpreter (tools/soak.sh)
#   make memcheck  the busted suite on Lua 5.4 and the Rust tests on a vendored Lua 5.4 under
#                  valgrind (also part of make test)
#   make atlas     measure every atlas scenario on every Lua and write docs/atlas.md
#   make bench     rcprobe against baselines from the same crate; writes bench/results.md
#   make docs      the examples' pinned output and the README's pictures, from real runs

.PHONY: demo test soak memcheck atlas bench docs deps clean

deps:
	@tools/deps.sh

demo: deps
	@mkdir -p build && tools/rock.sh lua5.4 > build/demo-rock.log 2>&1 || { cat build/demo-rock.log; exit 1; }
	@eval "$$(tools/rock.sh env lua5.4)" && lua5.4 examples/seed.lua

test: deps
	@tools/check.sh

soak: deps
	@tools/soak.sh

memcheck: deps
	@tools/memcheck.sh

atlas: deps
	@tools/atlas.sh

bench: deps
	@tools/bench.sh

docs: deps
	@tools/docs.sh

clean:
	rm -rf build target .rocks
