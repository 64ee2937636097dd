package org.lowrank.decomp;

import org.lowrank.LowrankException;

/**
 * An iterative decomposition failed numerically (non-finite factors, divergence, singular system);
 * kind {@link LowrankException.Kind#NUMERICAL}.
 */
public class ConvergenceException extends LowrankException {
  private static final long serialVersionUID = 1L;

  public ConvergenceException(String message) {
    super(Kind.NUMERICAL, message);
  }

  public ConvergenceException(String message, Throwable cause) {
    super(Kind.NUMERICAL, message, cause);
  }
}
