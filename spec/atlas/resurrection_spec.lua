-- Atlas: a finalizer that resurrects a handle.
-- The cases are in spec/atlas/scenarios/resurrection.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("resurrection")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
