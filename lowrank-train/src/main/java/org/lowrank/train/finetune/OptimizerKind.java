package org.lowrank.train.finetune;

/** Optimizers for fine-tuning. */
public enum OptimizerKind {
  /**
   * SGD with Nesterov momentum (PyTorch convention): g = grad + wd w; b = mu b + g; w -= lr (g + mu
   * b).
   */
  SGD_NESTEROV,
  /**
   * Adam with decoupled weight decay (AdamW): m, v moment estimates with bias correction, w -= lr
   * (m_hat / (sqrt(v_hat) + eps) + wd w).
   */
  ADAM
}
