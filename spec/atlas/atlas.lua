-- The atlas: its scenarios in order, its columns, the cell each case expects in each column,
-- and docs/atlas.md rendered from them.
--
-- A scenario is a module spec/atlas/scenarios/<name>.lua returning
--   { title = "...", cases = { { name = "...", measure = function(rcprobe, lab) ... end,
--                                expected = { ["5.1 JIT"] = "words", ["*"] = "words" } }, ... },
--     notes = "markdown, optional" }
-- `measure` returns the outcome in a few words; `expected` names columns by their keys below,
-- several to a key, "*" for every column not named. The specs (spec/atlas/*_spec.lua) assert
-- that each case measures what it expects on the running Lua, tests/atlas.rs does the same on
-- a vendored Lua 5.5, and `make atlas` checks every column before it writes docs/atlas.md.

local atlas = {}

--- The scenarios, in the order of the atlas.
atlas.SCENARIOS = {
  "pass", "scope", "upvalue", "coroutine", "weak_tables", "holds", "link_cycle", "chain",
  "resurrection", "error", "close", "stopped", "steps", "big_buffers",
}

--- The columns: one per Lua, and one per collector mode where a Lua has two.
atlas.COLUMNS = {
  { key = "5.1", lua = "Lua 5.1", title = "Lua 5.1" },
  { key = "5.2", lua = "Lua 5.2", title = "Lua 5.2" },
  { key = "5.3", lua = "Lua 5.3", title = "Lua 5.3" },
  { key = "5.4i", lua = "Lua 5.4", mode = "incremental", title = "Lua 5.4 incremental" },
  { key = "5.4g", lua = "Lua 5.4", mode = "generational", title = "Lua 5.4 generational" },
  { key = "5.5i", lua = "Lua 5.5", mode = "incremental", title = "Lua 5.5 incremental" },
  { key = "5.5g", lua = "Lua 5.5", mode = "generational", title = "Lua 5.5 generational" },
  { key = "JIT", lua = "LuaJIT", title = "LuaJIT 2.1" },
}

local column_by_key = {}
for _, column in ipairs(atlas.COLUMNS) do column_by_key[column.key] = column end

--- The columns that `lua` ("Lua 5.4", "LuaJIT", ...) measures.
function atlas.columns_of(lua)
  local columns = {}
  for _, column in ipairs(atlas.COLUMNS) do
    if column.lua == lua then columns[#columns + 1] = column end
  end
  return columns
end

--- The column with this key.
function atlas.column(key)
  return assert(column_by_key[key], "no atlas column " .. tostring(key))
end

-- `expected` spread out to one cell per column key; raises on a key that names no column,
-- a column named twice, a column left without a cell, or words that would break the table.
local function cells_of(name, expected)
  local cells, rest = {}, nil
  for keys, words in pairs(expected) do
    assert(type(words) == "string" and words ~= "" and not words:find("[|\n]"),
      name .. ": a cell must be a few words on one line, without '|'")
    for key in keys:gmatch("%S+") do
      if key == "*" then
        rest = words
      else
        assert(column_by_key[key], name .. ": no atlas column " .. key)
        assert(not cells[key], name .. ": column " .. key .. " has two cells")
        cells[key] = words
      end
    end
  end
  for _, column in ipairs(atlas.COLUMNS) do
    cells[column.key] = cells[column.key] or rest
    assert(cells[column.key], name .. ": no cell for column " .. column.key)
  end
  return cells
end

--- The scenario `name`, with a number, each case with its row label (e.g. "4b") and its
--- cells by column key.
function atlas.scenario(name)
  local number
  for i, listed in ipairs(atlas.SCENARIOS) do
    if listed == name then number = i end
  end
  assert(number, "no atlas scenario " .. name)
  local scenario = require("spec.atlas.scenarios." .. name)
  scenario.name, scenario.number = name, number
  for i, case in ipairs(scenario.cases) do
    case.row = #scenario.cases == 1 and tostring(number) or number .. string.char(96 + i)
    case.cells = cells_of(name .. " " .. case.row, case.expected)
  end
  return scenario
end

--- Every scenario, in order.
function atlas.scenarios()
  local scenarios = {}
  for i, name in ipairs(atlas.SCENARIOS) do scenarios[i] = atlas.scenario(name) end
  return scenarios
end

--- Measures every case of `scenario` (from `atlas.scenario`) in every column of the running
--- Lua with `lab`, and appends to `results` (default: a new list) one
--- `{row, column, measured, expected}` per cell (`measured` is "error: ..." on one line if
--- the case raised). Returns `results`.
function atlas.measure(lab, scenario, results)
  results = results or {}
  for _, case in ipairs(scenario.cases) do
    for _, column in ipairs(atlas.columns_of(lab.LUA)) do
      local ok, words = pcall(lab.run, case, column)
      results[#results + 1] = {
        row = case.row,
        column = column.key,
        measured = ok and words or ("error: " .. tostring(words)):gsub("%s+", " "),
        expected = case.cells[column.key],
      }
    end
  end
  return results
end

--- `atlas.measure` for every scenario, in order, in one list.
function atlas.measure_all(lab)
  local results = {}
  for _, scenario in ipairs(atlas.scenarios()) do atlas.measure(lab, scenario, results) end
  return results
end

local INTRO = [[
# The rcprobe atlas: when does a Rust `Rc` count drop?

Generated by `make atlas` from `spec/atlas/scenarios/`: do not edit by hand. Each cell is
what that Lua measured, and a spec asserts it: `spec/atlas/<scenario>_spec.lua` under the
stock interpreters (Debian 12's `lua5.1`, `lua5.2`, `lua5.3`, `lua5.4` and `luajit`, with
busted), and `tests/atlas.rs` for Lua 5.5, which has no stock interpreter here: there the
same scenario files run on mlua's vendored Lua 5.5. Lua 5.4 and 5.5 are measured in both
collector modes: the `lua5.4` interpreter (and so busted) starts in generational mode, a new
Lua 5.5 state in incremental mode.

Each case runs with the collector stopped, so that only the collections it asks for happen.
A cell says how many full collections (`collectgarbage()`) it took until the Rust object was
dropped (its strong count fell to 0): "1 collection", "at once" (no collection needed), or
"never" (not within 10 collections), unless it says otherwise. A handle is a Probe: a Lua
userdata that owns one strong reference. The notes below the table say why, and what to do.
]]

-- One table row: `| a | b | c |`.
local function row(cells)
  return "| " .. table.concat(cells, " | ") .. " |\n"
end

--- docs/atlas.md for these scenarios, with `cells[row][column key]` in the table (default:
--- the cells the scenarios expect).
function atlas.render(scenarios, cells)
  local out = { INTRO, "\n" }
  local header, rule = { "Scenario" }, { "---" }
  for _, column in ipairs(atlas.COLUMNS) do
    header[#header + 1] = column.title
    rule[#rule + 1] = "---"
  end
  out[#out + 1] = row(header)
  out[#out + 1] = row(rule)
  for _, scenario in ipairs(scenarios) do
    for _, case in ipairs(scenario.cases) do
      local line = { ("%s. %s: %s"):format(case.row, scenario.title, case.name) }
      for _, column in ipairs(atlas.COLUMNS) do
        local measured = cells and cells[case.row] and cells[case.row][column.key]
        line[#line + 1] = measured or case.cells[column.key]
      end
      out[#out + 1] = row(line)
    end
  end
  out[#out + 1] = "\n## Notes\n"
  for _, scenario in ipairs(scenarios) do
    if scenario.notes then
      out[#out + 1] = ("\n### %d. %s\n\n%s"):format(scenario.number, scenario.title, scenario.notes)
    end
  end
  return table.concat(out)
end

--- The path of the generated file, relative to the repository.
atlas.DOC = "docs/atlas.md"

return atlas
