package org.lowrank.bench.results;

import java.util.Locale;

/**
 * A target a measured number must reach (issue 7, MISSION.md), and the verdict for a measurement:
 * "met" or "missed by X", X computed as the distance to the target in the target's unit.
 *
 * @param what short name, e.g. "params removed"
 * @param value the target value
 * @param atLeast true when the measurement must be >= value, false when it must be <= value
 * @param unit the unit appended to numbers: "%" (percent points), " pts" (accuracy points), "x"
 */
public record Target(String what, double value, boolean atLeast, String unit) {

  public static Target atLeast(String what, double value, String unit) {
    return new Target(what, value, true, unit);
  }

  public static Target atMost(String what, double value, String unit) {
    return new Target(what, value, false, unit);
  }

  /**
   * How far the measurement falls short of the target: 0 when met, a positive distance when missed,
   * NaN when there is no measurement (NaN).
   */
  public double shortfall(double measured) {
    if (Double.isNaN(measured)) {
      return Double.NaN;
    }
    double d = atLeast ? value - measured : measured - value;
    return d > 0 ? d : 0;
  }

  /** "met (78.1% >= 77.6%)", "missed by 0.20 pts (0.60 pts > 0.40 pts)" or "not measured". */
  public String verdict(double measured) {
    double s = shortfall(measured);
    if (Double.isNaN(s)) {
      return "not measured";
    }
    String cmp =
        String.format(
            Locale.ROOT,
            "%s %s %s",
            fmt(measured),
            s == 0 ? (atLeast ? ">=" : "<=") : (atLeast ? "<" : ">"),
            fmt(value));
    return s == 0 ? "met (" + cmp + ")" : "missed by " + fmt(s) + " (" + cmp + ")";
  }

  /** The target as text, e.g. "params removed >= 77.60%". */
  public String describe() {
    return what + (atLeast ? " >= " : " <= ") + fmt(value);
  }

  private String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f%s", v, unit);
  }
}
