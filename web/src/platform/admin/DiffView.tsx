import { useT } from '../i18n';

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** A `{field: [before, after]}` diff as a table of changes; any other shape as formatted JSON. */
export function DiffView({ diff }: { diff: unknown }) {
  const t = useT();
  if (diff === null || diff === undefined || (typeof diff === 'object' && Object.keys(diff as object).length === 0)) {
    return <p className="muted">{t('audit.noDiff')}</p>;
  }
  const entries = typeof diff === 'object' && !Array.isArray(diff) ? Object.entries(diff as Record<string, unknown>) : [];
  const isChangeSet = entries.length > 0 && entries.every(([, v]) => Array.isArray(v) && v.length === 2);
  if (isChangeSet) {
    return (
      <table className="table diff" data-testid="diff">
        <thead><tr><th>{t('audit.field')}</th><th>{t('audit.before')}</th><th>{t('audit.after')}</th></tr></thead>
        <tbody>
          {(entries as [string, [unknown, unknown]][]).map(([field, [before, after]]) => (
            <tr key={field}>
              <td><code>{field}</code></td>
              <td><pre className="diff-old">{show(before)}</pre></td>
              <td><pre className="diff-new">{show(after)}</pre></td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="table diff" data-testid="diff">
      <tbody>
        {entries.length ? entries.map(([k, v]) => (
          <tr key={k}><td><code>{k}</code></td><td><pre>{show(v)}</pre></td></tr>
        )) : <tr><td><pre>{show(diff)}</pre></td></tr>}
      </tbody>
    </table>
  );
}
