import { Link } from 'react-router';

export function Brand({ compact }: { compact?: boolean }) {
  return (
    <Link to="/" className={`brand${compact ? ' brand-compact' : ''}`} aria-label="Atrium">
      <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="currentColor" /><path d="M9 23 16 8l7 15M11.8 17.5h8.4" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" /></svg>
      <span>Atrium</span>
    </Link>
  );
}
