-- Scenario 14, the blind spot: objects that own a big Rust-side buffer (`opts.bytes`), made
-- in a loop with the collector running and no explicit collection. Lua paces its collector
-- by its own allocations, and sees only the small handle of each object.

local MiB = 1024 * 1024
local COUNT = 64 -- objects of 1 MiB each
-- The Lua heap every case starts from: big enough that the Lua allocations of the loop
-- (about 10 KiB) never reach the collector's threshold, so that the outcome is the same on
-- every run. The words also depend on what else the heap holds (how much of it a cycle must
-- traverse), so the cases must start from a new Lua state, as `make atlas` and
-- spec/atlas/big_buffers_spec.lua run them, not after other code grew the heap.
local HEAP_KIB = 4096

-- Fills the Lua heap up to HEAP_KIB with strings; returns them (keep them alive).
local function ballast()
  local strings = {}
  while collectgarbage("count") < HEAP_KIB do
    strings[#strings + 1] = ("%99d"):rep(10):format(#strings, 1, 2, 3, 4, 5, 6, 7, 8, 9)
  end
  return strings
end

-- Runs `body(new)` with the collector running, where `new()` makes an object of 1 MiB and
-- returns its handle; returns the Rust bytes held at the end, their peak after each `new`
-- (if `watch_peak`: `stats()` makes a table each time), the growth of Lua's heap in KiB,
-- and the heap in KiB at the start.
local function loop(rcprobe, body, watch_peak)
  local opts = { bytes = MiB }
  local peak = 0
  local function new()
    local p = rcprobe.new(nil, opts)
    if watch_peak then peak = math.max(peak, rcprobe.stats().bytes) end
    return p
  end
  local keep = ballast()
  collectgarbage()
  local heap = collectgarbage("count")
  collectgarbage("restart")
  body(new)
  collectgarbage("stop")
  local held, grown = rcprobe.stats().bytes, collectgarbage("count") - heap
  -- The ballast stayed alive until here, and there was one: the heap started under HEAP_KIB.
  assert(#keep > 0, ("the Lua heap was over %d KiB before the case: run it in a new Lua state"):format(HEAP_KIB))
  return held, peak, grown, heap
end

-- Makes COUNT garbage objects, each followed by `collectgarbage("step", n)`: the words for
-- the peak of Rust bytes held.
local function remedied_by_steps(rcprobe, n)
  local _, peak, _, heap = loop(rcprobe, function(new)
    for _ = 1, COUNT do
      new()
      collectgarbage("step", n)
    end
  end, true)
  if peak == MiB then return "peak 1 MiB: each step frees the last one" end
  if peak == COUNT * MiB then return ("peak %d MiB: the steps free nothing"):format(COUNT) end
  return ("peak %s 4x the Lua heap"):format(peak < 4 * 1024 * heap and "under" or "over")
end

return {
  title = "1 MiB Rust buffers, made in a loop with the collector running",
  cases = {
    {
      name = "64 garbage objects, no explicit collection: Rust bytes held vs `collectgarbage(\"count\")`",
      measure = function(rcprobe, lab)
        local resident
        local held, _, grown = loop(rcprobe, function(new)
          for _ = 1, COUNT do new() end
          resident = lab.resident_bytes()
        end)
        return ("all %d MiB held%s; Lua's count grew %s KiB"):format(
          held / MiB, resident >= held and " and resident" or "", grown < 16 and "< 16" or ">= 16")
      end,
      expected = { ["*"] = "all 64 MiB held and resident; Lua's count grew < 16 KiB" },
    },
    {
      name = "remedy: `p:close()` each object when done with it",
      measure = function(rcprobe)
        local held, peak = loop(rcprobe, function(new)
          for _ = 1, COUNT do new():close() end
        end, true)
        return ("peak %d MiB, %d MiB after the loop"):format(peak / MiB, held / MiB)
      end,
      expected = { ["*"] = "peak 1 MiB, 0 MiB after the loop" },
    },
    {
      name = "remedy: `collectgarbage(\"step\", n)` after each, n = the buffer in KiB (in bytes on 5.5)",
      measure = function(rcprobe, lab)
        local n = lab.LUA == "Lua 5.5" and MiB or MiB / 1024
        return remedied_by_steps(rcprobe, n)
      end,
      expected = {
        ["5.1 5.4g 5.5g JIT"] = "peak 1 MiB: each step frees the last one",
        ["*"] = "peak under 4x the Lua heap",
      },
    },
    {
      name = "the same, as written for 5.4: `collectgarbage(\"step\", 1024)` on every Lua",
      measure = function(rcprobe)
        return remedied_by_steps(rcprobe, 1024)
      end,
      expected = {
        ["5.1 5.4g JIT"] = "peak 1 MiB: each step frees the last one",
        ["5.5i"] = "peak over 4x the Lua heap",
        ["5.5g"] = "peak 64 MiB: the steps free nothing",
        ["*"] = "peak under 4x the Lua heap",
      },
    },
  },
  notes = [[
Lua decides when to collect from its own allocations, the ones `collectgarbage("count")`
reports, and it sees only the handle of each object, whatever Rust allocated behind it. With
a Lua heap of 4 MiB, 64 objects of 1 MiB each grew Lua's count by less than 16 KiB (under
256 bytes each), far from the growth that starts a collection, so none ran and all 64 MiB
stayed resident. Without a remedy, Rust memory grows over 4000 times faster than what the
collector paces itself by.

What to do, measured in rows 14b-14d:

- Release deterministically: `p:close()` when done, or `local p <close> = ...` on 5.4+. The
  Rust memory never waits for the collector (peak 1 MiB).
- Or tell the collector about the Rust bytes: after making an object that owns `n` bytes,
  call `collectgarbage("step", n / 1024)` on Lua 5.1-5.4 and LuaJIT, where the argument is
  in KiB, but `collectgarbage("step", n)` on Lua 5.5, where it is in bytes. The collector
  then paces itself as if Lua had allocated them: garbage goes at the next step in
  generational mode and on 5.1 and LuaJIT, and within the collector's pause (under 4x the Lua
  heap here) in incremental mode on 5.2-5.5. The same code written for 5.4,
  `collectgarbage("step", 1024)`, does almost nothing on 5.5: in generational mode it freed
  none of the 64 MiB.
- Or collect explicitly (`collectgarbage()`) where much Rust memory has become garbage.
]],
}
