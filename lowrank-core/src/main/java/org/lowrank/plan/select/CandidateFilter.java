package org.lowrank.plan.select;

import java.util.List;
import java.util.Map;
import org.lowrank.cost.Choice;

/**
 * Vetoes factorization candidates before the {@link Planner} chooses among them, for a reason the
 * selector's score does not see (e.g. the factorized layer runs slower than the original in the
 * target runtime). The original layer is never offered: it always stays an option.
 *
 * <p>For scored selectors the planner passes every candidate of a layer at once ({@link
 * #keep(LayerInput, List)}), so a filter can choose the order in which it examines them; uniform
 * selectors ask one choice at a time ({@link #keep(LayerInput, Choice)}). The planner asks each
 * (layer, choice) at most once per plan and counts the rejections in the plan settings.
 */
public interface CandidateFilter {

  /** The filter that keeps every candidate (the default: no pruning, nothing recorded). */
  CandidateFilter KEEP_ALL =
      new CandidateFilter() {
        @Override
        public boolean keep(LayerInput layer, Choice choice) {
          return true;
        }

        @Override
        public Map<String, Object> settings() {
          return Map.of();
        }

        @Override
        public String rejectedAllNote() {
          return "";
        }

        @Override
        public String description() {
          return "no filter";
        }

        @Override
        public boolean prunes() {
          return false;
        }
      };

  /** Whether {@code choice} (a factorization of {@code layer}) may be chosen. */
  boolean keep(LayerInput layer, Choice choice);

  /**
   * One decision per choice, in the order given ({@code choices} are distinct factorizations of
   * {@code layer}; not modified). The default asks {@link #keep(LayerInput, Choice)} in order.
   */
  default boolean[] keep(LayerInput layer, List<Choice> choices) {
    boolean[] out = new boolean[choices.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = keep(layer, choices.get(i));
    }
    return out;
  }

  /** The filter's settings, recorded in the plan (e.g. {@code prune_latency_ratio}). */
  Map<String, Object> settings();

  /**
   * What the filter rejects, for notes and messages, e.g. "latency pruning (ratio 1.0, batch 1)".
   */
  default String description() {
    return "candidate filter " + settings();
  }

  /**
   * The note of a layer kept because every candidate was rejected, e.g. "kept: no factorization..."
   */
  String rejectedAllNote();

  /** False only for a filter that keeps everything ({@link #KEEP_ALL}): the planner skips it. */
  default boolean prunes() {
    return true;
  }
}
