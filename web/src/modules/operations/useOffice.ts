import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { request } from '../../api/client';
import { OPS, officeKeys, type Member, type Organization } from './office-api';

/** The caller's organisations and the one the page works in (`?org=`, else the first). */
export function useOrganization() {
  const [params, setParams] = useSearchParams();
  const orgs = useQuery({ queryKey: officeKeys.organizations, queryFn: ({ signal }) => request<{ items: Organization[] }>('GET', `${OPS}/organizations`, { signal }) });
  const items = orgs.data?.items ?? [];
  const current = items.find((o) => o.id === params.get('org')) ?? items[0];
  const select = (id: string) => { const next = new URLSearchParams(params); next.set('org', id); setParams(next, { replace: true }); };
  return { orgs, items, current, select };
}

export function useMembers(organizationId: string | undefined) {
  return useQuery({
    queryKey: officeKeys.members(organizationId ?? ''), enabled: !!organizationId,
    queryFn: ({ signal }) => request<{ items: Member[] }>('GET', `${OPS}/organizations/${organizationId}/members`, { signal }),
  });
}
