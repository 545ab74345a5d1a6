-- The article's scenario: Rust hands a Lua function a clone of its Rc<RefCell<T>>. When the
-- call returns, Rust still sees a strong count of 2: the clone lives in a Lua userdata until
-- Lua's collector runs, whatever the function did with it. Then the fix: lend Lua a handle
-- that owns no reference, and the count never rises.
--
-- Run it with `make demo`, or after `eval "$(luarocks --lua-version=5.4 --tree .rocks/lua5.4 path)"`:
--   lua5.4 examples/seed.lua
local rcprobe = require("rcprobe")

-- Stop the collector, so that no automatic step collects anything before we look.
collectgarbage("stop")

print("pass: Rust clones its Rc into a Probe and calls the function with it")
local seed = rcprobe.new("seed")
print("strong count before the call:", seed:strong_count())
rcprobe.pass(seed, function(clone)
  print("strong count inside the call:", clone:strong_count())
end)
print("strong count after the call:", seed:strong_count())
collectgarbage()
print("strong count after collectgarbage():", seed:strong_count())

print()
print("lend: Rust lends a handle that owns no reference")
local lent = rcprobe.new("lent")
print("strong count before the loan:", lent:strong_count())
rcprobe.lend(lent, function(handle)
  print("strong count inside the loan:", handle:strong_count())
end)
print("strong count after the loan:", lent:strong_count())
collectgarbage()
print("strong count after collectgarbage():", lent:strong_count())

collectgarbage("restart")
