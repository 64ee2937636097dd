package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.lowrank.graph.DataType;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.graph.ValueInfo;

/**
 * The concrete shapes a model's runtime inputs are fed with, resolved once from the declared shapes
 * and the user's {@code --input-shape}, and used by every stage that makes inputs: shape inference,
 * ONNX Runtime timing and export checks, evaluation, fine-tuning and fidelity checks.
 *
 * <p>Rules. Axis 0 is the batch. A fixed axis 0 of the first input is the only batch the model runs
 * at ({@link #fixedBatch()}); a symbolic axis 0 (of any input) takes whatever batch a stage asks
 * for ({@link #atBatch}), 1 when nothing asks; other inputs with a fixed axis 0 (e.g. a weight fed
 * at run time) keep their shape. Every other symbolic dimension (a free height or width) must be
 * given: there is no guess. A given shape must have the declared rank, positive dimensions, and
 * agree with every fixed declared dimension. No input may hold more than {@link #MAX_ELEMENTS}
 * elements (one Java array), which also rejects absurd declared dimensions such as a batch of 2^40
 * before any work.
 */
public final class InputShapes {
  /** The most elements one input tensor may have: the largest Java array. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private final String source;
  private final Map<String, long[]> shapes;
  private final List<String> batched;
  private final int fixedBatch;

  private InputShapes(
      String source, Map<String, long[]> shapes, List<String> batched, int fixedBatch) {
    this.source = source;
    this.shapes = shapes;
    this.batched = List.copyOf(batched);
    this.fixedBatch = fixedBatch;
  }

  /**
   * Resolves the shapes of {@code inputs}.
   *
   * @param source the model's file or label, named in errors (empty: the caller names it)
   * @param inputs the runtime inputs (initializers excluded); symbolic dimensions are -1
   * @param given shapes from the user by input name (may be empty; not modified)
   * @throws ModelException when a dimension is free and not given, a given shape does not fit the
   *     declared one, or an input is too large
   * @throws IllegalArgumentException when a shape is given for an input the model does not have
   * @throws UnsupportedModelException for an input that is not a tensor
   */
  public static InputShapes resolve(
      String source, List<ValueInfo> inputs, Map<String, long[]> given) {
    for (String name : given.keySet()) {
      if (inputs.stream().noneMatch(v -> v.name().equals(name))) {
        throw new IllegalArgumentException(
            at(source)
                + "--input-shape given for '"
                + name
                + "', but the model's inputs are "
                + names(inputs));
      }
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    List<String> batched = new ArrayList<>();
    long fixed = -1;
    for (ValueInfo v : inputs) {
      long[] g = given.get(v.name());
      long[] dims = g != null ? fromGiven(source, v, g) : fromDeclared(source, v);
      elements(source, v.name(), dims);
      boolean freeBatch = dims.length > 0 && (!v.hasShape() || !v.shape().get(0).isKnown());
      if (freeBatch) {
        batched.add(v.name());
      } else if (out.isEmpty() && dims.length > 0) {
        fixed = dims[0];
      }
      out.put(v.name(), dims);
    }
    InputShapes r = new InputShapes(source, Collections.unmodifiableMap(out), batched, (int) fixed);
    if (fixed >= 0) {
      for (String name : batched) {
        out.get(name)[0] = fixed;
        elements(source, name, out.get(name));
      }
    }
    return r;
  }

  /**
   * Parses {@code --input-shape} values: {@code D0,D1,...} (or {@code D0xD1x...}) for a model with
   * one input, {@code NAME=D0,D1,...} per input otherwise.
   *
   * @throws IllegalArgumentException naming the value, what was expected and found
   */
  public static Map<String, long[]> parse(List<String> specs, List<ValueInfo> inputs) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (String spec : specs) {
      String name;
      String dims;
      int eq = spec.indexOf('=');
      if (eq >= 0) {
        name = spec.substring(0, eq).trim();
        dims = spec.substring(eq + 1);
      } else {
        if (inputs.size() != 1) {
          throw new IllegalArgumentException(
              "--input-shape "
                  + spec
                  + ": the model has "
                  + inputs.size()
                  + " inputs "
                  + names(inputs)
                  + "; write NAME="
                  + spec);
        }
        name = inputs.get(0).name();
        dims = spec;
      }
      String[] parts = dims.split("[,x]");
      long[] d = new long[parts.length];
      for (int i = 0; i < parts.length; i++) {
        try {
          d[i] = Long.parseLong(parts[i].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "--input-shape "
                  + spec
                  + ": '"
                  + parts[i]
                  + "' is not a "
                  + "dimension; expected comma-separated positive integers such as 1,3,32,32");
        }
        if (d[i] <= 0) {
          throw new IllegalArgumentException(
              "--input-shape " + spec + ": dimensions must be positive");
        }
      }
      if (shapes.put(name, d) != null) {
        throw new IllegalArgumentException("--input-shape given twice for input '" + name + "'");
      }
    }
    return shapes;
  }

