local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")
local helper = require("spec.helper")

-- Globals and registry fields the specs park probes in; after_each clears them.
local GLOBALS = { "rcprobe_cache", "rcprobe_handler", "rcprobe_co", "rcprobe_obj", "rcprobe_owner",
  "rcprobe_cycle", "rcprobe_weak", "rcprobe_ephemeron", "rcprobe_key" }
local MODULE = "rcprobe_spec.fixture"

local parked = helper.parked

local GARBAGE = "1 Probe that no root reaches (garbage not yet collected, a stale stack slot, or held by "
  .. "Rust where Lua cannot look)"

-- `function <spec/paths_spec.lua:N>` for a function (or a level: 1 is the caller), as paths
-- name it.
local function function_name(f)
  local info = debug.getinfo(type(f) == "number" and f + 1 or f, "S")
  return ("function <%s:%d>"):format(info.short_src, info.linedefined)
end

local function contains(list, item)
  for _, v in ipairs(list) do
    if v == item then return true end
  end
  return false
end

describe("paths.to()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
    package.loaded[MODULE] = nil
    debug.getregistry().rcprobe_spec = nil
  end)

  it("names a path through the global table", function()
    local id = parked(function(p) _G.rcprobe_cache = { {}, {}, p } end)
    assert.are.same({ "_G.rcprobe_cache[3]" }, paths.to(id))
  end)

  it("quotes keys that are not names, and numbers keys", function()
    local id = parked(function(p) _G.rcprobe_cache = { ["a key"] = { [2.5] = { [true] = p } } } end)
    assert.are.same({ '_G.rcprobe_cache["a key"][2.5][true]' }, paths.to(id))
  end)

  it("names a path through a loaded module", function()
    local id = parked(function(p) package.loaded[MODULE] = { sessions = { p } } end)
    assert.are.same({ 'package.loaded["rcprobe_spec.fixture"].sessions[1]' }, paths.to(id))
  end)

  it("names a path through the registry", function()
    local id = parked(function(p) debug.getregistry().rcprobe_spec = { p } end)
    assert.are.same({ "registry.rcprobe_spec[1]" }, paths.to(id))
  end)

  it("names an upvalue and the function that has it", function()
    local id = parked(function(p)
      local keep = p
      _G.rcprobe_handler = function() return keep end
    end)
    assert.are.same({ "_G.rcprobe_handler -> upvalue 'keep' of " .. function_name(_G.rcprobe_handler) },
      paths.to(id))
  end)

  it("names a local of the running function, in the main thread", function()
    local p = rcprobe.new()
    local here = function_name(1)
    assert.are.same({ "main thread -> local 'p' of " .. here }, paths.to(p))
  end)

  it("names an upvalue of a running function", function()
    local p = rcprobe.new()
    local result
    local function inner() result = paths.to(p) end
    inner()
    assert.is_true(contains(result, "main thread -> upvalue 'p' of " .. function_name(inner) .. " (running)"))
  end)

  it("names the locals of a suspended coroutine", function()
    local body = function(x)
      local inside = x
      coroutine.yield()
      return inside
    end
    local id = parked(function(p)
      _G.rcprobe_co = coroutine.create(body)
      coroutine.resume(_G.rcprobe_co, p)
    end)
    assert.are.same({
      "_G.rcprobe_co -> local 'inside' of " .. function_name(body),
      "_G.rcprobe_co -> local 'x' of " .. function_name(body),
    }, paths.to(id))
  end)

  it("names the locals of the running coroutine when called from one", function()
    local result, body
    body = function()
      local p = rcprobe.new()
      result = paths.to(p)
    end
    coroutine.wrap(body)()
    assert.are.same({ "running coroutine -> local 'p' of " .. function_name(body) }, result)
  end)

  it("names a path through a metatable", function()
    local id = parked(function(p) _G.rcprobe_obj = setmetatable({}, { __index = { p } }) end)
    assert.are.same({ "_G.rcprobe_obj -> metatable.__index[1]" }, paths.to(id))
  end)

  it("names a table key", function()
    local id = parked(function(p) _G.rcprobe_cache = { [p] = true } end)
    assert.are.same({ ("_G.rcprobe_cache -> key Probe #%d"):format(id) }, paths.to(id))
  end)

  it("names the user value of another probe", function()
    local owner_id
    local id = parked(function(p)
      local owner = rcprobe.new(nil, { label = "owner" })
      owner:attach(p)
      owner_id = owner:id()
      _G.rcprobe_owner = owner
    end)
    assert.are.same({ ("_G.rcprobe_owner -> user value of Probe #%d"):format(owner_id) }, paths.to(id))
  end)

  it("says hold for the strong references Rust keeps (collector-dependent)", function()
    local id = parked(function(p) rcprobe.hold(p) end)
    helper.collect() -- the parked Probe is garbage until then
    assert.are.same({ "rcprobe.hold: Rust keeps 1 strong reference (rcprobe.release drops it)" }, paths.to(id))
    rcprobe.release(id)
  end)

  it("names the probe whose link keeps the object alive", function()
    local linker = rcprobe.new(nil, { label = "linker" })
    local id = parked(function(p) linker:link({ p }) end)
    assert.are.same({ ('Rust: link of probe #%d "linker" -> [1]'):format(linker:id()) }, paths.to(id))
    linker:unlink()
  end)

  it("says when an object's own link keeps it alive (collector-dependent)", function()
    local id = parked(function(p) p:link({ p }) end, "cycle")
    rcprobe.full_gc()
    assert.are.same({ ('Rust: link of probe #%d "cycle" -> [1] (its own link: a cycle through Rust that no '
      .. "collection frees; p:unlink() breaks it)"):format(id) }, paths.to(id))
    rcprobe.links()[id][1]:unlink()
  end)

  it("returns an empty list once the object is dropped", function()
    local p = rcprobe.new()
    local w = p:downgrade()
    p:close()
    assert.are.same({}, paths.to(p))
    assert.are.same({}, paths.to(w))
    assert.are.same({}, paths.to(p:id()))
  end)

  it("ends on cyclic graphs", function()
    local id = parked(function(p)
      local a, b = {}, {}
      a.next, b.next, a.self = b, a, a
      b.probe = p
      p:attach({ a })
      _G.rcprobe_cycle = a
    end)
    assert.are.same({ "_G.rcprobe_cycle.next.probe" }, paths.to(id))
  end)

  it("shows the first and last 20 steps of a path longer than 60", function()
    local id = parked(function(p)
      local head = { probe = p }
      for _ = 1, 100 do head = { next = head } end
      _G.rcprobe_cache = head
    end)
    -- 102 steps to the last table (_G, .rcprobe_cache, 100 times .next), then .probe
    local first, last = ("next."):rep(18), ("next."):rep(20)
    assert.are.same({ "_G.rcprobe_cache." .. first:sub(1, -2) .. " -> ... 62 steps ... -> ." .. last .. "probe" },
      paths.to(id))
  end)

  it("counts the Probes no root reaches: garbage not yet collected (collector-dependent)", function()
    helper.gc_stopped(function()
      local p = rcprobe.new()
      rcprobe.pass(p, function() end)
      local list = paths.to(p)
      assert.are.same({
        GARBAGE,
        "main thread -> local 'p' of " .. function_name(1),
      }, { list[2], list[1] })
      assert.are.equal(2, #list)
    end)
  end)

  it("ignores weak values (collector-dependent)", function()
    helper.gc_stopped(function()
      local id = parked(function(p) _G.rcprobe_weak = setmetatable({ p }, { __mode = "v" }) end)
      assert.are.same({ GARBAGE }, paths.to(id))
    end)
  end)

  it("follows a weak-key table's value only once its key is reachable, except on 5.1 (collector-dependent)", function()
    helper.gc_stopped(function()
      local id = parked(function(p)
        _G.rcprobe_ephemeron = setmetatable({}, { __mode = "k" })
        _G.rcprobe_ephemeron[{}] = { p }
      end)
      local list = paths.to(id)
      if _VERSION == "Lua 5.1" then -- no ephemerons: the value is strong
        assert.is_truthy(list[1]:find("^_G%.rcprobe_ephemeron%[table: 0x%x+%]%[1%]$"))
      else
        assert.are.same({ GARBAGE }, list)
      end
      local key = {}
      _G.rcprobe_key = key
      id = parked(function(p) _G.rcprobe_ephemeron[key] = { p } end)
      list = paths.to(id)
      assert.are.equal(1, #list)
      assert.is_truthy(list[1]:find("^_G%.rcprobe_ephemeron%[table: 0x%x+%]%[1%]$"))
    end)
  end)

  it("accepts a Probe, a WeakProbe, a LentProbe or an id", function()
    local p = rcprobe.new()
    local expected = { "main thread -> local 'p' of " .. function_name(1) }
    assert.are.same(expected, paths.to(p))
    assert.are.same(expected, paths.to(p:downgrade()))
    assert.are.same(expected, paths.to(p:id()))
    -- During the loan, lend's own arguments hold p too: those paths are listed as well.
    assert.is_true(contains(rcprobe.lend(p, function(h) return paths.to(h) end), expected[1]))
  end)

  it("refuses what is not a Probe, a WeakProbe or an id", function()
    assert.has_error(function() paths.to("x") end,
      "bad argument #1 to 'to' (Probe, WeakProbe, id or watched value expected, got string)")
    assert.has_error(function() paths.to(1e9) end, "bad argument #1 to 'to' (no object #1000000000 in this Lua state)")
  end)
end)

describe("paths.report()", function()
  it("gives the counts, the holds and link, and the paths to Probes and WeakProbes", function()
    local p = rcprobe.new(nil, { label = "session" })
    local w = p:downgrade()
    rcprobe.hold(p)
    p:link(true)
    local here = function_name(1)
    assert.are.equal(table.concat({
      ('object #%d "session": strong 2, weak 1, held 1, links a Lua value'):format(p:id()),
      "  why: strong 2 = 1 Probe reachable from Lua (main thread -> local 'p' of " .. here .. ") + 1 held by Rust "
        .. "(rcprobe.hold)",
      "  kept alive by:",
      "    rcprobe.hold: Rust keeps 1 strong reference (rcprobe.release drops it)",
      "    main thread -> local 'p' of " .. here,
      "  weak references from:",
      "    main thread -> local 'w' of " .. here,
    }, "\n"), paths.report(w))
    rcprobe.release(p)
    p:unlink()
  end)

  it("says dropped, with the label only a Probe still knows", function()
    local p = rcprobe.new(nil, { label = "gone" })
    p:close()
    assert.are.equal(('object #%d "gone": dropped'):format(p:id()), paths.report(p))
    assert.are.equal(("object #%d: dropped"):format(p:id()), paths.report(p:id()))
  end)

  it("reports several objects after one walk", function()
    local a, b = rcprobe.new(nil, { label = "a" }), rcprobe.new(nil, { label = "b" })
    local report = paths.report(a, b)
    assert.is_truthy(report:find('object #%d+ "a": strong 1'))
    assert.is_truthy(report:find('\nobject #%d+ "b": strong 1'))
  end)

  it("shows ten paths and counts the rest", function()
    local p = rcprobe.new()
    local holders = {}
    for i = 1, 12 do holders[i] = { p } end
    local lines = {}
    for line in paths.report(p):gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal("    ... and 3 more", lines[#lines])
    assert.are.equal(12, #holders)
  end)

  it("refuses what paths.to() refuses, naming the argument", function()
    assert.has_error(function() paths.report(rcprobe.new(), {}) end,
      "bad argument #2 to 'report' (this table is not watched: rcprobe.watch(v) it first)")
  end)

  it("raises its errors at the caller's line, as paths.to() does", function()
    assert.are.equal(helper.lines_of_error(function() paths.report(rcprobe.new(), {}) end))
    assert.are.equal(helper.lines_of_error(function() paths.to("x") end))
    assert.are.equal(helper.lines_of_error(function() paths.to(1e9) end))
  end)
end)

describe("paths", function()
  -- Found by the model test on LuaJIT: traces compiled for the heap walk kept what it walked
  -- alive (as trace constants) until jit.flush(). paths.lua now runs interpreted there.
  it("keeps nothing it walked alive (collector-dependent)", function()
    local id = helper.parked(function(p) _G.rcprobe_walked = { p, p:clone() } end, "walked")
    for _ = 1, 3 do paths.report(id) end
    _G.rcprobe_walked = nil
    rcprobe.full_gc()
    assert.are.equal(0, rcprobe.strong_count(id))
  end)
end)
