-- rcprobe's benchmark: rcprobe against baselines built from the same crate (`rcprobe._bench`,
-- the `bench` feature), each pair measured in the same run and reported as a ratio. Run it
-- with `make bench`, which builds that feature for each interpreter and writes
-- bench/results.md. Prints one Markdown table for the interpreter running it.
--
-- RCPROBE_BENCH_SCALE (default 1) scales every count, for quick trials.

local rcprobe = require("rcprobe")
local bench = assert(rcprobe._bench, "rcprobe was not built with the bench feature")
local clock = os.clock

local SCALE = tonumber(os.getenv("RCPROBE_BENCH_SCALE")) or 1
local ROUNDS = 7

local function count(n) return math.max(1, math.floor(n * SCALE)) end

-- Progress on stderr (the table goes to stdout): the CPU time each part took.
local part_started = clock()
local function done(part)
  io.stderr:write(("  %-24s %6.1f s\n"):format(part, clock() - part_started))
  part_started = clock()
end

local function full_collect()
  collectgarbage()
  collectgarbage()
end

-- Runs each case ROUNDS times, interleaved so that noise hits both alike, and returns the
-- best time per operation of each, in nanoseconds. `after`, if given, runs after each case,
-- untimed.
local function race(n, cases, after, rounds)
  local best = {}
  for _ = 1, rounds or ROUNDS do
    for i, case in ipairs(cases) do
      full_collect()
      local start = clock()
      case(n)
      best[i] = math.min(best[i] or math.huge, (clock() - start) / n * 1e9)
      if after then after() end
    end
  end
  return best
end

-- The same for loops written in Rust (`rcprobe._bench`): `makers[i]()` makes a trial of case i,
-- a Lua state of its own that `trial:run()` fills and `trial:close()` closes. Only `run` is
-- timed, with os.clock (CPU time, as everywhere here) rather than the wall-clock time it returns.
local function race_trials(rounds, n, makers)
  local best = {}
  for _ = 1, rounds do
    for i, make in ipairs(makers) do
      local trial = make()
      full_collect()
      local start = clock()
      trial:run()
      best[i] = math.min(best[i] or math.huge, (clock() - start) / n * 1e9)
      trial:close()
    end
  end
  return best
end

-- The best of k timings of fn(), in seconds.
local function time_of(k, fn)
  local best = math.huge
  for _ = 1, k do
    local start = clock()
    fn()
    best = math.min(best, clock() - start)
  end
  return best
end

local function resident_bytes()
  local statm = io.open("/proc/self/statm", "r")
  if not statm then return 0 end
  local _, resident = statm:read("*n", "*n")
  statm:close()
  return resident * 4096
end