  /** Shapes by input name, in model order, at the reference batch (given, fixed, or 1). */
  public Map<String, long[]> shapes() {
    Map<String, long[]> copy = new LinkedHashMap<>();
    shapes.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  /** The shape of the first input at the reference batch. */
  public long[] first() {
    if (shapes.isEmpty()) {
      throw new ModelException(at(source) + "the model has no runtime input");
    }
    return shapes.values().iterator().next().clone();
  }

  /** The batch the model fixes (its declared axis 0), or empty when the batch is free. */
  public OptionalInt fixedBatch() {
    return fixedBatch >= 0 ? OptionalInt.of(fixedBatch) : OptionalInt.empty();
  }

  /** The fixed batch, or {@code preferred} when the batch is free. */
  public int batchOr(int preferred) {
    return fixedBatch >= 0 ? fixedBatch : preferred;
  }

  /** The batches a stage can run among {@code requested}: all of them, or only the fixed one. */
  public int[] batches(int... requested) {
    return fixedBatch >= 0 ? new int[] {fixedBatch} : requested.clone();
  }

  /** "batch 32", or "batch 1 (fixed by the model)". */
  public String describeBatch(int batch) {
    return "batch " + batch + (batch == fixedBatch ? " (fixed by the model)" : "");
  }

  /**
   * Every input's shape with its free axis 0 (the batch) set to {@code batch}.
   *
   * @throws IllegalArgumentException when the model fixes another batch, or the inputs would be too
   *     large at this batch
   */
  public Map<String, long[]> atBatch(int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, found " + batch);
    }
    if (fixedBatch >= 0 && batch != fixedBatch) {
      throw new IllegalArgumentException(
          at(source)
              + "the model's batch is fixed at "
              + fixedBatch
              + ", it cannot run batch "
              + batch
              + "; use batch "
              + fixedBatch
              + " or export the model with a symbolic batch dimension");
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long[] d = e.getValue().clone();
      if (batched.contains(e.getKey())) {
        d[0] = batch;
      }
      try {
        elements(source, e.getKey(), d);
      } catch (ModelException x) {
        throw new IllegalArgumentException(x.getMessage(), x);
      }
      out.put(e.getKey(), d);
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    shapes.forEach(
        (k, v) ->
            sb.append(sb.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(Arrays.toString(v)));
    return sb + (fixedBatch >= 0 ? " (batch fixed by the model)" : "");
  }

  private static long[] fromGiven(String source, ValueInfo v, long[] given) {
    if (v.hasShape()) {
      if (v.shape().size() != given.length) {
        throw new ModelException(
            at(source)
                + "input '"
                + v.name()
                + "' has rank "
                + v.shape().size()
                + " "
                + v.shape()
                + ", --input-shape "
                + joined(given)
                + " has rank "
                + given.length
                + "; give "
                + v.shape().size()
                + " dimensions, e.g. "
                + example(v));
      }
      for (int i = 0; i < given.length; i++) {
        ValueInfo.Dim d = v.shape().get(i);
        if (d.isKnown() && d.value() != given[i]) {
          throw new ModelException(
              at(source)
                  + "input '"
                  + v.name()
                  + "' has the fixed "
                  + axisName(i, given.length)
                  + " "
                  + d.value()
                  + " (shape "
                  + v.shape()
                  + "), --input-shape "
                  + joined(given)
                  + " gives "
                  + given[i]
                  + "; give "
                  + example(v)
                  + (i == 0 ? " or export the model with a symbolic batch dimension" : ""));
        }
      }
    }
    for (long d : given) {
      if (d <= 0) {
        throw new ModelException(
            at(source)
                + "--input-shape "
                + joined(given)
                + " for input '"
                + v.name()
                + "' has a non-positive dimension");
      }
    }
    return given.clone();
  }

  private static long[] fromDeclared(String source, ValueInfo v) {
    if (!v.hasShape() && v.elementType() == DataType.UNDEFINED) {
      throw new UnsupportedModelException(
          at(source)
              + "input '"
              + v.name()
              + "' is not a tensor of a "
              + "supported type (a sequence, map or optional?); lowrank handles tensor inputs only");
    }
    if (!v.hasShape()) {
      throw new ModelException(
          at(source)
              + "input '"
              + v.name()
              + "' has no declared shape; give it with --input-shape");
    }
    long[] dims = v.dims();
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        if (i == 0) {
          dims[0] = 1;
        } else {
          throw new ModelException(
              at(source)
                  + "input '"
                  + v.name()
                  + "' has a free "
                  + axisName(i, dims.length)
                  + " ('"
                  + v.shape().get(i)
                  + "' at axis "
                  + i
                  + ", shape "
                  + v.shape()
                  + "); give the shape it runs at, e.g. --input-shape "
                  + example(v));
        }
      }
    }
    return dims;
  }

