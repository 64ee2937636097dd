package org.lowrank.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.util.Text;

/** Prints a plan as an aligned table with totals. */
final class PlanTable {
  private PlanTable() {}

  static void print(Plan p, PrintWriter out) {
    int w =
        Math.max(
            12,
            p.layers().stream().mapToInt(d -> Text.printable(d.layer()).length()).max().orElse(5));
    String fmt = "%-" + w + "s  %-8s  %-12s  %10s  %10s  %7s  %s%n";
    out.printf(
        Locale.ROOT, fmt, "layer", "method", "ranks", "params", "-> params", "score", "note");
    for (LayerDecision d : p.layers()) {
      out.printf(
          Locale.ROOT,
          fmt,
          Text.printable(d.layer()),
          d.isFactorized() ? d.choice().method().cliName() : "-",
          d.isFactorized() ? Arrays.toString(d.choice().ranks()).replace(" ", "") : "-",
          d.before().params(),
          d.after().params(),
          Double.isFinite(d.score()) && d.isFactorized()
              ? String.format(Locale.ROOT, "%.4f", d.score())
              : "-",
          Text.printable(d.note()));
    }
    out.printf(
        Locale.ROOT,
        "model: params %,d -> %,d (%.1f%% removed), MACs %,d -> %,d (%.1f%% removed); selector %s, budget %s, seed %d%n",
        p.modelBefore().params(),
        p.modelAfter().params(),
        100 * (1 - p.keptParamsFraction()),
        p.modelBefore().macs(),
        p.modelAfter().macs(),
        100 * (1 - p.keptFlopsFraction()),
        p.selector(),
        p.budget(),
        p.seed());
    p.rankGrid().ifPresent(g -> out.println("ranks: " + g));
    out.flush();
  }
}
