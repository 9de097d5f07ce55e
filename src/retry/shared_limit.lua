-- One turn of a rate limit shared by a fleet, and what a 429 teaches it: GCRA (the generic
-- cell rate algorithm, as redis-cell's CL.THROTTLE), one hash per throttle scope, in one
-- atomic script, with the rate of each scope learnt as the client's own pace learns it
-- (src/retry/adaptive.rs): on a 429, 0.95 of what the service admitted over the last second;
-- between 429s, back to that fast, then probing above it, slowly for a plateau and faster
-- after. A turn is reserved when asked for, so turns are given in the order they are asked
-- for, and a request costs one round trip however long it waits (two when its turn was
-- reserved far enough ahead that a cut may have voided it meanwhile: "epoch" confirms it).
--
-- KEYS: the scopes a request counts against (the partner tenant; the tenant and customer; the
--       operation's documented budget).
-- ARGV[1]: "take", "throttled" or "epoch".
-- ARGV[2]: for "take", the longest wait the request accepts; for "throttled", the service's
--          Retry-After. In microseconds.
-- ARGV[3]: how long an idle scope is kept, in milliseconds.
-- ARGV[4]: for "take", the furthest ahead the request's class may reserve its turn, in
--          microseconds (-1: any): bulk reads wait outside the queue rather than in it, so a
--          purchase's write is never behind more than that of them.
-- ARGV[5]: the requests the service admitted (answered with anything but 429) that this
--          client has not reported yet: what the first key learns from.
-- ARGV[6]: now, in microseconds since the epoch, when the client's clock is a test's virtual
--          one; empty: the Redis server's time.
-- ARGV[7], ARGV[8], ARGV[9], then again for each key: its first guess of the rate (requests a
--          second; 0: none, every request goes until the first 429), its burst (requests), and
--          its cap (0: none). The first key's rate (the tenant's) is learnt below its cap; the
--          others (a customer's, a documented budget) are their cap, and are not cut by a 429,
--          which does not say whose limit it was.
--
-- Each hash holds:
--   tat      the theoretical arrival time of the next request (GCRA), in microseconds;
--   rate     the rate learnt (requests a second; absent: the first guess);
--   ceiling  what the service admitted a second when it last throttled;
--   cut      when the rate was last cut; grown: when it last grew; probe: since when it has
--            been probing above the ceiling;
--   ws, an, ap: the requests the service admitted, as reported, in this window (an),
--            started at ws, and the one before (ap); gn, gp: the turns given in them;
--   blocked  until when the service asked every client to wait (a Retry-After of 2 s or more:
--            the tenant's quota is spent; a shorter one is the learnt rate's to avoid);
--   epoch    how many times the turns reserved were voided: by a cut (they were spaced for
--            the rate before it) or a block (they fall inside it).
-- Times are the Redis server's, so the fleet's machines need not agree on the time.
--
-- Returns, for "take", {0, the microseconds to wait before sending, the epoch} with the turn
-- reserved; {1, wait} when that is longer than the request accepts; {2, wait}: ask again after
-- that long, when the turn is beyond the class's reach; nothing is reserved for 1 and 2. For
-- "throttled", the first key's rate, as text. For "epoch", the first key's epoch: a turn
-- reserved in an earlier one is void, and its request takes another.

-- Before Redis 5 a script may write after TIME only with effects replication, asked for here
-- (from Redis 7 the call is a no-op kept for compatibility).
if redis.replicate_commands then
  redis.replicate_commands()
end

local now = tonumber(ARGV[6])
if not now then
  local now_parts = redis.call('TIME')
  now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
end
local ttl = tonumber(ARGV[3])

local SECOND = 1000000
local MARGIN = 0.95
local GROWTH = 0.02
local SLOW_START = 2
local PLATEAU = 15
local MAX_ACCELERATION = 64
-- The learnt rate's floor: a turn every two seconds at worst, from which the slow start
-- climbs back in seconds (a lower one would reserve turns minutes ahead).
local MIN_RATE = 0.5
local MAX_RATE = 100000
-- A Retry-After this long or longer holds the whole fleet; a shorter one only its request.
local BLOCKING = 2 * SECOND

-- The growth exponent `s` seconds into probing, in units of GROWTH: `s` on the plateau, then
-- the integral of a growth doubling each second, capped (as adaptive.rs's `probe`).
local function probed(s)
  if s <= PLATEAU then
    return s
  end
  local doublings = math.min(s - PLATEAU, math.log(MAX_ACCELERATION) / math.log(2))
  local accelerating = (2 ^ doublings - 1) / math.log(2)
  local capped = (s - PLATEAU - doublings) * MAX_ACCELERATION
  return PLATEAU + accelerating + capped
end

local FIELDS = { 'tat', 'rate', 'ceiling', 'cut', 'grown', 'probe', 'ws', 'an', 'ap', 'gn',
  'gp', 'blocked', 'epoch' }

local function load(key)
  local values = redis.call('HMGET', key, unpack(FIELDS))
  local s = {}
  for i, field in ipairs(FIELDS) do
    s[field] = tonumber(values[i])
  end
  return s
end

local function save(key, s)
  local pairs_ = {}
  local gone = {}
  for _, field in ipairs(FIELDS) do
    if s[field] then
      pairs_[#pairs_ + 1] = field
      pairs_[#pairs_ + 1] = string.format('%.17g', s[field])
    else
      gone[#gone + 1] = field
    end
  end
  if #pairs_ > 0 then
    redis.call('HSET', key, unpack(pairs_))
  end
  -- A field cleared (probing that ended) must not be read back.
  if #gone > 0 then
    redis.call('HDEL', key, unpack(gone))
  end
end

-- An idle scope is forgotten TTL after its last turn or block has passed, never before.
local function keep(key, until_)
  redis.call('PEXPIRE', key, ttl + math.ceil(math.max(0, until_ - now) / 1000))
end

-- The window of the last second: a new one every second, the last one kept; the admissions
-- reported now counted in.
local function roll(s, reported)
  local start = s.ws or now
  local gone = now - start
  if gone >= 2 * SECOND then
    s.ap, s.an, s.gp, s.gn, start = 0, 0, 0, 0, now
  elseif gone >= SECOND then
    s.ap, s.an, s.gp, s.gn, start = s.an or 0, 0, s.gn or 0, 0, start + SECOND
  end
  s.ws = start
  s.an, s.ap = (s.an or 0) + reported, s.ap or 0
  s.gn, s.gp = s.gn or 0, s.gp or 0
end

-- Over the last second: what the service admitted, as the clients reported it; the turns
-- given.
local function last_second(s)
  local weight = 1 - math.min(1, (now - s.ws) / SECOND)
  return s.an + s.ap * weight, s.gn + s.gp * weight
end

-- `rate` within a scope's bounds: at most its cap (0: none), and at least the floor, or the
-- cap where that is lower.
local function bounded(rate, cap)
  local floor = MIN_RATE
  if cap > 0 then
    rate = math.min(rate, cap)
    floor = math.min(MIN_RATE, cap)
  end
  return math.max(floor, math.min(MAX_RATE, rate))
end

-- The rate now: grown since it last grew, while the scope was in use (turns back to back),
-- up to its cap. Not while the fleet is held by a long Retry-After: its turns wait at the
-- block's end then, which says nothing about the room the service has.
local function grow(s, first_guess, cap)
  local rate = s.rate or first_guess
  if rate <= 0 then
    -- No guess: unpaced until the first 429, unless capped.
    if cap <= 0 then
      return 0
    end
    rate = cap
  end
  local interval = SECOND / rate
  local blocked = s.blocked or 0
  local busy = now >= blocked and (s.tat or 0) >= now - interval
  local from = math.max(s.grown or now, blocked)
  local elapsed = math.max(0, now - from) / SECOND
  if busy and elapsed > 0 then
    -- Below what the service admitted at the last 429, or before the first 429 (the first
    -- guess may be far below): doubling each second. Then probing above it.
    local target = (s.ceiling and s.ceiling > 0) and s.ceiling * MARGIN or MAX_RATE
    if rate < target then
      rate = math.min(target, rate * SLOW_START ^ elapsed)
      s.probe = nil
    else
      local since = s.probe or from
      s.probe = since
      local exponent = probed((now - since) / SECOND) - probed((from - since) / SECOND)
      rate = rate * math.exp(GROWTH * exponent)
    end
  elseif not busy then
    -- Idle (or held): no room learnt, and probing starts over when the scope is in use again.
    s.probe = nil
  end
  rate = bounded(rate, cap)
  s.grown = now
  s.rate = rate
  return rate
end

-- Admissions reported within a second of a cut were answers to requests sent before it (the
-- clients report theirs with their next call): when they say the service admitted more than
-- the cut assumed, the tenant's scope takes that instead, as the client's own pace does. A
-- fleet's first burst is cut on the first 429 before most of its admissions are reported.
local function late_reports(s, cap)
  if not (s.cut and now - s.cut < SECOND) then
    return
  end
  local seen = last_second(s)
  if seen > (s.ceiling or 0) then
    s.ceiling = seen
    s.rate = math.max(s.rate or 0, bounded(seen * MARGIN, cap))
  end
end

-- Voids the turns reserved so far: their requests take new ones (each confirms its epoch
-- before sending), so the queue starts again from here, a turn at a time at the rate now.
local function void_turns(s, burst)
  s.epoch = (s.epoch or 0) + 1
  if s.tat and s.rate and s.rate > 0 then
    s.tat = math.min(s.tat, now + burst * SECOND / s.rate)
  end
end

local reported = tonumber(ARGV[5])

if ARGV[1] == 'epoch' then
  local s = load(KEYS[1])
  roll(s, reported)
  save(KEYS[1], s)
  keep(KEYS[1], math.max(s.tat or 0, s.blocked or 0))
  return s.epoch or 0
end

if ARGV[1] == 'throttled' then
  local wait = tonumber(ARGV[2])
  local first_rate = ''
  for i, key in ipairs(KEYS) do
    local cap = tonumber(ARGV[9 + 3 * (i - 1)])
    local s = load(key)
    roll(s, i == 1 and reported or 0)
    if i == 1 and now - (s.cut or 0) < SECOND then
      -- Cut already this second: this 429 was to a request sent before the cut.
      late_reports(s, cap)
    elseif i == 1 then
      -- One cut per throttle: the requests already under way were sent at this rate, and
      -- their 429s say the same thing again.
      -- What the service admitted while it throttled is its limit (the fleet sent more).
      -- No admission reported yet (the first answers of a fleet are still on their way):
      -- half the turns given.
      -- (A ceiling learnt before is forgotten then: the rate climbs back from there, doubling
      -- each second, until the next 429.)
      local seen, given = last_second(s)
      local rate
      if seen > 0 then
        s.ceiling = seen
        rate = seen * MARGIN
      else
        s.ceiling = nil
        rate = given * 0.5
      end
      s.rate = bounded(rate, cap)
      s.cut, s.grown, s.probe = now, now, nil
      void_turns(s, tonumber(ARGV[8]))
    end
    if wait >= BLOCKING then
      if i == 1 and now + wait > (s.blocked or 0) then
        void_turns(s, tonumber(ARGV[8]))
      end
      s.blocked = math.max(s.blocked or 0, now + wait)
    end
    save(key, s)
    keep(key, math.max(s.blocked or 0, s.tat or 0))
    if i == 1 then
      first_rate = tostring(s.rate or '')
    end
  end
  return first_rate
end

-- When the request may go: the latest of every scope's GCRA turn and block.
local send_at = now
local scopes = {}
for i, key in ipairs(KEYS) do
  local first_guess = tonumber(ARGV[7 + 3 * (i - 1)])
  local burst = tonumber(ARGV[8 + 3 * (i - 1)])
  local cap = tonumber(ARGV[9 + 3 * (i - 1)])
  local s = load(key)
  roll(s, i == 1 and reported or 0)
  if i == 1 then
    late_reports(s, cap)
  end
  local rate = grow(s, first_guess, cap)
  local blocked = s.blocked or 0
  send_at = math.max(send_at, blocked)
  local interval = 0
  if rate > 0 then
    interval = SECOND / rate
    -- After a block the turns start one at a time at its end, not as a burst.
    local tat = math.max(s.tat or 0, blocked + (burst - 1) * interval)
    -- GCRA: a request may go while the arrival time runs at most (burst - 1) intervals ahead.
    local base = math.max(tat, now)
    send_at = math.max(send_at, base - (burst - 1) * interval)
    s.tat = tat
  end
  scopes[i] = { key = key, s = s, interval = interval }
end
local wait = math.ceil(send_at - now)
local horizon = tonumber(ARGV[4])
local answer = nil
if wait > tonumber(ARGV[2]) then
  answer = { 1, wait }
elseif horizon >= 0 and wait > horizon then
  answer = { 2, wait - horizon }
end
for _, scope in ipairs(scopes) do
  local s = scope.s
  if not answer then
    if scope.interval > 0 then
      s.tat = math.max(s.tat, send_at) + scope.interval
    end
    s.gn = s.gn + 1
  end
  -- What grew is kept either way, so that the growth is counted once.
  save(scope.key, s)
  keep(scope.key, math.max(s.tat or 0, s.blocked or 0))
end
return answer or { 0, wait, scopes[1].s.epoch or 0 }
