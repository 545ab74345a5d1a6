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
      if n == cycle_end then return "the step that ends the cycle" end
      if cycle_end then return "a step after the cycle ended" end
      if n == 1 then return "the 1st step" end
      return "a step before the cycle ends"
    end
    if cycles == 2 then return "never: 2 cycles of steps ended" end
  end
  return ("never in %d steps (no cycle ends)"):format(PATIENCE)
end

return {
  title = "Collector steps",
  cases = {
    {
      name = "a young garbage handle: basic steps (`collectgarbage(\"step\")`) until dropped",
      measure = function(rcprobe, lab)
        local id = lab.throwaway()
        return steps_to_drop(rcprobe, id)
      end,
      expected = {
        ["5.2 5.3"] = "a step before the cycle ends",
        ["5.4g 5.5g"] = "the 1st step",
        ["*"] = "the step that ends the cycle",
      },
    },
    {
      name = "an old handle (it lived through 2 full collections, then became garbage): basic steps",
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
        ["5.2 5.3"] = "a step before the cycle ends",
        ["5.4g 5.5g"] = "never in 10000 steps (no cycle ends)",
        ["*"] = "the step that ends the cycle",
      },
    },
  },
  notes = [[
In incremental mode an object goes when the collector's cycle reaches it, and how many basic
steps a cycle takes depends on the size of the Lua heap, so the cells say where in the cycle
it happens (`collectgarbage("step")` returns true at the step that ends a cycle). In
generational mode (5.4, 5.5) a basic step is a minor collection: it frees young garbage at
once, but never an old object, and steps alone never start the major collection that would,
as long as the heap does not grow. After a full collection everything alive is old: an
object that lived through one and then became garbage waits for the next `collectgarbage()`.
]],
}
