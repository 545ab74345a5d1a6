-- A small stand-in for busted's runner, for Lua states busted cannot run in: the vendored
-- Lua of the Rust tests (the only Lua 5.5 here). It gives specs busted's describe, it,
-- pending, setup, teardown, before_each and after_each, and luassert's real assertions.
--
-- run(path) runs one spec file and returns passed, failed and a list of failure reports.

local luassert = require("luassert")

local M = {}

local function new_block(name, parent)
  return { name = name, parent = parent, children = {}, setup = {}, teardown = {},
           before_each = {}, after_each = {} }
end

local function full_name(block, name)
  local parts = { name }
  while block and block.name do
    table.insert(parts, 1, block.name)
    block = block.parent
  end
  return table.concat(parts, " ")
end

local function message_of(err)
  if type(err) == "table" and err.message then return tostring(err.message) end
  return tostring(err)
end

function M.run(path)
  local root = new_block(nil, nil)
  local current = root
  local env = {} -- busted's functions, made global below
  env.assert = luassert
  env.spy = require("luassert.spy")
  env.stub = require("luassert.stub")
  env.mock = require("luassert.mock")
  function env.describe(name, body)
    local block = new_block(name, current)
    table.insert(current.children, { block = block })
    current = block
    body()
    current = block.parent
  end
  env.context = env.describe
  function env.it(name, body) table.insert(current.children, { name = name, body = body }) end
  function env.pending(name) table.insert(current.children, { name = name, pending = true }) end
  for _, hook in ipairs({ "setup", "teardown", "before_each", "after_each" }) do
    env[hook] = function(fn) table.insert(current[hook], fn) end
  end
  env.lazy_setup, env.lazy_teardown = env.setup, env.teardown
  env.strict_setup, env.strict_teardown = env.setup, env.teardown

  local passed, failed, failures = 0, 0, {}
  local function fail(name, err)
    failed = failed + 1
    failures[#failures + 1] = name .. ": " .. message_of(err)
  end

  -- Spec files see busted's functions as globals, as under busted.
  for name, value in pairs(env) do _G[name] = value end
  local chunk, load_error = loadfile(path)
  if not chunk then
    fail(path, load_error)
    return passed, failed, failures
  end
  local ok, err = pcall(chunk)
  if not ok then
    fail(path, err)
    return passed, failed, failures
  end

  local function hooks(block, kind, outer_first)
    local chain = {}
    while block do
      if outer_first then table.insert(chain, 1, block) else table.insert(chain, block) end
      block = block.parent
    end
    local fns = {}
    for _, b in ipairs(chain) do for _, fn in ipairs(b[kind]) do fns[#fns + 1] = fn end end
    return fns
  end

  local function run_block(block)
    for _, fn in ipairs(block.setup) do
      local setup_ok, setup_err = pcall(fn)
      if not setup_ok then return fail(full_name(block, "setup"), setup_err) end
    end
    for _, child in ipairs(block.children) do
      if child.block then
        run_block(child.block)
      elseif not child.pending then
        local name = full_name(block, child.name)
        local test_ok, test_err = true, nil
        for _, fn in ipairs(hooks(block, "before_each", true)) do
          if test_ok then test_ok, test_err = pcall(fn) end
        end
        if test_ok then test_ok, test_err = pcall(child.body) end
        for _, fn in ipairs(hooks(block, "after_each", false)) do
          local after_ok, after_err = pcall(fn)
          if test_ok and not after_ok then test_ok, test_err = false, after_err end
        end
        if test_ok then passed = passed + 1 else fail(name, test_err) end
      end
    end
    for _, fn in ipairs(block.teardown) do pcall(fn) end
  end

  run_block(root)
  return passed, failed, failures
end

return M
