import { isIP } from 'node:net';
import { outcomeEvent, outcomeEventId } from '../domain/outcome-events.js';
import type { OutcomeEvent, PsaKind, TicketNote } from '../domain/ports.js';
import { noteMarker } from '../domain/note-markers.js';
import type { LinkMeta } from './link-meta.js';

/**
 * What the service writes back to a ticket about its secure link (brief §5: "Opening and expiry are written
 * back to the ticket as internal notes"), and what it decides when a link's lifetime ends. Pure functions:
 * the BullMQ side lives in `workers/link-events-worker.ts`.
 *
 * Nothing here ever sees a token or a password. A link is named by its `ref` (sha256 of the token's lookup
 * id, hex), which Redis already holds as the link's key name.
 */

/** The non-secret facts that identify a link and its ticket; what link-event jobs carry. */
export interface LinkEventContext {
  psa: PsaKind;
  ticketId: string;
  correlationId: string;
  /** sha256 of the link's lookup id, hex (64 characters). */
  ref: string;
}

/** A view of the link: written as one internal note per view. */
export interface LinkRevealedEvent extends LinkEventContext {
  kind: 'revealed';
  /** ISO 8601 UTC time of the reveal. */
  at: string;
  ip?: string;
  userAgent?: string;
  /** 1 for the first view, 2 for the second, … */
  viewNumber: number;
  viewsLeft: number;
}

/** The viewer destroyed the link ("I have saved it"): written as one internal note. */
export interface LinkDestroyedEvent extends LinkEventContext {
  kind: 'destroyed';
  /** ISO 8601 UTC time the link was destroyed. */
  at: string;
  ip?: string;
  userAgent?: string;
}

/** The check made when a link's lifetime has ended. */
export interface LinkExpiryCheck extends LinkEventContext {
  kind: 'expiry';
  /** ISO 8601 UTC time the link expires. */
  expiresAt: string;
}

export type LinkEvent = LinkRevealedEvent | LinkDestroyedEvent | LinkExpiryCheck;

/** Longest user agent quoted in a note; the rest is cut (a note is for people, not for forensics). */
export const NOTE_USER_AGENT_MAX = 160;

/** `2026-11-30 14:05:09 UTC`: unambiguous for engineers in any time zone. */
export function formatUtc(at: Date): string {
  return Number.isNaN(at.getTime())
    ? 'an unknown time'
    : `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** The client address for a note: a literal IP address, or "an unknown address" for anything else. */
export function describeAddress(ip: string | undefined): string {
  if (!ip) return 'an unknown address';
  const bare = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(bare) ? bare : 'an unknown address';
}

/**
 * A user agent made safe to quote in a plain-text note: control characters and line breaks become spaces (a
 * header cannot forge extra note lines), whitespace is collapsed, URLs are defanged (`https://` → `https[:]//`,
 * so a PSA that links URLs in notes makes no link from it), the result is cut to `NOTE_USER_AGENT_MAX`
 * characters and quoted. The PSA adapter HTML-escapes the whole note when it renders it.
 */
