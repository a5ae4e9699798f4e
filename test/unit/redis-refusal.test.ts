import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isRedisRefusal } from '../../services/one-time-links/redis-deadline.js';

describe('isRedisRefusal: an outage passes, a refusal is a decision', () => {
  it('When Redis cannot be reached or does not answer, then it is no refusal', () => {
    expect(isRedisRefusal(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      false,
    );
    expect(isRedisRefusal(new Error('Connection is closed.'))).toBe(false);
    expect(isRedisRefusal(new Error('timed out after 5000 ms'))).toBe(false);
  });

  it('When Redis answers while it loads, fails over or reshards, then it is no refusal', () => {
    for (const reply of [
      'LOADING Redis is loading the dataset in memory',
      "READONLY You can't write against a read only replica.",
      'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'CLUSTERDOWN The cluster is down',
    ])
      expect(isRedisRefusal(new ReplyError(reply)), reply).toBe(false);
  });

  it('When Redis answers no (out of memory), then it is a refusal, also inside a discarded MULTI', () => {
    const oom = new ReplyError("OOM command not allowed when used memory > 'maxmemory'.");
    expect(isRedisRefusal(oom)).toBe(true);
    const aborted = Object.assign(
      new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
      {
        previousErrors: [oom],
      },
    );
    expect(isRedisRefusal(aborted)).toBe(true);
    const failingOver = Object.assign(
      new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
      { previousErrors: [new ReplyError("READONLY You can't write against a read only replica.")] },
    );
    expect(isRedisRefusal(failingOver)).toBe(false);
  });
});
