package org.lowrank.plan.select;

import java.util.List;
import java.util.function.Function;
import org.lowrank.progress.ProgressListener;

/**
 * Service provider of one rank selector: how it is named and described, the options it reads and
 * their typed record {@code O}, how to make it for a model, and what its candidate scores mean.
 * Providers are found with {@link java.util.ServiceLoader} ({@link SelectorRegistry}): a module
 * lists its providers in {@code META-INF/services/org.lowrank.plan.select.SelectorProvider}, so a
 * new selector lives in one package, next to its implementation, and the CLI offers its name and
 * options without being edited.
 *
 * @param <O> the selector's typed options (a record)
 */
public interface SelectorProvider<O extends Record> {

  /** The name used by {@code --selector} and recorded in plans, e.g. "energy". */
  String name();

  /** One line for the help of {@code --selector}: what the selector scores. */
  String description();

  /** What the selector's candidate scores measure, as the report labels them. */
  String scoreLabel();

  /** Whether the selector needs calibration images ({@link SelectorContext#calibration()}). */
  default boolean needsData() {
    return false;
  }

  /** Position in listings of selectors (smaller first). */
  default int order() {
    return 100;
  }

  /** The options the selector reads (may be shared with other selectors). */
  List<SelectorOption> options();

  /**
   * The typed options from option values (absent ones at their defaults).
   *
   * @throws IllegalArgumentException when a value is out of range, naming the option
   */
  O options(SelectorOption.Values values);

  /** Every option at its default. */
  default O defaults() {
    return options(SelectorOption.Values.defaults());
  }

  /**
   * Makes the selector for one model.
   *
   * @param options typed options, from {@link #options(SelectorOption.Values)}
   * @param context the analyzed model and the layers to plan
   * @param progress progress of a long selection (e.g. feature maps, a rank search)
   * @throws IllegalArgumentException when the context lacks what the selector needs (e.g. data)
   */
  RankSelector create(O options, SelectorContext context, ProgressListener progress);

  /** A factory for the pipeline ({@code CompressionPipeline.Builder#optSelector}). */
  default Function<SelectorContext, RankSelector> bind(O options, ProgressListener progress) {
    return context -> create(options, context, progress);
  }

  /** {@link #bind(Record, ProgressListener)} with options read from values. */
  default Function<SelectorContext, RankSelector> bind(
      SelectorOption.Values values, ProgressListener progress) {
    return bind(options(values), progress);
  }
}
