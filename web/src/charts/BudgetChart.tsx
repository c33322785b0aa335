// The latency budget: each serving-path component's budget against its measured P99, the ones over
// their budget marked in colour, with an icon and in words.
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ComponentStatus, LatencyBudget } from '../api/slas';
import { HealthIcon } from '../components/HealthIcon';
import { formatMs } from '../lib/format';
import { useChartColors } from './colors';

export function BudgetChart({
  components,
  budget,
}: {
  components: ComponentStatus[];
  budget: LatencyBudget | null;
}) {
  const colors = useChartColors();
  // Over when its alert's condition holds, or when the latest P99 is past the budget already.
  const isOver = (c: ComponentStatus) => c.overBudget || (c.p99Ms !== undefined && c.p99Ms > c.budgetMs);
  const rows = components.map((c) => ({
    component: c.component,
    budget: c.budgetMs,
    p99: c.p99Ms ?? null,
    over: isOver(c),
  }));
  const over = components.filter(isOver);
  const measuredTotal = components.reduce((sum, c) => sum + (c.p99Ms ?? 0), 0);
  return (
    <figure className="chart budget-chart">
      <figcaption>
        <span className="chart-title">Latency budget: P99 per component against its budget</span>
        {budget !== null ? (
          <span className="muted small">
            budgets add up to {formatMs(budget.totalMs)} of the {formatMs(budget.p99Ms)} P99 target (
            {formatMs(budget.headroomMs)} headroom); measured P99s add up to {formatMs(measuredTotal)}
          </span>
        ) : null}
      </figcaption>
      <p className={over.length > 0 ? 'budget-verdict breach' : 'budget-verdict'}>
        <HealthIcon health={over.length > 0 ? 'warning' : 'ok'} />{' '}
        {over.length === 0
          ? 'Every component is within its budget.'
          : `Over budget: ${over.map((c) => `${c.component} (${formatMs(c.p99Ms)} of ${formatMs(c.budgetMs)})`).join(', ')}.`}
      </p>
      <div className="budget-grid">
        <div className="chart-body" aria-hidden="true">
          <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 34 + 30)}>
            <BarChart
              data={rows}
              layout="vertical"
              margin={{ top: 4, right: 16, bottom: 0, left: 4 }}
              barGap={2}
            >
              <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" horizontal={false} />
              <XAxis
                type="number"
                tickFormatter={(v: number) => formatMs(v)}
                stroke={colors.axis}
                tick={{ fill: colors.axis, fontSize: 11 }}
              />
              <YAxis
                type="category"
                dataKey="component"
                width={120}
                stroke={colors.axis}
                tick={{ fill: colors.axis, fontSize: 11 }}
              />
              <Tooltip
                formatter={(v, name) => [
                  typeof v === 'number' ? formatMs(v) : '—',
                  name === 'budget' ? 'budget' : 'P99',
                ]}
                contentStyle={{
                  background: 'var(--surface)',
                  border: '1px solid var(--border)',
                  color: 'var(--text)',
                }}
              />
              <Bar
                dataKey="budget"
                name="budget"
                fill={colors.grid}
                stroke={colors.axis}
                isAnimationActive={false}
                barSize={10}
              />
              <Bar dataKey="p99" name="P99" isAnimationActive={false} barSize={10}>
                {rows.map((r) => (
                  <Cell key={r.component} fill={r.over ? colors.over : colors.ok} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
        <table className="table budget-table">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col" className="num">
                P99
              </th>
              <th scope="col" className="num">
                Budget
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {components.map((c) => (
              <tr
                key={c.component}
                data-component={c.component}
                data-over={isOver(c)}
                className={isOver(c) ? 'breach' : undefined}
              >
                <th scope="row">{c.component}</th>
                <td className="num">{formatMs(c.p99Ms)}</td>
                <td className="num">{formatMs(c.budgetMs)}</td>
                <td>
                  {c.p99Ms === undefined ? (
                    <span className="badge badge-no_data">
                      <HealthIcon health="no_data" /> no traffic
                    </span>
                  ) : isOver(c) ? (
                    <span className="badge badge-warning">
                      <HealthIcon health="warning" /> over by {formatMs(Math.max(0, c.p99Ms - c.budgetMs))}
                    </span>
                  ) : (
                    <span className="badge badge-ok">
                      <HealthIcon health="ok" /> {formatMs(c.budgetMs - c.p99Ms)} spare
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
