// The SLA's operational maturity level (the seed's 0–4) with the checks behind it, one click away.
import type { Maturity } from '../lib/maturity';

const STATE_TEXT = { pass: '✓', fail: '✗', unknown: '?' } as const;
const STATE_LABEL = { pass: 'passes', fail: 'fails', unknown: 'not known yet' } as const;

export function MaturityBadge({ maturity }: { maturity: Maturity }) {
  return (
    <details className="maturity" data-level={maturity.level}>
      <summary>
        <span className="maturity-level">L{maturity.level}</span> {maturity.name}
      </summary>
      <div className="maturity-body">
        <p>{maturity.meaning}</p>
        <ul className="checks">
          {maturity.checks.map((c) => (
            <li key={c.label} className={`check check-${c.state}`}>
              <span aria-hidden="true" className="check-mark">
                {STATE_TEXT[c.state]}
              </span>
              <span className="visually-hidden">{STATE_LABEL[c.state]}: </span>
              <span className="check-level">L{c.level}</span> {c.label}
              <span className="muted small"> — {c.detail}</span>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
