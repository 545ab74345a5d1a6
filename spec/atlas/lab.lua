-- The lab: how one atlas case is run, and the tools its `measure` function works with.
--
-- A case runs with the collector stopped, so that nothing is collected unless the case asks
-- for it: only explicit collections (or steps) count, and the counts it reports are the same
-- on every run. `lab.run` sets the collector mode of the column, cleans up before and after,
-- and puts the collector back as it found it (mode and running state).
--
-- How a `measure` function must be written, or the collector sees more than the scenario:
-- - Make the objects it watches in helper functions, and keep their ids: a live local of the
--   running frame keeps its value alive.
-- - Call the functions that collect as statements (`local n = lab.collections_to_drop(id)`),
--   never inside the arguments of another call: on LuaJIT, the slot after a pending call's
--   function is its frame link, written only when the call is made, so until then it keeps
--   whatever value was there (scenario 2d shows it).
-- On LuaJIT, `lab.run` also turns the JIT compiler off for the case: a trace compiled while it
-- runs (say for the loop of `collections_until`, once that loop is hot) keeps the closures it
-- was specialized to as constants, and so their upvalues, until the trace is flushed. A case
-- whose `done` function captures a handle would then keep it alive, on some runs only (which
-- loops get hot depends on everything that ran before).
--
-- It needs nothing but rcprobe and the standard libraries (no `debug`, no luassert), so that
-- tests/atlas.rs can run the same scenarios on a vendored Lua 5.5 created with `Lua::new()`:
-- that is why it does not use spec/helper.lua, which takes `throwaway` and `resident_bytes`
-- from here instead.

local rcprobe = require("rcprobe")

local lab = {}

--- The Lua running the case: "Lua 5.1" ... "Lua 5.5" or "LuaJIT".
lab.LUA = rcprobe.LUA

--- How many collections a case tries before it calls an object "never" dropped.
lab.PATIENCE = 10

--- `<close>` variables and `coroutine.close` (5.4+).
lab.has_close = lab.LUA >= "Lua 5.4" and lab.LUA ~= "LuaJIT"

--- `__gc` on tables and ephemeron tables (5.2+); 5.1 and LuaJIT have `newproxy` instead.
lab.has_table_gc = lab.LUA >= "Lua 5.2" and lab.LUA ~= "LuaJIT"

--- Compiles a chunk of source: syntax newer than 5.1 (`<close>`) must not reach the parser
--- of older versions, so such code is kept in strings.
function lab.compile(source, name)
  return assert((loadstring or load)(source, "=" .. name))
end

--- Makes a probe that nothing references once this returns, and returns its id.
function lab.throwaway(value, opts)
  return rcprobe.new(value, opts):id()
end

--- Resident memory of this process in bytes (Linux).
function lab.resident_bytes()
  local statm = assert(io.open("/proc/self/statm", "r"))
  local _, resident = statm:read("*n", "*n")
  statm:close()
  return resident * 4096
end

--- One full collection, after which the collector is stopped again: 5.1 and LuaJIT restart
--- the automatic collector after an explicit collection.
function lab.collect()
  collectgarbage("collect")
  collectgarbage("stop")
end

--- How many full collections until `done()` is true: 0 if it already is, nil if it is still
--- false after `patience` (default `lab.PATIENCE`) collections.
function lab.collections_until(done, patience)
  for n = 0, patience or lab.PATIENCE do
    if done() then return n end
    lab.collect()
  end
  return nil
end

--- How many full collections until object `id` is dropped (as `collections_until`).
function lab.collections_to_drop(id, patience)
  return lab.collections_until(function() return not rcprobe.is_alive(id) end, patience)
end

--- "1 collection", "3 collections".
function lab.collections(n)
  return n == 1 and "1 collection" or n .. " collections"
end

--- The words for a number of collections from `collections_until`: "at once" for 0,
--- "1 collection", "2 collections", or `never` (default "never") for nil.
function lab.after(n, never)
  if n == nil then return never or "never" end
  if n == 0 then return "at once" end
  return lab.collections(n)
end

--- Words for when object `id` is dropped: "1 collection", "at once", or `never`.
function lab.dropped(id, never)
  local n = lab.collections_to_drop(id)
  return lab.after(n, never)
end

--- Words for object `id` while `what` (say "closure") keeps it, then once `let_go()` has
--- dropped that: "never while the closure is kept; then 1 collection".
function lab.kept_then_let_go(id, what, let_go)
  local while_kept = lab.collections_to_drop(id)
  let_go()
  local after = lab.collections_to_drop(id)
  return ("%s while the %s is kept; then %s"):format(lab.after(while_kept), what, lab.after(after))
end

-- The collector's mode, when this Lua can tell (5.4+: switching returns the previous mode).
local function set_mode(mode)
  if mode then return collectgarbage(mode) end
  return nil
end

-- Whether the collector is running. 5.1 cannot tell: the specs run with it running.
local function is_running()
  local ok, running = pcall(collectgarbage, "isrunning")
  return not ok or running
end

-- LuaJIT: whether the JIT compiler is on; false elsewhere.
local function jit_is_on()
  return jit ~= nil and (jit.status())
end

-- Ids of live objects created after id `mark`.
local function survivors(mark)
  local ids = {}
  for _, id in ipairs(rcprobe.live()) do
    if id > mark then ids[#ids + 1] = id end
  end
  return ids
end

--- Runs `case.measure(rcprobe, lab)` in the collector mode of `column` (nil: the default
--- mode) with the collector stopped, and on LuaJIT with the JIT compiler off, and returns its
--- words. Raises if the case fails or leaves an object alive. The collector's mode and
--- running state, and the compiler's state, are restored.
function lab.run(case, column)
  local jit_was_on = jit_is_on()
  if jit_was_on then jit.off() end
  local was_running = is_running()
  local previous_mode = set_mode(column.mode)
  lab.mode = column.mode or "incremental"
  rcprobe.full_gc()
  collectgarbage("stop")
  local mark = rcprobe.stats().created
  local ok, words = pcall(case.measure, rcprobe, lab)
  rcprobe.full_gc()
  local left = survivors(mark)
  set_mode(previous_mode)
  lab.mode = nil
  if was_running then collectgarbage("restart") else collectgarbage("stop") end
  if jit_was_on then jit.on() end
  if not ok then error(words, 0) end
  if #left > 0 then
    error(("%s left %d object(s) alive: %s"):format(case.name, #left, table.concat(left, ", ")), 0)
  end
  if type(words) ~= "string" then
    error(("%s measured %s instead of words"):format(case.name, tostring(words)), 0)
  end
  return words
end

return lab
