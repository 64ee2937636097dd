package org.lowrank.train.search;

import java.util.List;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;

/**
 * The search's outcome for one layer.
 *
 * @param layer layer name
 * @param method the searched method
 * @param choice the chosen factorization (TT/Tucker-2 with tied ranks r, r)
 * @param preferredRank argmax of the final stage's probabilities (equals the chosen rank when there
 *     is no budget)
 * @param candidateRanks the final stage's candidate ranks
 * @param probabilities the final stage's softmax probabilities, aligned with {@code candidateRanks}
 * @param candidates every rank scored in any stage, by increasing rank: cost from the cost model,
 *     score 1 - ||W - What_r||_F / ||W||_F of that rank's initial decomposition (what the factorize
 *     stage rebuilds at that rank)
 * @param feasibleMax largest rank allowed (cost-reducing and within CostModel.maxRanks)
 * @param kind layer kind for plans: "conv1d", "conv2d", "conv3d" or "dense"
 * @param original the layer's cost as it is
 * @param note why the chosen rank differs from the preferred one, or an adjustment; may be empty
 */
public record LayerRankResult(
    String layer,
    Method method,
    Choice choice,
    int preferredRank,
    int[] candidateRanks,
    double[] probabilities,
    List<Candidate> candidates,
    int feasibleMax,
    String kind,
    Cost original,
    String note) {

  public LayerRankResult {
    candidateRanks = candidateRanks.clone();
    probabilities = probabilities.clone();
    candidates = List.copyOf(candidates);
  }

  /** The chosen rank (the tied rank for TT and Tucker-2). */
  public int rank() {
    return choice.ranks()[0];
  }

  /** The scored candidate of the chosen rank. */
  public Candidate chosenCandidate() {
    return candidates.stream().filter(c -> c.choice().equals(choice)).findFirst().orElseThrow();
  }

  /** This layer's plan decision: the chosen choice, its costs, score and note. */
  public LayerDecision toDecision() {
    Candidate c = chosenCandidate();
    return new LayerDecision(layer, kind, choice, original, c.cost(), c.score(), note);
  }

  @Override
  public int[] candidateRanks() {
    return candidateRanks.clone();
  }

  @Override
  public double[] probabilities() {
    return probabilities.clone();
  }
}
