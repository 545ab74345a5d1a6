local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")
local helper = require("spec.helper")

local parked = helper.parked

-- Globals the specs park things in; after_each clears them.
local GLOBALS = { "rcprobe_why", "rcprobe_why_linker" }

-- The causes of `why`, without the paths and words, to compare in one go.
local function causes(why)
  return {
    reachable = why.reachable, unreached = why.unreached, held = why.held, linked = why.linked,
    outside = why.outside, verdict = why.verdict,
  }
end

local UNREACHED_PROBE = "1 unreached Probe (the next full collection frees it, unless Rust holds it where "
  .. "Lua cannot look or a stale stack slot does)"

describe("paths.why()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
  end)

  it("accounts for a Probe that a global keeps: one reachable handle and its path", function()
    local id = parked(function(p) _G.rcprobe_why = { p } end, "kept")
    local why = paths.why(id)
    assert.are.same({ reachable = 1, unreached = 0, held = 0, linked = 0, outside = 0, verdict = "reachable" },
      causes(why))
    assert.are.same({ id = id, label = "kept", kind = "probe", strong = 1, alive = true },
      { id = why.id, label = why.label, kind = why.kind, strong = why.strong, alive = why.alive })
    assert.are.same({ "_G.rcprobe_why[1]" }, why.paths.reachable)
    assert.are.equal("strong 1 = 1 Probe reachable from Lua (_G.rcprobe_why[1])", why.summary)
  end)

  it("explains the article's count of 2 after the call: the clone is unreached until a collection "
    .. "(collector-dependent)", function()
    helper.gc_stopped(function()
      local p = rcprobe.new(nil, { label = "article" })
      rcprobe.pass(p, function() end)
      local why = paths.why(p:id())
      assert.are.equal(2, why.strong)
      assert.are.same({ reachable = 1, unreached = 1, held = 0, linked = 0, outside = 0, verdict = "reachable" },
        causes(why))
      assert.are.equal(("strong 2 = 1 Probe reachable from Lua (main thread -> local 'p' of function "
        .. "<spec/why_spec.lua:%d>) + %s"):format(debug.getinfo(1, "S").linedefined, UNREACHED_PROBE), why.summary)
      collectgarbage()
      why = paths.why(p:id())
      assert.are.same({ reachable = 1, unreached = 0, held = 0, linked = 0, outside = 0, verdict = "reachable" },
        causes(why))
    end)
  end)

  it("counts the handle the caller passes as reachable: the caller holds it", function()
    local p = rcprobe.new()
    assert.are.equal(1, paths.why(p).reachable)
  end)

  it("names Rust's holds (collector-dependent)", function()
    local id = parked(function(p) rcprobe.hold(p) end)
    helper.collect() -- the parked Probe is garbage until then
    local why = paths.why(id)
    assert.are.same({ reachable = 0, unreached = 0, held = 1, linked = 0, outside = 0, verdict = "held" }, causes(why))
    assert.are.equal("strong 1 = 1 held by Rust (rcprobe.hold)", why.summary)
    rcprobe.release(id)
  end)

  it("calls an object's own link a cycle through Rust (collector-dependent)", function()
    local id = parked(function(p) p:link({ p }) end, "cycle")
    rcprobe.full_gc()
    local why = paths.why(id)
    assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 1, outside = 0, verdict = "cycle through Rust" },
      causes(why))
    assert.is_true(why.cycle)
    assert.are.same({ ('Rust: link of probe #%d "cycle" -> [1] (its own link: a cycle through Rust that no '
      .. "collection frees; p:unlink() breaks it)"):format(id) }, why.paths.linked)
    assert.are.equal("strong 1 = 1 Probe reached only through Rust's links (a cycle through Rust)", why.summary)
    rcprobe.links()[id][1]:unlink()
  end)

  it("does not call a link of an object that Lua keeps a cycle", function()
    local linker = rcprobe.new(nil, { label = "linker" })
    _G.rcprobe_why_linker = linker
    local id = parked(function(p) linker:link({ p }) end)
    local why = paths.why(id)
    assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 1, outside = 0, verdict = "linked" },
      causes(why))
    assert.is_false(why.cycle)
    assert.are.same({ ('Rust: link of probe #%d "linker" -> [1]'):format(linker:id()) }, why.paths.linked)
    linker:unlink()
  end)

  it("does not call a link a cycle when what owns it lives in Rust, outside Lua (collector-dependent)", function()
    local linked
    local owner = parked(function(p)
      rcprobe.hold(p) -- Rust keeps the owner; no Lua value does
      linked = parked(function(q) p:link({ q }) end, "linked")
    end, "owner")
    rcprobe.full_gc()
    local why = paths.why(linked)
    assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 1, outside = 0, verdict = "linked" },
      causes(why))
    assert.is_false(why.cycle)
    rcprobe.release(owner)
  end)

  it("calls two objects that link each other a cycle through Rust (collector-dependent)", function()
    local a, b
    parked(function(p)
      local q = rcprobe.new(nil, { label = "b" })
      p:link({ q })
      q:link({ p })
      a, b = p:id(), q:id()
    end, "a")
    rcprobe.full_gc()
    assert.are.equal("cycle through Rust", paths.why(a).verdict)
    assert.are.equal("cycle through Rust", paths.why(b).verdict)
    rcprobe.links()[a][1]:unlink()
    rcprobe.full_gc()
    assert.is_false(rcprobe.is_alive(a))
    assert.is_false(rcprobe.is_alive(b))
  end)

  it("lists the paths to WeakProbes apart, and does not count them", function()
    local p = rcprobe.new()
    _G.rcprobe_why = { p:downgrade() }
    local why = paths.why(p:id())
    assert.are.same({ "_G.rcprobe_why[1]" }, why.paths.weak)
    assert.are.equal(1, why.reachable)
  end)

  it("says dropped once the object is gone", function()
    local p = rcprobe.new()
    p:close()
    local why = paths.why(p)
    assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 0, outside = 0, verdict = "dropped" },
      causes(why))
    assert.are.equal("dropped", why.summary)
    assert.is_false(why.alive)
  end)

  describe("of a watched Lua value", function()
    it("counts the references that reach it and names them", function()
      local t = {}
      local id = rcprobe.watch(t, "entry")
      _G.rcprobe_why = { current = t }
      t = nil -- luacheck: ignore 311
      local why = paths.why(id)
      assert.are.same({ reachable = 1, unreached = 0, held = 0, linked = 0, verdict = "reachable" }, causes(why))
      assert.are.same({ kind = "lua value", strong = nil }, { kind = why.kind, strong = why.strong })
      assert.are.same({ "_G.rcprobe_why.current" }, why.paths.reachable)
      assert.are.equal("1 reference reachable from Lua (_G.rcprobe_why.current)", why.summary)
    end)

    it("accepts the value itself, as paths.to() does", function()
      local t = {}
      rcprobe.watch(t)
      _G.rcprobe_why = { t, t }
      local found = paths.to(t)
      assert.is_true(helper.contains(found, "_G.rcprobe_why[1]"))
      assert.is_true(helper.contains(found, "_G.rcprobe_why[2]"))
      assert.are.equal(#found, paths.why(t).reachable, "the local t, and the two fields")
    end)

    it("never calls it garbage outright when no root reaches it (collector-dependent)", function()
      helper.gc_stopped(function()
        local id = (function() return rcprobe.watch({}, "loose") end)()
        local why = paths.why(id)
        assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 0, verdict = "unreached" }, causes(why))
        assert.are.equal("no root that rcprobe can see reaches it: the next full collection frees it, unless Rust "
          .. "holds it (an mlua value rcprobe was not told of) or a stale stack slot does", why.summary)
      end)
    end)

    it("finds a value that only a link keeps, and the cycle when the value reaches its owner", function()
      local t = {}
      local id = rcprobe.watch(t, "linked")
      local owner = rcprobe.new(nil, { label = "owner" })
      owner:link(t)
      t = nil -- luacheck: ignore 311
      local why = paths.why(id)
      assert.are.same({ reachable = 0, unreached = 0, held = 0, linked = 1, verdict = "linked" }, causes(why))
      assert.are.same({ ('Rust: link of probe #%d "owner"'):format(owner:id()) }, why.paths.linked)
      owner:unlink()
    end)
  end)

  it("answers for several objects at once, one table each in the order given, as each alone (collector-dependent)",
    function()
      local kept = parked(function(p) _G.rcprobe_why = { p } end, "kept")
      local held = parked(function(p) rcprobe.hold(p) end, "held")
      helper.collect() -- the parked Probes are garbage until then
      assert.are.equal(2, select("#", paths.why(kept, held)))
      local a, b = paths.why(kept, held)
      assert.are.same({ kept, "reachable", { "_G.rcprobe_why[1]" } }, { a.id, a.verdict, a.paths.reachable })
      assert.are.same({ held, "held" }, { b.id, b.verdict })
      assert.are.same(causes(paths.why(held)), causes(b))
      rcprobe.release(held)
    end)

  it("refuses what is not an object, naming the argument", function()
    assert.has_error(function() paths.why("x") end,
      "bad argument #1 to 'why' (Probe, WeakProbe, id or watched value expected, got string)")
    assert.has_error(function() paths.why({}) end,
      "bad argument #1 to 'why' (this table is not watched: rcprobe.watch(v) it first)")
    assert.has_error(function() paths.why(1e9) end,
      "bad argument #1 to 'why' (no object #1000000000 in this Lua state)")
    local p = rcprobe.new()
    assert.has_error(function() paths.why(p, "x") end,
      "bad argument #2 to 'why' (Probe, WeakProbe, id or watched value expected, got string)")
    assert.are.equal(helper.lines_of_error(function() paths.why("x") end))
  end)
end)
