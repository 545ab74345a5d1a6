-- Atlas: `collectgarbage("step")` in each collector mode.
-- The cases are in spec/atlas/scenarios/steps.lua, shared with `make atlas` (docs/atlas.md).
-- They run in a new process: how many steps a cycle takes grows with the Lua heap, and in
-- this one that is whatever the specs that ran before left alive (`busted --shuffle
-- --seed=1003` on Lua 5.2 ran them after specs that left no cycle ending in 10,000 steps).
local scenario = require("spec.atlas.specs").load("steps", { new_process = true })

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
