package org.lowrank.train.data;

import org.lowrank.LowrankException;

/**
 * A dataset file is missing, malformed or inconsistent; the message says which file and why. Kind
 * {@link LowrankException.Kind#BAD_INPUT}.
 */
public class DatasetException extends LowrankException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(Kind.BAD_INPUT, message);
  }

  public DatasetException(String message, Throwable cause) {
    super(Kind.BAD_INPUT, message, cause);
  }
}
