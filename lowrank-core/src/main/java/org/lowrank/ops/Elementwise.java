package org.lowrank.ops;

import java.util.Set;

/**
 * ONNX ops that apply one scalar function to every element of their single data input: y[i] =
 * f(x[i]) (attributes may parametrize f, e.g. LeakyRelu's alpha, Clip's bounds). The output has the
 * input's shape, and every channel of the output depends on that channel of the input only. Shape
 * inference ({@link ShapeRules}) and channel-dependency analysis (filter pruning) share this one
 * list.
 */
public final class Elementwise {
  private Elementwise() {}

  /** The unary elementwise ops. */
  public static final Set<String> UNARY =
      Set.of(
          "Relu",
          "LeakyRelu",
          "Sigmoid",
          "Tanh",
          "HardSigmoid",
          "HardSwish",
          "Elu",
          "Selu",
          "Celu",
          "Gelu",
          "Softplus",
          "Softsign",
          "Clip",
          "Identity",
          "Neg",
          "Abs",
          "Exp",
          "Log",
          "Sqrt",
          "Reciprocal",
          "Floor",
          "Ceil",
          "Round",
          "Erf",
          "Sign",
          "Mish",
          "ThresholdedRelu",
          "Swish");
}
