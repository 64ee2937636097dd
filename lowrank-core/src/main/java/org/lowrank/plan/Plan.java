package org.lowrank.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.util.Json;

/**
 * A compression plan: per layer a method and ranks (or a reason to skip), with expected costs and
 * the selector's scores, plus how it was made (selector, budget, seed, settings). Plans are data:
 * written as JSON, editable by hand, and applied by {@code lowrank compress --plan}.
 *
 * @param model file name of the model the plan was made for
 * @param selector the rank selector that made it (e.g. "similarity", "datafree", "vbmf")
 * @param budget the global budget
 * @param seed the seed of every random step of the selector
 * @param settings the selector's other settings (threshold, metric, calibration size...)
 * @param layers one decision per analyzed layer, in graph order
 * @param modelBefore whole-model cost before
 * @param modelAfter whole-model cost after applying the plan
 */
public record Plan(
    String model,
    String selector,
    Budget budget,
    long seed,
    Map<String, Object> settings,
    List<LayerDecision> layers,
    Cost modelBefore,
    Cost modelAfter) {

  /** Version of the plan file format. */
  public static final long FORMAT_VERSION = 1;

  public Plan {
    settings =
        settings == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    layers = List.copyOf(layers);
  }

  /** The decision for a layer, or null. */
  public LayerDecision layer(String name) {
    return layers.stream().filter(d -> d.layer().equals(name)).findFirst().orElse(null);
  }

  /** This plan with {@code extra} settings added, replacing those of the same key. */
  public Plan withSettings(Map<String, Object> extra) {
    Map<String, Object> merged = new LinkedHashMap<>(settings);
    merged.putAll(extra);
    return new Plan(model, selector, budget, seed, merged, layers, modelBefore, modelAfter);
  }

  /**
   * The rank grid the plan was made on, from its settings: "multiples of 16 (detected (avx512f))",
   * plus the layers whose ranks could not be aligned; empty when the selector records none.
   */
  public java.util.Optional<String> rankGrid() {
    if (!(settings.get("rank_multiple") instanceof Number k)) {
      return java.util.Optional.empty();
    }
    Object unaligned = settings.get("rank_unaligned_layers");
    return java.util.Optional.of(
        "multiples of "
            + k.longValue()
            + " ("
            + settings.getOrDefault("rank_multiple_source", "given")
            + ")"
            + (unaligned instanceof List<?> l && !l.isEmpty()
                ? "; not aligned (full rank or fewer channels than the block): " + l
                : ""));
  }

  public double keptParamsFraction() {
    return (double) modelAfter.params() / modelBefore.params();
  }

  /** Fraction of the model's MACs kept. */
  public double keptFlopsFraction() {
    return (double) modelAfter.macs() / modelBefore.macs();
  }

  /** The plan as a JSON object tree (see {@link Json}). */
  public Map<String, Object> toJsonTree() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", "lowrank-plan");
    m.put("version", FORMAT_VERSION);
    m.put("model", model);
    m.put("selector", selector);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("kind", budget.kind());
    b.put("keep", budget.keepFraction());
    m.put("budget", b);
    m.put("seed", seed);
    m.put("settings", settings);
    m.put("before", cost(modelBefore));
    m.put("after", cost(modelAfter));
    List<Object> ls = new ArrayList<>();
    for (LayerDecision d : layers) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("layer", d.layer());
      l.put("kind", d.kind());
      if (d.choice() != null) {
        l.put("method", d.choice().method().cliName());
        l.put("ranks", d.choice().ranks());
        if (d.choice().method() == Method.TTM) {
          l.put("out_modes", d.choice().outModes());
          l.put("in_modes", d.choice().inModes());
        }
      } else {
        l.put("method", "none");
      }
      l.put("before", cost(d.before()));
      l.put("after", cost(d.after()));
      l.put("score", Double.isNaN(d.score()) ? null : d.score());
      if (!d.note().isEmpty()) {
        l.put("note", d.note());
      }
      ls.add(l);
    }
    m.put("layers", ls);
    return m;
  }

  public String toJson() {
    return Json.write(toJsonTree(), 2) + "\n";
  }

  /**
   * Reads a plan written by {@link #toJson()} (or edited by hand). Costs in the file are taken as
   * they are: {@code PlanValidator} recomputes them against the model before applying.
   *
   * @param source where the text came from, for error messages
   */
  public static Plan fromJson(String text, String source) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": not a plan file: " + e.getMessage(), e);
    }
    if (!"lowrank-plan".equals(m.get("format"))) {
      throw new IllegalArgumentException(
          source + ": not a lowrank plan (expected \"format\": \"lowrank-plan\")");
    }
    if (!(m.get("version") instanceof Long v) || v != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          source
              + ": plan format version "
              + m.get("version")
              + " is not supported; this lowrank reads version "
              + FORMAT_VERSION
              + " (write the plan again with 'lowrank plan', or set \"version\": "
              + FORMAT_VERSION
              + ")");
    }
    Map<String, Object> b = obj(m, "budget", source);
    Budget.Kind kind =
        Budget.Kind.valueOf(str(b, "kind", source).toUpperCase(java.util.Locale.ROOT));
    Budget budget =
        kind == Budget.Kind.NONE ? Budget.none() : new Budget(kind, num(b, "keep", source));
    List<LayerDecision> layers = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Object o : list(m, "layers", source)) {
      if (!(o instanceof Map<?, ?>)) {
        throw new IllegalArgumentException(
            source + ": expected an object per layer in \"layers\", found " + Json.write(o, 0));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> l = (Map<String, Object>) o;
      String name = str(l, "layer", source);
      String where = source + ", layer '" + name + "'";
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            where
                + ": the layer appears more than once in \"layers\"; "
                + "keep one entry per layer");
      }
      String method = str(l, "method", where);
      Choice choice = null;
      if (!method.equals("none")) {
        Method mm = Method.parse(method);
        int[] ranks = ints(l.get("ranks"), where + ": ranks");
        choice =
            mm == Method.TTM
                ? Choice.ttm(
                    ints(l.get("out_modes"), where + ": out_modes"),
                    ints(l.get("in_modes"), where + ": in_modes"),
                    ranks)
                : Choice.of(mm, ranks);
      }
      Object score = l.get("score");
      layers.add(
          new LayerDecision(
              name,
              String.valueOf(l.getOrDefault("kind", "")),
              choice,
              cost(l.get("before")),
              cost(l.get("after")),
              score instanceof Number n ? n.doubleValue() : Double.NaN,
              l.get("note") == null ? "" : String.valueOf(l.get("note"))));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> settings =
        m.get("settings") instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
    Object seed = m.get("seed");
    return new Plan(
        String.valueOf(m.getOrDefault("model", "")),
        String.valueOf(m.getOrDefault("selector", "manual")),
        budget,
        seed instanceof Number n ? n.longValue() : 0,
        settings,
        layers,
        cost(m.get("before")),
        cost(m.get("after")));
  }

  private static Map<String, Object> cost(Cost c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("params", c.params());
    m.put("macs", c.macs());
    return m;
  }

  private static Cost cost(Object o) {
    if (o instanceof Map<?, ?> m
        && m.get("params") instanceof Number p
        && m.get("macs") instanceof Number f) {
      return new Cost(p.longValue(), f.longValue());
    }
    return Cost.ZERO;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Map<String, Object> m, String key, String where) {
    if (m.get(key) instanceof Map<?, ?> v) {
      return (Map<String, Object>) v;
    }
    throw new IllegalArgumentException(where + ": expected an object \"" + key + "\"");
  }

  private static List<?> list(Map<String, Object> m, String key, String where) {
    if (m.get(key) instanceof List<?> v) {
      return v;
    }
    throw new IllegalArgumentException(where + ": expected an array \"" + key + "\"");
  }

  private static String str(Map<String, Object> m, String key, String where) {
    if (m.get(key) instanceof String v) {
      return v;
    }
    throw new IllegalArgumentException(where + ": expected a string \"" + key + "\"");
  }

  private static double num(Map<String, Object> m, String key, String where) {
    if (m.get(key) instanceof Number v) {
      return v.doubleValue();
    }
    throw new IllegalArgumentException(where + ": expected a number \"" + key + "\"");
  }

  private static int[] ints(Object o, String where) {
    if (!(o instanceof List<?> l)) {
      throw new IllegalArgumentException(where + ": expected an array of integers");
    }
    int[] out = new int[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(l.get(i) instanceof Long v) || v < 1 || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(where + ": expected positive integers, found " + l);
      }
      out[i] = v.intValue();
    }
    return out;
  }
}
