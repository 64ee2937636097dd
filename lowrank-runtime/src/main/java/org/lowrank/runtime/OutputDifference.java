package org.lowrank.runtime;

/**
 * How far one output of a candidate model is from the reference model's output.
 *
 * <p>{@code maxRelativeDifference = max_i |a_i - b_i| / max_i |a_i|} where {@code a} is the
 * reference: the largest error relative to the reference's largest magnitude. Unlike an elementwise
 * ratio it does not blow up on outputs that happen to be near zero.
 *
 * @param output output name
 * @param maxAbsDifference {@code max_i |a_i - b_i|}
 * @param maxRelativeDifference {@code max_i |a_i - b_i| / max_i |a_i|} (the absolute difference
 *     when the reference is all zeros)
 * @param referenceMaxAbs {@code max_i |a_i|}
 * @param elementCount number of compared elements
 */
public record OutputDifference(
    String output,
    double maxAbsDifference,
    double maxRelativeDifference,
    double referenceMaxAbs,
    long elementCount) {}
