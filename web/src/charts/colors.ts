// Chart colours come from the page's CSS variables, so charts follow light and dark mode.
import { useEffect, useState } from 'react';

export interface ChartColors {
  series: string[];
  threshold: string;
  grid: string;
  axis: string;
  text: string;
  pending: string;
  firing: string;
  ok: string;
  over: string;
}

function read(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    series: [1, 2, 3, 4, 5, 6].map((i) => v(`--chart-${i}`, '#1f5fbf')),
    threshold: v('--chart-threshold', '#b3261e'),
    grid: v('--border', '#d5d9de'),
    axis: v('--muted', '#59616b'),
    text: v('--text', '#1a1d21'),
    pending: v('--pending-fill', 'rgba(179,120,0,0.15)'),
    firing: v('--firing-fill', 'rgba(179,38,30,0.18)'),
    ok: v('--ok', '#1b7a3a'),
    over: v('--critical', '#b3261e'),
  };
}

/** The chart colours of the current colour scheme; updates when the scheme changes. */
export function useChartColors(): ChartColors {
  const [colors, setColors] = useState(read);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const update = () => setColors(read());
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return colors;
}
