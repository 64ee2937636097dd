package org.lowrank.ops;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lowrank.graph.Node;

/**
 * The registry of default-domain ONNX operator semantics: op type -> {@link OpSemantics} (inputs
 * needed, shape rule, output types, constant evaluation). Shape inference, weight folding and the
 * tests of the executor look operators up here; the rules themselves are grouped by kind in {@link
 * ShapeRules} (shapes and types) and {@link ConstantOps} (constant evaluation), each contributing
 * through {@link Builder}. Immutable after class initialization.
 */
public final class OpRegistry {
  private static final Map<String, OpSemantics> OPS = build();

  private OpRegistry() {}

  /** Semantics of an op of the default domain ("" or "ai.onnx"), by op type. */
  public static Optional<OpSemantics> lookup(String domain, String opType) {
    return isDefaultDomain(domain) ? Optional.ofNullable(OPS.get(opType)) : Optional.empty();
  }

  /** Semantics of the node's op when it is in the default domain. */
  public static Optional<OpSemantics> lookup(Node n) {
    return lookup(n.domain(), n.opType());
  }

  /** True when the default-domain op has a shape rule. */
  public static boolean hasShapeRule(String opType) {
    OpSemantics s = OPS.get(opType);
    return s != null && s.shape() != null;
  }

  /** True when the default-domain op can be evaluated on constant inputs. */
  public static boolean isFoldable(String opType) {
    OpSemantics s = OPS.get(opType);
    return s != null && s.constant() != null;
  }

  /** The output types of {@code opType} whatever its domain (the default rule when unknown). */
  public static TypeRule typeRule(String opType) {
    OpSemantics s = OPS.get(opType);
    return s == null ? TypeRule.FIRST_INPUT : s.type();
  }

  /** All registered op types, sorted. */
  public static Set<String> opTypes() {
    return Collections.unmodifiableSet(new TreeSet<>(OPS.keySet()));
  }

  static boolean isDefaultDomain(String domain) {
    return domain.isEmpty() || domain.equals("ai.onnx");
  }

  private static Map<String, OpSemantics> build() {
    Builder b = new Builder();
    ShapeRules.register(b);
    ConstantOps.register(b);
    return b.build();
  }

  /** Collects rules per op type; registering the same kind of rule twice for an op is a bug. */
  static final class Builder {
    private final Map<String, ShapeRule> shapes = new HashMap<>();
    private final Map<String, TypeRule> types = new HashMap<>();
    private final Map<String, ConstantRule> constants = new HashMap<>();
    private final Map<String, Integer> minInputs = new HashMap<>();

    Builder shape(ShapeRule r, String... ops) {
      return put(shapes, r, ops, "shape rule");
    }

    Builder type(TypeRule r, String... ops) {
      return put(types, r, ops, "type rule");
    }

    Builder constant(ConstantRule r, String... ops) {
      return put(constants, r, ops, "constant rule");
    }

    Builder minInputs(int count, String... ops) {
      return put(minInputs, count, ops, "input count");
    }

    private <T> Builder put(Map<String, T> m, T v, String[] ops, String what) {
      for (String op : ops) {
        if (m.put(op, v) != null) {
          throw new IllegalStateException("two " + what + "s registered for " + op);
        }
      }
      return this;
    }

    Map<String, OpSemantics> build() {
      Set<String> all = new TreeSet<>(shapes.keySet());
      all.addAll(types.keySet());
      all.addAll(constants.keySet());
      Map<String, OpSemantics> out = new TreeMap<>();
      for (String op : all) {
        out.put(
            op,
            new OpSemantics(
                op,
                minInputs.getOrDefault(op, 0),
                shapes.get(op),
                types.getOrDefault(op, TypeRule.FIRST_INPUT),
                constants.get(op)));
      }
      return Collections.unmodifiableMap(out);
    }
  }
}
