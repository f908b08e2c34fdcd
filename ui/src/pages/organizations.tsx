/**
 * Organizations with their country and domains (an organization
 * administrator sees their own), each linking to its policy editor.
 * Organizations and domains come from the configuration, so this page reads.
 */
import type { ReactNode } from 'react';
import { queryString } from '../api';
import { ErrorBox, useApi } from '../format';
import { Link } from '../router';
import { useSession } from '../session';

interface OrganizationRow {
  readonly id: number;
  readonly name: string;
  readonly country: string | null;
  readonly domains: readonly string[];
}

export function OrganizationsPage(): ReactNode {
  const { can } = useSession();
  const list = useApi<{ organizations: OrganizationRow[] }>('/api/v1/organizations');
  const policy = can('policy:read');
  return (
    <section>
      <h1>Organizations</h1>
      <p className="muted">Organizations and their domains are set in the configuration (organizations, domains); each has its own policy.</p>
      <ErrorBox error={list.error} />
      {list.data !== undefined &&
        (list.data.organizations.length === 0 ? (
          <p className="muted">No organizations configured.</p>
        ) : (
          <table className="list" aria-label="Organizations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Country</th>
                <th scope="col">Domains</th>
                {policy && <th scope="col">Policy</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.organizations.map((o) => (
                <tr key={o.id}>
                  <td>{o.name}</td>
                  <td>{o.country ?? ''}</td>
                  <td className="clip">{o.domains.length === 0 ? <span className="muted">none</span> : o.domains.join(', ')}</td>
                  {policy && (
                    <td>
                      <Link to={`/policy${queryString({ organization: String(o.id) })}`} aria-label={`Policy of ${o.name}`}>
                        Edit policy
                      </Link>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
