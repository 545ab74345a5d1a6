-- The LuaLS annotations in types/ must name exactly what the modules have: an editor that
-- completes a name the module lacks, or misses one it has, is worse than none.

local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")

local read = require("spec.helper").read_file

-- Where `name` is found along a package.path-like `template` list (5.1 has no searchpath).
local function search(name, template)
  for pattern in template:gmatch("[^;]+") do
    local path = pattern:gsub("%?", (name:gsub("%.", "/")))
    local file = io.open(path, "rb")
    if file then
      file:close()
      return path
    end
  end
end

-- { [owner] = { [name] = true } } from `function owner.name(` and `function owner:name(`
-- lines, and `owner.name = ` lines.
local function annotated(text)
  local found = {}
  local function add(owner, name)
    found[owner] = found[owner] or {}
    found[owner][name] = true
  end
  for line in text:gmatch("[^\n]+") do
    local owner, name = line:match("^function ([%w_]+)[.:]([%w_]+)%(")
    if not owner then owner, name = line:match("^([%w_]+)%.([%w_]+) = ") end
    if owner then add(owner, name) end
  end
  return found
end

-- The names of `t`'s fields, without the internal ones (`_internal`, `_bench`).
local function keys(t)
  local set = {}
  for k in pairs(t) do
    if k == "_VERSION" or k:sub(1, 1) ~= "_" then set[k] = true end
  end
  return set
end

local function index_of(handle)
  return keys(debug.getmetatable(handle).__index)
end

-- The assertions rcprobe.luassert registers: its installed file, run again with a recorder in
-- place of luassert.
local function registered_assertions()
  local names = {}
  local recorder = {
    register = function(_, namespace, name) if namespace == "assertion" then names[name] = true end end,
  }
  local stubs = { luassert = recorder, say = { set = function() end } }
  local env = setmetatable({ require = function(name) return stubs[name] or require(name) end }, { __index = _G })
  local path = assert(search("rcprobe.luassert", package.path))
  local chunk = assert((loadstring or load)(read(path), "@" .. path))
  if setfenv then setfenv(chunk, env) else debug.setupvalue(chunk, 1, env) end
  chunk()
  return names
end

describe("types/", function()
  local types = {
    rcprobe = annotated(read("types/rcprobe.lua")),
    paths = annotated(read("types/rcprobe/paths.lua")),
    luassert = annotated(read("types/rcprobe/luassert.lua")),
  }

  it("annotates exactly the module's functions and fields", function()
    assert.are.same(keys(rcprobe), types.rcprobe.rcprobe)
  end)

  it("annotates exactly the methods of Probe, WeakProbe and LentProbe", function()
    local p = rcprobe.new()
    assert.are.same(index_of(p), types.rcprobe.Probe)
    assert.are.same(index_of(p:downgrade()), types.rcprobe.WeakProbe)
    assert.are.same(rcprobe.lend(p, index_of), types.rcprobe.LentProbe)
  end)

  it("annotates exactly the functions of rcprobe.paths", function()
    assert.are.same(keys(paths), types.paths.paths)
  end)

  it("annotates exactly the assertions rcprobe.luassert registers, which luassert knows", function()
    local registered = registered_assertions()
    assert.are.same(registered, types.luassert.internal)
    local known = require("luassert.namespaces").assertion
    for name in pairs(registered) do
      assert.is_not_nil(known[name], name)
    end
  end)

  it("declares each file with ---@meta and the module it describes", function()
    assert.are.equal("---@meta rcprobe\n", read("types/rcprobe.lua"):match("^[^\n]*\n"))
    assert.are.equal("---@meta rcprobe.paths\n", read("types/rcprobe/paths.lua"):match("^[^\n]*\n"))
    assert.are.equal("---@meta rcprobe.luassert\n", read("types/rcprobe/luassert.lua"):match("^[^\n]*\n"))
  end)

  it("is shipped in the rock, as the rock's types/ folder", function()
    local so = assert(search("rcprobe", package.cpath))
    local tree = assert(so:match("^(.*)/lib/lua/"), so)
    local version = assert(read("rcprobe-scm-1.rockspec"):match('\nversion = "([^"]+)"'))
    local rock = ("%s/lib/luarocks/rocks-%s/rcprobe/%s/types/"):format(tree, _VERSION:match("%d+%.%d+"), version)
    for _, file in ipairs({ "rcprobe.lua", "rcprobe/paths.lua", "rcprobe/luassert.lua" }) do
      assert.are.equal(read("types/" .. file), read(rock .. file))
    end
  end)
end)
