// Charts over an object's history: state timeline, waiters, transitions per second.
import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistoryPointMessage } from '../../protocol';

interface Props {
  points: HistoryPointMessage[];
  from: number;
  to: number;
  valueLabel: string;
  /** Top of the value axis: 1 for on/off states, a semaphore's maximum; else automatic. */
  valueMax?: number;
}

/** Evenly spaced time ticks, so the axis reads the same whatever the data. */
function timeTicks(from: number, to: number, count = 6): number[] {
  return Array.from({ length: count }, (_, i) => from + ((to - from) * i) / (count - 1));
}

// One formatter for every tick label: toLocaleTimeString builds a new one per call, and recharts
// formats each tick several times per render.
const timeFormat = new Intl.DateTimeFormat([], { hour12: false, hour: 'numeric', minute: 'numeric', second: 'numeric' });
const time = (t: number) => timeFormat.format(t);

/** History points plus the last value carried to `to`, since states are step functions. */
export function stepSeries(points: HistoryPointMessage[], to: number): HistoryPointMessage[] {
  if (points.length === 0) return [];
  const last = points[points.length - 1];
  return last.t < to ? [...points, { ...last, t: to, changes: 0 }] : points;
}

/** Changes per second in `buckets` equal slices of the window. */
export function transitionRates(points: HistoryPointMessage[], from: number, to: number, buckets = 30) {
  const width = (to - from) / buckets;
  const rates = Array.from({ length: buckets }, (_, i) => ({ t: from + (i + 1) * width, rate: 0 }));
  for (const point of points) {
    if (point.changes === 0 || point.t < from || point.t > to) continue;
    const index = Math.min(buckets - 1, Math.floor((point.t - from) / width));
    rates[index].rate += point.changes / (width / 1000);
  }
  return rates;
}

// Memoized: the charts change when their history is reloaded, not at every stream update that
// re-renders the window around them.
export const HistoryCharts = memo(function HistoryCharts({ points, from, to, valueLabel, valueMax }: Props) {
  const series = stepSeries(points, to);
  const hasWaiters = series.some((p) => p.waiters !== null);
  const ticks = timeTicks(from, to);
  const axis = <XAxis dataKey="t" type="number" domain={[from, to]} ticks={ticks} tickFormatter={time} allowDataOverflow />;
  return (
    <div className="charts">
      <figure aria-label="State over time" data-testid="state-chart" data-points={series.length}>
        <figcaption>{valueLabel} over time</figcaption>
        <ResponsiveContainer width="100%" height={130}>
          <LineChart data={series} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="grid-lines" />
            {axis}
            <YAxis width={36} allowDecimals={false} domain={[0, valueMax ?? 'auto']} />
            <Tooltip labelFormatter={(t) => time(Number(t))} />
            <Line type="stepAfter" dataKey="value" name={valueLabel} dot={false} isAnimationActive={false} className="series-value" />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure aria-label="Waiters over time">
        <figcaption>Waiters over time{hasWaiters ? '' : ' (the OS does not say)'}</figcaption>
        <ResponsiveContainer width="100%" height={100}>
          <LineChart data={series} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="grid-lines" />
            {axis}
            <YAxis width={36} allowDecimals={false} />
            <Tooltip labelFormatter={(t) => time(Number(t))} />
            <Line type="stepAfter" dataKey="waiters" name="waiters" dot={false} isAnimationActive={false} className="series-waiters" />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure aria-label="Transitions per second">
        <figcaption>Transitions per second</figcaption>
        <ResponsiveContainer width="100%" height={100}>
          <BarChart data={transitionRates(points, from, to)} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="grid-lines" />
            <XAxis dataKey="t" type="number" domain={[from, to]} ticks={ticks} tickFormatter={time} />
            <YAxis width={36} />
            <Tooltip labelFormatter={(t) => time(Number(t))} formatter={(v) => Number(v).toFixed(1)} />
            <Bar dataKey="rate" name="transitions/s" isAnimationActive={false} className="series-rate" />
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
});

export const Sparkline = memo(function Sparkline({ points, to }: { points: HistoryPointMessage[]; to: number }) {
  return (
    <ResponsiveContainer width={120} height={28}>
      <LineChart data={stepSeries(points, to)}>
        <XAxis dataKey="t" type="number" domain={['dataMin', to]} hide />
        <YAxis hide domain={['auto', 'auto']} />
        <Line type="stepAfter" dataKey="value" dot={false} isAnimationActive={false} className="series-value" />
      </LineChart>
    </ResponsiveContainer>
  );
});
