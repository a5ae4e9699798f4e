import { luaScript } from '../one-time-links/redis-deadline.js';

/**
 * The secure-link store's atomic Redis steps. KEYS[1] is the link's hash, KEYS[2] its reporting record
 * (`link-meta:`); a script touches the record only when it exists, so it never gains a record without a TTL.
 */

/**
 * Decrements `views` only if the hash still holds the ciphertext the caller decrypted (same GCM tag) and has
 * a view left; deletes the key when the last view is taken; counts the view in the reporting record. Returns
 * { views left, view number }, or { -1, 0 } when nothing was claimed. Racing reveals are serialised here.
 */
export const CLAIM = luaScript(`
local tag = redis.call('HGET', KEYS[1], 'tag')
if (not tag) or tag ~= ARGV[1] then return {-1, 0} end
local views = tonumber(redis.call('HGET', KEYS[1], 'views'))
local max = tonumber(redis.call('HGET', KEYS[1], 'maxViews') or '0')
if (not views) or views < 1 then
  redis.call('DEL', KEYS[1])
  return {-1, 0}
end
views = views - 1
if views == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'views', views)
end
local seen = 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  seen = redis.call('HINCRBY', KEYS[2], 'revealed', 1)
  redis.call('HSET', KEYS[2], 'lastRevealedAt', ARGV[2])
else
  seen = max - views
end
return {views, seen}
`);

/** Deletes a link and marks its reporting record destroyed (the service superseded or withdrew it). */
export const DESTROY = luaScript(`
local removed = redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'destroyed', '1') end
return removed
`);

/**
 * The viewer's "destroy this link": deletes the link only if it still holds the ciphertext the caller
 * decrypted (ARGV[1], its GCM tag), and records in the reporting record that the viewer did it and when
 * (ARGV[2], epoch ms). Returns 1 when the link was destroyed, 0 when it was already gone or replaced.
 */
export const VIEWER_DESTROY = luaScript(`
local tag = redis.call('HGET', KEYS[1], 'tag')
if (not tag) or tag ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'destroyed', '1', 'viewerDestroyedAt', ARGV[2])
end
return 1
`);
