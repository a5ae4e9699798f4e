import { checksOf, describeFailure, setting, type CheckResult } from './doctor-check.js';

/**
 * `resetdesk doctor` for the public URL: `GET <PUBLIC_BASE_URL>/healthz` answers 200 from a resetdesk API, so
 * the links written on tickets will open. It goes through whatever DNS, TLS and proxy a manager's browser goes
 * through, so it fails until the API runs behind them.
 */
export async function publicUrlDoctor(publicBaseUrl: string, timeoutMs = 5000): Promise<CheckResult[]> {
  const c = checksOf('public URL');
  const url = `${publicBaseUrl.replace(/\/+$/, '')}/healthz`;
  const fix = `start the API and make ${setting('server.publicBaseUrl')} reach it: DNS, the TLS certificate, and the reverse proxy's route to its port`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = (await res.text()).slice(0, 200);
    if (res.status === 200 && /"status"\s*:\s*"ok"/.test(body))
      return [c.ok('GET /healthz', `${url} answers`)];
    return [c.fail('GET /healthz', `${url} answered HTTP ${res.status}, not resetdesk's health answer`, fix)];
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : describeFailure(err);
    return [c.fail('GET /healthz', `${url} does not answer (${why})`, fix)];
  }
}
