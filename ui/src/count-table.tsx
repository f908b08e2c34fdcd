/** A two-column table of names and counts (lures, attachment types, findings...), or a line saying there is none. */
import type { ReactNode } from 'react';

export interface CountTableProps {
  readonly label: string;
  readonly head: string;
  readonly rows: ReadonlyArray<readonly [string, number]>;
  readonly countHead?: string;
  readonly empty?: string;
  /** Show names in a monospace font (hashes, symbols). */
  readonly code?: boolean;
}

export function CountTable({ label, head, rows, countHead, empty, code }: CountTableProps): ReactNode {
  if (rows.length === 0) return <p className="muted">{empty ?? 'None.'}</p>;
  return (
    <table className="list compact" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col" className="num">
            {countHead ?? 'Messages'}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, count], i) => (
          <tr key={`${i}:${name}`}>
            <td className="clip">{code === true ? <code>{name}</code> : name}</td>
            <td className="num">{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
