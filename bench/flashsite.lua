-- wrk script for Flashsite: each connection is one learner with its own session.
--
-- Run with as many threads as connections (wrk -t N -c N): wrk gives a script
-- no way to tell a thread's connections apart, so one connection per thread
-- is what makes "one learner per connection" hold.
--
--   wrk -t16 -c16 -d5s -s bench/flashsite.lua http://127.0.0.1:8301 -- \
--       PLAN MODE SLUG
--
-- PLAN has one line per connection: "sessionid csrftoken card:reps,card:reps,..."
-- (bench/dataset.py plan). MODE is one of
--   healthz  GET /healthz (the ceiling), without the session cookie
--   home     GET /
--   study    GET /decks/SLUG/study/ (the whole page)
--   flip     GET /decks/SLUG/study/CARD/answer/ with HX-Request, cycling the cards
--   rate     POST /decks/SLUG/study/CARD/rate/ with HX-Request, rating=..&reps=..
--            where reps is the learner's review count of CARD, so every rating
--            writes; it goes up by one with each 200 answer
--   progress, progress_deck   GET /progress/ and /progress/SLUG/
-- The site runs as it would behind a TLS proxy (X-Forwarded-Proto: https), so
-- a POST carries an Origin header, as a browser's does.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("conn", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local RATINGS = { 4, 3, 4, 5, 2, 4, 3, 4, 1, 5 }

function init(args)
  local plan, slug = args[1], args[3]
  mode = args[2]
  ok, other, statuses = 0, 0, {}
  local line, n = nil, 0
  for l in io.lines(plan) do
    if n == conn then
      line = l
      break
    end
    n = n + 1
  end
  assert(line, "the plan has no line for connection " .. conn)
  local session, csrf, pairs_ = line:match("^(%S+) (%S+) ?(%S*)$")
  cards, reps_of = {}, {}
  for id, reps in pairs_:gmatch("(%d+):(%d+)") do
    table.insert(cards, id)
    reps_of[id] = tonumber(reps)
  end
  index = 1
  rating = (conn % #RATINGS) + 1
  local host = wrk.headers["Host"]
  wrk.headers["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf
  wrk.headers["X-Forwarded-Proto"] = "https"
  htmx = {
    Host = host,
    Cookie = wrk.headers["Cookie"],
    ["X-Forwarded-Proto"] = "https",
    ["HX-Request"] = "true",
  }
  post = {
    Host = host,
    Cookie = wrk.headers["Cookie"],
    ["X-Forwarded-Proto"] = "https",
    ["HX-Request"] = "true",
    ["X-CSRFToken"] = csrf,
    Origin = "https://" .. host,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  base = "/decks/" .. slug .. "/study/"
  fixed = ({
    healthz = "/healthz",
    home = "/",
    study = base,
    progress = "/progress/",
    progress_deck = "/progress/" .. slug .. "/",
  })[mode]
  if mode == "flip" or mode == "rate" then
    assert(#cards > 0, "no cards planned for connection " .. conn)
  else
    assert(fixed, "unknown mode " .. tostring(mode))
    if mode == "healthz" then
      -- The ceiling as a load balancer's probe asks for it: no session to load.
      fixed_request = wrk.format("GET", fixed, { Host = host, ["X-Forwarded-Proto"] = "https" })
    else
      fixed_request = wrk.format("GET", fixed)
    end
  end
end

function request()
  if mode == "flip" then
    return wrk.format("GET", base .. cards[index] .. "/answer/", htmx)
  elseif mode == "rate" then
    local card = cards[index]
    local body = "rating=" .. RATINGS[rating] .. "&reps=" .. reps_of[card]
    return wrk.format("POST", base .. card .. "/rate/", post, body)
  end
  return fixed_request
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if mode == "rate" then
      reps_of[cards[index]] = reps_of[cards[index]] + 1
    end
  else
    other = other + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
  if #cards > 0 then
    index = index % #cards + 1
  end
  rating = rating % #RATINGS + 1
end

function done(summary, latency, requests)
  local ok_total, other_total, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local codes = {}
  for status, count in pairs(by_status) do
    table.insert(codes, string.format('"%s": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "ok": %d, "not_ok": %d, "statuses": {%s}, '
      .. '"socket_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, ok_total, other_total, table.concat(codes, ", "),
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
