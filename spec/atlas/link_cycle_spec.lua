-- Atlas: a cycle back to the handle, through Rust (`link`) or Lua (`attach`).
-- The cases are in spec/atlas/scenarios/link_cycle.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("link_cycle")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
