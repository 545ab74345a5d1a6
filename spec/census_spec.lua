local rcprobe = require("rcprobe")
local helper = require("spec.helper")

local GLOBALS = { "rcprobe_census", "rcprobe_cache" }

describe("census()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
  end)

  it("counts the live objects by Lua type, by __name and by rcprobe label", function()
    -- The first call loads rcprobe.census, and mlua builds the Probe metatable at the first
    -- Probe of a state: both are new objects, which must not count as the ones made here.
    rcprobe.census()
    rcprobe.new():close()
    rcprobe.full_gc()
    local before = rcprobe.census()
    _G.rcprobe_census = {
      setmetatable({}, { __name = "Named" }),
      rcprobe.new(nil, { label = "census" }),
      function() end,
    }
    local after = rcprobe.census()
    local function grew(key) return (after[key] or 0) - (before[key] or 0) end
    assert.are.equal(1, grew("name:Named"))
    assert.are.equal(1, grew("name:Probe"))
    assert.are.equal(1, grew("label:census"))
    assert.are.equal(1, grew("type:function"))
    assert.is_true(grew("type:table") >= 3, "the list, the named table and its metatable")
    assert.are.equal(1, grew("type:userdata"))
  end)

  it("counts what is reachable: garbage is not live (collector-dependent)", function()
    helper.gc_stopped(function()
      -- Made in a coroutine that ends: no stale register of this frame can hold it.
      coroutine.wrap(function() return { setmetatable({}, { __name = "Garbage" }) } end)()
      assert.is_nil(rcprobe.census()["name:Garbage"])
    end)
  end)

  it("counts labels alone without a heap walk when asked", function()
    _G.rcprobe_census = rcprobe.new(nil, { label = "labelled" })
    local counts = rcprobe.census({ heap = false })
    assert.are.equal(1, counts["label:labelled"])
    assert.is_nil(counts["type:table"])
  end)

  it("refuses options it does not know, and values of the wrong type", function()
    assert.has_error(function() rcprobe.census(1) end, "bad argument #1 to 'census' (table expected, got number)")
    assert.has_error(function() rcprobe.census({ deep = true }) end,
      "bad argument #1 to 'census' (unknown option 'deep')")
    assert.has_error(function() rcprobe.census({ heap = 1 }) end,
      "bad argument #1 to 'census' (option 'heap': boolean expected, got number)")
    assert.are.equal(helper.lines_of_error(function() rcprobe.census(1) end))
  end)
end)

describe("growth()", function()
  after_each(function()
    for _, name in ipairs(GLOBALS) do _G[name] = nil end
  end)

  it("calls a cache that keeps one more entry per call a leak, naming its key and paths", function()
    _G.rcprobe_cache = {}
    local function remember() _G.rcprobe_cache[#_G.rcprobe_cache + 1] = rcprobe.new(nil, { label = "entry" }) end
    local result = rcprobe.growth(remember)
    assert.is_true(result.grows)
    assert.is_true(helper.contains(result.grown, "label:entry"))
    assert.are.same({ 1, 1, 1, 1, 1 }, result.changes["label:entry"])
    assert.are.same({ warmup = 2, runs = 5 }, { warmup = result.warmup, runs = result.runs })
    assert.is_true(helper.contains(result.paths["name:Probe"], "_G.rcprobe_cache[7]"))
  end)

  it("does not call a cache filled once a leak: only every counted run growing is growth", function()
    _G.rcprobe_cache = {}
    local function fill_once()
      if not _G.rcprobe_cache.full then
        for i = 1, 10 do _G.rcprobe_cache[i] = rcprobe.new(nil, { label = "entry" }) end
        _G.rcprobe_cache.full = true
      end
    end
    local result = rcprobe.growth(fill_once)
    assert.is_false(result.grows)
    assert.are.same({}, result.grown)
    assert.is_nil(result.changes["label:entry"])
  end)

  it("does not call growth in some runs only a leak", function()
    _G.rcprobe_cache = {}
    local n = 0
    local function every_other()
      n = n + 1
      if n % 2 == 0 then _G.rcprobe_cache[#_G.rcprobe_cache + 1] = {} end
    end
    local result = rcprobe.growth(every_other, { warmup = 0, runs = 4, heap = true })
    assert.is_false(result.grows)
  end)

  it("raises fn's own error unchanged", function()
    local raised = {}
    local ok, err = pcall(rcprobe.growth, function() error(raised) end)
    assert.is_false(ok)
    assert.are.equal(raised, err)
  end)

  it("refuses what is not callable, unknown options, and counts that are not integers", function()
    local f = function() end
    assert.has_error(function() rcprobe.growth(1) end, "bad argument #1 to 'growth' (function expected, got number)")
    assert.has_error(function() rcprobe.growth(f, { run = 2 }) end,
      "bad argument #2 to 'growth' (unknown option 'run')")
    assert.has_error(function() rcprobe.growth(f, { runs = 0 }) end,
      "bad argument #2 to 'growth' (option 'runs': positive integer expected, got 0)")
    assert.has_error(function() rcprobe.growth(f, { warmup = -1 }) end,
      "bad argument #2 to 'growth' (option 'warmup': non-negative integer expected, got -1)")
    assert.has_error(function() rcprobe.growth(f, { warmup = 1.5 }) end,
      "bad argument #2 to 'growth' (option 'warmup': non-negative integer expected, got 1.5)")
    assert.are.equal(helper.lines_of_error(function() rcprobe.growth(1) end))
    assert.are.equal(helper.lines_of_error(function() rcprobe.growth(f, { run = 2 }) end))
  end)
end)
