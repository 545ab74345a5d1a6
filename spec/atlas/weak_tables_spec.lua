-- Atlas: a handle in weak-valued, weak-keyed and ephemeron tables.
-- The cases are in spec/atlas/scenarios/weak_tables.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("weak_tables")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
