/**
 * What people (not the service) do on a simulated Halo ticket: actions by the ticket's end user or by an agent,
 * shaped as `GET /api/Actions` returns them. Halo sends action times in UTC without a zone designator, and marks
 * who acted with `who` (a display name) and `who_agentid` (the agent's id; 0 for an end user).
 */

export interface HaloSimActivity {
  /** `contact`: the ticket's end user (e.g. an email reply); `engineer`: an agent. */
  by: 'contact' | 'engineer';
  /** Plain text of the action's note. */
  text: string;
  at: Date;
  /** Display name; defaults to "Mark Manager" or "Ann Agent". */
  who?: string;
  /** Hidden from the end user (an agent's private note). Default: false. */
  hidden?: boolean;
}

/** The agent id Halo shows on actions the API application writes (its linked agent). */
export const HALO_SIM_API_AGENT_ID = 2;
/** The agent id of the engineer who acts in tests. */
export const HALO_SIM_ENGINEER_AGENT_ID = 5;

/** A stored action for an activity, with the fields Halo returns on a person's action. */
export function activityAction(id: number, ticketId: number, a: HaloSimActivity): Record<string, unknown> {
  const html = `<p>${a.text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .split('\n')
    .join('<br>')}</p>`;
  return {
    id,
    ticket_id: ticketId,
    outcome: a.by === 'contact' ? 'Email Received' : a.hidden ? 'Private Note' : 'Note',
    note: a.text,
    note_html: html,
    hiddenfromuser: a.hidden === true,
    sendemail: false,
    datetime: a.at.toISOString().replace(/Z$/, ''),
    who: a.who ?? (a.by === 'contact' ? 'Mark Manager' : 'Ann Agent'),
    who_agentid: a.by === 'contact' ? 0 : HALO_SIM_ENGINEER_AGENT_ID,
  };
}
