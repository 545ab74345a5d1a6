rockspec_format = "3.0"
package = "rcprobe"
version = "scm-1"
source = {
   url = "git+https://github.com/rcprobe/rcprobe.git",
}
description = {
   summary = "Watch Rust Rc strong and weak counts meet Lua's garbage collector",
   detailed = [[
rcprobe is a Lua module written in Rust (mlua). It creates Rc<RefCell<...>>-backed objects
and reports their exact strong and weak counts, drops and leaks, so that busted specs can
check what happens before and after collectgarbage(). Building it needs a Rust toolchain
(cargo >= 1.88) on Linux.
]],
   license = "MIT",
   labels = { "rust", "mlua", "gc", "testing", "busted" },
}
dependencies = {
   "lua >= 5.1, < 5.5",
}
build = {
   -- The `rust-mlua` build type needs a rock from the LuaRocks server; `command` is built in,
   -- so the rock also builds offline. The mlua feature follows the interpreter luarocks runs,
   -- and each Lua gets its own cargo target folder so that switching costs nothing.
   -- (luarocks replaces $(NAME) with its variables and drops unknown ones: use backticks.)
   type = "command",
   build_command = [[
FEATURE=`"$(LUA)" -e 'io.write(jit and "luajit" or (_VERSION:gsub("Lua 5%.", "lua5")))'` &&
cargo build --release --locked --features "$FEATURE,module" --target-dir "target/$FEATURE" &&
mkdir -p build/rock &&
cp "target/$FEATURE/release/librcprobe.so" build/rock/rcprobe.so
]],
   install = {
      lib = {
         rcprobe = "build/rock/rcprobe.so",
      },
      lua = {
         ["rcprobe.census"] = "lua/rcprobe/census.lua",
         ["rcprobe.heap"] = "lua/rcprobe/heap.lua",
         ["rcprobe.luassert"] = "lua/rcprobe/luassert.lua",
         ["rcprobe.paths"] = "lua/rcprobe/paths.lua",
         ["rcprobe.target"] = "lua/rcprobe/target.lua",
      },
   },
   -- LuaLS annotations (---@meta), for editors: installed as <rock dir>/types/.
   copy_directories = { "types" },
}
