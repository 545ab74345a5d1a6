local rcprobe = require("rcprobe")
local helper = require("spec.helper")
require("rcprobe.luassert") -- spec/helper.lua did it already; a second require is harmless

local parked = helper.parked

-- The message of the failure `fn` raises (busted's failure table, or a string under plain
-- luassert), without the position in front.
local function failure(fn)
  local ok, err = pcall(fn)
  assert(not ok, "the assertion did not fail")
  local message = type(err) == "table" and err.message or err
  return (tostring(message):gsub("^[^\n]-:%d+: ", "", 1))
end

local function lines(...)
  return table.concat({ ... }, "\n")
end

-- Parks a probe labelled "session" in _G.rcprobe_sessions, twice; returns its id.
local function two_sessions()
  return parked(function(p) _G.rcprobe_sessions = { p, p:clone() } end, "session")
end

-- The id of an object already dropped.
local function gone()
  local id = parked(function() end, "gone")
  helper.collect()
  return id
end

describe("rcprobe.luassert", function()
  after_each(function()
    _G.rcprobe_sessions = nil
    _G.rcprobe_weak_handles = nil
  end)

  describe("assert.strong_count(n, x)", function()
    it("passes when Rust's strong count is n, for a Probe, a WeakProbe or an id", function()
      local p = rcprobe.new()
      local q = p:clone()
      assert.strong_count(2, p)
      assert.strong_count(2, q:downgrade())
      assert.are.strong_count(2, p:id())
    end)

    it("fails naming the object, both counts and the paths that keep it alive", function()
      local id = two_sessions()
      assert.are.equal(lines(
        ('Expected the strong count of object #%d "session" to be 1, but it is 2.'):format(id),
        ('object #%d "session": strong 2, weak 0, held 0, links nothing'):format(id),
        "  why: strong 2 = 2 Probes reachable from Lua",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        "    _G.rcprobe_sessions[2]"
      ), failure(function() assert.strong_count(1, id) end))
    end)

    it("names Rust's holds and link", function()
      local id = parked(function(p)
        rcprobe.hold(p)
        p:link(true)
      end, "held")
      helper.collect() -- the parked Probe is garbage until then
      assert.are.equal(lines(
        ('Expected the strong count of object #%d "held" to be 0, but it is 1.'):format(id),
        ('object #%d "held": strong 1, weak 0, held 1, links a Lua value'):format(id),
        "  why: strong 1 = 1 held by Rust (rcprobe.hold)",
        "  kept alive by:",
        "    rcprobe.hold: Rust keeps 1 strong reference (rcprobe.release drops it)"
      ), failure(function() assert.strong_count(0, id) end))
      rcprobe.release(id)
    end)

    it("in the negative form, passes when the count differs and fails when it is n", function()
      local id = two_sessions()
      assert.is_not.strong_count(1, id)
      assert.are.equal(lines(
        ('Expected the strong count of object #%d "session" not to be 2, but it is 2.'):format(id),
        ('object #%d "session": strong 2, weak 0, held 0, links nothing'):format(id),
        "  why: strong 2 = 2 Probes reachable from Lua",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        "    _G.rcprobe_sessions[2]"
      ), failure(function() assert.are_not.strong_count(2, id) end))
    end)

    it("puts the caller's message first", function()
      local id = two_sessions()
      local message = failure(function() assert.strong_count(1, id, "sessions must be unique") end)
      assert.are.equal("sessions must be unique\nExpected the strong count", message:sub(1, 49))
    end)

    it("refuses a count that is not a number and an x that names no object", function()
      assert.has_error(function() assert.strong_count("1", rcprobe.new()) end,
        "bad argument #1 to 'strong_count' (number expected, got string)")
      assert.has_error(function() assert.strong_count(1, "p") end,
        "bad argument #2 to 'strong_count' (Probe, WeakProbe, id or watched value expected, got string)")
      assert.has_error(function() assert.strong_count(1, 1e9) end,
        "bad argument #2 to 'strong_count' (no object #1000000000 in this Lua state)")
    end)
  end)

  describe("assert.weak_count(n, x)", function()
    it("passes when Rust's weak count is n", function()
      local p = rcprobe.new()
      local w = p:downgrade()
      assert.weak_count(1, p)
      assert.weak_count(1, w)
      assert.is_not.weak_count(0, w)
    end)

    it("fails naming the paths to the WeakProbes too", function()
      local id = parked(function(p)
        _G.rcprobe_sessions = { p }
        _G.rcprobe_weak_handles = { p:downgrade() }
      end, "session")
      assert.are.equal(lines(
        ('Expected the weak count of object #%d "session" to be 0, but it is 1.'):format(id),
        ('object #%d "session": strong 1, weak 1, held 0, links nothing'):format(id),
        "  why: strong 1 = 1 Probe reachable from Lua (_G.rcprobe_sessions[1])",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        "  weak references from:",
        "    _G.rcprobe_weak_handles[1]"
      ), failure(function() assert.weak_count(0, id) end))
      assert.are.equal(
        ('Expected the weak count of object #%d "session" not to be 1, but it is 1.'):format(id),
        failure(function() assert.is_not.weak_count(1, id) end):match("^[^\n]*"))
    end)

    it("refuses what strong_count refuses", function()
      assert.has_error(function() assert.weak_count(0, {}) end,
        "bad argument #2 to 'weak_count' (this table is not watched: rcprobe.watch(v) it first)")
    end)
  end)

  describe("assert.alive(x)", function()
    it("passes while the object is alive, and its negative form once it is dropped", function()
      local p = rcprobe.new()
      assert.is.alive(p)
      p:close()
      assert.is_not.alive(p)
    end)

    it("fails once the object is dropped, with the label a closed Probe keeps", function()
      local p = rcprobe.new(nil, { label = "closed" })
      p:close()
      assert.are.equal(('Expected object #%d "closed" to be alive, but it was dropped.'):format(p:id()),
        failure(function() assert.alive(p) end))
      local id = gone()
      assert.are.equal(("Expected object #%d to be alive, but it was dropped."):format(id),
        failure(function() assert.alive(id) end))
    end)

    it("in the negative form, fails while the object is alive and says why", function()
      local id = two_sessions()
      assert.are.equal(lines(
        ('Expected object #%d "session" not to be alive, but it is.'):format(id),
        ('object #%d "session": strong 2, weak 0, held 0, links nothing'):format(id),
        "  why: strong 2 = 2 Probes reachable from Lua",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        "    _G.rcprobe_sessions[2]"
      ), failure(function() assert.is_not.alive(id) end))
    end)

    it("checks now, without collecting (collector-dependent)", function()
      helper.gc_stopped(function()
        local w = rcprobe.new():downgrade()
        assert.is.alive(w)
      end)
    end)

    it("refuses what is not a Probe, a WeakProbe or an id", function()
      assert.has_error(function() assert.alive(true) end,
        "bad argument #1 to 'alive' (Probe, WeakProbe, id or watched value expected, got boolean)")
    end)

    it("raises misuse at the line of the assertion, in each form, as the other assertions do", function()
      assert.are.equal(helper.lines_of_error(function() assert.alive(true) end))
      assert.are.equal(helper.lines_of_error(function() assert.is_not.alive(1e9) end))
      assert.are.equal(helper.lines_of_error(function() assert.dropped("x") end))
      assert.are.equal(helper.lines_of_error(function() assert.strong_count(1, "p") end))
      assert.are.equal(helper.lines_of_error(function() assert.are_not.weak_count(1, {}) end))
      assert.are.equal(helper.lines_of_error(function() assert.collectable(true) end))
      assert.are.equal(helper.lines_of_error(function() assert.strong_count("1", 1) end))
      assert.are.equal(helper.lines_of_error(function() assert.no_leaks(1) end))
    end)
  end)

  describe("assert.dropped(x)", function()
    it("passes once the object is dropped, and its negative form while it is alive", function()
      local p = rcprobe.new()
      assert.is_not.dropped(p)
      p:close()
      assert.is.dropped(p)
      assert.dropped(p:id())
    end)

    it("fails while the object is alive and says why", function()
      local id = two_sessions()
      assert.are.equal(lines(
        ('Expected object #%d "session" to be dropped, but it is alive.'):format(id),
        ('object #%d "session": strong 2, weak 0, held 0, links nothing'):format(id),
        "  why: strong 2 = 2 Probes reachable from Lua",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        "    _G.rcprobe_sessions[2]"
      ), failure(function() assert.dropped(id) end))
    end)

    it("in the negative form, fails once the object is dropped", function()
      local id = gone()
      assert.are.equal(("Expected object #%d not to be dropped, but it was."):format(id),
        failure(function() assert.is_not.dropped(id) end))
    end)
  end)

  describe("assert.collectable(x)", function()
    it("passes when rcprobe.full_gc() drops the object of a WeakProbe or an id (collector-dependent)", function()
      assert.is.collectable(rcprobe.new():downgrade())
      assert.collectable(rcprobe.new():id())
      local id = parked(function(p) p:attach({ p }) end) -- a cycle the collector can see through
      assert.collectable(id)
    end)

    it("fails when the object survives, and says why (collector-dependent)", function()
      local id = parked(function(p) p:link({ p }) end, "cycle")
      assert.are.equal(lines(
        ('Expected object #%d "cycle" to be collectable, but it survived rcprobe.full_gc().'):format(id),
        ('object #%d "cycle": strong 1, weak 0, held 0, links a Lua value'):format(id),
        "  why: strong 1 = 1 Probe reached only through Rust's links (a cycle through Rust)",
        "  kept alive by:",
        ('    Rust: link of probe #%d "cycle" -> [1] (its own link: a cycle through Rust that no collection frees; '
          .. "p:unlink() breaks it)"):format(id)
      ), failure(function() assert.collectable(id) end))
      rcprobe.links()[id][1]:unlink()
    end)

    it("in the negative form, passes when the object survives and fails when it goes (collector-dependent)", function()
      local id = two_sessions()
      assert.is_not.collectable(id)
      _G.rcprobe_sessions = nil
      assert.are.equal(('Expected object #%d "session" not to be collectable, but rcprobe.full_gc() dropped it.')
        :format(id), failure(function() assert.is_not.collectable(id) end))
    end)

    it("fails for an open Probe in both forms, and says to pass an id or a WeakProbe", function()
      local p = rcprobe.new(nil, { label = "own" })
      local advice = "it is an open Probe, and a Probe keeps its own object alive, so it can never be "
        .. "collected: pass its id (p:id()) or a WeakProbe (p:downgrade()), and let the Probe go."
      assert.are.equal(('Expected object #%d "own" to be collectable, but %s'):format(p:id(), advice),
        failure(function() assert.collectable(p) end))
      assert.are.equal(('Expected object #%d "own" not to be collectable, but %s'):format(p:id(), advice),
        failure(function() assert.is_not.collectable(p) end))
    end)

    it("accepts a closed Probe, which keeps nothing alive", function()
      local p = rcprobe.new()
      p:close()
      assert.collectable(p)
    end)
  end)

  describe("assert.no_leaks(fn, ...)", function()
    it("passes when fn leaves nothing it created alive (collector-dependent)", function()
      assert.no_leaks(function()
        local p = rcprobe.new()
        p:attach({ p })
        return p:clone()
      end)
    end)

    it("passes its extra arguments to fn", function()
      local seen
      assert.no_leaks(function(a, b) seen = a + b end, 2, 3)
      assert.are.equal(5, seen)
    end)

    it("fails listing each object left alive and what keeps it (collector-dependent)", function()
      local ids = {}
      local message = failure(function()
        assert.no_leaks(function()
          local session = rcprobe.new(nil, { label = "session" })
          _G.rcprobe_sessions = { session }
          local held = rcprobe.new(nil, { label = "held" })
          rcprobe.hold(held)
          local _ = rcprobe.new(nil, { label = "dropped" })
          ids = { session:id(), held:id() }
        end)
      end)
      assert.are.equal(lines(
        "Expected the function to leave nothing alive, but 2 objects of the 3 it created outlived it and "
          .. "rcprobe.full_gc():",
        ('object #%d "session": strong 1, weak 0, held 0, links nothing'):format(ids[1]),
        "  why: strong 1 = 1 Probe reachable from Lua (_G.rcprobe_sessions[1])",
        "  kept alive by:",
        "    _G.rcprobe_sessions[1]",
        ('object #%d "held": strong 1, weak 0, held 1, links nothing'):format(ids[2]),
        "  why: strong 1 = 1 held by Rust (rcprobe.hold)",
        "  kept alive by:",
        "    rcprobe.hold: Rust keeps 1 strong reference (rcprobe.release drops it)"
      ), message)
      rcprobe.release(ids[2])
    end)

    it("in the negative form, passes when fn leaks and fails when it does not (collector-dependent)", function()
      assert.is_not.no_leaks(function() _G.rcprobe_sessions = { rcprobe.new() } end)
      assert.are.equal("Expected the function to leave something alive, but rcprobe.full_gc() dropped the 2 "
        .. "objects it created.", failure(function()
          assert.is_not.no_leaks(function() return rcprobe.new(), rcprobe.new() end)
        end))
    end)

    it("raises fn's error unchanged", function()
      local raised = {}
      local ok, err = pcall(function() assert.no_leaks(function() error(raised) end) end)
      assert.is_false(ok)
      assert.are.equal(raised, err)
    end)

    it("refuses something that cannot be called", function()
      assert.has_error(function() assert.no_leaks(42) end,
        "bad argument #1 to 'no_leaks' (function expected, got number)")
    end)
  end)

  describe("assert.no_growth(fn [, opts])", function()
    after_each(function() _G.rcprobe_growing = nil end)

    it("passes for a cache filled once, and fails for one that grows every call, with the paths", function()
      _G.rcprobe_growing = {}
      assert.no_growth(function()
        if #_G.rcprobe_growing == 0 then _G.rcprobe_growing[1] = rcprobe.new(nil, { label = "once" }) end
      end)
      local message = failure(function()
        assert.no_growth(function()
          _G.rcprobe_growing[#_G.rcprobe_growing + 1] = rcprobe.new(nil, { label = "every" })
        end, { warmup = 1, runs = 3 })
      end)
      local found = {}
      for line in message:gmatch("[^\n]+") do found[#found + 1] = line end
      assert.are.equal("Expected the function to grow nothing over 3 runs (after 1 warm-up run), but these grew in "
        .. "every run (with the paths of new objects):", found[1])
      -- mlua gives each userdata a table of its own on 5.1 and LuaJIT: type:table grows there too.
      for _, line in ipairs({ "  label:every: +1 +1 +1", "  name:Probe: +1 +1 +1", "    _G.rcprobe_growing[5]",
        "  type:userdata: +1 +1 +1" }) do
        assert.is_true(helper.contains(found, line), line)
      end
    end)

    it("in the negative form, fails when nothing grows", function()
      assert.are.equal("Expected the function to grow something in every one of 2 runs (after 0 warm-up runs), "
        .. "but nothing did.",
        failure(function() assert.is_not.no_growth(function() end, { warmup = 0, runs = 2 }) end))
    end)

    it("refuses what rcprobe.growth() refuses, naming itself, at the line of the assertion", function()
      assert.has_error(function() assert.no_growth(42) end,
        "bad argument #1 to 'no_growth' (function expected, got number)")
      assert.has_error(function() assert.no_growth(function() end, { runs = -1 }) end,
        "bad argument #2 to 'no_growth' (option 'runs': positive integer expected, got -1)")
      assert.are.equal(helper.lines_of_error(function() assert.no_growth(42) end))
      assert.are.equal(helper.lines_of_error(function() assert.no_growth(print, { x = 1 }) end))
    end)
  end)
end)
