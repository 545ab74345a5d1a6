-- What the busted spec of one atlas scenario checks: each case, on the running Lua and in
-- each of its collector modes, must measure the words its row of docs/atlas.md shows.

local rcprobe = require("rcprobe")
local atlas = require("spec.atlas.atlas")
local lab = require("spec.atlas.lab")

local specs = {}

--- Scenario `name` (spec/atlas/scenarios/<name>.lua) as busted describes it: `title`, and
--- one check per case and column of the running Lua, each with a `name` for `it`, the
--- `expected` words and a `measure` function that returns the measured ones.
function specs.load(name)
  local scenario = atlas.scenario(name)
  local checks = {}
  for _, case in ipairs(scenario.cases) do
    for _, column in ipairs(atlas.columns_of(rcprobe.LUA)) do
      local expected = case.cells[column.key]
      checks[#checks + 1] = {
        name = ("%s. %s, on %s (collector-dependent): %s"):format(case.row, case.name, column.title,
          expected),
        expected = expected,
        measure = function() return lab.run(case, column) end,
      }
    end
  end
  return { title = ("atlas %d: %s"):format(scenario.number, scenario.title), checks = checks }
end

return specs
