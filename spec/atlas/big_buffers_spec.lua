-- Atlas: big Rust-side buffers that Lua's collector cannot see.
-- The cases are in spec/atlas/scenarios/big_buffers.lua, shared with `make atlas` (docs/atlas.md).
-- They run in a new process: their words depend on the Lua heap they start from (its size,
-- and how much of it a collection cycle must traverse), and in this one that is whatever the
-- specs that ran before left alive.
local scenario = require("spec.atlas.specs").load("big_buffers", { new_process = true })

describe(scenario.title, function()
  for _, check in ipairs(scenario.checks) do
    it(check.name, function()
      assert.are.equal(check.expected, check.measure())
    end)
  end
end)
