package org.lowrank.plan.select;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One setting a rank selector reads, declared by its {@link SelectorProvider} so that a front end
 * (the CLI) can offer it without knowing the selector: the option name ({@code --energy}), the
 * value type ({@code Double}, {@code Integer} or {@code String}), a label for the value, the
 * default as text (null: none), and a one-line description without the default. Several selectors
 * may declare the same option (e.g. {@link #RANK_MULTIPLE}); they must declare it identically.
 */
public record SelectorOption(
    String name, Class<?> type, String paramLabel, String defaultValue, String description) {

  /** Rank rounding, shared by the selectors that round ranks. */
  public static final SelectorOption RANK_MULTIPLE =
      new SelectorOption(
          "--rank-multiple",
          String.class,
          "K",
          org.lowrank.cost.RankMultiple.AUTO,
          "Round ranks up to a multiple of K: "
              + "auto = ONNX Runtime's NCHWc block on this CPU (16 with AVX-512F, else 8), avx2 or avx512 = "
              + "plan for that CPU, or a number (1 = no rounding)");

  /** The rank multiple in {@code v} ({@link #RANK_MULTIPLE}), resolved (auto: this CPU's block). */
  public static org.lowrank.cost.RankMultiple rankMultiple(Values v) {
    Object o = v.values.get(RANK_MULTIPLE.name());
    return o instanceof Number n
        ? org.lowrank.cost.RankMultiple.given(n.intValue())
        : org.lowrank.cost.RankMultiple.parse(
            o == null ? RANK_MULTIPLE.defaultValue() : o.toString());
  }

  public SelectorOption {
    Objects.requireNonNull(name, "name");
    if (!name.startsWith("--")) {
      throw new IllegalArgumentException("selector option '" + name + "' must start with --");
    }
    if (type != Double.class && type != Integer.class && type != String.class) {
      throw new IllegalArgumentException(
          "selector option " + name + ": type must be Double, Integer or String, found " + type);
    }
    Objects.requireNonNull(description, "description");
    if (defaultValue != null) {
      parse(name, type, defaultValue);
    }
  }

  /** The default as a typed value, or null when there is none. */
  public Object defaultTyped() {
    return defaultValue == null ? null : parse(name, type, defaultValue);
  }

  /** {@code text} as a value of this option's type; an error names the option and the type. */
  public Object parse(String text) {
    return parse(name, type, text);
  }

  private static Object parse(String name, Class<?> type, String text) {
    try {
      if (type == Double.class) {
        return Double.valueOf(text.trim());
      }
      if (type == Integer.class) {
        return Integer.valueOf(text.trim());
      }
      return text;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name
              + " takes "
              + (type == Integer.class ? "an integer" : "a number")
              + ", found '"
              + text
              + "'",
          e);
    }
  }

  /**
   * Values of selector options by option name, typed as the options declare; an option without a
   * value reads as its default.
   */
  public static final class Values {
    private final Map<String, Object> values;

    private Values(Map<String, Object> values) {
      this.values = Map.copyOf(values);
    }

    /** Every option at its default. */
    public static Values defaults() {
      return new Values(Map.of());
    }

    /**
     * Typed values (Double, Integer or String) by option name; absent or null ones are defaults.
     */
    public static Values of(Map<String, ?> typed) {
      Map<String, Object> m = new HashMap<>();
      typed.forEach(
          (k, v) -> {
            if (v != null) {
              m.put(k, v);
            }
          });
      return new Values(m);
    }

    /** These values with {@code option} set to {@code value} (typed, or text to parse). */
    public Values with(SelectorOption option, Object value) {
      Map<String, Object> m = new HashMap<>(values);
      m.put(
          option.name(),
          value instanceof String s && option.type() != String.class ? option.parse(s) : value);
      return new Values(m);
    }

    /** The value of {@code option}, or its default; null when it has neither. */
    public Object get(SelectorOption option) {
      Object v = values.get(option.name());
      if (v == null) {
        return option.defaultTyped();
      }
      if (!option.type().isInstance(v)) {
        throw new IllegalArgumentException(
            option.name()
                + " expects a "
                + option.type().getSimpleName()
                + ", found "
                + v.getClass().getSimpleName()
                + " "
                + v);
      }
      return v;
    }

    public double getDouble(SelectorOption option) {
      return ((Number) require(option)).doubleValue();
    }

    public int getInt(SelectorOption option) {
      return ((Number) require(option)).intValue();
    }

    public String getString(SelectorOption option) {
      return (String) require(option);
    }

    private Object require(SelectorOption option) {
      Object v = get(option);
      if (v == null) {
        throw new IllegalArgumentException(
            "give " + option.name() + " (" + option.description() + ")");
      }
      return v;
    }

    /** The option names that have an explicit value. */
    public List<String> names() {
      return values.keySet().stream().sorted().toList();
    }
  }
}
