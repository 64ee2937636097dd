package org.lowrank.plan;

import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;

/**
 * A scored option for one layer: a factorization {@code choice} (null = keep the layer as it is),
 * its cost, and a quality {@code score} where higher is better and 1 means "as the original" (the
 * output similarity for the feature-map selector, 1 - relative error for weight-based ones).
 */
public record Candidate(Choice choice, Cost cost, double score) {

  /** The layer kept as it is, with score 1. */
  public static Candidate original(LayerGeometry g) {
    return new Candidate(null, CostModel.original(g), 1.0);
  }

  public boolean isOriginal() {
    return choice == null;
  }

  /**
   * The rule selectors prefer passing candidates by: anything beats the original, then fewer
   * parameters, ties going to the higher score.
   */
  public boolean preferableTo(Candidate current) {
    if (current.isOriginal()) {
      return !isOriginal();
    }
    long a = cost.params();
    long b = current.cost.params();
    return a < b || (a == b && score > current.score);
  }
}
