-- How long rcprobe.paths.to takes on a big heap: a global table of N small tables (default
-- 1e6), each holding a number and a string, one of which holds a Probe. The walk always visits
-- the whole reachable heap (it lists every reference), so this is its cost per object.
-- Run with the rock on the path: eval "$(tools/rock.sh env lua5.4)"; lua5.4 bench/paths.lua [N]
-- Results: bench/paths.md.
local rcprobe = require("rcprobe")
local paths = require("rcprobe.paths")

local n = tonumber(arg and arg[1]) or 1000000
local clock = os.clock

local function build()
  local big = {}
  for i = 1, n do big[i] = { i, tostring(i) } end
  return big
end

local p = rcprobe.new(nil, { label = "needle" })
_G.big = build()
_G.big[math.floor(n / 2) + 1] = { p:clone() }
collectgarbage()
collectgarbage()
local objects = n + 2
print(("%s, heap %.0f MB, about %d tables"):format(jit and jit.version or _VERSION,
  collectgarbage("count") / 1024, objects))

local best = math.huge
local result
for _ = 1, 3 do
  local t0 = clock()
  result = paths.to(p:id())
  local t = clock() - t0
  if t < best then best = t end
  collectgarbage()
end
for _, line in ipairs(result) do print("  " .. line) end
print(("paths.to: best of 3: %.3f s (%.0f ns per object)"):format(best, best / objects * 1e9))
