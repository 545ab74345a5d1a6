-- Atlas: big Rust-side buffers that Lua's collector cannot see.
-- The cases are in spec/atlas/scenarios/big_buffers.lua, shared with `make atlas` (docs/atlas.md).
local scenario = require("spec.atlas.specs").load("big_buffers")

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
