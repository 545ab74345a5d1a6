-- Atlas: `collectgarbage("step")` in each collector mode.
-- The cases are in spec/atlas/scenarios/steps.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("steps")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
