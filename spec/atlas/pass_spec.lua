-- Atlas: a clone passed to a Lua function (`pass`), and a loan (`lend`).
-- The cases are in spec/atlas/scenarios/pass.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("pass")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
