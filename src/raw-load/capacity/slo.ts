// The SLO of `flashcrowd probe`: comma-separated clauses such as "p99<200ms, errors<1%".
// Figures: p50 p90 p99 p999 (latency; ms or s) and errors (share of requests; % or a ratio).

export interface SloClause {
  figure: 'p50' | 'p90' | 'p99' | 'p999' | 'errors';
  /** Upper bound: latency in ms, errors as a ratio. */
  max: number;
  text: string;
}

const CLAUSE = /^(p50|p90|p99|p999|errors)\s*(<=?)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?$/;

export function parseSlo(input: string): SloClause[] {
  const clauses: SloClause[] = [];
  for (const raw of input.split(',')) {
    const text = raw.trim();
    if (!text) continue;
    const m = CLAUSE.exec(text);
    if (!m) throw new Error(`SLO clause '${text}' is not of the form p99<200ms or errors<1% (figures: p50 p90 p99 p999 errors)`);
    const figure = m[1] as SloClause['figure'];
    const value = Number(m[3]);
    const unit = m[4];
    let max: number;
    if (figure === 'errors') {
      if (unit === 'ms' || unit === 's') throw new Error(`SLO clause '${text}': errors take % or a ratio`);
      max = unit === '%' ? value / 100 : value;
    } else {
      if (unit === '%') throw new Error(`SLO clause '${text}': latency takes ms or s`);
      max = unit === 's' ? value * 1000 : value;
    }
    clauses.push({ figure, max, text });
  }
  if (clauses.length === 0) throw new Error('the SLO is empty; e.g. --slo "p99<200ms,errors<1%"');
  return clauses;
}

export interface StepFigures {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  errors: number;
}

/** The clauses a step's figures violate (empty when the step meets the SLO). */
export function violations(clauses: SloClause[], figures: StepFigures): string[] {
  return clauses.filter((c) => !(figures[c.figure] <= c.max)).map((c) => `${c.text} (observed ${c.figure === 'errors' ? `${(figures.errors * 100).toFixed(2)}%` : `${figures[c.figure]}ms`})`);
}
