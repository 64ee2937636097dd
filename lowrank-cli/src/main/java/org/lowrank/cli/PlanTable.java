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
    printPruning(p, out);
    out.flush();
  }

  /**
   * The filter pruning before the factorizations, when the plan records one: the groups pruned
   * (kept of width channels) and the totals against the model before pruning (the table's counts
   * start from the pruned model).
   */
  private static void printPruning(Plan p, PrintWriter out) {
    if (!(p.settings().get("prune_groups") instanceof java.util.List<?> groups)) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "pruned (%s): %s%n",
        p.settings().get("prune_criterion"),
        groups.isEmpty()
            ? "no channel group"
            : groups.size()
                + " group(s): "
                + Text.printable(
                    String.join("; ", groups.stream().map(Object::toString).toList())));
    if (p.settings().get("original_params") instanceof Number op
        && p.settings().get("original_macs") instanceof Number om) {
      out.printf(
          Locale.ROOT,
          "against the model before pruning: params %,d -> %,d (%.1f%% kept), MACs %,d -> %,d"
              + " (%.1f%% kept)%n",
          op.longValue(),
          p.modelAfter().params(),
          100.0 * p.modelAfter().params() / op.longValue(),
          om.longValue(),
          p.modelAfter().macs(),
          100.0 * p.modelAfter().macs() / om.longValue());
    }
  }
}
