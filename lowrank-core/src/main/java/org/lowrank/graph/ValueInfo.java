package org.lowrank.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Name, element type and (possibly partial) shape of a graph value. {@code shape} is null when the
 * rank is unknown; each dimension is a {@link Dim} that is either a known size or a symbol.
 */
public record ValueInfo(String name, DataType elementType, List<Dim> shape) {

  /** One dimension: a known size ({@code value >= 0}) or a symbolic name (value -1). */
  public record Dim(long value, String symbol) {
    public static Dim of(long value) {
      return new Dim(value, null);
    }

    public static Dim symbolic(String symbol) {
      return new Dim(-1, symbol == null ? "" : symbol);
    }

    public boolean isKnown() {
      return value >= 0;
    }

    @Override
    public String toString() {
      return isKnown() ? Long.toString(value) : (symbol == null || symbol.isEmpty() ? "?" : symbol);
    }
  }

  public ValueInfo {
    Objects.requireNonNull(name, "name");
    elementType = elementType == null ? DataType.UNDEFINED : elementType;
    shape = shape == null ? null : Collections.unmodifiableList(new ArrayList<>(shape));
  }

  /** A value with fully known dimensions. */
  public static ValueInfo of(String name, DataType type, long... dims) {
    List<Dim> s = new ArrayList<>();
    for (long d : dims) {
      s.add(d < 0 ? Dim.symbolic("") : Dim.of(d));
    }
    return new ValueInfo(name, type, s);
  }

  public boolean hasShape() {
    return shape != null;
  }

  /** True when the rank and every dimension are known. */
  public boolean isFullyKnown() {
    return shape != null && shape.stream().allMatch(Dim::isKnown);
  }

  /** The dimensions with -1 for unknown ones; null when the rank is unknown. */
  public long[] dims() {
    if (shape == null) {
      return null;
    }
    long[] out = new long[shape.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape.get(i).value();
    }
    return out;
  }

  public ValueInfo withShape(long... dims) {
    return of(name, elementType, dims);
  }
}
