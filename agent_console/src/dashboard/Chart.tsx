// One trend chart (uPlot, on a canvas): bars or a line over labelled periods, as wide as its
// box. The legend tells the value under the cursor.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const HEIGHT = 190;
const STEPS = [1, 2, 3, 5, 7, 10, 14, 20, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const COLOR = "#1e5a8a";

export interface ChartProps {
  title: string;
  labels: string[];
  values: (number | null)[];
  kind: "bars" | "line";
  series: string;
  /** What the x axis counts ("Periode"), for the legend. */
  xName: string;
  /** A value for the legend ("2 j 14 m") and for the y axis ("2 j"). */
  show: (value: number) => string;
  tick: (value: number) => string;
  /** Whether y values are counts (whole ticks only). */
  whole?: boolean;
  empty: string;
  testid: string;
}

function options(p: ChartProps, width: number): uPlot.Options {
  const n = p.labels.length;
  const font = "12px system-ui, sans-serif";
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(n, 1) - 0.5] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      { font, incrs: STEPS, space: 44, grid: { show: false }, values: (_u, splits) => splits.map((i) => p.labels[i] ?? "") },
      { font, size: 64, incrs: p.whole ? STEPS : undefined, values: (_u, splits) => splits.map(p.tick) },
    ],
    series: [
      { label: p.xName, value: (_u, i) => (i === null ? "" : (p.labels[i] ?? "")) },
      {
        label: p.series,
        stroke: COLOR,
        width: p.kind === "bars" ? 1 : 2,
        fill: p.kind === "bars" ? "rgba(30, 90, 138, 0.7)" : undefined,
        paths: p.kind === "bars" ? uPlot.paths.bars?.({ size: [0.7, 48] }) : undefined,
        points: { show: p.kind === "line" && n <= 62 },
        value: (_u, v) => (v === null || v === undefined ? "—" : p.show(v)),
      },
    ],
  };
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const data = JSON.stringify([props.title, props.labels, props.values, props.series, props.kind]);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const p = latest.current;
    const width = (): number => Math.max(240, el.clientWidth);
    const plot = new uPlot(options(p, width()), [p.labels.map((_, i) => i), p.values], el);
    const resized = new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT }));
    resized.observe(el);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [data]);

  const hasData = props.values.some((v) => v !== null && (props.kind === "line" || v > 0));
  return (
    <figure class="dash-chart" data-testid={props.testid} data-points={props.values.length}>
      <figcaption class="dash-chart-title">{props.title}</figcaption>
      <div class="dash-chart-box" ref={box} role="img" aria-label={props.title} />
      {!hasData && <p class="dash-muted dash-chart-empty">{props.empty}</p>}
    </figure>
  );
}
