-- One turn of a rate limit shared by a fleet: GCRA (the generic cell rate algorithm, as
-- redis-cell's CL.THROTTLE), one hash per throttle scope, in one atomic script. A turn is
-- reserved when asked for, so turns are given in the order they are asked for, and a request
-- costs one round trip however long it waits.
--
-- KEYS: the scopes a request counts against (the partner tenant; the tenant and customer).
-- ARGV[1]: "take" or "throttled".
-- ARGV[2]: for "take", the longest wait the request accepts; for "throttled", the service's
--          Retry-After. In microseconds.
-- ARGV[3]: how long an idle scope is kept, in milliseconds.
-- ARGV[4], ARGV[5], ...: for each key, its rate (requests a second) and burst (requests).
--
-- Each hash holds:
--   tat      the theoretical arrival time of the next request (GCRA), in microseconds;
--   blocked  until when the service asked every client to wait (its Retry-After);
--   scale    the share of the configured rate in force (below 1 after a throttle);
--   scaled   when the scale was last changed.
-- Times are the Redis server's, so the fleet's machines need not agree on the time.
--
-- Returns, for "take", the microseconds to wait before sending, the turn reserved; or, when
-- that is longer than the request accepts, minus that wait, and nothing is reserved.

-- Before Redis 5 a script may write after TIME only with effects replication, asked for here
-- (from Redis 7 the call is a no-op kept for compatibility).
if redis.replicate_commands then
  redis.replicate_commands()
end

local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local ttl = tonumber(ARGV[3])

-- After a throttle the rate is cut by this share, at most once a second (the requests
-- already under way are throttled with the first), and it grows back by GROWTH a second.
local CUT = 0.9
local GROWTH = 0.05
local MIN_SCALE = 0.05

local function scale_now(hash_scale, hash_scaled)
  local scale = tonumber(hash_scale) or 1
  local scaled = tonumber(hash_scaled) or now
  local elapsed = math.max(0, now - scaled) / 1000000
  return math.min(1, scale * math.exp(GROWTH * elapsed))
end

local function put(key, field, value)
  redis.call('HSET', key, field, string.format('%.0f', value))
end

-- An idle scope is forgotten TTL after its last turn or block has passed, never before.
local function keep(key, until_)
  redis.call('PEXPIRE', key, ttl + math.ceil(math.max(0, until_ - now) / 1000))
end

if ARGV[1] == 'throttled' then
  local until_ = now + tonumber(ARGV[2])
  for _, key in ipairs(KEYS) do
    local h = redis.call('HMGET', key, 'blocked', 'scale', 'scaled')
    local blocked = math.max(until_, tonumber(h[1]) or 0)
    put(key, 'blocked', blocked)
    local scaled = tonumber(h[3]) or 0
    if now - scaled >= 1000000 then
      local scale = math.max(MIN_SCALE, scale_now(h[2], h[3]) * CUT)
      redis.call('HSET', key, 'scale', tostring(scale))
      put(key, 'scaled', now)
    end
    keep(key, blocked)
  end
  return 0
end

-- When the request may go: the latest of every scope's GCRA turn and block.
local send_at = now
local scopes = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 + 2 * i])
  local burst = tonumber(ARGV[3 + 2 * i])
  local h = redis.call('HMGET', key, 'tat', 'blocked', 'scale', 'scaled')
  local interval = 1000000 / (rate * scale_now(h[3], h[4]))
  local blocked = tonumber(h[2]) or 0
  -- After a block the turns start one at a time at its end, not as a burst.
  local tat = math.max(tonumber(h[1]) or 0, blocked + (burst - 1) * interval)
  -- GCRA: a request may go while the arrival time runs at most (burst - 1) intervals ahead.
  local base = math.max(tat, now)
  send_at = math.max(send_at, base - (burst - 1) * interval)
  scopes[i] = { tat = tat, interval = interval }
end
local wait = math.ceil(send_at - now)
if wait > tonumber(ARGV[2]) then
  return -wait
end
for i, key in ipairs(KEYS) do
  local tat = math.max(scopes[i].tat, send_at) + scopes[i].interval
  put(key, 'tat', tat)
  keep(key, tat)
end
return wait
