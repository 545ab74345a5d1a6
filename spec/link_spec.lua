local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- A probe whose object links a table that holds the probe's only handle: a cycle through
-- Rust. Returns the WeakProbe to watch it.
local function cycle_through_link()
  local p = rcprobe.new(nil, { label = "cycle" })
  p:link({ p })
  return p:downgrade()
end

describe("link()", function()
  it("keeps the linked value alive from Rust", function()
    local weak_values = setmetatable({}, { __mode = "v" })
    local p = rcprobe.new()
    do
      local linked = { "linked" }
      weak_values[1] = linked
      p:link(linked)
    end
    helper.collect()
    assert.is_not_nil(weak_values[1])
  end)

  it("makes a cycle back to the probe that no collection frees (collector-dependent)", function()
    local w = cycle_through_link()
    helper.collect()
    rcprobe.full_gc()
    assert.is_true(w:is_alive())
    w:upgrade():unlink()
    rcprobe.full_gc()
    assert.is_false(w:is_alive())
  end)

  it("replaces an earlier link", function()
    local weak_values = setmetatable({}, { __mode = "v" })
    local p = rcprobe.new()
    local function link_new() local t = {}; weak_values[#weak_values + 1] = t; p:link(t) end
    link_new()
    link_new()
    helper.collect()
    assert.is_nil(weak_values[1])
    assert.is_not_nil(weak_values[2])
  end)

  it("is dropped with its object, so the value can go (collector-dependent)", function()
    local weak_values = setmetatable({}, { __mode = "v" })
    local p = rcprobe.new()
    do
      local linked = {}
      weak_values[1] = linked
      p:link(linked)
    end
    p:close()
    helper.collect()
    assert.is_nil(weak_values[1])
  end)

  it("refuses nil", function()
    local p = rcprobe.new()
    assert.has_error(function() p:link(nil) end, "bad argument #1 to 'link' (value expected)")
  end)
end)

describe("unlink()", function()
  it("returns whether there was a link to drop", function()
    local p = rcprobe.new()
    assert.is_false(p:unlink())
    p:link(true)
    assert.is_true(p:unlink())
    assert.is_false(p:unlink())
  end)
end)

describe("attach()", function()
  it("keeps the value alive as the probe's user value", function()
    local weak_values = setmetatable({}, { __mode = "v" })
    local p = rcprobe.new()
    do
      local attached = {}
      weak_values[1] = attached
      p:attach(attached)
    end
    helper.collect()
    assert.is_not_nil(weak_values[1])
    p:attach(nil)
    helper.collect()
    assert.is_nil(weak_values[1])
  end)

  it("makes a cycle the collector can see through, so it is freed (collector-dependent)", function()
    local function cycle_through_attach()
      local p = rcprobe.new()
      p:attach({ p })
      return p:downgrade()
    end
    local w = cycle_through_attach()
    helper.collect()
    assert.is_false(w:is_alive())
  end)
end)
