-- The atlas generator's two halves (tools/atlas.sh runs them; see docs/atlas.md):
--
--   <lua> tools/atlas.lua measure           every case in the columns of this Lua, as lines
--                                           "row<TAB>column<TAB>words" (needs its rock)
--   <lua> tools/atlas.lua write FILE TSV...  checks that the measured cells cover every
--                                           column and match the scenarios, then writes FILE
--
-- Run from the repository root, so that `require("spec.atlas.atlas")` finds the scenarios.

local atlas = require("spec.atlas.atlas")

local function measure()
  local lab = require("spec.atlas.lab")
  for _, result in ipairs(atlas.measure_all(lab)) do
    io.write(result.row, "\t", result.column, "\t", result.measured, "\n")
  end
end

-- `cells[row][column]` from the TSV files.
local function read_cells(paths)
  local cells = {}
  for _, path in ipairs(paths) do
    for line in io.lines(path) do
      local row, column, words = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
      assert(row, path .. ": not a cell: " .. line)
      cells[row] = cells[row] or {}
      assert(not cells[row][column], ("%s: cell %s/%s measured twice"):format(path, row, column))
      cells[row][column] = words
    end
  end
  return cells
end

local function write(file, paths)
  local scenarios = atlas.scenarios()
  local cells = read_cells(paths)
  local problems = {}
  for _, scenario in ipairs(scenarios) do
    for _, case in ipairs(scenario.cases) do
      for _, column in ipairs(atlas.COLUMNS) do
        local measured = cells[case.row] and cells[case.row][column.key]
        local expected = case.cells[column.key]
        if measured ~= expected then
          problems[#problems + 1] = ("  %s (%s) on %s:\n    measured: %s\n    expected: %s"):format(
            case.row, scenario.name, column.title, tostring(measured), expected)
        end
      end
    end
  end
  if #problems > 0 then
    io.stderr:write("atlas: ", file, " not written: measured cells differ from the scenarios\n",
      table.concat(problems, "\n"), "\n")
    os.exit(1)
  end
  local out = assert(io.open(file, "w"))
  out:write(atlas.render(scenarios, cells))
  out:close()
end

local command = arg[1]
if command == "measure" then
  measure()
elseif command == "write" and arg[2] and arg[3] then
  write(arg[2], { select(3, (unpack or table.unpack)(arg)) })
else
  io.stderr:write("usage: <lua> tools/atlas.lua measure | write FILE TSV...\n")
  os.exit(2)
end
