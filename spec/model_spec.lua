-- Model-based random test: seeded random sequences of operations on real probes, checked after
-- every operation against the pure-Lua model in spec/model.lua.
--
-- Environment variables:
--   RCPROBE_MODEL_OPS             operations per run (default 20000)
--   RCPROBE_MODEL_SEED            seed of the sequence (default 1); a seed gives the same
--                                 sequence on every interpreter
--   RCPROBE_MODEL_SHRINK_SECONDS  how long a failure may spend shrinking (default 60)
--
--   RCPROBE_MODEL_OPS=1000000 RCPROBE_MODEL_SEED=7 lua5.4 /usr/bin/busted spec/model_spec.lua
--
-- A disagreement fails the spec with the seed, the number of the first operation that
-- disagreed (RCPROBE_MODEL_OPS set to it replays that shortest failing prefix), the last 40
-- operations of that prefix, and the prefix shrunk to the fewest operations that still
-- disagree, each as a readable list.
--
-- The collector stays stopped for the whole run, so handles only go away at the collections
-- the operations ask for, when the model says they must.

local rcprobe = require("rcprobe")
local Model = require("spec.model")

local floor = math.floor
local math_type = math.type -- nil before 5.3

local DEFAULT_OPS, DEFAULT_SEED, DEFAULT_SHRINK_SECONDS = 20000, 1, 60

local function env_integer(name, default, min)
  local text = os.getenv(name)
  if text == nil or text == "" then return default end
  local n = tonumber(text)
  if not n or n ~= floor(n) or n < min then
    error(("%s must be an integer of at least %d, got %q"):format(name, min, text), 0)
  end
  return n
end

-- Random numbers ---------------------------------------------------------------------------

-- Park and Miller's generator: exact in doubles and in 5.3+ integers alike, so a seed gives
-- the same sequence everywhere.
local MODULUS = 2147483647

local function step(state) return state * 48271 % MODULUS end

local function seed_state(seed) return seed % (MODULUS - 1) + 1 end

local PARAMS = 8 -- random numbers each operation gets, in [0, 1)

local function params_from(state)
  local r = {}
  for k = 1, PARAMS do
    state = step(state)
    r[k] = state / MODULUS
  end
  return r, state
end

