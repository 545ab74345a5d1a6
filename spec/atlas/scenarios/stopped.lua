-- Scenario 12: `collectgarbage("stop")`, then allocation pressure, then an explicit
-- collection; and whether the collector is still stopped after `collect` or `step`.

local COUNT = 20

-- Allocates at least 8 MiB, and at least four times the Lua heap, of garbage tables.
local function allocate()
  local bytes = math.max(8 * 1024 * 1024, 4 * 1024 * collectgarbage("count"))
  local junk
  for i = 1, bytes / 64 do junk = { i } end
  return junk ~= nil
end

-- Makes `COUNT` garbage handles; returns their ids.
local function garbage(lab)
  local ids = {}
  for i = 1, COUNT do ids[i] = lab.throwaway() end
  return ids
end

local function alive(rcprobe, ids)
  local n = 0
  for _, id in ipairs(ids) do
    if rcprobe.is_alive(id) then n = n + 1 end
  end
  return n
end

-- After `restart_by()` on a stopped collector: whether allocation alone frees garbage.
local function still_stopped_after(restart_by)
  return function(rcprobe, lab)
    restart_by()
    local ids = garbage(lab)
    allocate()
    local freed = COUNT - alive(rcprobe, ids)
    collectgarbage("stop")
    lab.collect()
    return freed == 0 and "still stopped: allocating frees nothing"
      or freed == COUNT and "running again: allocating frees all 20"
      or ("running again: allocating freed %d of %d"):format(freed, COUNT)
  end
end

return {
  title = "A stopped collector",
  cases = {
    {
      name = "20 garbage handles, then allocation pressure, then one `collectgarbage()`",
      measure = function(rcprobe, lab)
        local ids = garbage(lab)
        allocate()
        local while_stopped = alive(rcprobe, ids)
        lab.collect()
        return ("%d of %d alive after 8+ MiB allocated; %d after 1 collection"):format(
          while_stopped, COUNT, alive(rcprobe, ids))
      end,
      expected = { ["*"] = "20 of 20 alive after 8+ MiB allocated; 0 after 1 collection" },
    },
    {
      name = "then one explicit `collectgarbage()`: is the collector still stopped?",
      measure = still_stopped_after(function() collectgarbage() end),
      expected = {
        ["5.1 JIT"] = "running again: allocating frees all 20",
        ["*"] = "still stopped: allocating frees nothing",
      },
    },
    {
      name = "then one `collectgarbage(\"step\")`: is the collector still stopped?",
      measure = still_stopped_after(function() collectgarbage("step") end),
      expected = {
        ["5.1 JIT"] = "running again: allocating frees all 20",
        ["*"] = "still stopped: allocating frees nothing",
      },
    },
  },
  notes = [[
A stopped collector frees nothing, however much Lua allocates; an explicit `collectgarbage()`
still runs a full collection. Lua 5.1 and LuaJIT then run the automatic collector again
(after `collectgarbage()` and after `collectgarbage("step")` alike), while 5.2+ stay stopped
until `collectgarbage("restart")`. A spec that stops the collector around its assertions must
stop it again after each explicit collection on 5.1 and LuaJIT.
]],
}
