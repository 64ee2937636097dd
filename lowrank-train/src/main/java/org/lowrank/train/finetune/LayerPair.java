package org.lowrank.train.finetune;

/**
 * A layer-output matching pair for distillation: the student tensor {@code student} is pulled
 * towards the teacher tensor {@code teacher} (same shape) by the mean squared difference.
 */
public record LayerPair(String student, String teacher) {}
