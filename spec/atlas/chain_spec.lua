-- Atlas: a chain of objects, each holding the next handle.
-- The cases are in spec/atlas/scenarios/chain.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("chain")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
