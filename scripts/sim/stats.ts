/** The statistics the report needs: χ² against expected counts, its critical values and p-value. */

/** Wilson–Hilferty: the χ² quantile with `df` degrees of freedom whose upper tail is the one of `z` under N(0,1). Within 1% of tables for df ≥ 5. */
export function chiSquareQuantile(df: number, z: number): number {
  const v = 2 / (9 * df)
  return df * (1 - v + z * Math.sqrt(v)) ** 3
}

/** z of the upper-tail probabilities the report uses */
export const Z_UPPER = { p01: 2.3263, p001: 3.0902 } as const

/** P(χ²_df ≥ x), by Wilson–Hilferty and the normal tail. */
export function chiSquarePValue(x: number, df: number): number {
  const v = 2 / (9 * df)
  const z = ((x / df) ** (1 / 3) - (1 - v)) / Math.sqrt(v)
  return 0.5 * erfc(z / Math.SQRT2)
}

/** Complementary error function, Chebyshev fit (fractional error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    )
  return x >= 0 ? r : 2 - r
}

export interface ChiSquare {
  statistic: number
  df: number
  /** critical values at upper-tail 1% and 0.1% */
  critical01: number
  critical001: number
  pValue: number
}

/** Pearson's χ² of `observed` against `expected` over the entries whose expected count is positive. */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquare {
  let statistic = 0
  let cells = 0
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i] as number
    if (!(e > 0)) continue
    statistic += ((observed[i] as number) - e) ** 2 / e
    cells++
  }
  const df = cells - 1
  return {
    statistic,
    df,
    critical01: chiSquareQuantile(df, Z_UPPER.p01),
    critical001: chiSquareQuantile(df, Z_UPPER.p001),
    pValue: chiSquarePValue(statistic, df)
  }
}