  /** Element count of one input, or a {@link ModelException} naming it when absurdly large. */
  private static long elements(String source, String name, long[] dims) {
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = dims[i];
      if (d > MAX_ELEMENTS || (n = n * d) > MAX_ELEMENTS) {
        throw new ModelException(
            at(source)
                + "input '"
                + name
                + "' of shape "
                + Arrays.toString(dims)
                + " is too large ("
                + axisName(i, dims.length)
                + " "
                + d
                + " at axis "
                + i
                + "; at most "
                + MAX_ELEMENTS
                + " elements per input): give a smaller --input-shape, or re-export the"
                + " model with a sane "
                + (i == 0 ? "batch (or a symbolic one)" : "shape"));
      }
    }
    return n;
  }

  /** "batch", "channels", "height", "width" for NCHW inputs, else "dimension". */
  static String axisName(int axis, int rank) {
    if (axis == 0) {
      return "batch";
    }
    if (rank == 4) {
      return switch (axis) {
        case 1 -> "channels";
        case 2 -> "height";
        default -> "width";
      };
    }
    return "dimension";
  }

  /** A shape to suggest: known dimensions as declared, a free batch 1, other free ones 224. */
  static String example(ValueInfo v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.shape().size(); i++) {
      ValueInfo.Dim d = v.shape().get(i);
      sb.append(i == 0 ? "" : ",").append(d.isKnown() ? d.value() : (i == 0 ? 1 : 224));
    }
    return sb.toString();
  }

  private static String at(String source) {
    return source.isEmpty() ? "" : source + ": ";
  }

  private static String joined(long[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < d.length; i++) {
      sb.append(i == 0 ? "" : ",").append(d[i]);
    }
    return sb.toString();
  }

  private static List<String> names(List<ValueInfo> vs) {
    List<String> out = new ArrayList<>();
    vs.forEach(v -> out.add(v.name()));
    return out;
  }
}
