-- Atlas: a stopped collector under allocation pressure.
-- The cases are in spec/atlas/scenarios/stopped.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("stopped")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
