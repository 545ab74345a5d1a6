local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- A chain of `n` objects where each links the only handle of the next one, and the head is
-- garbage: each dropped object releases its link, so each link costs one more collection.
local function chain(n)
  local ids = {}
  local next_probe
  for i = n, 1, -1 do
    local p = rcprobe.new(nil, { label = "chain" })
    ids[i] = p:id()
    if next_probe then p:link(next_probe) end
    next_probe = p
  end
  return ids
end

describe("full_gc()", function()
  it("runs at least two cycles, even when the first frees nothing, and returns how many", function()
    rcprobe.full_gc()
    assert.is_true(rcprobe.full_gc() >= 2)
    assert.is_true(rcprobe.full_gc(2) == 2)
  end)

  it("runs exactly one cycle when max is 1", function()
    assert.are.equal(1, rcprobe.full_gc(1))
  end)

  it("never runs more than max cycles", function()
    chain(10)
    assert.are.equal(3, rcprobe.full_gc(3))
    rcprobe.full_gc()
  end)

  it("frees plain garbage", function()
    local id = helper.throwaway()
    rcprobe.full_gc()
    assert.is_false(rcprobe.is_alive(id))
  end)

  it("frees a chain of Rust-held links, one collection per link", function()
    local ids = chain(5)
    local cycles = rcprobe.full_gc()
    for _, id in ipairs(ids) do assert.is_false(rcprobe.is_alive(id)) end
    assert.is_true(cycles >= 5, "expected at least one cycle per link, got " .. cycles)
  end)

  it("leaves what is still referenced alone", function()
    local p = rcprobe.new()
    rcprobe.full_gc()
    assert.is_true(rcprobe.is_alive(p))
  end)

  it("refuses a max that is not a positive integer", function()
    assert.has_error(function() rcprobe.full_gc(0) end,
      "bad argument #1 to 'full_gc' (max must be a positive integer, got 0)")
    assert.has_error(function() rcprobe.full_gc(-2) end,
      "bad argument #1 to 'full_gc' (max must be a positive integer, got -2)")
    assert.has_error(function() rcprobe.full_gc(2.5) end,
      "bad argument #1 to 'full_gc' (number has no integer representation)")
    assert.has_error(function() rcprobe.full_gc("3") end,
      "bad argument #1 to 'full_gc' (number expected, got string)")
  end)
end)
