package org.lowrank.report;

import java.util.Locale;
import java.util.StringJoiner;

/** Number and text formatting shared by the HTML and terminal renderings (locale-independent). */
final class Fmt {
  private Fmt() {}

  /** A fraction as a percentage with {@code decimals} decimals: 0.7762 -> "77.6%". */
  static String percent(double fraction, int decimals) {
    if (Double.isNaN(fraction)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * fraction);
  }

  /** A signed difference of two fractions in percentage points: -0.0043 -> "-0.43 pt". */
  static String points(double deltaFraction) {
    return String.format(Locale.ROOT, "%+.2f pt", 100 * deltaFraction);
  }

  /** A count with thousands separators: 270410 -> "270,410". */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A count in short form: 432 -> "432", 270410 -> "270.4k", 40_600_000 -> "40.6M". */
  static String compact(double n) {
    double a = Math.abs(n);
    if (a < 1e3) {
      return String.format(Locale.ROOT, "%.0f", n);
    }
    String[] units = {"k", "M", "G", "T"};
    int u = 0;
    double v = n / 1e3;
    while (Math.abs(v) >= 999.95 && u < units.length - 1) {
      v /= 1e3;
      u++;
    }
    return String.format(Locale.ROOT, Math.abs(v) < 9.995 ? "%.2f%s" : "%.1f%s", v, units[u]);
  }

  /** {@link #compact} without trailing zeros, for axis ticks: 10000 -> "10k", 2500000 -> "2.5M". */
  static String compactTick(double n) {
    return compact(n).replaceAll("\\.0+(?=[kMGT]|$)|(\\.\\d*?)0+(?=[kMGT]|$)", "$1");
  }

  /** Milliseconds with about three significant digits: "0.842 ms", "12.4 ms", "153 ms". */
  static String millis(double ms) {
    String f = ms < 1 ? "%.3f ms" : ms < 10 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms";
    return String.format(Locale.ROOT, f, ms);
  }

  /** Seconds: "0.42 s", "12.3 s", "2 min 05 s". */
  static String seconds(double s) {
    if (s < 10) {
      return String.format(Locale.ROOT, "%.2f s", s);
    }
    if (s < 120) {
      return String.format(Locale.ROOT, "%.1f s", s);
    }
    long t = Math.round(s);
    return String.format(Locale.ROOT, "%d min %02d s", t / 60, t % 60);
  }

  /** A speedup factor: 1.8123 -> "1.81x". */
  static String speedup(double x) {
    if (!Double.isFinite(x)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.2fx", x);
  }

  /** A score or similarity with 4 decimals, "" when NaN. */
  static String score(double s) {
    return Double.isNaN(s) ? "" : String.format(Locale.ROOT, "%.4f", s);
  }

  /** A number for an axis tick: no trailing zeros beyond what the step needs. */
  static String tick(double v, double step) {
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** An input shape: [1, 3, 32, 32] -> "1x3x32x32", dynamic (-1) dimensions as "?". */
  static String shape(long[] shape, String sep) {
    StringJoiner j = new StringJoiner(sep);
    for (long d : shape) {
      j.add(d < 0 ? "?" : Long.toString(d));
    }
    return j.toString();
  }

  /** Ranks as "16, 8"; "" for none. */
  static String ranks(int[] ranks) {
    StringJoiner j = new StringJoiner(", ");
    for (int r : ranks) {
      j.add(Integer.toString(r));
    }
    return j.toString();
  }
}
