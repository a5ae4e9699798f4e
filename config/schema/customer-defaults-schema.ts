import { intBetween } from '../config-formats.js';
import {
  DEFAULT_PASSWORD_FORMAT_SETTINGS as DEFAULT_FORMAT,
  PASSWORD_FORMAT_BOUNDS,
  ROLLOUT_MODES,
  type RolloutModeSetting,
} from '../customer-settings.js';

/**
 * Service-wide defaults of settings each customer may override in its own entry (`passwordFormat`, `mode`).
 * A format that cannot always give 14 characters of 3 character classes stops the start (app/wiring-plan.ts).
 */
export const passwordFormatDefaultsSchema = {
  words: {
    doc: 'Temporary passwords: how many capitalised list words (4-7 letters each). Per customer: passwordFormat.words.',
    format: intBetween(...PASSWORD_FORMAT_BOUNDS.words),
    default: DEFAULT_FORMAT.words,
    env: 'PASSWORD_FORMAT_WORDS',
  },
  separators: {
    doc: 'Temporary passwords: the symbols one separator is drawn from (per password, repeated between the parts), any of - ! # % + = ? @ . _ ~ : ^; empty for none. Per customer: passwordFormat.separators.',
    format: 'password-separators',
    default: DEFAULT_FORMAT.separators,
    env: 'PASSWORD_FORMAT_SEPARATORS',
  },
  digits: {
    doc: 'Temporary passwords: how many digits the trailing number has (no leading zero; 0 for no number). Per customer: passwordFormat.digits.',
    format: intBetween(...PASSWORD_FORMAT_BOUNDS.digits),
    default: DEFAULT_FORMAT.digits,
    env: 'PASSWORD_FORMAT_DIGITS',
  },
};

export const rolloutSchema = {
  defaultMode: {
    doc: 'How far the service acts for a customer without its own "mode": "on" works its tickets; "dry-run" decides as usual but changes nothing in the tenant, keeps no link and writes nothing the customer sees, and hands each ticket to the engineers with an internal note of what it would have done; "off" leaves its tickets alone (no note, no move).',
    format: [...ROLLOUT_MODES],
    default: 'on' as RolloutModeSetting,
    env: 'ROLLOUT_DEFAULT_MODE',
  },
};
