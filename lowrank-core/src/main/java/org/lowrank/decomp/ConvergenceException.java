package org.lowrank.decomp;

/** An iterative decomposition failed numerically (non-finite factors, divergence, singular system). */
public class ConvergenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConvergenceException(String message) {
    super(message);
  }

  public ConvergenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
