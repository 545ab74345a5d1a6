-- Scenario 13: `collectgarbage("step")` instead of full collections: how many basic steps
-- until the count drops, in each collector mode, for a young and for an old handle.

-- Steps a case tries before it calls an object "never" dropped; it also stops once two
-- cycles have ended (a step that returns true ends one).
local PATIENCE = 10000

-- One basic step; keeps the collector stopped (a step restarts it on 5.1 and LuaJIT).
-- Returns whether the step finished a cycle.
local function step()
  local finished = collectgarbage("step")
  collectgarbage("stop")
  return finished
end

-- Steps until object `id` is dropped; the words say when, relative to the end of the
-- first cycle (the first step that returns true), which comes after more steps on a
-- bigger heap.
local function steps_to_drop(rcprobe, id)
  local cycle_end, cycles = nil, 0
  for n = 1, PATIENCE do
    if step() then
      cycles = cycles + 1
      cycle_end = cycle_end or n
    end
    if not rcprobe.is_alive(id) then
      if n == cycle_end then return "dropped by the step that ends the cycle" end
      if cycle_end then return "dropped after the cycle ended" end
      if n == 1 then return "dropped by the 1st step" end
      return "dropped before the cycle ended"
    end
    if cycles == 2 then return "never: 2 cycles of steps ended" end
  end
  return ("never in %d steps, no cycle ended"):format(PATIENCE)
end

return {
  title = "Collector steps",
  cases = {
    {
      name = "a new handle, garbage: `collectgarbage(\"step\")` until dropped",
      measure = function(rcprobe, lab)
        return steps_to_drop(rcprobe, lab.throwaway())
      end,
      expected = {
        ["5.2 5.3"] = "dropped before the cycle ended",
        ["5.4g 5.5g"] = "dropped by the 1st step",
        ["*"] = "dropped by the step that ends the cycle",
      },
    },
    {
      name = "a handle that survived 2 full collections, then garbage: steps until dropped",
      measure = function(rcprobe, lab)
        local keep = {}
        local function make()
          local p = rcprobe.new()
          keep.p = p
          return p:id()
        end
        local id = make()
        lab.collect()
        lab.collect()
        assert(keep.p:strong_count() == 1, "the handle survived both collections")
        keep.p = nil
        local words = steps_to_drop(rcprobe, id)
        lab.collect()
        return words
      end,
      expected = {
        ["5.2 5.3"] = "dropped before the cycle ended",
        ["5.4g 5.5g"] = "never in 10000 steps, no cycle ended",
        ["*"] = "dropped by the step that ends the cycle",
      },
    },
  },
}
