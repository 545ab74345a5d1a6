-- What the busted spec of one atlas scenario checks: each case, on the running Lua and in
-- each of its collector modes, must measure the words its row of docs/atlas.md shows.

local rcprobe = require("rcprobe")
local atlas = require("spec.atlas.atlas")
local lab = require("spec.atlas.lab")
local helper = require("spec.helper")

local specs = {}

-- Measures every case of scenario `name` in a new process of the interpreter running the
-- specs, with the same module paths; returns `words[row][column key]`.
local function measured_in_new_process(name)
  local script = os.tmpname()
  local file = assert(io.open(script, "w"))
  file:write(("package.path, package.cpath = %q, %q\n"):format(package.path, package.cpath), [[
local atlas = require("spec.atlas.atlas")
local lab = require("spec.atlas.lab")
for _, result in ipairs(atlas.measure(lab, atlas.scenario(]], ("%q"):format(name), [[))) do
  io.write(result.row, "\t", result.column, "\t", result.measured, "\n")
end
]])
  file:close()
  local pipe = assert(io.popen(("%s %s 2>&1"):format(helper.interpreter(), script)))
  local output = pipe:read("*a")
  pipe:close()
  os.remove(script)
  local words = {}
  for row, column, measured in output:gmatch("([^\t\n]+)\t([^\t\n]+)\t([^\n]*)") do
    words[row] = words[row] or {}
    words[row][column] = measured
  end
  return words, output
end

--- Scenario `name` (spec/atlas/scenarios/<name>.lua) as busted describes it: `title`, and
--- one check per case and column of the running Lua, each with a `name` for `it`, the
--- `expected` words and a `measure` function that returns the measured ones.
---
--- With `opts.new_process`, the cases are measured (all at once, at the first `measure`) in
--- a new process of the same interpreter, as `make atlas` measures them: for a scenario whose
--- words depend on the size and make-up of the Lua heap, which in busted's process is
--- whatever the specs that ran before left alive.
function specs.load(name, opts)
  local scenario = atlas.scenario(name)
  local checks = {}
  local measured, output
  local function measure_in_new_process(case, column)
    if not measured then measured, output = measured_in_new_process(name) end
    local words = measured[case.row] and measured[case.row][column.key]
    return words or ("not measured; the new process printed:\n" .. output)
  end
  for _, case in ipairs(scenario.cases) do
    for _, column in ipairs(atlas.columns_of(rcprobe.LUA)) do
      local expected = case.cells[column.key]
      checks[#checks + 1] = {
        name = ("%s. %s, on %s (collector-dependent): %s"):format(case.row, case.name, column.title,
          expected),
        expected = expected,
        measure = function()
          if opts and opts.new_process then return measure_in_new_process(case, column) end
          return lab.run(case, column)
        end,
      }
    end
  end
  return { title = ("atlas %d: %s"):format(scenario.number, scenario.title), checks = checks }
end

return specs
