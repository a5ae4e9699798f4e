import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../support/captured-logs.js';

const capture = () => capturedLogger();

describe('log redaction', () => {
  it.each([
    ['a password', { password: 'Maple#Rocket#Canyon#47' }],
    ['a nested password profile', { body: { passwordProfile: { password: 'Maple#Rocket#Canyon#47' } } }],
    ['a client secret', { clientSecret: 'Maple#Rocket#Canyon#47' }],
    ['an issued Temporary Access Pass', { pass: { id: 'x', temporaryAccessPass: 'Maple#Rocket#Canyon#47' } }],
    ['an OAuth form field', { form: { client_secret: 'Maple#Rocket#Canyon#47' } }],
    ['an access token', { tokenResponse: { access_token: 'Maple#Rocket#Canyon#47' } }],
    ['an Authorization header', { req: { headers: { authorization: 'Basic Maple#Rocket#Canyon#47' } } }],
    [
      'an axios request config',
      { err: { config: { headers: { Authorization: 'Bearer Maple#Rocket#Canyon#47' } } } },
    ],
    ['a ConnectWise signature', { req: { headers: { 'x-content-signature': 'Maple#Rocket#Canyon#47' } } }],
  ])('When %s reaches the logger by accident, then it is not written', (_label, object) => {
    const { logger, text } = capture();
    logger.info(object, 'something happened');
    expect(text()).toContain('something happened');
    expect(text()).not.toContain('Maple#Rocket#Canyon#47');
  });
});
