/**
 * Dense tensors: the immutable double-precision, row-major {@link org.lowrank.tensor.DenseTensor}
 * and its low-level operations (reshape, permute, Kolda-Bader unfold/fold, mode-n product,
 * Khatri-Rao product, Frobenius norm, relative error). Weights come in as float32 ({@code
 * fromFloats}) and leave as float32 ({@code toFloats}); {@code org.lowrank.decomp} factorizes these
 * tensors.
 */
package org.lowrank.tensor;
