local rcprobe = require("rcprobe")

describe("leaks()", function()
  it("returns an empty list when fn leaves nothing alive", function()
    assert.are.same({}, rcprobe.leaks(function()
      local p = rcprobe.new()
      local q = p:clone()
      return p, q
    end))
  end)

  it("reports each object created during fn that is still alive", function()
    local keep = {}
    local leaks = rcprobe.leaks(function()
      keep[1] = rcprobe.new(nil, { label = "kept" })
      local _ = rcprobe.new(nil, { label = "dropped" })
    end)
    assert.are.same({
      { id = keep[1]:id(), kind = "probe", label = "kept", strong = 1, weak = 0, held = 0, linked = false },
    }, leaks)
  end)

  it("ignores objects created before fn ran", function()
    local before = rcprobe.new()
    assert.are.same({}, rcprobe.leaks(function() return before:clone() end))
  end)

  it("says which are held and which are linked from Rust", function()
    local cycle_weak
    local leaks = rcprobe.leaks(function()
      local held = rcprobe.new(nil, { label = "held" })
      rcprobe.hold(held)
      local cycle = rcprobe.new(nil, { label = "cycle" })
      cycle:link({ cycle })
      cycle_weak = cycle:downgrade()
    end)
    assert.are.same({
      { id = leaks[1].id, kind = "probe", label = "held", strong = 1, weak = 0, held = 1, linked = false },
      { id = cycle_weak:id(), kind = "probe", label = "cycle", strong = 1, weak = 1, held = 0, linked = true },
    }, leaks)
    rcprobe.release(leaks[1].id)
    cycle_weak:upgrade():unlink()
  end)

  it("passes its extra arguments to fn", function()
    local seen
    rcprobe.leaks(function(a, b) seen = a + b end, 2, 3)
    assert.are.equal(5, seen)
  end)

  it("raises fn's error unchanged", function()
    local raised = {}
    local ok, err = pcall(rcprobe.leaks, function() error(raised) end)
    assert.is_false(ok)
    assert.are.equal(raised, err)
  end)

  it("refuses something that cannot be called", function()
    assert.has_error(function() rcprobe.leaks(42) end, "bad argument #1 to 'leaks' (function expected, got number)")
  end)
end)
