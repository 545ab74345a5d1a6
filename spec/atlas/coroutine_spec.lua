-- Atlas: coroutines holding a handle: suspended, finished, closed.
-- The cases are in spec/atlas/scenarios/coroutine.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("coroutine")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
