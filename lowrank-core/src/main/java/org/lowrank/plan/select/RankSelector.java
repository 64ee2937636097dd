package org.lowrank.plan.select;

import java.util.List;
import java.util.Map;
import org.lowrank.cost.Method;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;

/**
 * Chooses ranks for layers. Two families share this interface:
 *
 * <ul>
 *   <li>scored selectors ({@link Scored}) rate many candidate ranks per layer; a global budget is
 *       then met by {@link BudgetAllocator}, which trades score across layers;
 *   <li>uniform selectors ({@link Uniform}) map one scale knob to every layer's ranks (a fixed
 *       ratio of the full rank, or a multiple of the VBMF rank); a budget is met by bisection on
 *       the knob.
 * </ul>
 */
public sealed interface RankSelector permits RankSelector.Scored, RankSelector.Uniform {

  /** Name used on the command line and in plans ("energy", "ratio", "vbmf", "similarity", ...). */
  String name();

  /** The selector's settings, recorded in the plan. */
  Map<String, Object> settings();

  /** A selector that scores candidates. */
  non-sealed interface Scored extends RankSelector {
    /**
     * Candidates for one layer over the given methods, each reducing the layer's parameters and
     * MACs, plus the original layer; the preferred index is the selector's own pick without a
     * budget.
     */
    BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods);

    /**
     * For a selector that offers some candidates on demand: after an allocation picked {@code
     * picked} for {@code layer}, offer more around it. True when {@link #options} now offers more
     * (the planner then allocates again); by default nothing is held back.
     */
    default boolean widen(LayerInput layer, List<Method> methods, Candidate picked) {
      return false;
    }
  }

  /** A selector driven by one global scale. */
  non-sealed interface Uniform extends RankSelector {
    /** The scale to use when there is no budget. */
    double defaultScale();

    /** The largest scale worth trying (every layer at its full rank). */
    double maxScale();

    /**
     * The ranks of {@code method} on {@code layer} at {@code scale} (at least 1, at most full
     * rank).
     */
    int[] ranks(LayerInput layer, Method method, double scale);
  }
}
