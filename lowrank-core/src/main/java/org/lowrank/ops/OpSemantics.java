package org.lowrank.ops;

import java.util.Optional;

/**
 * What lowrank knows of one default-domain ONNX operator: the inputs it needs, its shape rule, its
 * output types and, when it can be folded, its evaluation on constant inputs.
 *
 * @param opType ONNX op type, e.g. "Conv"
 * @param minInputs inputs a valid node has at least (input 0 non-empty when positive)
 * @param shape static shape rule; null when the op is known only for its constant evaluation or
 *     type
 * @param type output element types
 * @param constant evaluation on constant inputs; null when not folded
 */
public record OpSemantics(
    String opType, int minInputs, ShapeRule shape, TypeRule type, ConstantRule constant) {

  public Optional<ShapeRule> shapeRule() {
    return Optional.ofNullable(shape);
  }

  public Optional<ConstantRule> constantRule() {
    return Optional.ofNullable(constant);
  }
}
