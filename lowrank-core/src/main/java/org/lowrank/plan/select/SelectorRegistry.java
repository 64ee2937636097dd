package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The rank selectors on the class path, found once with {@link ServiceLoader} (see {@link
 * SelectorProvider}) and listed by {@link SelectorProvider#order()}, then name.
 */
public final class SelectorRegistry {
  private static volatile List<SelectorProvider<?>> providers;

  /** The selector name that lets the registry choose ({@link #resolve}). */
  public static final String AUTO = "auto";

  /** What {@value #AUTO} chooses when training images are given: feature-map similarity. */
  public static final String AUTO_WITH_DATA = "similarity";

  /** What {@value #AUTO} chooses without data: the weight-energy threshold. */
  public static final String AUTO_WITHOUT_DATA = "energy";

  private SelectorRegistry() {}

  /**
   * The provider called {@code name}, or for {@value #AUTO} the one that fits what the run has:
   * {@value #AUTO_WITH_DATA} with data, else {@value #AUTO_WITHOUT_DATA}.
   *
   * @param hasData whether training images are given (calibration batches can be drawn)
   * @throws IllegalArgumentException naming the known selectors when there is none
   */
  public static SelectorProvider<?> resolve(String name, boolean hasData) {
    if (name.equalsIgnoreCase(AUTO)) {
      return require(hasData ? AUTO_WITH_DATA : AUTO_WITHOUT_DATA);
    }
    return require(name);
  }

  /** The rule of {@value #AUTO} in words, for help texts. */
  public static String autoRule() {
    return AUTO + " = " + AUTO_WITH_DATA + " with --data, else " + AUTO_WITHOUT_DATA;
  }

  /** Every provider, in listing order. */
  public static List<SelectorProvider<?>> all() {
    List<SelectorProvider<?>> p = providers;
    if (p == null) {
      p = load();
      providers = p;
    }
    return p;
  }

  /** The provider called {@code name} (case-insensitive), if any. */
  public static Optional<SelectorProvider<?>> find(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return all().stream().filter(s -> s.name().equals(n)).findFirst();
  }

  /**
   * The provider called {@code name}.
   *
   * @throws IllegalArgumentException naming the known selectors when there is none
   */
  public static SelectorProvider<?> require(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown selector '" + name + "': expected one of " + names()));
  }

  /** The selector names, comma-separated, in listing order. */
  public static String names() {
    return all().stream().map(SelectorProvider::name).collect(Collectors.joining(", "));
  }

  /**
   * The options of every selector, each once, in listing order.
   *
   * @throws IllegalStateException when two selectors declare the same option differently
   */
  public static List<SelectorOption> options() {
    Map<String, SelectorOption> byName = new LinkedHashMap<>();
    for (SelectorProvider<?> s : all()) {
      for (SelectorOption o : s.options()) {
        SelectorOption old = byName.putIfAbsent(o.name(), o);
        if (old != null && !old.equals(o)) {
          throw new IllegalStateException(
              "selector "
                  + s.name()
                  + " declares "
                  + o.name()
                  + " differently from another selector: "
                  + o
                  + " vs "
                  + old);
        }
      }
    }
    return List.copyOf(byName.values());
  }

  private static List<SelectorProvider<?>> load() {
    List<SelectorProvider<?>> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (SelectorProvider<?> s : ServiceLoader.load(SelectorProvider.class)) {
      if (!s.name().equals(s.name().toLowerCase(Locale.ROOT)) || s.name().equals(AUTO)) {
        throw new IllegalStateException(
            s.getClass().getName()
                + ": selector name '"
                + s.name()
                + "' must be lower case and not 'auto'");
      }
      String other = seen.put(s.name(), s.getClass().getName());
      if (other != null) {
        throw new IllegalStateException(
            "two selectors are called '"
                + s.name()
                + "': "
                + other
                + " and "
                + s.getClass().getName());
      }
      out.add(s);
    }
    out.sort(
        Comparator.comparingInt((SelectorProvider<?> s) -> s.order())
            .thenComparing(SelectorProvider::name));
    return List.copyOf(out);
  }
}
