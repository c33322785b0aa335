// A run's state as a badge with a word (never colour alone).
import type { RunState } from '../api/runs';

const TONE: Record<RunState, string> = {
  triggered: 'pending',
  awaiting_approval: 'warning',
  executing: 'pending',
  verifying: 'pending',
  succeeded: 'ok',
  failed: 'critical',
  escalated: 'critical',
  rejected: 'no_data',
  cancelled: 'no_data',
  skipped: 'no_data',
};

const ICON: Record<RunState, string> = {
  triggered: '…',
  awaiting_approval: '⏸',
  executing: '▶',
  verifying: '⟳',
  succeeded: '✓',
  failed: '✗',
  escalated: '▲',
  rejected: '⊘',
  cancelled: '⊘',
  skipped: '↷',
};

export function RunStateBadge({ state }: { state: RunState }) {
  return (
    <span className={`badge badge-${TONE[state]} run-state`} data-run-state={state}>
      <span aria-hidden="true">{ICON[state]}</span> {state.replace('_', ' ')}
    </span>
  );
}