local function pick(list, x) return list[1 + floor(x * #list)] end

-- Handles and ids are picked counting from the newest, so that removing an older operation
-- from a sequence (when shrinking it) leaves the picks of later ones alone.
local function recent(n, x) return n - floor(x * n) end
local function pick_recent(list, x) return list[recent(#list, x)] end

-- Values and labels ------------------------------------------------------------------------

local VALUES = { n = 15, nil, true, false, 0, 1, -7, 42, 2 ^ 40, 0.5, -1.25, 1e300, "", "x", "payload", "a\0b" }
local LINK_VALUES = { true, 7, "linked" } -- linked values that hold no handle
local BYTES = { 0, 0, 0, 1, 16, 4096 }
local LABELS = { "a", "b", "c" }
local LEAKS_LABEL = "leaks"
local ALL_LABELS = { "a", "b", "c", LEAKS_LABEL }

local function value_at(x) return VALUES[1 + floor(x * VALUES.n)] end

local function show(value)
  if type(value) == "string" then return (("%q"):format(value):gsub("\\\n", "\\n")) end
  return tostring(value)
end

local function same_value(a, b)
  return a == b and (not math_type or math_type(a) == math_type(b))
end

-- Disagreements ----------------------------------------------------------------------------

local Disagreement = {}
Disagreement.__index = Disagreement
Disagreement.__tostring = function(d) return d.message end

local function disagree(message) error(setmetatable({ message = message }, Disagreement)) end

local function expect(what, expected, got)
  if not same_value(expected, got) then
    disagree(("%s: expected %s, got %s"):format(what, show(expected), show(got)))
  end
end

-- As `expect`, but builds the message only on a disagreement: it runs thousands of times per op.
local function same(expected, got, what, ...)
  if expected ~= got or math_type and math_type(expected) ~= math_type(got) then
    expect(what:format(...), expected, got)
  end
end

local function expect_true(what, ok)
  if not ok then disagree(what) end
end

-- A run: the real handles, the model, and what the counts started from ---------------------

local run_count = 0

local function throwaway_id()
  local p = rcprobe.new()
  p:close()
  return p:id()
end

-- Frees all the garbage there is before a run, so that the objects other specs left alive
-- stay alive during it. LuaJIT's compiled traces can keep garbage alive (rcprobe.paths's heap
-- walk does): flush them first.
local function collect_everything()
  if jit then jit.flush() end
  local alive
  repeat
    alive = rcprobe.stats().alive
    rcprobe.full_gc()
  until rcprobe.stats().alive == alive
end

local function start_run()
  run_count = run_count + 1
  collect_everything()
  collectgarbage("stop")
  local run = {
    model = Model.new(),
    roots = {}, -- the real handles the test holds, as the model's roots
    prefix = ("rcprobe-model-%d-"):format(run_count),
    base_id = throwaway_id(), -- the model's objects are the ids above it
    -- The stats of the labels of objects from outside the run, in case one goes anyway.
    foreign = {},
  }
  run.last_id = run.base_id
  run.base = rcprobe.stats()
  for _, id in ipairs(rcprobe.live()) do
    local label = rcprobe.info(id).label
    if label and not run.foreign[label] then run.foreign[label] = rcprobe.stats(label) end
  end
  return run
end

-- What objects from outside the run lost since it started: they should all stay alive, but
-- something the model cannot see may have pinned one (a stale stack slot, a trace).
local function foreign_losses(run)
  local dropped, bytes = 0, 0
  for label, start in pairs(run.foreign) do
    local now = rcprobe.stats(label)
    dropped, bytes = dropped + now.dropped - start.dropped, bytes + start.bytes - now.bytes
  end
  return dropped, bytes
end

local function rel(run, id) return "#" .. (id - run.base_id) end

local function describe_handle(run, hid)
  local handle = run.model.handles[hid]
  return ("%s %s%s"):format(handle.kind == "probe" and "Probe" or "WeakProbe", rel(run, handle.id),
    handle.closed and " (closed)" or "")
end

local function describe_root(run, i)
  return ("root %d = %s"):format(i, describe_handle(run, run.model.roots[i]))
end

local function push(run, handle, hid)
  run.roots[#run.roots + 1] = handle
  run.model:push_root(hid)
  return #run.roots
end

-- Removes root i from both sides.
local function take(run, i)
  table.remove(run.roots, i)
  return run.model:take_root(i)
end

-- Indices of the roots whose model handle passes `keep`.
local function roots_where(run, keep)
  local found, model = {}, run.model
  for i, hid in ipairs(model.roots) do
    if keep(model.handles[hid]) then found[#found + 1] = i end
  end
  return found
end

local NEEDS = {
  open = function(h) return h.kind == "probe" and not h.closed end,
  probe = function(h) return h.kind == "probe" end,
  closed = function(h) return h.kind == "probe" and h.closed end,
  weak = function(h) return h.kind == "weak" end,
  root = function() return true end,
}

local function collect(run)
  collectgarbage()
  collectgarbage("stop") -- 5.1 and LuaJIT restart the collector after a collection
  run.model:collect()
end

-- Moves up to k random roots (random numbers r[first], r[first + 1], ...) into a new table;
-- returns it, its container number and what it holds.
local function container(run, k, r, first)
  local real, hids, names = {}, {}, {}
  for j = 1, k do
    if #run.roots == 0 then break end
    local i = recent(#run.roots, r[first + j - 1])
    real[j] = run.roots[i]
    names[j] = describe_handle(run, run.model.roots[i])
    hids[j] = take(run, i)
  end
  return real, run.model:add_container(hids), "{" .. table.concat(names, ", ") .. "}"
end

-- The operations ---------------------------------------------------------------------------
-- Each one takes the run, the root it acts on and its random numbers r[1..PARAMS], acts on the real module and on
-- the model alike, checks what it can see on the way, and returns what it did, for reports.
-- `needs` says which root it acts on; without one it is skipped, so any sub-list of a
-- sequence can be replayed. `grows` and `frees` steer the sizes of the runs.

-- Methods taken from their tables, to call them with the wrong kind of handle.
local PROBE_CLONE, WEAK_UPGRADE = (function()
  local p = rcprobe.new()
  local clone, upgrade = p.clone, p:downgrade().upgrade
  p:close()
  return clone, upgrade
end)()

-- On 5.4+, a function whose <close> variable closes a Probe at the end of its scope.
local CLOSE_SCOPE = _VERSION >= "Lua 5.4" and not jit and assert(load("do local _ <close> = ... end"))

local RAISED = setmetatable({}, { __tostring = function() return "the error fn raised" end })

local OPS = {
  { name = "new", weight = 8, grows = true, run = function(run, _, r)
    local value, label, bytes = value_at(r[1]), pick(LABELS, r[2]), pick(BYTES, r[3])
    local p = rcprobe.new(value, { label = run.prefix .. label, bytes = bytes })
    local id = run.last_id + 1
    expect("the id of a new Probe", id, p:id())
    run.last_id = id
    run.model:create(id, run.prefix .. label, bytes, value)
    local i = push(run, p, run.model:add_handle("probe", id))
    return ("new(%s, label %s, %d bytes) -> %s"):format(show(value), label, bytes, describe_root(run, i))
  end },

  { name = "clone", weight = 8, needs = "open", grows = true, run = function(run, i)
    local what = describe_root(run, i)
    local id = run.model.handles[run.model.roots[i]].id
    local j = push(run, run.roots[i]:clone(), run.model:add_handle("probe", id))
    return ("clone(%s) -> root %d"):format(what, j)
  end },

  { name = "close", weight = 5, needs = "probe", frees = true, run = function(run, i, r)
    local what = describe_root(run, i)
    local how = "close(%s)"
    if CLOSE_SCOPE and r[2] < 0.3 then
      CLOSE_SCOPE(run.roots[i])
      how = "close(%s) by leaving the scope of a <close> variable"
    else
      run.roots[i]:close()
    end
    run.model:close(run.model.roots[i])
    return how:format(what)
  end },

  { name = "drop", weight = 10, needs = "root", frees = true, run = function(run, i)
    local what = describe_root(run, i)
    take(run, i)
    return ("drop(%s)"):format(what)
  end },

  { name = "drop_and_collect", weight = 3, needs = "root", frees = true, run = function(run, i)
    local what = describe_root(run, i)
    take(run, i)
    collect(run)
    return ("drop(%s), collectgarbage()"):format(what)
  end },

  { name = "collect", weight = 3, frees = true, run = function(run)
    collect(run)
    return "collectgarbage()"
  end },

  { name = "full_gc", weight = 1, frees = true, run = function(run)
    local cycles = rcprobe.full_gc()
    collectgarbage("stop")
    local changed = run.model:full_gc(16)
    expect_true(("full_gc() ran %d cycles, but needs 2 to 16 and one more than the %d that free something")
      :format(cycles, changed), cycles >= 2 and cycles <= 16 and cycles >= math.min(changed + 1, 16))
    return ("full_gc() -> %d"):format(cycles)
  end },

  { name = "downgrade", weight = 6, needs = "open", grows = true, run = function(run, i)
    local what = describe_root(run, i)
    local id = run.model.handles[run.model.roots[i]].id
    local j = push(run, run.roots[i]:downgrade(), run.model:add_handle("weak", id))
    return ("downgrade(%s) -> root %d"):format(what, j)
  end },

  { name = "upgrade", weight = 6, needs = "weak", grows = true, run = function(run, i, r)
    local what = describe_root(run, i)
    local model = run.model
    local id = model.handles[model.roots[i]].id
    local p = run.roots[i]:upgrade()
    if not model:is_alive(id) then
      expect("upgrade() of a dropped object", nil, p)
      return ("upgrade(%s) -> nil"):format(what)
    end
    expect_true("upgrade() of a live object returned nil", p ~= nil)
    expect("the id of an upgraded Probe", id, p:id())
    local hid = model:add_handle("probe", id)
    if r[2] < 0.25 then return ("upgrade(%s) -> a Probe, dropped"):format(what) end
    return ("upgrade(%s) -> root %d"):format(what, push(run, p, hid))
  end },

  { name = "hold", weight = 4, needs = "open", run = function(run, i)
    local what = describe_root(run, i)
    local id = run.model.handles[run.model.roots[i]].id
    local held = rcprobe.hold(run.roots[i])
    expect("hold(" .. what .. ")", run.model:hold(id), held)
    return ("hold(%s) -> %d"):format(what, held)
  end },

  { name = "release", weight = 4, frees = true, run = function(run, _, r)
    local model = run.model
    local x, id, what
    if r[1] < 0.4 and #run.roots > 0 then
      local i = recent(#run.roots, r[2])
      x, id, what = run.roots[i], model.handles[model.roots[i]].id, describe_root(run, i)
    elseif r[1] < 0.8 and #model.alive_ids > 0 then
      id = pick_recent(model.alive_ids, r[2])
      x, what = id, "id " .. rel(run, id)
    elseif run.last_id > run.base_id then
      id = run.base_id + recent(run.last_id - run.base_id, r[2])
      x, what = id, "id " .. rel(run, id)
    else
      return "release: skipped, no object yet"
    end
    local released = rcprobe.release(x)
    expect("release(" .. what .. ")", model:release(id), released)
    return ("release(%s) -> %d"):format(what, released)
  end },

  { name = "pass", weight = 6, needs = "open", grows = true, run = function(run, i, r)
    local what = describe_root(run, i)
    local model = run.model
    local hid = model.roots[i]
    local id = model.handles[hid].id
    local p = run.roots[i]
    local mode = r[2] < 0.4 and "keeps the clone" or r[2] < 0.8 and "drops the clone"
      or r[2] < 0.9 and "closes p and drops the clone" or "drops the clone and raises"
    -- What the clone must see: one more strong reference than now.
    local expected = { strong = model:strong(id) + 1, weak = model:weak(id) }
    local seen = {}
    local ok, a, b = pcall(rcprobe.pass, p, function(clone, extra)
      seen.strong, seen.weak, seen.same = clone:strong_count(), rcprobe.weak_count(clone), clone == p
      local clone_hid = model:add_handle("probe", id)
      if mode == "keeps the clone" then
        seen.root = push(run, clone, clone_hid)
      elseif mode == "closes p and drops the clone" then
        p:close()
        model:close(hid)
        seen.after_close = clone:strong_count()
      elseif mode == "drops the clone and raises" then
        error(RAISED, 0)
      end
      return "passed", extra
    end, i)
    expect("pass(): the clone's strong count", expected.strong, seen.strong)
    expect("pass(): the clone's weak count", expected.weak, seen.weak)
    expect("pass(): clone == p", true, seen.same)
    if seen.after_close then
      expect("pass(): the clone's strong count after p:close()", model:strong(id), seen.after_close)
    end
    if mode == "drops the clone and raises" then
      expect_true("pass() did not raise fn's error unchanged", not ok and a == RAISED)
    else
      expect_true("pass() failed: " .. tostring(a), ok)
      expect_true("pass() did not return fn's results", a == "passed" and b == i)
    end
    if seen.root then return ("pass(%s), fn keeps the clone as root %d"):format(what, seen.root) end
    return ("pass(%s), fn %s"):format(what, mode)
  end },

  { name = "lend", weight = 5, needs = "open", run = function(run, i, r)
    local what = describe_root(run, i)
    local model = run.model
    local id = model.handles[model.roots[i]].id
    local modes = { "only reads", "clones h and keeps it", "clones h and drops it", "sets a value",
      "tries to close p", "passes p and keeps the clone", "raises" }
    local mode = pick(modes, r[2])
    local value = value_at(r[3])
    local before = { strong = model:strong(id), weak = model:weak(id) }
    local seen = {}
    local ok, a, b = pcall(rcprobe.lend, run.roots[i], function(h, p)
      seen.strong, seen.weak = h:strong_count(), h:weak_count()
      seen.module_strong, seen.id, seen.id_of = rcprobe.strong_count(h), h:id(), rcprobe.id_of(h)
      if mode == "clones h and keeps it" then
        seen.root = push(run, h:clone(), model:add_handle("probe", id))
      elseif mode == "clones h and drops it" then
        h:clone()
        model:add_handle("probe", id)
      elseif mode == "sets a value" then
        h:set(value)
        model:set(id, value)
        seen.value = h:get()
      elseif mode == "tries to close p" then
        seen.closed = pcall(p.close, p)
        seen.is_closed = p:is_closed()
      elseif mode == "passes p and keeps the clone" then
        rcprobe.pass(p, function(clone) seen.root = push(run, clone, model:add_handle("probe", id)) end)
      elseif mode == "raises" then
        error(RAISED, 0)
      end
      return "lent", p
    end, run.roots[i])
    expect("lend(): h:strong_count()", before.strong, seen.strong)
    expect("lend(): h:weak_count()", before.weak, seen.weak)
    expect("lend(): rcprobe.strong_count(h)", before.strong, seen.module_strong)
    expect("lend(): h:id()", id, seen.id)
    expect("lend(): rcprobe.id_of(h)", id, seen.id_of)
    if mode == "sets a value" then expect("lend(): h:get() after h:set()", value, seen.value) end
    if mode == "tries to close p" then
      expect("lend(): p:close() during the loan succeeded", false, seen.closed)
      expect("lend(): p:is_closed() during the loan", false, seen.is_closed)
    end
    if mode == "raises" then
      expect_true("lend() did not raise fn's error unchanged", not ok and a == RAISED)
    else
      expect_true("lend() failed: " .. tostring(a), ok)
      expect_true("lend() did not return fn's results", a == "lent" and rawequal(b, run.roots[i]))
    end
    if seen.root then return ("lend(%s), fn %s as root %d"):format(what, mode, seen.root) end
    if mode == "sets a value" then return ("lend(%s), fn sets %s"):format(what, show(value)) end
    return ("lend(%s), fn %s"):format(what, mode)
  end },

  { name = "link", weight = 4, needs = "open", run = function(run, i, r)
    local what = describe_root(run, i)
    local model = run.model
    local id = model.handles[model.roots[i]].id
    local p = run.roots[i]
    if r[2] < 0.15 then
      local value = pick(LINK_VALUES, r[3])
      p:link(value)
      model:link(id, true)
      return ("link(%s, %s)"):format(what, show(value))
    end
    local value, cid, shown = container(run, floor(r[3] * 4), r, 4)
    p:link(value)
    model:link(id, cid)
    return ("link(%s, %s)"):format(what, shown)
  end },

  { name = "unlink", weight = 3, needs = "open", frees = true, run = function(run, i)
    local what = describe_root(run, i)
    local id = run.model.handles[run.model.roots[i]].id
    local unlinked = run.roots[i]:unlink()
    expect("unlink(" .. what .. ")", run.model:unlink(id), unlinked)
    return ("unlink(%s) -> %s"):format(what, tostring(unlinked))
  end },

  { name = "attach", weight = 4, needs = "open", run = function(run, i, r)
    local what = describe_root(run, i)
    local hid = run.model.roots[i]
    local p = run.roots[i]
    if r[2] < 0.2 then
      p:attach(nil)
      run.model:attach(hid, nil)
      return ("attach(%s, nil)"):format(what)
    end
    local value, cid, shown = container(run, floor(r[3] * 4), r, 4)
    p:attach(value)
    run.model:attach(hid, cid)
    return ("attach(%s, %s)"):format(what, shown)
  end },

  { name = "set", weight = 2, needs = "open", run = function(run, i, r)
    local what = describe_root(run, i)
    local id = run.model.handles[run.model.roots[i]].id
    local value = value_at(r[2])
    run.roots[i]:set(value)
    run.model:set(id, value)
    expect("get() after set()", value, run.roots[i]:get())
    return ("set(%s, %s)"):format(what, show(value))
  end },

  -- Takes a handle back out of a linked table (the only way to reach one): this is how a
  -- cycle through a link can still be broken, so long runs do not pile up leaks.
  { name = "rescue", weight = 3, grows = true, frees = true, run = function(run, _, r)
    local model = run.model
    local linked = {}
    for _, id in ipairs(model.alive_ids) do
      local cid = model.objects[id].link
      if cid and cid ~= true and #model.containers[cid].hids > 0 then linked[#linked + 1] = id end
    end
    if #linked == 0 then return "rescue: skipped, no linked table holds a handle" end
    local id = pick_recent(linked, r[1])
    local cid = model.objects[id].link
    local hids = model.containers[cid].hids
    local j = recent(#hids, r[2])
    local shown = describe_handle(run, hids[j])
    local value = rcprobe.links()[id]
    expect("type(links()[" .. rel(run, id) .. "])", "table", type(value))
    expect("#links()[" .. rel(run, id) .. "]", #hids, #value)
    local handle = table.remove(value, j)
    local k = push(run, handle, model:take_from(cid, j))
    return ("rescue links()[%s][%d] = %s -> root %d"):format(rel(run, id), j, shown, k)
  end },

  { name = "leaks", weight = 1, grows = true, frees = true, run = function(run, _, r)
    local model = run.model
    local n = 1 + floor(r[1] * 3)
    local kept = 0
    local label = run.prefix .. LEAKS_LABEL
    local first = run.last_id + 1
    local list = rcprobe.leaks(function()
      for k = 1, n do
        local p = rcprobe.new(nil, { label = label })
        local id = run.last_id + 1
        expect("the id of a new Probe", id, p:id())
        run.last_id = id
        model:create(id, label, 0, nil)
        local hid = model:add_handle("probe", id)
        if r[1 + k] < 0.5 then
          push(run, p, hid)
          kept = kept + 1
        end
      end
    end)
    -- leaks() collects only as much as it needs to find what fn left alive (a young
    -- collection may do): what else it frees is the collector's business. A full_gc() after
    -- it brings the model and Rust to the same state again.
    rcprobe.full_gc()
    collectgarbage("stop")
    model:full_gc(16)
    local expected = {}
    for id = first, run.last_id do
      if model:is_alive(id) then
        local object = model.objects[id]
        expected[#expected + 1] = {
          id = id, label = label, strong = model:strong(id), weak = model:weak(id),
          held = object.holds, linked = object.link ~= nil,
        }
      end
    end
    expect("#leaks()", #expected, #list)
    for k, want in ipairs(expected) do
      for _, field in ipairs({ "id", "label", "strong", "weak", "held", "linked" }) do
        expect(("leaks()[%d].%s"):format(k, field), want[field], list[k][field])
      end
    end
    return ("leaks(fn makes %d Probes and keeps %d) -> %d, full_gc()"):format(n, kept, #list)
  end },

  -- A call that must fail with a string error and change nothing (the checks after it see).
  { name = "misuse", weight = 2, run = function(run, _, r)
    local misuses = {
      { "closed", "p:clone() on a closed Probe", function(h) return h:clone() end },
      { "closed", "p:downgrade() on a closed Probe", function(h) return h:downgrade() end },
      { "closed", "p:link(true) on a closed Probe", function(h) return h:link(true) end },
      { "closed", "p:attach({}) on a closed Probe", function(h) return h:attach({}) end },
      { "closed", "p:set(1) on a closed Probe", function(h) return h:set(1) end },
      { "closed", "hold() on a closed Probe", function(h) return rcprobe.hold(h) end },
      { "closed", "pass() with a closed Probe", function(h) return rcprobe.pass(h, print) end },
      { "weak", "hold() on a WeakProbe", function(h) return rcprobe.hold(h) end },
      { "weak", "Probe method clone() on a WeakProbe", function(h) return PROBE_CLONE(h) end },
      { "open", "p:set({})", function(h) return h:set({}) end },
      { "open", "p:link(nil)", function(h) return h:link(nil) end },
      { "open", "pass(p, 42)", function(h) return rcprobe.pass(h, 42) end },
      { "open", "WeakProbe method upgrade() on a Probe", function(h) return WEAK_UPGRADE(h) end },
      { nil, "release() of an id never issued", function() return rcprobe.release(run.last_id + 1000) end },
      { nil, "strong_count(0.5)", function() return rcprobe.strong_count(0.5) end },
    }
    local misuse = pick(misuses, r[1])
    local what, handle = misuse[2], nil
    if misuse[1] then
      local found = roots_where(run, NEEDS[misuse[1]])
      if #found == 0 then return "misuse: skipped, no " .. misuse[1] .. " root for " .. what end
      local i = pick_recent(found, r[2])
      handle, what = run.roots[i], ("%s (%s)"):format(what, describe_root(run, i))
    end
    local ok, err = pcall(misuse[3], handle)
    expect_true(what .. " did not fail", not ok)
    expect("the type of the error of " .. what, "string", type(err))
    return "misuse: " .. what
  end },
}

-- The checks after every operation ---------------------------------------------------------

local STATS_FIELDS = { "created", "dropped", "alive", "peak", "bytes" }

local function verify(run, index)
  local model, base_id = run.model, run.base_id
  local objects = model.objects
  local strong_count, weak_count, is_alive = rcprobe.strong_count, rcprobe.weak_count, rcprobe.is_alive
  -- The hot loops compare inline and call `same` only to report a difference.
  for _, id in ipairs(model.alive_ids) do
    local object = objects[id]
    local strong = object.probes + object.holds
    if strong_count(id) ~= strong then same(strong, strong_count(id), "strong_count(#%d)", id - base_id) end
    if weak_count(id) ~= object.weak then same(object.weak, weak_count(id), "weak_count(#%d)", id - base_id) end
    if is_alive(id) ~= true then same(true, is_alive(id), "is_alive(#%d)", id - base_id) end
  end
  for _, id in ipairs(model.dropped) do
    same(0, strong_count(id), "strong_count(#%d) once dropped", id - base_id)
    same(0, weak_count(id), "weak_count(#%d) once dropped", id - base_id)
    same(false, is_alive(id), "is_alive(#%d) once dropped", id - base_id)
    local info = rcprobe.info(id)
    for field, want in pairs({ id = id, strong = 0, weak = 0, held = 0, linked = false, alive = false }) do
      same(want, info[field], "info(#%d).%s once dropped", id - base_id, field)
    end
    same(nil, info.label, "info(#%d).label once dropped", id - base_id)
  end
  model.dropped = {}
  -- Every root's counts; its id and state by turns, a quarter of them each time.
  local roots, root_hids, handles = run.roots, model.roots, model.handles
  for i = 1, #roots do
    local h, handle = roots[i], handles[root_hids[i]]
    local id = handle.id
    local strong, weak = model:strong(id), model:weak(id)
    if h:strong_count() ~= strong then
      same(strong, h:strong_count(), "root %d (#%d): strong_count()", i, id - base_id)
    end
    if h:weak_count() ~= weak then same(weak, h:weak_count(), "root %d (#%d): weak_count()", i, id - base_id) end
    if (i + index) % 4 == 0 then
      same(id, h:id(), "root %d: id()", i)
      if handle.kind == "weak" then
        same(model:is_alive(id), h:is_alive(), "root %d (#%d): is_alive()", i, id - base_id)
      else
        same(handle.closed, h:is_closed(), "root %d (#%d): is_closed()", i, id - base_id)
      end
    end
  end
  -- One more object and one more root each time, in turn: info(), the value and tostring().
  if #model.alive_ids > 0 then
    local id = model.alive_ids[1 + index % #model.alive_ids]
    local object, info = model.objects[id], rcprobe.info(id)
    local name = "info(" .. rel(run, id) .. ").%s"
    same(id, info.id, name, "id")
    same(object.label, info.label, name, "label")
    same(model:strong(id), info.strong, name, "strong")
    same(model:weak(id), info.weak, name, "weak")
    same(object.holds, info.held, name, "held")
    same(object.link ~= nil, info.linked, name, "linked")
    same(true, info.alive, name, "alive")
  end
  if #roots > 0 then
    local i = 1 + index % #roots
    local handle = model.handles[model.roots[i]]
    local id, h = handle.id, roots[i]
    local shown
    if handle.kind == "weak" then
      shown = ("WeakProbe #%d (strong %d, weak %d)"):format(id, model:strong(id), model:weak(id))
    else
      shown = ("Probe #%d \"%s\" (%sstrong %d, weak %d)"):format(id, model.objects[id].label,
        handle.closed and "closed, " or "", model:strong(id), model:weak(id))
      if not handle.closed then same(model.objects[id].value, h:get(), "root %d (#%d): get()", i, id - base_id) end
    end
    same(shown, tostring(h), "root %d (#%d): tostring()", i, id - base_id)
  end
  -- stats() and live() for all objects. Should an object from outside the run go, the
  -- stats of its label say how much, and the peak is only known to lie in a range.
  local total, base = rcprobe.stats(), run.base
  local lost, lost_bytes = 0, 0
  if total.dropped ~= base.dropped + model.stats.dropped then lost, lost_bytes = foreign_losses(run) end
  same(base.created + model.stats.created, total.created, "stats().created")
  same(base.dropped + model.stats.dropped + lost, total.dropped, "stats().dropped")
  same(base.alive + model.stats.alive - lost, total.alive, "stats().alive")
  same(base.bytes + model.stats.bytes - lost_bytes, total.bytes, "stats().bytes")
  local peak = math.max(base.peak, base.alive + model.stats.peak)
  if lost == 0 then
    same(peak, total.peak, "stats().peak")
  else
    local low = math.max(base.peak, base.alive - lost + model.stats.peak)
    expect_true(("stats().peak: expected %d to %d, got %d"):format(low, peak, total.peak),
      low <= total.peak and total.peak <= peak)
  end
  local live, k = rcprobe.live(), 0
  for _, id in ipairs(live) do
    if id > base_id then
      k = k + 1
      same((model.alive_ids[k] or 0) - base_id, id - base_id, "live()[%d] (ids of the run)", k)
    end
  end
  same(#model.alive_ids, k, "the number of the run's objects in live()")
  -- One label by turns: its stats and live objects.
  local label = ALL_LABELS[1 + index % #ALL_LABELS]
  local stats, want = rcprobe.stats(run.prefix .. label), model.label_stats[run.prefix .. label]
  for _, field in ipairs(STATS_FIELDS) do
    same(want and want[field] or 0, stats[field], "stats(%q).%s", label, field)
  end
  local labelled = rcprobe.live(run.prefix .. label)
  local j = 0
  for _, id in ipairs(model.alive_ids) do
    if model.objects[id].label == run.prefix .. label then
      j = j + 1
      same(id - base_id, (labelled[j] or 0) - base_id, "live(%q)[%d]", label, j)
    end
  end
  same(j, #labelled, "#live(%q)", label)
  -- links(): which of the run's objects link something.
  local n = 0
  for id in pairs(rcprobe.links()) do
    if id > base_id then
      n = n + 1
      same(true, model:is_alive(id) and model.objects[id].link ~= nil, "links()[#%d] exists", id - base_id)
    end
  end
  local linked = 0
  for _, id in ipairs(model.alive_ids) do
    if model.objects[id].link ~= nil then linked = linked + 1 end
  end
  same(linked, n, "the number of the run's objects in links()")
end

-- Running a sequence -----------------------------------------------------------------------

-- Chooses the next operation by weight among those that apply, steering the number of roots
-- and live objects to stay small enough to check them all after every operation.
local MAX_ROOTS, MAX_ALIVE = 32, 48
local function choose(run, x)
  local have = { root = false, open = false, probe = false, closed = false, weak = false }
  local handles = run.model.handles
  for _, hid in ipairs(run.model.roots) do
    local handle = handles[hid]
    have.root = true
    if handle.kind == "weak" then
      have.weak = true
    else
      have.probe = true
      if handle.closed then have.closed = true else have.open = true end
    end
  end
  local roots, alive = #run.roots, #run.model.alive_ids
  local crowded = roots > MAX_ROOTS or alive > MAX_ALIVE
  local weights, sum = {}, 0
  for k, op in ipairs(OPS) do
    local w = (not op.needs or have[op.needs]) and op.weight or 0
    if op.grows and crowded then w = w / 4 end
    if op.grows and roots < 8 then w = w * 2 end
    if op.frees and crowded then w = w * 3 end
    weights[k] = w
    sum = sum + w
  end
  local target = x * sum
  for k, w in ipairs(weights) do
    target = target - w
    if target < 0 then return k end
  end
  return #OPS
end

local function run_op(run, op_number, state)
  local op = OPS[op_number]
  local r = params_from(state)
  local i
  if op.needs then
    local found = roots_where(run, NEEDS[op.needs])
    if #found == 0 then return op.name .. ": skipped, no " .. op.needs .. " root" end
    i = pick_recent(found, r[1])
  end
  return op.run(run, i, r)
end

local function failure_of(err)
  if getmetatable(err) == Disagreement then return err.message end
  return debug.traceback("error: " .. tostring(err), 2)
end

-- Runs the operations that `next_op(index)` gives (an op number and the random state of its
-- parameters, or nil at the end), each followed by the checks. Returns nil, or the index of
-- the op that failed and why. `descriptions`, if given, receives what each op did.
local function run_sequence(run, next_op, descriptions, keep_last)
  local keep = descriptions ~= nil
  descriptions = descriptions or {}
  keep_last = keep_last or math.huge
  local index = 0
  while true do
    index = index + 1
    local op_number, state = next_op(index)
    if not op_number then return nil end
    local ok, result = xpcall(function() return run_op(run, op_number, state) end, failure_of)
    if not ok then
      descriptions[index] = OPS[op_number].name .. " (failed on the way)"
      return index, result
    end
    descriptions[index] = result
    ok, result = xpcall(function() verify(run, index) end, failure_of)
    if not ok then return index, result end
    if not keep then descriptions[index] = nil end
    if index > keep_last then descriptions[index - keep_last] = nil end
  end
end

-- Frees everything a run made: every handle is dropped, every hold released, and every
-- linked table emptied (so cycles through links break). Returns how many of the run's
-- objects are still alive afterwards, which must be none.
local function finish_run(run)
  run.roots, run.model = {}, nil
  local function break_links()
    for _, id in ipairs(rcprobe.live()) do
      if id > run.base_id then rcprobe.release(id) end
    end
    local found = {}
    for id, value in pairs(rcprobe.links()) do
      if id > run.base_id and type(value) == "table" then
        for j = #value, 1, -1 do
          found[#found + 1] = value[j]
          value[j] = nil
        end
      end
    end
    for _, h in ipairs(found) do
      if h.is_closed and not h:is_closed() then
        h:unlink()
        h:close()
      end
    end
  end
  local left
  for _ = 1, 100 do
    pcall(break_links)
    rcprobe.full_gc()
    left = 0
    for _, id in ipairs(rcprobe.live()) do
      if id > run.base_id then left = left + 1 end
    end
    if left == 0 then break end
  end
  collectgarbage("restart")
  return left
end

-- Ops are kept compactly, so a million of them cost little memory and nothing to the collector:
-- each is 5 bytes (its number and the random state of its parameters) in chunks of strings.
local OpLog = {}
OpLog.__index = OpLog

local function new_log() return setmetatable({ chunks = {}, pending = {}, n = 0 }, OpLog) end

function OpLog:add(op_number, state)
  self.n = self.n + 1
  local pending = self.pending
  pending[#pending + 1] = string.char(op_number, floor(state / 2 ^ 24) % 256, floor(state / 2 ^ 16) % 256,
    floor(state / 2 ^ 8) % 256, state % 256)
  if #pending == 1000 then
    self.chunks[#self.chunks + 1] = table.concat(pending)
    self.pending = {}
  end
end

function OpLog:list()
  local chunks = { table.concat(self.chunks), table.concat(self.pending) }
  local all, list = table.concat(chunks), {}
  for k = 1, self.n do
    local a, b, c, d, e = all:byte(5 * k - 4, 5 * k)
    list[k] = { a, ((b * 256 + c) * 256 + d) * 256 + e }
  end
  return list
end

local function replay(list, descriptions, keep_last)
  local run = start_run()
  local ok, index, why = pcall(run_sequence, run, function(k)
    local op = list[k]
    if op then return op[1], op[2] end
  end, descriptions, keep_last)
  finish_run(run)
  if not ok then return 0, tostring(index) end
  return index, why
end

-- Shrinks a failing list of ops, within `seconds`: first to the shortest failing suffix, then
-- by removing chunks of ever smaller size while it still fails, then (unless `no_variants`) by
-- trying other ops and other random parameters in each place, keeping a change when it lets
-- more ops go. That last stage replays the list dozens of times per place.
local function shrink(list, seconds, no_variants)
  local deadline = os.clock() + seconds
  local function fails(candidate)
    local index = replay(candidate)
    if index then
      local cut = {}
      for k = 1, index do cut[k] = candidate[k] end
      return cut
    end
  end
  local function remove_chunks(current)
    local chunk = floor(#current / 2)
    while chunk >= 1 and os.clock() < deadline do
      local start, removed = 1, false
      while start <= #current and os.clock() < deadline do
        local candidate = {}
        for k = 1, #current do
          if k < start or k >= start + chunk then candidate[#candidate + 1] = current[k] end
        end
        local cut = #candidate > 0 and fails(candidate)
        if cut then
          current, removed = cut, true
        else
          start = start + chunk
        end
      end
      if not removed then chunk = floor(chunk / 2) end
    end
    return current
  end
  local function vary(current)
    for k = 1, #current do
      local alternatives = {}
      for op_number = 1, #OPS do alternatives[#alternatives + 1] = { op_number, current[k][2] } end
      local state = current[k][2]
      for _ = 1, 16 do
        state = step(state)
        alternatives[#alternatives + 1] = { current[k][1], state }
      end
      for _, alternative in ipairs(alternatives) do
        if os.clock() > deadline then return nil end
        local candidate = {}
        for j = 1, #current do candidate[j] = current[j] end
        candidate[k] = alternative
        local cut = fails(candidate)
        if cut then
          cut = remove_chunks(cut)
          if #cut < #current then return cut end
        end
      end
    end
  end
  local size = 1
  while size < #list and os.clock() < deadline do
    local suffix = {}
    for k = #list - size + 1, #list do suffix[#suffix + 1] = list[k] end
    local cut = fails(suffix)
    if cut then
      list = cut
      break
    end
    size = size * 4
  end
  list = remove_chunks(list)
  if no_variants then return list end
  while true do
    local better = vary(list)
    if not better then return list end
    list = better
  end
end

local SHOWN = 40 -- operations of the failing prefix a report shows, the last ones

-- Runs `count` random operations from `seed`. Returns nil, or a report of the first
-- disagreement with the shrunk list of operations that still disagree (`no_variants`: see shrink).
local function check_random(seed, count, shrink_seconds, no_variants)
  local run = start_run()
  local state = seed_state(seed)
  local log = new_log()
  local ok, index, why = pcall(run_sequence, run, function(k)
    if k > count then return nil end
    state = step(state)
    local op_number = choose(run, state / MODULUS)
    local op_state = state
    log:add(op_number, op_state)
    for _ = 1, PARAMS do state = step(state) end
    return op_number, op_state
  end)
  local left = finish_run(run)
  if not ok then return "the model test itself failed: " .. tostring(index) end
  if not index then
    if left > 0 then return ("%d objects of the run are still alive after it freed everything"):format(left) end
    return nil
  end
  local lines = {
    ("rcprobe disagrees with the model at operation %d of seed %d:"):format(index, seed),
    "  " .. why,
    ("The shortest failing prefix: RCPROBE_MODEL_SEED=%d RCPROBE_MODEL_OPS=%d"):format(seed, index),
  }
  local list = log:list()
  local last = {}
  local replayed = replay(list, last, SHOWN)
  lines[#lines + 1] = index <= SHOWN and "It is:" or ("Its last %d operations:"):format(SHOWN)
  for k = math.max(1, index - SHOWN + 1), index do lines[#lines + 1] = ("%7d  %s"):format(k, last[k] or "?") end
  if not replayed then
    lines[#lines + 1] = "(Replaying it again in this Lua state did not disagree: it depends on something"
      .. " this state remembers, such as stats().peak; replay it alone with the line above.)"
    return table.concat(lines, "\n")
  end
  local shrunk = shrink(list, shrink_seconds, no_variants)
  local descriptions = {}
  local shrunk_index, shrunk_why = replay(shrunk, descriptions)
  if not shrunk_index then return table.concat(lines, "\n") end
  lines[#lines + 1] = ("Shrunk to %d operations that still disagree:"):format(shrunk_index)
  for k = 1, shrunk_index do lines[#lines + 1] = ("%5d  %s"):format(k, descriptions[k]) end
  lines[#lines + 1] = "  -> " .. shrunk_why
  return table.concat(lines, "\n")
end

local OPS_COUNT = env_integer("RCPROBE_MODEL_OPS", DEFAULT_OPS, 1)
local SEED = env_integer("RCPROBE_MODEL_SEED", DEFAULT_SEED, 0)
local SHRINK_SECONDS = env_integer("RCPROBE_MODEL_SHRINK_SECONDS", DEFAULT_SHRINK_SECONDS, 0)

describe("the model test", function()
  it(("agrees with the model after each of %d random operations from seed %d (collector-dependent)")
    :format(OPS_COUNT, SEED), function()
    local failure = check_random(SEED, OPS_COUNT, SHRINK_SECONDS)
    if failure then error(failure, 0) end
  end)

  it("reports the seed, the failing prefix and a shrunk list when the model is wrong", function()
    -- A model that forgets that collecting a WeakProbe drops its Weak.
    local finalize = Model.finalize
    Model.finalize = function(model, handle)
      if handle.kind ~= "weak" then return finalize(model, handle) end
      local object = model.objects[handle.id]
      model.handles[handle.hid] = nil
      object.handles = object.handles - 1
      model:forget(object)
    end
    -- Seed 1 first disagrees at operation 5, and removing operations shrinks it. Each replay
    -- collects once per operation, on whatever heap the specs before this one left: a seed
    -- that fails later (seed 3, at operation 32), or trying every variant in every place,
    -- costs a minute of replays in a whole suite.
    local ok, failure = pcall(check_random, 1, 2000, 120, true)
    Model.finalize = finalize
    assert(ok, failure)
    assert.is_string(failure)
    local index = tonumber(failure:match("at operation (%d+) of seed 1:"))
    assert(index, failure)
    assert.matches("RCPROBE_MODEL_SEED=1 RCPROBE_MODEL_OPS=" .. index, failure, 1, true)
    local shrunk = tonumber(failure:match("Shrunk to (%d+) operations"))
    assert(shrunk and shrunk < index, failure)
    assert.matches("weak_count", failure)
  end)
end)
