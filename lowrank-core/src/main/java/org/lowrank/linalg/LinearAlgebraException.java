package org.lowrank.linalg;

import org.lowrank.LowrankException;

/**
 * A LAPACK routine reported failure (non-zero info) or a matrix was not usable (singular,
 * non-finite); kind {@link LowrankException.Kind#NUMERICAL}.
 */
public class LinearAlgebraException extends LowrankException {
  private static final long serialVersionUID = 1L;

  public LinearAlgebraException(String message) {
    super(Kind.NUMERICAL, message);
  }
}
