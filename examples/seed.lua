-- The article's scenario: Rust hands a Lua function a clone of its Rc<RefCell<T>>. When the
-- call returns, Rust still sees a strong count of 2: the clone lives in a Lua userdata until
-- Lua's collector runs, whatever the function did with it.
--
-- Run it with `make demo`, or after `eval "$(luarocks --lua-version=5.4 --tree .rocks/lua5.4 path)"`:
--   lua5.4 examples/seed.lua
local rcprobe = require("rcprobe")

local seed = rcprobe.new("seed")
print("strong count before the call:", seed:strong_count())

-- Stop the collector, so that no automatic step collects the clone before we look.
collectgarbage("stop")
rcprobe.pass(seed, function(clone)
  print("strong count inside the call:", clone:strong_count())
end)
print("strong count after the call:", seed:strong_count())

collectgarbage()
print("strong count after collectgarbage():", seed:strong_count())
collectgarbage("restart")
