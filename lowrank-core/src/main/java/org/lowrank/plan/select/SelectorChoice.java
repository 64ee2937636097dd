package org.lowrank.plan.select;

import java.util.Objects;
import java.util.function.Function;
import org.lowrank.progress.ProgressListener;

/**
 * A rank selector as chosen by a user: its {@link SelectorProvider} and its typed options record
 * (e.g. {@link EnergySelectorProvider.Options}). The pipeline makes the selector from it once the
 * model is analyzed ({@link #bind}).
 *
 * @param provider the selector's provider
 * @param options the provider's options record, of the class {@link SelectorProvider#defaults()}
 *     returns
 */
public record SelectorChoice(SelectorProvider<?> provider, Record options) {

  public SelectorChoice {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(options, "options");
    Class<?> expected = provider.defaults().getClass();
    if (!expected.isInstance(options)) {
      throw new IllegalArgumentException(
          "selector "
              + provider.name()
              + " takes options "
              + expected.getName()
              + ", found "
              + options.getClass().getName());
    }
  }

  /** {@code provider} with typed {@code options}. */
  public static <O extends Record> SelectorChoice of(SelectorProvider<O> provider, O options) {
    return new SelectorChoice(provider, options);
  }

  /**
   * The selector called {@code name} ({@link SelectorRegistry#require}) with its options read from
   * {@code values} (absent ones at their defaults).
   *
   * @throws IllegalArgumentException for an unknown name or an option out of range
   */
  public static SelectorChoice of(String name, SelectorOption.Values values) {
    return read(SelectorRegistry.require(name), values);
  }

  /** {@code provider} with its options read from {@code values}. */
  public static SelectorChoice read(SelectorProvider<?> provider, SelectorOption.Values values) {
    return new SelectorChoice(provider, provider.options(values));
  }

  /** The selector's name, as plans record it. */
  public String name() {
    return provider.name();
  }

  /** A factory of the selector for one analyzed model, reporting progress to {@code progress}. */
  public Function<SelectorContext, RankSelector> bind(ProgressListener progress) {
    return bindTyped(provider, progress);
  }

  private <O extends Record> Function<SelectorContext, RankSelector> bindTyped(
      SelectorProvider<O> p, ProgressListener progress) {
    @SuppressWarnings("unchecked") // checked against the provider's defaults() in the constructor
    O typed = (O) options;
    return p.bind(typed, progress);
  }
}
