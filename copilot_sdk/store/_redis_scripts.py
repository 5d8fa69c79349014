"""The Lua scripts of the Redis store: each write is one script, so it is atomic.

Key layout under the store's prefix ``P`` (layout version :data:`LAYOUT_VERSION`, kept
in ``P version``)::

    P version        the key layout's version
    P token          the fencing-token counter (INCR; only grows)
    P clock          the latest modification stamp (microseconds, the server's clock)
    P index          sorted set: session id -> modification stamp (list order)
    P starts         hash: session id -> start_time  (these three: what listing reads)
    P models         hash: session id -> model
    P summaries      hash: session id -> summary
    P s:<id>         hash: start_time, modified_time, summary, model, config, and
                     lease_token: the token of the lease granted last, '0' once given up
    P e:<id>         list: the session's events, JSON, oldest first
    P l:<id>         string: the lease holder, expiring with the lease (PX)

Numbers cross into Lua as strings and come back as strings formatted with ``%.0f``
(Lua would print large numbers in exponent form).
"""

from __future__ import annotations

__all__ = ["APPEND", "CREATE", "GRANT", "LAYOUT_VERSION", "PRUNE", "RELEASE", "RENEW"]

LAYOUT_VERSION = 2  # 1: without the listing hashes (starts, models, summaries)

# A stamp strictly after every stored modification; KEYS[clock] is the clock key.
_STAMP = """
local function stamp(clock)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('GET', clock) or '0')
  if now <= last then now = last + 1 end
  local text = string.format('%.0f', now)
  redis.call('SET', clock, text)
  return text
end
"""

#: KEYS: session, index, clock, starts, models, summaries. ARGV: id, session_ttl_ms
#: ('0': none), start_time, model and summary ('1' .. text, or '0' for none), then
#: hash field/value pairs. Returns 1, or 0 if the id is taken.
CREATE = _STAMP + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = stamp(KEYS[3])
redis.call('HSET', KEYS[1], 'modified_time', now, 'lease_token', '0', unpack(ARGV, 6))
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
if string.sub(ARGV[4], 1, 1) == '1' then
  redis.call('HSET', KEYS[5], ARGV[1], string.sub(ARGV[4], 2))
end
if string.sub(ARGV[5], 1, 1) == '1' then
  redis.call('HSET', KEYS[6], ARGV[1], string.sub(ARGV[5], 2))
end
if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
"""

#: KEYS: session, events, lease, index, clock, summaries, models. ARGV: id, token (''
#: outside a lease), summary ('1' .. text, or '0' for none), session_ttl_ms, the model a
#: session.model_change switched to ('' for none), then the event payloads.
#: Returns the new log length, -1 if the session is gone, -2 if the token is stale.
APPEND = _STAMP + """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[2] ~= '' then
  if redis.call('HGET', KEYS[1], 'lease_token') ~= ARGV[2] then return -2 end
  redis.call('HSET', KEYS[1], 'lease_token', '0')
  redis.call('DEL', KEYS[3])
end
local n = redis.call('LLEN', KEYS[2])
for i = 6, #ARGV, 1000 do
  n = redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
local now = stamp(KEYS[5])
redis.call('HSET', KEYS[1], 'modified_time', now)
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'model', ARGV[5])
  redis.call('HSET', KEYS[7], ARGV[1], ARGV[5])
end
if string.sub(ARGV[3], 1, 1) == '1' then
  if redis.call('HSETNX', KEYS[1], 'summary', string.sub(ARGV[3], 2)) == 1 then
    redis.call('HSET', KEYS[6], ARGV[1], string.sub(ARGV[3], 2))
  end
end
redis.call('ZADD', KEYS[4], now, ARGV[1])
if ARGV[4] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  if n > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
end
return n
"""

#: KEYS: session, lease, token counter. ARGV: holder, ttl_ms. Returns the new token,
#: 0 if another holds an unexpired lease, -1 if the session does not exist.
GRANT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local token = string.format('%.0f', redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[1], 'lease_token', token)
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return tonumber(token)
"""

#: KEYS: session, lease. ARGV: holder, token, ttl_ms. Returns 1 if renewed (also an
#: expired lease nobody took), 0 if the token is no longer current (taken over, or
#: given up: a late heartbeat never brings a released lease back).
RENEW = """
if redis.call('HGET', KEYS[1], 'lease_token') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return 1
"""

#: KEYS: session, lease. ARGV: token. Gives the lease up if the token is current.
RELEASE = """
if redis.call('HGET', KEYS[1], 'lease_token') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'lease_token', '0')
  redis.call('DEL', KEYS[2])
end
return 1
"""

#: KEYS: index, starts, models, summaries. ARGV: the session-key prefix, then ids that may have
#: expired (session_ttl). Drops the listing entries of those whose hash is gone;
#: returns the ids dropped.
PRUNE = """
local gone = {}
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then
    redis.call('ZREM', KEYS[1], ARGV[i])
    for k = 2, 4 do redis.call('HDEL', KEYS[k], ARGV[i]) end
    gone[#gone + 1] = ARGV[i]
  end
end
return gone
"""
