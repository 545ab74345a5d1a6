-- See it: rcprobe.growth and assert.no_growth find what grows each time a function runs.
-- A request handler keeps every request's session in a table nobody empties; growth calls it
-- 2 times to warm up, then 5 times with a full collection after each, and names what grew in
-- every one of the 5, with the paths to a few of the new objects. Then the fix, checked.
--
-- After `eval "$(luarocks --lua-version=5.4 --tree .rocks/lua5.4 path)"` (make demo builds it):
--   lua5.4 examples/growth.lua
-- tests/examples.rs runs it on every vendored Lua and compares the output with
-- examples/growth.out.
local rcprobe = require("rcprobe")
local assert = require("rcprobe.luassert")

local sessions = {} -- the open sessions, by request number
local requests = 0

local function open_session()
  requests = requests + 1
  sessions[requests] = rcprobe.new(nil, { label = "session" })
  return requests
end

local function close_session(request)
  sessions[request]:close()
  sessions[request] = nil
end

local function handle_request()
  local request = open_session()
  sessions[request]:set("handled")
end -- the bug: the session stays open

local result = rcprobe.growth(handle_request)
print("rcprobe.growth(handle_request): grows " .. tostring(result.grows))
for _, key in ipairs(result.grown) do
  print(("  %s: %s"):format(key, table.concat(result.changes[key], " ")))
  for _, path in ipairs(result.paths[key] or {}) do print("    " .. path) end
end

local ok, err = pcall(assert.no_growth, handle_request)
print("assert.no_growth(handle_request): " .. (ok and "passed" or "failed:"))
if not ok then print(err) end

-- The fix: the session ends with its request.
local function handle_request_fixed()
  local request = open_session()
  sessions[request]:set("handled")
  close_session(request)
end

print()
print("fixed: rcprobe.growth(handle_request_fixed): grows " .. tostring(rcprobe.growth(handle_request_fixed).grows))
ok = pcall(assert.no_growth, handle_request_fixed)
print("assert.no_growth(handle_request_fixed): " .. (ok and "passed" or "failed"))
