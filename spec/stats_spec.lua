local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- Each test uses a label of its own, so that other specs' objects do not show.
local label_count = 0
local function fresh_label()
  label_count = label_count + 1
  return ("stats-spec-%d-%d"):format(label_count, os.time())
end

describe("stats()", function()
  it("counts objects created, dropped and alive for a label", function()
    local label = fresh_label()
    local a = rcprobe.new(nil, { label = label })
    local b = rcprobe.new(nil, { label = label })
    b:close()
    assert.are.same({ created = 2, dropped = 1, alive = 1, peak = 2, bytes = 0 }, rcprobe.stats(label))
    a:close()
    assert.are.same({ created = 2, dropped = 2, alive = 0, peak = 2, bytes = 0 }, rcprobe.stats(label))
  end)

  it("remembers the most objects alive at once as peak", function()
    local label = fresh_label()
    for _ = 1, 3 do
      local p = rcprobe.new(nil, { label = label })
      local q = rcprobe.new(nil, { label = label })
      p:close(); q:close()
    end
    assert.are.equal(2, rcprobe.stats(label).peak)
    assert.are.equal(6, rcprobe.stats(label).created)
  end)

  it("adds up the Rust-side bytes of live objects", function()
    local label = fresh_label()
    local a = rcprobe.new(nil, { label = label, bytes = 100 })
    local b = rcprobe.new(nil, { label = label, bytes = 28 })
    assert.are.equal(128, rcprobe.stats(label).bytes)
    a:close()
    assert.are.equal(28, rcprobe.stats(label).bytes)
    b:close()
  end)

  it("reports zeros for a label never used", function()
    assert.are.same({ created = 0, dropped = 0, alive = 0, peak = 0, bytes = 0 }, rcprobe.stats(fresh_label()))
  end)

  it("sums every label without an argument", function()
    helper.gc_stopped(function() -- other specs' garbage must not go in between
      local before = rcprobe.stats()
      local p = rcprobe.new(nil, { label = fresh_label(), bytes = 10 })
      local q = rcprobe.new()
      local after = rcprobe.stats()
      assert.are.equal(before.created + 2, after.created)
      assert.are.equal(before.alive + 2, after.alive)
      assert.are.equal(before.bytes + 10, after.bytes)
      assert.are.equal(after.created - after.dropped, after.alive)
      p:close(); q:close()
      assert.are.equal(before.alive, rcprobe.stats().alive)
    end)
  end)

  it("sees a collected object as dropped (collector-dependent)", function()
    local label = fresh_label()
    helper.throwaway(nil, { label = label })
    helper.collect()
    assert.are.same({ created = 1, dropped = 1, alive = 0, peak = 1, bytes = 0 }, rcprobe.stats(label))
  end)

  it("refuses a label that is not a string", function()
    assert.has_error(function() rcprobe.stats(1) end, "bad argument #1 to 'stats' (string expected, got number)")
  end)
end)

describe("live()", function()
  it("lists the ids of live objects with a label, ascending", function()
    local label = fresh_label()
    local a = rcprobe.new(nil, { label = label })
    local b = rcprobe.new(nil, { label = label })
    local c = rcprobe.new(nil, { label = label })
    b:close()
    assert.are.same({ a:id(), c:id() }, rcprobe.live(label))
    assert.are.same({}, rcprobe.live(fresh_label()))
  end)

  it("lists every live object without an argument, ascending", function()
    local p = rcprobe.new()
    local ids, alive
    helper.gc_stopped(function() ids, alive = rcprobe.live(), rcprobe.stats().alive end)
    assert.are.equal(alive, #ids)
    for i = 2, #ids do assert.is_true(ids[i - 1] < ids[i]) end
    assert.are.equal(p:id(), ids[#ids])
  end)

  it("includes objects kept only by a hold, and not dropped ones", function()
    local label = fresh_label()
    local p = rcprobe.new(nil, { label = label })
    local id = p:id()
    rcprobe.hold(p)
    p:close()
    assert.are.same({ id }, rcprobe.live(label))
    rcprobe.release(id)
    assert.are.same({}, rcprobe.live(label))
  end)

  it("refuses a label that is not a string", function()
    assert.has_error(function() rcprobe.live({}) end, "bad argument #1 to 'live' (string expected, got table)")
  end)
end)
