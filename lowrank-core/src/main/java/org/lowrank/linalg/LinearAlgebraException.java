package org.lowrank.linalg;

/** A LAPACK routine reported failure (non-zero info) or a matrix was not usable (singular, non-finite). */
public class LinearAlgebraException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LinearAlgebraException(String message) {
    super(message);
  }
}
