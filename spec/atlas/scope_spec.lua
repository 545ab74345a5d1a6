-- Atlas: a handle that goes out of scope, and one in a live local.
-- The cases are in spec/atlas/scenarios/scope.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("scope")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
