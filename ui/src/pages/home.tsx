/** The start page: links to the day-to-day pages (the dashboard comes with its API). */
import type { ReactNode } from 'react';
import { Link } from '../router';
import { useSession } from '../session';

const CARDS: ReadonlyArray<{ readonly to: string; readonly title: string; readonly text: string; readonly permission: string }> = [
  { to: '/messages', title: 'Message trace', text: 'Search every message by sender, recipient, subject, hashes, URLs and verdict.', permission: 'messages:read' },
  { to: '/quarantine?state=held', title: 'Quarantine', text: 'Preview held messages safely; release, delete or confirm them.', permission: 'quarantine:read' },
  { to: '/policy', title: 'Policy', text: "Edit an organization's policy, with validation and history.", permission: 'policy:read' },
  { to: '/users', title: 'Users', text: 'Create users, disable them, reset passwords.', permission: 'users:read' },
  { to: '/audit', title: 'Audit log', text: 'Who did what, when and from where; export as CSV.', permission: 'audit:read' },
];

export function HomePage(): ReactNode {
  const { session, can } = useSession();
  return (
    <section>
      <h1>Welcome, {session.user.username}</h1>
      <ul className="cards">
        {CARDS.filter((card) => can(card.permission)).map((card) => (
          <li key={card.to}>
            <Link to={card.to}>
              <strong>{card.title}</strong>
              <span>{card.text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
