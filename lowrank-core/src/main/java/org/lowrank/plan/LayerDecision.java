package org.lowrank.plan;

import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;

/**
 * The plan for one layer: how to factorize it ({@code choice}, null when the layer is kept), its
 * cost before and after, the selector's score of the choice (NaN when none), and a note: why the
 * layer is skipped, or any adjustment the planner made (e.g. rank rounding).
 */
public record LayerDecision(
    String layer, String kind, Choice choice, Cost before, Cost after, double score, String note) {

  public LayerDecision {
    note = note == null ? "" : note;
  }

  /** A layer left as it is, with the reason. */
  public static LayerDecision skipped(String layer, String kind, Cost cost, String reason) {
    return new LayerDecision(layer, kind, null, cost, cost, Double.NaN, reason);
  }

  public boolean isFactorized() {
    return choice != null;
  }

  /**
   * Whether the decision lowers both parameters and MACs, or keeps the layer. The planner only
   * makes such decisions; a plan file may not (its layers then carry a warning note).
   */
  public boolean lowersCost() {
    return !isFactorized() || (after.params() < before.params() && after.macs() < before.macs());
  }
}
