local rcprobe = require("rcprobe")

describe("info()", function()
  it("describes a live object: id, label, counts, holds and link", function()
    local p = rcprobe.new(nil, { label = "described" })
    local w = p:downgrade()
    rcprobe.hold(p)
    p:link(true)
    local expected = { id = p:id(), kind = "probe", label = "described", strong = 2, weak = 1, held = 1,
      linked = true, alive = true }
    assert.are.same(expected, rcprobe.info(p))
    assert.are.same(expected, rcprobe.info(w))
    assert.are.same(expected, rcprobe.info(p:id()))
    rcprobe.release(p)
    p:unlink()
  end)

  it("describes a dropped object with zeros, and the label only a Probe still knows", function()
    local p = rcprobe.new(nil, { label = "gone" })
    local w = p:downgrade()
    p:close()
    local dropped = { id = p:id(), kind = "probe", strong = 0, weak = 0, held = 0, linked = false, alive = false }
    assert.are.same(dropped, rcprobe.info(w))
    assert.are.same(dropped, rcprobe.info(p:id()))
    dropped.label = "gone"
    assert.are.same(dropped, rcprobe.info(p))
  end)

  it("refuses what strong_count() refuses", function()
    assert.has_error(function() rcprobe.info("x") end,
      "bad argument #1 to 'info' (Probe, WeakProbe or id expected, got string)")
  end)
end)

describe("links()", function()
  it("returns a new table of every link by object id", function()
    local a, b = rcprobe.new(), rcprobe.new()
    local target = {}
    a:link(target)
    b:link("text")
    local links = rcprobe.links()
    assert.are.equal(target, links[a:id()])
    assert.are.equal("text", links[b:id()])
    links[a:id()] = nil
    assert.are.equal(target, rcprobe.links()[a:id()])
    a:unlink()
    b:close()
    assert.is_nil(rcprobe.links()[a:id()])
    assert.is_nil(rcprobe.links()[b:id()])
  end)
end)
