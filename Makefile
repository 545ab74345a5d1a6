# rcprobe's two commands, on Debian or Ubuntu with a Rust toolchain:
#   make demo   install what is missing, build the rock for Lua 5.4, run examples/seed.lua
#   make test   the same set-up, then every check on every interpreter (tools/check.sh)
#   make atlas  measure every atlas scenario on every Lua and write docs/atlas.md

.PHONY: demo test atlas deps clean

deps:
	@tools/deps.sh

demo: deps
	@tools/rock.sh lua5.4
	@eval "$$(tools/rock.sh env lua5.4)" && lua5.4 examples/seed.lua

test: deps
	@tools/check.sh

atlas: deps
	@tools/atlas.sh

clean:
	rm -rf build target .rocks
