-- wrk script of `make bench-publishing` (bench/publishing_load.py) and of make bench's reader mix
-- (bench/reader_mix.py): each thread cycles over the paths in the file given after `--` (one a
-- line), starting at its own place in the list, and counts the responses by status and by the
-- cache header named third (X-Page-Cache by default; Varnish's X-Cache at the edge). wrk's own
-- summary counts only "Non-2xx or 3xx responses"; done() prints the counts of every thread, one
-- per line:
--   publishing-status <status> <count>
--   publishing-cache <HIT|MISS|...|none> <count>
--   wrk -s publishing_readers.lua URL -- PATHS_FILE THREADS [HEADER]

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  -- Threads start spread over the list, so that they do not all ask for the same page at once.
  local spread = tonumber(args[2]) or 1
  position = math.floor((number - 1) * #paths / spread)
  header = args[3] or "X-Page-Cache"
  statuses = {}
  caches = {}
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local cache = headers[header] or "none"
  caches[cache] = (caches[cache] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {status = {}, cache = {}}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      totals.status[key] = (totals.status[key] or 0) + count
    end
    for key, count in pairs(thread:get("caches")) do
      totals.cache[key] = (totals.cache[key] or 0) + count
    end
  end
  for kind, counts in pairs(totals) do
    for key, count in pairs(counts) do
      io.write(string.format("publishing-%s %s %d\n", kind, key, count))
    end
  end
end