local rows = {}
local function row(figure, goal, ours, baseline, ratio, met)
  rows[#rows + 1] = ("| %s | %s | %s | %s | %s | %s |"):format(figure, goal, ours, baseline, ratio, met)
end
local function ns(x) return ("%.0f ns"):format(x) end
local function seconds(x) return ("%.2f s"):format(x) end
-- 1000 -> "1k", 1000000 -> "1M"
local function how_many(n)
  if n >= 1000000 and n % 1000000 == 0 then return ("%dM"):format(math.floor(n / 1000000)) end
  if n >= 1000 then return ("%dk"):format(math.floor(n / 1000)) end
  return tostring(n)
end
local function yes(ok) return ok and "yes" or "**no**" end
local function duration(s) return s >= 1 and seconds(s) or ("%.1f ms"):format(s * 1000) end
-- A row for rcprobe's time `ours` against the baseline's, whose ratio must be <= `limit`.
local function ratio_row(figure, limit, ours, baseline)
  local ratio = ours / baseline
  row(figure, ("<= %.2fx"):format(limit), ns(ours), ns(baseline), ("%.2fx"):format(ratio), yes(ratio <= limit))
end

-- Create and collect: rcprobe.new() against a bare userdata and Lua's own finalized table.
do
  local new, bare = rcprobe.new, bench.bare
  -- Lua's own finalized object: a table with `__gc` on 5.2+, a newproxy on 5.1 and LuaJIT.
  local finalized, what
  if newproxy then
    local proto = newproxy(true)
    getmetatable(proto).__gc = function() end
    finalized, what = function() return newproxy(proto) end, "a `newproxy` with `__gc`"
  else
    local gc_mt = { __gc = function() end }
    finalized, what = function() return setmetatable({}, gc_mt) end, "a table with `__gc`"
  end
  local sink = {}
  local n = count(200000)
  local t = race(n, {
    function(k) for _ = 1, k do new() end collectgarbage() end,
    function(k) for _ = 1, k do bare() end collectgarbage() end,
    function(k) for i = 1, k do sink[i % 8] = finalized() end collectgarbage() end,
  })
  assert(next(sink), "the finalized objects were made")
  ratio_row("create + collect a probe vs a bare userdata", 1.25, t[1], t[2])
  row(("(for scale) %s"):format(what), "report", ns(t[3]), "", "", "")
end

done("create + collect")

-- Count queries against trivial calls through mlua.
do
  local p, b = rcprobe.new(), bench.bare()
  local id = p:id()
  local strong_count, trivial = rcprobe.strong_count, bench.trivial
  local n = count(2000000)
  local t = race(n, {
    function(k) for _ = 1, k do p:strong_count() end end,
    function(k) for _ = 1, k do b:trivial() end end,
    function(k) for _ = 1, k do strong_count(id) end end,
    function(k) for _ = 1, k do trivial(id) end end,
  })
  ratio_row("`p:strong_count()` vs a trivial userdata method", 1.15, t[1], t[2])
  ratio_row("`rcprobe.strong_count(id)` vs a trivial module function", 1.15, t[3], t[4])
end

done("count queries")

-- Memory per live handle: Lua's heap (collectgarbage("count")) and Rust's (counted by the
-- bench build's allocator).
do
  local n = count(200000)
  local function per_object(make)
    local held = { list = {} } -- a field, so that dropping the list is plainly intended
    for i = 1, n do held.list[i] = false end
    full_collect()
    local lua_before, rust_before = collectgarbage("count"), bench.rust_heap()
    for i = 1, n do held.list[i] = make() end
    assert(#held.list == n)
    full_collect()
    local lua_bytes = (collectgarbage("count") - lua_before) * 1024 / n
    local rust_bytes = (bench.rust_heap() - rust_before) / n
    held.list = nil
    full_collect()
    return lua_bytes, rust_bytes
  end
  local probe_lua, probe_rust = per_object(rcprobe.new)
  local bare_lua, bare_rust = per_object(bench.bare)
  row("Lua heap per probe handle vs a bare userdata", "<= +16 B",
    ("%.1f B"):format(probe_lua), ("%.1f B"):format(bare_lua),
    ("%+.1f B"):format(probe_lua - bare_lua), yes(probe_lua - bare_lua <= 16))
  local object = probe_rust - bare_rust
  row("Rust heap per object (probe minus bare userdata)", "<= 64 B", ("%.1f B"):format(probe_rust),
    ("%.1f B"):format(bare_rust), ("%.1f B per object"):format(object), yes(object <= 64))
end

done("memory per handle")

-- Churn: resident memory while millions of probes come and go in batches.
do
  local batches, batch = count(1000), 10000
  local function churn(k)
    for _ = 1, k do
      for _ = 1, batch do rcprobe.new() end
      collectgarbage()
    end
  end
  churn(math.max(1, math.floor(batches / 10))) -- warm-up
  local before = resident_bytes()
  churn(batches)
  local growth = (resident_bytes() - before) / 1024
  row(("churn: %dM probes created and collected in batches"):format(math.floor(batches * batch / 1000000)),
    "grows < 1 MiB", ("%+.0f KiB resident"):format(growth), "", "", yes(growth < 1024))
end

done("churn")

-- The host side, in Rust (`rcprobe._bench`, src/bench.rs): a host's object is an `Rc::new`, a
-- userdata holding it (`lua.create_userdata`) and a place in a Lua table; tracking adds
-- `rcprobe::track(&lua, &rc, label)`. Each round builds the handles in a fresh Lua state, so the
-- cost per object includes every growth of the ledger (and of Lua's heap) up to that count.
do
  -- Rounds: many where a round is cheap (a fresh state costs about as much as 1k handles).
  local sizes = { { count(1000), 9 * ROUNDS }, { count(100000), ROUNDS }, { count(1000000), 3 } }
  local own = {}
  for _, size in ipairs(sizes) do
    local n, rounds = size[1], size[2]
    local t = race_trials(rounds, n, {
      function() return bench.handles(n, true) end,
      function() return bench.handles(n, false) end,
    })
    ratio_row(("`track(&lua, &rc, label)` per object, building %s live tracked handles: "
      .. "`Rc::new` + `create_userdata` + `track` vs without `track`"):format(how_many(n)), 1.5, t[1], t[2])
    own[#own + 1] = { n = n, ns = t[1] - t[2] }
  end
  local first, last = own[1], own[#own]
  local shown = {}
  for i, o in ipairs(own) do shown[i] = ("%s: %s"):format(how_many(o.n), ns(o.ns)) end
  row(("(flatness) `track`'s own cost (the difference) at %s vs %s live"):format(how_many(last.n), how_many(first.n)),
    "report", table.concat(shown, ", "), "", ("%.1fx"):format(last.ns / first.ns), "")
end

done("track (Rust)")

-- A `Tally` field: a host struct (an id and a position) in an `Rc`, created and dropped, with and
-- without a `Tally` field; one at a time, and a million kept alive, then all dropped.
do
  for _, keep in ipairs({ false, true }) do
    local n = keep and count(1000000) or count(200000)
    local t = race_trials(keep and 3 or 3 * ROUNDS, n, {
      function() return bench.tallies(n, true, keep) end,
      function() return bench.tallies(n, false, keep) end,
    })
    local how = keep and ("%s kept alive, then dropped"):format(how_many(n)) or "one at a time"
    row(("`Tally` create + drop (%s): a struct in an `Rc` with a `Tally` field vs without"):format(how),
      "report", ns(t[1]), ns(t[2]), ("%.2fx (+%s)"):format(t[1] / t[2], ns(t[1] - t[2])), "")
  end
end

done("Tally (Rust)")

-- rcprobe.growth(fn), fn making 1000 tables that it drops (a check that passes), against what
-- any such check must do anyway: fn's 7 runs (2 warm-up, 5 counted), each followed by
-- rcprobe.full_gc() (collections until nothing more goes), and the full_gc() growth starts
-- with. What growth adds is its census: a walk of the heap before the first and after every
-- counted run (none with `heap = false`, which counts rcprobe's labels only).
local function growth_rows(heap_of, rounds)
  local function fn()
    local t = {}
    for i = 1, 1000 do t[i] = {} end
    return t
  end
  local baseline = time_of(rounds, function()
    rcprobe.full_gc()
    for _ = 1, 7 do
      fn()
      rcprobe.full_gc()
    end
  end)
  local walked = time_of(rounds, function() assert(not rcprobe.growth(fn).grows) end)
  local counted = time_of(rounds, function() assert(not rcprobe.growth(fn, { heap = false }).grows) end)
  local alone = time_of(rounds, function() for _ = 1, 7 do fn() end end)
  local function ratio(s)
    return ("%.1fx (%s%s)"):format(s / baseline, s < baseline and "-" or "+", duration(math.abs(s - baseline)))
  end
  row(("`rcprobe.growth(fn)`, fn makes 1000 tables, on %s, vs fn's 7 runs each followed by `full_gc()`")
    :format(heap_of), "report", duration(walked), duration(baseline), ratio(walked), "")
  row(("`rcprobe.growth(fn, {heap = false})` (labels only), the same"):format(heap_of), "report",
    duration(counted), duration(baseline), ratio(counted), "")
  row("(for scale) fn's 7 runs alone", "report", duration(alone), "", "", "")
end

-- leaks(fn) where fn creates 10 probes, with 0 and with 1M other live probes; full_gc() with
-- 1M live probes against two plain collections. On Lua 5.4 leaks() starts with one collector
-- step, a young collection in generational mode (the interpreter's default); in incremental
-- mode, and on other Luas, it needs full collections, which Lua scales with the heap.
do
  local function ten() for _ = 1, 10 do rcprobe.new() end end
  local ms = function(s) return ("%.3f ms"):format(s * 1000) end
  local modes = { "default" }
  if _VERSION == "Lua 5.4" and not jit then modes = { "generational", "incremental" } end
  local alone, alone_gc = {}, {}
  for _, mode in ipairs(modes) do
    if mode ~= "default" then collectgarbage(mode) end
    full_collect()
    alone[mode] = time_of(ROUNDS * 3, function() rcprobe.leaks(ten) end)
    alone_gc[mode] = time_of(ROUNDS * 3, full_collect)
  end
  -- growth(fn) on the bench's own heap, then on a tenth of the big heap: on a million probes it
  -- takes about as long as its 8 full_gc() and 7 census() rows below say.
  local held, n = { list = {} }, count(1000000)
  local has_census = pcall(require, "rcprobe.census")
  if has_census then
    growth_rows(("the bench's own heap (%.0f KiB)"):format(collectgarbage("count")), ROUNDS)
  end
  for i = 1, math.floor(n / 10) do held.list[i] = rcprobe.new() end
  if has_census then
    growth_rows(("a heap of %s probes"):format(how_many(math.floor(n / 10))), 1)
  end
  for i = #held.list + 1, n do held.list[i] = rcprobe.new() end
  for _, mode in ipairs(modes) do
    if mode ~= "default" then collectgarbage(mode) end
    full_collect()
    local crowded = time_of(ROUNDS, function() rcprobe.leaks(ten) end)
    local crowded_gc = time_of(ROUNDS, full_collect)
    local where = mode == "default" and "" or (" (%s mode)"):format(mode)
    row(("`leaks(fn)`, fn makes 10 probes: with %dk other live probes vs none%s"):format(math.floor(n / 1000), where),
      "<= 2x", ms(crowded), ms(alone[mode]), ("%.1fx"):format(crowded / alone[mode]),
      yes(crowded / alone[mode] <= 2))
    row(("(for scale: two full collections%s)"):format(where), "report", ms(crowded_gc), ms(alone_gc[mode]),
      ("%.0fx"):format(crowded_gc / alone_gc[mode]), "")
  end
  if #modes > 1 then collectgarbage("generational") end
  local crowded_gc = time_of(ROUNDS, full_collect)
  local full_gc = time_of(ROUNDS, function() rcprobe.full_gc() end)
  row(("`full_gc()` with %dk live probes vs two `collectgarbage()`"):format(math.floor(n / 1000)), "report",
    ms(full_gc), ms(crowded_gc), ("%.2fx"):format(full_gc / crowded_gc), "")

  -- The companions (rcprobe.paths, rcprobe.census), when installed, on a heap of a million
  -- probes: each call walks the whole heap once (growth walks it after every run).
  local ok, paths = pcall(require, "rcprobe.paths")
  if ok then
    local target = rcprobe.new()
    held.list[#held.list + 1] = { { target } }
    local heap_of = ("a heap of %s probes"):format(how_many(n))
    local function walk_row(what, fn)
      local s = time_of(1, fn)
      row(("%s on %s"):format(what, heap_of), "seconds, not minutes", seconds(s), "", "", yes(s < 60))
    end
    walk_row("`paths.to(x)`", function() paths.to(target) end)
    walk_row("`paths.why(x)`", function() paths.why(target) end)
    walk_row("`paths.graph(x)`", function() paths.graph(target) end)
    walk_row("`rcprobe.census()`", function() rcprobe.census() end)
  end
  held.list = nil
  full_collect()
end

done("leaks, walks, growth")

-- rcprobe.watch(t) per table, building a list of live tables, against building the list alone.
-- Every round sweeps the ledger afterwards (rcprobe.stats()), untimed, so rounds start alike.
-- Last but one: rcprobe's weak tables of watched values keep the size they grew to (Lua tables
-- shrink only when they grow again), and full collections traverse them.
do
  local watch = rcprobe.watch
  for _, n in ipairs({ count(1000), count(1000000) }) do
    local t = race(n, {
      function(k)
        local list = {}
        for i = 1, k do
          local v = {}
          list[i] = v
          watch(v)
        end
        return list
      end,
      function(k)
        local list = {}
        for i = 1, k do list[i] = {} end
        return list
      end,
    }, function()
      full_collect()
      rcprobe.stats()
    end, n < 100000 and 9 * ROUNDS or 3)
    row(("`rcprobe.watch(t)` per table, building %s live watched tables vs the tables alone"):format(how_many(n)),
      "report", ns(t[1]), ns(t[2]), ("%.2fx (+%s)"):format(t[1] / t[2], ns(t[1] - t[2])), "")
  end
end

done("watch")

-- paths.why(x) of a watched table among a million live watched tables.
do
  local ok, paths = pcall(require, "rcprobe.paths")
  if ok then
    local held, n = { list = {} }, count(1000000)
    for i = 1, n do
      local v = {}
      held.list[i] = v
      rcprobe.watch(v)
    end
    local target = held.list[math.floor(n / 2) + 1]
    local s = time_of(1, function() paths.why(target) end)
    row(("`paths.why(x)` on a heap of %s watched tables"):format(how_many(n)), "seconds, not minutes",
      seconds(s), "", "", yes(s < 60))
    held.list = nil
    full_collect()
    rcprobe.stats()
  end
end

done("watched heap")

print(("### %s\n"):format(rcprobe.LUA))
print("| figure | goal | rcprobe | baseline | ratio | goal met |")
print("|---|---|---|---|---|---|")
for _, line in ipairs(rows) do print(line) end
