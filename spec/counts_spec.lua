local rcprobe = require("rcprobe")
local helper = require("spec.helper")

describe("strong_count(), weak_count() and is_alive()", function()
  it("accept a Probe, a WeakProbe or an id and agree", function()
    local p = rcprobe.new()
    local q = p:clone()
    local w = p:downgrade()
    for _, x in ipairs({ p, q, w, p:id() }) do
      assert.are.equal(2, rcprobe.strong_count(x))
      assert.are.equal(1, rcprobe.weak_count(x))
      assert.is_true(rcprobe.is_alive(x))
    end
  end)

  it("accept an id given as a float with an integer value", function()
    local p = rcprobe.new()
    assert.are.equal(1, rcprobe.strong_count(p:id() + 0.0))
  end)

  it("never change a count by asking", function()
    local p = rcprobe.new()
    local w = p:downgrade()
    helper.gc_stopped(function()
      for _ = 1, 100 do
        rcprobe.strong_count(p); rcprobe.weak_count(w); rcprobe.is_alive(p:id())
        p:strong_count(); w:weak_count(); tostring(p); tostring(w)
      end
      assert.are.equal(1, rcprobe.strong_count(p))
      assert.are.equal(1, rcprobe.weak_count(p))
    end)
  end)

  it("do not count rcprobe's own bookkeeping", function()
    -- rcprobe keeps a Weak to every live object to find it by id; it never shows.
    local p = rcprobe.new()
    assert.are.equal(0, rcprobe.weak_count(p:id()))
    local w = p:downgrade()
    assert.are.equal(1, rcprobe.weak_count(p:id()))
    assert.are.equal(1, w:weak_count())
  end)

  it("read 0 and 0 for a dropped object", function()
    local p = rcprobe.new()
    local w = p:downgrade()
    local id = p:id()
    p:close()
    assert.are.equal(0, rcprobe.strong_count(id))
    assert.are.equal(0, rcprobe.weak_count(id))
    assert.are.equal(0, rcprobe.weak_count(w))
    assert.is_false(rcprobe.is_alive(id))
    assert.is_false(rcprobe.is_alive(w))
  end)

  it("count a closed Probe's object through its id", function()
    local p = rcprobe.new()
    local q = p:clone()
    q:close()
    assert.are.equal(1, rcprobe.strong_count(q))
    assert.is_true(rcprobe.is_alive(q))
  end)

  describe("refuse", function()
    it("ids this state never issued", function()
      local next_id = rcprobe.new():id() + 1
      for _, name in ipairs({ "strong_count", "weak_count", "is_alive" }) do
        assert.has_error(function() rcprobe[name](next_id) end,
          ("bad argument #1 to '%s' (no object #%d in this Lua state)"):format(name, next_id))
        assert.has_error(function() rcprobe[name](0) end,
          ("bad argument #1 to '%s' (no object #0 in this Lua state)"):format(name))
        assert.has_error(function() rcprobe[name](-3) end,
          ("bad argument #1 to '%s' (no object #-3 in this Lua state)"):format(name))
      end
    end)

    it("ids with a fraction", function()
      assert.has_error(function() rcprobe.strong_count(1.5) end,
        "bad argument #1 to 'strong_count' (number has no integer representation)")
    end)

    it("anything else", function()
      local expected = "bad argument #1 to 'weak_count' (Probe, WeakProbe or id expected, got %s)"
      assert.has_error(function() rcprobe.weak_count() end, expected:format("nil"))
      assert.has_error(function() rcprobe.weak_count("1") end, expected:format("string"))
      assert.has_error(function() rcprobe.weak_count({}) end, expected:format("table"))
    end)
  end)
end)

describe("id_of()", function()
  it("gives the id of a Probe, a closed Probe and a WeakProbe", function()
    local p = rcprobe.new()
    local w = p:downgrade()
    local id = p:id()
    assert.are.equal(id, rcprobe.id_of(p))
    assert.are.equal(id, rcprobe.id_of(w))
    p:close()
    assert.are.equal(id, rcprobe.id_of(p))
  end)

  it("returns nil for anything else and never raises", function()
    for _, v in ipairs({ 1, "1", {}, print, io.stdout, true }) do
      assert.is_nil(rcprobe.id_of(v))
    end
    assert.is_nil(rcprobe.id_of())
  end)
end)