export function describeUserAgent(userAgent: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = (userAgent ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const collapsed = cleaned.replace(/\s+/g, ' ').trim();
  if (!collapsed) return 'no user agent';
  const defanged = collapsed.replace(/:\/\//g, '[:]//').replace(/"/g, "'");
  const cut =
    defanged.length > NOTE_USER_AGENT_MAX ? `${defanged.slice(0, NOTE_USER_AGENT_MAX - 1)}…` : defanged;
  return `"${cut}"`;
}

/** The short form of a ref shown in notes and logs (the same as `secureLinkRef`). */
export function shortRef(ref: string): string {
  return ref.slice(0, 12);
}

/**
 * A stable marker per link and event, so a retried job finds the note an earlier attempt wrote
 * (`PsaAdapter.hasNoteWithMarker`). Letters, digits and dashes only: survives any PSA's HTML rendering.
 */
export function linkEventMarker(event: LinkEvent): string {
  const input = `${event.psa}:${event.ticketId}:${event.ref}`;
  if (event.kind === 'revealed') return noteMarker('V', input, 10, event.viewNumber);
  return noteMarker(event.kind === 'destroyed' ? 'X' : 'E', input, 10);
}

/** The internal note for one view: when, from which address, with which browser. */
export function revealedNote(event: LinkRevealedEvent): TicketNote {
  const left =
    event.viewsLeft > 0
      ? `It can be opened ${event.viewsLeft} more time${event.viewsLeft === 1 ? '' : 's'}.`
      : 'That was its last view: the link no longer works.';
  return linkNote(event, [
    `Secure link opened: what it holds (the temporary password, a Temporary Access Pass, or both) was revealed at ${formatUtc(new Date(event.at))} from ${describeAddress(event.ip)} (${describeUserAgent(event.userAgent)}).`,
    `This was view ${event.viewNumber} of the link. ${left}`,
    'If the requester says they did not open it, treat what it holds as exposed: reset again.',
  ]);
}

/** The internal note for a link its viewer destroyed after saving the password. */
export function destroyedNote(event: LinkDestroyedEvent): TicketNote {
  return linkNote(event, [
    `Secure link destroyed: the viewer destroyed the link at ${formatUtc(new Date(event.at))} from ${describeAddress(event.ip)} (${describeUserAgent(event.userAgent)}), after saving what it held.`,
    'The link no longer works, and the service no longer stores what it held.',
  ]);
}

/** The internal note for a link that expired without being opened; the ticket goes to the engineers. */
export function expiredUnviewedNote(event: LinkExpiryCheck): TicketNote {
  return linkNote(event, [
    `Secure link expired unviewed: it expired at ${formatUtc(new Date(event.expiresAt))} without the temporary password ever being revealed.`,
    "The staff member's password WAS reset, but the new password was never collected: the staff member still cannot sign in.",
    'Handed off to the engineers.',
    'Next step: re-issue. Check with the requester that they still need the reset, then reset the password again and deliver it by the secure route (a new secure link).',
  ]);
}

/** An internal note about a link: `lines`, then the link's short ref and the note's marker. */
function linkNote(event: LinkEvent, lines: string[]): TicketNote {
  const marker = linkEventMarker(event);
  return {
    visibility: 'internal',
    marker,
    text: [...lines, `Link ${shortRef(event.ref)} · ${marker}`].join('\n'),
  };
}

/** What to do when a link's lifetime has ended. */
export type ExpiryDecision =
  { action: 'hand-off' } | { action: 'none'; reason: 'revealed' | 'destroyed' | 'not-yet-expired' };

/**
 * Decides from the link's reporting record. No record (it aged out, or Redis lost it) is treated as "never
 * revealed": a needless hand-off costs an engineer a look, a missed one leaves a staff member locked out.
 */
export function decideOnExpiry(meta: LinkMeta | null, now: Date): ExpiryDecision {
  if (meta?.destroyed) return { action: 'none', reason: 'destroyed' };
  if (meta && meta.revealed > 0) return { action: 'none', reason: 'revealed' };
  if (meta && meta.expiresAt.getTime() > now.getTime()) return { action: 'none', reason: 'not-yet-expired' };
  return { action: 'hand-off' };
}

/**
 * The outcome event of a link event: `link.viewed` for a view, `link.expired-unviewed` for an expiry that
 * hands off. The id comes from the link's ref (and the view number), so reporting it again gives the same
 * event. Names the link by its short ref only, never its token or URL.
 */
export function linkOutcomeEvent(event: Exclude<LinkEvent, LinkDestroyedEvent>): OutcomeEvent {
  const subject = { psa: event.psa, ticketId: event.ticketId };
  if (event.kind === 'revealed') {
    return outcomeEvent(
      'link.viewed',
      outcomeEventId('link.viewed', subject, `${event.ref}:${event.viewNumber}`),
      subject,
      {
        occurredAt: new Date(event.at),
        view: { number: event.viewNumber, left: event.viewsLeft },
        linkRef: shortRef(event.ref),
      },
    );
  }
  return outcomeEvent(
    'link.expired-unviewed',
    outcomeEventId('link.expired-unviewed', subject, event.ref),
    subject,
    { occurredAt: new Date(event.expiresAt), linkRef: shortRef(event.ref) },
  );
}
