local rcprobe = require("rcprobe")
local helper = require("spec.helper")

-- Creates and collects `count` probes in batches of `batch`.
local function churn(count, batch)
  for _ = 1, count / batch do
    for _ = 1, batch do rcprobe.new() end
    collectgarbage()
  end
end

describe("the bookkeeping", function()
  -- #scale: tools/memcheck.sh leaves it out. Under valgrind its 1.2 million probes take
  -- minutes, and resident memory is valgrind's, not Lua's.
  it("holds live objects only: a million more probes add at most a few MiB #scale", function()
    local survivor = rcprobe.new() -- an old object must not pin the id table's memory
    churn(200000, 10000) -- warm-up: the allocator and Lua's heap reach their working size
    local before = helper.resident_bytes()
    churn(1000000, 10000)
    local growth = helper.resident_bytes() - before
    assert.is_true(growth < 4 * 1024 * 1024,
      ("resident memory grew by %.1f MiB"):format(growth / 1024 / 1024))
    assert.is_true(rcprobe.is_alive(survivor))
  end)

  it("forgets dropped objects: live() and stats() show only survivors", function()
    local label = "memory-spec"
    local keep = rcprobe.new(nil, { label = label })
    for _ = 1, 1000 do rcprobe.new(nil, { label = label }) end
    helper.collect()
    assert.are.same({ keep:id() }, rcprobe.live(label))
    assert.are.equal(1, rcprobe.stats(label).alive)
  end)
end)
