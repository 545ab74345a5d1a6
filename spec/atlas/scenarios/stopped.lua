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
    return freed == 0 and "still stopped: allocation frees nothing"
      or freed == COUNT and "running again: allocation frees them all"
      or ("running again: allocation freed %d of %d"):format(freed, COUNT)
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
      name = "is it still stopped after an explicit `collectgarbage()`?",
      measure = still_stopped_after(function() collectgarbage() end),
      expected = {
        ["5.1 JIT"] = "running again: allocation frees them all",
        ["*"] = "still stopped: allocation frees nothing",
      },
    },
    {
      name = "is it still stopped after a `collectgarbage(\"step\")`?",
      measure = still_stopped_after(function() collectgarbage("step") end),
      expected = {
        ["5.1 JIT"] = "running again: allocation frees them all",
        ["*"] = "still stopped: allocation frees nothing",
      },
    },
  },
}
