package org.lowrank.bench.record;

import java.util.Locale;

/** Table cells from the loosely typed values of a JSON line: absent values render as "". */
public final class Cells {
  private Cells() {}

  /** A fraction as a percentage with two decimals ("12.34%"); NaN as "n/a". */
  public static String pct(Object v) {
    if (!(v instanceof Number n)) {
      return "";
    }
    double d = n.doubleValue();
    return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * d);
  }

  /** A number with {@code decimals} decimals. */
  public static String fixed(Object v, int decimals) {
    return v instanceof Number n
        ? String.format(Locale.ROOT, "%." + decimals + "f", n.doubleValue())
        : "";
  }

  /** A whole number with thousands separators ("1,171,841"). */
  public static String count(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "";
  }

  public static String str(Object v) {
    return v == null ? "" : String.valueOf(v);
  }
}
